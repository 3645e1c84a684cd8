package mock_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// fixedNow is the mock's clock in the raw-HTTP tests, so that ts offsets
// are exact and nothing depends on the wall clock.
var fixedNow = time.UnixMilli(1_700_000_000_000)

func fixedClock() time.Time { return fixedNow }

// nxOp is one NXCloud operation of the specs, with bodies that exercise it.
type nxOp struct {
	name        string
	path        string
	bizType     string
	action      string
	otherAction string // an action of the same product that is not this path's
	msgKey      string // the envelope's message key: msg (OTA) or message (WA)
	otherKey    string // the message key this product must not use
	valid       string // a valid body
	okCode      int    // the code a valid body gets once authenticated
	missing     string // a body with a required field left out
	empty       string // a body with a required field empty
	invalidCode int    // the product's "parameter missing or invalid" code
}

var nxOps = []nxOp{
	{
		name: "ota init", path: "/api/ota/init", bizType: "6", action: "init", otherAction: "verify",
		msgKey: "msg", otherKey: "message",
		valid:   `{"appkey":"app1","phone":"8613800000000","userIp":"10.0.0.1"}`,
		okCode:  0,
		missing: `{"appkey":"app1","phone":"8613800000000"}`,
		empty:   `{"appkey":"app1","phone":"","userIp":"10.0.0.1"}`, invalidCode: 9901,
	},
	{
		name: "ota verify", path: "/api/ota/verify", bizType: "6", action: "verify", otherAction: "init",
		msgKey: "msg", otherKey: "message",
		// Authenticated and valid, but no login has this id: 2205.
		valid:   `{"appkey":"app1","requestId":"no-such-request"}`,
		okCode:  2205,
		missing: `{"appkey":"app1"}`,
		empty:   `{"appkey":"app1","requestId":""}`, invalidCode: 9901,
	},
	{
		name: "wa getCode", path: "/api/wa/integrator/embedded/register/getCode", bizType: "2", action: "getCode", otherAction: "checkCode",
		msgKey: "message", otherKey: "msg",
		// Its own number: the mock's WhatsApp state is shared by the table.
		valid:   `{"phone_number":"18500000001","method":"sms"}`,
		okCode:  0,
		missing: `{"phone_number":"18500000001"}`,
		empty:   `{"phone_number":"","method":"voice"}`, invalidCode: 9000,
	},
	{
		name: "wa checkCode", path: "/api/wa/integrator/embedded/register/checkCode", bizType: "2", action: "checkCode", otherAction: "init",
		msgKey: "message", otherKey: "msg",
		// Authenticated and valid, but no code was requested for the number: -1.
		valid:   `{"phone_number":"18500000002","code":"` + mock.DefaultWhatsAppCode + `"}`,
		okCode:  -1,
		missing: `{"phone_number":"18500000002"}`,
		empty:   `{"phone_number":"18500000002","code":""}`, invalidCode: 9000,
	},
	{
		name: "wa createClient", path: "/api/wa/integrator/embedded/register/createClient", bizType: "2", action: "createClient", otherAction: "createApp",
		msgKey: "message", otherKey: "msg",
		// Authenticated and valid, but checkCode has not confirmed the number: -1.
		valid:   `{"phone_number":"18500000003"}`,
		okCode:  -1,
		missing: `{"phone":"18500000003"}`,
		empty:   `{"phone_number":""}`, invalidCode: 9000,
	},
	{
		name: "wa createApp", path: "/api/wa/integrator/embedded/register/createApp", bizType: "2", action: "createApp", otherAction: "createClient",
		msgKey: "message", otherKey: "msg",
		valid:   `{"app_name":"Whatsapp","webhook":"https://hooks.example/wa"}`,
		okCode:  0,
		missing: `{"app_name":"Whatsapp"}`,
		empty:   `{"app_name":"","webhook":"https://hooks.example/wa"}`, invalidCode: 9000,
	},
	{
		name: "wa phoneList", path: "/api/wa/integrator/embedded/register/phoneList", bizType: "2", action: "phoneList", otherAction: "login",
		msgKey: "message", otherKey: "msg",
		// Authenticated and valid, but no application has this appkey: 9008.
		valid:   `{"appkey":"no-such-app"}`,
		okCode:  9008,
		missing: `{"app_key":"no-such-app"}`,
		empty:   `{"appkey":""}`, invalidCode: 9000,
	},
}

