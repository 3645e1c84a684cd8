package apiclient_test

// Fault injection through the real vendor clients: each case scripts what a
// server does on every attempt and checks how many attempts reached it, the
// error the caller gets, and that no goroutine or connection outlives the
// call.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

const (
	faultAccessKey = "fault-access-key"
	faultSecret    = "fault-access-secret"
	faultDevKey    = "fault-dev-key"
	faultDevSecret = "fault-dev-secret"
	faultRequestID = "989d535f78338411f7de07c028ddee4b"
	// faultMaxAttempts is the client policy of every fault case.
	faultMaxAttempts = 3
)

type faultVendor int

const (
	faultNXCloud faultVendor = iota
	faultEngageLab
)

// faultOp is one operation of a vendor client.
type faultOp struct {
	name   string
	vendor faultVendor
	safe   bool // x-retry-class: safe
	call   func(t *testing.T, ctx context.Context, opts []option.Option) error
}

var faultOps = []faultOp{
	{
		name: "nxcloud ota verify (safe)", vendor: faultNXCloud, safe: true,
		call: func(t *testing.T, ctx context.Context, opts []option.Option) error {
			c, err := nxcloud.NewClient(faultAccessKey, faultSecret, opts...)
			require.NoError(t, err)
			res, err := c.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: "pem28kje", RequestID: faultRequestID})
			if err == nil {
				require.NotNil(t, res.JSON200, "a nil error comes with the decoded payload")
			}
			return err
		},
	},
	{
		name: "nxcloud ota init (unsafe)", vendor: faultNXCloud,
		call: func(t *testing.T, ctx context.Context, opts []option.Option) error {
			c, err := nxcloud.NewClient(faultAccessKey, faultSecret, opts...)
			require.NoError(t, err)
			res, err := c.OTA.InitWithResponse(ctx, ota.InitRequest{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"})
			if err == nil {
				require.NotNil(t, res.JSON200, "a nil error comes with the decoded payload")
			}
			return err
		},
	},
	{
		name: "engagelab otp verify (unsafe)", vendor: faultEngageLab,
		call: func(t *testing.T, ctx context.Context, opts []option.Option) error {
			c, err := engagelab.NewClient(faultDevKey, faultDevSecret, opts...)
			require.NoError(t, err)
			res, err := c.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{MessageID: "1725407449772531712", VerifyCode: "667090"})
			if err == nil {
				require.NotNil(t, res.JSON200, "a nil error comes with the decoded payload")
			}
			return err
		},
	},
}

// faultConns follows the server's connections through ConnState.
type faultConns struct {
	mu     sync.Mutex
	state  map[net.Conn]http.ConnState
	opened int
}

func (c *faultConns) hook(conn net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s == http.StateNew {
		c.opened++
	}
	c.state[conn] = s
}

// open lists the connections that reached neither StateClosed nor
// StateHijacked.
func (c *faultConns) open() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for conn, s := range c.state {
		if s != http.StateClosed && s != http.StateHijacked {
			out = append(out, fmt.Sprintf("%s %s", conn.RemoteAddr(), s))
		}
	}
	return out
}

// faultRT counts the round trips of its client and how many bytes were read
// from each response body.
type faultRT struct {
	base    http.RoundTripper
	trips   atomic.Int32
	maxRead atomic.Int64 // the most bytes read from one response body
}

func (f *faultRT) RoundTrip(r *http.Request) (*http.Response, error) {
	f.trips.Add(1)
	resp, err := f.base.RoundTrip(r)
	if err == nil {
		resp.Body = &faultBody{ReadCloser: resp.Body, rt: f}
	}
	return resp, err
}

type faultBody struct {
	io.ReadCloser
	rt *faultRT
	n  int64
}

func (b *faultBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	for {
		cur := b.rt.maxRead.Load()
		if b.n <= cur || b.rt.maxRead.CompareAndSwap(cur, b.n) {
			break
		}
	}
	return n, err
}

// faultHandler answers attempt n (from 1).
type faultHandler func(w http.ResponseWriter, r *http.Request, n int)

