package specs_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// rawDoc is a spec as a schema-only tool reads it: the file, guards and
// all, without what package specs does to it.
func rawDoc(t *testing.T, name string) *openapi3.T {
	t.Helper()
	raw, err := specs.Raw(name)
	require.NoError(t, err)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(loader.Context), "the guards are valid OpenAPI 3.0")
	return doc
}

// successMedia is the JSON answer of an operation's success status in the
// raw document.
func successMedia(t *testing.T, doc *openapi3.T, op *specs.Operation) *openapi3.MediaType {
	t.Helper()
	item := doc.Paths.Value(op.Path)
	require.NotNil(t, item, op.Path)
	raw := item.GetOperation(op.Method)
	require.NotNil(t, raw)
	resp := raw.Responses.Status(op.Success.Status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	return resp.Value.Content.Get("application/json")
}

// examples lists the media type's documented examples by name.
func examples(mt *openapi3.MediaType) map[string]any {
	out := map[string]any{}
	if mt.Example != nil {
		out["example"] = mt.Example
	}
	for name, ex := range mt.Examples {
		if ex != nil && ex.Value != nil {
			out[name] = ex.Value.Value
		}
	}
	return out
}

// clone copies a decoded JSON object.
func clone(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestSuccessGuards: the rule x-success states for the SDK ("a success
// carries its payload") is in the schema too, for tools that read only
// the schema. Wherever an operation's rule has a code and a payload, its
// success envelope refers to the guard, which refuses the success code
// without the payload (absent or null) and takes every documented
// example; nowhere else is there a guard. Package specs and codegen drop
// it again (the Go types stay as they were).
func TestSuccessGuards(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	opts := specs.SchemaValidationOptions() // no defaults set: the body stays as sent
	guarded := 0
	for _, d := range docs {
		doc := rawDoc(t, d.Name)
		for _, op := range d.Operations {
			t.Run(op.FullName(), func(t *testing.T) {
				rule := &op.Success
				guard := rule.Guard()
				for name := range d.OpenAPI.Components.Schemas {
					assert.False(t, specs.IsSuccessGuard(name), "package specs drops the guard %s", name)
				}
				mt := successMedia(t, doc, op)
				if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
					assert.Empty(t, guard, "a rule with a payload has a JSON answer")
					return
				}
				envelope := mt.Schema.Value
				var refs []string
				for _, m := range envelope.AllOf {
					if name, ok := strings.CutPrefix(m.Ref, "#/components/schemas/"); ok && specs.IsSuccessGuard(name) {
						refs = append(refs, name)
					}
				}
				if guard == "" {
					assert.Empty(t, refs, "no payload in x-success, so no guard")
					return
				}
				guarded++
				require.Equal(t, []string{guard}, refs, "the envelope refers to its rule's guard")
				require.NotNil(t, doc.Components.Schemas[guard], "the spec defines %s", guard)

				exs := examples(mt)
				var successes []string
				for _, name := range slices.Sorted(maps.Keys(exs)) {
					assert.NoError(t, envelope.VisitJSON(exs[name], opts...), "the documented example %s", name)
					if m, ok := exs[name].(map[string]any); ok && rule.CodeMatches(m[rule.CodeField]) {
						successes = append(successes, name)
					}
				}
				require.NotEmpty(t, successes, "a documented success to take the payload from")
				for _, name := range successes {
					absent := clone(t, exs[name])
					delete(absent, rule.Payload)
					null := clone(t, exs[name])
					null[rule.Payload] = nil
					for what, body := range map[string]map[string]any{"absent": absent, "null": null} {
						assert.Error(t, envelope.VisitJSON(body, opts...), "%s with %s %s", name, rule.Payload, what)
						// The guard is what refuses it: failure codes pass.
						for _, code := range []any{float64(88), "0"} {
							if rule.CodeMatches(code) {
								continue
							}
							body := clone(t, body)
							body[rule.CodeField] = code
							if envelope.Properties[rule.CodeField].Value.VisitJSON(code, opts...) == nil {
								assert.NoError(t, envelope.VisitJSON(body, opts...), "%s with code %v and %s %s is a failure, not a broken success", name, code, rule.Payload, what)
							}
						}
					}
				}
			})
		}
	}
	assert.Positive(t, guarded, "the NXCloud envelopes with data are guarded")
}