// waLoginPath is WhatsApp login, the NXCloud operation without a request
// body: TestNXCloudBodilessLogin covers it instead of nxOps.
const waLoginPath = "/api/wa/integrator/embedded/register/login"

// TestNXOpsCoverTheSpecs keeps nxOps honest both ways. The table restates
// the path, bizType and action NXCloud documents for each operation, so a
// spec that drifts from them is caught here; and every signed operation of
// the specs must have its entry, so that a new one gets the signing-layer
// cases of TestNXCloudAuthentication.
func TestNXOpsCoverTheSpecs(t *testing.T) {
	byPath := map[string]nxOp{}
	for _, o := range nxOps {
		require.NotContains(t, byPath, o.path, "%s is listed twice", o.path)
		byPath[o.path] = o
	}
	docs, err := specs.All()
	require.NoError(t, err)
	signed, covered := 0, 0
	for _, d := range docs {
		for _, op := range d.Operations {
			if !op.Signed() {
				continue
			}
			signed++
			t.Run(op.FullName(), func(t *testing.T) {
				if op.Method == http.MethodGet {
					// A signed GET (the SaaS customer fields): no body, so no
					// &body= in the signature, and its parameters in the query.
					assert.Nil(t, op.BodySchema(), "a signed GET has no body")
					assert.NotEmpty(t, op.Spec.Parameters, "a signed GET sends its parameters in the query")
					return
				}
				assert.Equal(t, http.MethodPost, op.Method, "NXCloud takes POST, or GET with the parameters in the query")
				if op.BodySchema() == nil {
					assert.Equal(t, waLoginPath, op.Path, "a signed operation without a body that TestNXCloudBodilessLogin does not cover")
					assert.Equal(t, "2", op.BizType)
					assert.Equal(t, "login", op.Action)
					return
				}
				o, ok := byPath[op.Path]
				if !ok {
					// The table restates the first products' facts on
					// purpose; a newer product is covered by the all-spec
					// tests (TestExampleFallbackThroughThePipeline).
					t.Skipf("%s (%s) has no entry in nxOps", op.FullName(), op.Path)
				}
				covered++
				assert.Equal(t, o.bizType, op.BizType, "bizType")
				assert.Equal(t, o.action, op.Action, "action")
				assert.True(t, strings.HasSuffix(op.FullName(), " "+o.action), "%q names another operation than %s", o.name, op.FullName())
				assert.NotEqual(t, o.action, o.otherAction)
			})
		}
	}
	assert.Equal(t, len(nxOps), covered, "every nxOps entry is an operation of the specs")
	assert.Greater(t, signed, covered)
}

// spelling is how the NXCloud header names are written on the request.
type spelling int

const (
	exact     spelling = iota // NXCloud's spelling, by direct map assignment
	canonical                 // Go's canonical form, through Header.Set
	lower                     // all lower case, by direct map assignment
)

// nxRequest describes one hand-built NXCloud request.
type nxRequest struct {
	path      string
	accessKey string
	secret    string // the secret the signature is computed with
	ts        string
	bizType   string
	action    string
	alg       sign.Algorithm // the hash the signature is computed with
	algHeader string         // the algorithm header's value; "" sends none
	body      string         // the bytes that are signed
	sent      *string        // the bytes that are sent, when not body
	omit      string         // a header (sign.HeaderXxx) left out
	spelling  spelling
	// noContentType sends no Content-Type header (a body-less request).
	noContentType bool
	// signature, when set, is sent instead of the one computed from body.
	signature string
}

func validNX(op nxOp) nxRequest {
	return nxRequest{
		path:      op.path,
		accessKey: mock.DefaultAccessKey,
		secret:    mock.DefaultAccessSecret,
		ts:        strconv.FormatInt(fixedNow.UnixMilli(), 10),
		bizType:   op.bizType,
		action:    op.action,
		alg:       sign.MD5,
		body:      op.valid,
	}
}

