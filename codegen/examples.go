package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/verikit/verikit/specs"
)

// Each product's package gets example.gen_test.go: one godoc Example per
// operation, calling it against the mock with the spec's request example,
// so that every method has a worked call on pkg.go.dev and `go test` runs
// each one. An operation that reads what another made (an OpenAPI link to
// it from that operation's success) first makes it: OTA verify calls init.

// mockCredentials are the vendor credentials a fresh mock accepts, by
// vendor: the one place the examples tell the vendors apart.
var mockCredentials = map[string][2]string{
	"nxcloud":   {"mock.DefaultAccessKey", "mock.DefaultAccessSecret"},
	"engagelab": {"mock.DefaultDevKey", "mock.DefaultDevSecret"},
}

// models is what an example needs of a package's generated types: each
// type's definition, by name.
type models struct {
	pkg   string
	types map[string]ast.Expr
	// aliases are the names declared with =, which %T does not print.
	aliases map[string]bool
}

func parseModels(pkg string, src []byte) (*models, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "models.gen.go", src, 0)
	if err != nil {
		return nil, err
	}
	m := &models{pkg: pkg, types: map[string]ast.Expr{}, aliases: map[string]bool{}}
	for _, decl := range f.Decls {
		if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				m.types[ts.Name.Name] = ts.Type
				m.aliases[ts.Name.Name] = ts.Assign.IsValid()
			}
		}
	}
	return m, nil
}

// field finds a struct type's field by its JSON name.
func (m *models) field(typ ast.Expr, jsonName string) (string, ast.Expr, bool) {
	st, ok := m.resolve(typ).(*ast.StructType)
	if !ok {
		return "", nil, false
	}
	for _, f := range st.Fields.List {
		if f.Tag == nil || len(f.Names) != 1 {
			continue
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
		if name == jsonName {
			return f.Names[0].Name, f.Type, true
		}
	}
	return "", nil, false
}

// resolve follows a local type name to its definition.
func (m *models) resolve(t ast.Expr) ast.Expr {
	for i := 0; i < 8; i++ {
		id, ok := t.(*ast.Ident)
		if !ok {
			return t
		}
		def, ok := m.types[id.Name]
		if !ok {
			return t
		}
		t = def
	}
	return t
}

// typeText writes a type expression as the example package sees it.
func (m *models) typeText(t ast.Expr) (string, error) {
	switch t := t.(type) {
	case *ast.Ident:
		if _, local := m.types[t.Name]; local {
			return m.pkg + "." + t.Name, nil
		}
		return t.Name, nil
	case *ast.StarExpr:
		s, err := m.typeText(t.X)
		return "*" + s, err
	case *ast.ArrayType:
		if t.Len != nil {
			return "", fmt.Errorf("array type")
		}
		s, err := m.typeText(t.Elt)
		return "[]" + s, err
	case *ast.MapType:
		k, err := m.typeText(t.Key)
		if err != nil {
			return "", err
		}
		v, err := m.typeText(t.Value)
		return "map[" + k + "]" + v, err
	case *ast.InterfaceType:
		return "any", nil
	}
	return "", fmt.Errorf("type %T", t)
}

// imports collects what a literal needs beyond the product's package.
type imports map[string]bool

// literal writes v, a JSON value from a spec example, as a Go expression of
// type t; an error means it has no plain literal (a date, say), and the
// example decodes the JSON instead.
func (m *models) literal(t ast.Expr, v any, im imports) (string, error) {
	switch tt := t.(type) {
	case *ast.Ident:
		switch tt.Name {
		case "string":
			s, ok := v.(string)
			if !ok {
				return "", fmt.Errorf("%v is not a string", v)
			}
			return strconv.Quote(s), nil
		case "bool":
			b, ok := v.(bool)
			if !ok {
				return "", fmt.Errorf("%v is not a boolean", v)
			}
			return strconv.FormatBool(b), nil
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
			f, ok := number(v)
			if !ok || f != math.Trunc(f) {
				return "", fmt.Errorf("%v is not an integer", v)
			}
			return strconv.FormatInt(int64(f), 10), nil
		case "float32", "float64":
			f, ok := number(v)
			if !ok {
				return "", fmt.Errorf("%v is not a number", v)
			}
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		case "any":
			return m.anyLiteral(v)
		}
		def, local := m.types[tt.Name]
		if !local {
			return "", fmt.Errorf("type %s", tt.Name)
		}
		if _, isStruct := def.(*ast.StructType); isStruct {
			return m.structLiteral(m.pkg+"."+tt.Name, def.(*ast.StructType), v, im)
		}
		// A named scalar, slice or map takes its underlying type's
		// literal: untyped constants and unnamed composites are assignable.
		return m.literal(def, v, im)
	case *ast.StarExpr:
		inner, err := m.literal(tt.X, v, im)
		if err != nil {
			return "", err
		}
		if _, isStruct := m.resolve(tt.X).(*ast.StructType); isStruct {
			return "&" + inner, nil
		}
		typ, err := m.typeText(tt.X)
		if err != nil {
			return "", err
		}
		im["github.com/verikit/verikit"] = true
		return "verikit.Ptr[" + typ + "](" + inner + ")", nil
	case *ast.ArrayType:
		list, ok := v.([]any)
		if !ok || tt.Len != nil {
			return "", fmt.Errorf("%v is not a list", v)
		}
		typ, err := m.typeText(tt)
		if err != nil {
			return "", err
		}
		var elems []string
		for _, e := range list {
			s, err := m.literal(tt.Elt, e, im)
			if err != nil {
				return "", err
			}
			elems = append(elems, s)
		}
		elemType, _ := m.typeText(tt.Elt)
		for i, e := range elems { // []T{{…}}, as gofmt -s writes it
			elems[i] = strings.TrimPrefix(e, elemType)
		}
		return composite(typ, elems), nil
	case *ast.MapType:
		obj, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%v is not an object", v)
		}
		if k, ok := tt.Key.(*ast.Ident); !ok || k.Name != "string" {
			return "", fmt.Errorf("map key")
		}
		typ, err := m.typeText(tt)
		if err != nil {
			return "", err
		}
		var elems []string
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			s, err := m.literal(tt.Value, obj[k], im)
			if err != nil {
				return "", err
			}
			elems = append(elems, strconv.Quote(k)+": "+s)
		}
		return composite(typ, elems), nil
	case *ast.InterfaceType:
		return m.anyLiteral(v)
	case *ast.SelectorExpr:
		if x, ok := tt.X.(*ast.Ident); ok && x.Name == "upload" && tt.Sel.Name == "File" {
			s, ok := v.(string)
			if !ok {
				return "", fmt.Errorf("a file's example is not text")
			}
			im["github.com/verikit/verikit/upload"] = true
			im["strings"] = true
			return fmt.Sprintf("upload.File{Name: %q, Body: strings.NewReader(%q)}", "example.txt", s), nil
		}
	}
	return "", fmt.Errorf("no literal for %T", t)
}

