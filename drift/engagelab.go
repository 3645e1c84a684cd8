package drift

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// engagelab reads EngageLab's OpenAPI JSON files and compares each of
// their operations with the OTP spec's operation of the same method and
// path (SMS and WhatsApp send to /v1/messages too, on their own hosts).
func (c *checker) engagelab() error {
	files, err := filepath.Glob(filepath.Join(c.opts.EngageLabOpenAPI, "*.json"))
	if err != nil {
		return fmt.Errorf("drift: EngageLab OpenAPI: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("drift: EngageLab OpenAPI: no *.json file in %s", c.opts.EngageLabOpenAPI)
	}
	sort.Strings(files)
	for _, f := range files {
		eps, err := ParseOpenAPI(f)
		if err != nil {
			return err
		}
		for i := range eps {
			ep := &eps[i]
			row := Row{Vendor: "engagelab", Source: ep.Source, Kind: KindEndpoint, Product: "EngageLab OTP", Auth: "basic",
				Method: strings.Join(ep.Methods, ","), URL: ep.URL}
			o := c.matchIn(engageLabOpenAPISpec, ep.Methods, ep.Path())
			if o == nil {
				row.Status = StatusNone
				c.add(Finding{Kind: NoOperation, Source: ep.Source, Doc: row.Method + " " + ep.URL, Note: "no spec operation has this method and path"})
			} else {
				row.Status, row.CoveredBy = StatusCovered, o.FullName()
				c.matched[o] = true
				c.compare(ep, o)
			}
			c.report.Coverage = append(c.report.Coverage, row)
		}
	}
	return nil
}

// ParseOpenAPI reads one OpenAPI document and returns its operations as
// documented endpoints: fields from the JSON request body and the 200
// response, and the response statuses as codes.
func ParseOpenAPI(file string) ([]Endpoint, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("drift: %s: %w", file, err)
	}
	server := ""
	if len(t.Servers) > 0 {
		server = strings.TrimSuffix(t.Servers[0].URL, "/")
	}
	var out []Endpoint
	for _, p := range t.Paths.InMatchingOrder() {
		item := t.Paths.Value(p)
		var methods []string
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op := item.Operations()[m]
			ep := Endpoint{
				Source:   filepath.Base(file) + " " + strings.ToUpper(m) + " " + p,
				Title:    op.Summary,
				Methods:  []string{strings.ToUpper(m)},
				URL:      server + p,
				codeKind: "status",
			}
			req, types := requestSchema(op)
			if len(types) > 0 {
				ep.ContentType = types[0]
			}
			ep.Request = flatFields(req, "")
			ep.Response = flatFields(responseSchema(op, "200"), "")
			for _, s := range statusKeys(op) {
				ep.Codes = append(ep.Codes, Code{Text: s})
			}
			out = append(out, ep)
		}
	}
	return out, nil
}

func flatFields(ref *openapi3.SchemaRef, prefix string) []Field {
	fs := newFieldSet()
	var none []scopedDecl
	flatten(ref, prefix, fs, nil, &none, "", 0)
	out := make([]Field, 0, len(fs.order))
	for _, n := range fs.order {
		out = append(out, fs.fields[n])
	}
	return out
}
