// Package drafttest tests the NXCloud channel specs of issue 12 (SMS,
// e-mail, voice, flash call, number check, balance) product by product,
// through the real pipeline and the mock: what goes on the wire, where
// the key pair goes, what is masked, and that the mock's answers fit each
// spec. The specs began here as drafts; they are embedded now.
package drafttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The draft NXCloud SMS spec (issue 12): a form body with the SMS
// application's key pair, a text result code, and a GET with no credential
// whose success is the plain text "success".
const smsSpec = "nxcloud/sms"

// wire records what the server received, then passes it on.
type wire struct {
	next http.Handler
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	// answers are the bodies the server answered, in order.
	answers [][]byte
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.mu.Lock()
	w.reqs = append(w.reqs, r.Clone(context.Background()))
	w.body = append(w.body, b)
	w.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	rec := httptest.NewRecorder()
	w.next.ServeHTTP(rec, r)
	w.mu.Lock()
	w.answers = append(w.answers, rec.Body.Bytes())
	w.mu.Unlock()
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	_, _ = rw.Write(rec.Body.Bytes())
}

// lastAnswer is the server's last answer, decoded as a caller's map
// receives it.
func (w *wire) lastAnswer(t *testing.T) any {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.answers, "nothing was answered")
	var v any
	require.NoError(t, json.Unmarshal(w.answers[len(w.answers)-1], &v))
	return v
}

func (w *wire) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.reqs, "nothing was sent")
	return w.reqs[len(w.reqs)-1], w.body[len(w.body)-1]
}

func (w *wire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

var mockPair = option.WithAppCredentials("sms", "mock-sms-appkey", "mock-sms-secret")

type sendParams struct {
	Phone   string `json:"phone,omitempty"`
	Content string `json:"content,omitempty"`
}

func TestSendsAFormWithTheApplicationsKeyPair(t *testing.T) {
	svc, w := draftStart(t, smsSpec, mockPair)
	var out map[string]any
	err := svc.Call(context.Background(), "send", nil, &sendParams{Phone: "8615088888888", Content: "Your code is 398512 & more"}, &out, nil)
	require.NoError(t, err)
	assert.Equal(t, "0", out["code"], "the whole flat answer is the result")
	assert.NotEmpty(t, out["messageid"])

	req, body := w.last(t)
	assert.Equal(t, specs.MediaForm, req.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, "mock-sms-appkey", form.Get("appkey"))
	assert.Equal(t, "mock-sms-secret", form.Get("secretkey"))
	assert.Equal(t, "Your code is 398512 & more", form.Get("content"), "the text is form-encoded")
	for _, h := range []string{"accessKey", "sign", "ts", "Authorization"} {
		assert.Empty(t, req.Header.Get(h), "%s sent where no signature is due", h)
	}
}

func TestAWrongKeyPairIsAnAuthFailure(t *testing.T) {
	svc, _ := draftStart(t, smsSpec, option.WithAppCredentials("sms", "mock-sms-appkey", "not-the-secret-XYZ"))
	err := svc.Call(context.Background(), "send", nil, &sendParams{Phone: "8615088888888", Content: "hi"}, new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode)
	assert.Equal(t, 1, ae.Code, "the text code \"1\" is read as 1")
	assert.ErrorIs(t, err, apierror.ErrAuth, "x-error-kinds: auth [1]")
	assert.NotContains(t, err.Error(), "not-the-secret-XYZ")
}

func TestNothingIsSentWithoutTheKeyPairOrWithBadParams(t *testing.T) {
	svc, w := draftStart(t, smsSpec)
	err := svc.Call(context.Background(), "send", nil, &sendParams{Phone: "1", Content: "hi"}, new(map[string]any), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `option.WithAppCredentials("sms"`)

	svc, w = draftStart(t, smsSpec, mockPair)
	err = svc.Call(context.Background(), "send", nil, &sendParams{Content: "hi"}, new(map[string]any), nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, strings.Join(ve.Problems, "; "), "phone")
	assert.Zero(t, w.count(), "a request was sent")
}

type conversionParams struct {
	Messageid string `json:"messageid,omitempty"`
	Status    string `json:"status,omitempty"`
}

func TestAPlainTextSuccessWithNoCredential(t *testing.T) {
	svc, w := draftStart(t, smsSpec, mockPair)
	require.NoError(t, w.next.(*mock.Server).AddMessage(smsSpec, "20d6c660bd664c65bef20026564b0b79")) // a message the mock sent
	require.NoError(t, svc.Call(context.Background(), "reportConversion", nil, &conversionParams{Messageid: "20d6c660bd664c65bef20026564b0b79", Status: "10"}, nil, nil))
	req, body := w.last(t)
	assert.Equal(t, http.MethodGet, req.Method)
	assert.Empty(t, body)
	assert.Equal(t, "20d6c660bd664c65bef20026564b0b79", req.URL.Query().Get("messageid"))
	assert.Equal(t, "10", req.URL.Query().Get("status"))
	assert.Empty(t, req.URL.Query().Get("appkey"), "no credential: x-app-credentials is null for it")

	err := svc.Call(context.Background(), "reportConversion", nil, &conversionParams{}, nil, nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "messageid is a required query parameter")
}

func TestATextAnswerThatIsNotSuccessIsAFailure(t *testing.T) {
	op, ok := specs.MustLoad(smsSpec).Operation("reportConversion")
	require.True(t, ok)
	for body, want := range map[string]bool{"success": true, " success\n": true, "fail": false, "": false, `{"code":0}`: false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		cfg, err := apiclient.NewConfig([]option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries()})
		require.NoError(t, err)
		svc := apiclient.NewService(cfg, smsSpec, func(b http.RoundTripper) http.RoundTripper { return b })
		err = svc.Call(context.Background(), op.ID, nil, &conversionParams{Messageid: "m"}, nil, nil)
		srv.Close()
		if want {
			assert.NoError(t, err, "%q", body)
			continue
		}
		var ae *apierror.Error
		require.True(t, errors.As(err, &ae), "%q: %v", body, err)
		assert.Contains(t, ae.Reason, "not success", "%q", body)
	}
}

func TestTheKeyPairIsMaskedInLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, _ := draftStart(t, smsSpec, option.WithAppCredentials("sms", "mock-sms-appkey", "mock-sms-secret"), option.WithLogger(logger), option.WithLogBodies())
	require.NoError(t, svc.Call(context.Background(), "send", nil, &sendParams{Phone: "8615088888888", Content: "hi"}, new(map[string]any), nil))
	assert.Contains(t, logs.String(), "secretkey=%2A%2A%2A", "the form is logged, masked")
	assert.NotContains(t, logs.String(), "mock-sms-secret")
	assert.NotContains(t, logs.String(), "mock-sms-appkey")
}