// faultEnv is one case's server and client plumbing.
type faultEnv struct {
	srv      *httptest.Server // nil for a case without a server
	conns    *faultConns
	tr       *http.Transport
	rt       *faultRT
	hc       *http.Client
	baseURL  string
	baseline int

	attempts atomic.Int32
	mu       sync.Mutex
	headers  []http.Header // of each request the server saw
}

// newFaultEnv starts a server running h (unless h is nil, in which case
// baseURL is used as is) and a client with its own transport. Leak checks
// run when the test ends.
func newFaultEnv(t *testing.T, h faultHandler, baseURL string) *faultEnv {
	t.Helper()
	e := &faultEnv{baseline: runtime.NumGoroutine(), baseURL: baseURL}
	e.tr = http.DefaultTransport.(*http.Transport).Clone()
	e.tr.Proxy = nil
	e.rt = &faultRT{base: e.tr}
	e.hc = &http.Client{Transport: e.rt}
	if h != nil {
		e.conns = &faultConns{state: map[net.Conn]http.ConnState{}}
		e.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := int(e.attempts.Add(1))
			e.mu.Lock()
			e.headers = append(e.headers, r.Header.Clone())
			e.mu.Unlock()
			_, _ = io.Copy(io.Discard, r.Body) // the whole request has arrived
			h(w, r, n)
		}))
		e.srv.Config.ConnState = e.conns.hook
		e.srv.Start()
		e.baseURL = e.srv.URL
	}
	t.Cleanup(func() { e.checkNoLeaks(t) })
	return e
}

// options are the client options of a fault case: its own HTTP client,
// MaxAttempts 3 and a backoff of a millisecond or two.
func (e *faultEnv) options(extra ...option.Option) []option.Option {
	return append([]option.Option{
		option.WithBaseURL(e.baseURL),
		option.WithHTTPClient(e.hc),
		option.WithMaxAttempts(faultMaxAttempts),
		option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
	}, extra...)
}

func (e *faultEnv) seen() int { return int(e.attempts.Load()) }

func (e *faultEnv) seenHeaders() []http.Header {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]http.Header(nil), e.headers...)
}

// faultSettle polls cond a bounded number of times.
func faultSettle(cond func() bool) bool {
	for range 500 {
		if cond() {
			return true
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// checkNoLeaks closes the client's idle connections, checks that the server
// saw every connection end, closes the server and checks that the goroutine
// count is back to where the case started.
func (e *faultEnv) checkNoLeaks(t *testing.T) {
	t.Helper()
	e.tr.CloseIdleConnections()
	if e.srv != nil {
		ok := faultSettle(func() bool { return len(e.conns.open()) == 0 })
		if !assert.True(t, ok, "connections still open after the call and CloseIdleConnections: %v", e.conns.open()) {
			e.srv.CloseClientConnections() // or Close would wait for their handlers
		}
		e.srv.Close()
		assert.Empty(t, e.conns.open(), "connections still open after the server closed")
	}
	var n int
	if !faultSettle(func() bool { n = runtime.NumGoroutine(); return n <= e.baseline }) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		assert.Failf(t, "goroutine leak", "%d goroutines, %d before the case:\n%s", n, e.baseline, buf)
	}
}

// faultKinds are the sentinels an error may match.
var faultKinds = []error{apierror.ErrAuth, apierror.ErrTooFrequent, apierror.ErrAlreadyVerified, apierror.ErrOutcomeUnknown}

// assertFaultKind checks that err matches want (nil: none) and no other kind.
func assertFaultKind(t *testing.T, err, want error) {
	t.Helper()
	for _, k := range faultKinds {
		assert.Equal(t, k == want, errors.Is(err, k), "errors.Is(err, %q) for %v", k, err)
	}
}

// Handlers of the fault table.

func faultJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func faultText(status int, contentType, body string, header ...string) faultHandler {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// faultHang answers nothing until the client gives up; the bound only keeps
// a broken client from holding the test forever.
func faultHang(w http.ResponseWriter, r *http.Request, _ int) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
		faultJSON(w, http.StatusOK, `{"code":0,"msg":"too late","data":null}`)
	}
}

// faultReset drops the connection with an RST once the request was read.
func faultReset(w http.ResponseWriter, _ *http.Request, _ int) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// faultShortBody promises more bytes than it sends.
func faultShortBody(w http.ResponseWriter, _ *http.Request, _ int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "200")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"code":0,"msg":"Request successful","data":{"requestId":"98`)
}

const faultHugeBody = 10 << 20

func faultHuge(w http.ResponseWriter, _ *http.Request, _ int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(faultHugeBody))
	w.WriteHeader(http.StatusOK)
	chunk := []byte(strings.Repeat("x", 64<<10))
	for written := 0; written < faultHugeBody; written += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return // the client stopped reading
		}
	}
}

