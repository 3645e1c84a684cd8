// Command codegen turns the specs in specs/ into Go; `go generate ./...`
// runs it from the module root. For each spec it writes, with nothing
// written by hand per product or per operation:
//
//   - gen/<vendor>/<package>/models.gen.go: the types, by oapi-codegen;
//   - gen/<vendor>/<package>/client.gen.go: one typed method per operation;
//   - gen/<vendor>/<package>/doc.gen.go: the package documentation;
//   - gen/<vendor>/<package>/example.gen_test.go: a godoc Example per
//     operation, run against the mock (examples.go);
//
// and for each vendor <vendor>/client.gen.go (the vendor Client with a
// field per product), and once internal/cli/operations.gen.go (the CLI's
// table of commands). What it needs beyond the OpenAPI text comes from the
// specs' own extensions, through package specs: x-sdk (names), x-success
// (what a method returns) and x-retry-class.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"text/template"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/verikit/verikit/specs"
)

const module = "github.com/verikit/verikit"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
}

func run() error {
	docs, err := specs.All()
	if err != nil {
		return err
	}
	var products []*product
	for _, d := range docs {
		p, err := generateProduct(d)
		if err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
		products = append(products, p)
	}
	if err := checkNames(products); err != nil {
		return err
	}
	if err := removeStale(products); err != nil {
		return err
	}
	byVendor := map[string][]*product{}
	for _, p := range products {
		byVendor[p.Vendor] = append(byVendor[p.Vendor], p)
	}
	var creds []credentialVars
	for vendor, ps := range byVendor {
		var sets []string
		for _, p := range ps {
			for _, set := range p.CredentialSets {
				if !slices.Contains(sets, set) {
					sets = append(sets, set)
				}
			}
		}
		sort.Strings(sets)
		for _, set := range sets {
			prefix := strings.ToUpper(vendor + "_" + set)
			creds = append(creds, credentialVars{Vendor: vendor, Set: set, KeyVar: prefix + "_APPKEY", SecretVar: prefix + "_SECRET"})
		}
		if err := write(filepath.Join(vendor, "client.gen.go"), vendorTmpl, map[string]any{"Vendor": vendor, "Products": ps, "Sets": sets}); err != nil {
			return err
		}
	}
	sort.Slice(creds, func(i, j int) bool { return creds[i].KeyVar < creds[j].KeyVar })
	if err := write(filepath.Join("webhook", "callbacks.gen.go"), webhookTmpl, products); err != nil {
		return err
	}
	return write(filepath.Join("internal", "cli", "operations.gen.go"), cliTmpl, map[string]any{"Products": products, "Credentials": creds})
}

// credentialVars are the environment variables the CLI reads one
// application key pair from.
type credentialVars struct{ Vendor, Set, KeyVar, SecretVar string }

// product is one spec, as the templates see it.
type product struct {
	specs.SDK
	Spec       string // nxcloud/ota
	Title      string
	Doc        string // the package doc, as comment lines
	ImportPath string
	Ops        []*operation
	// CredentialSets are the application key pairs its operations send.
	CredentialSets []string
	// Callbacks are its x-callback schemas, each with a receiver in webhook.
	Callbacks []callbackDef
	// HasPages is set when an operation has an x-pages iterator.
	HasPages bool
}

// callbackDef is one x-callback schema, as the webhook template sees it.
type callbackDef struct {
	Schema, Type, Handler, In string
	// Signed callbacks carry NXCloud's signed headers (x-callback signed);
	// CallbackID ones EngageLab's X-CALLBACK-ID (x-callback callback-id).
	Signed, CallbackID bool
}

// operation is one spec operation, as the templates see it.
type operation struct {
	ID, Method, Name, Command string
	Summary                   string
	CredentialSet             string // x-app-credentials set, or ""
	Doc                       string // comment lines
	PathParams                []pathParam
	Params                    string // Go type of the request, "" for none
	Result                    string // Go type of the payload, "" for none
	ResultIsSlice             bool
	// PageField and TotalPagesField are the Go fields x-pages names, for
	// the <Name>Pages iterator; "" without one.
	PageField, TotalPagesField string
}

type pathParam struct{ Name, Go string }

