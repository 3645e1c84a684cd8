package specs

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Extensions that tie a documented rejection to the constraint it
// concerns, on a request field's schema (a body property or a query
// parameter). They say what the vendor answers, not what the client
// checks: the mock reads them (Operation.DeclaredRejection) to answer a
// broken rule with the vendor's own code instead of its generic parameter
// error.
const (
	// ExtErrorCode is the result code a violation of the schema's
	// constraints yields: a number for any of them, or a map from the
	// JSON Schema keyword broken ("minLength", "maxLength", "pattern",
	// "enum", "type", "minimum", "maximum", and "required" for a required
	// field left out) to its code; a keyword the map leaves out gets the
	// generic parameter error.
	//
	//	x-error-code: 8
	//	x-error-code: {minLength: 4, maxLength: 5}
	//
	// On an operation, it is the code of any request that breaks its
	// schema, where that operation numbers its parameter error apart from
	// its catalogue's InvalidParameter (the SMS record reads: 1).
	ExtErrorCode = "x-error-code"
	// ExtListMax caps the items of a text list (numbers joined by a
	// separator) where the cap depends on the account, so the client does
	// not enforce it (SMS: at most 5 numbers for a verification-code
	// application; the mock's application is one).
	//
	//	x-list-max: {separator: ",", max: 5, code: 104}
	ExtListMax = "x-list-max"
	// ExtMaxDaysBack caps how far back a date (written in layout, a Go
	// time layout) may be, relative to the server's clock.
	//
	//	x-max-days-back: {days: 31, layout: "20060102", code: 3}
	ExtMaxDaysBack = "x-max-days-back"
)

// fieldRule is the declared rejections of one request field.
type fieldRule struct {
	name     string
	schema   *openapi3.Schema
	required bool
	inQuery  bool           // a query parameter, else a body property
	codes    map[string]int // by keyword; "" for any
	listMax  *listMax
	daysBack *daysBack
}

type listMax struct {
	separator string
	max, code int
}

type daysBack struct {
	days, code int
	layout     string
}

// codeFor is the code a broken keyword yields, if declared.
func (r fieldRule) codeFor(keyword string) (int, bool) {
	if c, ok := r.codes[keyword]; ok {
		return c, true
	}
	c, ok := r.codes[""]
	return c, ok
}

// extInt reads a number of an extension (YAML gives float64 or int).
func extInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

// parseFieldRule reads a field schema's declared rejections; nil when it
// declares none.
func parseFieldRule(name string, s *openapi3.Schema, required bool) (*fieldRule, error) {
	if s == nil {
		return nil, nil
	}
	r := &fieldRule{name: name, schema: s, required: required, codes: map[string]int{}}
	if raw, ok := s.Extensions[ExtErrorCode]; ok {
		if c, ok := extInt(raw); ok {
			r.codes[""] = c
		} else if m, ok := raw.(map[string]any); ok && len(m) > 0 {
			for kw, v := range m {
				c, ok := extInt(v)
				if !ok || kw == "" {
					return nil, fmt.Errorf("%s: %s.%s must be a result code", name, ExtErrorCode, kw)
				}
				r.codes[kw] = c
			}
		} else {
			return nil, fmt.Errorf("%s: %s must be a result code or a map of keyword to code", name, ExtErrorCode)
		}
	}
	if raw, ok := s.Extensions[ExtListMax]; ok {
		m, _ := raw.(map[string]any)
		sep, _ := m["separator"].(string)
		mx, ok1 := extInt(m["max"])
		code, ok2 := extInt(m["code"])
		if sep == "" || !ok1 || mx < 1 || !ok2 {
			return nil, fmt.Errorf("%s: %s needs a separator, a max of at least 1 and a code", name, ExtListMax)
		}
		r.listMax = &listMax{separator: sep, max: mx, code: code}
	}
	if raw, ok := s.Extensions[ExtMaxDaysBack]; ok {
		m, _ := raw.(map[string]any)
		layout, _ := m["layout"].(string)
		days, ok1 := extInt(m["days"])
		code, ok2 := extInt(m["code"])
		if layout == "" || !ok1 || days < 1 || !ok2 {
			return nil, fmt.Errorf("%s: %s needs days, a layout and a code", name, ExtMaxDaysBack)
		}
		r.daysBack = &daysBack{days: days, layout: layout, code: code}
	}
	if len(r.codes) == 0 && r.listMax == nil && r.daysBack == nil {
		return nil, nil
	}
	return r, nil
}

