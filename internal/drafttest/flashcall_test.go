package drafttest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The draft flash-call spec (issue 12): a form body with the flash-call
// application's key pair on a path with a trailing slash, two GETs with the
// pair in the query (two apiKey security schemes), and a GET with no
// credential whose success is the plain text "ok".
var flashcallDraft = &nxchDraft{name: "nxcloud/flashcall"}

var flashcallPair = option.WithAppCredentials("flashcall", "mock-flashcall-appkey", "mock-flashcall-secret")

func TestFlashcallSendPostsAFormToTheSlashedPath(t *testing.T) {
	env := nxchStart(t, flashcallDraft, "", false, flashcallPair)
	op := flashcallDraft.op(t, "send")
	var out map[string]any
	require.NoError(t, env.svc.Call(context.Background(), "send", nil, nxchRequestExample(t, op), &out, nil))
	example, ok := nxchSuccessExample(t, op).(map[string]any)
	require.True(t, ok)
	for k := range example {
		assert.Contains(t, out, k, "the whole flat answer is the result")
	}
	assert.Equal(t, "0", out["code"])
	assert.Regexp(t, "^[0-9a-f]{32}$", out["requestId"], "the new call's ID")

	req, body := env.wire.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/otp/call/", req.URL.Path, "the trailing slash is part of the path")
	assert.Equal(t, specs.MediaForm, req.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, "mock-flashcall-appkey", form.Get("appkey"))
	assert.Equal(t, "mock-flashcall-secret", form.Get("appsecret"), "the secret goes as appsecret, as the examples send it")
	assert.Empty(t, form.Get("secretkey"))
	assert.Equal(t, "6281234567890", form.Get("msisdn"))
	assert.Equal(t, "2150928925", form.Get("from"))
	for _, h := range []string{"accessKey", "sign", "ts", "Authorization"} {
		assert.Empty(t, req.Header.Get(h), "%s sent where no signature is due", h)
	}
}

func TestFlashcallSendWithAWrongKeyPairIsAnAuthFailure(t *testing.T) {
	env := nxchStart(t, flashcallDraft, "", false, option.WithAppCredentials("flashcall", "mock-flashcall-appkey", "not-the-secret-XYZ"))
	err := env.svc.Call(context.Background(), "send", nil, nxchRequestExample(t, flashcallDraft.op(t, "send")), new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode)
	assert.Equal(t, 1, ae.Code, "the text code \"1\" is read as 1")
	assert.ErrorIs(t, err, apierror.ErrAuth, "x-error-kinds: auth [1]")
	assert.NotContains(t, err.Error(), "not-the-secret-XYZ")
}

func TestFlashcallSendChecksItsParamsBeforeSending(t *testing.T) {
	env := nxchStart(t, flashcallDraft, "", false, flashcallPair)
	params := nxchRequestExample(t, flashcallDraft.op(t, "send"))
	err := env.svc.Call(context.Background(), "send", nil, nxchWithout(params, "msisdn"), new(map[string]any), nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, nxchJoin(ve.Problems), "msisdn")
	assert.Zero(t, env.wire.count(), "a request was sent")

	// Without the pair the client refuses too, naming the option to use.
	env = nxchStart(t, flashcallDraft, "", false)
	err = env.svc.Call(context.Background(), "send", nil, params, new(map[string]any), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `option.WithAppCredentials("flashcall"`)
	assert.Zero(t, env.wire.count(), "a request was sent")
}

func TestFlashcallRecordReadsSendTheKeyPairInTheQuery(t *testing.T) {
	for _, opID := range []string{"getRecord", "listRecords"} {
		t.Run(opID, func(t *testing.T) {
			env := nxchStart(t, flashcallDraft, "", false, flashcallPair)
			op := flashcallDraft.op(t, opID)
			params := nxchRequestExample(t, op)
			var out map[string]any
			err := env.svc.Call(context.Background(), opID, nil, params, &out, nil)
			require.NoError(t, err)
			assert.Equal(t, env.wire.lastAnswer(t), any(out), "the whole flat answer is the result")

			req, body := env.wire.last(t)
			assert.Equal(t, http.MethodGet, req.Method)
			assert.Equal(t, op.Path, req.URL.Path, "/otp/call, not the /opt/call of the URL lines")
			assert.Empty(t, body)
			q := req.URL.Query()
			assert.Equal(t, "mock-flashcall-appkey", q.Get("appkey"))
			assert.Equal(t, "mock-flashcall-secret", q.Get("appsecret"))
			for k, v := range params {
				assert.Equal(t, v, q.Get(k), "query parameter %s", k)
			}
		})
	}
}

