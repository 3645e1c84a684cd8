package specs

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// BodySchema returns the JSON schema of the operation's request body, or nil
// when it takes none.
func (o *Operation) BodySchema() *openapi3.Schema {
	rb := o.Spec.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	return jsonSchema(rb.Value.Content)
}

// BodyRequired reports whether the spec requires a request body.
func (o *Operation) BodyRequired() bool {
	rb := o.Spec.RequestBody
	return rb != nil && rb.Value != nil && rb.Value.Required
}

// ValidateBody checks a JSON request body against the operation's schema
// and returns the problems as short, field-named sentences ("phone: must
// not be empty"), or nil when the body is valid. It never fills in defaults.
func (o *Operation) ValidateBody(body []byte) []string {
	schema := o.BodySchema()
	if len(body) == 0 {
		if o.BodyRequired() {
			return []string{"the request body is required"}
		}
		return nil
	}
	if schema == nil || QuickValid(schema, body) {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{"the request body is not valid JSON: " + err.Error()}
	}
	err := schema.VisitJSON(v, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	return Describe(err)
}

// Describe flattens kin-openapi's schema and request errors into one short
// line per problem, naming the field: "phone: must not be empty".
func Describe(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			out = append(out, err.Error())
			return
		}
		field := strings.Join(se.JSONPointer(), ".")
		reason := se.Reason
		switch se.SchemaField {
		case "required":
			// kin-openapi points at the missing property itself in some
			// versions and at its parent object in others.
			if name, ok := strings.CutPrefix(reason, "property \""); ok {
				name = strings.TrimSuffix(name, "\" is missing")
				if p := se.JSONPointer(); len(p) == 0 || p[len(p)-1] != name {
					field = joinField(field, name)
				}
				reason = "is required"
			}
		case "minLength":
			if s, ok := se.Value.(string); ok && s == "" {
				reason = "must not be empty"
			}
		}
		if field == "" {
			out = append(out, reason)
			return
		}
		out = append(out, fmt.Sprintf("%s: %s", field, reason))
	}
	walk(err)
	sort.Strings(out)
	return out
}

func joinField(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// ResponseSchema returns the JSON schema of the operation's response for an
// HTTP status, or nil.
func (o *Operation) ResponseSchema(status int) *openapi3.Schema {
	resp := o.Spec.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	return jsonSchema(resp.Value.Content)
}

// jsonSchema is the schema of a body's application/json content, or nil.
func jsonSchema(c openapi3.Content) *openapi3.Schema {
	mt := c.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}
