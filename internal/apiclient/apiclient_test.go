package apiclient_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

const (
	specName  = "nxcloud/ota"
	validInit = `{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"203.0.113.7"}`
)

// fake is a test server that records what reached it.
type fake struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests int
	bodies   []string
	paths    []string // escaped, as sent

	status int
	reply  string
	block  bool // wait until the client gives up
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{status: http.StatusOK, reply: `{"code":0,"msg":"ok","data":{"requestId":"r1","url":"https://auth.example/x"}}`}
	release := make(chan struct{})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests++
		f.bodies = append(f.bodies, string(body))
		f.paths = append(f.paths, r.URL.EscapedPath())
		status, reply, block := f.status, f.reply, f.block
		f.mu.Unlock()
		if block {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return f
}

func (f *fake) sentBodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func (f *fake) sentPaths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// countingTransport counts requests and records the operation the Doer put
// into each request's context.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int32
	mu   sync.Mutex
	ops  []*specs.Operation
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	op, _ := specs.OperationFrom(r.Context())
	c.mu.Lock()
	c.ops = append(c.ops, op)
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

// vendor returns a Vendor whose Auth counts requests and whose Check accepts
// HTTP 200 only.
func vendor(ct **countingTransport) apiclient.Vendor {
	return apiclient.Vendor{
		Auth: func(base http.RoundTripper) http.RoundTripper {
			*ct = &countingTransport{base: base}
			return *ct
		},
		Check: func(op *specs.Operation, resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusOK {
				return apierror.FromResponse(op.FullName(), resp, body)
			}
			return nil
		},
	}
}

func newDoer(t *testing.T, cfg *apiclient.Config) (*apiclient.Doer, string, *countingTransport) {
	t.Helper()
	var ct *countingTransport
	d, server, err := apiclient.New(cfg, specName, vendor(&ct))
	require.NoError(t, err)
	require.NotNil(t, ct)
	return d, server, ct
}

func config(t *testing.T, baseURL string) *apiclient.Config {
	t.Helper()
	cfg, err := apiclient.NewConfig[func(*apiclient.Config) error](nil)
	require.NoError(t, err)
	cfg.BaseURL = baseURL
	return cfg
}

func jsonRequest(t *testing.T, ctx context.Context, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestDoSendsAMatchedRequest(t *testing.T) {
	f := newFake(t)
	d, server, ct := newDoer(t, config(t, f.srv.URL))
	assert.Equal(t, f.srv.URL, server)

	resp, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, f.reply, string(got), "the body is handed back in full")
	require.NoError(t, resp.Body.Close())

	assert.Equal(t, 1, f.count())
	assert.Equal(t, []string{validInit}, f.sentBodies())
	require.Len(t, ct.ops, 1)
	require.NotNil(t, ct.ops[0], "the operation is in the request's context")
	assert.Equal(t, "init", ct.ops[0].ID)
}

func TestDoRejectsRequestsOutsideTheSpec(t *testing.T) {
	f := newFake(t)
	d, _, ct := newDoer(t, config(t, f.srv.URL))
	tests := []struct {
		name, method, path string
	}{
		{"unknown path", http.MethodPost, "/api/ota/nope"},
		{"other spec's path", http.MethodPost, "/v1/verifications"},
		{"wrong method", http.MethodGet, "/api/ota/init"},
		{"missing base path", http.MethodPost, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &closeTracker{Reader: strings.NewReader(validInit)}
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := d.Do(req)
			require.Error(t, err)
			assert.Nil(t, resp)
			assert.Contains(t, err.Error(), "is not an operation of this spec")
			assert.Contains(t, err.Error(), tt.path)
			assert.True(t, body.closed.Load(), "the request body is closed")
		})
	}
	assert.Zero(t, f.count(), "nothing reached the server")
	assert.Zero(t, ct.n.Load(), "nothing reached the transport")
}

