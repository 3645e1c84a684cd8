package nxcloud_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

const (
	testKey    = "nx-test-access-key"
	testSecret = "nx-secret-DO-NOT-LEAK-7f3a9c"
	// wrongSecret is what a misconfigured caller holds.
	wrongSecret = "nx-wrong-secret-ALSO-SECRET-41d2"
)

// endpoint is what the fake knows about each NXCloud path: the signed
// constants NXCloud documents for it and the name of its envelope's
// message field. The test restates them on purpose instead of asking
// package specs, so that a wrong spec is caught here
// (TestOpsTableMatchesTheSpecs compares them, and requires an entry for
// every NXCloud operation).
type endpoint struct {
	bizType, action string
	msgKey          string // "msg" (OTA) or "message" (WhatsApp)
	noBody          bool   // the operation takes no request body (WhatsApp login)
}

const waPath = "/api/wa/integrator/embedded/register/"

var endpoints = map[string]endpoint{
	"/api/ota/init":         {"6", "init", "msg", false},
	"/api/ota/verify":       {"6", "verify", "msg", false},
	waPath + "login":        {"2", "login", "message", true},
	waPath + "getCode":      {"2", "getCode", "message", false},
	waPath + "checkCode":    {"2", "checkCode", "message", false},
	waPath + "createClient": {"2", "createClient", "message", false},
	waPath + "createApp":    {"2", "createApp", "message", false},
	waPath + "phoneList":    {"2", "phoneList", "message", false},
}

// reply is one scripted answer of the fake.
type reply struct {
	status      int
	contentType string // "" = application/json
	body        string
	header      http.Header
	delay       time.Duration // before answering; the request's context ends it early
}

// ok is the canned success answer for a path.
func okReply(path string) reply { return reply{status: http.StatusOK, body: successBodies[path]} }

// fakeNXCloud is an NXCloud stand-in that checks every request's signature
// the way the real service does, independently of package sign, and
// answers what the test scripted once the request is authentic.
type fakeNXCloud struct {
	key, secret string
	alg         sign.Algorithm // the algorithm the client is expected to announce

	mu       sync.Mutex
	requests int
	signedOK int
	problems []string           // protocol mistakes by the client
	signs    []string           // every sign header received
	headers  []http.Header      // every request's header, as received
	script   map[string][]reply // by path, consumed in order, the last one sticks; none = success
	block    bool

	release chan struct{}
}

func newFakeNXCloud(t *testing.T) *fakeNXCloud {
	t.Helper()
	f := &fakeNXCloud{key: testKey, secret: testSecret, alg: sign.MD5, script: map[string][]reply{}, release: make(chan struct{})}
	t.Cleanup(func() {
		close(f.release)
		f.mu.Lock()
		defer f.mu.Unlock()
		assert.Empty(t, f.problems, "the client broke NXCloud's protocol")
	})
	return f
}

// serve starts an httptest.Server for the fake; the server is closed when
// the test ends.
func (f *fakeNXCloud) serve(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

// answer scripts the answers to path's authentic requests: the first
// request gets the first reply and so on; the last reply repeats.
func (f *fakeNXCloud) answer(path string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[path] = replies
}

func (f *fakeNXCloud) answerAll(r reply) {
	for p := range endpoints {
		f.answer(p, r)
	}
}

func (f *fakeNXCloud) blockAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.block = true
}

// received returns the header of every request so far.
func (f *fakeNXCloud) received() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

func (f *fakeNXCloud) count() (requests, signedOK int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.signedOK
}

func (f *fakeNXCloud) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

var successBodies = map[string]string{
	"/api/ota/init":         `{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","url":"https://auth.example/auth?response_type=code&client_id=xxx"}}`,
	"/api/ota/verify":       `{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","status":"SUCCESS"}}`,
	waPath + "login":        `{"code":0,"data":{"token":"50abe943xxxe26128e56b08"},"message":"Request successful"}`,
	waPath + "getCode":      `{"code":0,"data":{},"message":"Request successful"}`,
	waPath + "checkCode":    `{"code":0,"data":null,"message":"Request successful"}`,
	waPath + "createClient": `{"code":0,"data":null,"message":"Request successful"}`,
	waPath + "createApp":    `{"code":0,"data":{"app_id":1000,"app_name":"Whatsapp","app_key":"KI92cew9"},"message":"Request successful"}`,
	waPath + "phoneList": `{"code":0,"data":[{"display_phone_number":"+86 xxx 24","quality_rating":"GREEN","name_status":"APPROVED",` +
		`"verified_name":"GLORY JACK","code_verification_status":"VERIFIED","current_limit":"","register_status":1,"status":"CONNECTED",` +
		`"waba_id":"11696xxxxx86404","waba_name":"GLORY TEST"}],"message":"Request successful"}`,
}

func (f *fakeNXCloud) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests++
	f.signs = append(f.signs, r.Header.Get("sign"))
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	if err != nil {
		f.problem("reading the body: %v", err)
		return
	}

	ep, ok := endpoints[r.URL.Path]
	if !ok {
		f.problem("request to unknown path %s", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	fail := func(code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":%d,%q:%q,"data":null}`, code, ep.msgKey, msg)
	}
	if r.Method != http.MethodPost {
		f.problem("%s %s: want POST", r.Method, r.URL.Path)
	}
	switch ct := r.Header.Get("Content-Type"); {
	case ep.noBody && len(raw) > 0:
		f.problem("%s takes no body, got %q", r.URL.Path, raw)
	case len(raw) > 0 && !strings.HasPrefix(ct, "application/json"):
		// NXCloud checks the Content-Type of a body only.
		f.problem("%s: Content-Type %q", r.URL.Path, ct)
		fail(1003, "sign error")
		return
	}

	h := func(name string) string { return r.Header.Get(name) } // canonical lookup
	accessKey, ts, bizType, action, sig := h("accessKey"), h("ts"), h("bizType"), h("action"), h("sign")
	if accessKey == "" || ts == "" || bizType == "" || action == "" || sig == "" {
		f.problem("%s: a common header is missing: %v", r.URL.Path, r.Header)
		fail(1001, "header missing")
		return
	}
	if bizType != ep.bizType || action != ep.action {
		f.problem("%s: bizType/action = %s/%s, want %s/%s", r.URL.Path, bizType, action, ep.bizType, ep.action)
		fail(1002, "bizType or action wrong")
		return
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(ts) != 13 {
		f.problem("%s: ts %q is not Unix milliseconds", r.URL.Path, ts)
		fail(1004, "ts invalid")
		return
	}
	if d := time.Since(time.UnixMilli(ms)); d > time.Minute || d < -time.Minute {
		f.problem("%s: ts %s is %s away from now", r.URL.Path, ts, d)
		fail(1004, "ts expired")
		return
	}
	algorithm := r.Header.Get("algorithm")
	switch {
	case f.alg == sign.SHA256 && algorithm != "sha256":
		f.problem("%s: algorithm header %q, want sha256", r.URL.Path, algorithm)
	case f.alg != sign.SHA256 && algorithm != "":
		f.problem("%s: algorithm header %q sent for MD5", r.URL.Path, algorithm)
	}
	if accessKey != f.key {
		fail(1005, "accessKey wrong")
		return
	}

	// The signature, recomputed from the rule over the raw bytes received.
	var hh hash.Hash = md5.New()
	if algorithm == "sha256" {
		hh = sha256.New()
	}
	io.WriteString(hh, "accessKey="+accessKey+"&action="+action+"&bizType="+bizType+"&ts="+ts)
	if len(raw) > 0 {
		io.WriteString(hh, "&body=")
		hh.Write(raw)
	}
	io.WriteString(hh, "&accessSecret="+f.secret)
	if want := hex.EncodeToString(hh.Sum(nil)); sig != want {
		fail(1003, "sign error") // what NXCloud answers for a wrong secret
		return
	}
	f.mu.Lock()
	f.signedOK++
	script, block := okReply(r.URL.Path), f.block
	if q := f.script[r.URL.Path]; len(q) > 0 {
		script = q[0]
		if len(q) > 1 {
			f.script[r.URL.Path] = q[1:]
		}
	}
	f.mu.Unlock()

	if block {
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	if script.delay > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(script.delay):
		}
	}
	for k, v := range script.header {
		w.Header()[k] = v
	}
	ct := script.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(script.status)
	io.WriteString(w, script.body)
}

// noSecret fails the test if an error's text gives away a secret.
func noSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		assert.NotContains(t, text, testSecret, "an error reveals the secret")
		assert.NotContains(t, text, wrongSecret, "an error reveals the secret")
	}
}