func (m *models) structLiteral(typ string, st *ast.StructType, v any, im imports) (string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("%v is not an object", v)
	}
	var fields []string
	for _, f := range st.Fields.List {
		if f.Tag == nil || len(f.Names) != 1 {
			continue
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
		val, present := obj[name]
		if !present || val == nil {
			continue
		}
		s, err := m.literal(f.Type, val, im)
		if err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		fields = append(fields, f.Names[0].Name+": "+s)
	}
	set := 0
	for _, val := range obj {
		if val != nil {
			set++
		}
	}
	if set != len(fields) { // a field the type does not have, say in AdditionalProperties
		return "", fmt.Errorf("the example has fields %s does not", typ)
	}
	return composite(typ, fields), nil
}

// composite writes a composite literal, one element a line once it grows
// past a short line (gofmt indents them).
func composite(typ string, elems []string) string {
	one := typ + "{" + strings.Join(elems, ", ") + "}"
	if len(one) <= 72 && !strings.Contains(one, "\n") {
		return one
	}
	return typ + "{\n" + strings.Join(elems, ",\n") + ",\n}"
}

// anyLiteral writes a free-form JSON value as Go's decoding of it.
func (m *models) anyLiteral(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case map[string]any:
		var elems []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			s, err := m.anyLiteral(v[k])
			if err != nil {
				return "", err
			}
			elems = append(elems, strconv.Quote(k)+": "+s)
		}
		return "map[string]any{" + strings.Join(elems, ", ") + "}", nil
	case []any:
		var elems []string
		for _, e := range v {
			s, err := m.anyLiteral(e)
			if err != nil {
				return "", err
			}
			elems = append(elems, s)
		}
		return "[]any{" + strings.Join(elems, ", ") + "}", nil
	}
	if f, ok := number(v); ok {
		return "float64(" + strconv.FormatFloat(f, 'g', -1, 64) + ")", nil
	}
	return "", fmt.Errorf("no literal for %v", v)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// exampleCall is one call of an example: an operation and what it takes.
