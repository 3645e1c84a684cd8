package apiclient_test

// Fault injection through the real vendor clients and their typed methods:
// each case scripts what a server does on every attempt and checks, for
// each class of operation, how many attempts reached it, the error the
// caller gets, and that no goroutine or connection outlives the call.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

const (
	faultRequestID = "989d535f78338411f7de07c028ddee4b"
	// faultMaxAttempts is the client policy of every fault case.
	faultMaxAttempts = 3
)

// faultOps are the operations the fault table runs against, from the
// specs: in each spec, the first operation of each retry class, and every
// operation that classifies result codes of its own (x-error-kinds on the
// operation, such as EngageLab's 3003 on verify).
func faultOps(t *testing.T) []typedOp {
	t.Helper()
	type specClass struct {
		spec  string
		class specs.RetryClass
	}
	var out []typedOp
	seen := map[specClass]bool{}
	classes := map[specs.RetryClass]bool{}
	for _, to := range allOps(t) {
		if to.op.Token != nil {
			// Its first request is the token's, which takes each fault
			// first; the token's own faults are drafttest's token tests.
			continue
		}
		key := specClass{to.op.Doc.Name, to.op.Retry}
		_, ownKinds := to.op.Spec.Extensions[specs.ExtErrorKinds]
		if !seen[key] || ownKinds {
			out = append(out, to)
		}
		seen[key], classes[to.op.Retry] = true, true
	}
	require.True(t, classes[specs.Safe] && classes[specs.Unsafe], "the specs have operations of both classes")
	return out
}

func faultName(to typedOp) string { return fmt.Sprintf("%s (%s)", to.op.FullName(), to.op.Retry) }