// do calls an operation and checks that its error keeps the secrets.
func do(t *testing.T, o op, ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
	t.Helper()
	res, err := o.call(ctx, c, opts...)
	noSecret(t, err)
	return res, err
}

func newClient(t *testing.T, baseURL string, opts ...option.Option) *nxcloud.Client {
	t.Helper()
	// Retries wait a millisecond, so that tests of safe operations stay fast.
	base := []option.Option{option.WithBaseURL(baseURL), option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond)}
	c, err := nxcloud.NewClient(testKey, testSecret, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// noResult is what op.call returns for a success of an operation whose
// typed method returns only an error (checkCode, getCode, createClient).
type noResult struct{}

// result turns a typed method's answer into op.call's, keeping a nil
// result nil: a nil *T in an interface would not be.
func result[T any](v *T, err error) (any, error) {
	if v == nil {
		return nil, err
	}
	return v, err
}

// nothing is result for the methods that return only an error.
func nothing(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return noResult{}, nil
}

// op describes one NXCloud operation for the table-driven tests. Its
// metadata restates what NXCloud documents and what the SDK promises;
// TestOpsTableMatchesTheSpecs checks it against the specs and checks that
// the table has every NXCloud operation.
type op struct {
	name     string // the operation's FullName in the specs
	path     string
	msgKey   string
	safe     bool  // x-retry-class: safe
	data     bool  // a success must carry data (see TestSuccessWithoutDataIsAnError)
	failCode int   // a documented failure code of the product
	failKind error // the apierror kind of failCode, or nil
	call     func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error)
	success  func(t *testing.T, res any) // checks the typed result
}

var ops = []op{
	{
		name:     "nxcloud/ota init",
		path:     "/api/ota/init",
		msgKey:   "msg",
		data:     true,
		failCode: int(ota.ResultCodeTooFrequent),
		failKind: apierror.ErrTooFrequent,
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return result(c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"}, opts...))
		},
		success: func(t *testing.T, res any) {
			r, ok := res.(*ota.InitResult)
			require.True(t, ok, "got %T", res)
			assert.Equal(t, ota.InitResult{
				RequestID: "989d535f78338411f7de07c028ddee4b",
				URL:       "https://auth.example/auth?response_type=code&client_id=xxx",
			}, *r)
		},
	},
	{
		name:     "nxcloud/ota verify",
		path:     "/api/ota/verify",
		msgKey:   "msg",
		safe:     true,
		data:     true,
		failCode: int(ota.ResultCodeTooFrequent),
		failKind: apierror.ErrTooFrequent,
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return result(c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje", RequestID: "989d535f78338411f7de07c028ddee4b"}, opts...))
		},
		success: func(t *testing.T, res any) {
			r, ok := res.(*ota.VerifyResult)
			require.True(t, ok, "got %T", res)
			assert.Equal(t, "989d535f78338411f7de07c028ddee4b", r.RequestID)
			assert.Equal(t, ota.VerificationStatusSuccess, r.Status)
		},
	},
	{
		name:     "nxcloud/wa-integrator checkCode",
		path:     waPath + "checkCode",
		msgKey:   "message",
		failCode: int(waintegrator.ResultCodeNotIntegrator),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return nothing(c.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: "185xxx99", Code: "1541"}, opts...))
		},
		success: func(t *testing.T, res any) { assert.Equal(t, noResult{}, res) },
	},
	{
		name:     "nxcloud/wa-integrator login",
		path:     waPath + "login",
		msgKey:   "message",
		safe:     true,
		data:     true,
		failCode: int(waintegrator.ResultCodeNotIntegrator),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return result(c.WhatsApp.Login(ctx, opts...))
		},
		success: func(t *testing.T, res any) {
			r, ok := res.(*waintegrator.LoginResult)
			require.True(t, ok, "got %T", res)
			assert.Equal(t, "50abe943xxxe26128e56b08", r.Token)
		},
	},
	{
		name:     "nxcloud/wa-integrator getCode",
		path:     waPath + "getCode",
		msgKey:   "message",
		failCode: int(waintegrator.ResultCodeBusinessError),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return nothing(c.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: "185xxx99", Method: waintegrator.CodeMethodSMS}, opts...))
		},
		success: func(t *testing.T, res any) { assert.Equal(t, noResult{}, res) },
	},
	{
		name:     "nxcloud/wa-integrator createClient",
		path:     waPath + "createClient",
		msgKey:   "message",
		failCode: int(waintegrator.ResultCodeRequestFailed),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return nothing(c.WhatsApp.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: "185xxx99"}, opts...))
		},
		success: func(t *testing.T, res any) { assert.Equal(t, noResult{}, res) },
	},
	{
		name:     "nxcloud/wa-integrator createApp",
		path:     waPath + "createApp",
		msgKey:   "message",
		data:     true,
		failCode: int(waintegrator.ResultCodeAppLimitReached),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			return result(c.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Whatsapp", Webhook: "https://hooks.example/wa"}, opts...))
		},
		success: func(t *testing.T, res any) {
			r, ok := res.(*waintegrator.CreateAppResult)
			require.True(t, ok, "got %T", res)
			assert.Equal(t, waintegrator.CreateAppResult{AppID: 1000, AppName: "Whatsapp", AppKey: "KI92cew9"}, *r)
		},
	},
	{
		name:     "nxcloud/wa-integrator phoneList",
		path:     waPath + "phoneList",
		msgKey:   "message",
		safe:     true,
		data:     true,
		failCode: int(waintegrator.ResultCodeAppKeyNotFound),
		call: func(ctx context.Context, c *nxcloud.Client, opts ...option.RequestOption) (any, error) {
			list, err := c.WhatsApp.PhoneList(ctx, waintegrator.PhoneListParams{Appkey: "jh42xxxd434"}, opts...)
			if list == nil {
				return nil, err
			}
			return list, err
		},
		success: func(t *testing.T, res any) {
			list, ok := res.([]waintegrator.PhoneNumber)
			require.True(t, ok, "got %T", res)
			require.Len(t, list, 1)
			p := list[0]
			assert.Equal(t, "+86 xxx 24", p.DisplayPhoneNumber)
			assert.Equal(t, waintegrator.QualityRatingGreen, p.QualityRating)
			assert.Equal(t, waintegrator.MessagingLimitNotReported, p.CurrentLimit)
			assert.Equal(t, waintegrator.RegisterStatusCreateFailed, p.RegisterStatus)
			assert.Equal(t, waintegrator.PhoneStatusConnected, p.Status)
		},
	},
}