func (r nxRequest) build(t *testing.T, baseURL string) *http.Request {
	t.Helper()
	p := sign.Params{AccessKey: r.accessKey, TS: r.ts, BizType: r.bizType, Action: r.action}
	sig, err := sign.Sign(r.alg, p, []byte(r.body), r.secret)
	require.NoError(t, err)
	if r.signature != "" {
		sig = r.signature
	}
	sent := r.body
	if r.sent != nil {
		sent = *r.sent
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+r.path, strings.NewReader(sent))
	require.NoError(t, err)
	if !r.noContentType {
		req.Header.Set("Content-Type", "application/json")
	}
	headers := [][2]string{
		{sign.HeaderAccessKey, r.accessKey},
		{sign.HeaderTS, r.ts},
		{sign.HeaderBizType, r.bizType},
		{sign.HeaderAction, r.action},
		{sign.HeaderSign, sig},
	}
	if r.algHeader != "" {
		headers = append(headers, [2]string{sign.HeaderAlgorithm, r.algHeader})
	}
	for _, h := range headers {
		name, value := h[0], h[1]
		if name == r.omit {
			continue
		}
		switch r.spelling {
		case exact:
			req.Header[name] = []string{value}
		case canonical:
			req.Header.Set(name, value)
		case lower:
			req.Header[strings.ToLower(name)] = []string{value}
		}
	}
	return req
}

// reply is a decoded JSON answer.
type reply struct {
	status int
	fields map[string]json.RawMessage
	header http.Header
}

func (r reply) code(t *testing.T) int {
	t.Helper()
	raw, ok := r.fields["code"]
	require.True(t, ok, "the answer has no code: %v", r.fields)
	var c int
	require.NoError(t, json.Unmarshal(raw, &c))
	return c
}

func send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &fields), "body: %s", b)
	return reply{status: resp.StatusCode, fields: fields, header: resp.Header}
}

func ptr(s string) *string { return &s }

