package apiclient_test

import (
	"context"
	"encoding/json"
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
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

const (
	otaSpec = "nxcloud/ota"
	otpSpec = "engagelab/otp"
	// otaInitOK and otaVerifyOK are successes of init and verify.
	otaInitOK   = `{"code":0,"msg":"ok","data":{"requestId":"r1","url":"https://auth.example/x"}}`
	otaVerifyOK = `{"code":0,"msg":"ok","data":{"requestId":"r1","status":"SUCCESS"}}`
)

var (
	initParams   = ota.InitParams{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"}
	verifyParams = ota.VerifyParams{Appkey: "pem28kje", RequestID: "989d535f"}
)

// fake is a test server that records what reached it.
type fake struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests int
	bodies   []string
	paths    []string // escaped, as sent
	headers  []http.Header

	status int
	header http.Header // added to every answer
	reply  string
	block  bool          // wait until the client gives up
	delay  time.Duration // wait this long, then answer
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{status: http.StatusOK, reply: otaInitOK}
	release := make(chan struct{})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests++
		f.bodies = append(f.bodies, string(body))
		f.paths = append(f.paths, r.URL.EscapedPath())
		f.headers = append(f.headers, r.Header.Clone())
		status, header, reply, block, delay := f.status, f.header, f.reply, f.block, f.delay
		f.mu.Unlock()
		if block {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, reply)
	}))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	return f
}

func (f *fake) set(status int, reply string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.reply = status, reply
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

func (f *fake) sentHeaders() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// countingTransport is an Auth that counts requests and records the
// operation the Service put into each request's context.
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

func (c *countingTransport) seenOps() []*specs.Operation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*specs.Operation(nil), c.ops...)
}

// newService returns the Service of spec with an Auth that counts.
func newService(t *testing.T, cfg *apiclient.Config, spec string) (*apiclient.Service, *countingTransport) {
	t.Helper()
	ct := &countingTransport{}
	s := apiclient.NewService(cfg, spec, func(base http.RoundTripper) http.RoundTripper {
		ct.base = base // on the first call: a Service builds its client then
		return ct
	})
	return s, ct
}

// config is the default configuration, sent to baseURL.
func config(t *testing.T, baseURL string) *apiclient.Config {
	t.Helper()
	cfg, err := apiclient.NewConfig(appCredentials(t))
	require.NoError(t, err)
	cfg.BaseURL = baseURL
	return cfg
}

// appCredentials gives a client a key pair for every application set the
// specs send (x-app-credentials), so that every operation can be called.
func appCredentials(t testing.TB) []option.Option {
	t.Helper()
	_, err := specs.All()
	require.NoError(t, err)
	return appCredentialsFor()
}

// appCredentialsFor is appCredentials for code without a testing.TB: a
// pair for every set the specs of vendor send (every vendor's for ""),
// in the request (x-app-credentials) or as Basic credentials
// (x-basic-credentials). The specs are valid (TestSpecs*), so All does
// not fail.
func appCredentialsFor(vendor ...string) []option.Option {
	docs, _ := specs.All()
	var opts []option.Option
	seen := map[string]bool{}
	for _, d := range docs {
		if len(vendor) > 0 && d.SDK.Vendor != vendor[0] {
			continue
		}
		for _, op := range d.Operations {
			if set := op.CredentialSet(); set != "" && !seen[set] {
				seen[set] = true
				opts = append(opts, option.WithAppCredentials(set, "test-"+set+"-appkey", "test-"+set+"-secret"))
			}
		}
	}
	return opts
}

// fastRetry keeps retry tests quick.
var fastRetry = apiclient.Retry{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

func TestCallSendsTheOperation(t *testing.T) {
	f := newFake(t)
	s, ct := newService(t, config(t, f.srv.URL), otaSpec)

	var out ota.InitResult
	require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, &out, nil))
	assert.Equal(t, ota.InitResult{RequestID: "r1", URL: "https://auth.example/x"}, out, "the payload, data, is decoded")

	want, err := json.Marshal(&initParams)
	require.NoError(t, err)
	assert.Equal(t, []string{string(want)}, f.sentBodies(), "the validated bytes are the sent bytes")
	assert.Equal(t, []string{"/api/ota/init"}, f.sentPaths())
	assert.Equal(t, "application/json", f.sentHeaders()[0].Get("Content-Type"))
	ops := ct.seenOps()
	require.Len(t, ops, 1)
	require.NotNil(t, ops[0], "the operation is in the request's context")
	assert.Equal(t, "nxcloud/ota init", ops[0].FullName())
}