func generateProduct(d *specs.Document) (*product, error) {
	p := &product{
		SDK:        d.SDK,
		Spec:       d.Name,
		Title:      d.OpenAPI.Info.Title,
		ImportPath: module + "/gen/" + d.SDK.Vendor + "/" + d.SDK.Package,
	}
	dir := filepath.Join("gen", d.SDK.Vendor, d.SDK.Package)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	models, err := generateModels(d)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "models.gen.go"), models, 0o644); err != nil {
		return nil, err
	}
	p.Doc = comment(wrap(fmt.Sprintf("Package %s is the typed client of %s, generated from specs/%s.yaml.", d.SDK.Package, d.OpenAPI.Info.Title, d.Name), 76) +
		"\n\n" + strings.TrimSpace(d.OpenAPI.Info.Description) + "\n\n" +
		wrap(fmt.Sprintf("Get a %s.Client as the %s field of %s.NewClient's client, which adds the credentials. Each method takes a context, the typed params and per-call options (package option), and returns the typed result or an error from package apierror.", d.SDK.Package, d.SDK.Field, d.SDK.Vendor), 76))
	for _, o := range d.Operations {
		op, err := newOperation(d, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID, err)
		}
		p.Ops = append(p.Ops, op)
		p.HasPages = p.HasPages || op.PageField != ""
		if op.CredentialSet != "" && !slices.Contains(p.CredentialSets, op.CredentialSet) {
			p.CredentialSets = append(p.CredentialSets, op.CredentialSet)
		}
	}
	sort.Strings(p.CredentialSets)
	cbs, err := d.Callbacks()
	if err != nil {
		return nil, err
	}
	for _, cb := range cbs {
		// SMS + DeliveryReceiptCallback → SMSDeliveryReceiptHandler; the
		// product's name is not said twice (NumberCheckHandler).
		base := strings.TrimPrefix(strings.TrimSuffix(cb.Name, "Callback"), d.SDK.Field)
		p.Callbacks = append(p.Callbacks, callbackDef{
			Schema: cb.Name, Type: codegen.SchemaNameToTypeName(cb.Name),
			Handler: d.SDK.Field + base + "Handler", In: strings.Join(cb.In, ", "),
			Signed: cb.Signed != nil, CallbackID: cb.CallbackID,
		})
	}
	sort.Slice(p.Ops, func(i, j int) bool { return p.Ops[i].Name < p.Ops[j].Name })
	if err := write(filepath.Join(dir, "doc.gen.go"), docTmpl, p); err != nil {
		return nil, err
	}
	if err := write(filepath.Join(dir, "client.gen.go"), clientTmpl, p); err != nil {
		return nil, err
	}
	return p, generateExamples(d, p, models, dir)
}

// generateModels runs oapi-codegen for the types only: the typed methods
// come from clientTmpl, so its HTTP client is never generated.
func generateModels(d *specs.Document) ([]byte, error) {
	raw, err := specs.Raw(d.Name)
	if err != nil {
		return nil, err
	}
	// oapi-codegen changes the document it is given: parse a fresh one.
	t, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	// The success guards restate x-success for schema-only tools; as an
	// anyOf on each envelope they would change its Go type.
	specs.DropSuccessGuards(t)
	uploadFiles(t)
	version := oapiCodegenVersion()
	src, err := codegen.Generate(t, codegen.Configuration{
		PackageName:   d.SDK.Package,
		Generate:      codegen.GenerateOptions{Models: true},
		Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true},
		OutputOptions: codegen.OutputOptions{
			// The code enums are not referenced by an operation, but
			// their constants are the point: keep every schema.
			SkipPrune:      true,
			NameNormalizer: string(codegen.NameNormalizerFunctionToCamelCaseWithInitialisms),
			// Optional fields are values unless a schema asks for a
			// pointer (x-go-type-skip-optional-pointer: false), where
			// absence and zero differ.
			PreferSkipOptionalPointer:                 true,
			PreferSkipOptionalPointerWithOmitzero:     true,
			PreferSkipOptionalPointerOnContainerTypes: true,
		},
		NoVCSVersionOverride: &version,
	})
	if err != nil {
		return nil, err
	}
	// The package doc is doc.gen.go's; drop oapi-codegen's stock line.
	stock := fmt.Sprintf("// Package %s provides primitives to interact with the openapi HTTP API.\n//\n", d.SDK.Package)
	if !strings.Contains(src, stock) {
		return nil, fmt.Errorf("oapi-codegen's header changed; update codegen to drop its package doc")
	}
	src = strings.Replace(src, stock, "", 1)
	// oapi-codegen names the running program (this module) as the
	// generator, and its header sits on the package clause, where go doc
	// shows it as package documentation: name oapi-codegen, and leave a
	// blank line.
	first, rest, ok := strings.Cut(src, "\n")
	if !ok || !strings.HasPrefix(first, "// Code generated by ") || !strings.HasSuffix(first, "DO NOT EDIT.") {
		return nil, fmt.Errorf("oapi-codegen's header changed; update codegen's rewrite of it")
	}
	header := fmt.Sprintf("// Code generated by oapi-codegen %s (verikit's codegen, go generate ./...) from specs/%s.yaml. DO NOT EDIT.\n\n", version, d.Name)
	return []byte(header + strings.TrimLeft(rest, "\n")), nil
}