// TestNXCloudAuthentication runs every signing-layer case against each
// NXCloud operation: HTTP 200 always, the vendor's code, the product's
// message key, and data null on a rejection.
func TestNXCloudAuthentication(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	ms := func(d time.Duration) string { return strconv.FormatInt(fixedNow.Add(d).UnixMilli(), 10) }
	code := func(c int) func(nxOp) int { return func(nxOp) int { return c } }
	accepted := func(o nxOp) int { return o.okCode }
	invalid := func(o nxOp) int { return o.invalidCode }

	cases := []struct {
		name string
		edit func(r *nxRequest, op nxOp)
		want func(nxOp) int
	}{
		{"valid MD5, exact header names", func(*nxRequest, nxOp) {}, accepted},
		{"valid MD5, canonical header names via Header.Set", func(r *nxRequest, _ nxOp) { r.spelling = canonical }, accepted},
		{"valid MD5, lower-case header names", func(r *nxRequest, _ nxOp) { r.spelling = lower }, accepted},
		{"valid SHA-256", func(r *nxRequest, _ nxOp) { r.alg, r.algHeader = sign.SHA256, "sha256" }, accepted},
		{"valid SHA-256, lower-case header names", func(r *nxRequest, _ nxOp) {
			r.alg, r.algHeader, r.spelling = sign.SHA256, "sha256", lower
		}, accepted},
		{"valid MD5 with algorithm: md5", func(r *nxRequest, _ nxOp) { r.algHeader = "md5" }, accepted},
		{"ts exactly 60 s in the past", func(r *nxRequest, _ nxOp) { r.ts = ms(-60 * time.Second) }, accepted},
		{"ts exactly 60 s in the future", func(r *nxRequest, _ nxOp) { r.ts = ms(60 * time.Second) }, accepted},

		{"missing accessKey", func(r *nxRequest, _ nxOp) { r.omit = sign.HeaderAccessKey }, code(1001)},
		{"missing ts", func(r *nxRequest, _ nxOp) { r.omit = sign.HeaderTS }, code(1001)},
		{"missing bizType", func(r *nxRequest, _ nxOp) { r.omit = sign.HeaderBizType }, code(1001)},
		{"missing action", func(r *nxRequest, _ nxOp) { r.omit = sign.HeaderAction }, code(1001)},
		{"missing sign", func(r *nxRequest, _ nxOp) { r.omit = sign.HeaderSign }, code(1001)},
		{"missing sign, lower-case names", func(r *nxRequest, _ nxOp) { r.omit, r.spelling = sign.HeaderSign, lower }, code(1001)},

		{"wrong bizType", func(r *nxRequest, _ nxOp) { r.bizType = "7" }, code(1002)},
		{"another operation's action", func(r *nxRequest, op nxOp) { r.action = op.otherAction }, code(1002)},

		{"ts 61 s in the past", func(r *nxRequest, _ nxOp) { r.ts = ms(-61 * time.Second) }, code(1004)},
		{"ts 61 s in the future", func(r *nxRequest, _ nxOp) { r.ts = ms(61 * time.Second) }, code(1004)},
		{"ts in seconds, not milliseconds", func(r *nxRequest, _ nxOp) { r.ts = strconv.FormatInt(fixedNow.Unix(), 10) }, code(1004)},
		{"ts not a number", func(r *nxRequest, _ nxOp) { r.ts = "yesterday" }, code(1004)},

		{"unknown accessKey", func(r *nxRequest, _ nxOp) { r.accessKey = "someone-else" }, code(1005)},

		{"wrong secret", func(r *nxRequest, _ nxOp) { r.secret = "not-the-secret" }, code(1003)},
		{"body altered after signing (extra space)", func(r *nxRequest, _ nxOp) {
			r.sent = ptr(strings.Replace(r.body, ":", ": ", 1)) // every body has a colon, not every one a comma
		}, code(1003)},
		{"body altered after signing (trailing newline)", func(r *nxRequest, _ nxOp) { r.sent = ptr(r.body + "\n") }, code(1003)},
		{"body dropped after signing", func(r *nxRequest, _ nxOp) { r.sent = ptr("") }, code(1003)},
		{"SHA-256 signature without algorithm header", func(r *nxRequest, _ nxOp) { r.alg = sign.SHA256 }, code(1003)},
		{"MD5 signature with algorithm: sha256", func(r *nxRequest, _ nxOp) { r.algHeader = "sha256" }, code(1003)},

		{"missing required field", func(r *nxRequest, op nxOp) { r.body = op.missing }, invalid},
		{"empty required field", func(r *nxRequest, op nxOp) { r.body = op.empty }, invalid},
		{"body not JSON", func(r *nxRequest, _ nxOp) { r.body = `appkey=app1&phone=1` }, invalid},
		{"body a truncated object", func(r *nxRequest, op nxOp) { r.body = op.valid[:len(op.valid)-1] }, invalid},
		{"empty body", func(r *nxRequest, _ nxOp) { r.body = "" }, invalid},
		{"field of the wrong type", func(r *nxRequest, _ nxOp) {
			r.body = `{"appkey":1,"requestId":2,"phone":3,"userIp":4,"phone_number":5,"code":6}`
		}, invalid},
	}
	for _, op := range nxOps {
		t.Run(op.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := validNX(op)
					tc.edit(&r, op)
					got := send(t, r.build(t, m.URL))
					want := tc.want(op)

					assert.Equal(t, http.StatusOK, got.status, "NXCloud always answers HTTP 200")
					assert.Equal(t, want, got.code(t))
					assert.Contains(t, got.fields, op.msgKey, "%s uses %q", op.name, op.msgKey)
					assert.NotContains(t, got.fields, op.otherKey, "%s does not use %q", op.name, op.otherKey)
					assert.Contains(t, got.fields, "data")
					if want != 0 {
						assert.JSONEq(t, "null", string(got.fields["data"]), "data is null on a failure")
					}
				})
			}
		})
	}
}