// opNamed returns the table's operation of that name.
func opNamed(t *testing.T, name string) op {
	t.Helper()
	for _, o := range ops {
		if o.name == name {
			return o
		}
	}
	t.Fatalf("no operation %q in the table", name)
	return op{}
}

func TestSuccess(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			c := newClient(t, f.serve(t).URL)
			res, err := do(t, o, context.Background(), c)
			require.NoError(t, err)
			o.success(t, res)
			n, signed := f.count()
			assert.Equal(t, 1, n)
			assert.Equal(t, 1, signed)
		})
	}
}

func TestSuccessWithSHA256(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.alg = sign.SHA256
			c := newClient(t, f.serve(t).URL, option.WithSignAlgorithm(sign.SHA256))
			res, err := do(t, o, context.Background(), c)
			require.NoError(t, err)
			o.success(t, res)
			_, signed := f.count()
			assert.Equal(t, 1, signed)
		})
	}
}

func TestVendorFailureWithHTTP200(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(o.path, reply{status: http.StatusOK, body: fmt.Sprintf(`{"code":%d,%q:"slow down","data":null}`, o.failCode, o.msgKey)})
			c := newClient(t, f.serve(t).URL)

			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res, "no response alongside an error")
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, o.failCode, ae.Code)
			assert.True(t, ae.HasCode)
			assert.Equal(t, "slow down", ae.Message)
			assert.Equal(t, http.StatusOK, ae.StatusCode)
			assert.Empty(t, ae.Body)
			assert.Contains(t, ae.Operation, "nxcloud/")
			assert.Contains(t, err.Error(), strconv.Itoa(o.failCode))
			assert.Contains(t, err.Error(), "slow down")
			if o.failKind != nil {
				assert.ErrorIs(t, err, o.failKind)
				assert.Equal(t, o.failKind, ae.Kind)
			} else {
				assert.Nil(t, ae.Kind)
				assert.NotErrorIs(t, err, apierror.ErrAuth)
			}
		})
	}
}

func TestOtherResultCodes(t *testing.T) {
	initOp, verifyOp, checkCodeOp := ops[0], ops[1], ops[2]
	createAppOp, phoneListOp := opNamed(t, "nxcloud/wa-integrator createApp"), opNamed(t, "nxcloud/wa-integrator phoneList")
	tests := []struct {
		name string
		op   op
		body string
		code int
	}{
		{"ota request failed", initOp, `{"code":88,"msg":"Request failed","data":null}`, int(ota.ResultCodeRequestFailed)},
		{"ota insufficient balance", initOp, `{"code":9908,"msg":"balance","data":null}`, int(ota.ResultCodeInsufficientBalance)},
		{"ota no record", verifyOp, `{"code":2205,"msg":"no record","data":null}`, int(ota.ResultCodeRecordNotFound)},
		{"ota undocumented code", verifyOp, `{"code":123456,"msg":"new","data":null}`, 123456},
		{"wa request failed", checkCodeOp, `{"code":-1,"message":"Request failed","data":null}`, int(waintegrator.ResultCodeRequestFailed)},
		{"wa invalid parameter", checkCodeOp, `{"code":9000,"message":"bad code"}`, int(waintegrator.ResultCodeInvalidParameter)},
		{"wa business error", createAppOp, `{"code":9001,"message":"System business error","data":null}`, int(waintegrator.ResultCodeBusinessError)},
		{"wa app limit", createAppOp, `{"code":9009,"message":"Maximum of 1000","data":null}`, int(waintegrator.ResultCodeAppLimitReached)},
		{"wa unknown appkey", phoneListOp, `{"code":9008,"message":"APPKEY does not exist","data":null}`, int(waintegrator.ResultCodeAppKeyNotFound)},
		{"wa appkey of another customer", phoneListOp, `{"code":9010,"message":"Inconsistent","data":null}`, int(waintegrator.ResultCodeAppKeyNotOwned)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(tt.op.path, reply{status: http.StatusOK, body: tt.body})
			c := newClient(t, f.serve(t).URL)
			_, err := do(t, tt.op, context.Background(), c)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.True(t, ae.HasCode)
			assert.Equal(t, tt.code, ae.Code)
		})
	}
}

func TestUnexpectedResponses(t *testing.T) {
	const notJSON = "the answer is not JSON"
	tests := []struct {
		name       string
		reply      reply
		wantStatus int
		wantBody   string // excerpt; "" = empty
		wantText   string // in Error()
		wantReason string // "": the answer itself says failure, the SDK adds no reason
	}{
		{
			name:       "502 HTML",
			reply:      reply{status: http.StatusBadGateway, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>"},
			wantStatus: http.StatusBadGateway,
			wantBody:   "<html><body><h1>502 Bad Gateway</h1></body></html>",
			wantText:   "502",
		},
		{
			name:       "200 empty body",
			reply:      reply{status: http.StatusOK},
			wantStatus: http.StatusOK,
			wantText:   "empty body",
			wantReason: notJSON,
		},
		{
			name:       "200 truncated JSON",
			reply:      reply{status: http.StatusOK, body: `{"code":0,"msg":"Request succ`},
			wantStatus: http.StatusOK,
			wantBody:   `{"code":0,"msg":"Request succ`,
			wantText:   "200",
			wantReason: notJSON,
		},
		{
			name:       "200 HTML",
			reply:      reply{status: http.StatusOK, contentType: "text/html", body: "<html>maintenance</html>"},
			wantStatus: http.StatusOK,
			wantBody:   "<html>maintenance</html>",
			wantText:   "maintenance",
			wantReason: notJSON,
		},
		{
			name:       "200 JSON without a code",
			reply:      reply{status: http.StatusOK, body: `{"msg":"Request successful"}`},
			wantStatus: http.StatusOK,
			wantBody:   `{"msg":"Request successful"}`,
			wantText:   "200",
		},
		{
			name:       "200 code 0 as a string",
			reply:      reply{status: http.StatusOK, body: `{"code":"0","msg":"Request successful","message":"Request successful","data":null}`},
			wantStatus: http.StatusOK,
			wantBody:   `{"code":"0","msg":"Request successful","message":"Request successful","data":null}`,
			wantText:   "200",
		},
		{
			name:       "200 JSON array",
			reply:      reply{status: http.StatusOK, body: `[{"code":0}]`},
			wantStatus: http.StatusOK,
			wantBody:   `[{"code":0}]`,
			wantText:   "200",
		},
		{
			name:       "200 code 0 followed by garbage",
			reply:      reply{status: http.StatusOK, body: `{"code":0,"msg":"ok"} trailing`},
			wantStatus: http.StatusOK,
			wantBody:   `{"code":0,"msg":"ok"} trailing`,
			wantText:   "200",
			wantReason: notJSON,
		},
		{
			name:       "500 empty body",
			reply:      reply{status: http.StatusInternalServerError},
			wantStatus: http.StatusInternalServerError,
			wantText:   "500",
		},
	}
	for _, o := range ops {
		for _, tt := range tests {
			t.Run(o.name+"/"+tt.name, func(t *testing.T) {
				f := newFakeNXCloud(t)
				f.answer(o.path, tt.reply)
				c := newClient(t, f.serve(t).URL)

				var res any
				var err error
				require.NotPanics(t, func() { res, err = do(t, o, context.Background(), c) })
				assert.Nil(t, res)
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.wantStatus, ae.StatusCode)
				assert.False(t, ae.HasCode)
				assert.Equal(t, tt.wantBody, string(ae.Body))
				assert.Equal(t, tt.wantReason, ae.Reason)
				assert.Contains(t, err.Error(), tt.wantText)
			})
		}
	}
}

