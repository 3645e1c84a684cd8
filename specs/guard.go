package specs

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// successGuardPrefix starts the name of every success guard component.
const successGuardPrefix = "SuccessCarries"

// Guard is the name of the component schema that says this rule's "a
// success carries its payload" in plain OpenAPI 3.0, for tools that read
// only the schema (Prism, a validating proxy): "SuccessCarriesData" for a
// payload in data. Each envelope of an operation whose rule has a code and
// a payload refers to it (allOf); it is an anyOf of "the code is not a
// success value" and "the payload is there and not null". "" for a rule
// without both. The SDK applies x-success itself, so DropSuccessGuards
// takes the guard out again before the SDK uses a spec.
func (s *Success) Guard() string {
	if s.CodeField == "" || s.Payload == "" || s.Empty || len(s.Text) > 0 {
		return ""
	}
	return successGuardPrefix + GoName(s.Payload)
}

// IsSuccessGuard reports whether a component schema name is a success
// guard's (Success.Guard).
func IsSuccessGuard(name string) bool { return strings.HasPrefix(name, successGuardPrefix) }

// DropSuccessGuards removes the success guards from a document: every
// allOf member that refers to one, and the guard components themselves.
// The guard restates x-success, which the client, the mock and codegen
// read themselves; left in, it would turn every envelope into an anyOf
// that oapi-codegen types differently and the quick schema check cannot
// take.
func DropSuccessGuards(t *openapi3.T) {
	if t.Components == nil {
		return
	}
	refersToGuard := func(r *openapi3.SchemaRef) bool {
		name, ok := strings.CutPrefix(r.Ref, "#/components/schemas/")
		return ok && IsSuccessGuard(name)
	}
	drop := func(s *openapi3.Schema) {
		if s == nil || len(s.AllOf) == 0 {
			return
		}
		kept := s.AllOf[:0:0]
		for _, m := range s.AllOf {
			if !refersToGuard(m) {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			kept = nil
		}
		s.AllOf = kept
	}
	for name, ref := range t.Components.Schemas {
		if IsSuccessGuard(name) {
			delete(t.Components.Schemas, name)
			continue
		}
		if ref != nil && ref.Ref == "" {
			drop(ref.Value)
		}
	}
	// Inline response schemas too, so a guard is dropped wherever it is.
	if t.Paths == nil {
		return
	}
	for _, item := range t.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for _, resp := range op.Responses.Map() {
				if resp == nil || resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					if mt != nil && mt.Schema != nil && mt.Schema.Ref == "" {
						drop(mt.Schema.Value)
					}
				}
			}
		}
	}
}