// TestNXCloudSignatureOverRawBytes checks that the signature is computed over
// the bytes as sent, before the body is parsed or validated, and that the
// body is not re-serialised (no canonical key order, no defaults filled in).
func TestNXCloudSignatureOverRawBytes(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	initOp, verifyOp := nxOps[0], nxOps[1]
	reordered := `{"userIp":"10.0.0.1","phone":"8613800000000","appkey":"app1"}`

	cases := []struct {
		name string
		op   nxOp
		body string
		sent *string
		want int
	}{
		{"verify: odd whitespace, key order and an unknown field", verifyOp, `{ "requestId":"x" ,  "appkey":"a", "extra" : [1, {"k": null}]}`, nil, 2205},
		{"verify: odd whitespace and key order", verifyOp, `{ "requestId":"x" ,  "appkey":"a"}`, nil, 2205},
		{"init: pretty-printed with an unknown field", initOp, "{\n  \"phone\": \"8613800000000\",\n  \"unknown\": true,\n  \"userIp\": \"10.0.0.1\",\n  \"appkey\": \"app1\"\n}\n", nil, 0},
		{"init: key order changed, signed as sent", initOp, reordered, nil, 0},
		{"init: key order changed after signing", initOp, initOp.valid, ptr(reordered), 1003},
		{"init: unicode escapes kept as sent", initOp, `{"appkey":"\u0061pp1","phone":"8613800000000","userIp":"10.0.0.1"}`, nil, 0},
		{"init: unicode escapes decoded after signing", initOp, `{"appkey":"\u0061pp1","phone":"8613800000000","userIp":"10.0.0.1"}`, ptr(initOp.valid), 1003},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validNX(tc.op)
			r.body, r.sent = tc.body, tc.sent
			got := send(t, r.build(t, m.URL))
			assert.Equal(t, http.StatusOK, got.status)
			assert.Equal(t, tc.want, got.code(t))
		})
	}
}

// TestNXCloudInitThenVerifyRaw follows the OTA state by hand: the id init
// returns is known to verify for the same appkey only.
func TestNXCloudInitThenVerifyRaw(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	initOp, verifyOp := nxOps[0], nxOps[1]

	got := send(t, validNX(initOp).build(t, m.URL))
	require.Equal(t, 0, got.code(t))
	var data struct {
		RequestID string `json:"requestId"`
		URL       string `json:"url"`
	}
	require.NoError(t, json.Unmarshal(got.fields["data"], &data))
	assert.Len(t, data.RequestID, 32)
	assert.Contains(t, data.URL, data.RequestID)

	cases := []struct {
		name, body string
		want       int
		status     string
	}{
		{"same appkey", `{"appkey":"app1","requestId":"` + data.RequestID + `"}`, 0, "SUCCESS"},
		{"same appkey, keys reordered", `{"requestId":"` + data.RequestID + `","appkey":"app1"}`, 0, "SUCCESS"},
		{"another appkey", `{"appkey":"app2","requestId":"` + data.RequestID + `"}`, 2205, ""},
		{"id in upper case", `{"appkey":"app1","requestId":"` + strings.ToUpper(data.RequestID) + `"}`, 2205, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validNX(verifyOp)
			r.body = tc.body
			got := send(t, r.build(t, m.URL))
			require.Equal(t, tc.want, got.code(t))
			if tc.want != 0 {
				assert.JSONEq(t, "null", string(got.fields["data"]))
				return
			}
			var v struct {
				RequestID string `json:"requestId"`
				Status    string `json:"status"`
			}
			require.NoError(t, json.Unmarshal(got.fields["data"], &v))
			assert.Equal(t, data.RequestID, v.RequestID)
			assert.Equal(t, tc.status, v.Status)
		})
	}
}

func basic(key, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))
}

