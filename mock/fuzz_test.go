package mock_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// fuzzNow is the mock's clock in FuzzMockRequest.
var fuzzNow = time.UnixMilli(1_655_710_885_431)

// Bits of FuzzMockRequest's mode argument. Each one makes an input more
// likely to get past a layer of the mock, so the fuzzer reaches the
// validation and the handlers, not only the signature check.
const (
	fuzzSignIt    = 1 << iota // compute the right signature over the body
	fuzzKnownKey              // use the mock's access key
	fuzzOpHeaders             // use the operation's bizType and action
	fuzzFreshTS               // ts = the mock's clock
	fuzzSpelling1             // header spelling, two bits:
	fuzzSpelling2             //   exact, canonical, lower, upper
	fuzzBasicAuth             // send the mock's EngageLab credentials
	fuzzPrepare               // create state first (an OTA login, an OTP, a template, a WhatsApp code, number or app), and send twice
)

// fuzzOps are the operations of every embedded spec, in a stable order.
var fuzzOps = sync.OnceValues(func() ([]*specs.Operation, error) {
	docs, err := specs.All()
	if err != nil {
		return nil, err
	}
	var ops []*specs.Operation
	for _, d := range docs {
		ops = append(ops, d.Operations...)
	}
	return ops, nil
})

// fuzzMatch finds the operation the mock should route a request to.
func fuzzMatch(method, path string) *specs.Operation {
	docs, _ := specs.All()
	for _, d := range docs {
		if op, ok := d.Match(method, path); ok {
			return op
		}
	}
	return nil
}

// fuzzMsgKey is the message key of an NXCloud operation's envelope.
func fuzzMsgKey(op *specs.Operation) string {
	mt := op.Spec.Responses.Status(http.StatusOK).Value.Content.Get("application/json")
	if _, has := mt.Schema.Value.Properties["msg"]; has {
		return "msg"
	}
	return "message"
}

func fuzzSetHeader(h http.Header, spelling int, name, value string) {
	if value == "" {
		return
	}
	switch spelling {
	case 0:
		h[name] = []string{value}
	case 1:
		h.Set(name, value)
	case 2:
		h[strings.ToLower(name)] = []string{value}
	default:
		h[strings.ToUpper(name)] = []string{value}
	}
}