// uploadFiles makes every file of a multipart body (a property of format
// binary) or of a form body (format byte, sent as Base64) an upload.File,
// which the client streams, instead of oapi-codegen's in-memory types.
func uploadFiles(t *openapi3.T) {
	for _, item := range t.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			media, format := specs.MediaMultipart, "binary"
			mt := op.RequestBody.Value.Content.Get(media)
			if mt == nil { // a form's file travels as Base64 text
				media, format = specs.MediaForm, "byte"
				mt = op.RequestBody.Value.Content.Get(media)
			}
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			var props []*openapi3.SchemaRef
			for _, s := range append([]*openapi3.SchemaRef{mt.Schema}, mt.Schema.Value.AllOf...) {
				if s != nil && s.Value != nil {
					for _, p := range s.Value.Properties {
						props = append(props, p)
					}
				}
			}
			for _, p := range props {
				if v := p.Value; v != nil && v.Format == format {
					if v.Extensions == nil {
						v.Extensions = map[string]any{}
					}
					v.Extensions["x-go-type"] = "upload.File"
					v.Extensions["x-go-type-import"] = map[string]any{"path": "github.com/verikit/verikit/upload"}
					v.Extensions["x-go-type-skip-optional-pointer"] = true
				}
			}
		}
	}
}

func oapiCodegenVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/oapi-codegen/oapi-codegen/v2" {
				return m.Version
			}
		}
	}
	return "unknown"
}

func newOperation(d *specs.Document, o *specs.Operation) (*operation, error) {
	op := &operation{
		ID:      o.ID,
		Method:  o.Method,
		Name:    codegen.ToCamelCaseWithInitialisms(o.ID),
		Command: kebab(o.ID),
		Summary: strings.TrimSpace(o.Spec.Summary),
	}
	op.CredentialSet = o.CredentialSet()
	for _, seg := range strings.Split(o.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			op.PathParams = append(op.PathParams, pathParam{Name: name, Go: lowerFirst(codegen.ToCamelCaseWithInitialisms(name))})
		}
	}
	switch {
	case o.Spec.RequestBody != nil:
		ref := o.ParamsSchema() // the body, less an application's key pair
		if ref == nil {
			return nil, fmt.Errorf("the request body has no JSON or form schema")
		}
		name, slice, err := goType(ref)
		if err != nil {
			return nil, fmt.Errorf("request body: %w", err)
		}
		if slice {
			return nil, fmt.Errorf("request body: an array body is not supported")
		}
		op.Params = name
	case hasQuery(o):
		// An application's key pair in the query is declared as security
		// schemes, not parameters (specs.checkAppCredentials), so the
		// generated params never hold it.
		op.Params = codegen.ToCamelCaseWithInitialisms(o.ID) + "Params" // oapi-codegen's type for the query
	}
	if ref := o.PayloadSchema(); ref != nil && !emptyObject(ref) {
		name, slice, err := goType(ref)
		if err != nil {
			return nil, fmt.Errorf("success payload: %w", err)
		}
		op.Result, op.ResultIsSlice = name, slice
	} else if ref == nil && !o.Success.Empty {
		return nil, fmt.Errorf("no success payload schema; declare x-success payload: null if the success carries nothing")
	}
	pages, err := o.PagesOf()
	if err != nil {
		return nil, err
	}
	if pages != nil {
		if op.Params == "" || op.Result == "" || op.ResultIsSlice {
			return nil, fmt.Errorf("x-pages needs params and an object result")
		}
		op.PageField, op.TotalPagesField = codegen.SchemaNameToTypeName(pages.Page), codegen.SchemaNameToTypeName(pages.TotalPages)
	}
	op.Doc = comment(operationDoc(d, o, op))
	return op, nil
}

// hasQuery reports whether the operation takes query parameters.
func hasQuery(o *specs.Operation) bool {
	for _, p := range o.Spec.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			return true
		}
	}
	return false
}

// goType is the Go type of a schema that names a component, directly, as
// the one member of an allOf (the nullable-envelope idiom), or as the items
// of an array.
func goType(ref *openapi3.SchemaRef) (string, bool, error) {
	if name, ok := component(ref); ok {
		return name, false, nil
	}
	if ref.Value != nil && ref.Value.Type.Is(openapi3.TypeArray) && ref.Value.Items != nil {
		if name, ok := component(ref.Value.Items); ok {
			return name, true, nil
		}
	}
	return "", false, fmt.Errorf("the schema must be a $ref to a component schema (or an array of one)")
}

func component(ref *openapi3.SchemaRef) (string, bool) {
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		return codegen.SchemaNameToTypeName(name), true
	}
	if ref.Value != nil && len(ref.Value.AllOf) == 1 {
		return component(ref.Value.AllOf[0])
	}
	return "", false
}