// fieldRules lists, by field name, the declared rejections of the
// operation's body properties (through allOf) and query parameters.
func (o *Operation) fieldRules() ([]fieldRule, error) {
	var out []fieldRule
	var walk func(s *openapi3.Schema) error
	walk = func(s *openapi3.Schema) error {
		if s == nil {
			return nil
		}
		for name, p := range s.Properties {
			if p == nil {
				continue
			}
			r, err := parseFieldRule(name, p.Value, slices.Contains(s.Required, name))
			if err != nil {
				return err
			}
			if r != nil {
				out = append(out, *r)
			}
		}
		for _, m := range s.AllOf {
			if m != nil {
				if err := walk(m.Value); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(o.BodySchema()); err != nil {
		return nil, err
	}
	for _, ref := range o.Spec.Parameters {
		if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery && p.Schema != nil {
			r, err := parseFieldRule(p.Name, p.Schema.Value, p.Required)
			if err != nil {
				return nil, err
			}
			if r != nil {
				r.inQuery = true
				out = append(out, *r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// checkFieldRules checks, when a spec is parsed, that every declared
// rejection is well formed and names a code of the spec's catalogue.
func (o *Operation) checkFieldRules() error {
	rules, err := o.fieldRules()
	if err != nil {
		return err
	}
	o.rules = rules
	if raw, ok := o.Spec.Extensions[ExtErrorCode]; ok {
		c, ok := extInt(raw)
		if !ok {
			return fmt.Errorf("%s: the operation's %s must be a result code", o.ID, ExtErrorCode)
		}
		if _, ok := o.Doc.CodeName(c); !ok {
			return fmt.Errorf("%s: %s %d is not in the code catalogue", o.ID, ExtErrorCode, c)
		}
	}
	for _, r := range rules {
		codes := make([]int, 0, len(r.codes)+2)
		for _, c := range r.codes {
			codes = append(codes, c)
		}
		if r.listMax != nil {
			codes = append(codes, r.listMax.code)
		}
		if r.daysBack != nil {
			codes = append(codes, r.daysBack.code)
		}
		for _, c := range codes {
			if _, ok := o.Doc.CodeName(c); !ok {
				return fmt.Errorf("%s: %s declares code %d, which the code catalogue does not list", o.ID, r.name, c)
			}
		}
	}
	return nil
}

// ParameterErrorCode is the code the operation answers a request that
// breaks its schema with, when it declares one of its own (x-error-code
// on the operation); else the catalogue's InvalidParameter applies.
func (o *Operation) ParameterErrorCode() (int, bool) {
	return extInt(o.Spec.Extensions[ExtErrorCode])
}

// DeclaredRejection checks a request's fields (the decoded body, the
// query) against the rules that declare the vendor's code for their
// violation (ExtErrorCode, ExtListMax) and returns the code and a sentence
// naming the field of the first broken rule, by field name. found is false
// when none is broken: the request is then judged by its schema as usual.
func (o *Operation) DeclaredRejection(body map[string]any, query url.Values) (code int, problem string, found bool) {
	for _, r := range o.rules { // read when the spec was parsed
		v, present := r.value(body, query)
		if !present {
			if c, ok := r.codeFor("required"); ok && r.required {
				return c, r.name + ": is required", true
			}
			continue
		}
		if err := r.schema.VisitJSON(v, SchemaValidationOptions()...); err != nil {
			var se *openapi3.SchemaError
			keyword := ""
			if errors.As(err, &se) {
				keyword = se.SchemaField
			}
			if c, ok := r.codeFor(keyword); ok {
				return c, strings.Join(prefixed(r.name, Describe(err)), "; "), true
			}
			continue
		}
		if s, _ := v.(string); r.listMax != nil && len(strings.Split(s, r.listMax.separator)) > r.listMax.max {
			return r.listMax.code, fmt.Sprintf("%s: more than %d items", r.name, r.listMax.max), true
		}
	}
	return 0, "", false
}

// DateRejection applies the ExtMaxDaysBack rules to a valid request, with
// now as the server's clock: the server's retention rather than the
// request's shape, so the mock checks it where a handler would.
func (o *Operation) DateRejection(body map[string]any, query url.Values, now time.Time) (code int, problem string, found bool) {
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, now.Location())
	for _, r := range o.rules {
		if r.daysBack == nil {
			continue
		}
		v, _ := r.value(body, query)
		s, _ := v.(string)
		if day, err := time.ParseInLocation(r.daysBack.layout, s, now.Location()); err == nil && day.Before(today.AddDate(0, 0, -r.daysBack.days)) {
			return r.daysBack.code, fmt.Sprintf("%s: more than %d days back", r.name, r.daysBack.days), true
		}
	}
	return 0, "", false
}

// value is the rule's field in the request: a body property, or a query
// parameter typed as a form value is.
func (r fieldRule) value(body map[string]any, query url.Values) (any, bool) {
	if !r.inQuery {
		v, ok := body[r.name]
		return v, ok
	}
	q, ok := query[r.name]
	if !ok || len(q) == 0 {
		return nil, false
	}
	return formValue(r.schema, q[0]), true
}

// prefixed names the field in Describe's sentences of a field's own
// schema, which know no field.
func prefixed(field string, problems []string) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = field + ": " + strings.TrimPrefix(p, ": ")
	}
	return out
}