func TestCallWithoutParamsOrResult(t *testing.T) {
	f := newFake(t)
	f.set(http.StatusOK, `{"code":0,"data":{"token":"t0k"},"message":"Request successful"}`)
	s, _ := newService(t, config(t, f.srv.URL), "nxcloud/wa-integrator")
	// login takes no body; nil out discards the payload after judging it.
	require.NoError(t, s.Call(context.Background(), "login", nil, nil, nil, nil))
	assert.Equal(t, []string{""}, f.sentBodies(), "no body")
	assert.Empty(t, f.sentHeaders()[0].Get("Content-Type"), "no body, no Content-Type")

	f.set(http.StatusOK, `{"code":0,"data":null,"message":"Request successful"}`)
	err := s.Call(context.Background(), "login", nil, nil, nil, nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "the payload is judged even when the caller discards it")
	assert.Contains(t, ae.Reason, "carries no data")
}

func TestCallRefusesWhatIsNotAnOperation(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name, spec, op, want string
	}{
		{"unknown operation", otaSpec, "nope", `no operation "nope"`},
		{"other spec's operation", otaSpec, "sendMessage", `no operation "sendMessage"`},
		{"operationId case", otaSpec, "Init", `no operation "Init"`},
		{"unknown spec", "nxcloud/nope", "init", `no spec named "nxcloud/nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ct := newService(t, config(t, f.srv.URL), tt.spec)
			err := s.Call(context.Background(), tt.op, nil, &initParams, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Zero(t, ct.n.Load(), "nothing reached the transport")
		})
	}
	assert.Zero(t, f.count(), "nothing reached the server")
}

func TestCallRefusesANilContext(t *testing.T) {
	f := newFake(t)
	s, ct := newService(t, config(t, f.srv.URL), otaSpec)
	//nolint:staticcheck // a nil context is what is tested
	err := s.Call(nil, "init", nil, &initParams, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil context")
	assert.Contains(t, err.Error(), "nxcloud/ota init")
	assert.Zero(t, ct.n.Load())
	assert.Zero(t, f.count())
}

// unencodable is a params value json.Marshal refuses.
type unencodable struct{}

func (unencodable) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON for you") }

func TestCallValidatesTheParamsBeforeSending(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name, spec, op string
		params         any
		want           []string
	}{
		{"no params for a required body", otaSpec, "init", nil, []string{"the request body is required"}},
		{"empty field", otaSpec, "init", &ota.InitParams{Phone: "1", UserIP: "x"}, []string{"appkey: must not be empty"}},
		{"missing fields", otaSpec, "init", map[string]any{"appkey": "a"}, []string{"phone: is required", "userIp: is required"}},
		{"not an object", otaSpec, "init", []string{"appkey"}, []string{"value must be an object"}},
		{"missing field", otpSpec, "verify", map[string]any{"verify_code": "667090"}, []string{"message_id: is required"}},
		{"wrong type", otpSpec, "verify", map[string]any{"message_id": "1", "verify_code": 667090}, []string{"verify_code: value must be a string"}},
		{"empty params", otpSpec, "verify", &otp.VerifyParams{}, []string{"message_id: must not be empty", "verify_code: must not be empty"}},
		{"params JSON cannot encode", otaSpec, "init", unencodable{}, []string{"the params cannot be encoded as JSON: json: error calling MarshalJSON for type apiclient_test.unencodable: no JSON for you"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ct := newService(t, config(t, f.srv.URL), tt.spec)
			err := s.Call(context.Background(), tt.op, nil, tt.params, nil, nil)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.spec+" "+tt.op, ve.Operation)
			assert.Equal(t, tt.want, ve.Problems)
			assert.Zero(t, ct.n.Load(), "nothing reached the transport")
		})
	}
	assert.Zero(t, f.count(), "nothing reached the server")
}

func TestCallHeaders(t *testing.T) {
	t.Run("added to the request", func(t *testing.T) {
		f := newFake(t)
		s, _ := newService(t, config(t, f.srv.URL), otaSpec)
		opts := []apiclient.RequestOption{option.WithHeader("X-Request-Id", "abc"), option.WithHeader("Content-Type", "text/plain")}
		require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, opts))
		h := f.sentHeaders()[0]
		assert.Equal(t, "abc", h.Get("X-Request-Id"))
		assert.Equal(t, "application/json", h.Get("Content-Type"), "the body's Content-Type is the spec's")
	})
	t.Run("invalid ones are refused before anything is sent", func(t *testing.T) {
		f := newFake(t)
		s, ct := newService(t, config(t, f.srv.URL), otaSpec)
		for _, o := range []apiclient.RequestOption{
			option.WithHeader("", "v"),
			option.WithHeader("X-Bad:Key", "v"),
			option.WithHeader("X Bad", "v"),
			option.WithHeader("X-Bad", "a\r\nInjected: yes"),
			option.WithHeader("X-Bad", "a\x00b"),
		} {
			err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{o})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid header")
			assert.Contains(t, err.Error(), "nxcloud/ota init")
		}
		assert.Zero(t, ct.n.Load())
		assert.Zero(t, f.count())
	})
	t.Run("nil options are skipped", func(t *testing.T) {
		f := newFake(t)
		s, _ := newService(t, config(t, f.srv.URL), otaSpec)
		require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{nil}))
		assert.Equal(t, 1, f.count())
	})
}

func TestCallCapsTheResponseSize(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		reply   string
		wantErr bool
	}{
		{"below the cap", int64(len(otaVerifyOK)) + 100, otaVerifyOK, false},
		{"exactly the cap", int64(len(otaVerifyOK)), otaVerifyOK, false},
		{"one byte over", int64(len(otaVerifyOK)) - 1, otaVerifyOK, true},
		{"far over", 16, `{"code":0,"msg":"` + strings.Repeat("x", 1000) + `"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set(http.StatusOK, tt.reply)
			cfg := config(t, f.srv.URL)
			cfg.MaxResponseBytes = tt.max
			cfg.Retry = fastRetry
			s, _ := newService(t, cfg, otaSpec)
			var out ota.VerifyResult
			err := s.Call(context.Background(), "verify", nil, &verifyParams, &out, nil)
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, ota.VerificationStatusSuccess, out.Status)
				return
			}
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), "exceeds")
			assert.Contains(t, err.Error(), "nxcloud/ota verify")
			assert.Equal(t, 1, te.Attempts, "the server answered: a safe operation is not sent again either")
			assert.Equal(t, 1, f.count())
		})
	}
}

