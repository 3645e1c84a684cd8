package drift

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/specs"
)

// Options says what to compare.
type Options struct {
	// NXCloudDocs is a directory of NXCloud pages (*.md, either shape).
	NXCloudDocs string
	// NXCloudFS, when set, holds the NXCloud pages instead of NXCloudDocs'
	// directory (its root's *.md files): a test's edited copy in memory.
	NXCloudFS fs.FS
	// EngageLabOpenAPI is a directory of EngageLab OpenAPI JSON files (the
	// layout of otp/api/ in EngageLab's OTP docs repository); optional.
	EngageLabOpenAPI string
	// Catalogue declares the NXCloud pages; nil means the embedded one.
	Catalogue *Catalogue
	// Specs are the specs to compare with; nil means every embedded spec.
	Specs []*specs.Document

	// parsed, when set, keeps each page read, by content: a test that
	// checks many edited copies parses each unchanged page once.
	parsed map[string]*Page
}

// Report is the outcome of a check.
type Report struct {
	// Findings holds every difference found, declared ones included, in
	// a stable order.
	Findings []Finding `json:"findings"`
	// Coverage lists every documented endpoint and callback.
	Coverage []Row `json:"coverage"`
	// Guides counts the pages that document no endpoint, by kind.
	Guides map[string]int `json:"notEndpoints,omitempty"`
}

// Undeclared returns the findings no declaration accounts for: the drift.
func (r *Report) Undeclared() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Declared == nil {
			out = append(out, f)
		}
	}
	return out
}

// Declared returns the findings a declaration accounts for.
func (r *Report) Declared() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Declared != nil {
			out = append(out, f)
		}
	}
	return out
}

