package specs

import (
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// ExtCallback marks a component schema as a callback the vendor pushes to
// the caller's server, and says how it arrives and what the vendor expects
// back:
//
//	x-callback:
//	  in: [query, form]          # where its fields are: query, form and/or json
//	  reply: {success: success, failure: error}   # the text NXCloud expects
//	  signed: {bizType: "4", actions: [dr, mo]}   # optional: NXCloud's signed headers
//	  callback-id: true          # optional: EngageLab's X-CALLBACK-ID
//	  echo: echostr              # optional: the address probe's field, echoed back
//
// codegen gives each one a typed receiver in package webhook; the mock can
// send it.
const ExtCallback = "x-callback"

// Callback is one ExtCallback schema.
type Callback struct {
	Doc    *Document
	Name   string // the component schema's name
	Schema *openapi3.Schema
	// In lists where the fields arrive: "query", "form", "json".
	In []string
	// Success and Failure are the reply bodies for an accepted and a
	// refused callback.
	Success, Failure string
	// Signed, when set, says the callback carries NXCloud's signed
	// headers (x-callback signed: {bizType, actions}): a receiver verifies
	// them over the raw body and takes only these constants.
	Signed *CallbackSignature
	// CallbackID says the callback may carry EngageLab's X-CALLBACK-ID
	// (x-callback callback-id: true): a receiver verifies it with the
	// callback secret and username configured in EngageLab's console.
	CallbackID bool
	// Echo names the field of the probe the vendor sends when the address
	// is saved ({"echostr": "12345678"}): it is answered with that field's
	// value as plain text, before any other check (x-callback echo).
	Echo string
}

// CallbackSignature is the signed-header constants a signed callback
// carries: one bizType, and the actions it may name (dr, mo).
type CallbackSignature struct {
	BizType string
	Actions []string
}

// Accepts reports whether a callback signed with bizType and action is
// one of this kind.
func (c *CallbackSignature) Accepts(bizType, action string) bool {
	return bizType == c.BizType && slices.Contains(c.Actions, action)
}

// Callbacks lists the spec's callback schemas, by name.
func (d *Document) Callbacks() ([]*Callback, error) {
	var out []*Callback
	if d.OpenAPI.Components == nil {
		return nil, nil
	}
	for _, name := range sortedKeys(d.OpenAPI.Components.Schemas) {
		ref := d.OpenAPI.Components.Schemas[name]
		if ref.Value == nil {
			continue
		}
		raw, ok := ref.Value.Extensions[ExtCallback]
		if !ok {
			continue
		}
		c, err := parseCallback(d, name, ref.Value, raw)
		if err != nil {
			return nil, fmt.Errorf("specs: %s: %s: %w", d.Name, name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Callback returns the named callback schema.
func (d *Document) Callback(name string) (*Callback, error) {
	all, err := d.Callbacks()
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("specs: %s has no callback schema %s (with %s)", d.Name, name, ExtCallback)
}

func parseCallback(d *Document, name string, s *openapi3.Schema, raw any) (*Callback, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object", ExtCallback)
	}
	c := &Callback{Doc: d, Name: name, Schema: s}
	hasReply := false
	for k, v := range m {
		switch k {
		case "in":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return nil, fmt.Errorf("%s.in must list query, form or json", ExtCallback)
			}
			for _, x := range list {
				where, _ := x.(string)
				if !slices.Contains([]string{"query", "form", "json"}, where) {
					return nil, fmt.Errorf("%s.in: %v is not query, form or json", ExtCallback, x)
				}
				c.In = append(c.In, where)
			}
		case "reply":
			// Empty texts are empty bodies (EngageLab wants only a status).
			r, ok := v.(map[string]any)
			var okS, okF bool
			c.Success, okS = r["success"].(string)
			c.Failure, okF = r["failure"].(string)
			if !ok || !okS || !okF {
				return nil, fmt.Errorf("%s.reply needs success and failure texts", ExtCallback)
			}
			hasReply = true
		case "callback-id":
			b, ok := v.(bool)
			if !ok {
				return nil, fmt.Errorf("%s.callback-id must be true or false", ExtCallback)
			}
			c.CallbackID = b
		case "echo":
			e, _ := v.(string)
			if e == "" {
				return nil, fmt.Errorf("%s.echo must name the probe's field", ExtCallback)
			}
			c.Echo = e
		case "signed":
			m, _ := v.(map[string]any)
			sig := &CallbackSignature{}
			sig.BizType, _ = m["bizType"].(string)
			acts, _ := m["actions"].([]any)
			for _, a := range acts {
				if a, ok := a.(string); ok && a != "" {
					sig.Actions = append(sig.Actions, a)
				}
			}
			if sig.BizType == "" || len(sig.Actions) == 0 || len(sig.Actions) != len(acts) || len(m) != 2 {
				return nil, fmt.Errorf("%s.signed must be {bizType: <string>, actions: [<string>, …]}", ExtCallback)
			}
			c.Signed = sig
		default:
			return nil, fmt.Errorf("%s: unknown key %q", ExtCallback, k)
		}
	}
	if len(c.In) == 0 || !hasReply {
		return nil, fmt.Errorf("%s needs in and reply", ExtCallback)
	}
	if c.Signed != nil && c.CallbackID {
		return nil, fmt.Errorf("%s: signed (NXCloud) and callback-id (EngageLab) exclude each other", ExtCallback)
	}
	if c.Signed != nil && !slices.Equal(c.In, []string{"json"}) {
		// The signature covers the raw body; NXCloud signs only JSON ones.
		return nil, fmt.Errorf("%s: a signed callback arrives in: [json]", ExtCallback)
	}
	return c, nil
}

// ExtPages says that an operation reads one page of a list, and how to
// walk them: `{page: page, total-pages: totalPage}` names the params'
// page number and the result's count of pages. codegen then gives the
// operation a <Method>Pages iterator.
const ExtPages = "x-pages"

// Pages is an operation's ExtPages.
type Pages struct{ Page, TotalPages string }

// PagesOf reads the operation's x-pages; nil when it has none.
func (o *Operation) PagesOf() (*Pages, error) {
	raw, ok := o.Spec.Extensions[ExtPages]
	if !ok {
		return nil, nil
	}
	m, _ := raw.(map[string]any)
	p := &Pages{}
	p.Page, _ = m["page"].(string)
	p.TotalPages, _ = m["total-pages"].(string)
	if p.Page == "" || p.TotalPages == "" || len(m) != 2 {
		return nil, fmt.Errorf("%s %s must be {page: <params field>, total-pages: <result field>}", o.FullName(), ExtPages)
	}
	params := o.ParamsSchema()
	if params == nil || params.Value == nil || propertySchema(params.Value, p.Page) == nil {
		return nil, fmt.Errorf("%s %s: the params have no field %q", o.FullName(), ExtPages, p.Page)
	}
	result := o.PayloadSchema()
	if result == nil || result.Value == nil || propertySchema(result.Value, p.TotalPages) == nil {
		return nil, fmt.Errorf("%s %s: the result has no field %q", o.FullName(), ExtPages, p.TotalPages)
	}
	return p, nil
}