func TestCallReturnsTheVendorFailure(t *testing.T) {
	f := newFake(t)
	f.set(http.StatusBadGateway, "<html>Bad Gateway</html>")
	s, _ := newService(t, config(t, f.srv.URL), otaSpec)
	var out ota.InitResult
	err := s.Call(context.Background(), "init", nil, &initParams, &out, nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadGateway, ae.StatusCode)
	assert.Equal(t, "<html>Bad Gateway</html>", string(ae.Body))
	assert.Equal(t, "nxcloud/ota init", ae.Operation)
	assert.Equal(t, 1, ae.Attempts, "init is unsafe")
	assert.Zero(t, out, "out is untouched by a failure")
}

// The Content-Type of an answer does not matter: the body decides.
func TestCallIgnoresTheResponseContentType(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		ok                      bool
	}{
		{"JSON labelled JSON with parameters", "application/json; charset=utf-8", otaInitOK, true},
		{"JSON labelled text", "text/plain", otaInitOK, true},
		{"JSON unlabelled", "", otaInitOK, true},
		{"HTML labelled JSON", "application/json", `<html></html>`, false},
		{"empty", "application/json", ``, false},
		{"truncated", "application/json", otaInitOK[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{tt.contentType}
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			s, _ := newService(t, config(t, srv.URL), otaSpec)
			var out ota.InitResult
			err := s.Call(context.Background(), "init", nil, &initParams, &out, nil)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, "r1", out.RequestID)
				return
			}
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "the answer is not JSON", ae.Reason)
			assert.Equal(t, tt.body, string(ae.Body))
		})
	}
}

