package drafttest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// The draft signed SMS spec (issue 12): an NXCloud-signed JSON operation
// whose answer is not the code/msg/data envelope but the older flat shape
// with a text code.
var smsv2Draft = &nxchDraft{name: "nxcloud/sms-v2"}

func TestSMSv2SpecNamesItsPackage(t *testing.T) {
	doc := smsv2Draft.register(t)
	assert.Equal(t, specs.SDK{Vendor: "nxcloud", Package: "smsv2", Field: "SMSv2", Command: "sms-v2"}, doc.SDK)
	op := smsv2Draft.op(t, "send")
	assert.Equal(t, specs.AuthSigned, op.Auth())
	assert.Equal(t, "3", op.BizType)
	assert.Equal(t, "mtsend", op.Action)
	assert.Nil(t, op.AppCredentials, "appKey is a plain param of a signed call")
}

// The client's side, against a server that answers as the page documents:
// the request is signed over the JSON body sent, and the flat answer with
// the text code "0" is the result.
func TestSMSv2SendIsSignedAndReadsTheFlatAnswer(t *testing.T) {
	smsv2Draft.register(t)
	op := smsv2Draft.op(t, "send")
	success := nxchSuccessExample(t, op)
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"result":"Request succeeded","code":"0","messageid":"333444555666"}`)
	}))
	t.Cleanup(srv.Close)
	svc := smsv2Service(t, srv.URL, mock.DefaultAccessSecret)
	var out map[string]any
	require.NoError(t, svc.Call(context.Background(), "send", nil, nxchRequestExample(t, op), &out, nil))
	assert.Equal(t, success, any(out), "the whole flat answer is the result")

	require.NotNil(t, got)
	assert.Equal(t, "/api/sms/mtsend_v2", got.URL.Path)
	assert.Equal(t, specs.MediaJSON, got.Header.Get("Content-Type"))
	p := sign.Params{AccessKey: got.Header.Get(sign.HeaderAccessKey), TS: got.Header.Get(sign.HeaderTS),
		BizType: got.Header.Get(sign.HeaderBizType), Action: got.Header.Get(sign.HeaderAction)}
	assert.Equal(t, "3", p.BizType)
	assert.Equal(t, "mtsend", p.Action)
	assert.True(t, sign.Verify(sign.MD5, p, gotBody, mock.DefaultAccessSecret, got.Header.Get(sign.HeaderSign)))
	assert.Contains(t, string(gotBody), `"appKey":"k3Xp9sQa"`)
	assert.NotContains(t, string(gotBody), "secret", "no application secret in a signed call")
}

func TestSMSv2AFailureCodeIsReadAsText(t *testing.T) {
	smsv2Draft.register(t)
	for body, want := range map[string]struct {
		code int
		auth bool
	}{
		`{"result":"Application unavailable or incorrect key","code":"1","messageid":""}`: {1, true},
		`{"result":"Invalid signature","code":"1003","messageid":""}`:                     {1003, true},
		`{"result":"Content is too long","code":"5","messageid":""}`:                      {5, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		svc := smsv2Service(t, srv.URL, mock.DefaultAccessSecret)
		err := svc.Call(context.Background(), "send", nil, nxchRequestExample(t, smsv2Draft.op(t, "send")), new(map[string]any), nil)
		srv.Close()
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, body)
		assert.Equal(t, want.code, ae.Code, body)
		assert.Equal(t, want.auth, errors.Is(err, apierror.ErrAuth), body)
	}
}

func TestSMSv2SendThroughTheMock(t *testing.T) {
	env := nxchStart(t, smsv2Draft, "", true)
	op := smsv2Draft.op(t, "send")
	var out map[string]any
	err := env.svc.Call(context.Background(), "send", nil, nxchRequestExample(t, op), &out, nil)
	if bad := env.invalidAnswers(); len(bad) > 0 {
		t.Fatalf("the mock's answer broke its spec: %s", nxchFirstLine(bad[0]))
	}
	require.NoError(t, err)
	assert.Equal(t, env.wire.lastAnswer(t), any(out), "the whole flat answer is the result")
	assert.Regexp(t, "^[0-9a-f]{32}$", out["messageid"], "a new message's ID")
}

func TestSMSv2ABadSignatureThroughTheMock(t *testing.T) {
	env := nxchStart(t, smsv2Draft, "not-the-access-secret", true)
	err := env.svc.Call(context.Background(), "send", nil, nxchRequestExample(t, smsv2Draft.op(t, "send")), new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1003, ae.Code, "BadSignature")
	assert.ErrorIs(t, err, apierror.ErrAuth)
	if bad := env.invalidAnswers(); len(bad) > 0 {
		t.Errorf("the mock's rejection broke its spec: %s", nxchFirstLine(bad[0]))
	}
}

func TestSMSv2ParamsAreCheckedBeforeSending(t *testing.T) {
	env := nxchStart(t, smsv2Draft, "", false)
	params := nxchRequestExample(t, smsv2Draft.op(t, "send"))
	for name, c := range map[string]struct {
		params  map[string]any
		problem string
	}{
		"no appKey":             {nxchWithout(params, "appKey"), "appKey"},
		"no content":            {nxchWithout(params, "content"), "content"},
		"a sender of 21":        {nxchWith(params, "sourceAddress", "ABCDEFGHIJ0123456789X"), "sourceAddress"},
		"a short own ID":        {nxchWith(params, "sysMessageId", "abc"), "sysMessageId"},
		"linkVerbose not 0 / 1": {nxchWith(params, "linkVerbose", "2"), "linkVerbose"},
	} {
		err := env.svc.Call(context.Background(), "send", nil, c.params, new(map[string]any), nil)
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Contains(t, nxchJoin(ve.Problems), c.problem, name)
		}
	}
	assert.Zero(t, env.wire.count(), "a request was sent")
}

// smsv2Service sends the draft to baseURL, signed with the mock's access
// key and accessSecret.
func smsv2Service(t *testing.T, baseURL, accessSecret string) *apiclient.Service {
	t.Helper()
	cfg, err := apiclient.NewConfig([]option.Option{option.WithBaseURL(baseURL), option.WithoutRetries()})
	require.NoError(t, err)
	return apiclient.NewService(cfg, smsv2Draft.name, func(base http.RoundTripper) http.RoundTripper {
		return &sign.NXCloudTransport{Base: base, AccessKey: mock.DefaultAccessKey, AccessSecret: accessSecret, Operation: specs.SignedConstants}
	})
}