// faultByVendor answers NXCloud and EngageLab requests differently.
func faultByVendor(nx, el faultHandler) faultHandler {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			nx(w, r, n)
			return
		}
		el(w, r, n)
	}
}

// faultCase is one fault with what each class of operation must do.
type faultCase struct {
	name    string
	only    *faultVendor // nil: every operation
	handler faultHandler
	opts    []option.Option
	// perAttemptTimeout sets http.Client.Timeout: a timeout per attempt.
	perAttemptTimeout time.Duration
	// callerTimeout gives the call a context with this deadline.
	callerTimeout time.Duration

	safeAttempts, unsafeAttempts int

	transport bool  // *apierror.TransportError, else *apierror.Error
	kind      error // for *apierror.Error: the expected Kind
	status    int   // for *apierror.Error: the HTTP status
	hasCode   bool  // for *apierror.Error
	contains  string
	deadline  bool // errors.Is(err, context.DeadlineExceeded)
	netTO     bool // a net.Error whose Timeout() is true
	maxRead   int64
}

func faultOnly(v faultVendor) *faultVendor { return &v }

func TestFaults(t *testing.T) {
	cases := []faultCase{
		{
			name:         "HTTP 500",
			handler:      faultText(http.StatusInternalServerError, "text/plain", "internal error"),
			safeAttempts: 3, unsafeAttempts: 1,
			status: http.StatusInternalServerError, contains: "internal error",
		},
		{
			name:         "HTTP 502 with an HTML body",
			handler:      faultText(http.StatusBadGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
			safeAttempts: 3, unsafeAttempts: 1,
			status: http.StatusBadGateway, contains: "502 Bad Gateway",
		},
		{
			name:         "HTTP 429 with Retry-After 0",
			handler:      faultText(http.StatusTooManyRequests, "text/plain", "slow down", "Retry-After", "0"),
			safeAttempts: 3, unsafeAttempts: 1,
			status: http.StatusTooManyRequests, kind: apierror.ErrTooFrequent,
		},
		{
			// The wait the server asks for runs past the client's timeout.
			name:    "HTTP 429 with Retry-After 1 past the client timeout",
			handler: faultText(http.StatusTooManyRequests, "text/plain", "slow down", "Retry-After", "1"),
			opts: []option.Option{
				option.WithRetryBackoff(time.Millisecond, 10*time.Second), // let Retry-After through uncapped
				option.WithTimeout(900 * time.Millisecond),
			},
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusTooManyRequests, kind: apierror.ErrTooFrequent,
		},
		{
			// Same with the caller's own deadline, which the test can
			// watch: the call must return before it, not sleep into it.
			name:          "HTTP 429 with Retry-After 1 past the caller's deadline",
			handler:       faultText(http.StatusTooManyRequests, "text/plain", "slow down", "Retry-After", "1"),
			opts:          []option.Option{option.WithRetryBackoff(time.Millisecond, 10*time.Second)},
			callerTimeout: 900 * time.Millisecond,
			safeAttempts:  1, unsafeAttempts: 1,
			status: http.StatusTooManyRequests, kind: apierror.ErrTooFrequent,
		},
		{
			name: "vendor too-frequent code",
			handler: faultByVendor(
				func(w http.ResponseWriter, _ *http.Request, _ int) {
					faultJSON(w, http.StatusOK, `{"code":2206,"msg":"requests too frequent","data":null}`)
				},
				func(w http.ResponseWriter, _ *http.Request, _ int) {
					faultJSON(w, http.StatusBadRequest, `{"code":3004,"message":"sent again too soon"}`)
				}),
			safeAttempts: 3, unsafeAttempts: 1,
			kind: apierror.ErrTooFrequent, hasCode: true,
		},
		{
			name:              "read timeout of one attempt (http.Client.Timeout)",
			handler:           faultHang,
			perAttemptTimeout: 60 * time.Millisecond,
			safeAttempts:      3, unsafeAttempts: 1,
			transport: true, netTO: true,
		},
		{
			name:         "read timeout of the whole call (option.WithTimeout)",
			handler:      faultHang,
			opts:         []option.Option{option.WithTimeout(80 * time.Millisecond)},
			safeAttempts: 1, unsafeAttempts: 1, // no time is left for another attempt
			transport: true, deadline: true,
		},
		{
			name:         "connection reset after the request was read",
			handler:      faultReset,
			safeAttempts: 3, unsafeAttempts: 1,
			transport: true,
		},
		{
			name: "truncated JSON",
			handler: faultByVendor(
				faultText(http.StatusOK, "application/json", `{"code":0,"msg":"Request successful","data":{"requestId":"98`),
				faultText(http.StatusOK, "application/json", `{"message_id":"1725407449772531712","verif`)),
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusOK,
		},
		{
			name:         "body cut short of its Content-Length",
			handler:      faultShortBody,
			safeAttempts: 3, unsafeAttempts: 1,
			transport: true, contains: "unexpected EOF",
		},
		{
			name:         "empty body",
			handler:      faultText(http.StatusOK, "application/json", ""),
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusOK, contains: "empty body",
		},
		{
			// The server did answer: sending again would not help, even
			// for a safe operation.
			name:         "10 MB body over the 1 MiB cap",
			handler:      faultHuge,
			safeAttempts: 1, unsafeAttempts: 1,
			transport: true, contains: fmt.Sprint(apiclient.DefaultMaxResponseBytes),
			maxRead: apiclient.DefaultMaxResponseBytes + 1,
		},
		{
			// Without a deadline of the SDK's, nothing but closing the
			// body frees the connection.
			name:         "10 MB body over the 1 MiB cap, no SDK timeout",
			handler:      faultHuge,
			opts:         []option.Option{option.WithTimeout(0)},
			safeAttempts: 1, unsafeAttempts: 1,
			transport: true, contains: fmt.Sprint(apiclient.DefaultMaxResponseBytes),
			maxRead: apiclient.DefaultMaxResponseBytes + 1,
		},
		{
			name: "NXCloud 1003 bad signature", only: faultOnly(faultNXCloud),
			handler: func(w http.ResponseWriter, _ *http.Request, _ int) {
				faultJSON(w, http.StatusOK, `{"code":1003,"msg":"invalid signature","data":null}`)
			},
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusOK, kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name: "EngageLab 401 code 2001", only: faultOnly(faultEngageLab),
			handler: func(w http.ResponseWriter, _ *http.Request, _ int) {
				faultJSON(w, http.StatusUnauthorized, `{"code":2001,"message":"authentication failed"}`)
			},
			unsafeAttempts: 1,
			status:         http.StatusUnauthorized, kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name: "EngageLab 403 code 2004", only: faultOnly(faultEngageLab),
			handler: func(w http.ResponseWriter, _ *http.Request, _ int) {
				faultJSON(w, http.StatusForbidden, `{"code":2004,"message":"no permission"}`)
			},
			unsafeAttempts: 1,
			status:         http.StatusForbidden, kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name: "EngageLab 401 without a code", only: faultOnly(faultEngageLab),
			handler:        faultText(http.StatusUnauthorized, "text/plain", "unauthorized"),
			unsafeAttempts: 1,
			status:         http.StatusUnauthorized, kind: apierror.ErrAuth,
		},
		{
			name: "EngageLab 400 code 3003 already verified", only: faultOnly(faultEngageLab),
			handler: func(w http.ResponseWriter, _ *http.Request, _ int) {
				faultJSON(w, http.StatusBadRequest, `{"code":3003,"message":"verify code has expired"}`)
			},
			unsafeAttempts: 1,
			status:         http.StatusBadRequest, kind: apierror.ErrAlreadyVerified, hasCode: true,
		},
	}
	for _, fc := range cases {
		for _, op := range faultOps {
			if fc.only != nil && *fc.only != op.vendor {
				continue
			}
			t.Run(fc.name+"/"+op.name, func(t *testing.T) {
				runFault(t, fc, op)
			})
		}
	}
}

func runFault(t *testing.T, fc faultCase, op faultOp) {
	e := newFaultEnv(t, fc.handler, "")
	e.hc.Timeout = fc.perAttemptTimeout
	ctx := context.Background()
	if fc.callerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fc.callerTimeout)
		defer cancel()
	}

	err := op.call(t, ctx, e.options(fc.opts...))
	require.Error(t, err)
	if fc.callerTimeout > 0 {
		assert.NoError(t, ctx.Err(), "the call returned at once instead of sleeping into the caller's deadline")
	}

	want := fc.unsafeAttempts
	if op.safe {
		want = fc.safeAttempts
	}
	require.Positive(t, want, "the case lists no attempt count for this operation")
	assert.Equal(t, want, e.seen(), "attempts the server saw")
	assert.Equal(t, want, int(e.rt.trips.Load()), "round trips the client made")

	var ae *apierror.Error
	var te *apierror.TransportError
	if fc.transport {
		require.True(t, errors.As(err, &te), "want *apierror.TransportError, got %T: %v", err, err)
		assert.False(t, errors.As(err, &ae), "not an *apierror.Error")
		assert.Equal(t, want, te.Attempts, "TransportError.Attempts")
		assert.Equal(t, !op.safe, te.OutcomeUnknown, "an unsafe operation that reached the server has an unknown outcome")
		if op.safe {
			assertFaultKind(t, err, nil)
		} else {
			assertFaultKind(t, err, apierror.ErrOutcomeUnknown)
		}
	} else {
		require.True(t, errors.As(err, &ae), "want *apierror.Error, got %T: %v", err, err)
		assert.False(t, errors.As(err, &te), "not a *apierror.TransportError")
		assert.Equal(t, want, ae.Attempts, "Error.Attempts")
		if fc.status != 0 {
			assert.Equal(t, fc.status, ae.StatusCode)
		}
		assert.Equal(t, fc.hasCode, ae.HasCode)
		assert.Equal(t, fc.kind, ae.Kind) //nolint:testifylint // identity of the sentinel
		assertFaultKind(t, err, fc.kind)
	}
	if fc.contains != "" {
		assert.Contains(t, err.Error(), fc.contains)
	}
	if fc.deadline {
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	}
	if fc.netTO {
		var ne net.Error
		require.True(t, errors.As(err, &ne), "want a net.Error, got %v", err)
		assert.True(t, ne.Timeout(), "a timeout: %v", err)
	}
	if fc.maxRead > 0 {
		assert.LessOrEqual(t, e.rt.maxRead.Load(), fc.maxRead, "bytes read from one response body")
		assert.Positive(t, e.rt.maxRead.Load())
	}
	for _, s := range []string{faultSecret, faultDevSecret} {
		assert.NotContains(t, err.Error(), s, "the error gives the secret away")
	}
}