func TestCallTimeouts(t *testing.T) {
	t.Run("the client's timeout bounds a call", func(t *testing.T) {
		f := newFake(t)
		f.block = true
		cfg := config(t, f.srv.URL)
		cfg.Timeout = 20 * time.Millisecond
		s, _ := newService(t, cfg, otaSpec)
		err := s.Call(context.Background(), "init", nil, &initParams, nil, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, apierror.ErrOutcomeUnknown, "init reached the server and is unsafe")
		assert.Contains(t, err.Error(), "nxcloud/ota init")
	})
	t.Run("the caller's deadline is kept", func(t *testing.T) {
		f := newFake(t)
		f.block = true
		cfg := config(t, f.srv.URL)
		cfg.Timeout = time.Hour // must not replace the caller's shorter deadline
		s, _ := newService(t, cfg, otaSpec)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, s.Call(ctx, "init", nil, &initParams, nil, nil), context.DeadlineExceeded)
	})
	t.Run("cancellation", func(t *testing.T) {
		f := newFake(t)
		f.block = true
		cfg := config(t, f.srv.URL)
		cfg.Timeout = 0 // no SDK bound
		s, _ := newService(t, cfg, otaSpec)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		assert.ErrorIs(t, s.Call(ctx, "init", nil, &initParams, nil, nil), context.Canceled)
	})
	t.Run("WithCallTimeout overrides the client's", func(t *testing.T) {
		f := newFake(t)
		f.block = true
		cfg := config(t, f.srv.URL)
		cfg.Timeout = time.Hour
		s, _ := newService(t, cfg, otaSpec)
		start := time.Now()
		err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithCallTimeout(20 * time.Millisecond)})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("WithCallTimeout(0) lifts the client's", func(t *testing.T) {
		f := newFake(t)
		f.delay = 100 * time.Millisecond
		cfg := config(t, f.srv.URL)
		cfg.Timeout = 20 * time.Millisecond
		s, _ := newService(t, cfg, otaSpec)
		require.Error(t, s.Call(context.Background(), "init", nil, &initParams, nil, nil), "precondition: the client's timeout is too short")
		assert.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithCallTimeout(0)}))
	})
	t.Run("WithCallTimeout refuses a negative bound", func(t *testing.T) {
		f := newFake(t)
		s, _ := newService(t, config(t, f.srv.URL), otaSpec)
		err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithCallTimeout(-time.Second)})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "negative timeout")
		assert.Zero(t, f.count())
	})
}

func TestCallKeepsTheBasePath(t *testing.T) {
	f := newFake(t)
	for _, base := range []string{f.srv.URL + "/prefix", f.srv.URL + "/prefix/"} {
		t.Run(base, func(t *testing.T) {
			s, _ := newService(t, config(t, base), otaSpec)
			before := f.count()
			require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, nil))
			assert.Equal(t, before+1, f.count())
			paths := f.sentPaths()
			assert.Equal(t, "/prefix/api/ota/init", paths[len(paths)-1])
		})
	}
}

// Path parameters are escaped as one segment each; values that would make
// the path name another operation are refused before anything is sent.
func TestCallPathParameters(t *testing.T) {
	const tmpl = `{"template_id":"t","send_channel_strategy":"sms","created_time":1,"status":2}`
	f := newFake(t)
	f.set(http.StatusOK, tmpl)
	tests := []struct {
		name, base string
		path       []string
		sent       string // the escaped path the server saw; "" = refused
		problem    string
	}{
		{"plain", "", []string{"verify-login"}, "/v1/template-configs/verify-login", ""},
		{"slash", "", []string{"a/b"}, "/v1/template-configs/a%2Fb", ""},
		{"slash and space", "", []string{"a/b c"}, "/v1/template-configs/a%2Fb%20c", ""},
		{"percent", "", []string{"100%"}, "/v1/template-configs/100%25", ""},
		{"query and fragment", "", []string{"a?b#c"}, "/v1/template-configs/a%3Fb%23c", ""},
		{"dots inside", "", []string{"a..b"}, "/v1/template-configs/a..b", ""},
		{"escaped base path", "/pre%20fix", []string{"a"}, "/pre%20fix/v1/template-configs/a", ""},
		{"base path with an escaped slash", "/pre%2Ffix", []string{"a"}, "/pre%2Ffix/v1/template-configs/a", ""},
		{"empty", "", []string{""}, "", `path parameter templateId: must not be empty, "." or ".."`},
		{"dot", "", []string{"."}, "", `path parameter templateId: must not be empty, "." or ".."`},
		{"dot dot", "", []string{".."}, "", `path parameter templateId: must not be empty, "." or ".."`},
		{"missing", "", nil, "", "path parameter templateId: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ct := newService(t, config(t, f.srv.URL+tt.base), otpSpec)
			before := f.count()
			var out otp.Template
			err := s.Call(context.Background(), "getTemplate", tt.path, nil, &out, nil)
			if tt.sent == "" {
				var ve *apierror.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "engagelab/otp getTemplate", ve.Operation)
				assert.Equal(t, []string{tt.problem}, ve.Problems)
				assert.Equal(t, before, f.count(), "nothing reached the server")
				assert.Zero(t, ct.n.Load(), "nothing reached the transport")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "t", out.TemplateID)
			paths := f.sentPaths()
			assert.Equal(t, tt.sent, paths[len(paths)-1])
			// What the server's router reads back is the value sent.
			op := specs.MustLoad(otpSpec)
			got, ok := op.Match(http.MethodGet, strings.TrimPrefix(tt.sent, tt.base))
			require.True(t, ok)
			assert.Equal(t, map[string]string{"templateId": tt.path[0]}, got.PathParams(strings.TrimPrefix(tt.sent, tt.base)))
		})
	}
}

