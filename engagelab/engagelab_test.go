package engagelab_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/option"
)

const (
	devKey      = "el-dev-key"
	devSecret   = "el-secret-DO-NOT-LEAK-93be"
	wrongSecret = "el-wrong-secret-ALSO-SECRET-c01d"
	messageID   = "1725407449772531712"
)

type reply struct {
	status      int
	contentType string // "" = application/json
	body        string
}

// fakeEngageLab checks HTTP Basic credentials itself and answers 401/2001
// to anything else, as EngageLab does; authentic requests get the
// scripted reply.
type fakeEngageLab struct {
	mu       sync.Mutex
	requests int
	authOK   int
	bodies   []string
	problems []string
	script   *reply
	block    bool
	release  chan struct{}
}

func newFake(t *testing.T) (*fakeEngageLab, *httptest.Server) {
	t.Helper()
	f := &fakeEngageLab{release: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		close(f.release) // before srv.Close
		f.mu.Lock()
		defer f.mu.Unlock()
		assert.Empty(t, f.problems, "the client broke EngageLab's protocol")
	})
	return f, srv
}

func (f *fakeEngageLab) answer(r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = &r
}

func (f *fakeEngageLab) count() (requests, authOK int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.authOK
}

func (f *fakeEngageLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests++
	f.bodies = append(f.bodies, string(body))
	script, block := f.script, f.block
	if r.Method != http.MethodPost || r.URL.Path != "/v1/verifications" {
		f.problems = append(f.problems, fmt.Sprintf("unexpected %s %s", r.Method, r.URL.Path))
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.problems = append(f.problems, fmt.Sprintf("Content-Type %q", ct))
	}
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(devKey+":"+devSecret))
	if r.Header.Get("Authorization") != want {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":2001,"message":"authentication failed"}`)
		return
	}
	f.mu.Lock()
	f.authOK++
	f.mu.Unlock()

	if block {
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	if script == nil {
		var req otp.VerifyRequest
		_ = json.Unmarshal(body, &req)
		fmt.Fprintf(w, `{"message_id":%q,"verify_code":%q,"verified":%t}`, req.MessageID, req.VerifyCode, req.VerifyCode == "667090")
		return
	}
	if script.contentType != "" {
		w.Header().Set("Content-Type", script.contentType)
	}
	w.WriteHeader(script.status)
	io.WriteString(w, script.body)
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		assert.NotContains(t, text, devSecret)
		assert.NotContains(t, text, wrongSecret)
		assert.NotContains(t, text, base64.StdEncoding.EncodeToString([]byte(devKey+":"+devSecret)))
	}
}

func newClient(t *testing.T, baseURL string, opts ...option.Option) *engagelab.Client {
	t.Helper()
	// Retries wait a millisecond, so that tests stay fast.
	base := []option.Option{option.WithBaseURL(baseURL), option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond)}
	c, err := engagelab.NewClient(devKey, devSecret, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func verify(c *engagelab.Client, code string) (*otp.VerifyResponse, error) {
	return c.OTP.VerifyWithResponse(context.Background(), otp.VerifyRequest{MessageID: messageID, VerifyCode: code})
}

func TestVerifyOutcome(t *testing.T) {
	tests := []struct {
		name, code string
		want       bool
	}{
		{"right code", "667090", true},
		{"wrong code is not an error", "000000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			c := newClient(t, srv.URL)
			res, err := verify(c, tt.code)
			noSecret(t, err)
			require.NoError(t, err)
			require.NotNil(t, res.JSON200)
			assert.Equal(t, tt.want, res.JSON200.Verified)
			assert.Equal(t, messageID, res.JSON200.MessageID)
			assert.Equal(t, tt.code, res.JSON200.VerifyCode)
			n, ok := f.count()
			assert.Equal(t, 1, n)
			assert.Equal(t, 1, ok)
			f.mu.Lock()
			assert.JSONEq(t, fmt.Sprintf(`{"message_id":%q,"verify_code":%q}`, messageID, tt.code), f.bodies[0])
			f.mu.Unlock()
		})
	}
}

func TestVerifySuccessWithoutJSONContentType(t *testing.T) {
	f, srv := newFake(t)
	f.answer(reply{status: http.StatusOK, contentType: "text/plain", body: `{"message_id":"1","verify_code":"2","verified":true}`})
	res, err := verify(newClient(t, srv.URL), "2")
	require.NoError(t, err)
	require.NotNil(t, res.JSON200)
	assert.True(t, res.JSON200.Verified)
}

