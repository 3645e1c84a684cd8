package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

type signedReceipt struct {
	MessageID string `json:"messageid"`
}

// signedReceiver is the generic receiver of the test spec's signed
// callback, verifying with the mock's default account unless secret says
// otherwise; it records what Handle got.
func signedReceiver(t *testing.T, secret string) (*httptest.Server, func() ([]signedReceipt, []sign.Params)) {
	t.Helper()
	require.NoError(t, registerCallbackSpec())
	var mu sync.Mutex
	var got []signedReceipt
	var params []sign.Params
	h := &webhook.Callback[signedReceipt]{Spec: "test/callbacks", Schema: "SignedReceiptCallback",
		Verifier: &sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{mock.DefaultAccessKey: secret})},
		Handle: func(ctx context.Context, r signedReceipt) error {
			p, ok := webhook.SignedParams(ctx)
			assert.True(t, ok, "a signed callback's Handle finds its verified headers")
			mu.Lock()
			defer mu.Unlock()
			got, params = append(got, r), append(params, p)
			return nil
		}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, func() ([]signedReceipt, []sign.Params) {
		mu.Lock()
		defer mu.Unlock()
		return got, params
	}
}

func TestSignedSpecCallbackIsVerifiedThenDecoded(t *testing.T) {
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	for _, action := range []string{"", "dr", "mo"} {
		srv, got := signedReceiver(t, mock.DefaultAccessSecret)
		require.NoError(t, m.SendCallbackAs(context.Background(), srv.URL, "test/callbacks", "SignedReceiptCallback", action, map[string]any{"messageid": "m-" + action}))
		rs, ps := got()
		require.Len(t, rs, 1)
		assert.Equal(t, "m-"+action, rs[0].MessageID)
		want := action
		if want == "" {
			want = "dr" // the spec's first action
		}
		assert.Equal(t, sign.Params{AccessKey: mock.DefaultAccessKey, TS: ps[0].TS, BizType: "4", Action: want}, ps[0])
	}
	srv, _ := signedReceiver(t, mock.DefaultAccessSecret)
	assert.ErrorContains(t, m.SendCallbackAs(context.Background(), srv.URL, "test/callbacks", "SignedReceiptCallback", "mtsend", map[string]any{"messageid": "m"}),
		"takes the actions", "the mock sends only what the spec allows")
}

func TestSignedSpecCallbackRefusals(t *testing.T) {
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	// A wrong secret: the mock's delivery is refused, Handle never runs.
	srv, got := signedReceiver(t, "another-secret")
	assert.Error(t, m.SendCallback(context.Background(), srv.URL, "test/callbacks", "SignedReceiptCallback", map[string]any{"messageid": "m"}))
	rs, _ := got()
	assert.Empty(t, rs)

	// Unsigned, or signed for another operation (a captured API request
	// replayed), or with no Verifier configured.
	srv, got = signedReceiver(t, mock.DefaultAccessSecret)
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"messageid":"m"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Error(t, m.SendSignedCallback(context.Background(), srv.URL, mock.DefaultAccessKey, mock.DefaultAccessSecret, "6", "init", []byte(`{"messageid":"m"}`)))
	rs, _ = got()
	assert.Empty(t, rs)

	h := &webhook.Callback[signedReceipt]{Spec: "test/callbacks", Schema: "SignedReceiptCallback", Handle: func(context.Context, signedReceipt) error { return nil }}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/cb", strings.NewReader(`{"messageid":"m"}`)))
	assert.Equal(t, http.StatusInternalServerError, w.Code, "a signed callback without a Verifier is a configuration error")
}