// TestEngageLabRejections checks EngageLab's HTTP 4xx answers with
// {code, message}.
func TestEngageLabRejections(t *testing.T) {
	m := mock.Start(t)
	good := basic(m.DevKey, m.DevSecret)
	valid := `{"message_id":"unknown-message","verify_code":"123456"}`

	cases := []struct {
		name       string
		auth       string // the Authorization header; "" sends none
		body       string
		wantStatus int
		wantCode   int
	}{
		{"missing Authorization", "", valid, http.StatusUnauthorized, 2001},
		{"wrong secret", basic(m.DevKey, "wrong"), valid, http.StatusUnauthorized, 2001},
		{"unknown key", basic("someone-else", m.DevSecret), valid, http.StatusUnauthorized, 2001},
		{"empty key and secret", basic("", ""), valid, http.StatusUnauthorized, 2001},
		{"bearer instead of basic", "Bearer " + m.DevSecret, valid, http.StatusUnauthorized, 2001},
		{"credentials checked before the body", basic(m.DevKey, "wrong"), `not json`, http.StatusUnauthorized, 2001},
		{"body not JSON", good, `not json`, http.StatusBadRequest, 3001},
		{"body a truncated object", good, valid[:len(valid)-1], http.StatusBadRequest, 3001},
		{"missing message_id", good, `{"verify_code":"123456"}`, http.StatusBadRequest, 3002},
		{"empty verify_code", good, `{"message_id":"m1","verify_code":""}`, http.StatusBadRequest, 3002},
		{"missing both fields", good, `{}`, http.StatusBadRequest, 3002},
		{"verify_code a number", good, `{"message_id":"m1","verify_code":123456}`, http.StatusBadRequest, 3002},
		{"empty body", good, ``, http.StatusBadRequest, 3002},
		{"unknown message", good, valid, http.StatusBadRequest, 4001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, m.URL+"/v1/verifications", strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			got := send(t, req)
			assert.Equal(t, tc.wantStatus, got.status)
			assert.Equal(t, tc.wantCode, got.code(t))
			assert.Contains(t, got.fields, "message")
			assert.NotContains(t, got.fields, "data", "EngageLab has no envelope")
		})
	}
}