// Row is one documented endpoint or callback and what covers it.
type Row struct {
	Vendor  string `json:"vendor"`
	Source  string `json:"source"`
	Kind    string `json:"kind"` // endpoint or callback
	Product string `json:"product"`
	Auth    string `json:"auth"`
	Method  string `json:"method,omitempty"`
	URL     string `json:"url,omitempty"`
	// Status is covered, pending, excluded or none.
	Status    string `json:"status"`
	CoveredBy string `json:"coveredBy,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Coverage statuses.
const (
	StatusCovered  = "covered"
	StatusPending  = "pending"
	StatusExcluded = "excluded"
	StatusNone     = "none"
)

// Check compares the documentation in opts with the specs.
func Check(opts Options) (*Report, error) {
	c, err := check(opts)
	if err != nil {
		return nil, err
	}
	return c.report, nil
}

func check(opts Options) (*checker, error) {
	if opts.NXCloudDocs == "" && opts.NXCloudFS == nil && opts.EngageLabOpenAPI == "" {
		return nil, fmt.Errorf("drift: no documentation to compare (give an NXCloud docs directory or an EngageLab OpenAPI directory)")
	}
	c := &checker{
		opts:    opts,
		store:   newDeclStore(),
		views:   map[*specs.Operation]*opView{},
		matched: map[*specs.Operation]bool{},
		codes:   map[*specs.Document][]Code{},
		report:  &Report{},
	}
	if c.opts.Catalogue == nil {
		c.opts.Catalogue = DefaultCatalogue()
	}
	if c.opts.Specs == nil {
		all, err := specs.All()
		if err != nil {
			return nil, err
		}
		c.opts.Specs = all
	}
	if opts.NXCloudDocs != "" || opts.NXCloudFS != nil {
		if err := c.nxcloud(); err != nil {
			return nil, err
		}
		c.unmatchedOps("nxcloud/")
		c.specCodes("nxcloud/")
	}
	if opts.EngageLabOpenAPI != "" {
		if err := c.engagelab(); err != nil {
			return nil, err
		}
		c.unmatchedOps(engageLabOpenAPISpec)
	}
	c.declarations()
	sortFindings(c.report.Findings)
	return c, nil
}

type checker struct {
	opts    Options
	store   *declStore
	views   map[*specs.Operation]*opView
	matched map[*specs.Operation]bool
	codes   map[*specs.Document][]Code // codes the compared pages document, by spec
	report  *Report
}

func (c *checker) add(f Finding) { c.report.Findings = append(c.report.Findings, f) }

// match finds the operation for a documented method and URL path, across
// every spec.
func (c *checker) match(methods []string, path string) *specs.Operation {
	if path == "" {
		return nil
	}
	for _, d := range c.opts.Specs {
		for _, m := range methods {
			if o, ok := d.Match(m, path); ok {
				return o
			}
		}
	}
	return nil
}

// matchIn is match within the one spec named.
func (c *checker) matchIn(spec string, methods []string, path string) *specs.Operation {
	for _, d := range c.opts.Specs {
		if d.Name != spec || path == "" {
			continue
		}
		for _, m := range methods {
			if o, ok := d.Match(m, path); ok {
				return o
			}
		}
	}
	return nil
}

// named finds an operation by its full name ("nxcloud/pns bindAXB").
func (c *checker) named(name string) *specs.Operation {
	spec, id, _ := strings.Cut(name, " ")
	for _, d := range c.opts.Specs {
		if d.Name == spec {
			if o, ok := d.Operation(id); ok {
				return o
			}
		}
	}
	return nil
}

// pathOwner reports an operation on the same path with another method.
func (c *checker) pathOwner(path string) *specs.Operation {
	for _, d := range c.opts.Specs {
		for _, o := range d.Operations {
			if o.PathParams(path) != nil {
				return o
			}
		}
	}
	return nil
}

func (c *checker) nxcloud() error {
	fsys := c.opts.NXCloudFS
	if fsys == nil {
		fsys = os.DirFS(c.opts.NXCloudDocs)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("drift: NXCloud docs: %w", err)
	}
	seen := map[string]bool{}
	for _, de := range entries {
		if de.IsDir() || path.Ext(de.Name()) != ".md" {
			continue
		}
		raw, err := fs.ReadFile(fsys, de.Name())
		if err != nil {
			return fmt.Errorf("drift: %w", err)
		}
		p := c.opts.parsed[string(raw)]
		if p == nil || p.Name != strings.TrimSuffix(de.Name(), ".md") {
			p = ParsePage(de.Name(), raw)
			if c.opts.parsed != nil {
				c.opts.parsed[string(raw)] = p
			}
		}
		seen[p.Name] = true
		c.page(p, c.opts.Catalogue.Pages[p.Name])
	}
	for _, name := range c.opts.Catalogue.names() {
		if !seen[name] {
			c.add(Finding{Kind: PageMissing, Source: name, Note: "the catalogue lists this page but the docs directory has no " + name + ".md; remove its entry if the page is gone"})
		}
	}
	return nil
}

func (c *checker) page(p *Page, e *Entry) {
	if e == nil {
		for _, ep := range p.Endpoints {
			note := "the page is not in the catalogue (drift/pages.yaml): declare it, pending or excluded with a reason, or covered by a spec"
			row := Row{Vendor: "nxcloud", Source: p.Name, Kind: "?", Product: "?", Auth: "?", Method: strings.Join(ep.Methods, ","), URL: ep.URL, Status: StatusNone}
			if o := c.match(ep.Methods, ep.Path()); o != nil {
				note += "; " + o.FullName() + " matches its URL"
				row.Status, row.CoveredBy = StatusCovered, o.FullName()
			}
			c.add(Finding{Kind: UndeclaredPage, Source: p.Name, Doc: strings.TrimSpace(strings.Join(ep.Methods, ",") + " " + ep.URL), Note: note})
			c.report.Coverage = append(c.report.Coverage, row)
		}
		if len(p.Endpoints) == 0 {
			c.add(Finding{Kind: UndeclaredPage, Source: p.Name, Note: "the page is not in the catalogue (drift/pages.yaml)"})
		}
		return
	}
	switch e.Kind {
	case KindGuide, KindDuplicate:
		if c.report.Guides == nil {
			c.report.Guides = map[string]int{}
		}
		c.report.Guides[e.Kind]++
		if e.Codes != "" {
			c.pageCodes(p, e.Codes, e.Codes)
		}
		return
	case KindCallback:
		c.callback(p, e)
		return
	}
	eps := p.Endpoints
	if len(eps) == 0 || eps[0].URL == "" {
		if e.Excluded == "" {
			c.add(Finding{Kind: Unparsed, Source: p.Name, Note: "no endpoint URL could be read from the page"})
		}
		eps = []Endpoint{{Source: p.Name}}
	}
	for i := range eps {
		ep := &eps[i]
		row := Row{Vendor: "nxcloud", Source: p.Name, Kind: KindEndpoint, Product: e.Product, Auth: e.AuthOf(i),
			Method: strings.Join(ep.Methods, ","), URL: ep.URL}
		o := c.match(ep.Methods, ep.Path())
		if name := e.OperationOf(i); name != "" {
			if o = c.named(name); o == nil {
				c.add(Finding{Kind: NoOperation, Source: p.Name, Doc: name,
					Note: "drift/pages.yaml names " + name + " for this page, but no spec has that operation"})
				row.Status = StatusNone
				c.report.Coverage = append(c.report.Coverage, row)
				continue
			}
		}
		switch {
		case e.Excluded != "":
			row.Status, row.Reason = StatusExcluded, e.Excluded
		case e.Pending != "":
			row.Status, row.Reason = StatusPending, e.Pending
			if o != nil {
				c.matched[o] = true
				row.Status, row.CoveredBy = StatusCovered, o.FullName()
				c.add(Finding{Kind: StaleDeclaration, Source: p.Name, Operation: o.FullName(),
					Note: "the page is declared pending in drift/pages.yaml, but " + o.FullName() + " covers it now: remove the pending line"})
				c.compare(ep, o)
			}
		case o == nil:
			row.Status = StatusNone
			note := "no spec operation has this method and path"
			if other := c.pathOwner(ep.Path()); other != nil {
				note += "; " + other.FullName() + " has the path with " + other.Method
			}
			c.add(Finding{Kind: NoOperation, Source: p.Name, Doc: strings.TrimSpace(row.Method + " " + ep.URL), Note: note})
		default:
			row.Status, row.CoveredBy = StatusCovered, o.FullName()
			c.matched[o] = true
			c.compare(ep, o)
		}
		c.report.Coverage = append(c.report.Coverage, row)
	}
}

func (c *checker) callback(p *Page, e *Entry) {
	row := Row{Vendor: "nxcloud", Source: p.Name, Kind: KindCallback, Product: e.Product, Auth: e.AuthOf(0), Method: "POST"}
	if len(p.Endpoints) > 0 && len(p.Endpoints[0].Methods) > 0 {
		row.Method = strings.Join(p.Endpoints[0].Methods, ",")
	}
	switch {
	case e.Excluded != "":
		row.Status, row.Reason = StatusExcluded, e.Excluded
	case e.Pending != "":
		row.Status, row.Reason = StatusPending, e.Pending
	case len(e.Schema) == 0:
		row.Status = StatusNone
		c.add(Finding{Kind: NoOperation, Source: p.Name, Note: "a callback to be covered needs schema: spec#Schema in drift/pages.yaml"})
	default:
		// A page that documents several callbacks (each under its own URL
		// label) has one schema each.
		eps := p.Endpoints
		if len(eps) == 0 {
			eps = []Endpoint{{Source: p.Name}}
		}
		if len(eps) != len(e.Schema) && len(e.Schema) > 1 {
			c.add(Finding{Kind: BadDeclaration, Source: p.Name,
				Note: fmt.Sprintf("drift/pages.yaml names %d schemas for this page, which documents %d callbacks", len(e.Schema), len(eps))})
		}
		row.Status, row.CoveredBy = StatusCovered, strings.Join(e.Schema, ", ")
		for i, ref := range e.Schema {
			if i >= len(eps) {
				break
			}
			v, err := c.schemaView(ref)
			if err != nil {
				row.Status, row.CoveredBy = StatusNone, ""
				c.add(Finding{Kind: BadDeclaration, Source: p.Name, Note: err.Error()})
				continue
			}
			ep := eps[i]
			if len(ep.Request) == 0 && ep.paramTables > 0 {
				c.add(Finding{Kind: Unparsed, Source: p.Name, Operation: ref,
					Note: "the page has a parameter table, but drift read no callback parameter from it"})
			}
			c.resolve(p.Name, v, c.compareFields(p.Name, v.name, "callback", ep.Request, v.request))
		}
		specName, _, _ := strings.Cut(e.Schema[0], "#")
		c.pageCodes(p, specName, e.Schema[0])
	}
	c.report.Coverage = append(c.report.Coverage, row)
}

// pageCodes compares the result codes a page documents outside an
// endpoint (a callback's per-number code or receipt state, a guide page
// of error codes) with the catalogue of spec, and counts them as
// documented for it; op names where a finding points.
func (c *checker) pageCodes(p *Page, spec, op string) {
	found := false
	for _, d := range c.opts.Specs {
		if d.Name != spec {
			continue
		}
		found = true
		catalogue := specCatalogue(d)
		var fs []Finding
		for _, ep := range p.Endpoints {
			for _, code := range ep.Codes {
				if !anyIn(catalogue, code) {
					fs = append(fs, Finding{Kind: CodeMissingInSpec, Source: p.Name, Operation: op, Field: "code " + code.Text, Doc: "documented", Spec: "absent"})
				}
			}
			c.codes[d] = append(c.codes[d], ep.Codes...)
		}
		v := &opView{name: op}
		if s, _ := catalogueSchema(d); s != nil {
			for _, dd := range c.store.of(s, s.Extensions, d.Name+" code catalogue") {
				v.decls = append(v.decls, scopedDecl{path: dd.Field, d: dd})
			}
		}
		c.resolve(p.Name, v, fs)
	}
	if !found {
		c.add(Finding{Kind: BadDeclaration, Source: p.Name, Note: "drift/pages.yaml names spec " + spec + " for this page's codes, but there is no such spec"})
	}
}

// schemaView builds the view of a callback schema, "spec#Schema".
func (c *checker) schemaView(ref string) (*opView, error) {
	specName, schemaName, _ := strings.Cut(ref, "#")
	for _, d := range c.opts.Specs {
		if d.Name != specName {
			continue
		}
		if d.OpenAPI.Components == nil || d.OpenAPI.Components.Schemas[schemaName] == nil {
			return nil, fmt.Errorf("drift/pages.yaml names schema %s, which %s does not have", ref, specName)
		}
		v := &opView{name: ref, request: newFieldSet()}
		flatten(d.OpenAPI.Components.Schemas[schemaName], "callback", v.request, c.store, &v.decls, schemaName, 0)
		return v, nil
	}
	return nil, fmt.Errorf("drift/pages.yaml names schema %s, but there is no spec %s", ref, specName)
}

func (c *checker) view(o *specs.Operation) *opView {
	if v, ok := c.views[o]; ok {
		return v
	}
	v := &opView{
		name: o.FullName(), server: o.Doc.ServerURL(), docServer: docURL(o.Doc),
		bizType: o.BizType, action: o.Action, signed: o.Signed(),
		request: newFieldSet(), response: newFieldSet(),
		statuses: statusKeys(o.Spec),
	}
	for _, d := range c.store.of(o.Spec, o.Spec.Extensions, o.FullName()) {
		v.decls = append(v.decls, scopedDecl{path: d.Field, d: d})
	}
	req, types := requestSchema(o.Spec)
	v.contentType = types
	flatten(req, "request", v.request, c.store, &v.decls, o.FullName()+" request", 0)
	addQuery(o, v.request)
	flatten(responseSchema(o.Spec, "200"), "response", v.response, c.store, &v.decls, o.FullName()+" response", 0)
	c.views[o] = v
	return v
}

// compare records the differences between a documented endpoint and the
// operation that matches it.
func (c *checker) compare(ep *Endpoint, o *specs.Operation) {
	v := c.view(o)
	var fs []Finding
	add := func(kind, field, doc, spec string) {
		fs = append(fs, Finding{Kind: kind, Source: ep.Source, Operation: v.name, Field: field, Doc: doc, Spec: spec})
	}
	// A spec may use another URL than its page (HTTPS where the page says
	// http://) when its server declares the page's in x-doc-url.
	if s := ep.Server(); s != "" && v.server != "" && !strings.EqualFold(s, v.server) && !strings.EqualFold(s, v.docServer) {
		add(Server, "server", s, v.server)
	}
	if ep.Signed || v.signed {
		if ep.BizType != v.bizType {
			add(BizType, "bizType", orAbsent(ep.BizType), orAbsent(v.bizType))
		}
		if ep.Action != v.action {
			add(Action, "action", orAbsent(ep.Action), orAbsent(v.action))
		}
	}
	if ep.ContentType != "" && len(v.contentType) > 0 && !containsFold(v.contentType, ep.ContentType) {
		add(ContentType, "content-type", ep.ContentType, strings.Join(v.contentType, ", "))
	}
	if len(ep.Request) == 0 && len(ep.Response) == 0 && ep.paramTables > 0 {
		fs = append(fs, Finding{Kind: Unparsed, Source: ep.Source, Operation: v.name,
			Note: "the page has a parameter table, but drift read no request or response field from it"})
	}
	fs = append(fs, c.compareFields(ep.Source, v.name, "request", ep.Request, v.request)...)
	fs = append(fs, c.compareFields(ep.Source, v.name, "response", ep.Response, v.response)...)
	switch ep.codeKind {
	case "status":
		doc := map[string]bool{}
		for _, code := range ep.Codes {
			doc[code.Text] = true
			if !containsFold(v.statuses, code.Text) {
				add(CodeMissingInSpec, "status "+code.Text, "documented", "absent")
			}
		}
		for _, s := range v.statuses {
			if !doc[s] {
				add(CodeMissingInDocs, "status "+s, "absent", "documented")
			}
		}
	default:
		catalogue := specCatalogue(o.Doc)
		for _, code := range ep.Codes {
			if !anyIn(catalogue, code) {
				add(CodeMissingInSpec, "code "+code.Text, "documented", "absent")
			}
		}
		c.codes[o.Doc] = append(c.codes[o.Doc], ep.Codes...)
	}
	c.resolve(ep.Source, v, fs)
}

// resolve marks the findings a declaration of the view accounts for, and
// records them.
func (c *checker) resolve(source string, v *opView, fs []Finding) {
	for _, sd := range v.decls {
		sd.d.seen = true
	}
	for i := range fs {
		for _, sd := range v.decls {
			if sd.d.Kind == fs[i].Kind && sd.path == fs[i].Field && strings.EqualFold(strings.TrimSpace(sd.d.Doc), fs[i].Doc) {
				sd.d.used = true
				fs[i].Declared = &DeclaredBy{Where: sd.d.where, Reason: sd.d.Reason}
				break
			}
		}
		c.add(fs[i])
	}
}

func (c *checker) compareFields(source, op, prefix string, docFields []Field, spec *fieldSet) []Finding {
	var fs []Finding
	add := func(kind, field, doc, spec string) {
		fs = append(fs, Finding{Kind: kind, Source: source, Operation: op, Field: field, Doc: doc, Spec: spec})
	}
	doc := newFieldSet()
	for _, f := range docFields {
		f.Name = join(prefix, f.Name)
		doc.add(f)
	}
	for _, n := range doc.order {
		d := doc.fields[n]
		s, ok := spec.fields[n]
		if !ok {
			add(MissingInSpec, n, orWord(d.Type, "documented"), "absent")
			continue
		}
		if d.Type != "" && s.Type != "" && d.Type != s.Type {
			add(Type, n, d.Type, s.Type)
		}
		if d.mixed && s.Required != nil {
			add(Required, n, "required in one table, optional in another", requiredWord(*s.Required))
		}
		if d.Required != nil && s.Required != nil && *d.Required != *s.Required && !d.mixed {
			add(Required, n, requiredWord(*d.Required), requiredWord(*s.Required))
		}
	}
	for _, n := range spec.order {
		if _, ok := doc.fields[n]; ok {
			continue
		}
		parent := n[:strings.LastIndexByte(n, '.')]
		if parent == prefix || doc.hasChildren(parent) {
			add(MissingInDocs, n, "absent", orWord(spec.fields[n].Type, "specified"))
		}
	}
	return fs
}

// specCatalogue is the enum of a spec's ResultCode or ErrorCode schema.
func specCatalogue(d *specs.Document) []int {
	_, codes := catalogueSchema(d)
	return codes
}

func catalogueSchema(d *specs.Document) (*openapi3.Schema, []int) {
	if d.OpenAPI.Components == nil {
		return nil, nil
	}
	for _, name := range []string{"ResultCode", "ErrorCode"} {
		ref := d.OpenAPI.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		var codes []int
		for _, v := range ref.Value.Enum {
			if f, ok := v.(float64); ok {
				codes = append(codes, int(f))
			}
		}
		return ref.Value, codes
	}
	return nil, nil
}

func anyIn(codes []int, c Code) bool {
	for _, n := range codes {
		if n >= c.Low && n <= c.Top {
			return true
		}
	}
	return false
}

// specCodes reports the catalogue codes of a vendor's specs that no
// compared page documents. The catalogue is spec-wide, so the check is
// against the pages of all the spec's operations together.
func (c *checker) specCodes(prefix string) {
	for _, d := range c.opts.Specs {
		if !strings.HasPrefix(d.Name, prefix) {
			continue
		}
		docCodes, compared := c.codes[d]
		if !compared {
			continue
		}
		s, codes := catalogueSchema(d)
		if s == nil {
			continue
		}
		v := &opView{name: d.Name}
		for _, dd := range c.store.of(s, s.Extensions, d.Name+" code catalogue") {
			v.decls = append(v.decls, scopedDecl{path: dd.Field, d: dd})
		}
		var fs []Finding
		for _, n := range codes {
			documented := false
			for _, dc := range docCodes {
				if n >= dc.Low && n <= dc.Top {
					documented = true
					break
				}
			}
			if !documented {
				fs = append(fs, Finding{Kind: CodeMissingInDocs, Operation: d.Name, Field: fmt.Sprintf("code %d", n), Doc: "absent", Spec: "documented"})
			}
		}
		c.resolve("", v, fs)
	}
}

// engageLabOpenAPISpec is the one EngageLab spec the vendor publishes
// OpenAPI files for (otp/api/*.json); its other products are documented
// in Markdown skills, which drift does not read.
const engageLabOpenAPISpec = "engagelab/otp"

// unmatchedOps reports the operations of the specs named with prefix (a
// vendor's "nxcloud/", or one spec) that no documented endpoint matched.
func (c *checker) unmatchedOps(prefix string) {
	for _, d := range c.opts.Specs {
		if !strings.HasPrefix(d.Name, prefix) {
			continue
		}
		for _, o := range d.Operations {
			if c.matched[o] {
				continue
			}
			v := &opView{name: o.FullName()}
			for _, dd := range c.store.of(o.Spec, o.Spec.Extensions, o.FullName()) {
				v.decls = append(v.decls, scopedDecl{path: dd.Field, d: dd})
			}
			c.resolve("", v, []Finding{{Kind: UndocumentedOperation, Operation: o.FullName(), Doc: "absent", Spec: o.Method + " " + o.SendPath,
				Note: "no documented endpoint has this method and path"}})
		}
	}
}

// declarations reports malformed declarations, and stale ones: compared,
// yet matching no finding.
func (c *checker) declarations() {
	for _, err := range c.store.errs {
		c.add(Finding{Kind: BadDeclaration, Note: err.Error()})
	}
	for _, d := range c.store.all {
		if d.seen && !d.used {
			c.add(Finding{Kind: StaleDeclaration, Operation: d.where, Field: d.Field, Doc: d.Doc,
				Note: "declared " + d.Kind + " divergence no longer found: remove it from " + ExtDivergences})
		}
	}
	c.unreached()
}

// unreached reports the declarations of an NXCloud spec that sit on a
// schema no compared operation or callback reaches: nothing checks them,
// so they cannot be told from stale ones. (EngageLab's specs also declare
// what the vendor's Markdown pages say, which drift does not read.)
func (c *checker) unreached() {
	for _, d := range c.opts.Specs {
		compared := strings.HasPrefix(d.Name, "nxcloud/") && (c.opts.NXCloudDocs != "" || c.opts.NXCloudFS != nil)
		if !compared || d.OpenAPI.Components == nil {
			continue
		}
		seen := map[*openapi3.Schema]bool{}
		var walk func(where string, ref *openapi3.SchemaRef)
		walk = func(where string, ref *openapi3.SchemaRef) {
			if ref == nil || ref.Value == nil || seen[ref.Value] {
				return
			}
			s := ref.Value
			seen[s] = true
			if _, ok := s.Extensions[ExtDivergences]; ok {
				if _, reached := c.store.byOwner[s]; !reached {
					c.add(Finding{Kind: StaleDeclaration, Operation: d.Name + "#" + where,
						Note: ExtDivergences + " on a schema no compared operation or callback reaches: nothing checks it; remove it or compare its page"})
				}
			}
			names := make([]string, 0, len(s.Properties))
			for n := range s.Properties {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				walk(where+"."+n, s.Properties[n])
			}
			walk(where+"[]", s.Items)
			for i, m := range s.AllOf {
				walk(fmt.Sprintf("%s.allOf[%d]", where, i), m)
			}
		}
		names := make([]string, 0, len(d.OpenAPI.Components.Schemas))
		for n := range d.OpenAPI.Components.Schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(n, d.OpenAPI.Components.Schemas[n])
		}
	}
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Kind < b.Kind
	})
}

func orAbsent(s string) string { return orWord(s, "absent") }

func orWord(s, w string) string {
	if s == "" {
		return w
	}
	return s
}

func requiredWord(b bool) string {
	if b {
		return "required"
	}
	return "optional"
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// ExtDocURL, on a spec's server, is the URL the vendor's pages give for it
// where the spec uses another (HTTPS for a documented http://).
const ExtDocURL = "x-doc-url"

func docURL(d *specs.Document) string {
	if len(d.OpenAPI.Servers) == 0 || d.OpenAPI.Servers[0] == nil {
		return ""
	}
	u, _ := d.OpenAPI.Servers[0].Extensions[ExtDocURL].(string)
	return strings.TrimSuffix(u, "/")
}

// addQuery adds an operation's query parameters to its request fields,
// and the query fields its security schemes send (an application's key
// pair in the query of a GET): pages list both in their parameter table.
func addQuery(o *specs.Operation, fs *fieldSet) {
	for _, ref := range o.Spec.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		req := p.Required
		fs.add(Field{Name: join("request", p.Name), Type: schemaType(p.Schema, o.FullName()+" query "+p.Name), Required: &req})
	}
	reqs := o.Doc.OpenAPI.Security
	if o.Spec.Security != nil {
		reqs = *o.Spec.Security
	}
	for _, r := range reqs {
		for scheme := range r {
			ref := o.Doc.OpenAPI.Components.SecuritySchemes[scheme]
			if ref != nil && ref.Value != nil && ref.Value.Type == "apiKey" && ref.Value.In == "query" {
				yes := true
				fs.add(Field{Name: join("request", ref.Value.Name), Type: "string", Required: &yes})
			}
		}
	}
}