// fuzzSignedInit runs a correctly signed OTA init and returns its requestId.
func fuzzSignedInit(t *testing.T, s *mock.Server) string {
	body := []byte(`{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"xxx.xxx.xxx.xxx"}`)
	p := sign.Params{AccessKey: mock.DefaultAccessKey, TS: strconv.FormatInt(fuzzNow.UnixMilli(), 10), BizType: "6", Action: "init"}
	sig, _ := sign.Sign(sign.MD5, p, body, mock.DefaultAccessSecret)
	req := httptest.NewRequest(http.MethodPost, "/api/ota/init", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for name, v := range map[string]string{sign.HeaderAccessKey: p.AccessKey, sign.HeaderTS: p.TS, sign.HeaderBizType: p.BizType, sign.HeaderAction: p.Action, sign.HeaderSign: sig} {
		req.Header[name] = []string{v}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var env struct {
		Code int
		Data struct{ RequestID string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Code != 0 || env.Data.RequestID == "" {
		t.Fatalf("a correctly signed OTA init failed: %s", rec.Body.Bytes())
	}
	return env.Data.RequestID
}

// fuzzSignedCall sends a correctly signed request for the named operation
// and returns the envelope's code and data.
func fuzzSignedCall(t *testing.T, s *mock.Server, name string, body []byte) (int, json.RawMessage) {
	op := fuzzOp(t, name)
	p := sign.Params{AccessKey: mock.DefaultAccessKey, TS: strconv.FormatInt(fuzzNow.UnixMilli(), 10), BizType: op.BizType, Action: op.Action}
	sig, _ := sign.Sign(sign.MD5, p, body, mock.DefaultAccessSecret)
	req := httptest.NewRequest(op.Method, op.Path, bytes.NewReader(body))
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for h, v := range map[string]string{sign.HeaderAccessKey: p.AccessKey, sign.HeaderTS: p.TS, sign.HeaderBizType: p.BizType, sign.HeaderAction: p.Action, sign.HeaderSign: sig} {
		req.Header[h] = []string{v}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var env struct {
		Code int
		Data json.RawMessage
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: the answer is no envelope: %s", name, rec.Body.Bytes())
	}
	return env.Code, env.Data
}

// fuzzOp returns the operation of that full name.
func fuzzOp(t testing.TB, name string) *specs.Operation {
	ops, err := fuzzOps()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.FullName() == name {
			return op
		}
	}
	t.Fatalf("no operation %q in the specs", name)
	return nil
}

// fuzzMethods are the methods FuzzMockRequest's operation argument may
// name for a raw path.
var fuzzMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// fuzzTarget resolves FuzzMockRequest's operation and path arguments to the
// method and the escaped path to send, and the operation they were chosen
// by (nil for a raw path). An operation's FullName picks its method and
// path; a non-empty path then fills each of its path parameters, escaped.
// Anything else sends the path argument itself (as it would be on the
// wire, escapes and all), with the method operation names if it is one of
// fuzzMethods, else POST.
func fuzzTarget(t testing.TB, operation, path string) (method, wire string, named *specs.Operation) {
	ops, err := fuzzOps()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.FullName() != operation {
			continue
		}
		segs := strings.Split(op.Path, "/")
		for i, seg := range segs {
			if path != "" && strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				segs[i] = url.PathEscape(path)
			}
		}
		return op.Method, strings.Join(segs, "/"), op
	}
	method = http.MethodPost
	if slices.Contains(fuzzMethods, operation) {
		method = operation
	}
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return method, path, nil
}

// fuzzRequest builds a server-side request for an escaped path as
// net/http's server does: RequestURI as sent, URL.Path decoded and
// URL.RawPath keeping the escapes (a path that does not decode is used as
// it is).
func fuzzRequest(method, wire string, body []byte) *http.Request {
	req := httptest.NewRequest(method, "http://mock.invalid/", bytes.NewReader(body))
	req.RequestURI = wire
	req.URL.Path, req.URL.RawPath = wire, ""
	if p, err := url.PathUnescape(wire); err == nil {
		req.URL.Path, req.URL.RawPath = p, wire
	}
	return req
}

// fuzzBasicCall sends a request with the mock's EngageLab credentials.
func fuzzBasicCall(s *mock.Server, method, path string, body []byte) {
	req := fuzzRequest(method, path, body)
	req.SetBasicAuth(mock.DefaultDevKey, mock.DefaultDevSecret)
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	s.ServeHTTP(httptest.NewRecorder(), req)
}

// fuzzPrepareWhatsApp creates the state a WhatsApp request needs to
// succeed once: a pending code for checkCode, a confirmed number for
// createClient, an application for phoneList (its app_key replaces APP_KEY
// in the body). It returns the body to send.
func fuzzPrepareWhatsApp(t *testing.T, s *mock.Server, op *specs.Operation, body []byte) []byte {
	var v struct {
		PhoneNumber string `json:"phone_number"`
	}
	_ = json.Unmarshal(body, &v)
	phone, _ := json.Marshal(v.PhoneNumber)
	getCode := []byte(`{"phone_number":` + string(phone) + `,"method":"sms"}`)
	checkCode := []byte(`{"phone_number":` + string(phone) + `,"code":"` + mock.DefaultWhatsAppCode + `"}`)
	switch op.FullName() {
	case "nxcloud/wa-integrator checkCode":
		if code, _ := fuzzSignedCall(t, s, "nxcloud/wa-integrator getCode", getCode); code != 0 && v.PhoneNumber != "" {
			t.Fatalf("a correctly signed getCode failed with %d", code)
		}
	case "nxcloud/wa-integrator createClient":
		fuzzSignedCall(t, s, "nxcloud/wa-integrator getCode", getCode)
		if code, _ := fuzzSignedCall(t, s, "nxcloud/wa-integrator checkCode", checkCode); code != 0 && v.PhoneNumber != "" {
			t.Fatalf("a correctly signed checkCode after getCode failed with %d", code)
		}
	case "nxcloud/wa-integrator phoneList":
		code, data := fuzzSignedCall(t, s, "nxcloud/wa-integrator createApp", []byte(`{"app_name":"fuzz","webhook":"https://hooks.example/wa"}`))
		var app struct {
			AppKey string `json:"app_key"`
		}
		if code != 0 || json.Unmarshal(data, &app) != nil || app.AppKey == "" {
			t.Fatalf("a correctly signed createApp failed: %d %s", code, data)
		}
		body = bytes.ReplaceAll(body, []byte("APP_KEY"), []byte(app.AppKey))
	}
	return body
}

// FuzzMockRequest drives mock.Server.ServeHTTP directly with an operation
// named by its FullName (path parameters filled from the path argument) or
// an arbitrary raw path, NXCloud signing headers, Basic credentials,
// Content-Types and bodies, signed or not (see the mode bits), and checks
// that the mock:
//
//   - routes an operation chosen by name to that operation, whatever its
//     path parameters hold once escaped;
//   - never panics, and always answers JSON with Content-Type
//     application/json;
//   - answers a path that is no operation with 404;
//   - answers every NXCloud operation with HTTP 200 and the product's
//     envelope: an integer code, the product's message key (msg or
//     message) as a string, the other key absent, and data;
//   - gives code 0 (NXCloud) or HTTP 200 (EngageLab) only to a request
//     that authenticates — the signature verified over the raw bytes sent
//     with the mock's secret, ts within 60 s, the operation's bizType and
//     action; the mock's Basic credentials — and whose body the SDK's own
//     validator (Operation.ValidateBody) accepts;
//   - answers EngageLab failures with a 4xx/5xx {code, message};
//   - sends only responses its spec allows (Config.OnInvalidResponse).
func FuzzMockRequest(f *testing.F) {
	const (
		key     = mock.DefaultAccessKey
		ts      = "1655710885431"
		ctJSON  = "application/json"
		allGood = fuzzSignIt | fuzzKnownKey | fuzzOpHeaders | fuzzFreshTS | fuzzBasicAuth
	)
	// The first argument names the operation by its FullName, so that a new
	// operation moves no seed; anything else is a raw path (fuzzTarget).
	const (
		otaInit   = "nxcloud/ota init"
		otaVerify = "nxcloud/ota verify"
		wa        = "nxcloud/wa-integrator "
		otp       = "engagelab/otp "
	)
	f.Add(otaInit, uint8(allGood), "", key, ts, "6", "init", "", "", ctJSON, "", []byte(`{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"xxx.xxx.xxx.xxx"}`))
	f.Add(otaInit, uint8(allGood|fuzzSpelling2), "", key, ts, "6", "init", "sha256", "", ctJSON, "", []byte(`{"appkey":"pem28kje","phone":"","userIp":"xxx.xxx.xxx.xxx"}`))
	f.Add(otaVerify, uint8(allGood|fuzzPrepare), "", key, ts, "6", "verify", "", "", ctJSON, "", []byte(`{"appkey":"pem28kje","requestId":"REQUEST_ID"}`))
	f.Add(otaVerify, uint8(allGood|fuzzSpelling1), "", key, ts, "6", "verify", "md5", "", ctJSON, "", []byte(`{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}`))
	f.Add(wa+"checkCode", uint8(allGood), "", key, ts, "2", "checkCode", "", "", ctJSON, "", []byte(`{"phone_number":"185xxx99","code":"1541"}`))
	f.Add(wa+"checkCode", uint8(allGood|fuzzPrepare), "", key, ts, "2", "checkCode", "", "", ctJSON, "", []byte(`{"phone_number":"185xxx99","code":"1541"}`))
	f.Add(wa+"checkCode", uint8(allGood), "", key, ts, "2", "checkCode", "", "", "text/plain", "", []byte(`{"phone_number":"185xxx99","code":"1541"}`))
	f.Add(wa+"getCode", uint8(allGood), "", key, ts, "2", "getCode", "", "", ctJSON, "", []byte(`{"phone_number":"185xxx99","method":"sms"}`))
	f.Add(wa+"getCode", uint8(allGood), "", key, ts, "2", "getCode", "", "", ctJSON, "", []byte(`{"phone_number":"185xxx99","method":"fax"}`))
	f.Add(wa+"createClient", uint8(allGood|fuzzPrepare), "", key, ts, "2", "createClient", "", "", ctJSON, "", []byte(`{"phone_number":"185xxx99"}`))
	f.Add(wa+"createApp", uint8(allGood|fuzzPrepare), "", key, ts, "2", "createApp", "", "", ctJSON, "", []byte(`{"app_name":"Whatsapp","webhook":"https://***/api/webhook/whatsApp"}`))
	f.Add(wa+"login", uint8(allGood), "", key, ts, "2", "login", "", "", "", "", []byte(nil))
	f.Add(wa+"login", uint8(allGood|fuzzSpelling2), "", key, ts, "2", "login", "sha256", "", ctJSON, "", []byte(`{}`))
	f.Add(wa+"login", uint8(allGood), "", key, ts, "2", "login", "", "", "text/plain", "", []byte(`{}`))
	f.Add(wa+"phoneList", uint8(allGood|fuzzPrepare), "", key, ts, "2", "phoneList", "", "", ctJSON, "", []byte(`{"appkey":"APP_KEY"}`))
	f.Add(wa+"phoneList", uint8(allGood), "", key, ts, "2", "phoneList", "", "", ctJSON, "", []byte(`{"appkey":"jh42xxxd434"}`))
	f.Add(otp+"verify", uint8(allGood|fuzzPrepare), "", "", "", "", "", "", "", ctJSON, "", []byte(`{"message_id":"1725407449772531712","verify_code":"667090"}`))
	f.Add(otp+"verify", uint8(0), "", "", "", "", "", "", "", ctJSON, "Basic amlndWFuZ2RldjpkZXZfc2VjcmV0", []byte(`{"message_id":"1725407449772531712","verify_code":"667090"}`))
	f.Add(otp+"verify", uint8(fuzzBasicAuth), "", "", "", "", "", "", "", ctJSON, "", []byte(`{"message_id":"1","verify_code":`))
	// Path parameters: the path argument is the templateId, escaped into
	// the path; with fuzzPrepare the template is created first.
	f.Add(otp+"getTemplate", uint8(fuzzBasicAuth|fuzzPrepare), "login/eu west", "", "", "", "", "", "", "", "", []byte(nil))
	f.Add(otp+"getTemplate", uint8(fuzzBasicAuth), "100%", "", "", "", "", "", "", "", "", []byte(nil))
	f.Add(otp+"deleteTemplate", uint8(fuzzBasicAuth|fuzzPrepare), "a/b?c#d", "", "", "", "", "", "", "", "", []byte(nil))
	// The NXCloud docs' worked example: an unknown key, a placeholder sign.
	f.Add(otaInit, uint8(0), "", "fme2na3kdi3ki", ts, "6", "init", "", "6e9506557d1f289501d333ee2c365826", ctJSON, "", []byte(`{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"xxx.xxx.xxx.xxx"}`))
	f.Add(otaInit, uint8(fuzzSignIt|fuzzKnownKey|fuzzOpHeaders), "", key, "1655710945432", "", "", "", "", ctJSON, "", []byte(`{}`))
	// Raw paths, with the method the first argument names (POST otherwise).
	f.Add("", uint8(allGood), "/api/ota/init/", key, ts, "6", "init", "", "", ctJSON, "", []byte(`{"appkey":"a","phone":"1","userIp":"2"}`))
	f.Add("", uint8(0), "/no/such/path", "", "", "", "", "", "", "", "", []byte(nil))
	f.Add(http.MethodGet, uint8(allGood), "/api/ota/init", key, ts, "6", "init", "", "", "", "", []byte(nil))
	f.Add("", uint8(allGood), "/api/wa/integrator/embedded/register/login", key, ts, "2", "login", "", "", "", "", []byte(nil))
	f.Add(http.MethodGet, uint8(fuzzBasicAuth), "/v1/template-configs/verify%2Dlogin", "", "", "", "", "", "", "", "", []byte(nil))
	f.Add(http.MethodGet, uint8(fuzzBasicAuth), "/v1/template-configs/verify-login/x", "", "", "", "", "", "", "", "", []byte(nil))
	f.Add(http.MethodDelete, uint8(fuzzBasicAuth), "/v1/template-configs/verify-login%2F", "", "", "", "", "", "", "", "", []byte(nil))

	f.Fuzz(func(t *testing.T, operation string, mode uint8, path, accessKey, ts, bizType, action, algorithm, signature, contentType, authorization string, body []byte) {
		var invalid []string
		s, err := mock.New(mock.Config{
			Now: func() time.Time { return fuzzNow },
			OnInvalidResponse: func(op string, err error) {
				invalid = append(invalid, fmt.Sprintf("%s: %v", op, err))
			},
		})
		if err != nil {
			t.Fatal(err)
		}

		method, wire, named := fuzzTarget(t, operation, path)
		escaped := fuzzRequest(method, wire, nil).URL.EscapedPath() // what the mock routes by
		op := fuzzMatch(method, escaped)
		if named != nil && op != named {
			// Whatever a path parameter holds, escaped it is one segment.
			t.Fatalf("%s with path argument %q: %s %s routes to %v", named.FullName(), path, method, escaped, op)
		}

		if mode&fuzzPrepare != 0 && op != nil {
			switch op.FullName() {
			case "nxcloud/ota verify":
				body = bytes.ReplaceAll(body, []byte("REQUEST_ID"), []byte(fuzzSignedInit(t, s)))
			case "nxcloud/wa-integrator checkCode", "nxcloud/wa-integrator createClient", "nxcloud/wa-integrator phoneList":
				body = fuzzPrepareWhatsApp(t, s, op, body)
			case "engagelab/otp getTemplate", "engagelab/otp deleteTemplate":
				// Create the template the path names; a name the schema
				// refuses stays unknown.
				id, _ := json.Marshal(op.PathParams(escaped)["templateId"])
				fuzzBasicCall(s, http.MethodPost, "/v1/template-configs", []byte(`{"template_id":`+string(id)+`,"send_channel_strategy":"sms","sms_config":{"template_type":1}}`))
			case "engagelab/otp verify":
				var v struct {
					MessageID string `json:"message_id"`
				}
				if json.Unmarshal(body, &v) == nil && v.MessageID != "" {
					s.AddOTPMessage(v.MessageID, "667090")
				}
			}
		}
		if mode&fuzzKnownKey != 0 {
			accessKey = mock.DefaultAccessKey
		}
		if mode&fuzzOpHeaders != 0 && op != nil && op.Signed() {
			bizType, action = op.BizType, op.Action
		}
		if mode&fuzzFreshTS != 0 {
			ts = strconv.FormatInt(fuzzNow.UnixMilli(), 10)
		}
		p := sign.Params{AccessKey: accessKey, TS: ts, BizType: bizType, Action: action}
		if mode&fuzzSignIt != 0 {
			alg, err := sign.ParseAlgorithm(algorithm)
			if err != nil {
				alg = sign.MD5
			}
			signature, _ = sign.Sign(alg, p, body, mock.DefaultAccessSecret)
		}
		if mode&fuzzBasicAuth != 0 {
			authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(mock.DefaultDevKey+":"+mock.DefaultDevSecret))
		}

		req := fuzzRequest(method, wire, body)
		spelling := int(mode/fuzzSpelling1) & 3
		fuzzSetHeader(req.Header, spelling, sign.HeaderAccessKey, accessKey)
		fuzzSetHeader(req.Header, spelling, sign.HeaderTS, ts)
		fuzzSetHeader(req.Header, spelling, sign.HeaderBizType, bizType)
		fuzzSetHeader(req.Header, spelling, sign.HeaderAction, action)
		fuzzSetHeader(req.Header, spelling, sign.HeaderSign, signature)
		fuzzSetHeader(req.Header, spelling, sign.HeaderAlgorithm, algorithm)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}

		sends := 1
		if mode&fuzzPrepare != 0 {
			sends = 2
		}
		for n := 0; n < sends; n++ {
			if n > 0 {
				req.Body = http.NoBody
				if len(body) > 0 {
					req.Body = fuzzReadCloser{bytes.NewReader(body)}
				}
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			fuzzCheckMockReply(t, op, req, body, rec)
		}
		if len(invalid) > 0 {
			t.Fatalf("the mock sent responses its spec does not allow:\n%s", strings.Join(invalid, "\n"))
		}
	})
}

type fuzzReadCloser struct{ *bytes.Reader }

func (fuzzReadCloser) Close() error { return nil }

func fuzzCheckMockReply(t *testing.T, op *specs.Operation, req *http.Request, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	got := rec.Body.Bytes()
	if !json.Valid(got) {
		t.Fatalf("HTTP %d with a body that is not JSON: %q", rec.Code, got)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if op == nil {
		// 405 for a path an operation has under another method, with an
		// Allow header; 404 for any other path.
		switch {
		case rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "":
		case rec.Code != http.StatusNotFound:
			t.Fatalf("%s %s is no operation, yet HTTP %d: %s", req.Method, req.URL.Path, rec.Code, got)
		}
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(got, &fields); err != nil && (op.Signed() || rec.Code != http.StatusOK) {
		t.Fatalf("%s: the answer is not a JSON object: %s", op.FullName(), got)
	}
	code, hasCode := int64(0), false
	if raw, ok := fields["code"]; ok {
		n, err := strconv.ParseInt(string(raw), 10, 64)
		code, hasCode = n, err == nil
	}

	if op.Signed() {
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: NXCloud answers HTTP 200, the mock sent %d: %s", op.FullName(), rec.Code, got)
		}
		if !hasCode {
			t.Fatalf("%s: no integer code in %s", op.FullName(), got)
		}
		key, other := fuzzMsgKey(op), "msg"
		if key == "msg" {
			other = "message"
		}
		var msg string
		if err := json.Unmarshal(fields[key], &msg); err != nil {
			t.Fatalf("%s: no string %q in %s", op.FullName(), key, got)
		}
		if _, has := fields[other]; has {
			t.Fatalf("%s: the envelope has %q, the product uses %q: %s", op.FullName(), other, key, got)
		}
		if _, has := fields["data"]; !has {
			t.Fatalf("%s: no data in %s", op.FullName(), got)
		}
		if code != 0 {
			return
		}
		h := req.Header
		p := sign.Params{
			AccessKey: sign.HeaderValue(h, sign.HeaderAccessKey),
			TS:        sign.HeaderValue(h, sign.HeaderTS),
			BizType:   sign.HeaderValue(h, sign.HeaderBizType),
			Action:    sign.HeaderValue(h, sign.HeaderAction),
		}
		alg, err := sign.ParseAlgorithm(sign.HeaderValue(h, sign.HeaderAlgorithm))
		if err != nil || p.AccessKey != mock.DefaultAccessKey || p.BizType != op.BizType || p.Action != op.Action ||
			!sign.Verify(alg, p, body, mock.DefaultAccessSecret, sign.HeaderValue(h, sign.HeaderSign)) {
			t.Fatalf("%s: code 0 for a request that does not authenticate (%+v): %s", op.FullName(), p, got)
		}
		ms, err := strconv.ParseInt(p.TS, 10, 64)
		if d := fuzzNow.Sub(time.UnixMilli(ms)); err != nil || d > time.Minute || d < -time.Minute {
			t.Fatalf("%s: code 0 with ts %q", op.FullName(), p.TS)
		}
		if problems := op.ValidateBody(body); len(problems) > 0 {
			t.Fatalf("%s: code 0 for a body the SDK's validator refuses (%q): %q", op.FullName(), problems, body)
		}
		return
	}

	// EngageLab.
	if rec.Code == http.StatusOK {
		key, secret, ok := req.BasicAuth()
		if !ok || key != mock.DefaultDevKey || secret != mock.DefaultDevSecret {
			t.Fatalf("%s: HTTP 200 without the mock's credentials: %s", op.FullName(), got)
		}
		if problems := op.ValidateBody(body); len(problems) > 0 {
			t.Fatalf("%s: HTTP 200 for a body the SDK's validator refuses (%q): %q", op.FullName(), problems, body)
		}
		return
	}
	if rec.Code < 400 || rec.Code > 599 {
		t.Fatalf("%s: HTTP %d: %s", op.FullName(), rec.Code, got)
	}
	var msg string
	if !hasCode || json.Unmarshal(fields["message"], &msg) != nil {
		t.Fatalf("%s: HTTP %d without an integer code and a string message: %s", op.FullName(), rec.Code, got)
	}
}