func TestFlashcallRecordReadsWithAWrongKeyPairAreAuthFailures(t *testing.T) {
	for _, opID := range []string{"getRecord", "listRecords"} {
		t.Run(opID, func(t *testing.T) {
			env := nxchStart(t, flashcallDraft, "", false, option.WithAppCredentials("flashcall", "mock-flashcall-appkey", "not-the-secret-XYZ"))
			err := env.svc.Call(context.Background(), opID, nil, nxchRequestExample(t, flashcallDraft.op(t, opID)), new(map[string]any), nil)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 1, ae.Code)
			assert.ErrorIs(t, err, apierror.ErrAuth)
			assert.NotContains(t, err.Error(), "not-the-secret-XYZ", "the query's secret is not echoed")
		})
	}
}

func TestFlashcallRecordReadsCheckTheirParamsBeforeSending(t *testing.T) {
	env := nxchStart(t, flashcallDraft, "", false, flashcallPair)
	var ve *apierror.ValidationError
	err := env.svc.Call(context.Background(), "getRecord", nil, map[string]any{}, new(map[string]any), nil)
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, nxchJoin(ve.Problems), "requestId")

	params := nxchRequestExample(t, flashcallDraft.op(t, "listRecords"))
	err = env.svc.Call(context.Background(), "listRecords", nil, nxchWith(params, "start", "2021-04-27T17:00:00Z"), new(map[string]any), nil)
	require.ErrorAs(t, err, &ve, "start must be yyyy-MM-dd HH:mm:ss")
	assert.Contains(t, nxchJoin(ve.Problems), "start")
	assert.Zero(t, env.wire.count(), "a request was sent")
}

func TestFlashcallReportConversionSendsNoCredentialAndReadsOK(t *testing.T) {
	env := nxchStart(t, flashcallDraft, "", false, flashcallPair)
	op := flashcallDraft.op(t, "reportConversion")
	require.NoError(t, env.mock.AddMessage("nxcloud/flashcall", "3097f48a0c6e465586e9f7cc5a922b90")) // a call the mock made
	require.NoError(t, env.svc.Call(context.Background(), "reportConversion", nil, nxchRequestExample(t, op), nil, nil))
	req, body := env.wire.last(t)
	assert.Equal(t, http.MethodGet, req.Method)
	assert.Equal(t, "/otp/call/convertion", req.URL.Path)
	assert.Empty(t, body)
	assert.Equal(t, "3097f48a0c6e465586e9f7cc5a922b90", req.URL.Query().Get("requestId"))
	assert.Equal(t, "1", req.URL.Query().Get("action"))
	assert.Empty(t, req.URL.Query().Get("appkey"), "no credential: x-app-credentials is null for it")
	assert.Empty(t, req.URL.Query().Get("appsecret"))

	var ve *apierror.ValidationError
	err := env.svc.Call(context.Background(), "reportConversion", nil, map[string]any{"requestId": "3097f48a0c6e465586e9f7cc5a922b90", "action": 2}, nil, nil)
	require.ErrorAs(t, err, &ve, "action is 0 or 1")
	assert.Contains(t, nxchJoin(ve.Problems), "action")
}

func TestFlashcallATransportErrorDoesNotShowTheQuerySecret(t *testing.T) {
	flashcallDraft.register(t)
	// Nothing listens on port 1: the request fails in the transport.
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg, err := apiclient.NewConfig([]option.Option{option.WithBaseURL("http://127.0.0.1:1"), option.WithoutRetries(),
		option.WithLogger(logger), option.WithLogBodies(),
		option.WithAppCredentials("flashcall", "mock-flashcall-appkey", "not-for-any-log-XYZ")})
	require.NoError(t, err)
	svc := apiclient.NewService(cfg, flashcallDraft.name, func(base http.RoundTripper) http.RoundTripper { return base })
	err = svc.Call(context.Background(), "getRecord", nil, map[string]any{"requestId": "ce21811804a449a08e07e61ba7c52824"}, new(map[string]any), nil)
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	assert.NotContains(t, err.Error(), "not-for-any-log-XYZ", "the key pair in the query is masked in the error")
	assert.NotContains(t, err.Error(), "mock-flashcall-appkey")
	assert.Contains(t, err.Error(), "appsecret=%2A%2A%2A")
	require.Contains(t, logged.String(), "verikit call", "the attempt was logged")
	assert.NotContains(t, logged.String(), "not-for-any-log-XYZ", "nor is it in the debug log")
	assert.NotContains(t, logged.String(), "mock-flashcall-appkey")
}

func TestFlashcallCallbackIsDescribedButHasNoReceiver(t *testing.T) {
	doc := flashcallDraft.register(t)
	require.NotNil(t, doc.OpenAPI.Components.Schemas["FlashCallCallback"], "the page's callback is modelled")
	// The page documents neither the fields nor where they arrive nor the
	// reply: there is nothing to build a typed receiver (x-callback) from.
	_, err := doc.Callback("FlashCallCallback")
	assert.Error(t, err)
}