func TestDoValidatesTheBodyBeforeSending(t *testing.T) {
	f := newFake(t)
	d, _, ct := newDoer(t, config(t, f.srv.URL))
	tests := []struct {
		name, contentType, body string
		want                    []string
	}{
		{"empty body", "application/json", "", []string{"the request body is required"}},
		{"empty field", "application/json", `{"appkey":"","phone":"1","userIp":"x"}`, []string{"appkey: must not be empty"}},
		{"missing fields", "application/json", `{"appkey":"a"}`, []string{"phone: is required", "userIp: is required"}},
		{"wrong content type", "text/plain", validInit, []string{`Content-Type must be application/json, not "text/plain"`}},
		{"no content type", "", validInit, []string{`Content-Type must be application/json, not ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/ota/init", strings.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := d.Do(req)
			assert.Nil(t, resp)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "nxcloud/ota init", ve.Operation)
			assert.Equal(t, tt.want, ve.Problems)
		})
	}
	assert.Zero(t, f.count(), "nothing reached the server")
	assert.Zero(t, ct.n.Load(), "nothing reached the transport")
}

func TestDoAcceptsJSONContentTypeWithParameters(t *testing.T) {
	f := newFake(t)
	d, _, _ := newDoer(t, config(t, f.srv.URL))
	req := jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := d.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 1, f.count())
}

// closeTracker is a body without GetBody support that records Close.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }

func TestDoSendsABodyWithoutGetBodyIntact(t *testing.T) {
	f := newFake(t)
	d, _, _ := newDoer(t, config(t, f.srv.URL))
	body := &closeTracker{Reader: strings.NewReader(validInit)}
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/ota/init", body)
	require.NoError(t, err)
	require.Nil(t, req.GetBody, "precondition: a body the Doer must buffer itself")
	req.Header.Set("Content-Type", "application/json")

	resp, err := d.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{validInit}, f.sentBodies(), "the validated bytes are the sent bytes")
	assert.True(t, body.closed.Load())
}

func TestDoClosesTheBodyOfAnInvalidRequest(t *testing.T) {
	f := newFake(t)
	d, _, _ := newDoer(t, config(t, f.srv.URL))
	body := &closeTracker{Reader: strings.NewReader(`{}`)}
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/ota/init", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(`{}`)), nil }
	_, err = d.Do(req)
	require.Error(t, err)
	assert.True(t, body.closed.Load())
}

func TestDoCapsTheResponseSize(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		reply   string
		wantErr bool
	}{
		{"below the cap", 100, `{"code":0}`, false},
		{"exactly the cap", 10, `{"code":0}`, false},
		{"one byte over", 9, `{"code":0}`, true},
		{"far over", 16, `{"code":0,"msg":"` + strings.Repeat("x", 1000) + `"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.reply = tt.reply
			cfg := config(t, f.srv.URL)
			cfg.MaxResponseBytes = tt.max
			d, _, _ := newDoer(t, cfg)
			resp, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
			if tt.wantErr {
				require.Error(t, err)
				assert.Nil(t, resp)
				assert.Contains(t, err.Error(), "exceeds")
				assert.Contains(t, err.Error(), "nxcloud/ota init")
				return
			}
			require.NoError(t, err)
			got, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tt.reply, string(got))
		})
	}
}

func TestDoReturnsTheVendorCheckError(t *testing.T) {
	f := newFake(t)
	f.status, f.reply = http.StatusBadGateway, "<html>Bad Gateway</html>"
	d, _, _ := newDoer(t, config(t, f.srv.URL))
	resp, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	assert.Nil(t, resp)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadGateway, ae.StatusCode)
	assert.Equal(t, "<html>Bad Gateway</html>", string(ae.Body))
}

func TestDoAppliesTheDefaultTimeout(t *testing.T) {
	f := newFake(t)
	f.block = true
	cfg := config(t, f.srv.URL)
	cfg.Timeout = 20 * time.Millisecond
	d, _, _ := newDoer(t, cfg)
	_, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "nxcloud/ota init")
}