// faultCall calls the operation through its vendor's client with the
// spec's example request, checking the typed method's promise: a nil
// error comes with the result.
func faultCall(t *testing.T, ctx context.Context, to typedOp, opts []option.Option) error {
	t.Helper()
	c, err := newVendorClient(to.op.Doc.SDK.Vendor, opts...)
	require.NoError(t, err)
	res, err := to.call(ctx, c)
	if err == nil && to.result != nil {
		require.True(t, resultIsSet(res), "a nil error comes with the decoded payload")
	}
	return err
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
	// The vendor's pairs come from newVendorClient.
	return append(append([]option.Option{}, []option.Option{
		option.WithBaseURL(e.baseURL),
		option.WithHTTPClient(e.hc),
		option.WithMaxAttempts(faultMaxAttempts),
		option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
	}...), extra...)
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

// kindSentinel is the apierror sentinel of a spec's error kind.
var kindSentinel = map[specs.ErrorKind]error{
	specs.KindAuth:            apierror.ErrAuth,
	specs.KindTooFrequent:     apierror.ErrTooFrequent,
	specs.KindAlreadyVerified: apierror.ErrAlreadyVerified,
}

// codeCatalogue lists the result codes a spec documents (the enum of its
// ResultCode or ErrorCode schema), sorted.
func codeCatalogue(d *specs.Document) []int {
	var codes []int
	for _, name := range []string{"ResultCode", "ErrorCode"} {
		ref := d.OpenAPI.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		for _, v := range ref.Value.Enum {
			if f, ok := v.(float64); ok {
				codes = append(codes, int(f))
			}
		}
	}
	sort.Ints(codes)
	return codes
}

// codeOfKind is the first documented failure code of op that the spec
// classifies as kind ("" for a failure code of no kind).
func codeOfKind(op *specs.Operation, kind specs.ErrorKind) (int, bool) {
	for _, c := range codeCatalogue(op.Doc) {
		if op.Success.CodeField != "" && op.Success.CodeMatches(float64(c)) {
			continue // a success code
		}
		if op.ErrorKind(c) == kind {
			return c, true
		}
	}
	return 0, false
}

// failureStatus is the HTTP status op's vendor reports a failure code
// with: the lowest 4xx the operation documents, else (NXCloud) its success
// status.
func failureStatus(op *specs.Operation) int {
	for s := 400; s < 500; s++ {
		if op.Spec.Responses.Status(s) != nil {
			return s
		}
	}
	return op.Success.Status
}

// vendorFailure answers as op's vendor does with a failure code: {code,
// msg|message} (the field the documented response names), with a null
// payload when the status is the success status.
func vendorFailure(op *specs.Operation, status, code int) faultHandler {
	msgField := "message"
	if s := op.ResponseSchema(status); s != nil && s.Properties["msg"] != nil {
		msgField = "msg"
	}
	body := fmt.Sprintf(`{"code":%d,%q:"failure %d"`, code, msgField, code)
	if status == op.Success.Status && op.Success.Payload != "" {
		body += fmt.Sprintf(`,%q:null`, op.Success.Payload)
	}
	body += "}"
	return func(w http.ResponseWriter, _ *http.Request, _ int) { faultJSON(w, status, body) }
}

// faultCode makes a case answer with a documented code of a kind.
type faultCode struct {
	kind   specs.ErrorKind
	status int // 0: the operation's failureStatus
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

// faultCase is one fault with what each class of operation must do.
type faultCase struct {
	name    string
	handler faultHandler
	// code, instead of handler: answer with a code of this kind, for the
	// operations that have one.
	code *faultCode
	// perOp, instead of handler: the answer for one operation.
	perOp func(op *specs.Operation) faultHandler
	opts  []option.Option
	// perAttemptTimeout sets http.Client.Timeout: a timeout per attempt.
	perAttemptTimeout time.Duration
	// callerTimeout gives the call a context with this deadline.
	callerTimeout time.Duration

	safeAttempts, unsafeAttempts int

	transport bool  // *apierror.TransportError, else *apierror.Error
	kind      error // for *apierror.Error: the expected Kind
	// bareSuccess: the answer has the success status, which is all an
	// operation without a code field calls a success; for an unsafe such
	// operation the outcome is unknown (the server may have done it).
	bareSuccess bool
	status      int  // for *apierror.Error: the HTTP status (0: unchecked)
	hasCode     bool // for *apierror.Error
	contains    string
	reason      string // for *apierror.Error: contained in Reason
	deadline    bool   // errors.Is(err, context.DeadlineExceeded)
	netTO       bool   // a net.Error whose Timeout() is true
	maxRead     int64
}

func faultCases() []faultCase {
	return []faultCase{
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
			name:         "vendor too-frequent code",
			code:         &faultCode{kind: specs.KindTooFrequent},
			safeAttempts: 3, unsafeAttempts: 1,
			kind: apierror.ErrTooFrequent, hasCode: true,
		},
		{
			name:         "vendor auth code",
			code:         &faultCode{kind: specs.KindAuth},
			safeAttempts: 1, unsafeAttempts: 1,
			kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name:         "HTTP 401 with a vendor auth code",
			code:         &faultCode{kind: specs.KindAuth, status: http.StatusUnauthorized},
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusUnauthorized, kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name:         "HTTP 403 with a vendor auth code",
			code:         &faultCode{kind: specs.KindAuth, status: http.StatusForbidden},
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusForbidden, kind: apierror.ErrAuth, hasCode: true,
		},
		{
			name:         "HTTP 401 without a code",
			handler:      faultText(http.StatusUnauthorized, "text/plain", "unauthorized"),
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusUnauthorized, kind: apierror.ErrAuth,
		},
		{
			name:         "vendor already-verified code",
			code:         &faultCode{kind: specs.KindAlreadyVerified},
			safeAttempts: 1, unsafeAttempts: 1,
			kind: apierror.ErrAlreadyVerified, hasCode: true,
		},
		{
			name:         "vendor failure code of no kind",
			code:         &faultCode{},
			safeAttempts: 1, unsafeAttempts: 1,
			hasCode: true,
		},
		{
			name:              "read timeout of one attempt (http.Client.Timeout)",
			handler:           faultHang,
			perAttemptTimeout: 60 * time.Millisecond,
			safeAttempts:      3, unsafeAttempts: 1,
			transport: true, netTO: true,
		},
		{
			name:    "read timeout of the whole call (option.WithTimeout)",
			handler: faultHang,
			// Long enough for the request to reach the server on a loaded
			// machine (80 ms once was not), so an unsafe call's outcome is
			// unknown.
			opts:         []option.Option{option.WithTimeout(200 * time.Millisecond)},
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
			perOp: func(op *specs.Operation) faultHandler {
				ok := successExample(op)
				return faultText(op.Success.Status, "application/json", ok[:len(ok)/2])
			},
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusOK, reason: "the answer is not JSON",
		},
		{
			name:         "JSON of the wrong shape",
			handler:      faultText(http.StatusOK, "application/json", `"ok"`),
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusOK, bareSuccess: true,
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
			name:         "redirect",
			handler:      faultText(http.StatusFound, "text/html", "moved", "Location", "http://127.0.0.1:1/elsewhere"),
			safeAttempts: 1, unsafeAttempts: 1,
			status: http.StatusFound, reason: `redirect to "http://127.0.0.1:1/elsewhere" not followed`,
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
	}
}

func TestFaults(t *testing.T) {
	ops := faultOps(t)
	for _, fc := range faultCases() {
		ran := 0
		for _, to := range ops {
			h, code := fc.handler, 0
			switch {
			case fc.code != nil:
				c, ok := codeOfKind(to.op, fc.code.kind)
				if !ok {
					continue // the spec gives this operation no such code
				}
				status := fc.code.status
				if status == 0 {
					status = failureStatus(to.op)
				}
				h, code = vendorFailure(to.op, status, c), c
			case fc.perOp != nil:
				h = fc.perOp(to.op)
			}
			ran++
			t.Run(fc.name+"/"+faultName(to), func(t *testing.T) {
				runFault(t, fc, to, h, code)
			})
		}
		assert.Positive(t, ran, "%s: no operation to run it on", fc.name)
	}
}

func runFault(t *testing.T, fc faultCase, to typedOp, h faultHandler, code int) {
	e := newFaultEnv(t, h, "")
	e.hc.Timeout = fc.perAttemptTimeout
	ctx := context.Background()
	if fc.callerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fc.callerTimeout)
		defer cancel()
	}

	err := faultCall(t, ctx, to, e.options(fc.opts...))
	require.Error(t, err)
	if fc.callerTimeout > 0 {
		assert.NoError(t, ctx.Err(), "the call returned at once instead of sleeping into the caller's deadline")
	}

	safe := to.op.Retry == specs.Safe
	want := fc.unsafeAttempts
	if safe {
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
		assert.Equal(t, to.op.FullName(), te.Operation)
		assert.Equal(t, !safe, te.OutcomeUnknown, "an unsafe operation that reached the server has an unknown outcome")
		if safe {
			assertFaultKind(t, err, nil)
		} else {
			assertFaultKind(t, err, apierror.ErrOutcomeUnknown)
		}
	} else {
		require.True(t, errors.As(err, &ae), "want *apierror.Error, got %T: %v", err, err)
		assert.False(t, errors.As(err, &te), "not a *apierror.TransportError")
		assert.Equal(t, want, ae.Attempts, "Error.Attempts")
		assert.Equal(t, to.op.FullName(), ae.Operation)
		if fc.status != 0 {
			assert.Equal(t, fc.status, ae.StatusCode)
		}
		assert.Equal(t, fc.hasCode, ae.HasCode)
		if fc.code != nil {
			assert.Equal(t, code, ae.Code)
		}
		kind := fc.kind
		if fc.bareSuccess && !safe && to.op.Success.CodeField == "" {
			kind = apierror.ErrOutcomeUnknown
		}
		assert.Equal(t, kind, ae.Kind) //nolint:testifylint // identity of the sentinel
		assertFaultKind(t, err, kind)
		if fc.reason != "" {
			assert.Contains(t, ae.Reason, fc.reason)
		}
		assert.LessOrEqual(t, len(ae.Body), apierror.ExcerptLen+len("…"))
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
	for _, s := range []string{testAccessSecret, testDevSecret} {
		assert.NotContains(t, err.Error(), s, "the error gives the secret away")
		assert.NotContains(t, fmt.Sprintf("%+v", err), s, "the error gives the secret away")
	}
}

// The vendor codes of the table come from the specs; these are the ones a
// reader of the old table expects.
func TestFaultCodesFromTheSpecs(t *testing.T) {
	for _, to := range faultOps(t) {
		for kind, sentinel := range kindSentinel {
			c, ok := codeOfKind(to.op, kind)
			if !ok {
				continue
			}
			err := &apierror.Error{Kind: sentinel}
			assert.ErrorIs(t, err, sentinel)
			assert.Equal(t, kind, to.op.ErrorKind(c), "%s code %d", to.op.FullName(), c)
		}
	}
	nxVerify, ok := specs.MustLoad("nxcloud/ota").Operation("verify")
	require.True(t, ok)
	c, ok := codeOfKind(nxVerify, specs.KindTooFrequent)
	require.True(t, ok)
	assert.Equal(t, int(ota.ResultCodeTooFrequent), c)
	elVerify, ok := specs.MustLoad("engagelab/otp").Operation("verify")
	require.True(t, ok)
	c, ok = codeOfKind(elVerify, specs.KindAlreadyVerified)
	require.True(t, ok)
	assert.Equal(t, 3003, c)
	assert.Equal(t, http.StatusBadRequest, failureStatus(elVerify))
	assert.Equal(t, http.StatusOK, failureStatus(nxVerify), "NXCloud fails with HTTP 200")
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
	c, err := nxcloud.NewClient(testAccessKey, testAccessSecret, opts...)
	require.NoError(t, err)

	res, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "pem28kje", RequestID: faultRequestID})
	require.NoError(t, err)
	require.NotNil(t, res)
	assert.Equal(t, ota.VerificationStatusSuccess, res.Status)
	assert.Equal(t, faultRequestID, res.RequestID)
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
		perCall []option.RequestOption
		want    int
		after   int // a following call without the override
	}{
		{name: "default policy", want: faultMaxAttempts, after: faultMaxAttempts},
		{name: "WithoutRetries", opts: []option.Option{option.WithoutRetries()}, want: 1, after: 1},
		{name: "WithMaxAttempts(5)", opts: []option.Option{option.WithMaxAttempts(5)}, want: 5, after: 5},
		{name: "WithCallMaxAttempts(1) over the client's 3", perCall: []option.RequestOption{option.WithCallMaxAttempts(1)}, want: 1, after: faultMaxAttempts},
		{name: "WithCallMaxAttempts(4) over WithoutRetries", opts: []option.Option{option.WithoutRetries()}, perCall: []option.RequestOption{option.WithCallMaxAttempts(4)}, want: 4, after: 1},
		{name: "WithCallMaxAttempts(0) is refused, nothing is sent", perCall: []option.RequestOption{option.WithCallMaxAttempts(0)}, want: 0, after: faultMaxAttempts},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newFaultEnv(t, faultText(http.StatusInternalServerError, "text/plain", "internal error"), "")
			c, err := nxcloud.NewClient(testAccessKey, testAccessSecret, e.options(tc.opts...)...)
			require.NoError(t, err)
			call := func(opts ...option.RequestOption) int {
				before := e.seen()
				res, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "pem28kje", RequestID: faultRequestID}, opts...)
				assert.Nil(t, res)
				n := e.seen() - before
				var ae *apierror.Error
				if n == 0 {
					require.Error(t, err)
					assert.False(t, errors.As(err, &ae), "no answer, no *apierror.Error: %v", err)
					return 0
				}
				require.True(t, errors.As(err, &ae), "want *apierror.Error, got %T: %v", err, err)
				assert.Equal(t, n, ae.Attempts)
				return n
			}
			assert.Equal(t, tc.want, call(tc.perCall...), "attempts of the call")
			assert.Equal(t, tc.after, call(), "attempts of the next call, with the client's policy")
		})
	}
}

// TestFaultDialFailure: a request that never reached a server is retried,
// even for an unsafe operation, and its outcome is known.
func TestFaultDialFailure(t *testing.T) {
	for _, to := range faultOps(t) {
		t.Run(faultName(to), func(t *testing.T) {
			e := newFaultEnv(t, nil, "http://127.0.0.1:1")
			err := faultCall(t, context.Background(), to, e.options())
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
