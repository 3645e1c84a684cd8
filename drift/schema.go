package drift

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ExtDivergences is the spec extension that declares known, reasoned
// differences between a spec and the vendor's documentation. It may sit on
// an operation, on a schema (a component, an inline schema, a property),
// or on the ResultCode/ErrorCode catalogue, and holds a list of
// Declaration.
const ExtDivergences = "x-doc-divergences"

// Declaration is one declared divergence.
type Declaration struct {
	// Kind is the kind of finding it declares (type, required, ...).
	Kind string `json:"kind"`
	// Field names what it concerns, relative to where it sits: a property
	// name on a schema ("data", or empty for the property the extension is
	// on), a full path on an operation ("response.data", "request.phone",
	// "bizType"), "code 88" on a code catalogue.
	Field string `json:"field,omitempty"`
	// Doc is what the documentation says: a type, "required" or
	// "optional", a value, "documented" or "absent". A declaration stops
	// matching when the documentation changes.
	Doc string `json:"doc"`
	// Reason says why the spec departs from the documentation.
	Reason string `json:"reason"`

	where string // the spec location, for messages
	used  bool   // matched a finding
	seen  bool   // its scope was compared, so that used means something
}

// Where is the spec location the declaration sits at.
func (d *Declaration) Where() string { return d.where }

// scopedDecl is a declaration resolved to a full field path.
type scopedDecl struct {
	path string
	d    *Declaration
}

// declStore parses each x-doc-divergences extension once, so that a
// declaration on a shared schema is one object whichever operation reaches
// it.
type declStore struct {
	byOwner map[any][]*Declaration
	all     []*Declaration
	errs    []error
}

func newDeclStore() *declStore { return &declStore{byOwner: map[any][]*Declaration{}} }

func (s *declStore) of(owner any, ext map[string]any, where string) []*Declaration {
	if ds, ok := s.byOwner[owner]; ok {
		return ds
	}
	var ds []*Declaration
	if raw, ok := ext[ExtDivergences]; ok {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &ds); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s: %s: %w", where, ExtDivergences, err))
			ds = nil
		}
		for _, d := range ds {
			d.where = where
			if !findingKinds[d.Kind] || d.Reason == "" || d.Doc == "" {
				s.errs = append(s.errs, fmt.Errorf("%s: %s: each entry needs a known kind, the doc fact and a reason (got kind %q)", where, ExtDivergences, d.Kind))
			}
		}
		s.all = append(s.all, ds...)
	}
	s.byOwner[owner] = ds
	return ds
}

// fieldSet is a flattened schema: every field by path, in order.
type fieldSet struct {
	order  []string
	fields map[string]Field
}

func newFieldSet() *fieldSet { return &fieldSet{fields: map[string]Field{}} }

func (fs *fieldSet) add(f Field) {
	if _, ok := fs.fields[f.Name]; !ok {
		fs.order = append(fs.order, f.Name)
	}
	fs.fields[f.Name] = f
}

// hasChildren reports whether some field lies below path.
func (fs *fieldSet) hasChildren(path string) bool {
	for _, n := range fs.order {
		if strings.HasPrefix(n, path+".") {
			return true
		}
	}
	return false
}

// flatten walks a schema and adds every property below prefix, arrays
// transparently (an array's element fields sit under the array's own
// path). Declarations met on the way are resolved against their paths.
// A schema with no required list leaves its fields' Required unstated.
func flatten(ref *openapi3.SchemaRef, prefix string, fs *fieldSet, store *declStore, decls *[]scopedDecl, where string, depth int) {
	if ref == nil || ref.Value == nil || depth > 10 {
		return
	}
	parts := collect(ref, where)
	for _, p := range parts {
		if store != nil {
			for _, d := range store.of(p.s, p.s.Extensions, p.where) {
				*decls = append(*decls, scopedDecl{path: join(prefix, d.Field), d: d})
			}
		}
	}
	required := map[string]bool{}
	stated := false
	props := map[string]*openapi3.SchemaRef{}
	var names []string
	var items *openapi3.SchemaRef
	for _, p := range parts {
		if p.s.Required != nil {
			stated = true
		}
		for _, r := range p.s.Required {
			required[r] = true
		}
		for n, pr := range p.s.Properties {
			if _, ok := props[n]; !ok {
				names = append(names, n)
			}
			props[n] = pr
		}
		if p.s.Items != nil {
			items = p.s.Items
		}
	}
	if items != nil {
		flatten(items, prefix, fs, store, decls, where+"[]", depth+1)
	}
	sort.Strings(names)
	for _, n := range names {
		pr := props[n]
		f := Field{Name: join(prefix, n), Type: schemaType(pr, where)}
		if stated {
			r := required[n]
			f.Required = &r
		}
		fs.add(f)
		flatten(pr, f.Name, fs, store, decls, where+"."+n, depth+1)
	}
}

type schemaPart struct {
	s     *openapi3.Schema
	where string
}

// collect returns a schema and, recursively, its allOf members.
func collect(ref *openapi3.SchemaRef, where string) []schemaPart {
	if ref == nil || ref.Value == nil {
		return nil
	}
	if ref.Ref != "" {
		where = strings.TrimPrefix(ref.Ref, "#/components/schemas/")
	}
	out := []schemaPart{{ref.Value, where}}
	for i, m := range ref.Value.AllOf {
		out = append(out, collect(m, fmt.Sprintf("%s.allOf[%d]", where, i))...)
	}
	return out
}

// schemaType is a schema's JSON type, looking through allOf; "object" for
// a typeless schema with properties.
func schemaType(ref *openapi3.SchemaRef, where string) string {
	for _, p := range collect(ref, where) {
		if p.s.Type != nil && len(p.s.Type.Slice()) > 0 {
			return p.s.Type.Slice()[0]
		}
	}
	for _, p := range collect(ref, where) {
		if len(p.s.Properties) > 0 {
			return "object"
		}
	}
	return ""
}

func join(prefix, name string) string {
	switch {
	case name == "":
		return prefix
	case prefix == "":
		return name
	}
	return prefix + "." + name
}

// opView is what drift compares of one spec operation (or callback schema).
type opView struct {
	name        string // FullName
	request     *fieldSet
	response    *fieldSet
	contentType []string
	server      string
	docServer   string // the documentation's own URL for it (servers[0].x-doc-url)
	bizType     string
	action      string
	signed      bool
	statuses    []string // response status keys, EngageLab
	decls       []scopedDecl
}

// requestSchema and responseSchema pick the JSON bodies of an operation.
func requestSchema(op *openapi3.Operation) (*openapi3.SchemaRef, []string) {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, nil
	}
	var types []string
	var schema *openapi3.SchemaRef
	for ct, mt := range op.RequestBody.Value.Content {
		types = append(types, ct)
		if schema == nil || strings.Contains(ct, "json") {
			schema = mt.Schema
		}
	}
	sort.Strings(types)
	return schema, types
}

func responseSchema(op *openapi3.Operation, status string) *openapi3.SchemaRef {
	if op.Responses == nil {
		return nil
	}
	r := op.Responses.Value(status)
	if r == nil || r.Value == nil {
		return nil
	}
	for ct, mt := range r.Value.Content {
		if strings.Contains(ct, "json") {
			return mt.Schema
		}
	}
	return nil
}

func statusKeys(op *openapi3.Operation) []string {
	if op.Responses == nil {
		return nil
	}
	keys := op.Responses.Keys()
	sort.Strings(keys)
	return keys
}