func TestVendorErrors(t *testing.T) {
	tests := []struct {
		name       string
		reply      reply
		wantStatus int
		wantCode   *int // nil = no code in the body
		wantMsg    string
		wantKind   error // apierror.ErrAuth, …; nil = none
		wantBody   string
	}{
		{
			name:       "code expired or already verified",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":3003,"message":"verify code has expired"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   ptr(int(otp.ErrorCodeCodeExpiredOrVerified)),
			wantMsg:    "verify code has expired",
			wantKind:   apierror.ErrAlreadyVerified,
		},
		{
			name:       "unknown message",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":4001,"message":"message not found"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   ptr(int(otp.ErrorCodeNotFound)),
			wantMsg:    "message not found",
		},
		{
			name:       "forbidden",
			reply:      reply{status: http.StatusForbidden, body: `{"code":2004,"message":"no permission"}`},
			wantStatus: http.StatusForbidden,
			wantCode:   ptr(int(otp.ErrorCodeForbidden)),
			wantMsg:    "no permission",
			wantKind:   apierror.ErrAuth,
		},
		{
			name:       "too frequent",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":3004,"message":"code already sent"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   ptr(int(otp.ErrorCodeTooFrequent)),
			wantMsg:    "code already sent",
			wantKind:   apierror.ErrTooFrequent,
		},
		{
			name:       "429 without a body",
			reply:      reply{status: http.StatusTooManyRequests},
			wantStatus: http.StatusTooManyRequests,
			wantKind:   apierror.ErrTooFrequent,
		},
		{
			name:       "internal error with its code",
			reply:      reply{status: http.StatusInternalServerError, body: `{"code":1000,"message":"internal error"}`},
			wantStatus: http.StatusInternalServerError,
			wantCode:   ptr(int(otp.ErrorCodeInternalError)),
			wantMsg:    "internal error",
		},
		{
			name:       "500 with a non-JSON body",
			reply:      reply{status: http.StatusInternalServerError, contentType: "text/html", body: "<html>Internal Server Error</html>"},
			wantStatus: http.StatusInternalServerError,
			wantBody:   "<html>Internal Server Error</html>",
		},
		{
			name:       "500 with an empty body",
			reply:      reply{status: http.StatusInternalServerError},
			wantStatus: http.StatusInternalServerError,
		},
		{
			name:       "500 with truncated JSON",
			reply:      reply{status: http.StatusInternalServerError, body: `{"code":10`},
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"code":10`,
		},
		{
			name:       "200 with a non-JSON body",
			reply:      reply{status: http.StatusOK, contentType: "text/html", body: "<html>ok</html>"},
			wantStatus: http.StatusOK,
			wantBody:   "<html>ok</html>",
		},
		{
			name:       "200 with an empty body",
			reply:      reply{status: http.StatusOK},
			wantStatus: http.StatusOK,
		},
		{
			name:       "200 with truncated JSON",
			reply:      reply{status: http.StatusOK, body: `{"message_id":"1","verif`},
			wantStatus: http.StatusOK,
			wantBody:   `{"message_id":"1","verif`,
		},
		{
			name:       "302 redirect without a location",
			reply:      reply{status: http.StatusFound, body: ""},
			wantStatus: http.StatusFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.answer(tt.reply)
			c := newClient(t, srv.URL)

			var res *otp.VerifyResponse
			var err error
			require.NotPanics(t, func() { res, err = verify(c, "667090") })
			noSecret(t, err)
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantStatus, ae.StatusCode)
			assert.Equal(t, "engagelab/otp verify", ae.Operation)
			if tt.wantCode != nil {
				assert.True(t, ae.HasCode)
				assert.Equal(t, *tt.wantCode, ae.Code)
				assert.Equal(t, tt.wantMsg, ae.Message)
				assert.Contains(t, err.Error(), fmt.Sprint(*tt.wantCode))
			} else {
				assert.False(t, ae.HasCode)
				assert.Equal(t, tt.wantBody, string(ae.Body))
			}
			if tt.wantStatus != http.StatusOK {
				assert.Contains(t, err.Error(), fmt.Sprint(tt.wantStatus), "the error names the HTTP status")
			}
			assert.Equal(t, tt.wantKind, ae.Kind)
			if tt.wantKind != nil {
				assert.ErrorIs(t, err, tt.wantKind)
			}
			assert.Equal(t, 1, ae.Attempts, "verify is unsafe: never re-sent")
			n, _ := f.count()
			assert.Equal(t, 1, n)
		})
	}
}

func TestWrongCredentials(t *testing.T) {
	tests := []struct{ name, key, secret string }{
		{"wrong secret", devKey, wrongSecret},
		{"wrong key", "someone-else", devSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			c, err := engagelab.NewClient(tt.key, tt.secret, option.WithBaseURL(srv.URL))
			require.NoError(t, err)
			res, err := verify(c, "667090")
			noSecret(t, err)
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
			assert.Equal(t, int(otp.ErrorCodeAuthFailed), ae.Code)
			assert.Equal(t, "authentication failed", ae.Message)
			assert.Contains(t, err.Error(), "401")
			assert.ErrorIs(t, err, apierror.ErrAuth)
			n, ok := f.count()
			assert.Equal(t, 1, n)
			assert.Zero(t, ok)
		})
	}
}

func TestValidationErrorSendsNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(*engagelab.Client) (*otp.VerifyResponse, error)
		want []string
	}{
		{
			name: "empty message_id",
			call: func(c *engagelab.Client) (*otp.VerifyResponse, error) {
				return c.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{VerifyCode: "667090"})
			},
			want: []string{"message_id: must not be empty"},
		},
		{
			name: "missing message_id",
			call: func(c *engagelab.Client) (*otp.VerifyResponse, error) {
				return c.OTP.VerifyWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"verify_code":"667090"}`))
			},
			want: []string{"message_id: is required"},
		},
		{
			name: "empty request",
			call: func(c *engagelab.Client) (*otp.VerifyResponse, error) {
				return c.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{})
			},
			want: []string{"message_id: must not be empty", "verify_code: must not be empty"},
		},
		{
			name: "numeric verify_code",
			call: func(c *engagelab.Client) (*otp.VerifyResponse, error) {
				return c.OTP.VerifyWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"message_id":"1","verify_code":667090}`))
			},
			want: []string{"verify_code: value must be a string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			res, err := tt.call(newClient(t, srv.URL))
			noSecret(t, err)
			assert.Nil(t, res)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "engagelab/otp verify", ve.Operation)
			assert.Equal(t, tt.want, ve.Problems)
			n, _ := f.count()
			assert.Zero(t, n, "the server received a request")
		})
	}
}

func TestNon200SuccessStatus(t *testing.T) {
	f, srv := newFake(t)
	f.answer(reply{status: http.StatusCreated, body: `{"message_id":"1","verify_code":"2","verified":true}`})
	res, err := verify(newClient(t, srv.URL), "2")
	if err == nil {
		assert.NotNil(t, res.JSON200, "a nil error promises JSON200")
	}
}

func TestTimeout(t *testing.T) {
	f, srv := newFake(t)
	f.mu.Lock()
	f.block = true
	f.mu.Unlock()
	c := newClient(t, srv.URL, option.WithTimeout(50*time.Millisecond))
	res, err := verify(c, "667090")
	noSecret(t, err)
	assert.Nil(t, res)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// The request reached EngageLab and verify is not safe to repeat.
	assert.ErrorIs(t, err, apierror.ErrOutcomeUnknown)
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Attempts)
}

func TestClosedServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	res, err := verify(newClient(t, base), "667090")
	noSecret(t, err)
	assert.Nil(t, res)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	var ae *apierror.Error
	assert.False(t, errors.As(err, &ae))
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts, "a request that never left may be sent again")
	assert.NotErrorIs(t, err, apierror.ErrOutcomeUnknown)
}

type countingRoundTripper struct {
	base http.RoundTripper
	n    atomic.Int32
}

func (c *countingRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestWithHTTPClientIsUsedAndNotModified(t *testing.T) {
	f, srv := newFake(t)
	rt := &countingRoundTripper{base: http.DefaultTransport}
	hc := &http.Client{Transport: rt}
	res, err := verify(newClient(t, srv.URL, option.WithHTTPClient(hc)), "667090")
	require.NoError(t, err)
	assert.True(t, res.JSON200.Verified)
	assert.Same(t, rt, hc.Transport)
	assert.EqualValues(t, 1, rt.n.Load())
	_, ok := f.count()
	assert.Equal(t, 1, ok, "credentials are added on top of the caller's transport")
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	f := &fakeEngageLab{release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle("/otp/", http.StripPrefix("/otp", f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.release) })

	res, err := verify(newClient(t, srv.URL+"/otp"), "667090")
	require.NoError(t, err)
	assert.True(t, res.JSON200.Verified)
	f.mu.Lock()
	assert.Empty(t, f.problems)
	f.mu.Unlock()
}

func TestNewClientRequiresCredentials(t *testing.T) {
	tests := []struct{ name, key, secret string }{
		{"no key", "", devSecret},
		{"no secret", devKey, ""},
		{"neither", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := engagelab.NewClient(tt.key, tt.secret)
			require.Error(t, err)
			assert.Nil(t, c)
			noSecret(t, err)
		})
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	c, err := engagelab.NewClient(devKey, devSecret, option.WithBaseURL("ftp://otp.example"))
	require.Error(t, err)
	assert.Nil(t, c)
}

func TestNewClientDefaultsToProduction(t *testing.T) {
	c, err := engagelab.NewClient(devKey, devSecret)
	require.NoError(t, err)
	inner, ok := c.OTP.ClientInterface.(*otp.Client)
	require.True(t, ok)
	assert.Equal(t, "https://otp.api.engagelab.cc/", inner.Server)
}

func ptr(n int) *int { return &n }
