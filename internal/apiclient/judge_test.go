package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

func mustOp(t testing.TB, spec, id string) *specs.Operation {
	t.Helper()
	op, ok := specs.MustLoad(spec).Operation(id)
	require.True(t, ok, "%s has no operation %s", spec, id)
	return op
}

// exampleIsSuccess is the oracle for a documented answer, written apart
// from judge: the success status, and, where a code decides, the code
// field holding one of the rule's success values.
func exampleIsSuccess(op *specs.Operation, status int, body []byte) bool {
	if status != op.Success.Status {
		return false
	}
	if op.Success.CodeField == "" {
		return true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	return op.Success.IsSuccessCode(m[op.Success.CodeField])
}

// payloadOf is the payload of a success, decoded into a fresh value of the
// type that out points to: the rule's payload field, or the whole body.
func payloadOf(t testing.TB, op *specs.Operation, body []byte, out any) any {
	t.Helper()
	raw := json.RawMessage(body)
	if op.Success.Payload != "" {
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &m))
		raw = m[op.Success.Payload]
	}
	want := reflect.New(reflect.TypeOf(out).Elem())
	require.NoError(t, json.Unmarshal(raw, want.Interface()))
	return want.Interface()
}

// oneAnswer is a transport that answers every request with one response.
type oneAnswer struct {
	status int
	header http.Header
	body   []byte
	// token, for an operation that sends another's token (x-token), is
	// what the issuer's path answers: its success example.
	tokenPath string
	tokenBody []byte
}

func (a oneAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	if a.tokenPath != "" && r.URL.Path == a.tokenPath {
		a.status, a.body = http.StatusOK, a.tokenBody
	}
	h := a.header.Clone()
	if h == nil {
		h = http.Header{"Content-Type": {"application/json"}}
	}
	return &http.Response{
		StatusCode: a.status, Status: fmt.Sprint(a.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(string(a.body))), ContentLength: int64(len(a.body)), Request: r,
	}, nil
}

// Every documented answer of every operation, served to its typed method:
// a success comes back decoded into the generated type, a failure as an
// *apierror.Error with the documented code and the kind the spec gives it.
func TestTypedMethodsOnTheSpecExamples(t *testing.T) {
	methods := map[string]typedOp{}
	for _, to := range allOps(t) {
		methods[to.op.FullName()] = to
	}
	successes, failures := 0, 0
	for _, ex := range responseExamples(t) {
		to, ok := methods[ex.op.FullName()]
		require.True(t, ok)
		t.Run(ex.op.FullName()+" "+ex.name, func(t *testing.T) {
			answer := oneAnswer{status: ex.status, body: ex.body}
			if tok := ex.op.Token; tok != nil {
				from, ok := ex.op.Doc.Operation(tok.From)
				require.True(t, ok)
				answer.tokenPath, answer.tokenBody = from.SendPath, successBody(t, from)
			}
			c, err := newVendorClient(ex.op.Doc.SDK.Vendor,
				option.WithHTTPClient(&http.Client{Transport: answer}),
				option.WithoutRetries())
			require.NoError(t, err)
			res, err := to.call(context.Background(), c)
			if exampleIsSuccess(ex.op, ex.status, ex.body) {
				successes++
				require.NoError(t, err)
				if to.result == nil {
					assert.Nil(t, res)
					return
				}
				require.True(t, resultIsSet(res))
				want := payloadOf(t, ex.op, ex.body, to.newOut())
				if to.result.Kind() == reflect.Slice { // the method returns the slice itself
					want = reflect.ValueOf(want).Elem().Interface()
				}
				assert.Equal(t, want, res)
				return
			}
			failures++
			assert.Nil(t, res)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, ex.op.FullName(), ae.Operation)
			assert.Equal(t, ex.status, ae.StatusCode)
			assert.Empty(t, ae.Reason, "the vendor's own failure needs no reason of the SDK's")
			code, numeric := codeOf(t, ex.body) // a number, or a number written as text
			if !numeric {                       // a word ("failed"), kept as CodeText with its message
				assert.False(t, ae.HasCode)
				assert.NotEmpty(t, ae.CodeText)
				if hasMessage(ex.body) {
					assert.NotEmpty(t, ae.Message)
				} else {
					assert.NotEmpty(t, ae.Body)
				}
				return
			}
			assert.True(t, ae.HasCode)
			assert.Equal(t, code, ae.Code)
			if hasMessage(ex.body) {
				assert.NotEmpty(t, ae.Message)
			}
			want := kindSentinel[ex.op.ErrorKind(code)]
			if want == nil {
				switch ex.status {
				case http.StatusUnauthorized, http.StatusForbidden:
					want = apierror.ErrAuth
				case http.StatusTooManyRequests:
					want = apierror.ErrTooFrequent
				}
			}
			assert.Equal(t, want, ae.Kind) //nolint:testifylint // identity of the sentinel
		})
	}
	assert.Positive(t, successes)
	assert.Positive(t, failures)
}