type exampleCall struct {
	op   *operation
	spec *specs.Operation
	// params and res name its variables.
	params, res string
}

// generateExamples writes a product's example.gen_test.go.
func generateExamples(d *specs.Document, p *product, src []byte, dir string) error {
	m, err := parseModels(d.SDK.Package, src)
	if err != nil {
		return err
	}
	creds, ok := mockCredentials[d.SDK.Vendor]
	if !ok {
		return fmt.Errorf("codegen knows no mock credentials for vendor %s", d.SDK.Vendor)
	}
	im := imports{
		"context": true, "fmt": true, "log": true, "net/http/httptest": true,
		"github.com/verikit/verikit/mock": true, "github.com/verikit/verikit/option": true,
		module + "/" + d.SDK.Vendor: true, p.ImportPath: true,
	}
	var body strings.Builder
	byID := map[string]*operation{}
	for _, op := range p.Ops {
		byID[op.ID] = op
	}
	for _, op := range p.Ops {
		o, _ := d.Operation(op.ID)
		text, err := m.example(d, p, o, op, byID, im)
		if err != nil {
			return fmt.Errorf("example of %s: %w", op.ID, err)
		}
		body.WriteString(text)
	}

	var b strings.Builder
	b.WriteString(header + "package " + d.SDK.Package + "_test\n\nimport (\n")
	for _, std := range []bool{true, false} { // the standard library first
		if !std {
			b.WriteString("\n")
		}
		for _, path := range slices.Sorted(maps.Keys(im)) {
			if !strings.Contains(path, ".") == std {
				fmt.Fprintf(&b, "\t%q\n", path)
			}
		}
	}
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "// exampleClient serves a fresh mock and returns a client of it, with\n// every application key pair the mock accepts; a real program passes its\n// own credentials and no base URL.\nfunc exampleClient() (*%s.Client, func()) {\n", d.SDK.Vendor)
	b.WriteString("\tm, err := mock.New(mock.Config{})\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\tsrv := httptest.NewServer(m)\n")
	b.WriteString("\topts := []option.Option{option.WithBaseURL(srv.URL)}\n")
	if len(p.CredentialSets) > 0 {
		var sets []string
		for _, set := range p.CredentialSets {
			sets = append(sets, strconv.Quote(set))
		}
		fmt.Fprintf(&b, "\tfor _, set := range []string{%s} {\n\t\tkey, secret := m.AppCredentials(set)\n\t\topts = append(opts, option.WithAppCredentials(set, key, secret))\n\t}\n", strings.Join(sets, ", "))
	}
	fmt.Fprintf(&b, "\tc, err := %s.NewClient(%s, %s, opts...)\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n\treturn c, srv.Close\n}\n", d.SDK.Vendor, creds[0], creds[1])
	b.WriteString(body.String())
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return fmt.Errorf("generated examples do not parse: %w\n%s", err, b.String())
	}
	return os.WriteFile(filepath.Join(dir, "example.gen_test.go"), out, 0o644)
}

// chain is the calls an operation's example makes: those whose results it
// reads (links to it), first, then its own.
func chain(d *specs.Document, o *specs.Operation, byID map[string]*operation) ([]*exampleCall, error) {
	var calls []*exampleCall
	seen := map[string]bool{}
	for cur := o; cur != nil; {
		if seen[cur.ID] {
			return nil, fmt.Errorf("the links to %s go round in a circle", o.ID)
		}
		seen[cur.ID] = true
		calls = append([]*exampleCall{{op: byID[cur.ID], spec: cur}}, calls...)
		cur = linkedFrom(d, cur.ID)
	}
	for i, c := range calls {
		c.params, c.res = "params", "res"
		if i < len(calls)-1 {
			c.params, c.res = lowerFirst(c.op.Name)+"Params", lowerFirst(c.op.Name)+"Res"
		}
	}
	return calls, nil
}

// linkedFrom is the operation whose success links to id, or nil.
func linkedFrom(d *specs.Document, id string) *specs.Operation {
	for _, o := range d.Operations {
		if r := o.Spec.Responses.Value(fmt.Sprint(o.Success.Status)); r != nil && r.Value != nil {
			for _, name := range slices.Sorted(maps.Keys(r.Value.Links)) {
				if l := r.Value.Links[name]; l != nil && l.Value != nil && l.Value.OperationID == id {
					return o
				}
			}
		}
	}
	return nil
}

