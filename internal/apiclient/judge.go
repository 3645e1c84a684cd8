package apiclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// judge decides whether an answer is a success, by the operation's success
// rule (x-success) and success schema, and on success decodes its payload
// into out. The body is parsed once generically, for the rule and the
// schema, and once into out.
func judge(op *specs.Operation, resp *http.Response, body []byte, out any) error {
	rule := &op.Success
	fail := func(reason string) error {
		e := apierror.FromResponse(op.FullName(), resp, body)
		e.Reason = reason
		return e
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fail(fmt.Sprintf("redirect to %q not followed: credentials go only to the configured base URL", resp.Header.Get("Location")))
	}
	if resp.StatusCode != rule.Status {
		return apierror.FromResponse(op.FullName(), resp, body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fail("the answer is not JSON")
	}
	if rule.CodeField != "" {
		m, _ := v.(map[string]any)
		if code, ok := m[rule.CodeField]; !ok || !rule.CodeMatches(code) {
			return apierror.FromResponse(op.FullName(), resp, body) // the vendor's own failure
		}
	}
	if schema := op.SuccessSchema(); schema != nil {
		if err := schema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
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
