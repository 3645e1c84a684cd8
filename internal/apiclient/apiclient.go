// Package apiclient is the request pipeline behind every generated product
// client (gen/…). A generated method hands it an operationId, the path
// parameters, the typed params and a place for the typed result; the
// pipeline does the rest, for every vendor alike:
//
//   - it finds the operation in its spec (parsed when the product is first
//     used) and refuses, before anything is sent, params that break the
//     operation's schema;
//   - it sends the request through the vendor's authenticating transport,
//     never following a redirect, with retries by the operation's class;
//   - it judges the answer by the operation's success rule (x-success) and
//     success schema, and decodes the result into the caller's type.
package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// Defaults for Config fields left zero by NewConfig's caller.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 1 << 20
)

// Config is what the option package sets.
type Config struct {
	BaseURL string // "" = the operation's server (in Region)
	// Region picks, for a product that has regional servers (x-region),
	// the one named; "" is each product's first.
	Region           string
	HTTPClient       *http.Client
	Timeout          time.Duration
	MaxResponseBytes int64
	SignAlgorithm    sign.Algorithm
	Retry            Retry
	// Logger receives one debug record per attempt; nil logs nothing.
	Logger *slog.Logger
	// LogBodies adds request and response bodies and the headers sent,
	// with credentials masked, to the log.
	LogBodies bool
	// AppCredentials are the application key pairs by set name
	// (x-app-credentials), for the operations that send one.
	AppCredentials map[string]AppPair
	// Now is the clock tokens expire by (x-token); nil is time.Now. For
	// tests.
	Now func() time.Time
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// NewConfig applies options over the defaults.
func NewConfig[O ~func(*Config) error](opts []O) (*Config, error) {
	c := &Config{
		Timeout:          DefaultTimeout,
		MaxResponseBytes: DefaultMaxResponseBytes,
		SignAlgorithm:    sign.MD5,
		Retry:            DefaultRetry,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Auth wraps a base transport with a vendor's authentication.
type Auth func(base http.RoundTripper) http.RoundTripper

// Refuser is implemented by an authenticating transport that can tell,
// before anything is sent, that it cannot authenticate an operation (a
// signed one, on a client given no access key). Its error is returned as
// it is, and not retried.
type Refuser interface {
	Refuse(op *specs.Operation) error
}

// Service calls the operations of one spec. Each generated product client
// holds one; the vendor package makes them (see the vendor's NewClient).
// A Service is safe for concurrent use.
type Service struct {
	spec   string
	cfg    *Config
	auth   Auth
	client *http.Client // built with the spec, on the first call
	tokens tokens       // issued by the spec's operations (x-token)

	once sync.Once
	err  error
	doc  *specs.Document
	base string // the server URL without a trailing "/"
}

// NewService returns the Service for the named spec. The spec is parsed,
// and the HTTP client built, on the first call, so that a client costs
// nothing for the products it does not use.
func NewService(cfg *Config, spec string, auth Auth) *Service {
	return &NewServices(cfg, auth, spec)[0]
}

// NewServices returns a Service for each named spec, sharing cfg and auth,
// in one allocation: a vendor client's cost does not grow with its
// products' pipelines.
func NewServices(cfg *Config, auth Auth, specs ...string) []Service {
	out := make([]Service, len(specs))
	for i, spec := range specs {
		out[i].spec, out[i].cfg, out[i].auth = spec, cfg, auth
	}
	return out
}

// httpClient is the Service's own client: the caller's, copied (never
// modified), with the vendor's authentication and no redirects.
func (s *Service) httpClient() *http.Client {
	hc := &http.Client{}
	if s.cfg.HTTPClient != nil {
		copied := *s.cfg.HTTPClient
		hc = &copied
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = s.auth(base)
	// Credentials go to the configured origin only: a redirect is never
	// followed (whatever the caller's CheckRedirect says), and comes back
	// as an error naming its target.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}

func (s *Service) load() error {
	s.once.Do(func() {
		doc, err := specs.Load(s.spec)
		if err != nil {
			s.err = err
			return
		}
		s.doc, s.base = doc, strings.TrimSuffix(s.cfg.BaseURL, "/")
		s.client = s.httpClient()
	})
	return s.err
}

// Call sends the operation opID. path holds the values of its path
// parameters in the order the path names them; params is the typed request
// (nil when the operation takes none); out receives the typed result (nil
// when the operation returns nothing).
func (s *Service) Call(ctx context.Context, opID string, path []string, params, out any, opts []RequestOption) error {
	if ctx == nil {
		return fmt.Errorf("%s %s: nil context", s.spec, opID)
	}
	if err := s.load(); err != nil {
		return err
	}
	op, ok := s.doc.Operation(opID)
	if !ok {
		return fmt.Errorf("%s: no operation %q", s.spec, opID)
	}
	if r, ok := s.client.Transport.(Refuser); ok {
		if err := r.Refuse(op); err != nil {
			return err
		}
	}
	call := CallConfig{MaxAttempts: s.cfg.Retry.MaxAttempts, Timeout: s.cfg.Timeout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&call); err != nil {
			return fmt.Errorf("%s: %w", op.FullName(), err)
		}
	}
	if op.Token != nil {
		// Bad params are refused before the token is fetched: nothing is sent.
		if err := checkParams(op, params); err != nil {
			return err
		}
	}
	if call.Timeout > 0 {
		if _, has := ctx.Deadline(); !has {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, call.Timeout)
			// Response bodies are read in full before Call returns.
			defer cancel()
		}
	}
	token, err := s.token(ctx, op, "")
	if err != nil {
		return err
	}
	err = s.send(ctx, op, path, params, out, call, token)
	if op.Token != nil && tokenExpired(op, err) {
		s.dropToken(op, token)
		// Once more with a new token, for an operation that may be sent
		// again; an unsafe one gets the new token on its next call.
		if op.Retry == specs.Safe {
			if token, err = s.token(ctx, op, token); err != nil {
				return err
			}
			err = s.send(ctx, op, path, params, out, call, token)
		}
	}
	return err
}

// send builds the request (with token, for an x-token operation) and
// makes the attempts call allows.
func (s *Service) send(ctx context.Context, op *specs.Operation, path []string, params, out any, call CallConfig, token string) error {
	req, body, err := s.newRequest(ctx, op, path, params, call.Header, token)
	if err != nil {
		return err
	}
	if body.stream != nil && !body.stream.rewindable() {
		call.MaxAttempts = 1 // a file read once cannot be sent again
	}
	ctx = specs.WithOperation(ctx, op)
	for n := 1; ; n++ {
		o := s.attempt(ctx, op, req, body, n, out)
		if call.Raw != nil && o.resp != nil {
			call.Raw.StatusCode, call.Raw.Header, call.Raw.Body = o.resp.StatusCode, o.resp.Header, o.raw
		}
		if o.err == nil {
			return nil
		}
		if n >= call.MaxAttempts || !retryable(ctx, op, o) || !sleep(ctx, s.delay(n, o)) {
			return s.final(op, o, n)
		}
	}
}

// newRequest builds the request once: the URL with its escaped path
// parameters, and the encoded, checked body. Every attempt sends a copy.
func (s *Service) newRequest(ctx context.Context, op *specs.Operation, path []string, params any, header http.Header, token string) (*http.Request, sendBody, error) {
	p, problems := expandPath(op.SendPath, path)
	if len(problems) > 0 {
		return nil, sendBody{}, &apierror.ValidationError{Operation: op.FullName(), Problems: problems}
	}
	if b := op.BasicCredentials; b != nil {
		if _, ok := s.cfg.AppCredentials[b.Set]; !ok {
			return nil, sendBody{}, &apierror.ValidationError{Operation: op.FullName(), Problems: []string{fmt.Sprintf(
				"it authenticates with the %q pair, which this client was not given: use option.WithAppCredentials(%q, user, password)", b.Set, b.Set)}}
		}
	}
	var extra map[string]any
	if op.Token != nil {
		extra = map[string]any{op.Token.Field: token}
	}
	enc, err := encode(op, params, s.cfg.AppCredentials, extra)
	if err != nil {
		return nil, sendBody{}, &apierror.ValidationError{Operation: op.FullName(), Problems: []string{err.Error()}}
	}
	body := enc.body
	problems = nil
	if enc.stream != nil {
		problems = op.ValidateObject(enc.check)
	} else {
		problems = op.ValidateBody(body)
	}
	if len(problems) > 0 {
		return nil, sendBody{}, &apierror.ValidationError{Operation: op.FullName(), Problems: problems}
	}
	if problems := op.ValidateQuery(enc.query); len(problems) > 0 {
		return nil, sendBody{}, &apierror.ValidationError{Operation: op.FullName(), Problems: problems}
	}
	base := s.base
	if base == "" { // the spec's own server for the operation
		server, err := op.ServerURL(s.cfg.Region)
		if err != nil {
			return nil, sendBody{}, err
		}
		base = strings.TrimSuffix(server, "/")
	}
	target := base + p
	if len(enc.query) > 0 {
		target += "?" + enc.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, op.Method, target, nil)
	if err != nil {
		return nil, sendBody{}, fmt.Errorf("%s: %w", op.FullName(), err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Del("Content-Type") // the spec's, or none without a body
	switch {
	case enc.stream != nil:
		req.Header.Set("Content-Type", enc.contentType)
	case body != nil:
		req.Header.Set("Content-Type", enc.contentType)
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return req, sendBody{bytes: body, stream: enc.stream}, nil
}

// sendBody is what each attempt sends: the checked bytes, or a body that
// streams files (multipart, or a form with Base64 files) afresh.
type sendBody struct {
	bytes  []byte
	stream streamed
}

// expandPath fills a path template's {parameters} in order, each escaped
// as one segment. A value that is empty or a dot segment is refused: the
// path would name another operation ("" turns getTemplate into the list).
func expandPath(tmpl string, values []string) (string, []string) {
	var b strings.Builder
	i := 0
	for seg := range strings.SplitSeq(strings.TrimPrefix(tmpl, "/"), "/") {
		b.WriteByte('/')
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			b.WriteString(seg)
			continue
		}
		name := seg[1 : len(seg)-1]
		if i >= len(values) {
			return "", []string{fmt.Sprintf("path parameter %s: missing", name)}
		}
		v := values[i]
		i++
		if v == "" || v == "." || v == ".." {
			return "", []string{fmt.Sprintf(`path parameter %s: must not be empty, "." or ".."`, name)}
		}
		b.WriteString(url.PathEscape(v))
	}
	return b.String(), nil
}

// attempt sends the request once. Each attempt gets a fresh copy of the
// body, so the signing transport below signs it afresh with a new ts.
func (s *Service) attempt(ctx context.Context, op *specs.Operation, req *http.Request, sb sendBody, n int, out any) outcome {
	start := time.Now()
	logBodies := s.cfg.LogBodies && s.cfg.Logger != nil
	var reached atomic.Bool
	var sent sentHeaders // what went on the wire, for body logging
	// Whether a connection was made only changes the outcome of an unsafe
	// operation (a safe one is retried either way), so only those pay for
	// the trace — and body logging, which records the headers sent.
	if op.Retry != specs.Safe || logBodies {
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { reached.Store(true) }}
		if logBodies {
			trace.WroteHeaderField = sent.add
		}
		ctx = httptrace.WithClientTrace(ctx, trace)
	}
	// A shallow copy is enough: the transports clone the request before
	// they set any header.
	r := req.WithContext(ctx)
	body := sb.bytes
	switch {
	case sb.stream != nil:
		rc, size, err := sb.stream.open(n)
		if err != nil {
			o := outcome{err: fmt.Errorf("%s: %w", op.FullName(), err)}
			s.logAttempt(ctx, op, n, o, time.Since(start))
			return o
		}
		r.Body, r.ContentLength = rc, size
		if size < 0 {
			r.ContentLength = 0 // unknown: chunked
		}
		body = sb.stream.describe()
	case body != nil:
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := s.client.Do(r)
	if logBodies { // the headers are on the wire by now
		s.logBody(ctx, op, n, "request", sent.snapshot(), body)
	}
	var o outcome
	switch {
	case err != nil:
		// A key pair sent in the query shows in the URL net/http quotes;
		// mask it before the error reaches the log or the caller.
		o = outcome{err: redactURL(op, err), reached: reached.Load()}
	default:
		raw, rerr := readCapped(resp.Body, s.cfg.MaxResponseBytes)
		resp.Body.Close()
		o = outcome{resp: resp, raw: raw, reached: true}
		if rerr != nil {
			o.err = fmt.Errorf("reading response: %w", rerr)
			break
		}
		if cerr := judge(op, resp, raw, out); cerr != nil {
			var ae *apierror.Error
			if errors.As(cerr, &ae) && ae.Kind == nil { // judge may know better
				ae.Kind = kindOf(op, ae)
			}
			o.err = cerr
		}
		if logBodies {
			s.logBody(ctx, op, n, "response", resp.Header, raw)
		}
	}
	s.logAttempt(ctx, op, n, o, time.Since(start))
	return o
}

// final turns the last attempt's failure into the error Call returns.
func (s *Service) final(op *specs.Operation, o outcome, attempts int) error {
	var ae *apierror.Error
	if errors.As(o.err, &ae) {
		ae.Attempts = attempts
		return ae
	}
	return &apierror.TransportError{
		Operation:      op.FullName(),
		Attempts:       attempts,
		OutcomeUnknown: o.reached && op.Retry != specs.Safe,
		Err:            redactURL(op, o.err),
	}
}

// redactURL masks an application's key pair in the query of the URL that
// net/http quotes in a transport error, so that the error can be logged.
func redactURL(op *specs.Operation, err error) error {
	c := op.AppCredentials
	var ue *url.Error
	if c == nil || !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "(a URL that does not parse)", Err: ue.Err}
	}
	q := u.Query()
	for _, k := range []string{c.Key, c.Secret} {
		if q.Has(k) {
			q.Set(k, "***")
		}
	}
	u.RawQuery = q.Encode()
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

// errTooLarge marks a response over the size cap: the server answered, so
// sending the request again would not help.
var errTooLarge = errors.New("response body too large")

// readCapped reads all of r, failing when it holds more than max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: it exceeds %d bytes", errTooLarge, max)
	}
	return b, nil
}

// sentHeaders collects the header fields the transport wrote. The trace
// hook may run on the transport's goroutine, hence the lock.
type sentHeaders struct {
	mu sync.Mutex
	h  http.Header
}

func (s *sentHeaders) add(k string, v []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == nil {
		s.h = http.Header{}
	}
	s.h[k] = v
}

func (s *sentHeaders) snapshot() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h.Clone()
}

// IsJSON reports whether a Content-Type names JSON.
func IsJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
