package apiclient_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
)

// FuzzJudge runs judge, the one place that tells a success from a failure,
// over an arbitrary answer (status, Content-Type, body) for the operation
// the input names by its full name ("nxcloud/ota init"), or for every
// operation of every spec when the name is none of theirs. Each operation
// decodes into the Go type its generated method uses (found from the spec,
// see typed_test.go). Whatever the answer:
//
//   - judge never panics, never changes the response header, and the
//     Content-Type makes no difference;
//   - a nil error means: the operation's success status; a body that is
//     valid JSON and satisfies the operation's success schema; the code
//     field, where the success rule has one, present with a success value;
//     the payload field, where the rule names one, present and not null;
//     and the result decoded into the generated type is the payload that
//     was checked (not, say, another field whose name differs only in case);
//   - an error is an *apierror.Error for the operation with the status,
//     whose Body excerpt is at most apierror.ExcerptLen bytes plus "…".
//
// The seeds are every response example of every spec, and the edge cases
// the old per-vendor targets (FuzzCheckEnvelope, FuzzCheckStatus) kept in
// their corpora; crashers found since are in testdata/fuzz/FuzzJudge.
func FuzzJudge(f *testing.F) {
	ops := allOps(f)
	byName := map[string]typedOp{}
	for _, to := range ops {
		byName[to.op.FullName()] = to
	}
	for _, ex := range responseExamples(f) {
		f.Add(ex.op.FullName(), ex.status, "application/json", ex.body)
	}
	const (
		otaInit   = "nxcloud/ota init"
		waList    = "nxcloud/wa-integrator phoneList"
		otpVerify = "engagelab/otp verify"
		otpCreate = "engagelab/otp createTemplate"
		otpList   = "engagelab/otp listTemplates"
		otpSend   = "engagelab/otp sendMessage"
	)
	for _, s := range []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{otaInit, 200, "text/plain;charset=UTF-8", `{"code":0,"msg":"Request successful","data":null}`},
		{otaInit, 200, "application/json", `{"code":"0","msg":"Request successful","data":{"requestId":"x","url":"y"}}`},
		{otaInit, 200, "application/json", `{"code":0.0,"msg":"ok","data":{"requestId":"x","url":"y"}}`},
		{otaInit, 200, "application/json", `{"code":-0,"msg":"ok","data":{"requestId":"x","url":"y"}}`},
		{otaInit, 200, "application/json", `{"code":4294967296,"msg":"x"}`},
		{otaInit, 200, "application/json", `{"code":0,"msg":"ok","data":"not an object"}`},
		{otaInit, 200, "Application/JSON", `{"CODE":0,"Data":{}}`},
		{otaInit, 500, "application/json", `{"code":0,"msg":"Request successful"}`},
		{"", 200, "application/json", `[{"code":0}]`},
		{"", 200, "", ``},
		{"", 204, "", ``},
		{"", 302, "text/html", `<a href="https://elsewhere.example/">moved</a>`},
		{"", 502, "text/html", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"},
		{"", 200, "application/json", ` null `},
		{"", 200, "json", `{}`},
		{waList, 200, "application/json", `{"code":0,"data":{},"message":"Request successful"}`},
		{otpVerify, 200, "text/plain", `{"message_id":"1","verify_code":"2","verified":true}`},
		{otpVerify, 201, "", `{}`},
		{otpVerify, 200, "application/json", `{"verified":true`},
		{otpCreate, 200, "application/json", `{"Code":0}`},
		{otpCreate, 200, "application/json", `{"code":null,"message":"success"}`},
		{otpList, 200, "application/json", `{"templates":[]}`},
		{otpSend, 200, "application/json", `{"message_id":"1","send_channel":"pwa"}`},
		{otpSend, 200, "application/json", `"ok"`},
		{"engagelab/otp", 200, "application/json", `{"message_id":"1725407449772531712","send_channel":"whatsapp"}`},
	} {
		f.Add(s.name, s.status, s.contentType, []byte(s.body))
	}

	f.Fuzz(func(t *testing.T, name string, status int, contentType string, body []byte) {
		targets := ops
		if to, ok := byName[name]; ok {
			targets = []typedOp{to}
		}
		for _, to := range targets {
			fuzzJudgeOne(t, to, status, contentType, body)
		}
	})
}

