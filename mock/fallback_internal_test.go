package mock

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// TestExampleFallback removes every stateful handler, so that each
// operation is answered from its spec's examples, as a newly added
// operation would be: the answer must satisfy the spec (Start fails the
// test otherwise) and the real clients must take it as a success.
// Not parallel: it swaps the package's handler table.
func TestExampleFallback(t *testing.T) {
	saved := handlers
	handlers = map[string]func(*Server, *call) reply{}
	t.Cleanup(func() { handlers = saved })

	m := Start(t)
	ctx := context.Background()
	nx, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL), option.WithoutRetries())
	require.NoError(t, err)
	el, err := engagelab.NewClient(m.DevKey, m.DevSecret, option.WithBaseURL(m.URL), option.WithoutRetries())
	require.NoError(t, err)

	initEnv, err := verikit.Result(nx.OTA.InitWithResponse(ctx, ota.InitRequest{Appkey: "a", Phone: "8615800001795", UserIP: "203.0.113.7"}))
	require.NoError(t, err)
	assert.NotEmpty(t, initEnv.Data.URL, "init's success example carries a link")

	verifyEnv, err := verikit.Result(nx.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: "a", RequestID: "unknown-to-any-handler"}))
	require.NoError(t, err)
	assert.Equal(t, ota.VerificationStatusSuccess, verifyEnv.Data.Status)

	_, err = verikit.Result(nx.WhatsApp.CheckCodeWithResponse(ctx, waintegrator.CheckCodeRequest{PhoneNumber: "1", Code: "wrong-for-the-handler"}))
	require.NoError(t, err)

	loginEnv, err := verikit.Result(nx.WhatsApp.LoginWithResponse(ctx))
	require.NoError(t, err)
	assert.NotEmpty(t, loginEnv.Data.Token, "login's success example carries a token")

	_, err = verikit.Result(nx.WhatsApp.GetCodeWithResponse(ctx, waintegrator.GetCodeRequest{PhoneNumber: "1", Method: waintegrator.CodeMethodVoice}))
	require.NoError(t, err)

	_, err = verikit.Result(nx.WhatsApp.CreateClientWithResponse(ctx, waintegrator.CreateClientRequest{PhoneNumber: "never-confirmed"}))
	require.NoError(t, err)

	appEnv, err := verikit.Result(nx.WhatsApp.CreateAppWithResponse(ctx, waintegrator.CreateAppRequest{AppName: "a", Webhook: "https://hooks.example/wa"}))
	require.NoError(t, err)
	assert.NotEmpty(t, appEnv.Data.AppKey, "createApp's success example carries an app_key")

	listEnv, err := verikit.Result(nx.WhatsApp.PhoneListWithResponse(ctx, waintegrator.PhoneListRequest{Appkey: "never-created"}))
	require.NoError(t, err)
	require.NotNil(t, listEnv.Data)
	assert.Len(t, *listEnv.Data, 2, "phoneList's success example lists two numbers")

	_, err = verikit.Result(el.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{MessageID: "never-sent", VerifyCode: "1"}))
	require.NoError(t, err)
}