// staticTransport answers every request with a success of the request's
// operation (its documented example) and records the URLs.
type staticTransport struct {
	mu   sync.Mutex
	urls []string
}

func (s *staticTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	s.mu.Lock()
	s.urls = append(s.urls, r.URL.String())
	s.mu.Unlock()
	op, _ := specs.OperationFrom(r.Context())
	body := successExample(op)
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r,
	}, nil
}

// successExample is a documented answer of op with its success status
// that its success rule accepts; "" when there is none.
func successExample(op *specs.Operation) string {
	if op == nil {
		return ""
	}
	r := op.Spec.Responses.Status(op.Success.Status)
	if r == nil || r.Value == nil {
		return ""
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil {
		mt = r.Value.Content.Get("text/plain") // a plain-text success
	}
	if mt == nil {
		return ""
	}
	candidates := []any{mt.Example}
	for _, ex := range mt.Examples {
		if ex.Value != nil {
			candidates = append(candidates, ex.Value.Value)
		}
	}
	for _, c := range candidates {
		if c == nil {
			continue
		}
		b, _ := json.Marshal(c)
		if text, isText := c.(string); isText && len(op.Success.Text) > 0 {
			b = []byte(text)
		}
		resp := &http.Response{StatusCode: op.Success.Status, Header: http.Header{}}
		if apiclient.Judge(op, resp, b, nil) == nil {
			return string(b)
		}
	}
	return ""
}

// Without WithBaseURL, every operation goes to its first server: its own
// (an operation on another host), else its spec's.
func TestCallDefaultsToTheSpecServer(t *testing.T) {
	for _, to := range allOps(t) {
		t.Run(to.op.FullName(), func(t *testing.T) {
			rt := &staticTransport{}
			cfg := config(t, "")
			cfg.HTTPClient = &http.Client{Transport: rt}
			s := apiclient.NewService(cfg, to.op.Doc.Name, func(base http.RoundTripper) http.RoundTripper { return base })
			params, err := exampleParams(to.op)
			require.NoError(t, err)
			var p any
			if params != nil {
				p = json.RawMessage(params)
			}
			err = s.Call(context.Background(), to.op.ID, examplePath(to.op), p, to.newOut(), nil)
			ops := []*specs.Operation{to.op}
			if tok := to.op.Token; tok != nil { // its token's request comes first
				from, _ := to.op.Doc.Operation(tok.From)
				ops = []*specs.Operation{from, to.op}
			} else {
				require.NoError(t, err)
			}
			require.NotEmpty(t, rt.urls)
			require.LessOrEqual(t, len(rt.urls), len(ops))
			for i, u := range rt.urls {
				server, err := ops[i].ServerURL("")
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(u, strings.TrimSuffix(server, "/")+"/"), "%s is not below %s", u, server)
			}
		})
	}
}

type recordingTransport struct{ n atomic.Int32 }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.n.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

func TestNewServiceDoesNotModifyTheCallersClient(t *testing.T) {
	f := newFake(t)
	base := &recordingTransport{}
	redirect := func(*http.Request, []*http.Request) error { return nil }
	hc := &http.Client{Transport: base, Timeout: time.Minute, CheckRedirect: redirect}
	cfg := config(t, f.srv.URL)
	cfg.HTTPClient = hc
	s, ct := newService(t, cfg, otaSpec)

	require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, nil))
	assert.Same(t, base, ct.base, "the Auth wraps the caller's transport")

	assert.Same(t, base, hc.Transport, "the caller's Transport is untouched")
	assert.Equal(t, time.Minute, hc.Timeout)
	assert.NotNil(t, hc.CheckRedirect, "the caller's CheckRedirect is untouched")
	assert.EqualValues(t, 1, base.n.Load(), "the caller's transport carried the request")
}