func TestDoKeepsTheCallersDeadline(t *testing.T) {
	f := newFake(t)
	f.block = true
	cfg := config(t, f.srv.URL)
	cfg.Timeout = time.Hour // must not replace the caller's shorter deadline
	d, _, _ := newDoer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := d.Do(jsonRequest(t, ctx, http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDoHonoursCancellation(t *testing.T) {
	f := newFake(t)
	f.block = true
	cfg := config(t, f.srv.URL)
	cfg.Timeout = 0 // no SDK bound
	d, _, _ := newDoer(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.Do(jsonRequest(t, ctx, http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestNewKeepsTheBasePath(t *testing.T) {
	f := newFake(t)
	for _, base := range []string{f.srv.URL + "/prefix", f.srv.URL + "/prefix/"} {
		t.Run(base, func(t *testing.T) {
			d, server, _ := newDoer(t, config(t, base))
			assert.Equal(t, base, server)
			before := f.count()
			resp, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/prefix/api/ota/init", validInit))
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, before+1, f.count())
			paths := f.sentPaths()
			assert.Equal(t, "/prefix/api/ota/init", paths[len(paths)-1])
		})
	}
}

// The Doer matches the escaped path, as it is sent: a path parameter may
// hold an escaped "/", and the base path is compared escaped too.
func TestDoMatchesTheEscapedPath(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name, base, target string
		sent               bool
	}{
		{"escaped slash in a parameter", "", "/v1/template-configs/a%2Fb", true},
		{"escaped slash and space", "", "/v1/template-configs/a%2Fb%20c", true},
		{"escaped percent", "", "/v1/template-configs/100%25", true},
		{"unescaped slash", "", "/v1/template-configs/a/b", false},
		{"escaped slash between literal segments", "", "/v1%2Ftemplate-configs/a", false},
		{"escaped base path", "/pre%20fix", "/pre%20fix/v1/template-configs/a", true},
		{"base path with an escaped slash", "/pre%2Ffix", "/pre%2Ffix/v1/template-configs/a", true},
		{"outside a base path with an escaped slash", "/pre%2Ffix", "/pre/fix/v1/template-configs/a", false},
		{"outside the base path", "/prefix", "/v1/template-configs/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ct *countingTransport
			d, _, err := apiclient.New(config(t, f.srv.URL+tt.base), "engagelab/otp", vendor(&ct))
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, f.srv.URL+tt.target, nil)
			require.NoError(t, err)
			before := f.count()
			resp, err := d.Do(req)
			if !tt.sent {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "is not an operation of this spec")
				assert.Contains(t, err.Error(), tt.target, "the error shows the path as it would be sent")
				assert.Equal(t, before, f.count(), "nothing reached the server")
				assert.Zero(t, ct.n.Load(), "nothing reached the transport")
				return
			}
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, before+1, f.count())
			paths := f.sentPaths()
			assert.Equal(t, tt.target, paths[len(paths)-1], "the path is sent as it was escaped")
			require.Len(t, ct.ops, 1)
			assert.Equal(t, "engagelab/otp getTemplate", ct.ops[0].FullName())
		})
	}
}

func TestNewDefaultsToTheSpecServer(t *testing.T) {
	_, server, _ := newDoer(t, config(t, ""))
	assert.Equal(t, specs.MustLoad(specName).ServerURL(), server)
}

func TestNewRejectsUnknownSpec(t *testing.T) {
	var ct *countingTransport
	_, _, err := apiclient.New(config(t, ""), "nxcloud/nope", vendor(&ct))
	assert.Error(t, err)
}

type recordingTransport struct{ n atomic.Int32 }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

func TestNewDoesNotModifyTheCallersClient(t *testing.T) {
	f := newFake(t)
	base := &recordingTransport{}
	hc := &http.Client{Transport: base, Timeout: time.Minute}
	cfg := config(t, f.srv.URL)
	cfg.HTTPClient = hc
	d, _, ct := newDoer(t, cfg)
	assert.Same(t, base, ct.base, "the vendor's Auth wraps the caller's transport")

	resp, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, f.srv.URL+"/api/ota/init", validInit))
	require.NoError(t, err)
	resp.Body.Close()

	assert.Same(t, base, hc.Transport, "the caller's Transport is untouched")
	assert.Equal(t, time.Minute, hc.Timeout)
	assert.EqualValues(t, 1, base.n.Load(), "the caller's transport carried the request")
}

func TestNewWrapsTheDefaultTransport(t *testing.T) {
	var got http.RoundTripper
	v := apiclient.Vendor{
		Auth:  func(base http.RoundTripper) http.RoundTripper { got = base; return base },
		Check: func(*specs.Operation, *http.Response, []byte) error { return nil },
	}
	cfg := config(t, "")
	cfg.HTTPClient = &http.Client{} // nil Transport
	_, _, err := apiclient.New(cfg, specName, v)
	require.NoError(t, err)
	assert.Same(t, http.DefaultTransport, got)
	assert.Nil(t, cfg.HTTPClient.Transport)
}