func fuzzJudgeOne(t *testing.T, to typedOp, status int, contentType string, body []byte) {
	op := to.op
	header := http.Header{}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	before := header.Clone()
	out := to.newOut()
	err := apiclient.Judge(op, &http.Response{StatusCode: status, Header: header}, body, out)
	if !reflect.DeepEqual(header, before) {
		t.Fatalf("%s: judge changed the response header to %v", op.FullName(), header)
	}
	bare := apiclient.Judge(op, &http.Response{StatusCode: status, Header: http.Header{}}, body, to.newOut())
	if (err == nil) != (bare == nil) {
		t.Fatalf("%s: the Content-Type %q decided: %v, without it: %v", op.FullName(), contentType, err, bare)
	}

	if err != nil {
		ae, ok := err.(*apierror.Error)
		if !ok {
			t.Fatalf("%s: error %T is not an *apierror.Error: %v", op.FullName(), err, err)
		}
		if ae.Operation != op.FullName() || ae.StatusCode != status {
			t.Fatalf("%s: error for %q HTTP %d, want HTTP %d", op.FullName(), ae.Operation, ae.StatusCode, status)
		}
		if n := len(ae.Body); n > apierror.ExcerptLen+len("…") {
			t.Fatalf("%s: a Body excerpt of %d bytes", op.FullName(), n)
		}
		if ae.HasCode && len(ae.Body) > 0 {
			t.Fatalf("%s: an error with a code keeps a body excerpt too", op.FullName())
		}
		if status >= 300 && status < 400 && !strings.Contains(ae.Reason, "redirect") {
			t.Fatalf("%s: HTTP %d without a redirect Reason: %v", op.FullName(), status, err)
		}
		_ = ae.Error()
		return
	}

	rule := op.Success
	if status != rule.Status {
		t.Fatalf("%s: HTTP %d accepted, the success status is %d", op.FullName(), status, rule.Status)
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		t.Fatalf("%s: accepted a body that is not JSON: %q", op.FullName(), body)
	}
	if schema := op.SuccessSchema(); schema != nil {
		if serr := schema.VisitJSON(v, openapi3.MultiErrors()); serr != nil {
			t.Fatalf("%s: accepted %q, which breaks the success schema: %v", op.FullName(), body, serr)
		}
	}
	m, isObject := v.(map[string]any)
	if rule.CodeField != "" {
		code, present := m[rule.CodeField]
		if !isObject || !present || !codeIsSuccess(rule.CodeValues, code) {
			t.Fatalf("%s: accepted %q, whose %s is not one of %v", op.FullName(), body, rule.CodeField, rule.CodeValues)
		}
	}
	if rule.Payload != "" && !rule.Empty && (!isObject || m[rule.Payload] == nil) {
		t.Fatalf("%s: accepted %q without its %s", op.FullName(), body, rule.Payload)
	}
	if out == nil {
		return
	}
	// The payload that was checked, decoded into a fresh value of the type:
	// the field named exactly as the rule says (the last one, as for the
	// schema), or the whole body.
	checked := v
	if rule.Payload != "" {
		checked = m[rule.Payload]
	}
	want := reflect.New(reflect.TypeOf(out).Elem()).Interface()
	canonical, merr := json.Marshal(exactNumbers(body, rule.Payload, checked))
	if merr != nil {
		t.Fatalf("%s: %v", op.FullName(), merr)
	}
	if derr := json.Unmarshal(canonical, want); derr != nil {
		t.Fatalf("%s: accepted %q, but its %s does not decode into %T: %v", op.FullName(), body, payloadName(rule.Payload), want, derr)
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("%s: accepted %q, but decoded %+v where the checked %s is %+v", op.FullName(), body, reflect.ValueOf(out).Elem(), payloadName(rule.Payload), reflect.ValueOf(want).Elem())
	}
}

func payloadName(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

// codeIsSuccess compares a decoded code with the rule's success values,
// each decoded alike: JSON equality, so 0 and 0.0 match, 0 and "0" do not.
func codeIsSuccess(values []string, code any) bool {
	for _, s := range values {
		var want any
		if json.Unmarshal([]byte(s), &want) == nil && want == code {
			return true
		}
	}
	return false
}

// exactNumbers returns the checked value decoded again with json.Number,
// so that re-encoding it keeps integers too large for a float64 exactly.
// It re-reads the same field of the same body, so it is the same value.
func exactNumbers(body []byte, field string, fallback any) any {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return fallback
	}
	if field == "" {
		return v
	}
	m, _ := v.(map[string]any)
	return m[field]
}