func TestNewServiceWrapsTheDefaultTransport(t *testing.T) {
	f := newFake(t)
	for _, hc := range []*http.Client{nil, {}} {
		var got http.RoundTripper
		cfg := config(t, f.srv.URL)
		cfg.HTTPClient = hc
		s := apiclient.NewService(cfg, otaSpec, func(base http.RoundTripper) http.RoundTripper { got = base; return base })
		assert.Nil(t, got, "nothing is built before the first call")
		require.NoError(t, s.Call(context.Background(), "init", nil, &initParams, nil, nil))
		assert.Same(t, http.DefaultTransport, got)
		if hc != nil {
			assert.Nil(t, hc.Transport)
		}
	}
}

// A redirect is never followed, whatever the caller's http.Client says:
// the credentials would go to another origin.
func TestCallDoesNotFollowRedirects(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var elsewhere atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elsewhere.Add(1)
				io.WriteString(w, otaVerifyOK)
			}))
			defer target.Close()
			f := newFake(t)
			f.set(status, "")
			f.header = http.Header{"Location": {target.URL + "/steal"}}
			cfg := config(t, f.srv.URL)
			cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
			cfg.Retry = fastRetry
			s, _ := newService(t, cfg, otaSpec)
			var raw apiclient.RawResponse
			err := s.Call(context.Background(), "verify", nil, &verifyParams, nil, []apiclient.RequestOption{option.WithRawResponse(&raw)})
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, status, ae.StatusCode)
			assert.Contains(t, ae.Reason, target.URL+"/steal", "the Reason names the Location")
			assert.Contains(t, err.Error(), "not followed")
			assert.Equal(t, 1, ae.Attempts, "a redirect is not retried, even for a safe operation")
			assert.Zero(t, elsewhere.Load(), "the redirect was followed")
			assert.Equal(t, status, raw.StatusCode)
			assert.Equal(t, target.URL+"/steal", raw.Header.Get("Location"))
		})
	}
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

// End to end through the real signer: what the Service validated and the
// signer hashed is what the server receives, and headers a caller adds
// cannot replace the signature's.
func TestCallWithTheSigningTransportSignsTheSentBytes(t *testing.T) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		t.Run(string(alg), func(t *testing.T) {
			var (
				mu     sync.Mutex
				bodies []string
				heads  []http.Header
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies, heads = append(bodies, string(b)), append(heads, r.Header.Clone())
				mu.Unlock()
				ok := sign.Verify(alg, sign.Params{
					AccessKey: sign.HeaderValue(r.Header, sign.HeaderAccessKey), TS: sign.HeaderValue(r.Header, sign.HeaderTS),
					BizType: sign.HeaderValue(r.Header, sign.HeaderBizType), Action: sign.HeaderValue(r.Header, sign.HeaderAction),
				}, b, testAccessSecret, sign.HeaderValue(r.Header, sign.HeaderSign))
				if !ok {
					io.WriteString(w, `{"code":1003,"msg":"bad signature","data":null}`)
					return
				}
				io.WriteString(w, otaInitOK)
			}))
			defer srv.Close()
			s := apiclient.NewService(config(t, srv.URL), otaSpec, func(base http.RoundTripper) http.RoundTripper {
				return &sign.NXCloudTransport{Base: base, AccessKey: testAccessKey, AccessSecret: testAccessSecret, Algorithm: alg, Operation: specs.SignedConstants}
			})

			// verify's schema requires requestId: nothing is sent.
			var ve *apierror.ValidationError
			require.ErrorAs(t, s.Call(context.Background(), "verify", nil, &ota.VerifyParams{Appkey: "a"}, nil, nil), &ve)
			mu.Lock()
			assert.Empty(t, bodies, "nothing was sent")
			mu.Unlock()

			// <, > and & are escaped by encoding/json: the signature covers
			// the escaped bytes, as sent.
			params := ota.InitParams{Appkey: "a<b>&c", Phone: "86158xxxx1795", UserIP: "203.0.113.7 ü"}
			forged := []apiclient.RequestOption{
				option.WithHeader(sign.HeaderSign, "forged"),
				option.WithHeader(sign.HeaderAccessKey, "someone-else"),
				option.WithHeader(sign.HeaderBizType, "99"),
			}
			require.NoError(t, s.Call(context.Background(), "init", nil, &params, nil, forged))
			want, err := json.Marshal(&params)
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, bodies, 1)
			assert.Equal(t, string(want), bodies[0])
			assert.Equal(t, testAccessKey, sign.HeaderValue(heads[0], sign.HeaderAccessKey))
			assert.Equal(t, "6", sign.HeaderValue(heads[0], sign.HeaderBizType), "init's bizType, from the spec")
			assert.Equal(t, "init", sign.HeaderValue(heads[0], sign.HeaderAction))
		})
	}
}