func TestBuildMakesAWorkingGeneratedClient(t *testing.T) {
	f := newFake(t)
	var ct *countingTransport
	c, err := apiclient.Build(config(t, f.srv.URL), specName, vendor(&ct), ota.NewClientWithResponses, ota.WithHTTPClient)
	require.NoError(t, err)
	res, err := c.InitWithResponse(context.Background(), ota.InitRequest{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"})
	require.NoError(t, err)
	require.NotNil(t, res.JSON200)
	require.NotNil(t, res.JSON200.Data)
	assert.Equal(t, "r1", res.JSON200.Data.RequestID)
	assert.Equal(t, []string{"/api/ota/init"}, f.sentPaths())
}

func TestBuildRejectsAnIncompatibleDoerType(t *testing.T) {
	type notADoer interface{ Nope() }
	newClient := func(string, ...int) (string, error) { return "client", nil }
	withDoer := func(notADoer) int { return 0 }
	var ct *countingTransport
	_, err := apiclient.Build(config(t, ""), specName, vendor(&ct), newClient, withDoer)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not satisfied")
}

func TestIsJSON(t *testing.T) {
	tests := []struct {
		contentType string
		want        bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/problem+json", true},
		{"text/plain", false},
		{"text/html; charset=utf-8", false},
		{"", false},
		{"application/jsonx", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			assert.Equal(t, tt.want, apiclient.IsJSON(tt.contentType))
		})
	}
}

func TestAcceptJSON(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    bool
		wantContentType         string
	}{
		{"JSON labelled JSON", "application/json; charset=utf-8", `{"a":1}`, true, "application/json; charset=utf-8"},
		{"JSON labelled text", "text/plain", `{"a":1}`, true, "application/json"},
		{"JSON unlabelled", "", `{"a":1}`, true, "application/json"},
		{"HTML", "text/html", `<html></html>`, false, "text/html"},
		{"empty", "application/json", ``, false, "application/json"},
		{"truncated", "application/json", `{"a":`, false, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			if tt.contentType != "" {
				resp.Header.Set("Content-Type", tt.contentType)
			}
			assert.Equal(t, tt.want, apiclient.AcceptJSON(resp, []byte(tt.body)))
			assert.Equal(t, tt.wantContentType, resp.Header.Get("Content-Type"))
		})
	}
}

func TestDoWithTheSigningTransportSignsTheSentBytes(t *testing.T) {
	// End to end through the real signer: whatever the Doer validated and
	// the signer hashed must be what the server receives.
	var (
		mu               sync.Mutex
		gotSign, gotBody string
	)
	got := func() (string, string) { mu.Lock(); defer mu.Unlock(); return gotSign, gotBody }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotBody, gotSign = string(b), r.Header.Get("sign")
		mu.Unlock()
		ok := sign.Verify(sign.MD5, sign.Params{
			AccessKey: r.Header.Get("accessKey"), TS: r.Header.Get("ts"),
			BizType: r.Header.Get("bizType"), Action: r.Header.Get("action"),
		}, b, "s3cret", r.Header.Get("sign"))
		if !ok {
			io.WriteString(w, `{"code":1003,"msg":"bad signature"}`)
			return
		}
		io.WriteString(w, `{"code":0,"msg":"ok"}`)
	}))
	defer srv.Close()
	v := apiclient.Vendor{
		Auth: func(base http.RoundTripper) http.RoundTripper {
			return &sign.NXCloudTransport{Base: base, AccessKey: "k", AccessSecret: "s3cret", Operation: specs.SignedConstants}
		},
		Check: func(op *specs.Operation, resp *http.Response, body []byte) error {
			if e := apierror.FromResponse(op.FullName(), resp, body); !e.HasCode || e.Code != 0 {
				return e
			}
			return nil
		},
	}
	d, _, err := apiclient.New(config(t, srv.URL), specName, v)
	require.NoError(t, err)
	body := &closeTracker{Reader: bytes.NewReader([]byte(validInit))} // no GetBody
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/ota/verify", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.Do(req)
	// validInit lacks requestId, so verify's schema rejects it first.
	var ve *apierror.ValidationError
	require.True(t, errors.As(err, &ve), "got %v", err)
	assert.Nil(t, resp)
	s, _ := got()
	assert.Empty(t, s, "nothing was sent")

	req = jsonRequest(t, context.Background(), http.MethodPost, srv.URL+"/api/ota/init", validInit)
	resp, err = d.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	s, b := got()
	assert.Equal(t, validInit, b)
	assert.NotEmpty(t, s)
}