// TestEngageLabVerifyOnceRaw follows an OTP by hand: wrong code, right code,
// then 3003.
func TestEngageLabVerifyOnceRaw(t *testing.T) {
	m := mock.Start(t)
	m.AddOTPMessage("m1", "667090")

	steps := []struct {
		code       string
		wantStatus int
		wantCode   int // for a failure
		verified   bool
	}{
		{"000000", http.StatusOK, 0, false},
		{"667090", http.StatusOK, 0, true},
		{"667090", http.StatusBadRequest, 3003, false},
		{"000000", http.StatusBadRequest, 3003, false},
	}
	for i, s := range steps {
		req, err := http.NewRequest(http.MethodPost, m.URL+"/v1/verifications",
			strings.NewReader(`{"message_id":"m1","verify_code":"`+s.code+`"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(m.DevKey, m.DevSecret)
		got := send(t, req)
		require.Equal(t, s.wantStatus, got.status, "step %d", i)
		if s.wantStatus != http.StatusOK {
			assert.Equal(t, s.wantCode, got.code(t), "step %d", i)
			continue
		}
		assert.JSONEq(t, `"m1"`, string(got.fields["message_id"]), "step %d", i)
		assert.JSONEq(t, strconv.Quote(s.code), string(got.fields["verify_code"]), "step %d", i)
		assert.JSONEq(t, strconv.FormatBool(s.verified), string(got.fields["verified"]), "step %d", i)
	}
}

// TestRouting covers what is answered before any vendor logic: unknown
// paths (404), a known path with a method it does not take (405 with an
// Allow header naming the ones it does), and the body size bound.
func TestRouting(t *testing.T) {
	const limit = 256
	m := mock.Start(t, mock.Config{MaxBodyBytes: limit, Now: fixedClock})
	// A valid EngageLab body padded with spaces to exactly n bytes.
	padded := func(n int) string {
		b := `{"message_id":"m","verify_code":"1"}`
		return b + strings.Repeat(" ", n-len(b))
	}

	cases := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		wantCode   int    // 0: the same as wantStatus
		wantAllow  string // the Allow header
	}{
		{"unknown path", http.MethodPost, "/api/ota/nothing", `{}`, http.StatusNotFound, 0, ""},
		{"root", http.MethodGet, "/", ``, http.StatusNotFound, 0, ""},
		{"path of another vendor's prefix", http.MethodPost, "/v1/verifications/extra", `{}`, http.StatusNotFound, 0, ""},
		{"GET on the OTA init path", http.MethodGet, "/api/ota/init", ``, http.StatusMethodNotAllowed, 0, "POST"},
		{"GET on the WhatsApp path", http.MethodGet, "/api/wa/integrator/embedded/register/checkCode", ``, http.StatusMethodNotAllowed, 0, "POST"},
		{"PUT on the EngageLab verify path", http.MethodPut, "/v1/verifications", `{}`, http.StatusMethodNotAllowed, 0, "POST"},
		{"DELETE on the template list", http.MethodDelete, "/v1/template-configs", ``, http.StatusMethodNotAllowed, 0, "GET, POST"},
		{"POST on a template", http.MethodPost, "/v1/template-configs/verify-login", `{}`, http.StatusMethodNotAllowed, 0, "DELETE, GET"},
		{"a method no spec uses", "PATCH", "/api/ota/verify", `{}`, http.StatusMethodNotAllowed, 0, "POST"},
		{"EngageLab body over the limit", http.MethodPost, "/v1/verifications", padded(limit + 1), http.StatusRequestEntityTooLarge, 0, ""},
		{"NXCloud body over the limit", http.MethodPost, "/api/ota/init", strings.Repeat("x", 4*limit), http.StatusRequestEntityTooLarge, 0, ""},
		// At the limit the body is read and authentication runs (no credentials: 401).
		{"EngageLab body at the limit", http.MethodPost, "/v1/verifications", padded(limit), http.StatusUnauthorized, 2001, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, m.URL+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			got := send(t, req)
			assert.Equal(t, tc.wantStatus, got.status)
			want := tc.wantCode
			if want == 0 {
				want = tc.wantStatus // the mock's own answers repeat the status
			}
			assert.Equal(t, want, got.code(t))
			assert.Contains(t, got.fields, "message")
			assert.Equal(t, tc.wantAllow, got.header.Get("Allow"))
		})
	}
}

// TestStartCredentials checks that Start returns the first key pair of each
// vendor's credentials, in key order, and the defaults without a Config.
func TestStartCredentials(t *testing.T) {
	cases := []struct {
		name                    string
		cfg                     []mock.Config
		accessKey, accessSecret string
		devKey, devSecret       string
	}{
		{"defaults", nil, mock.DefaultAccessKey, mock.DefaultAccessSecret, mock.DefaultDevKey, mock.DefaultDevSecret},
		{"zero Config", []mock.Config{{}}, mock.DefaultAccessKey, mock.DefaultAccessSecret, mock.DefaultDevKey, mock.DefaultDevSecret},
		{"custom keys", []mock.Config{{
			NXCloudKeys:   map[string]string{"nx-b": "sb", "nx-a": "sa", "nx-c": "sc"},
			EngageLabKeys: map[string]string{"el-z": "sz", "el-y": "sy"},
		}}, "nx-a", "sa", "el-y", "sy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t, tc.cfg...)
			assert.NotEmpty(t, m.URL)
			assert.NotNil(t, m.Server)
			assert.Equal(t, tc.accessKey, m.AccessKey)
			assert.Equal(t, tc.accessSecret, m.AccessSecret)
			assert.Equal(t, tc.devKey, m.DevKey)
			assert.Equal(t, tc.devSecret, m.DevSecret)
		})
	}
}

// TestSkipRequestValidation checks that turning validation off still
// authenticates and still needs a JSON body, but lets a body that breaks the
// schema through to the handler.
func TestSkipRequestValidation(t *testing.T) {
	cases := []struct {
		name     string
		skip     bool
		edit     func(r *nxRequest)
		wantCode int
	}{
		{"validated: missing requestId", false, func(r *nxRequest) { r.body = `{"appkey":"app1"}` }, 9901},
		{"skipped: missing requestId reaches verify", true, func(r *nxRequest) { r.body = `{"appkey":"app1"}` }, 2205},
		{"skipped: wrong type reaches verify", true, func(r *nxRequest) { r.body = `{"appkey":"app1","requestId":7}` }, 2205},
		{"skipped: still authenticated", true, func(r *nxRequest) { r.body, r.secret = `{"appkey":"app1"}`, "wrong" }, 1003},
		{"skipped: still needs JSON", true, func(r *nxRequest) { r.body = `appkey=app1` }, 9901},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t, mock.Config{Now: fixedClock, SkipRequestValidation: tc.skip})
			r := validNX(nxOps[1])
			tc.edit(&r)
			got := send(t, r.build(t, m.URL))
			assert.Equal(t, http.StatusOK, got.status)
			assert.Equal(t, tc.wantCode, got.code(t))
		})
	}
}

// TestContentTypeParameters checks that a JSON media type with parameters
// is accepted, as the signature does not cover the header.
func TestContentTypeParameters(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	for _, op := range nxOps {
		t.Run(op.name, func(t *testing.T) {
			req := validNX(op).build(t, m.URL)
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			got := send(t, req)
			assert.Equal(t, op.okCode, got.code(t))
		})
	}
}

// TestNXCloudBodilessLogin checks WhatsApp login, which takes no body: it
// is signed without "&body=", needs no Content-Type, and a body sent anyway
// must be the one that was signed.
func TestNXCloudBodilessLogin(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	ts := strconv.FormatInt(fixedNow.UnixMilli(), 10)
	login := nxRequest{
		path:          waLoginPath,
		accessKey:     mock.DefaultAccessKey,
		secret:        mock.DefaultAccessSecret,
		ts:            ts,
		bizType:       "2",
		action:        "login",
		alg:           sign.MD5,
		noContentType: true,
	}
	// The string-to-sign written out by hand, with and without the body part.
	headersStr := "accessKey=" + mock.DefaultAccessKey + "&action=login&bizType=2&ts=" + ts
	withoutBody := md5Hex(headersStr + "&accessSecret=" + mock.DefaultAccessSecret)
	withEmptyBody := md5Hex(headersStr + "&body=&accessSecret=" + mock.DefaultAccessSecret)
	require.NotEqual(t, withoutBody, withEmptyBody)

	cases := []struct {
		name string
		edit func(r *nxRequest)
		want int
	}{
		{"no body, no Content-Type", func(*nxRequest) {}, 0},
		{"no body, Content-Type application/json", func(r *nxRequest) { r.noContentType = false }, 0},
		{"no body, SHA-256", func(r *nxRequest) { r.alg, r.algHeader = sign.SHA256, "sha256" }, 0},
		{"no body, lower-case header names", func(r *nxRequest) { r.spelling = lower }, 0},
		{"signature written out without &body=", func(r *nxRequest) { r.signature = withoutBody }, 0},
		{"signature over an empty &body=", func(r *nxRequest) { r.signature = withEmptyBody }, 1003},
		{"a body sent but not signed", func(r *nxRequest) { r.sent = ptr(`{}`) }, 1003},
		{"a JSON body, signed and sent as JSON", func(r *nxRequest) { r.body, r.noContentType = `{}`, false }, 0},
		{"a body signed but not sent as JSON", func(r *nxRequest) { r.body = `{}` }, 1003},
		{"wrong secret", func(r *nxRequest) { r.secret = "not-the-secret" }, 1003},
		{"missing sign", func(r *nxRequest) { r.omit = sign.HeaderSign }, 1001},
		{"another operation's action", func(r *nxRequest) { r.action = "getCode" }, 1002},
		{"ts 61 s in the past", func(r *nxRequest) {
			r.ts = strconv.FormatInt(fixedNow.Add(-61*time.Second).UnixMilli(), 10)
		}, 1004},
	}
	tokens := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := login
			tc.edit(&r)
			got := send(t, r.build(t, m.URL))
			assert.Equal(t, http.StatusOK, got.status)
			require.Equal(t, tc.want, got.code(t))
			assert.Contains(t, got.fields, "message")
			if tc.want != 0 {
				assert.JSONEq(t, "null", string(got.fields["data"]))
				return
			}
			var data struct {
				Token string `json:"token"`
			}
			require.NoError(t, json.Unmarshal(got.fields["data"], &data))
			require.NotEmpty(t, data.Token)
			assert.False(t, tokens[data.Token], "every login issues a new token")
			tokens[data.Token] = true
		})
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