func TestJudge(t *testing.T) {
	const (
		nx       = "nxcloud/ota"
		wa       = "nxcloud/wa-integrator"
		el       = "engagelab/otp"
		initOK   = `{"code":0,"msg":"Request successful","data":{"requestId":"r","url":"u"}}`
		notFound = `{"code":4001,"message":"template does not exist"}`
	)
	long := strings.Repeat("é", 1000)
	tests := []struct {
		name, spec, op string
		status         int
		header         http.Header
		body           string
		ok             bool
		hasCode        bool
		code           int
		reason         string // contained in Reason; "" = none
		excerpt        string // the Body excerpt; "" = none
		kind           error  // what judge itself says the failure is
	}{
		{name: "NXCloud success", spec: nx, op: "init", status: 200, body: initOK, ok: true},
		{name: "NXCloud code -0", spec: nx, op: "init", status: 200, body: `{"code":-0,"msg":"ok","data":{"requestId":"r","url":"u"}}`, ok: true},
		// The code is compared as a JSON number: 0.0 and 0e0 are 0.
		{name: "NXCloud code 0.0", spec: nx, op: "init", status: 200, body: `{"code":0.0,"msg":"ok","data":{"requestId":"r","url":"u"}}`, ok: true},
		{name: "NXCloud code 0e0", spec: nx, op: "init", status: 200, body: `{"code":0e0,"msg":"ok","data":{"requestId":"r","url":"u"}}`, ok: true},
		{name: "NXCloud failure code", spec: nx, op: "init", status: 200, body: `{"code":88,"msg":"Request failed","data":null}`, hasCode: true, code: 88},
		{name: "NXCloud failure code with data", spec: nx, op: "init", status: 200, body: `{"code":2206,"msg":"too frequent","data":{"requestId":"r","url":"u"}}`, hasCode: true, code: 2206},
		{name: "NXCloud code as a string", spec: nx, op: "init", status: 200, body: `{"code":"0","msg":"ok","data":{"requestId":"r","url":"u"}}`, excerpt: `{"code":"0","msg":"ok","data":{"requestId":"r","url":"u"}}`},
		{name: "NXCloud code null", spec: nx, op: "init", status: 200, body: `{"code":null,"data":{"requestId":"r","url":"u"}}`, excerpt: `{"code":null,"data":{"requestId":"r","url":"u"}}`},
		{name: "NXCloud without code", spec: nx, op: "init", status: 200, body: `{"msg":"ok","data":{"requestId":"r","url":"u"}}`, excerpt: `{"msg":"ok","data":{"requestId":"r","url":"u"}}`},
		{name: "NXCloud an array", spec: nx, op: "init", status: 200, body: `[{"code":0}]`, excerpt: `[{"code":0}]`},
		{name: "NXCloud data null", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":"ok","data":null}`, reason: "carries no data", excerpt: `{"code":0,"msg":"ok","data":null}`, kind: apierror.ErrOutcomeUnknown},
		{name: "NXCloud data absent", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":"ok"}`, reason: "carries no data", excerpt: `{"code":0,"msg":"ok"}`, kind: apierror.ErrOutcomeUnknown},
		{name: "NXCloud data in another case", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":"ok","Data":{"requestId":"r","url":"u"}}`, reason: "ambiguous", excerpt: `{"code":0,"msg":"ok","Data":{"requestId":"r","url":"u"}}`, kind: apierror.ErrOutcomeUnknown},
		{name: "NXCloud data of the wrong shape", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":"ok","data":"link"}`, reason: "does not match the operation's success schema", excerpt: `{"code":0,"msg":"ok","data":"link"}`, kind: apierror.ErrOutcomeUnknown},
		{name: "NXCloud data missing a required field", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":"ok","data":{"requestId":"r"}}`, reason: "url", excerpt: `{"code":0,"msg":"ok","data":{"requestId":"r"}}`, kind: apierror.ErrOutcomeUnknown},
		{name: "NXCloud msg not a string", spec: nx, op: "init", status: 200, body: `{"code":0,"msg":1,"data":{"requestId":"r","url":"u"}}`, reason: "does not match the operation's success schema", excerpt: `{"code":0,"msg":1,"data":{"requestId":"r","url":"u"}}`, kind: apierror.ErrOutcomeUnknown},
		// An answer with the success code that breaks the success schema
		// is no vendor failure: the error claims no code (not "code 0:
		// ok"), says what was wrong, and for an unsafe operation says the
		// outcome is unknown, since the server may have done it.
		{name: "NXCloud list-templates malformed", spec: "nxcloud/whatsapp", op: "listTemplates", status: 200, body: `{"code":0,"message":"ok","data":{"data":"none"}}`, reason: "does not match the operation's success schema: data.data", excerpt: `{"code":0,"message":"ok","data":{"data":"none"}}`},
		{name: "NXCloud list-templates failure code", spec: "nxcloud/whatsapp", op: "listTemplates", status: 200, body: `{"code":9001,"message":"no such app","data":null}`, hasCode: true, code: 9001},
		{name: "EngageLab send-code empty object", spec: el, op: "sendCode", status: 200, body: `{}`, reason: "success schema", excerpt: `{}`, kind: apierror.ErrOutcomeUnknown},
		{name: "EngageLab send-code with a vendor code", spec: el, op: "sendCode", status: 200, body: `{"code":1003,"msg":"bad"}`, hasCode: true, code: 1003, reason: "success schema"},
		{name: "NXCloud HTTP 500 with code 0", spec: nx, op: "init", status: 500, body: `{"code":0,"msg":"ok"}`, hasCode: true, code: 0},
		{name: "NXCloud empty object data where nothing is returned", spec: wa, op: "getCode", status: 200, body: `{"code":0,"data":{},"message":"Request successful"}`, ok: true},
		{name: "NXCloud null data where nothing is returned", spec: wa, op: "checkCode", status: 200, body: `{"code":0,"data":null,"message":"Request successful"}`, ok: true},
		{name: "NXCloud empty list", spec: wa, op: "phoneList", status: 200, body: `{"code":0,"data":[],"message":"Request successful"}`, ok: true},
		{name: "NXCloud object for a list", spec: wa, op: "phoneList", status: 200, body: `{"code":0,"data":{},"message":"Request successful"}`, reason: "success schema", excerpt: `{"code":0,"data":{},"message":"Request successful"}`},
		{name: "NXCloud null list", spec: wa, op: "phoneList", status: 200, body: `{"code":0,"data":null,"message":"Request successful"}`, reason: "carries no data", excerpt: `{"code":0,"data":null,"message":"Request successful"}`},
		{name: "EngageLab success", spec: el, op: "verify", status: 200, body: `{"message_id":"1","verify_code":"2","verified":true}`, ok: true},
		{name: "EngageLab success with another status", spec: el, op: "verify", status: 201, body: `{"message_id":"1","verify_code":"2","verified":true}`, excerpt: `{"message_id":"1","verify_code":"2","verified":true}`},
		{name: "EngageLab failure", spec: el, op: "getTemplate", status: 400, body: notFound, hasCode: true, code: 4001},
		{name: "EngageLab open channel list", spec: el, op: "sendMessage", status: 200, body: `{"message_id":"1","send_channel":"pwa"}`, ok: true},
		{name: "EngageLab null", spec: el, op: "sendMessage", status: 200, body: `null`, reason: "success schema", excerpt: "null", kind: apierror.ErrOutcomeUnknown},
		{name: "EngageLab a string", spec: el, op: "sendMessage", status: 200, body: `"ok"`, reason: "success schema", excerpt: `"ok"`, kind: apierror.ErrOutcomeUnknown},
		{name: "EngageLab empty list", spec: el, op: "listTemplates", status: 200, body: `[]`, ok: true},
		{name: "EngageLab object for a list", spec: el, op: "listTemplates", status: 200, body: `{"templates":[]}`, reason: "success schema", excerpt: `{"templates":[]}`},
		{name: "EngageLab null list", spec: el, op: "listTemplates", status: 200, body: `null`, reason: "success schema", excerpt: "null"},
		{name: "EngageLab template change done", spec: el, op: "createTemplate", status: 200, body: `{"code":0,"message":"success"}`, ok: true},
		{name: "EngageLab template change failed with HTTP 200", spec: el, op: "createTemplate", status: 200, body: `{"code":3003,"message":"template already exists"}`, hasCode: true, code: 3003},
		{name: "EngageLab template change with an unknown code", spec: el, op: "deleteTemplate", status: 200, body: `{"code":424242,"message":"something new"}`, hasCode: true, code: 424242},
		{name: "EngageLab template change without code", spec: el, op: "createTemplate", status: 200, body: `{"message":"success"}`, excerpt: `{"message":"success"}`},
		{name: "EngageLab template change with a string code", spec: el, op: "createTemplate", status: 200, body: `{"code":"0","message":"success"}`, excerpt: `{"code":"0","message":"success"}`},
		{name: "EngageLab template change as an array", spec: el, op: "createTemplate", status: 200, body: `[]`, excerpt: `[]`},
		{name: "redirect", spec: el, op: "verify", status: 302, header: http.Header{"Location": {"https://elsewhere.example/x"}}, reason: `redirect to "https://elsewhere.example/x" not followed`},
		{name: "redirect without a Location", spec: nx, op: "verify", status: 307, reason: `redirect to "" not followed`},
		{name: "not JSON", spec: el, op: "verify", status: 200, body: "<html>ok</html>", reason: "the answer is not JSON", excerpt: "<html>ok</html>"},
		{name: "empty", spec: nx, op: "verify", status: 200, reason: "the answer is not JSON"},
		{name: "long non-JSON body", spec: nx, op: "verify", status: 502, body: long, excerpt: long[:apierror.ExcerptLen] + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustOp(t, tt.spec, tt.op)
			to, err := findMethod(op)
			require.NoError(t, err)
			out := to.newOut()
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			resp := &http.Response{StatusCode: tt.status, Header: h}
			err = apiclient.Judge(op, resp, []byte(tt.body), out)
			if tt.ok {
				require.NoError(t, err)
				if out != nil {
					assert.Equal(t, payloadOf(t, op, []byte(tt.body), out), out)
				}
				return
			}
			var ae *apierror.Error
			require.True(t, errors.As(err, &ae), "want *apierror.Error, got %T: %v", err, err)
			assert.Equal(t, op.FullName(), ae.Operation)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.hasCode, ae.HasCode)
			assert.Equal(t, tt.code, ae.Code)
			if tt.reason == "" {
				assert.Empty(t, ae.Reason)
			} else {
				assert.Contains(t, ae.Reason, tt.reason)
				assert.Contains(t, ae.Error(), ae.Reason)
			}
			assert.Equal(t, tt.excerpt, string(ae.Body))
			assert.Equal(t, resp.Header, ae.Header)
			assert.Equal(t, tt.kind, ae.Kind)
			if !tt.hasCode {
				assert.NotRegexp(t, `(^|; )code -?\d`, ae.Error(), "no vendor code is claimed")
			}
		})
	}
}

// The code field is matched exactly, as the spec names it.
func TestJudgeCodeFieldIsCaseSensitive(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	err := apiclient.Judge(mustOp(t, "nxcloud/ota", "init"), resp, []byte(`{"CODE":0,"msg":"ok","data":{"requestId":"r","url":"u"}}`), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
}

// A success decodes its payload only: for NXCloud the envelope's data, for
// EngageLab the body.
func TestJudgeDecodesThePayload(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}

	var initRes ota.InitResult
	require.NoError(t, apiclient.Judge(mustOp(t, "nxcloud/ota", "init"), resp,
		[]byte(`{"code":0,"msg":"Request successful","data":{"requestId":"r","url":"u"}}`), &initRes))
	assert.Equal(t, ota.InitResult{RequestID: "r", URL: "u"}, initRes)

	var v otp.VerifyResult
	require.NoError(t, apiclient.Judge(mustOp(t, "engagelab/otp", "verify"), resp,
		[]byte(`{"message_id":"1","verify_code":"2","verified":true}`), &v))
	assert.Equal(t, otp.VerifyResult{MessageID: "1", VerifyCode: "2", Verified: true}, v)

	// Every operation with a payload decodes its success examples into its
	// generated type, and into any as well.
	for _, ex := range responseExamples(t) {
		to, err := findMethod(ex.op)
		require.NoError(t, err)
		if to.result == nil || !exampleIsSuccess(ex.op, ex.status, ex.body) {
			continue
		}
		out := to.newOut()
		require.NoError(t, apiclient.Judge(ex.op, resp, ex.body, out), ex.op.FullName()+" "+ex.name)
		assert.Equal(t, payloadOf(t, ex.op, ex.body, out), out, ex.op.FullName()+" "+ex.name)
		var generic any
		require.NoError(t, apiclient.Judge(ex.op, resp, ex.body, &generic), ex.op.FullName()+" "+ex.name)
		assert.NotNil(t, generic)
	}
}

// A body the schema allows but the Go type cannot hold is a failure, not a
// zero result. encoding/json matches keys case-insensitively: "Status"
// is no property for the schema, but the typed decode takes it for
// "status".
func TestJudgeUndecodablePayload(t *testing.T) {
	op := mustOp(t, "engagelab/otp", "getTemplate")
	body := []byte(`{"template_id":"t","send_channel_strategy":"sms","created_time":1,"status":2}`)
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	var tmpl otp.Template
	require.NoError(t, apiclient.Judge(op, resp, body, &tmpl), "precondition: a valid template")
	var wrong int // a result type the payload cannot become
	err := apiclient.Judge(op, resp, body, &wrong)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Reason, "cannot be decoded")
}

// TestJudgeRefusesCaseVariants: encoding/json matches field names without
// regard to case, so a body with "Status" beside "status" could be decoded
// from the field the schema did not check. Such an answer is refused.
func TestJudgeRefusesCaseVariants(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}
	for _, tt := range []struct{ spec, op, body, field string }{
		{"engagelab/otp", "getTemplate", `{"template_id":"t","send_channel_strategy":"sms","created_time":1,"status":2,"Status":1}`, "Status"},
		{"engagelab/otp", "verify", `{"message_id":"1","verify_code":"2","verified":false,"Verified":true}`, "Verified"},
		{"nxcloud/ota", "verify", `{"code":0,"msg":"ok","data":{"requestId":"r","status":"SUCCESS","STATUS":"FAILURE"}}`, "data.STATUS"},
	} {
		t.Run(tt.op+" "+tt.field, func(t *testing.T) {
			var out any
			err := apiclient.Judge(mustOp(t, tt.spec, tt.op), resp, []byte(tt.body), &out)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, ae.Reason, "ambiguous")
			assert.Contains(t, ae.Reason, tt.field)
		})
	}
}