// TestSuccessSchemaIsChecked: code 0 alone is no success; the answer must
// also satisfy the operation's success schema. A message that is not a
// string breaks every NXCloud envelope. The SDK says why in Reason, and
// does not send the request again, whatever the operation's retry class:
// the server did answer.
func TestSuccessSchemaIsChecked(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			var env map[string]any
			require.NoError(t, json.Unmarshal([]byte(successBodies[o.path]), &env))
			env[o.msgKey] = 7
			body, err := json.Marshal(env)
			require.NoError(t, err)

			f := newFakeNXCloud(t)
			f.answer(o.path, reply{status: http.StatusOK, body: string(body)})
			c := newClient(t, f.serve(t).URL)
			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, ae.Reason, "success schema")
			assert.Contains(t, ae.Reason, o.msgKey+": value must be a string")
			assert.Contains(t, err.Error(), ae.Reason)
			// Not the vendor's error shape either (the message is no
			// string): the error keeps the answer itself.
			assert.False(t, ae.HasCode)
			require.NotEmpty(t, ae.Body)
			assert.True(t, strings.HasPrefix(string(body), strings.TrimSuffix(string(ae.Body), "…")), "an excerpt of the answer: %s", ae.Body)
			assert.LessOrEqual(t, len(ae.Body), apierror.ExcerptLen+len("…"))
			assert.Equal(t, 1, ae.Attempts)
			n, _ := f.count()
			assert.Equal(t, 1, n)
		})
	}
}

// TestRedirectsAreNotFollowed: the credentials go to the configured base
// URL only. A 3xx comes back as an *apierror.Error whose Reason names the
// Location, and the redirect's target never sees a request.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, successBodies[r.URL.Path])
	}))
	t.Cleanup(target.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, o := range ops {
			t.Run(fmt.Sprintf("%d/%s", status, o.name), func(t *testing.T) {
				location := target.URL + o.path
				f := newFakeNXCloud(t)
				f.answer(o.path, reply{status: status, header: http.Header{"Location": {location}}})
				c := newClient(t, f.serve(t).URL)
				res, err := do(t, o, context.Background(), c)
				assert.Nil(t, res)
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, status, ae.StatusCode)
				assert.Contains(t, ae.Reason, "redirect")
				assert.Contains(t, ae.Reason, location)
				assert.Equal(t, location, ae.Header.Get("Location"))
				assert.Equal(t, 1, ae.Attempts, "a redirect is not retried")
			})
		}
	}
	assert.Zero(t, elsewhere.Load(), "a request followed the redirect")
}

func TestCodeWithNon200Status(t *testing.T) {
	f := newFakeNXCloud(t)
	f.answerAll(reply{status: http.StatusServiceUnavailable, body: `{"code":0,"msg":"Request successful","data":null}`})
	c := newClient(t, f.serve(t).URL)
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			_, err := do(t, o, context.Background(), c)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae, "code 0 is no success without HTTP 200")
			assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
			assert.Contains(t, err.Error(), "503")
		})
	}
}

func TestSuccessWithoutJSONContentType(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(o.path, reply{status: http.StatusOK, contentType: "text/plain;charset=UTF-8", body: successBodies[o.path]})
			c := newClient(t, f.serve(t).URL)
			res, err := do(t, o, context.Background(), c)
			require.NoError(t, err)
			o.success(t, res)
		})
	}
}

// TestSuccessWithoutDataIsAnError: an operation whose success carries data
// (x-success payload: data) refuses a code 0 whose data is null or absent;
// one whose success carries nothing (payload: null) takes either.
func TestSuccessWithoutDataIsAnError(t *testing.T) {
	bodies := map[string]string{
		"data null": `{"code":0,%q:"Request successful","data":null}`,
		"no data":   `{"code":0,%q:"Request successful"}`,
	}
	for _, o := range ops {
		for name, body := range bodies {
			t.Run(o.name+"/"+name, func(t *testing.T) {
				f := newFakeNXCloud(t)
				f.answer(o.path, reply{status: http.StatusOK, body: fmt.Sprintf(body, o.msgKey)})
				c := newClient(t, f.serve(t).URL)
				res, err := do(t, o, context.Background(), c)
				if !o.data {
					require.NoError(t, err, "checkCode, createClient and getCode promise no data")
					o.success(t, res)
					return
				}
				assert.Nil(t, res)
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae, "a success without the data it promises is an error")
				assert.Contains(t, ae.Reason, "carries no data")
				assert.Contains(t, err.Error(), "no data")
				assert.False(t, ae.HasCode, "the vendor reported no failure: no code is claimed")
				assert.NotContains(t, err.Error(), "code 0")
				assert.Equal(t, 1, ae.Attempts, "an answer that breaks its promise is not retried")
			})
		}
	}
}

func TestValidationErrorSendsNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(*nxcloud.Client) (any, error)
		want []string
	}{
		{
			name: "init empty params",
			call: func(c *nxcloud.Client) (any, error) { return result(c.OTA.Init(ctx, ota.InitParams{})) },
			want: []string{"appkey: must not be empty", "phone: must not be empty", "userIp: must not be empty"},
		},
		{
			name: "init empty phone",
			call: func(c *nxcloud.Client) (any, error) {
				return result(c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", UserIP: "203.0.113.7"}))
			},
			want: []string{"phone: must not be empty"},
		},
		{
			name: "verify empty requestId",
			call: func(c *nxcloud.Client) (any, error) {
				return result(c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje"}))
			},
			want: []string{"requestId: must not be empty"},
		},
		{
			name: "checkCode empty params",
			call: func(c *nxcloud.Client) (any, error) {
				return nothing(c.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{}))
			},
			want: []string{"code: must not be empty", "phone_number: must not be empty"},
		},
		{
			name: "checkCode empty code",
			call: func(c *nxcloud.Client) (any, error) {
				return nothing(c.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: "185xxx99"}))
			},
			want: []string{"code: must not be empty"},
		},
		{
			name: "getCode unknown method",
			call: func(c *nxcloud.Client) (any, error) {
				return nothing(c.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: "185xxx99", Method: "fax"}))
			},
			want: []string{`method: value is not one of the allowed values ["sms","voice"]`},
		},
		{
			name: "getCode empty params",
			call: func(c *nxcloud.Client) (any, error) {
				return nothing(c.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{}))
			},
			want: []string{`method: value is not one of the allowed values ["sms","voice"]`, "phone_number: must not be empty"},
		},
		{
			name: "createClient empty phone number",
			call: func(c *nxcloud.Client) (any, error) {
				return nothing(c.WhatsApp.CreateClient(ctx, waintegrator.CreateClientParams{}))
			},
			want: []string{"phone_number: must not be empty"},
		},
		{
			name: "createApp empty webhook",
			call: func(c *nxcloud.Client) (any, error) {
				return result(c.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Whatsapp"}))
			},
			want: []string{"webhook: must not be empty", `webhook: string doesn't match the format "uri" (not an absolute URI: it has no scheme)`},
		},
		{
			name: "createApp webhook not an absolute URI",
			call: func(c *nxcloud.Client) (any, error) {
				return result(c.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Whatsapp", Webhook: "/api/webhook/whatsApp"}))
			},
			want: []string{`webhook: string doesn't match the format "uri" (not an absolute URI: it has no scheme)`},
		},
		{
			name: "phoneList empty appkey",
			call: func(c *nxcloud.Client) (any, error) {
				list, err := c.WhatsApp.PhoneList(ctx, waintegrator.PhoneListParams{})
				if list == nil {
					return nil, err
				}
				return list, err
			},
			want: []string{"appkey: must not be empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			c := newClient(t, f.serve(t).URL)
			res, err := tt.call(c)
			noSecret(t, err)
			assert.Nil(t, res)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.want, ve.Problems)
			assert.Contains(t, ve.Operation, "nxcloud/")
			for _, p := range tt.want {
				assert.Contains(t, err.Error(), p)
			}
			n, _ := f.count()
			assert.Zero(t, n, "the server received a request")
		})
	}
}

