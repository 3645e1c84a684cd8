package drift

import (
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Field is one documented or specified field: a request parameter, a
// response field, or a callback parameter.
type Field struct {
	// Name is the field's path: "phone", or "data.requestId" for a field of
	// the object (or of each element of the array) in data.
	Name string `json:"name"`
	// Type is the JSON type: string, integer, number, boolean, object,
	// array; the page's own word, lower-cased, when it maps to none.
	Type string `json:"type,omitempty"`
	// Required is nil where the source does not say.
	Required *bool `json:"required,omitempty"`
	// mixed is set when a page's tables disagree on whether the field is
	// required (variant tables that repeat it).
	mixed bool
}

// Code is a documented result code, or a range of them ("1000~100X": the
// page gives the first digits and leaves the last open).
type Code struct {
	Text     string `json:"text"`
	Low, Top int    `json:"-"`
}

// Endpoint is what a page (or an OpenAPI document) says about one endpoint.
type Endpoint struct {
	Source      string   `json:"source"` // page name, or file and operation for EngageLab
	Title       string   `json:"title,omitempty"`
	Methods     []string `json:"methods,omitempty"` // upper case; more than one when the page allows several
	URL         string   `json:"url,omitempty"`
	ContentType string   `json:"contentType,omitempty"`
	// BizType and Action are the signed constants of the header table.
	BizType string `json:"bizType,omitempty"`
	Action  string `json:"action,omitempty"`
	// Signed is true when the page has a header table with bizType.
	Signed   bool    `json:"signed,omitempty"`
	Request  []Field `json:"request,omitempty"`
	Response []Field `json:"response,omitempty"`
	// Codes are the result codes (NXCloud) or the HTTP statuses (EngageLab).
	Codes []Code `json:"codes,omitempty"`
	// codeKind names what Codes holds in findings: "code" or "status".
	codeKind string
	// rawType is each request field's type as the page words it
	// ("array[component JsonObject]"), lower-cased, by path: a sub-table's
	// label may name its parent by that word.
	rawType map[string]string
	respRaw map[string]string // the same for the response fields
	// lastRespParent is the field the last response sub-table described.
	lastRespParent string
	// paramTables counts the tables of parameters (a name and a type
	// column) that are neither header nor code tables.
	paramTables int
}

// Path is the URL's path ("/api/ota/init"), "" when the page gives no URL.
func (e *Endpoint) Path() string {
	u := e.URL
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = "/"
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// Server is the URL's scheme and host ("https://api2.nxcloud.com").
func (e *Endpoint) Server() string {
	p := e.Path()
	if p == "" || !strings.Contains(e.URL, "://") {
		return ""
	}
	return strings.TrimSuffix(e.URL[:strings.Index(e.URL, p)], "/")
}

// Page is one parsed NXCloud documentation page.
type Page struct {
	Name      string     // file name without .md
	Title     string     // first heading or line
	Endpoints []Endpoint // each URL the page documents, in order
}

// section is the part of a page a table sits in.
type section int

const (
	secNone section = iota
	secHeader
	secRequest
	secResponse
	secCodes
	secExample
)

// labelSection classifies a heading or label line, ok false for a line
// that is no label.
func labelSection(l string) (section, bool) {
	s := strings.ToLower(strings.Trim(strings.TrimSpace(l), "*#:：- "))
	if len(s) > 60 || s == "" || strings.HasPrefix(s, "refer to") || strings.HasPrefix(s, "see ") {
		// "Refer to the text request example": a link, not a part.
		return secNone, false
	}
	switch {
	case subLabelRe.MatchString(s) && !sectionWords[s[:strings.IndexByte(s, ' ')]]:
		// "example object parameters", "customers parameters": a
		// sub-table's label, in whatever section is current.
		return secNone, true
	case strings.Contains(s, "header"):
		return secHeader, true
	case strings.Contains(s, "code") && (strings.Contains(s, "explanation") || strings.Contains(s, "error") ||
		strings.Contains(s, "result") || strings.Contains(s, "response code") || strings.Contains(s, "status code") ||
		strings.Contains(s, "return code")):
		return secCodes, true
	case strings.Contains(s, "example"):
		return secExample, true
	case strings.Contains(s, "response") || strings.Contains(s, "return") || strings.Contains(s, "success"):
		return secResponse, true
	case s == "body" || s == "request body" ||
		strings.Contains(s, "request param") || strings.Contains(s, "body param") || s == "parameters" ||
		strings.HasPrefix(s, "params param") || strings.HasPrefix(s, "query param") || strings.HasPrefix(s, "path param") ||
		strings.Contains(s, "push field") || strings.Contains(s, "push param") ||
		strings.HasPrefix(s, "request parameters") || strings.HasPrefix(s, "requestparameters"):
		return secRequest, true
	case strings.HasSuffix(s, "parameters") || strings.HasSuffix(s, "object parameters"):
		// "data parameters", "data object parameters": a sub-table label,
		// in whatever section is current.
		return secNone, true
	}
	return secNone, false
}

// sectionWords name a part of the page, not a field, before "parameters".
var sectionWords = map[string]bool{
	"request": true, "requests": true, "response": true, "responses": true, "body": true, "return": true,
	"returned": true, "header": true, "headers": true, "query": true, "params": true, "path": true,
	"push": true, "input": true, "output": true, "common": true, "public": true, "callback": true,
	"receipt": true, "reply": true, "result": true, "success": true, "error": true, "url": true,
}

var (
	subLabelRe = regexp.MustCompile(`^[a-z_][a-z0-9_]* (object |array |jsonobject |list )?parameters$`)
	urlRe      = regexp.MustCompile(`https?://[^\s` + "`" + `"'<>)]+`)
	labelRe    = regexp.MustCompile(`(?i)^\s*[-*]?\s*((?:please\s*)?request\s*url|url|endpoint|request\s*method|method|content-type)\s*(?:[:：]\s*(.*))?$`)
	methodRe   = regexp.MustCompile(`\b(GET|POST|PUT|DELETE|PATCH)\b`)
	ctypeRe    = regexp.MustCompile(`(?i)\b(application/[a-z0-9.+-]+|multipart/[a-z0-9.+-]+|text/[a-z0-9.+-]+)`)
)

// ParsePage reads one NXCloud page, in either shape.
func ParsePage(name string, src []byte) *Page {
	p := &Page{Name: strings.TrimSuffix(path.Base(name), ".md")}
	bs := blocks(src)
	var cur *Endpoint
	sec := secNone
	subLabel := "" // the label line before a table: "data parameters"
	lastLine := "" // the last text line before a table: "**basic**"
	var topResponse []Field
	expect := "" // a label whose value is on the next line
	for _, b := range bs {
		if b.table != nil {
			if cur == nil {
				cur = p.newEndpoint()
			}
			label := subLabel
			if label == "" {
				label = lastLine
			}
			classifyTable(cur, b.table, sec, label, &topResponse)
			subLabel, lastLine = "", ""
			continue
		}
		l := strings.TrimSpace(b.line)
		if l == "" {
			continue
		}
		if p.Title == "" {
			p.Title = strings.Trim(l, "*# ")
		}
		lastLine = l
		if m := labelRe.FindStringSubmatch(l); m != nil {
			key := strings.TrimPrefix(strings.ToLower(strings.ReplaceAll(m[1], " ", "")), "please")
			val := strings.TrimSpace(m[2])
			switch key {
			case "url", "requesturl", "endpoint":
				if u := urlRe.FindString(val); u != "" {
					p.startEndpoint(&cur, u, &sec, &topResponse)
				} else {
					expect = "url"
					// A callback page's next callback: a URL label naming
					// no address ("URL: `message_webhook`") after the
					// first one's parameters.
					if cur != nil && cur.URL == "" && len(cur.Request) > 0 && val != "" {
						p.Endpoints = append(p.Endpoints, Endpoint{Source: p.Name, codeKind: "code"})
						cur = &p.Endpoints[len(p.Endpoints)-1]
						sec, topResponse = secNone, nil
					}
				}
			case "method", "requestmethod":
				if ms := methodRe.FindAllString(val, -1); ms != nil {
					if cur == nil {
						cur = p.newEndpoint()
					}
					cur.Methods = dedupe(append(cur.Methods, ms...))
				} else {
					expect = "method"
				}
			case "content-type":
				if ct := ctypeRe.FindString(val); ct != "" && cur != nil && cur.ContentType == "" {
					cur.ContentType = strings.ToLower(ct)
				} else if ct == "" {
					expect = "content-type"
				}
			}
			continue
		}
		switch expect {
		case "url":
			if u := urlRe.FindString(l); u != "" {
				p.startEndpoint(&cur, u, &sec, &topResponse)
				// "POST https://…": the method on the URL's line.
				if ms := methodRe.FindAllString(l, -1); ms != nil && len(cur.Methods) == 0 {
					cur.Methods = dedupe(ms)
				}
			}
		case "method":
			if ms := methodRe.FindAllString(l, -1); ms != nil {
				if cur == nil {
					cur = p.newEndpoint()
				}
				if len(cur.Methods) == 0 {
					cur.Methods = dedupe(ms)
				}
				if ct := ctypeRe.FindString(l); ct != "" && cur.ContentType == "" {
					cur.ContentType = strings.ToLower(ct)
				}
				expect = ""
				continue
			}
		case "content-type":
			if ct := ctypeRe.FindString(l); ct != "" && cur != nil && cur.ContentType == "" {
				cur.ContentType = strings.ToLower(ct)
			}
		}
		expect = ""
		if s, ok := labelSection(l); ok {
			if s != secNone {
				// "Successful Response" inside the response part keeps
				// the part; a sub-label keeps the section too.
				if !(s == secResponse && sec == secResponse) {
					sec = s
				}
			}
			subLabel = l
		}
	}
	for i := range p.Endpoints {
		p.Endpoints[i].Title = p.Title
	}
	return p
}

// startEndpoint begins the endpoint of a URL label. The same URL again,
// or a URL label in an example section, repeats the current endpoint.
func (p *Page) startEndpoint(cur **Endpoint, u string, sec *section, top *[]Field) {
	if *cur != nil && (*cur).URL != "" && ((*cur).URL == u || *sec == secExample) {
		return
	}
	*cur = p.newEndpoint()
	(*cur).URL = u
	*sec, *top = secNone, nil
}

func (p *Page) newEndpoint() *Endpoint {
	// The first table or method line may come before the URL: reuse an
	// endpoint that has no URL yet.
	if n := len(p.Endpoints); n > 0 && p.Endpoints[n-1].URL == "" {
		return &p.Endpoints[n-1]
	}
	p.Endpoints = append(p.Endpoints, Endpoint{Source: p.Name, codeKind: "code"})
	return &p.Endpoints[len(p.Endpoints)-1]
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		v = strings.ToUpper(v)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// column roles, read from a header cell.
type colRole int

const (
	colNone colRole = iota
	colName
	colCode
	colType
	colRequired
	colExample
	colDesc
)

func columnRole(h string) colRole {
	s := strings.ToLower(strings.TrimSpace(h))
	switch strings.ReplaceAll(s, " ", "") {
	case "parameter", "parametername", "parameters", "parametersname", "param", "field", "fieldname", "name", "key", "参数", "参数名":
		return colName
	}
	switch s {
	case "code", "error code", "result code", "status code", "return code", "errorcode":
		return colCode
	case "type", "data type", "parameter type", "类型":
		return colType
	case "required", "option", "mandatory", "is required", "required?", "must", "是否必填", "必填":
		return colRequired
	case "example", "example value", "sample", "示例":
		return colExample
	case "description", "message", "solution", "remark", "remarks", "meaning", "explanation", "notes", "note",
		"value", "http code", "info", "描述", "说明", "defaults", "default":
		return colDesc
	}
	return colNone
}

// columns maps roles to column indexes (-1 when absent).
type columns struct{ name, code, typ, req, example, desc int }

func tableColumns(header []string) columns {
	c := columns{-1, -1, -1, -1, -1, -1}
	for i, h := range header {
		set := func(p *int) {
			if *p < 0 {
				*p = i
			}
		}
		switch columnRole(h) {
		case colName:
			set(&c.name)
		case colCode:
			set(&c.code)
		case colType:
			set(&c.typ)
		case colRequired:
			set(&c.req)
		case colExample:
			set(&c.example)
		case colDesc:
			set(&c.desc)
		}
	}
	return c
}

func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// classifyTable files a table under the endpoint: header parameters,
// request parameters, response fields or result codes.
func classifyTable(e *Endpoint, t *table, sec section, subLabel string, top *[]Field) {
	c := tableColumns(t.header)
	name := c.name
	if name < 0 {
		name = c.code
	}
	if name < 0 {
		return
	}
	// A header table names the signing headers, wherever it sits.
	if hasRow(t, name, "accessKey") && hasRow(t, name, "sign") {
		e.Signed = e.Signed || hasRow(t, name, "bizType")
		// A request example's KEY/VALUE table holds the values themselves;
		// a later table that gives no value keeps an earlier one's.
		keyValue := c.desc >= 0 && c.typ < 0 && strings.EqualFold(strings.TrimSpace(t.header[c.desc]), "value")
		for _, r := range t.rows {
			v := fixedValue(r, c)
			if keyValue {
				v = strings.Trim(cell(r, c.desc), "\"` ")
			}
			switch cell(r, name) {
			case "bizType":
				e.BizType = constant(e.BizType, v)
			case "action":
				e.Action = constant(e.Action, v)
			}
		}
		return
	}
	if c.code >= 0 && c.name < 0 || sec == secCodes {
		for _, r := range t.rows {
			if code, ok := parseCode(cell(r, name)); ok {
				e.Codes = append(e.Codes, code)
			}
		}
		return
	}
	fields, raw := tableFields(t, c)
	if c.typ >= 0 {
		e.paramTables++
	}
	switch sec {
	case secResponse:
		if *top == nil {
			*top = fields
			e.addResponse("", fields, raw)
			return
		}
		// A later table describes a field its label names (at any depth,
		// by name, plural or type word), else the one object or list
		// field of the first table.
		parent, ok := fieldParent(e.Response, e.respRaw, subLabel)
		for _, f := range fields {
			if ok && strings.EqualFold(f.Name, parent[strings.LastIndexByte(parent, '.')+1:]) {
				parent, ok = "", false
			}
		}
		if !ok && e.lastRespParent != "" && !subLabelRe.MatchString(strings.ToLower(strings.Trim(strings.TrimSpace(subLabel), "*#:：- "))) {
			// "Additional fields returned for HLR check": more fields of
			// the sub-table before (a label naming an object the page
			// does not document, "button object parameters", is not).
			parent, ok = e.lastRespParent, true
		}
		if !ok {
			parent = subTableParent(subLabel, *top)
		}
		if parent == "" {
			// A variant of the first table ("2. Voice verification"),
			// repeating some of its fields, adds the fields it lacks.
			if shared(fields, *top) >= 2 {
				var more []Field
				var moreRaw []string
				for i, f := range fields {
					if shared([]Field{f}, e.Response) == 0 {
						more, moreRaw = append(more, f), append(moreRaw, raw[i])
					} else {
						mergeRepeat(e.Response, f)
					}
				}
				e.addResponse("", more, moreRaw)
			}
			return
		}
		e.lastRespParent = parent
		e.addResponse(parent, fields, raw)
	case secRequest, secNone:
		// The first table holds the parameters. A later one describes the
		// object (or each element of the list) of a field its label names
		// ("- template object parameters", "**basic**", "CallListItem
		// Parameters": by name or by the word of its type), or, naming
		// none, more fields of the top level (a variant's table: "2. Voice
		// verification").
		parent, ok := fieldParent(e.Request, e.rawType, subLabel)
		// A table that documents the field its label names is no
		// sub-table of it ("Template message parameters": template).
		for _, f := range fields {
			if ok && strings.EqualFold(f.Name, parent[strings.LastIndexByte(parent, '.')+1:]) {
				parent, ok = "", false
			}
		}
		switch {
		case len(e.Request) == 0 && (sec == secRequest || c.req >= 0):
		case len(e.Request) > 0 && ok:
		case len(e.Request) > 0 && (sec == secRequest || c.req >= 0):
			parent = ""
		default:
			return
		}
		e.addRequest(parent, fields, raw)
	}
}

// addRequest files a table's fields under parent ("" for the top level),
// keeping the first of a field documented twice (variant tables repeat the
// common ones).
func (e *Endpoint) addRequest(parent string, fields []Field, raw []string) {
	if e.rawType == nil {
		e.rawType = map[string]string{}
	}
	have := map[string]bool{}
	for _, f := range e.Request {
		have[f.Name] = true
	}
	for i, f := range fields {
		f.Name = join(parent, f.Name)
		if have[f.Name] {
			mergeRepeat(e.Request, f)
			continue
		}
		have[f.Name] = true
		e.Request = append(e.Request, f)
		e.rawType[f.Name] = strings.ToLower(raw[i])
	}
}

// mergeRepeat folds a field a later table repeats into its first row: a
// type the tables disagree on becomes both ("string/integer"), a
// required-ness they disagree on is mixed. Either is then a difference
// from any spec.
func mergeRepeat(fields []Field, f Field) {
	for i := range fields {
		g := &fields[i]
		if g.Name != f.Name {
			continue
		}
		if f.Type != "" && g.Type != "" && !strings.Contains("/"+g.Type+"/", "/"+f.Type+"/") {
			g.Type += "/" + f.Type
		}
		if f.Required != nil && g.Required != nil && *f.Required != *g.Required {
			g.mixed = true
		}
		return
	}
}

// labelStop are the words of a sub-table label that name no field.
var labelStop = map[string]bool{
	"parameters": true, "object": true, "objects": true, "array": true, "in": true, "are": true, "as": true,
	"follows": true, "the": true, "of": true, "fields": true, "field": true, "description": true,
	"is": true, "each": true, "item": true, "element": true, "below": true, "details": true, "see": true,
}

// addResponse files a response table's fields under parent.
func (e *Endpoint) addResponse(parent string, fields []Field, raw []string) {
	if e.respRaw == nil {
		e.respRaw = map[string]string{}
	}
	for i, f := range fields {
		f.Name = join(parent, f.Name)
		e.Response = append(e.Response, f)
		e.respRaw[f.Name] = strings.ToLower(raw[i])
	}
}

// shared counts the fields of a whose names b has.
func shared(a, b []Field) int {
	n := 0
	for _, f := range a {
		for _, g := range b {
			if f.Name == g.Name {
				n++
				break
			}
		}
	}
	return n
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// fieldParent finds the documented object or list field a sub-table's
// label names, by the field's name (or its plural) or by a word of its
// type, the latest documented first.
func fieldParent(fields []Field, rawType map[string]string, label string) (string, bool) {
	for _, w := range words(label) {
		if labelStop[w] {
			continue
		}
		for i := len(fields) - 1; i >= 0; i-- {
			f := fields[i]
			if scalarType(f.Type) {
				continue
			}
			// bind_list names bindList.
			last := strings.ReplaceAll(strings.ToLower(f.Name[strings.LastIndexByte(f.Name, '.')+1:]), "_", "")
			if w := strings.ReplaceAll(w, "_", ""); last == w || last == w+"s" || last == w+"es" || last+"s" == w {
				return f.Name, true
			}
			for _, tw := range words(rawType[f.Name]) {
				if tw == w {
					return f.Name, true
				}
			}
		}
	}
	return "", false
}

func scalarType(t string) bool {
	switch t {
	case "string", "integer", "number", "boolean":
		return true
	}
	return false
}

// constant merges a signed constant a later table gives with an earlier
// one: an empty value keeps the earlier, a different one is both
// ("5/6"), so that the page's disagreement with itself is a difference.
func constant(had, v string) string {
	switch {
	case v == "" || v == had:
		return had
	case had == "":
		return v
	}
	return had + "/" + v
}

func hasRow(t *table, col int, name string) bool {
	for _, r := range t.rows {
		if cell(r, col) == name {
			return true
		}
	}
	return false
}

var quotedRe = regexp.MustCompile(`fixed value\s*["“]?([A-Za-z0-9_]+)`)

// fixedValue is a header row's value: its example, or the "fixed value"
// its description names.
func fixedValue(r []string, c columns) string {
	if v := strings.Trim(cell(r, c.example), "\"` "); v != "" {
		return v
	}
	if m := quotedRe.FindStringSubmatch(cell(r, c.desc)); m != nil {
		return m[1]
	}
	return ""
}

// tableFields reads a table's fields, and the page's own type word of
// each.
func tableFields(t *table, c columns) ([]Field, []string) {
	var out []Field
	var raw []string
	for _, r := range t.rows {
		n := strings.Trim(cell(r, c.name), "`*")
		if n == "" || strings.ContainsAny(n, " \t") {
			continue
		}
		f := Field{Name: n, Type: normType(cell(r, c.typ))}
		if c.req >= 0 {
			f.Required = parseRequired(cell(r, c.req))
		}
		out = append(out, f)
		raw = append(raw, cell(r, c.typ))
	}
	return out, raw
}

// subTableParent finds the field a sub-table describes: the field its
// label names ("data parameters"), else the one object or array field of
// the top table.
func subTableParent(label string, top []Field) string {
	words := strings.Fields(strings.ToLower(strings.Trim(label, "-*#:： ")))
	for _, f := range top {
		for _, w := range words {
			if strings.EqualFold(f.Name, w) {
				return f.Name
			}
		}
	}
	var parent string
	for _, f := range top {
		if f.Type == "object" || f.Type == "array" {
			if parent != "" {
				return ""
			}
			parent = f.Name
		}
	}
	return parent
}

// normType maps a page's type word to a JSON type.
func normType(t string) string {
	s := strings.ToLower(strings.TrimSpace(t))
	switch {
	case s == "":
		return ""
	case strings.HasSuffix(s, "[]") || strings.HasPrefix(s, "list") || strings.Contains(s, "array"):
		return "array"
	case s == "string" || s == "str" || s == "varchar" || s == "char":
		return "string"
	case s == "int" || s == "integer" || s == "long" || s == "int32" || s == "int64" || s == "short" || s == "uint" || s == "uint32" || s == "uint64":
		return "integer"
	case s == "number" || s == "double" || s == "float" || s == "decimal" || s == "bigdecimal":
		return "number"
	case s == "boolean" || s == "bool":
		return "boolean"
	case s == "object" || s == "jsonobject" || s == "json" || s == "map" || s == "struct":
		return "object"
	}
	return s
}

func parseRequired(s string) *bool {
	v := strings.ToLower(strings.TrimSpace(s))
	var b bool
	switch v {
	case "yes", "y", "required", "true", "mandatory", "是", "必填":
		b = true
	case "no", "n", "optional", "false", "否", "非必填", "选填":
		b = false
	default:
		return nil
	}
	return &b
}

// parseCode reads "0", "-1", "2206", "1000~100X" or "1001-1005".
func parseCode(s string) (Code, bool) {
	s = strings.TrimSpace(strings.Trim(s, "`*"))
	if n, err := strconv.Atoi(s); err == nil {
		return Code{Text: s, Low: n, Top: n}, true
	}
	for _, sep := range []string{"~", "～", "–", "-"} {
		i := strings.Index(s, sep)
		if i <= 0 {
			continue
		}
		lo, okLo := wildcard(s[:i], '0')
		hi, okHi := wildcard(s[i+len(sep):], '9')
		if okLo && okHi && lo <= hi {
			return Code{Text: s, Low: lo, Top: hi}, true
		}
	}
	return Code{}, false
}

// wildcard reads a number whose trailing X digits are open, filling them with fill.
func wildcard(s string, fill byte) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	b := []byte(s)
	for i := range b {
		if b[i] == 'X' || b[i] == 'x' {
			b[i] = fill
		}
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil
}
