package apiclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// judge decides whether an answer is a success, by the operation's success
// rule (x-success) and success schema, and on success decodes its payload
// into out. The common success is one typed decode (quickSuccess). Else
// the body is parsed once generically, for the rule and the schema, and
// then once more: into out on success, or into the vendor's failure shape.
func judge(op *specs.Operation, resp *http.Response, body []byte, out any) error {
	rule := &op.Success
	if resp.StatusCode == rule.Status && len(rule.Text) == 0 && quickSuccess(op, body, out) {
		return nil
	}
	var v any // the body, once parsed
	parsed := false
	fail := func(reason string) error {
		e := apierror.FromResponse(op.FullName(), resp, body)
		if parsed && resp.StatusCode == rule.Status && claimsSuccess(rule, v, e.HasCode) {
			// The vendor reported no failure: naming its success code as
			// the failure's would mislead. For an unsafe operation the
			// server may have done the work.
			e = apierror.FromMalformedAnswer(op.FullName(), resp, body, reason)
			if op.Retry != specs.Safe {
				e.Kind = apierror.ErrOutcomeUnknown
			}
			return e
		}
		e.Reason = reason
		return e
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fail(fmt.Sprintf("redirect to %q not followed: credentials go only to the configured base URL", resp.Header.Get("Location")))
	}
	if resp.StatusCode != rule.Status {
		return apierror.FromResponse(op.FullName(), resp, body)
	}
	if len(rule.Text) > 0 { // a plain-text answer: one of the words, or a failure
		if slices.Contains(rule.Text, strings.TrimSpace(string(body))) {
			return nil
		}
		return fail(fmt.Sprintf("the answer is not %s", strings.Join(rule.Text, " or ")))
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return fail("the answer is not JSON")
	}
	parsed = true
	if schema := op.SuccessSchema(); schema != nil {
		if dup := specs.CaseVariants(schema, v); len(dup) > 0 {
			return fail("the answer is ambiguous: its fields " + strings.Join(dup, ", ") + " differ from the spec's only in case")
		}
	}
	if rule.CodeField != "" {
		m, _ := v.(map[string]any)
		if code, ok := m[rule.CodeField]; !ok || !rule.CodeMatches(code) {
			// The vendor's own failure, its code read as the spec writes
			// the success code: a number, or a number as text.
			textCodes := len(rule.CodeValues) > 0 && strings.HasPrefix(rule.CodeValues[0], `"`)
			return apierror.FromReply(op.FullName(), resp, body, rule.Payload, textCodes)
		}
	}
	if schema := op.SuccessSchema(); schema != nil {
		if err := schema.VisitJSON(v, append(specs.SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
			return fail("the answer does not match the operation's success schema: " + strings.Join(specs.Describe(err), "; "))
		}
	}
	if rule.Payload != "" && !rule.Empty {
		if m, _ := v.(map[string]any); m[rule.Payload] == nil {
			return fail(fmt.Sprintf("the answer says success but carries no %s", rule.Payload))
		}
	}
	if out == nil {
		return nil
	}
	if err := decodeInto(rule.Payload, body, out); err != nil {
		return fail("the answer cannot be decoded: " + err.Error())
	}
	return nil
}

// claimsSuccess reports whether a JSON answer at the success status looks
// like a success: it has the success code, or, where the operation has no
// code field and the status alone says success, it carries no vendor code
// (hasCode: apierror read one; EngageLab SMS sends report failures with
// HTTP 200 and a code). A plain-text rule's answer claims nothing.
func claimsSuccess(rule *specs.Success, v any, hasCode bool) bool {
	if len(rule.Text) > 0 {
		return false
	}
	if rule.CodeField == "" {
		return !hasCode
	}
	m, _ := v.(map[string]any)
	code, ok := m[rule.CodeField]
	return ok && rule.CodeMatches(code)
}

// quickSuccess is the common case in one typed decode and no interface
// values: the body passes the quick schema check (specs.QuickValid, true
// only where kin-openapi agrees), and decoding it into out finds the exact
// success code and a payload. Anything else takes judge's full path, which
// decides the same way and explains a failure.
func quickSuccess(op *specs.Operation, body []byte, out any) bool {
	rule := &op.Success
	schema := op.SuccessSchema()
	if schema == nil || !specs.QuickValid(schema, body) {
		return false
	}
	payload := rule.Payload
	if rule.Empty {
		payload, out = "", nil
	}
	switch {
	case payload == "" && out != nil:
		if rule.CodeField != "" {
			return false // the code and the payload share the body: the full path handles it
		}
		return json.Unmarshal(body, out) == nil
	case payload != "" && out == nil:
		return false // the payload must be there, but there is nowhere to decode it: the full path checks it
	}
	w, code, commit := envelopeFor(rule.CodeField, payload, out)
	if w == nil {
		return true // nothing to decode: the status and the schema decide
	}
	if json.Unmarshal(body, w) != nil {
		return false
	}
	if rule.CodeField != "" && !rule.IsSuccessCode(*code) {
		return false
	}
	return commit()
}

type envelopeKey struct {
	code, payload string
	typ           reflect.Type
}

var envelopes sync.Map // envelopeKey -> reflect.Type

// envelopeFor returns a value to decode the body into, which captures the
// raw code field and decodes the payload field into a T of its own; the
// code it captured; and commit, which reports whether the payload was
// there and not null and, if so, copies it into out. out is left alone
// until then, so a body the quick path gives up on leaves no trace in it.
func envelopeFor(codeField, payload string, out any) (any, *json.RawMessage, func() bool) {
	if codeField == "" && payload == "" {
		return nil, nil, nil
	}
	var t reflect.Type // *T
	if payload != "" {
		t = reflect.TypeOf(out)
	}
	k := envelopeKey{codeField, payload, t}
	st, ok := envelopes.Load(k)
	if !ok {
		var fields []reflect.StructField
		if codeField != "" {
			fields = append(fields, reflect.StructField{Name: "Code", Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + codeField + `"`)})
		}
		if payload != "" {
			fields = append(fields, reflect.StructField{Name: "Payload", Type: t, Tag: reflect.StructTag(`json:"` + payload + `"`)})
		}
		st, _ = envelopes.LoadOrStore(k, reflect.StructOf(fields))
	}
	v := reflect.New(st.(reflect.Type)).Elem()
	var code *json.RawMessage
	i := 0
	if codeField != "" {
		code = v.Field(0).Addr().Interface().(*json.RawMessage)
		i = 1
	}
	commit := func() bool { return true }
	if payload != "" {
		f := v.Field(i) // a nil *T: absent and null leave it nil
		commit = func() bool {
			if f.IsNil() {
				return false
			}
			reflect.ValueOf(out).Elem().Set(f.Elem())
			return true
		}
	}
	return v.Addr().Interface(), code, commit
}

type wrapperKey struct {
	field string
	typ   reflect.Type
}

// wrappers caches, per payload field and result type, a struct type with
// that one field: decoding the body into it decodes only the payload,
// straight into the caller's value.
var wrappers sync.Map

func decodeInto(field string, body []byte, out any) error {
	if field == "" {
		return json.Unmarshal(body, out)
	}
	t := reflect.TypeOf(out)
	k := wrapperKey{field, t}
	wt, ok := wrappers.Load(k)
	if !ok {
		wt, _ = wrappers.LoadOrStore(k, reflect.StructOf([]reflect.StructField{{
			Name: "Payload", Type: t, Tag: reflect.StructTag(`json:"` + field + `"`),
		}}))
	}
	w := reflect.New(wt.(reflect.Type))
	w.Elem().Field(0).Set(reflect.ValueOf(out))
	return json.Unmarshal(body, w.Interface())
}
