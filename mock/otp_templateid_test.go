package mock_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
)

// getTemplate and deleteTemplate over raw HTTP: the template ID comes from
// the path, escaped.
func TestOTPGetDeleteTemplateRaw(t *testing.T) {
	m := mock.Start(t)
	const id = "Login Code ü?#%" // escaped in the path, decoded by the mock
	path := "/v1/template-configs/" + url.PathEscape(id)

	status, v := otpRaw(t, m, http.MethodGet, path, "", true)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))

	status, _ = otpRaw(t, m, http.MethodPost, "/v1/template-configs", `{"template_id":"Login Code ü?#%","send_channel_strategy":"email","email_config":{"template_name":"login-code-mail"}}`, true)
	require.Equal(t, http.StatusOK, status)
	status, v = otpRaw(t, m, http.MethodGet, path, "", true)
	require.Equal(t, http.StatusOK, status, "%v", v)
	assert.Equal(t, id, otpField(t, v, "template_id"))
	assert.Equal(t, "email", otpField(t, v, "send_channel_strategy"))
	assert.EqualValues(t, 2, otpField(t, v, "status"))

	for range 2 { // the second delete finds nothing
		status, v = otpRaw(t, m, http.MethodDelete, path, "", true)
		if status == http.StatusOK {
			assert.EqualValues(t, 0, otpField(t, v, "code"))
			continue
		}
		assert.Equal(t, http.StatusBadRequest, status)
		assert.EqualValues(t, 4001, otpField(t, v, "code"))
	}
	status, _ = otpRaw(t, m, http.MethodGet, path, "", true)
	assert.Equal(t, http.StatusBadRequest, status)
}

// The seed template can be deleted like any other; sends with it then get
// 4001, and codes sent before can still be verified.
func TestOTPDeleteSeedTemplate(t *testing.T) {
	m := mock.Start(t)
	status, v := otpSendRaw(t, m, "+1", mock.DefaultOTPTemplateID)
	require.Equal(t, http.StatusOK, status)
	id := otpField(t, v, "message_id").(string)

	status, _ = otpRaw(t, m, http.MethodDelete, "/v1/template-configs/"+mock.DefaultOTPTemplateID, "", true)
	require.Equal(t, http.StatusOK, status)
	status, v = otpSendRaw(t, m, "+2", mock.DefaultOTPTemplateID)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))

	status, v = otpVerifyRaw(t, m, id, mock.DefaultOTPCode)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, otpField(t, v, "verified"))

	_, v = otpRaw(t, m, http.MethodGet, "/v1/template-configs", "", true)
	assert.Equal(t, []any{}, v, "an empty list is [], not null")
}

// pathRecorder records the escaped path of every request it passes on.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.EscapedPath())
	p.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// A template ID holding "/" and a space, through the real EngageLab client:
// the client escapes it into one path segment (%2F, %20), and both the
// client's spec check and the mock's router take that segment as one
// templateId.
func TestOTPTemplateIDWithSlashThroughClient(t *testing.T) {
	m := mock.Start(t)
	rec := &pathRecorder{}
	c, err := engagelab.NewClient(m.DevKey, m.DevSecret, option.WithBaseURL(m.URL),
		option.WithHTTPClient(&http.Client{Transport: rec}), option.WithoutRetries())
	require.NoError(t, err)
	ctx := t.Context()
	const id = "login/eu west"

	require.NoError(t, c.OTP.CreateTemplate(ctx, otp.TemplateConfig{TemplateID: id, SendChannelStrategy: "sms", SmsConfig: otp.SMSConfig{TemplateType: otp.SMSConfigTemplateTypeDefault}}))

	got, err := c.OTP.GetTemplate(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, id, got.TemplateID)
	assert.Equal(t, "sms", got.SendChannelStrategy)

	// Only the new template's ID was taken: the seed is still there.
	seed, err := c.OTP.GetTemplate(ctx, mock.DefaultOTPTemplateID)
	require.NoError(t, err)
	assert.Equal(t, mock.DefaultOTPTemplateID, seed.TemplateID)

	var raw option.RawResponse
	require.NoError(t, c.OTP.DeleteTemplate(ctx, id, option.WithRawResponse(&raw)))
	var done otp.OperationResult
	require.NoError(t, json.Unmarshal(raw.Body, &done), "body: %s", raw.Body)
	assert.Zero(t, done.Code, "the delete answered code 0")

	for _, call := range []func() error{
		func() error { _, err := c.OTP.GetTemplate(ctx, id); return err },
		func() error { return c.OTP.DeleteTemplate(ctx, id) },
	} {
		var ae *apierror.Error
		require.ErrorAs(t, call(), &ae, "the template is gone")
		assert.Equal(t, int(otp.ErrorCodeNotFound), ae.Code)
	}

	// An ID that would name another path once escaped is refused before
	// anything is sent: "" would turn getTemplate into the list, "." and
	// ".." would climb out of /v1/template-configs/.
	for _, bad := range []string{"", ".", ".."} {
		for name, call := range map[string]func() error{
			"get":    func() error { _, err := c.OTP.GetTemplate(ctx, bad); return err },
			"delete": func() error { return c.OTP.DeleteTemplate(ctx, bad) },
		} {
			var ve *apierror.ValidationError
			assert.ErrorAs(t, call(), &ve, "%s %q", name, bad)
		}
	}

	escaped := "/v1/template-configs/login%2Feu%20west"
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Equal(t, []string{
		"/v1/template-configs", escaped, "/v1/template-configs/" + mock.DefaultOTPTemplateID, escaped, escaped, escaped,
	}, rec.paths, "the ID went out as one escaped segment")
}