func TestCallResendsTheSameBodyOnRetry(t *testing.T) {
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
		io.WriteString(w, otaVerifyOK)
	}))
	defer srv.Close()

	cfg := config(t, srv.URL)
	cfg.Retry = fastRetry
	s, ct := newService(t, cfg, otaSpec)
	// verify is safe, so a 503 is retried with a fresh copy of the body.
	var out ota.VerifyResult
	require.NoError(t, s.Call(context.Background(), "verify", nil, &verifyParams, &out, nil))
	assert.Equal(t, ota.VerificationStatusSuccess, out.Status)

	want, err := json.Marshal(&verifyParams)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{string(want), string(want)}, bodies)
	assert.EqualValues(t, 2, ct.n.Load())
}

func TestCallRetryPolicy(t *testing.T) {
	tests := []struct {
		name         string
		op           string
		params       any
		retry        apiclient.Retry
		opts         []apiclient.RequestOption
		wantRequests int
	}{
		{"safe operation retried up to MaxAttempts", "verify", &verifyParams, fastRetry, nil, 3},
		{"unsafe operation sent once", "init", &initParams, fastRetry, nil, 1},
		{"MaxAttempts 0 still sends once", "verify", &verifyParams, apiclient.Retry{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}, nil, 1},
		{"per-call override below the client's", "verify", &verifyParams, fastRetry, []apiclient.RequestOption{option.WithCallMaxAttempts(2)}, 2},
		{"per-call override above the client's", "verify", &verifyParams, fastRetry, []apiclient.RequestOption{option.WithCallMaxAttempts(5)}, 5},
		{"per-call override of 1", "verify", &verifyParams, fastRetry, []apiclient.RequestOption{option.WithCallMaxAttempts(1)}, 1},
		{"per-call override cannot make an unsafe operation safe", "init", &initParams, fastRetry, []apiclient.RequestOption{option.WithCallMaxAttempts(5)}, 1},
		{"the last override wins", "verify", &verifyParams, fastRetry, []apiclient.RequestOption{option.WithCallMaxAttempts(5), option.WithCallMaxAttempts(2)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set(http.StatusBadGateway, "bad gateway")
			cfg := config(t, f.srv.URL)
			cfg.Retry = tt.retry
			s, _ := newService(t, cfg, otaSpec)
			err := s.Call(context.Background(), tt.op, nil, tt.params, nil, tt.opts)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantRequests, ae.Attempts)
			assert.Equal(t, tt.wantRequests, f.count())

			// The override was for that call only.
			before := f.count()
			_ = s.Call(context.Background(), tt.op, nil, tt.params, nil, nil)
			want := max(tt.retry.MaxAttempts, 1)
			if tt.op == "init" {
				want = 1
			}
			assert.Equal(t, want, f.count()-before, "the next call has the client's policy")
		})
	}

	t.Run("per-call override below 1 is refused", func(t *testing.T) {
		f := newFake(t)
		s, ct := newService(t, config(t, f.srv.URL), otaSpec)
		for _, n := range []int{0, -1} {
			err := s.Call(context.Background(), "verify", nil, &verifyParams, nil, []apiclient.RequestOption{option.WithCallMaxAttempts(n)})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "at least 1")
		}
		assert.Zero(t, ct.n.Load())
		assert.Zero(t, f.count())
	})
}