// TestFaultRetryResigns: a safe call that meets two 502s succeeds on the
// third attempt, each signed afresh with its own ts.
func TestFaultRetryResigns(t *testing.T) {
	e := newFaultEnv(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n < 3 {
			faultText(http.StatusBadGateway, "text/html", "<html>502 Bad Gateway</html>")(w, nil, n)
			return
		}
		faultJSON(w, http.StatusOK, `{"code":0,"msg":"Request successful","data":{"requestId":"`+faultRequestID+`","status":"SUCCESS"}}`)
	}, "")
	// ts has millisecond resolution: a backoff of at least 1 ms between
	// attempts guarantees that each attempt's ts differs.
	opts := e.options(option.WithRetryBackoff(2*time.Millisecond, 4*time.Millisecond))
	c, err := nxcloud.NewClient(faultAccessKey, faultSecret, opts...)
	require.NoError(t, err)

	res, err := c.OTA.VerifyWithResponse(context.Background(), ota.VerifyRequest{Appkey: "pem28kje", RequestID: faultRequestID})
	require.NoError(t, err)
	require.NotNil(t, res.JSON200)
	require.NotNil(t, res.JSON200.Data)
	assert.Equal(t, ota.VerificationStatusSuccess, res.JSON200.Data.Status)
	assert.Equal(t, 3, e.seen())

	ts, signs := map[string]bool{}, map[string]bool{}
	for _, h := range e.seenHeaders() {
		v := sign.HeaderValue(h, sign.HeaderTS)
		require.NotEmpty(t, v, "every attempt is signed")
		ts[v] = true
		signs[sign.HeaderValue(h, sign.HeaderSign)] = true
	}
	assert.Len(t, ts, 3, "three distinct ts values: the signature is recomputed each attempt")
	assert.Len(t, signs, 3, "three distinct signatures")
}