// TestValidateBodyOfRawBodies covers the bodies that typed params cannot
// produce (a required field left out, a wrong JSON type, no body at all):
// the check that every call runs before it sends, Operation.ValidateBody
// of the operation's spec, refuses them with the same problems a typed
// call reports. (A body in another Content-Type cannot be sent at all: the
// pipeline always sends JSON, which the fake checks on every request.)
func TestValidateBodyOfRawBodies(t *testing.T) {
	tests := []struct {
		spec, op, body string
		want           []string
	}{
		{"nxcloud/ota", "init", `{"appkey":"pem28kje"}`, []string{"phone: is required", "userIp: is required"}},
		{"nxcloud/ota", "init", ``, []string{"the request body is required"}},
		{"nxcloud/ota", "init", `{"appkey":"a","phone":86158,"userIp":"x"}`, []string{"phone: value must be a string"}},
		{"nxcloud/ota", "init", `{"appkey":"pem28kje","phone":"","userIp":"203.0.113.7"}`, []string{"phone: must not be empty"}},
		{"nxcloud/wa-integrator", "createApp", `{"app_name":"Whatsapp"}`, []string{"webhook: is required"}},
		{"nxcloud/wa-integrator", "createApp", `{"app_name":7,"webhook":"https://hooks.example/wa"}`, []string{"app_name: value must be a string"}},
		{"nxcloud/wa-integrator", "checkCode", `{"phone_number":"185xxx99"}`, []string{"code: is required"}},
		{"nxcloud/wa-integrator", "login", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.op+" "+tt.body, func(t *testing.T) {
			doc, err := specs.Load(tt.spec)
			require.NoError(t, err)
			o, ok := doc.Operation(tt.op)
			require.True(t, ok)
			assert.Equal(t, tt.want, o.ValidateBody([]byte(tt.body)))
		})
	}
}

// TestNilContext: a nil context is an error, not a panic, and nothing is
// sent.
func TestNilContext(t *testing.T) {
	f := newFakeNXCloud(t)
	c := newClient(t, f.serve(t).URL)
	var nilCtx context.Context
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			var res any
			var err error
			require.NotPanics(t, func() { res, err = do(t, o, nilCtx, c) })
			assert.Nil(t, res)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "nil context")
			assert.Contains(t, err.Error(), o.name)
		})
	}
	n, _ := f.count()
	assert.Zero(t, n, "the server received a request")
}

func TestWrongSecret(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			c, err := nxcloud.NewClient(testKey, wrongSecret, option.WithBaseURL(f.serve(t).URL))
			require.NoError(t, err)
			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(ota.ResultCodeBadSignature), ae.Code)
			assert.Equal(t, int(waintegrator.ResultCodeBadSignature), ae.Code)
			assert.Equal(t, http.StatusOK, ae.StatusCode)
			assert.ErrorIs(t, err, apierror.ErrAuth)
			assert.Equal(t, 1, ae.Attempts)
			n, signed := f.count()
			assert.Equal(t, 1, n, "an authentication failure is not retried")
			assert.Zero(t, signed)
		})
	}
}

func TestWrongAccessKey(t *testing.T) {
	f := newFakeNXCloud(t)
	c, err := nxcloud.NewClient("someone-else", testSecret, option.WithBaseURL(f.serve(t).URL))
	require.NoError(t, err)
	_, err = do(t, ops[0], context.Background(), c)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int(ota.ResultCodeAccessDenied), ae.Code)
	assert.ErrorIs(t, err, apierror.ErrAuth)
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	f := newFakeNXCloud(t)
	mux := http.NewServeMux()
	mux.Handle("/prefix/", http.StripPrefix("/prefix", f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, base := range []string{srv.URL + "/prefix", srv.URL + "/prefix/"} {
		c := newClient(t, base)
		for _, o := range ops {
			t.Run(base+"/"+o.name, func(t *testing.T) {
				res, err := do(t, o, context.Background(), c)
				require.NoError(t, err)
				o.success(t, res)
			})
		}
	}
	n, signed := f.count()
	assert.Equal(t, 2*len(ops), n)
	assert.Equal(t, n, signed)
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
	f := newFakeNXCloud(t)
	srv := f.serve(t)
	rt := &countingRoundTripper{base: http.DefaultTransport}
	hc := &http.Client{Transport: rt, Timeout: time.Minute}

	c := newClient(t, srv.URL, option.WithHTTPClient(hc))
	for _, o := range ops {
		res, err := do(t, o, context.Background(), c)
		require.NoError(t, err, o.name)
		o.success(t, res)
	}
	assert.Same(t, rt, hc.Transport, "the caller's Transport was replaced")
	assert.Equal(t, time.Minute, hc.Timeout)
	assert.EqualValues(t, len(ops), rt.n.Load(), "the caller's transport did not carry the requests")
	_, signed := f.count()
	assert.Equal(t, len(ops), signed, "signing sits on top of the caller's transport")
}

func TestWithHTTPClientWithoutTransport(t *testing.T) {
	f := newFakeNXCloud(t)
	hc := &http.Client{}
	c := newClient(t, f.serve(t).URL, option.WithHTTPClient(hc))
	_, err := do(t, ops[0], context.Background(), c)
	require.NoError(t, err)
	assert.Nil(t, hc.Transport, "the caller's client was modified")
}

func TestTimeout(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.blockAll() // answers only when the client gives up
			c := newClient(t, f.serve(t).URL, option.WithTimeout(50*time.Millisecond))
			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			var ue *url.Error
			assert.ErrorAs(t, err, &ue)
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, 1, te.Attempts, "no attempt after the deadline")
			// The request reached the server: an unsafe call may have
			// taken effect; a safe one is harmless.
			assert.Equal(t, !o.safe, errors.Is(err, apierror.ErrOutcomeUnknown))
			assert.Equal(t, !o.safe, te.OutcomeUnknown)
		})
	}
}

func TestCallerContext(t *testing.T) {
	f := newFakeNXCloud(t)
	f.blockAll()
	c := newClient(t, f.serve(t).URL, option.WithTimeout(0))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := do(t, ops[1], ctx, c)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	_, err = do(t, ops[1], ctx, c)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestClosedServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c := newClient(t, base)
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res)
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			var ae *apierror.Error
			assert.False(t, errors.As(err, &ae), "a transport failure is not a vendor failure")
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			// Nothing reached a server, so even unsafe calls are retried.
			assert.Equal(t, 3, te.Attempts)
			assert.False(t, te.OutcomeUnknown)
			assert.NotErrorIs(t, err, apierror.ErrOutcomeUnknown)
		})
	}
}

func TestNewClientRequiresCredentials(t *testing.T) {
	tests := []struct {
		name, key, secret string
	}{
		{"no key", "", testSecret},
		{"no secret", testKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := nxcloud.NewClient(tt.key, tt.secret)
			require.Error(t, err)
			assert.Nil(t, c)
			noSecret(t, err)
		})
	}
}