func TestCallRetriesAFailedDialEvenForUnsafeOperations(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	cfg := config(t, base)
	cfg.Retry = fastRetry
	s, ct := newService(t, cfg, otaSpec)
	var raw apiclient.RawResponse
	err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithRawResponse(&raw)})
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Attempts)
	assert.False(t, te.OutcomeUnknown, "the request never left")
	assert.NotErrorIs(t, err, apierror.ErrOutcomeUnknown)
	assert.Equal(t, "nxcloud/ota init", te.Operation)
	assert.EqualValues(t, 3, ct.n.Load())
	assert.Zero(t, raw, "no answer arrived")
}

// A server's Retry-After sets the wait before the next attempt, up to the
// client's MaxDelay; without one the backoff is the client's.
func TestCallHonoursRetryAfter(t *testing.T) {
	const maxDelay = 150 * time.Millisecond
	tests := []struct {
		name       string
		retryAfter string
		min, max   time.Duration // the wait between the two attempts
	}{
		{"no Retry-After: the backoff", "", 0, maxDelay - 10*time.Millisecond},
		{"Retry-After 0", "0", 0, maxDelay - 10*time.Millisecond},
		{"Retry-After an hour: capped at MaxDelay", "3600", maxDelay - 10*time.Millisecond, 5 * time.Second},
		{"Retry-After a date far ahead: capped at MaxDelay", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), maxDelay - 10*time.Millisecond, 5 * time.Second},
		{"Retry-After a date past: no wait", "Fri, 31 Dec 1999 23:59:59 GMT", 0, maxDelay - 10*time.Millisecond},
		{"Retry-After garbage: the backoff", "soon", 0, maxDelay - 10*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				times []time.Time
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				times = append(times, time.Now())
				n := len(times)
				mu.Unlock()
				if n == 1 {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, otaVerifyOK)
			}))
			defer srv.Close()
			cfg := config(t, srv.URL)
			cfg.Retry = apiclient.Retry{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: maxDelay}
			s, _ := newService(t, cfg, otaSpec)
			require.NoError(t, s.Call(context.Background(), "verify", nil, &verifyParams, nil, nil))
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, times, 2)
			wait := times[1].Sub(times[0])
			assert.GreaterOrEqual(t, wait, tt.min)
			assert.Less(t, wait, tt.max)
		})
	}
}

func TestWithRawResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"success", http.StatusOK, otaInitOK, true},
		{"vendor failure", http.StatusOK, `{"code":88,"msg":"Request failed","data":null}`, false},
		{"HTTP failure", http.StatusBadGateway, "<html>502</html>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.set(tt.status, tt.body)
			f.header = http.Header{"X-Vendor": {"v"}}
			s, _ := newService(t, config(t, f.srv.URL), otaSpec)
			var raw apiclient.RawResponse
			err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithRawResponse(&raw)})
			assert.Equal(t, tt.ok, err == nil, "%v", err)
			assert.Equal(t, tt.status, raw.StatusCode)
			assert.Equal(t, tt.body, string(raw.Body), "the body as received")
			assert.Equal(t, "v", raw.Header.Get("X-Vendor"))
		})
	}
	t.Run("the last attempt's answer", func(t *testing.T) {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "try again")
				return
			}
			io.WriteString(w, otaVerifyOK)
		}))
		defer srv.Close()
		cfg := config(t, srv.URL)
		cfg.Retry = fastRetry
		s, _ := newService(t, cfg, otaSpec)
		var raw apiclient.RawResponse
		require.NoError(t, s.Call(context.Background(), "verify", nil, &verifyParams, nil, []apiclient.RequestOption{option.WithRawResponse(&raw)}))
		assert.Equal(t, http.StatusOK, raw.StatusCode)
		assert.Equal(t, otaVerifyOK, string(raw.Body))
	})
	t.Run("nil is refused", func(t *testing.T) {
		f := newFake(t)
		s, _ := newService(t, config(t, f.srv.URL), otaSpec)
		err := s.Call(context.Background(), "init", nil, &initParams, nil, []apiclient.RequestOption{option.WithRawResponse(nil)})
		require.Error(t, err)
		assert.Zero(t, f.count())
	})
}

// A Service is safe for concurrent use, including its first call, which
// loads the spec.
func TestServiceConcurrentCalls(t *testing.T) {
	f := newFake(t)
	s, ct := newService(t, config(t, f.srv.URL), otaSpec)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	outs := make([]ota.InitResult, len(errs))
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Call(context.Background(), "init", nil, &initParams, &outs[i], nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err)
		assert.Equal(t, "r1", outs[i].RequestID)
	}
	assert.EqualValues(t, len(errs), ct.n.Load())
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
