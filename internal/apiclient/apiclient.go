// Package apiclient is the request pipeline shared by the vendor packages.
// It stands between a generated client (gen/…) and the network as its
// HttpRequestDoer: it finds the request's operation in the spec, checks the
// body against the operation's schema before anything is sent, bounds the
// call with the default timeout, sends it through the vendor's
// authenticating transport, and turns a failed answer into an error, so
// that a generated client's JSON200 is set whenever the error is nil.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
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
	BaseURL          string // "" = the spec's first server
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

// Vendor is what differs between vendors: how a request is authenticated
// and how a response says it failed.
type Vendor struct {
	// Auth wraps the base transport with the vendor's authentication.
	Auth func(base http.RoundTripper) http.RoundTripper
	// Check returns nil for a successful response and the error to return
	// otherwise. body is the whole response body.
	Check func(op *specs.Operation, resp *http.Response, body []byte) error
}

// Doer implements the generated clients' HttpRequestDoer for one spec.
type Doer struct {
	doc       *specs.Document
	basePath  string
	client    *http.Client
	timeout   time.Duration
	maxBody   int64
	retry     Retry
	log       *slog.Logger
	logBodies bool
	check     func(*specs.Operation, *http.Response, []byte) error
}

// New returns the Doer for the named spec and the server URL to give the
// generated client.
func New(cfg *Config, specName string, v Vendor) (*Doer, string, error) {
	doc, err := specs.Load(specName)
	if err != nil {
		return nil, "", err
	}
	server := cfg.BaseURL
	if server == "" {
		server = doc.ServerURL()
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, "", fmt.Errorf("%s: base URL: %w", specName, err)
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient // never modify the caller's client
		hc = &copied
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = v.Auth(base)
	return &Doer{
		doc:       doc,
		basePath:  strings.TrimSuffix(u.EscapedPath(), "/"), // compared with escaped request paths
		client:    hc,
		timeout:   cfg.Timeout,
		maxBody:   cfg.MaxResponseBytes,
		retry:     cfg.Retry,
		log:       cfg.Logger,
		logBodies: cfg.LogBodies && cfg.Logger != nil,
		check:     v.Check,
	}, server, nil
}

// Do sends one request built by a generated client: it checks the request
// against the spec, then makes up to the policy's number of attempts.
func (d *Doer) Do(req *http.Request) (*http.Response, error) {
	// The escaped path, as it goes on the wire: a path parameter escaped by
	// the generated client (a "/" as %2F) stays within its segment.
	p := req.URL.EscapedPath()
	rel, inBase := strings.CutPrefix(p, d.basePath)
	op, ok := d.doc.Match(req.Method, rel)
	if !inBase || !strings.HasPrefix(rel, "/") || !ok {
		closeBody(req)
		return nil, fmt.Errorf("%s: %s %s is not an operation of this spec", d.doc.Name, req.Method, p)
	}
	body, err := bodyBytes(req)
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("%s: reading request body: %w", op.FullName(), err)
	}
	if problems := checkRequest(op, req, body); len(problems) > 0 {
		closeBody(req)
		return nil, &apierror.ValidationError{Operation: op.FullName(), Problems: problems}
	}

	ctx := req.Context()
	if _, ok := ctx.Deadline(); !ok && d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		// Response bodies are read in full before Do returns, so
		// cancelling on return is safe.
		defer cancel()
	}
	ctx = specs.WithOperation(ctx, op)
	limit := d.maxAttempts(ctx)
	for n := 1; ; n++ {
		o := d.attempt(ctx, op, req, body, n)
		if o.err == nil {
			return o.resp, nil
		}
		if n >= limit || !retryable(ctx, op, o) || !sleep(ctx, d.delay(n, o)) {
			return nil, d.final(op, o, n)
		}
	}
}

