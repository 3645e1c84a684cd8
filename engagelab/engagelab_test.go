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

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
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
		var req otp.VerifyParams
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

func verify(c *engagelab.Client, code string, opts ...option.RequestOption) (*otp.VerifyResult, error) {
	return c.OTP.Verify(context.Background(), otp.VerifyParams{MessageID: messageID, VerifyCode: code}, opts...)
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
			require.NotNil(t, res)
			assert.Equal(t, tt.want, res.Verified)
			assert.Equal(t, messageID, res.MessageID)
			assert.Equal(t, tt.code, res.VerifyCode)
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
	require.NotNil(t, res)
	assert.True(t, res.Verified)
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
		wantReason string // contained in Reason; "" = none
	}{
		{
			name:       "code expired or already verified",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":3003,"message":"verify code has expired"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   verikit.Ptr(int(otp.ErrorCodeCodeExpiredOrVerified)),
			wantMsg:    "verify code has expired",
			wantKind:   apierror.ErrAlreadyVerified,
		},
		{
			name:       "unknown message",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":4001,"message":"message not found"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   verikit.Ptr(int(otp.ErrorCodeNotFound)),
			wantMsg:    "message not found",
		},
		{
			name:       "forbidden",
			reply:      reply{status: http.StatusForbidden, body: `{"code":2004,"message":"no permission"}`},
			wantStatus: http.StatusForbidden,
			wantCode:   verikit.Ptr(int(otp.ErrorCodeForbidden)),
			wantMsg:    "no permission",
			wantKind:   apierror.ErrAuth,
		},
		{
			name:       "too frequent",
			reply:      reply{status: http.StatusBadRequest, body: `{"code":3004,"message":"code already sent"}`},
			wantStatus: http.StatusBadRequest,
			wantCode:   verikit.Ptr(int(otp.ErrorCodeTooFrequent)),
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
			wantCode:   verikit.Ptr(int(otp.ErrorCodeInternalError)),
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
			wantReason: "the answer is not JSON",
		},
		{
			name:       "200 with an empty body",
			reply:      reply{status: http.StatusOK},
			wantStatus: http.StatusOK,
			wantReason: "the answer is not JSON",
		},
		{
			name:       "200 with truncated JSON",
			reply:      reply{status: http.StatusOK, body: `{"message_id":"1","verif`},
			wantStatus: http.StatusOK,
			wantBody:   `{"message_id":"1","verif`,
			wantReason: "the answer is not JSON",
		},
		{
			name:       "302 redirect without a location",
			reply:      reply{status: http.StatusFound, body: ""},
			wantStatus: http.StatusFound,
			wantReason: `redirect to "" not followed`,
		},
		{
			name:       "200 that breaks the success schema",
			reply:      reply{status: http.StatusOK, body: `{"message_id":"1","verified":"yes"}`},
			wantStatus: http.StatusOK,
			wantBody:   `{"message_id":"1","verified":"yes"}`,
			wantReason: "does not match the operation's success schema",
			// A 200 is what a success looks like: verify (unsafe) may
			// have used the code up.
			wantKind: apierror.ErrOutcomeUnknown,
		},
		{
			name:       "201 with a success body",
			reply:      reply{status: http.StatusCreated, body: `{"message_id":"1","verify_code":"2","verified":true}`},
			wantStatus: http.StatusCreated,
			wantBody:   `{"message_id":"1","verify_code":"2","verified":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.answer(tt.reply)
			c := newClient(t, srv.URL)

			var res *otp.VerifyResult
			var raw option.RawResponse
			var err error
			require.NotPanics(t, func() { res, err = verify(c, "667090", option.WithRawResponse(&raw)) })
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
			if tt.wantReason == "" {
				assert.Empty(t, ae.Reason)
			} else {
				assert.Contains(t, ae.Reason, tt.wantReason)
			}
			assert.Equal(t, 1, ae.Attempts, "verify is unsafe: never re-sent")
			n, _ := f.count()
			assert.Equal(t, 1, n)
			assert.Equal(t, tt.reply.status, raw.StatusCode, "WithRawResponse keeps a failure's answer")
			assert.Equal(t, tt.reply.body, string(raw.Body))
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

// Params that break the spec are refused before anything is sent. (Bodies
// a typed call cannot express, such as a missing field or a number for a
// string, are refused the same way: see internal/apiclient.)
func TestValidationErrorSendsNothing(t *testing.T) {
	tests := []struct {
		name   string
		params otp.VerifyParams
		want   []string
	}{
		{"empty message_id", otp.VerifyParams{VerifyCode: "667090"}, []string{"message_id: must not be empty"}},
		{"empty verify_code", otp.VerifyParams{MessageID: messageID}, []string{"verify_code: must not be empty"}},
		{"empty request", otp.VerifyParams{}, []string{"message_id: must not be empty", "verify_code: must not be empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			res, err := newClient(t, srv.URL).OTP.Verify(context.Background(), tt.params)
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

// HTTP 200 is the only success status: a 201 with a success body is an
// error, never a nil error without a result.
func TestNon200SuccessStatus(t *testing.T) {
	f, srv := newFake(t)
	f.answer(reply{status: http.StatusCreated, body: `{"message_id":"1","verify_code":"2","verified":true}`})
	res, err := verify(newClient(t, srv.URL), "2")
	assert.Nil(t, res)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusCreated, ae.StatusCode)
}

// A nil context is refused, not a panic.
func TestNilContext(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv.URL)
	var err error
	require.NotPanics(t, func() {
		//nolint:staticcheck // a nil context is what is tested
		_, err = c.OTP.Verify(nil, otp.VerifyParams{MessageID: messageID, VerifyCode: "667090"})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil context")
	n, _ := f.count()
	assert.Zero(t, n)
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
	assert.True(t, res.Verified)
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
	assert.True(t, res.Verified)
	f.mu.Lock()
	assert.Empty(t, f.problems)
	f.mu.Unlock()
}

func TestNewClientRequiresCredentials(t *testing.T) {
	tests := []struct{ name, key, secret, want string }{
		{"no key", "", devSecret, "required"},
		{"no secret", devKey, "", "required"},
		{"neither", "", "", "required"},
		// Basic auth ends the user name at the first colon: the key would
		// be sent as another user.
		{"colon in the key", "el:dev-key", devSecret, "must not contain ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := engagelab.NewClient(tt.key, tt.secret)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
			noSecret(t, err)
		})
	}
	c, err := engagelab.NewClient(devKey, "secret:with:colons")
	require.NoError(t, err, "a colon in the secret is fine")
	assert.NotNil(t, c)
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	c, err := engagelab.NewClient(devKey, devSecret, option.WithBaseURL("ftp://otp.example"))
	require.Error(t, err)
	assert.Nil(t, c)
}

// urlRecorder answers every request with a verified result and records
// the URL it was sent to.
type urlRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (u *urlRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.urls = append(u.urls, r.URL.String())
	u.mu.Unlock()
	body := `{"message_id":"1","verify_code":"2","verified":true}`
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
	}, nil
}

func TestNewClientDefaultsToProduction(t *testing.T) {
	rec := &urlRecorder{}
	c, err := engagelab.NewClient(devKey, devSecret, option.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	_, err = verify(c, "2")
	require.NoError(t, err)
	server := specs.MustLoad("engagelab/otp").ServerURL()
	require.True(t, strings.HasPrefix(server, "https://otp.api.engagelab.cc"), "precondition: the spec's production server, got %s", server)
	assert.Equal(t, []string{strings.TrimSuffix(server, "/") + "/v1/verifications"}, rec.urls)
}

// The credentials always win over a caller's header; other headers pass.
func TestWithHeaderCannotReplaceTheCredentials(t *testing.T) {
	f, srv := newFake(t)
	var (
		mu  sync.Mutex
		got http.Header
	)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	res, err := verify(newClient(t, front.URL), "667090",
		option.WithHeader("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("intruder:x"))),
		option.WithHeader("X-Request-Id", "abc"))
	require.NoError(t, err)
	assert.True(t, res.Verified)
	_, ok := f.count()
	assert.Equal(t, 1, ok, "sent with the client's credentials")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "abc", got.Get("X-Request-Id"))
}