// TestFaultRetryPolicy: the client's MaxAttempts and its per-call override,
// against a safe operation that always fails with HTTP 500.
func TestFaultRetryPolicy(t *testing.T) {
	cases := []struct {
		name    string
		opts    []option.Option
		perCall int // 0: no WithCallMaxAttempts
		want    int
		after   int // a following call without the override
	}{
		{name: "default policy", want: faultMaxAttempts, after: faultMaxAttempts},
		{name: "WithoutRetries", opts: []option.Option{option.WithoutRetries()}, want: 1, after: 1},
		{name: "WithMaxAttempts(5)", opts: []option.Option{option.WithMaxAttempts(5)}, want: 5, after: 5},
		{name: "WithCallMaxAttempts(1) over the client's 3", perCall: 1, want: 1, after: faultMaxAttempts},
		{name: "WithCallMaxAttempts(4) over WithoutRetries", opts: []option.Option{option.WithoutRetries()}, perCall: 4, want: 4, after: 1},
		{name: "WithCallMaxAttempts(0) still sends once", perCall: -1, want: 1, after: faultMaxAttempts},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, faultText(http.StatusInternalServerError, "text/plain", "internal error"), "")
			c, err := nxcloud.NewClient(faultAccessKey, faultSecret, e.options(tc.opts...)...)
			require.NoError(t, err)
			call := func(ctx context.Context) int {
				before := e.seen()
				_, err := c.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: "pem28kje", RequestID: faultRequestID})
				var ae *apierror.Error
				require.True(t, errors.As(err, &ae), "want *apierror.Error, got %T: %v", err, err)
				assert.Equal(t, e.seen()-before, ae.Attempts)
				return e.seen() - before
			}
			ctx := context.Background()
			switch {
			case tc.perCall > 0:
				ctx = option.WithCallMaxAttempts(ctx, tc.perCall)
			case tc.perCall < 0:
				ctx = option.WithCallMaxAttempts(ctx, 0)
			}
			assert.Equal(t, tc.want, call(ctx), "attempts of the call")
			assert.Equal(t, tc.after, call(context.Background()), "attempts of the next call, with the client's policy")
		})
	}
}

// TestFaultDialFailure: a request that never reached a server is retried,
// even for an unsafe operation, and its outcome is known.
func TestFaultDialFailure(t *testing.T) {
	for _, op := range faultOps {
		t.Run(op.name, func(t *testing.T) {
			e := newFaultEnv(t, nil, "http://127.0.0.1:1")
			err := op.call(t, context.Background(), e.options())
			require.Error(t, err)
			require.ErrorIs(t, err, syscall.ECONNREFUSED, "precondition: nothing listens on 127.0.0.1:1")

			var te *apierror.TransportError
			require.True(t, errors.As(err, &te), "want *apierror.TransportError, got %T: %v", err, err)
			assert.Equal(t, faultMaxAttempts, te.Attempts)
			assert.Equal(t, faultMaxAttempts, int(e.rt.trips.Load()), "round trips made")
			assert.False(t, te.OutcomeUnknown, "the request never reached a server")
			assertFaultKind(t, err, nil)
		})
	}
}