// link is the link from prev's success to next.
func link(prev *specs.Operation, next string) map[string]any {
	r := prev.Spec.Responses.Value(fmt.Sprint(prev.Success.Status))
	for _, name := range slices.Sorted(maps.Keys(r.Value.Links)) {
		if l := r.Value.Links[name]; l.Value.OperationID == next {
			return l.Value.Parameters
		}
	}
	return nil
}

func (m *models) example(d *specs.Document, p *product, o *specs.Operation, op *operation, byID map[string]*operation, im imports) (string, error) {
	calls, err := chain(d, o, byID)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	summary := strings.TrimSuffix(strings.TrimSpace(o.Spec.Summary), ".")
	doc := fmt.Sprintf("%s: %s, with the spec's request example.", op.Name, lowerFirst(summary))
	if len(calls) > 1 {
		doc += fmt.Sprintf(" It first calls %s, whose result it reads (the spec's links).", calls[len(calls)-2].op.Name)
	}
	b.WriteString("\n" + comment(wrap(doc, 76)))
	fmt.Fprintf(&b, "func ExampleClient_%s() {\n\tc, stop := exampleClient()\n\tdefer stop()\n\tctx := context.Background()\n\n", op.Name)
	for i, call := range calls {
		last := i == len(calls)-1
		var args []string
		for _, pp := range call.op.PathParams {
			ex, err := pathExample(call.spec, pp.Name)
			if err != nil {
				return "", err
			}
			args = append(args, strconv.Quote(ex))
		}
		if call.op.Params != "" {
			if err := m.writeParams(&b, call, im); err != nil {
				return "", err
			}
			if i > 0 {
				if err := m.writeLinked(&b, calls[i-1], call); err != nil {
					return "", err
				}
			}
			args = append(args, call.params)
		} else if i > 0 && len(link(calls[i-1].spec, call.spec.ID)) > 0 {
			return "", fmt.Errorf("the link from %s sets parameters of %s, which takes no params (a path parameter cannot be linked yet)", calls[i-1].spec.ID, call.spec.ID)
		}
		callText := fmt.Sprintf("c.%s.%s(%s)", p.Field, call.op.Name, strings.Join(append([]string{"ctx"}, args...), ", "))
		switch {
		case last && call.op.Result != "":
			fmt.Fprintf(&b, "\tres, err := %s\n\tif err != nil {\n\t\tfmt.Println(\"error:\", err)\n\t\treturn\n\t}\n", callText)
		case last:
			fmt.Fprintf(&b, "\tif err := %s; err != nil {\n\t\tfmt.Println(\"error:\", err)\n\t\treturn\n\t}\n", callText)
		case call.op.Result != "" && readsResponse(link(call.spec, calls[i+1].spec.ID)):
			fmt.Fprintf(&b, "\t%s, err := %s\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n", call.res, callText)
		case call.op.Result != "":
			fmt.Fprintf(&b, "\tif _, err := %s; err != nil {\n\t\tlog.Fatal(err)\n\t}\n", callText)
		default:
			fmt.Fprintf(&b, "\tif err := %s; err != nil {\n\t\tlog.Fatal(err)\n\t}\n", callText)
		}
		if !last {
			b.WriteString("\n")
		}
	}
	final := calls[len(calls)-1]
	want := "done"
	if final.op.Result != "" {
		t := ast.Expr(&ast.Ident{Name: final.op.Result})
		for id, ok := t.(*ast.Ident); ok && m.aliases[id.Name]; id, ok = t.(*ast.Ident) {
			t = m.types[id.Name]
		}
		name, err := m.typeText(t)
		if err != nil {
			return "", err
		}
		want = "*" + name
		if final.op.ResultIsSlice {
			want = "[]" + name
		}
		b.WriteString("\tfmt.Printf(\"%T\\n\", res)\n")
	} else {
		b.WriteString("\tfmt.Println(\"done\")\n")
	}
	fmt.Fprintf(&b, "\t// Output: %s\n}\n", want)
	return b.String(), nil
}

// pathExample is a path parameter's example, from the operation's own
// parameters or its path item's.
func pathExample(o *specs.Operation, name string) (string, error) {
	all := o.Spec.Parameters
	if item := o.Doc.OpenAPI.Paths.Value(o.Path); item != nil {
		all = append(all[:len(all):len(all)], item.Parameters...) // never into the operation's own slice
	}
	for _, ref := range all {
		if p := ref.Value; p != nil && p.In == "path" && p.Name == name {
			if p.Example != nil {
				return fmt.Sprint(p.Example), nil
			}
			if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Example != nil {
				return fmt.Sprint(p.Schema.Value.Example), nil
			}
		}
	}
	return "", fmt.Errorf("path parameter %s has no example", name)
}