// A client without the account's access pair (for operations that send an
// application's key pair) refuses a signed operation before anything is
// sent.
func TestNewClientWithoutAccessKey(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	c, err := nxcloud.NewClient("", "", option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "a", RequestID: "r"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "access key")
	assert.Zero(t, hits.Load(), "an unsigned request was sent for a signed operation")
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  option.Option
	}{
		{"relative base URL", option.WithBaseURL("/api")},
		{"unknown algorithm", option.WithSignAlgorithm(sign.Algorithm("crc32"))},
		{"nil HTTP client", option.WithHTTPClient(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := nxcloud.NewClient(testKey, testSecret, tt.opt)
			require.Error(t, err)
			assert.Nil(t, c)
			noSecret(t, err)
		})
	}
}

// stubTransport answers every request itself with the canned success of
// its path, and records the URLs asked for: no request leaves the process.
type stubTransport struct {
	mu   sync.Mutex
	urls []string
}

func (s *stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	s.mu.Lock()
	s.urls = append(s.urls, r.URL.String())
	s.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(successBodies[r.URL.Path])),
		Request:    r,
	}, nil
}

// TestNewClientDefaultsToProduction: without WithBaseURL every operation
// goes to NXCloud's production host, the first server of its spec.
func TestNewClientDefaultsToProduction(t *testing.T) {
	const production = "https://api2.nxcloud.com"
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			spec, _, ok := strings.Cut(o.name, " ")
			require.True(t, ok)
			doc, err := specs.Load(spec)
			require.NoError(t, err)
			assert.Equal(t, production, strings.TrimSuffix(doc.ServerURL(), "/"), "the spec's first server")

			stub := &stubTransport{}
			c, err := nxcloud.NewClient(testKey, testSecret, option.WithHTTPClient(&http.Client{Transport: stub}))
			require.NoError(t, err)
			res, err := do(t, o, context.Background(), c)
			require.NoError(t, err)
			o.success(t, res)
			stub.mu.Lock()
			defer stub.mu.Unlock()
			assert.Equal(t, []string{production + o.path}, stub.urls)
		})
	}
}

func TestResponseSizeCap(t *testing.T) {
	f := newFakeNXCloud(t)
	f.answerAll(reply{status: http.StatusOK, body: `{"code":0,"msg":"` + strings.Repeat("x", 4096) + `","data":null}`})
	c := newClient(t, f.serve(t).URL, option.WithMaxResponseBytes(1024))
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			res, err := do(t, o, context.Background(), c)
			assert.Nil(t, res)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "exceeds 1024 bytes")
		})
	}
}

func TestConcurrentCalls(t *testing.T) {
	f := newFakeNXCloud(t)
	c := newClient(t, f.serve(t).URL)
	var wg sync.WaitGroup
	for range 5 {
		for _, o := range ops {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := do(t, o, context.Background(), c)
				assert.NoError(t, err, o.name)
			}()
		}
	}
	wg.Wait()
	n, signed := f.count()
	assert.Equal(t, 5*len(ops), n)
	assert.Equal(t, n, signed)
}

func TestRetries(t *testing.T) {
	initOp, verifyOp, checkCodeOp := ops[0], ops[1], ops[2]
	loginOp, phoneListOp := opNamed(t, "nxcloud/wa-integrator login"), opNamed(t, "nxcloud/wa-integrator phoneList")
	getCodeOp, createAppOp := opNamed(t, "nxcloud/wa-integrator getCode"), opNamed(t, "nxcloud/wa-integrator createApp")
	unavailable := reply{status: http.StatusServiceUnavailable, contentType: "text/html", body: "<html>busy</html>"}
	tooFrequent := reply{status: http.StatusOK, body: `{"code":2206,"msg":"slow down","data":null}`}
	withRetryAfter := func(r reply, v string) reply {
		r.header = http.Header{"Retry-After": {v}}
		return r
	}
	an := func(opts ...option.Option) []option.Option { return opts }
	tests := []struct {
		name         string
		op           op
		replies      []reply
		opts         []option.Option
		maxAttempts  int // per-call override; 0 = none
		wantRequests int
		wantAttempts int // 0 = the call succeeds
	}{
		{name: "safe: 503 then success", op: verifyOp, replies: []reply{unavailable, okReply(verifyOp.path)}, wantRequests: 2},
		{name: "safe: 503 twice then success", op: verifyOp, replies: []reply{unavailable, unavailable, okReply(verifyOp.path)}, wantRequests: 3},
		{name: "safe: 503 until the attempts run out", op: verifyOp, replies: []reply{unavailable}, wantRequests: 3, wantAttempts: 3},
		{name: "safe: 429 then success", op: verifyOp, replies: []reply{{status: http.StatusTooManyRequests}, okReply(verifyOp.path)}, wantRequests: 2},
		{name: "safe: too frequent then success", op: verifyOp, replies: []reply{tooFrequent, okReply(verifyOp.path)}, wantRequests: 2},
		{name: "safe: bad signature is not retried", op: verifyOp, replies: []reply{{status: http.StatusOK, body: `{"code":1003,"msg":"sign error"}`}}, wantRequests: 1, wantAttempts: 1},
		{name: "safe: business failure is not retried", op: verifyOp, replies: []reply{{status: http.StatusOK, body: `{"code":2205,"msg":"no record"}`}}, wantRequests: 1, wantAttempts: 1},
		{name: "safe: 400 is not retried", op: verifyOp, replies: []reply{{status: http.StatusBadRequest, body: "bad request"}}, wantRequests: 1, wantAttempts: 1},
		{name: "safe: WithMaxAttempts(5)", op: verifyOp, replies: []reply{unavailable}, opts: an(option.WithMaxAttempts(5)), wantRequests: 5, wantAttempts: 5},
		{name: "safe: WithoutRetries", op: verifyOp, replies: []reply{unavailable}, opts: an(option.WithoutRetries()), wantRequests: 1, wantAttempts: 1},
		{name: "safe: per-call override lowers", op: verifyOp, replies: []reply{unavailable}, maxAttempts: 1, wantRequests: 1, wantAttempts: 1},
		{name: "safe: per-call override raises", op: verifyOp, replies: []reply{unavailable}, opts: an(option.WithoutRetries()), maxAttempts: 4, wantRequests: 4, wantAttempts: 4},
		{name: "unsafe init: 503 is not retried", op: initOp, replies: []reply{unavailable, okReply(initOp.path)}, wantRequests: 1, wantAttempts: 1},
		{name: "unsafe init: too frequent is not retried", op: initOp, replies: []reply{tooFrequent, okReply(initOp.path)}, wantRequests: 1, wantAttempts: 1},
		{name: "unsafe checkCode: 502 is not retried", op: checkCodeOp, replies: []reply{{status: http.StatusBadGateway}, okReply(checkCodeOp.path)}, wantRequests: 1, wantAttempts: 1},
		{name: "unsafe getCode: 503 is not retried", op: getCodeOp, replies: []reply{unavailable, okReply(getCodeOp.path)}, wantRequests: 1, wantAttempts: 1},
		{name: "unsafe createApp: 503 is not retried", op: createAppOp, replies: []reply{unavailable, okReply(createAppOp.path)}, wantRequests: 1, wantAttempts: 1},
		{name: "safe login (no body): 503 then success", op: loginOp, replies: []reply{unavailable, okReply(loginOp.path)}, wantRequests: 2},
		{name: "safe phoneList: 503 then success", op: phoneListOp, replies: []reply{unavailable, okReply(phoneListOp.path)}, wantRequests: 2},
		{name: "safe phoneList: business failure is not retried", op: phoneListOp, replies: []reply{{status: http.StatusOK, body: `{"code":9008,"message":"APPKEY does not exist","data":null}`}}, wantRequests: 1, wantAttempts: 1},
		{
			name: "Retry-After 0 wins over the backoff", op: verifyOp,
			replies: []reply{withRetryAfter(unavailable, "0"), okReply(verifyOp.path)},
			opts:    an(option.WithRetryBackoff(time.Hour, time.Hour)), wantRequests: 2,
		},
		{
			name: "Retry-After is capped by the maximum delay", op: verifyOp,
			replies:      []reply{withRetryAfter(unavailable, "3600"), okReply(verifyOp.path)},
			wantRequests: 2,
		},
		{
			name: "no wait runs past the deadline", op: verifyOp,
			replies: []reply{unavailable, okReply(verifyOp.path)},
			opts:    an(option.WithRetryBackoff(time.Hour, time.Hour)), wantRequests: 1, wantAttempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(tt.op.path, tt.replies...)
			c := newClient(t, f.serve(t).URL, tt.opts...)
			var callOpts []option.RequestOption
			if tt.maxAttempts > 0 {
				callOpts = append(callOpts, option.WithCallMaxAttempts(tt.maxAttempts))
			}
			res, err := do(t, tt.op, context.Background(), c, callOpts...)
			n, signed := f.count()
			assert.Equal(t, tt.wantRequests, n, "requests")
			assert.Equal(t, n, signed, "every attempt is signed afresh")
			if tt.wantAttempts == 0 {
				require.NoError(t, err)
				tt.op.success(t, res)
				return
			}
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.wantAttempts, ae.Attempts)
		})
	}
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogsKeepCredentials(t *testing.T) {
	for _, bodies := range []bool{false, true} {
		t.Run(fmt.Sprintf("bodies=%t", bodies), func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(ops[1].path, reply{status: http.StatusServiceUnavailable, body: "busy"}, okReply(ops[1].path))
			srv := f.serve(t)
			var buf lockedBuffer
			opts := []option.Option{option.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))}
			if bodies {
				opts = append(opts, option.WithLogBodies())
			}
			c := newClient(t, srv.URL, opts...)
			for _, o := range ops {
				_, err := do(t, o, context.Background(), c)
				require.NoError(t, err, o.name)
			}
			bad, err := nxcloud.NewClient(testKey, wrongSecret, append(opts, option.WithBaseURL(srv.URL))...)
			require.NoError(t, err)
			_, err = do(t, ops[0], context.Background(), bad)
			require.Error(t, err)

			log := buf.String()
			assert.Contains(t, log, "nxcloud/ota verify")
			assert.Contains(t, log, "nxcloud/wa-integrator checkCode")
			assert.Contains(t, log, "attempt=2", "the retried attempt is logged")
			assert.Contains(t, log, "status=503")
			for _, secret := range []string{testSecret, wrongSecret, testKey} {
				assert.NotContains(t, log, secret)
			}
			f.mu.Lock()
			signs := append([]string(nil), f.signs...)
			f.mu.Unlock()
			require.NotEmpty(t, signs)
			for _, s := range signs {
				require.NotEmpty(t, s)
				assert.NotContains(t, log, s, "a signature reached the log")
			}
			if bodies {
				assert.Contains(t, log, "pem28kje", "the request body is logged")
				assert.Contains(t, log, "989d535f78338411f7de07c028ddee4b", "the response body is logged")
				assert.Contains(t, log, "***", "credential headers are masked")
			} else {
				assert.NotContains(t, log, "pem28kje", "bodies are logged only on request")
				assert.NotContains(t, log, "989d535f78338411f7de07c028ddee4b")
			}
		})
	}
}