// codeOf reads a documented failure's code: a JSON integer, or an integer
// written as text ("1"); false for a word ("failed").
func codeOf(t *testing.T, body []byte) (int, bool) {
	t.Helper()
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &doc))
	if _, flat := doc["code"]; !flat && doc["error"] != nil { // {"error": {"code", "message"}}
		require.NoError(t, json.Unmarshal(doc["error"], &doc))
	}
	raw := doc["code"]
	require.NotEmpty(t, raw, "a documented failure carries a code")
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	n, err := strconv.Atoi(string(raw))
	return n, err == nil
}

// hasMessage reports whether a failure's body describes itself in a text
// field apierror reads.
func hasMessage(body []byte) bool {
	var doc map[string]any
	_ = json.Unmarshal(body, &doc)
	if nested, ok := doc["error"].(map[string]any); ok && doc["code"] == nil {
		doc = nested
	}
	for _, k := range []string{"msg", "message", "result", "info"} {
		if s, ok := doc[k].(string); ok && s != "" {
			return true
		}
	}
	return false
}

// successBody is op's success example, as JSON.
func successBody(t *testing.T, op *specs.Operation) []byte {
	t.Helper()
	for _, ex := range responseExamples(t) {
		if ex.op == op && exampleIsSuccess(op, ex.status, ex.body) {
			return ex.body
		}
	}
	t.Fatalf("%s has no success example", op.FullName())
	return nil
}