// emptyObject reports whether a payload schema has nothing to return.
func emptyObject(ref *openapi3.SchemaRef) bool {
	v := ref.Value
	return ref.Ref == "" && v != nil && v.Type.Is(openapi3.TypeObject) && len(v.Properties) == 0 && len(v.AllOf) == 0
}

func operationDoc(d *specs.Document, o *specs.Operation, op *operation) string {
	var b strings.Builder
	summary := strings.TrimSuffix(strings.TrimSpace(o.Spec.Summary), ".")
	fmt.Fprintf(&b, "%s: %s (%s %s).\n", op.Name, lowerFirst(summary), o.Method, o.SendPath)
	if desc := strings.TrimSpace(o.Spec.Description); desc != "" {
		b.WriteString("\n" + desc + "\n")
	}
	switch o.Retry {
	case specs.Safe:
		b.WriteString("\nRetry class: safe. It only reads, so a failed attempt may be sent again.\n")
	default:
		b.WriteString("\nRetry class: unsafe. It is never sent again once the request may have\nreached the server; such a failure is apierror.ErrOutcomeUnknown.\n")
	}
	if codes := resultCodes(o); codes != "" {
		b.WriteString("\nA failure the vendor reports is an *apierror.Error whose Code may be\n" + wrap(codes+".", 72) + "\n")
	}
	var failures []string
	for _, status := range sortedStatuses(o.Spec.Responses) {
		if status == fmt.Sprint(o.Success.Status) {
			continue
		}
		if r := o.Spec.Responses.Value(status); r != nil && r.Value != nil && r.Value.Description != nil {
			failures = append(failures, fmt.Sprintf("  - HTTP %s: %s", status, firstLine(*r.Value.Description)))
		}
	}
	if len(failures) > 0 {
		b.WriteString("\nFailures by HTTP status:\n\n" + strings.Join(failures, "\n") + "\n")
	}
	return b.String()
}

// resultCodes lists, as Go constants, the codes of the catalogue an
// operation can fail with: every code but its successes ("" when its
// failures carry no number).
func resultCodes(o *specs.Operation) string {
	if len(o.Success.Text) > 0 || o.Success.WordCodes() {
		return "" // its failures carry no number
	}
	var out []string
	for _, c := range o.Doc.Catalogue() {
		if !o.Success.CodeMatches(float64(c.Code)) && !o.Success.CodeMatches(fmt.Sprint(c.Code)) {
			out = append(out, fmt.Sprintf("%s%s (%d)", c.Schema, c.Name, c.Code))
		}
	}
	return strings.Join(out, ", ")
}

func sortedStatuses(r *openapi3.Responses) []string {
	var out []string
	for k := range r.Map() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

// comment turns text into Go comment lines, wrapping nothing: the specs'
// descriptions are already wrapped.
func comment(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			b.WriteString("//\n")
			continue
		}
		b.WriteString("// " + line + "\n")
	}
	return b.String()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// Keep initialisms whole: URL stays URL, but IDs become iDs no more.
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(s):
		return strings.ToLower(s[:i]) + s[i:]
	default:
		return strings.ToLower(s[:i-1]) + s[i-1:]
	}
}

// kebab turns an operationId into a command name: checkCode → check-code.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_':
			b.WriteByte('-')
		case r >= 'A' && r <= 'Z':
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkNames refuses two specs that would generate the same package, field
// or command.
func checkNames(ps []*product) error {
	seen := map[string]string{}
	for _, p := range ps {
		for _, key := range []string{"package " + p.Vendor + "/" + p.Package, "field " + p.Vendor + "." + p.Field, "command " + p.Vendor + " " + p.Command} {
			if other, dup := seen[key]; dup {
				return fmt.Errorf("%s and %s both generate %s; set info.x-sdk in one of them", other, p.Spec, key)
			}
			seen[key] = p.Spec
		}
	}
	return nil
}

// removeStale deletes generated packages whose spec is gone, so a removed
// or renamed spec leaves nothing behind.
func removeStale(ps []*product) error {
	want := map[string]bool{}
	for _, p := range ps {
		want[filepath.Join("gen", p.Vendor, p.Package)] = true
	}
	dirs, _ := filepath.Glob(filepath.Join("gen", "*", "*"))
	for _, dir := range dirs {
		if !want[dir] {
			if _, err := os.Stat(filepath.Join(dir, "doc.gen.go")); err == nil {
				if err := os.RemoveAll(dir); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"quote": func(s string) string {
		return fmt.Sprintf("%q", s)
	},
}

// write executes a template and writes the gofmt-ed result.
func write(path string, tmpl *template.Template, data any) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return fmt.Errorf("%s: generated code does not parse: %w\n%s", path, err, buf.Bytes())
	}
	return os.WriteFile(path, src, 0o644)
}
