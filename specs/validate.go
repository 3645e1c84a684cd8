package specs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Request body media types the SDK sends.
const (
	MediaJSON = "application/json"
	MediaForm = "application/x-www-form-urlencoded"
	// MediaMultipart bodies carry files (properties of format binary) as
	// parts; NXCloud signs them over the headers alone.
	MediaMultipart = "multipart/form-data"
)

// BodyMediaType is the media type the operation's body is sent as: a form
// where the spec gives one, else JSON.
func (o *Operation) BodyMediaType() string {
	if o.bodyMedia != "" {
		return o.bodyMedia
	}
	return o.lookupBodyMediaType()
}

func (o *Operation) lookupBodyMediaType() string {
	if rb := o.Spec.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range []string{MediaForm, MediaMultipart} {
			if rb.Value.Content.Get(mt) != nil {
				return mt
			}
		}
	}
	return MediaJSON
}

// BodySchema returns the schema of the operation's request body (as JSON
// or as a form, see BodyMediaType), or nil when it takes none.
func (o *Operation) BodySchema() *openapi3.Schema {
	if o.bodyMedia != "" { // looked up at parse time
		return o.bodySchema
	}
	return o.lookupBodySchema()
}

func (o *Operation) lookupBodySchema() *openapi3.Schema {
	rb := o.Spec.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get(o.BodyMediaType())
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// BodyRequired reports whether the spec requires a request body.
func (o *Operation) BodyRequired() bool {
	rb := o.Spec.RequestBody
	return rb != nil && rb.Value != nil && rb.Value.Required
}

// ValidateBody checks a JSON request body against the operation's schema,
// with every format enforced (SchemaValidationOptions) and the rules the
// schema declares in x-list-requires (BodyRuleProblems), and returns the
// problems as short, field-named sentences ("phone: must not be empty"),
// or nil when the body is valid. It never fills in defaults.
func (o *Operation) ValidateBody(body []byte) []string {
	schema := o.BodySchema()
	if len(body) == 0 {
		if o.BodyRequired() {
			return []string{"the request body is required"}
		}
		return nil
	}
	if schema == nil {
		return nil
	}
	var v any
	if o.BodyMediaType() == MediaForm {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return []string{"the request body is not a valid form: " + err.Error()}
		}
		v = FormObject(schema, values)
	} else {
		if QuickValid(schema, body) {
			return nil
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return []string{"the request body is not valid JSON: " + err.Error()}
		}
	}
	var problems []string
	if err := schema.VisitJSON(v, append(SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
		problems = Describe(err)
	}
	if rules := o.BodyRuleProblems(v); len(rules) > 0 {
		problems = append(problems, rules...)
		sort.Strings(problems)
	}
	return problems
}

// ValidateObject checks a decoded request body (a multipart body's fields,
// each file part as its file name) against the operation's schema, as
// ValidateBody does a JSON one.
func (o *Operation) ValidateObject(v map[string]any) []string {
	schema := o.BodySchema()
	if schema == nil {
		return nil
	}
	var problems []string
	if err := schema.VisitJSON(v, append(SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
		problems = Describe(err)
	}
	if rules := o.BodyRuleProblems(v); len(rules) > 0 {
		problems = append(problems, rules...)
		sort.Strings(problems)
	}
	return problems
}

// FileFields lists, sorted, the body properties that are files: in a
// multipart body those of format binary, sent as file parts; in a form
// body those of format byte, sent as Base64 text. The client streams both
// from an upload.File.
func (o *Operation) FileFields() []string {
	schema := o.BodySchema()
	if schema == nil {
		return nil
	}
	format := ""
	switch o.BodyMediaType() {
	case MediaMultipart:
		format = "binary"
	case MediaForm:
		format = "byte"
	default:
		return nil
	}
	var out []string
	for _, s := range append([]*openapi3.SchemaRef{{Value: schema}}, schema.AllOf...) {
		if s == nil || s.Value == nil {
			continue
		}
		for name, p := range s.Value.Properties {
			if p.Value != nil && p.Value.Format == format && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ExtListRequires declares, on an object schema, that each value listed
// in one of its string properties requires another property:
//
//	x-list-requires:
//	  property: send_channel_strategy   # a list of values joined by separator
//	  separator: "|"
//	  requires:                         # value -> the property it requires
//	    whatsapp: whatsapp_config
//	    sms: sms_config
//
// It may also hold a list of such rules. The client's request check and
// the mock both enforce it; values it does not name require nothing.
const ExtListRequires = "x-list-requires"

// listRule is one x-list-requires rule.
type listRule struct {
	property, separator string
	requires            map[string]string
}

// listRules reads a schema's x-list-requires rules.
func listRules(s *openapi3.Schema) ([]listRule, error) {
	raw, ok := s.Extensions[ExtListRequires]
	if !ok {
		return nil, nil
	}
	var items []any
	switch r := raw.(type) {
	case []any:
		items = r
	default:
		items = []any{r}
	}
	var rules []listRule
	for _, it := range items {
		m, _ := it.(map[string]any)
		rule := listRule{requires: map[string]string{}}
		rule.property, _ = m["property"].(string)
		rule.separator, _ = m["separator"].(string)
		req, _ := m["requires"].(map[string]any)
		for value, prop := range req {
			name, ok := prop.(string)
			if !ok || name == "" {
				return nil, fmt.Errorf("%s: requires.%s must name a property", ExtListRequires, value)
			}
			if _, declared := s.Properties[name]; !declared {
				return nil, fmt.Errorf("%s: requires.%s names %q, which the schema does not have", ExtListRequires, value, name)
			}
			rule.requires[value] = name
		}
		if rule.property == "" || rule.separator == "" || len(rule.requires) == 0 {
			return nil, fmt.Errorf("%s needs a property, a separator and requires", ExtListRequires)
		}
		if _, declared := s.Properties[rule.property]; !declared {
			return nil, fmt.Errorf("%s: property %q is not in the schema", ExtListRequires, rule.property)
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// BodyRuleProblems checks a decoded request body against the
// x-list-requires rules of the operation's body schema and of the schemas
// of its fields, at any depth. It returns one sentence per problem
// ("sms_config: is required when send_channel_strategy names sms"), or
// nil.
func (o *Operation) BodyRuleProblems(body any) []string {
	schema := o.BodySchema()
	if schema == nil {
		return nil
	}
	var out []string
	checkRules(schema, body, "", &out, 0)
	sort.Strings(out)
	return out
}

// checkRules applies the rules of s (and of its allOf members) to v, then
// descends into the properties and items v has.
func checkRules(s *openapi3.Schema, v any, at string, out *[]string, depth int) {
	if s == nil || depth > 32 { // the specs nest a few levels; a cycle stops here
		return
	}
	for _, sub := range s.AllOf {
		checkRules(sub.Value, v, at, out, depth+1)
	}
	switch val := v.(type) {
	case map[string]any:
		rules, err := listRules(s)
		if err != nil {
			*out = append(*out, fmt.Sprintf("the spec's schema is malformed: %v", err))
		}
		for _, r := range rules {
			list, _ := val[r.property].(string)
			if list == "" {
				continue
			}
			for _, item := range strings.Split(list, r.separator) {
				need, ok := r.requires[item]
				if !ok {
					continue
				}
				if got, present := val[need]; !present || got == nil {
					*out = append(*out, fmt.Sprintf("%s: is required when %s names %s", joinField(at, need), r.property, item))
				}
			}
		}
		for name, child := range val {
			if ref := s.Properties[name]; ref != nil {
				checkRules(ref.Value, child, joinField(at, name), out, depth+1)
			}
		}
	case []any:
		if s.Items != nil {
			for i, child := range val {
				checkRules(s.Items.Value, child, joinField(at, fmt.Sprint(i)), out, depth+1)
			}
		}
	}
}

// FormObject reads form values as the object a schema describes: a field
// of an integer, number or boolean property is converted when it parses as
// one (otherwise it stays text, which validation then refuses), anything
// else is text. A field given more than once becomes a list.
func FormObject(schema *openapi3.Schema, values url.Values) map[string]any {
	obj := make(map[string]any, len(values))
	for k, vs := range values {
		var prop *openapi3.Schema
		if schema != nil {
			prop = propertySchema(schema, k)
		}
		conv := make([]any, len(vs))
		for i, raw := range vs {
			conv[i] = formValue(prop, raw)
		}
		if len(conv) == 1 {
			obj[k] = conv[0]
		} else {
			obj[k] = conv
		}
	}
	return obj
}

// propertySchema finds a property in a schema or its allOf members.
func propertySchema(s *openapi3.Schema, name string) *openapi3.Schema {
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, m := range s.AllOf {
		if m.Value != nil {
			if p := propertySchema(m.Value, name); p != nil {
				return p
			}
		}
	}
	return nil
}

func formValue(prop *openapi3.Schema, raw string) any {
	if prop == nil {
		return raw
	}
	switch {
	case prop.Type.Is(openapi3.TypeInteger), prop.Type.Is(openapi3.TypeNumber):
		if n, err := strconv.ParseFloat(raw, 64); err == nil {
			return n
		}
	case prop.Type.Is(openapi3.TypeBoolean):
		if b, err := strconv.ParseBool(raw); err == nil {
			return b
		}
	}
	return raw
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

// CaseVariants lists the fields of v that differ from a property its
// schema names only in case ("Verified" where the schema has "verified").
// encoding/json matches field names without regard to case, so such a
// field could be decoded in place of the one the schema checked: an answer
// that has one is ambiguous, and the SDK refuses it.
func CaseVariants(s *openapi3.Schema, v any) []string {
	var out []string
	caseVariants(s, v, "", &out, 0)
	sort.Strings(out)
	return out
}

func caseVariants(s *openapi3.Schema, v any, at string, out *[]string, depth int) {
	if s == nil || depth > 32 {
		return
	}
	for _, m := range s.AllOf {
		caseVariants(m.Value, v, at, out, depth+1)
	}
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if p, ok := s.Properties[k]; ok {
				caseVariants(p.Value, val, joinField(at, k), out, depth+1)
				continue
			}
			for name := range s.Properties {
				if strings.EqualFold(name, k) {
					*out = append(*out, fmt.Sprintf("%s (the spec's %s)", joinField(at, k), name))
				}
			}
		}
	case []any:
		if s.Items != nil {
			for i, item := range v {
				caseVariants(s.Items.Value, item, joinField(at, fmt.Sprint(i)), out, depth+1)
			}
		}
	}
}

// ValidateQuery checks the query of an operation's request against its
// query parameters: each required one present, each value (read as its
// schema's type, as a form value is) valid.
func (o *Operation) ValidateQuery(q url.Values) []string {
	var problems []string
	for _, ref := range o.Spec.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		vs, present := q[p.Name]
		if !present {
			if p.Required {
				problems = append(problems, p.Name+": is required")
			}
			continue
		}
		if p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		for _, raw := range vs {
			if err := p.Schema.Value.VisitJSON(formValue(p.Schema.Value, raw), append(SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
				for _, d := range Describe(err) {
					problems = append(problems, p.Name+": "+strings.TrimPrefix(d, ": "))
				}
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// UndeclaredFields lists the fields of v that its schema does not declare,
// at any depth: a property no object schema (nor an allOf, anyOf or oneOf
// member of it) names, where the schema lists its properties and does not
// allow others (additionalProperties left unset counts as not allowing
// them here). A client keeps such fields (vendors add some); the mock uses
// it to check that its own answers say only what its spec declares.
func UndeclaredFields(s *openapi3.Schema, v any) []string {
	var out []string
	undeclared(s, v, "", &out, 0)
	sort.Strings(out)
	return slices.Compact(out)
}

// declares reports whether s, or a member of its allOf, anyOf or oneOf,
// names the property k, or takes any property; and the schemas to check
// k's value against.
func declares(s *openapi3.Schema, k string, depth int) (known bool, open bool, subs []*openapi3.Schema) {
	if s == nil || depth > 32 {
		return false, true, nil
	}
	if p, ok := s.Properties[k]; ok && p.Value != nil {
		known, subs = true, append(subs, p.Value)
	}
	ap := s.AdditionalProperties
	if (ap.Has != nil && *ap.Has) || (ap.Schema != nil) || (len(s.Properties) == 0 && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0) {
		open = true
	}
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, m := range group {
			if m == nil {
				continue
			}
			k2, o2, s2 := declares(m.Value, k, depth+1)
			known, open, subs = known || k2, open || o2, append(subs, s2...)
		}
	}
	return known, open, subs
}

func undeclared(s *openapi3.Schema, v any, at string, out *[]string, depth int) {
	if s == nil || depth > 32 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			known, open, subs := declares(s, k, 0)
			if !known && !open {
				*out = append(*out, joinField(at, k))
			}
			for _, sub := range subs {
				undeclared(sub, val, joinField(at, k), out, depth+1)
			}
		}
	case []any:
		items := []*openapi3.Schema{}
		if s.Items != nil && s.Items.Value != nil {
			items = append(items, s.Items.Value)
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, m := range group {
				if m != nil && m.Value != nil && m.Value.Items != nil && m.Value.Items.Value != nil {
					items = append(items, m.Value.Items.Value)
				}
			}
		}
		for i, item := range v {
			for _, is := range items {
				undeclared(is, item, joinField(at, fmt.Sprint(i)), out, depth+1)
			}
		}
	}
}