// fastRetry keeps retry tests quick.
var fastRetry = apiclient.Retry{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

func TestDoResendsTheSameBodyOnRetry(t *testing.T) {
	const validVerify = `{"appkey":"pem28kje","requestId":"989d535f"}`
	var (
		mu     sync.Mutex
		bodies []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"code":0}`)
	}))
	defer srv.Close()

	cfg := config(t, srv.URL)
	cfg.Retry = fastRetry
	d, _, ct := newDoer(t, cfg)
	// verify is safe, so a 503 is retried; the body has no GetBody, so the
	// Doer must keep its own copy for the second attempt.
	body := &closeTracker{Reader: strings.NewReader(validVerify)}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/ota/verify", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{validVerify, validVerify}, bodies)
	assert.EqualValues(t, 2, ct.n.Load())
}

func TestDoRetryPolicy(t *testing.T) {
	tests := []struct {
		name         string
		path         string
		body         string
		retry        apiclient.Retry
		ctxAttempts  int // 0 = no per-call override
		wantRequests int
	}{
		{"safe operation retried up to MaxAttempts", "/api/ota/verify", `{"appkey":"a","requestId":"r"}`, fastRetry, 0, 3},
		{"unsafe operation sent once", "/api/ota/init", validInit, fastRetry, 0, 1},
		{"MaxAttempts 0 still sends once", "/api/ota/verify", `{"appkey":"a","requestId":"r"}`, apiclient.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}, 0, 1},
		{"per-call override", "/api/ota/verify", `{"appkey":"a","requestId":"r"}`, fastRetry, 2, 2},
		{"per-call override below 1", "/api/ota/verify", `{"appkey":"a","requestId":"r"}`, fastRetry, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.status, f.reply = http.StatusBadGateway, "bad gateway"
			cfg := config(t, f.srv.URL)
			cfg.Retry = tt.retry
			d, _, _ := newDoer(t, cfg)
			ctx := context.Background()
			if tt.ctxAttempts != 0 {
				ctx = apiclient.WithMaxAttempts(ctx, tt.ctxAttempts)
			}
			_, err := d.Do(jsonRequest(t, ctx, http.MethodPost, f.srv.URL+tt.path, tt.body))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantRequests, ae.Attempts)
			assert.Equal(t, tt.wantRequests, f.count())
		})
	}
}

func TestDoRetriesAFailedDialEvenForUnsafeOperations(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	cfg := config(t, base)
	cfg.Retry = fastRetry
	d, _, ct := newDoer(t, cfg)
	_, err := d.Do(jsonRequest(t, context.Background(), http.MethodPost, base+"/api/ota/init", validInit))
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	assert.False(t, te.OutcomeUnknown, "the request never left")
	assert.Equal(t, "nxcloud/ota init", te.Operation)
	assert.EqualValues(t, 3, ct.n.Load())
}

func TestMaskHeaders(t *testing.T) {
	h := http.Header{
		"accessKey":     {"key"},
		"Accesskey":     {"key"},
		"sign":          {"abc"},
		"Authorization": {"Basic eDp5"},
		"Cookie":        {"a=b"},
		"Set-Cookie":    {"c=d"},
		"ts":            {"1655710885431"},
		"Content-Type":  {"application/json"},
	}
	got := apiclient.MaskHeaders(h)
	assert.Equal(t, http.Header{
		"accessKey":     {"***"},
		"Accesskey":     {"***"},
		"sign":          {"***"},
		"Authorization": {"***"},
		"Cookie":        {"***"},
		"Set-Cookie":    {"***"},
		"ts":            {"1655710885431"},
		"Content-Type":  {"application/json"},
	}, got)
	assert.Equal(t, []string{"abc"}, h["sign"], "the input is not modified")
}