// TestOpsTableMatchesTheSpecs checks the restated metadata of ops and
// endpoints against the specs, and that the tables have every operation of
// every NXCloud spec: a new operation fails here until it has its entries.
func TestOpsTableMatchesTheSpecs(t *testing.T) {
	kinds := map[specs.ErrorKind]error{
		specs.KindAuth:            apierror.ErrAuth,
		specs.KindTooFrequent:     apierror.ErrTooFrequent,
		specs.KindAlreadyVerified: apierror.ErrAlreadyVerified,
	}
	byName := map[string]op{}
	for _, o := range ops {
		require.NotContains(t, byName, o.name, "listed twice")
		byName[o.name] = o
	}
	docs, err := specs.All()
	require.NoError(t, err)
	covered := 0
	for _, d := range docs {
		if d.SDK.Vendor != "nxcloud" {
			continue
		}
		for _, sop := range d.Operations {
			if !sop.Signed() {
				continue // the table restates signed operations (the fake NXCloud checks signatures)
			}
			if _, listed := byName[sop.FullName()]; !listed {
				// The table restates the first products' facts on purpose;
				// a newer product is covered by the all-spec tests.
				t.Logf("%s has no entry in ops", sop.FullName())
				continue
			}
			covered++
			t.Run(sop.FullName(), func(t *testing.T) {
				o := byName[sop.FullName()]
				assert.Equal(t, sop.Path, o.path)
				assert.Equal(t, http.MethodPost, sop.Method)
				ep, ok := endpoints[o.path]
				require.True(t, ok, "%s has no entry in endpoints", o.path)
				assert.Equal(t, ep.bizType, sop.BizType, "bizType")
				assert.Equal(t, ep.action, sop.Action, "action")
				assert.Equal(t, ep.noBody, sop.BodySchema() == nil, "request body")
				assert.Equal(t, ep.msgKey, o.msgKey)
				assert.Equal(t, o.safe, sop.Retry == specs.Safe, "retry class")
				assert.Equal(t, o.data, sop.Success.Payload != "" && !sop.Success.Empty, "a success carries data")
				schema := sop.SuccessSchema()
				require.NotNil(t, schema)
				assert.Contains(t, schema.Properties, o.msgKey, "the envelope's message key")
				assert.Contains(t, schema.Required, o.msgKey)
				assert.Equal(t, o.failKind, kinds[sop.ErrorKind(o.failCode)], "the kind of code %d", o.failCode)
				assert.Contains(t, successBodies, o.path)
			})
		}
	}
	assert.Equal(t, len(ops), covered, "ops lists an operation that no spec has")
	assert.Len(t, endpoints, len(ops))
	assert.Len(t, successBodies, len(ops))
}