// attempt sends the request once. Each attempt gets a fresh copy of the
// body, so the signing transport below signs it afresh with a new ts.
func (d *Doer) attempt(ctx context.Context, op *specs.Operation, req *http.Request, body []byte, n int) outcome {
	start := time.Now()
	var reached atomic.Bool
	var sent sentHeaders // what went on the wire, for body logging
	// Whether a connection was made only changes the outcome of an unsafe
	// operation (a safe one is retried either way), so only those pay for
	// the trace — and body logging, which records the headers sent.
	if op.Retry != specs.Safe || d.logBodies {
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { reached.Store(true) }}
		if d.logBodies {
			trace.WroteHeaderField = sent.add
		}
		ctx = httptrace.WithClientTrace(ctx, trace)
	}
	// A shallow copy is enough: the signing transport clones the request
	// before it sets any header.
	r := req.WithContext(ctx)
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := d.client.Do(r)
	if d.logBodies { // the headers are on the wire by now
		d.logBody(ctx, op, n, "request", sent.snapshot(), body)
	}
	var o outcome
	switch {
	case err != nil:
		o = outcome{err: err, reached: reached.Load()}
	default:
		raw, rerr := readCapped(resp.Body, d.maxBody)
		resp.Body.Close()
		o = outcome{resp: resp, reached: true}
		if rerr != nil {
			o.err = fmt.Errorf("reading response: %w", rerr)
			break
		}
		if cerr := d.check(op, resp, raw); cerr != nil {
			var ae *apierror.Error
			if errors.As(cerr, &ae) {
				ae.Kind = kindOf(op, ae)
			}
			o.err = cerr
		} else {
			resp.Body = io.NopCloser(bytes.NewReader(raw))
		}
		if d.logBodies {
			d.logBody(ctx, op, n, "response", resp.Header, raw)
		}
	}
	d.logAttempt(ctx, op, n, o, time.Since(start))
	return o
}

// final turns the last attempt's failure into the error Do returns.
func (d *Doer) final(op *specs.Operation, o outcome, attempts int) error {
	var ae *apierror.Error
	if errors.As(o.err, &ae) {
		ae.Attempts = attempts
		return ae
	}
	return &apierror.TransportError{
		Operation:      op.FullName(),
		Attempts:       attempts,
		OutcomeUnknown: o.reached && op.Retry != specs.Safe,
		Err:            o.err,
	}
}

// checkRequest applies the spec to the outgoing request: JSON bodies must be
// sent as application/json (NXCloud answers a wrong Content-Type with a
// signature error) and must satisfy the operation's schema.
func checkRequest(op *specs.Operation, req *http.Request, body []byte) []string {
	if op.BodySchema() != nil && len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		if mt != "application/json" {
			return []string{fmt.Sprintf("Content-Type must be application/json, not %q", req.Header.Get("Content-Type"))}
		}
	}
	return op.ValidateBody(body)
}

// bodyBytes returns the request body without consuming it. Requests built by
// the generated clients carry GetBody; any other body is read once and put
// back as a replayable one.
func bodyBytes(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		r, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
	return b, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
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

// Build makes a generated client whose requests go through a Doer for the
// named spec. newClient and withDoer are the generated package's
// NewClientWithResponses and WithHTTPClient.
func Build[C, O, D any](cfg *Config, specName string, v Vendor, newClient func(string, ...O) (C, error), withDoer func(D) O) (C, error) {
	var zero C
	doer, server, err := New(cfg, specName, v)
	if err != nil {
		return zero, err
	}
	d, ok := any(doer).(D)
	if !ok {
		return zero, fmt.Errorf("%s: the generated client's doer type %T is not satisfied by *apiclient.Doer", specName, zero)
	}
	return newClient(server, withDoer(d))
}

// AcceptJSON reports whether body is JSON, and if so makes sure the
// response's Content-Type says so (see MarkJSON).
func AcceptJSON(resp *http.Response, body []byte) bool {
	if !json.Valid(body) {
		return false
	}
	MarkJSON(resp)
	return true
}

// MarkJSON makes sure the Content-Type of a response whose body is known to
// be JSON says so in the form the generated parsers look for: they decode
// JSON200 only when the header contains "json" (case matters to them), and
// some servers omit it or write "Application/JSON".
func MarkJSON(resp *http.Response) {
	if ct := resp.Header.Get("Content-Type"); !IsJSON(ct) || !strings.Contains(ct, "json") {
		resp.Header.Set("Content-Type", "application/json")
	}
}