// readsResponse reports whether a link's parameters read the answer.
func readsResponse(params map[string]any) bool {
	for _, v := range params {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "$response.") {
			return true
		}
	}
	return false
}

// writeParams declares a call's params from its operation's request
// example: a literal where one can be written, else the example's JSON.
func (m *models) writeParams(b *strings.Builder, call *exampleCall, im imports) error {
	typ := &ast.Ident{Name: call.op.Params}
	ex := call.spec.RequestExample()
	for _, pp := range call.spec.Spec.Parameters { // query parameters' own examples
		if pp.Value != nil && pp.Value.In == "query" {
			if _, set := ex[pp.Value.Name]; !set && pp.Value.Example != nil {
				if ex == nil {
					ex = map[string]any{}
				}
				ex[pp.Value.Name] = pp.Value.Example
			}
		}
	}
	if ex == nil {
		ex = map[string]any{}
	}
	// A date the spec bounds to the last days (x-max-days-back) is today's:
	// the spec's example date has long passed.
	var today []string
	for _, pf := range call.spec.ParamFields() {
		rule, _ := pf.Schema.Extensions[specs.ExtMaxDaysBack].(map[string]any)
		layout, _ := rule["layout"].(string)
		if _, set := ex[pf.Name]; !set || layout == "" {
			continue
		}
		goField, _, found := m.field(typ, pf.Name)
		if !found {
			return fmt.Errorf("%s is not a field of %s", pf.Name, call.op.Params)
		}
		delete(ex, pf.Name)
		im["time"] = true
		today = append(today, fmt.Sprintf("\t%s.%s = time.Now().Format(%q) // the spec allows only recent days\n", call.params, goField, layout))
	}
	defer func() {
		for _, line := range today {
			b.WriteString(line)
		}
	}()
	local := map[string]bool{}
	lit, err := m.literal(typ, ex, imports(local))
	if err == nil {
		for k := range local {
			im[k] = true
		}
		fmt.Fprintf(b, "\t%s := %s\n", call.params, lit)
		return nil
	}
	raw, err := json.Marshal(ex)
	if err != nil {
		return err
	}
	im["encoding/json"] = true
	fmt.Fprintf(b, "\t// The example's JSON: its fields have no plain Go literal.\n\tvar %s %s.%s\n\tif err := json.Unmarshal([]byte(%s), &%s); err != nil {\n\t\tlog.Fatal(err)\n\t}\n",
		call.params, m.pkg, call.op.Params, "`"+string(raw)+"`", call.params)
	return nil
}

// writeLinked sets the params a link fills from the previous call:
// $response.body#/... from its result, $request.body#/... from its params.
func (m *models) writeLinked(b *strings.Builder, prev, call *exampleCall) error {
	params := link(prev.spec, call.spec.ID)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		expr, ok := params[name].(string)
		if !ok {
			return fmt.Errorf("link parameter %s is not an expression", name)
		}
		goField, _, found := m.field(&ast.Ident{Name: call.op.Params}, name)
		if !found {
			return fmt.Errorf("link parameter %s is not a field of %s", name, call.op.Params)
		}
		var (
			from  string
			typ   ast.Expr
			parts []string
		)
		switch {
		case strings.HasPrefix(expr, "$response.body#/"):
			parts = strings.Split(strings.TrimPrefix(expr, "$response.body#/"), "/")
			if pf := prev.spec.Success.Payload; pf != "" {
				if parts[0] != pf {
					return fmt.Errorf("link %s reads outside the payload %s", expr, pf)
				}
				parts = parts[1:]
			}
			from, typ = prev.res, &ast.Ident{Name: prev.op.Result}
		case strings.HasPrefix(expr, "$request.body#/"):
			parts = strings.Split(strings.TrimPrefix(expr, "$request.body#/"), "/")
			from, typ = prev.params, &ast.Ident{Name: prev.op.Params}
		default:
			return fmt.Errorf("link parameter %s: %q is not a body expression", name, expr)
		}
		for _, part := range parts {
			f, ft, found := m.field(typ, part)
			if !found {
				return fmt.Errorf("link %s: no field %s", expr, part)
			}
			from += "." + f
			typ = ft
		}
		fmt.Fprintf(b, "\t%s.%s = %s\n", call.params, goField, from)
	}
	return nil
}