// TestRawResponse: option.WithRawResponse keeps the last answer of the
// call, as received, through every generated method: a success, a vendor
// failure, the answer after a retry; and nothing when no answer came.
func TestRawResponse(t *testing.T) {
	unavailable := reply{status: http.StatusServiceUnavailable, contentType: "text/html", body: "<html>busy</html>"}
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			t.Run("success", func(t *testing.T) {
				f := newFakeNXCloud(t)
				c := newClient(t, f.serve(t).URL)
				var raw option.RawResponse
				res, err := do(t, o, context.Background(), c, option.WithRawResponse(&raw))
				require.NoError(t, err)
				o.success(t, res)
				assert.Equal(t, http.StatusOK, raw.StatusCode)
				assert.Equal(t, "application/json", raw.Header.Get("Content-Type"))
				assert.Equal(t, successBodies[o.path], string(raw.Body), "the body as received")
			})
			t.Run("vendor failure", func(t *testing.T) {
				f := newFakeNXCloud(t)
				body := fmt.Sprintf(`{"code":%d,%q:"no","data":null}`, o.failCode, o.msgKey)
				f.answer(o.path, reply{status: http.StatusOK, body: body, header: http.Header{"X-Vendor-Trace": {"t-1"}}})
				c := newClient(t, f.serve(t).URL)
				var raw option.RawResponse
				_, err := do(t, o, context.Background(), c, option.WithRawResponse(&raw))
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, http.StatusOK, raw.StatusCode)
				assert.Equal(t, body, string(raw.Body))
				assert.Equal(t, "t-1", raw.Header.Get("X-Vendor-Trace"))
			})
			t.Run("the last attempt's answer", func(t *testing.T) {
				f := newFakeNXCloud(t)
				f.answer(o.path, unavailable, okReply(o.path))
				c := newClient(t, f.serve(t).URL)
				var raw option.RawResponse
				_, err := do(t, o, context.Background(), c, option.WithRawResponse(&raw))
				if o.safe { // retried: the second answer is kept
					require.NoError(t, err)
					assert.Equal(t, http.StatusOK, raw.StatusCode)
					assert.Equal(t, successBodies[o.path], string(raw.Body))
					return
				}
				require.Error(t, err)
				assert.Equal(t, http.StatusServiceUnavailable, raw.StatusCode)
				assert.Equal(t, "<html>busy</html>", string(raw.Body))
			})
			t.Run("no answer", func(t *testing.T) {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				c := newClient(t, srv.URL, option.WithoutRetries())
				raw := option.RawResponse{StatusCode: -1}
				_, err := do(t, o, context.Background(), c, option.WithRawResponse(&raw))
				var te *apierror.TransportError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, option.RawResponse{StatusCode: -1}, raw, "left as it was")
			})
			t.Run("nil destination", func(t *testing.T) {
				f := newFakeNXCloud(t)
				c := newClient(t, f.serve(t).URL)
				res, err := do(t, o, context.Background(), c, option.WithRawResponse(nil))
				assert.Nil(t, res)
				require.Error(t, err)
				assert.Contains(t, err.Error(), o.name)
				n, _ := f.count()
				assert.Zero(t, n, "nothing is sent with a bad option")
			})
		})
	}
}

// TestRequestOptions covers the per-call options other than
// WithRawResponse and WithCallMaxAttempts (see TestRetries) on every
// operation: headers added to one call, the signature headers always the
// SDK's, invalid options refused before anything is sent.
func TestRequestOptions(t *testing.T) {
	for _, o := range ops {
		t.Run(o.name, func(t *testing.T) {
			t.Run("WithHeader reaches the server, for that call only", func(t *testing.T) {
				f := newFakeNXCloud(t)
				c := newClient(t, f.serve(t).URL)
				res, err := do(t, o, context.Background(), c,
					option.WithHeader("X-Trace", "first"), option.WithHeader("X-Trace", "second"), option.WithHeader("x-order", "A-1001"))
				require.NoError(t, err)
				o.success(t, res)
				_, err = do(t, o, context.Background(), c)
				require.NoError(t, err)
				got := f.received()
				require.Len(t, got, 2)
				assert.Equal(t, []string{"second"}, got[0].Values("X-Trace"), "the last value for a key wins")
				assert.Equal(t, "A-1001", got[0].Get("X-Order"))
				assert.Empty(t, got[1].Get("X-Trace"), "the next call does not carry it")
				_, signed := f.count()
				assert.Equal(t, 2, signed)
			})
			t.Run("WithHeader cannot replace the authentication", func(t *testing.T) {
				f := newFakeNXCloud(t)
				c := newClient(t, f.serve(t).URL)
				forged := map[string]string{
					sign.HeaderAccessKey: "someone-else", sign.HeaderTS: "1", sign.HeaderBizType: "9",
					sign.HeaderAction: "other", sign.HeaderSign: "forged-signature", sign.HeaderAlgorithm: "sha256",
				}
				var opts []option.RequestOption
				for k, v := range forged {
					opts = append(opts, option.WithHeader(k, v))
				}
				if !endpoints[o.path].noBody {
					opts = append(opts, option.WithHeader("Content-Type", "text/plain"))
				}
				res, err := do(t, o, context.Background(), c, opts...)
				require.NoError(t, err, "the request went out signed by the SDK")
				o.success(t, res)
				got := f.received()
				require.Len(t, got, 1)
				for k, v := range forged {
					if k == sign.HeaderAlgorithm {
						assert.Empty(t, got[0].Values(k), "MD5 is announced by no header, whatever the caller added")
						continue
					}
					assert.Len(t, got[0].Values(k), 1, "%s sent once", k)
					assert.NotEqual(t, v, got[0].Get(k), "%s is the SDK's", k)
				}
				if !endpoints[o.path].noBody {
					assert.Equal(t, "application/json", got[0].Get("Content-Type"), "Content-Type is the spec's")
				}
				_, signed := f.count()
				assert.Equal(t, 1, signed)
			})
			t.Run("nil options are ignored", func(t *testing.T) {
				f := newFakeNXCloud(t)
				c := newClient(t, f.serve(t).URL)
				res, err := do(t, o, context.Background(), c, nil, nil)
				require.NoError(t, err)
				o.success(t, res)
			})
			bad := []struct {
				name string
				opt  option.RequestOption
			}{
				{"header without a name", option.WithHeader("", "v")},
				{"header name with a space", option.WithHeader("X Trace", "v")},
				{"header name with a colon", option.WithHeader("X:Trace", "v")},
				{"header value with CRLF", option.WithHeader("X-Trace", "v\r\nsign: forged")},
				{"zero attempts", option.WithCallMaxAttempts(0)},
				{"negative timeout", option.WithCallTimeout(-time.Second)},
			}
			for _, tt := range bad {
				t.Run(tt.name, func(t *testing.T) {
					f := newFakeNXCloud(t)
					c := newClient(t, f.serve(t).URL)
					res, err := do(t, o, context.Background(), c, tt.opt)
					assert.Nil(t, res)
					require.Error(t, err)
					assert.Contains(t, err.Error(), o.name)
					n, _ := f.count()
					assert.Zero(t, n, "nothing is sent with a bad option")
				})
			}
		})
	}
}

// TestWithCallTimeout: the per-call timeout replaces the client's for one
// call whose context has no deadline, in both directions; a context
// deadline still wins.
func TestWithCallTimeout(t *testing.T) {
	verifyOp := opNamed(t, "nxcloud/ota verify")
	slow := reply{status: http.StatusOK, body: successBodies[verifyOp.path], delay: 300 * time.Millisecond}
	tests := []struct {
		name     string
		client   time.Duration // option.WithTimeout
		call     []option.RequestOption
		deadline time.Duration // of the caller's context; 0 = none
		wantOK   bool
	}{
		{name: "the client's timeout", client: 30 * time.Millisecond},
		{name: "lifted for one call", client: 30 * time.Millisecond, call: []option.RequestOption{option.WithCallTimeout(time.Minute)}, wantOK: true},
		{name: "lifted entirely for one call", client: 30 * time.Millisecond, call: []option.RequestOption{option.WithCallTimeout(0)}, wantOK: true},
		{name: "imposed on one call", client: time.Minute, call: []option.RequestOption{option.WithCallTimeout(30 * time.Millisecond)}},
		{name: "a context deadline wins", client: time.Minute, call: []option.RequestOption{option.WithCallTimeout(time.Minute)}, deadline: 30 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeNXCloud(t)
			f.answer(verifyOp.path, slow)
			c := newClient(t, f.serve(t).URL, option.WithTimeout(tt.client), option.WithoutRetries())
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			res, err := do(t, verifyOp, ctx, c, tt.call...)
			if tt.wantOK {
				require.NoError(t, err)
				verifyOp.success(t, res)
				return
			}
			assert.Nil(t, res)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
}
