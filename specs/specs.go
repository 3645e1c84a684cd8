// Package specs embeds the project's hand-written OpenAPI specs and reads
// from them what the SDK needs at run time: which operation a request is,
// the NXCloud bizType and action it is signed with, its retry class, and the
// schema its body must satisfy.
//
// The YAML files beside this one are the single source of truth. Go code
// never restates an endpoint's path, bizType, action or required fields; it
// asks this package.
package specs

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed nxcloud/*.yaml engagelab/*.yaml
var files embed.FS

// Extension names the specs use.
const (
	// ExtNXCloud holds an NXCloud operation's signed constants:
	// {bizType: "6", action: init}.
	ExtNXCloud = "x-nxcloud"
	// ExtRetryClass says whether an operation may be re-sent: safe or unsafe.
	ExtRetryClass = "x-retry-class"
	// ExtErrorKinds groups result codes by what a caller must do about them:
	// {auth: [1001, …], too_frequent: [2206]}. On the code catalogue schema
	// (ResultCode/ErrorCode) it covers every operation of the spec; on an
	// operation it adds kinds that hold for that operation only.
	ExtErrorKinds = "x-error-kinds"
	// ExtOpenEnum marks an enum whose list the vendor says is open: its
	// values become Go constants, but an answer with another value is
	// kept, not refused, so validation ignores the list.
	ExtOpenEnum = "x-open-enum"
	// nxcloudScheme is the security scheme that marks an operation as signed.
	nxcloudScheme = "nxcloudSignature"
)

// RetryClass tells whether an operation may be sent again after the request
// may have reached the server.
type RetryClass string

const (
	// Safe operations only read state; repeating them changes nothing.
	Safe RetryClass = "safe"
	// Unsafe operations change state (send, verify, create, delete); they are
	// never re-sent once the request may have reached the server.
	Unsafe RetryClass = "unsafe"
)

// ErrorKind is a class of failure a caller handles in its own way.
type ErrorKind string

// The error kinds a spec may declare in x-error-kinds.
const (
	KindAuth            ErrorKind = "auth"
	KindTooFrequent     ErrorKind = "too_frequent"
	KindAlreadyVerified ErrorKind = "already_verified"
	// KindNone, in an operation's x-error-kinds, takes a code's kind from
	// the catalogue away for that operation (where a product reuses a code
	// with another meaning).
	KindNone ErrorKind = "none"
)

// Document is one loaded spec.
type Document struct {
	// Name is the spec's path below specs/ without extension: "nxcloud/ota".
	Name string
	// OpenAPI is the parsed, validated document.
	OpenAPI *openapi3.T
	// Operations lists every operation, in path then method order.
	Operations []*Operation
	// SDK names the Go package, client field and CLI command (info.x-sdk).
	SDK SDK

	kinds   map[int]ErrorKind // from the code catalogue's x-error-kinds
	success Success           // the root x-success
	creds   *AppCredentials   // the root x-app-credentials
	basic   *BasicCredentials // the root x-basic-credentials
	byID    map[string]*Operation
}

// Operation is one operation of a spec with the metadata the SDK uses.
type Operation struct {
	Doc    *Document
	ID     string // operationId
	Method string // upper case
	Path   string // path template, e.g. /v1/template-configs/{templateId}
	// SendPath is the path the request goes to: the operation's x-path
	// where several operations share one URL (told apart by a header or
	// the body), else Path. Routing and matching use it.
	SendPath string
	// BizType and Action are the signed constants of an NXCloud operation
	// (x-nxcloud); empty for operations that are not NXCloud-signed.
	BizType string
	Action  string
	Retry   RetryClass
	// Success is what a successful answer looks like (x-success).
	Success Success
	// AppCredentials names the application key pair the operation sends
	// (x-app-credentials); nil for the other ways to authenticate.
	AppCredentials *AppCredentials
	// BasicCredentials names the configured pair sent as HTTP Basic
	// credentials instead of the client's own (x-basic-credentials); nil
	// for the client's own.
	BasicCredentials *BasicCredentials
	// Token is the token from another operation the request carries
	// (x-token); nil for none.
	Token *TokenSource
	// IssuesToken is the result field of the token this operation issues
	// to another's x-token; "" for none.
	IssuesToken string
	Spec        *openapi3.Operation

	segments []string
	kinds    map[int]ErrorKind // the operation's own x-error-kinds

	// Looked up once: kin-openapi's Content.Get parses media types on
	// every call, and these are on every request's path.
	bodyMedia     string
	bodySchema    *openapi3.Schema
	successSchema *openapi3.Schema
	// The declared rejections of the request's fields (errorcode.go).
	rules []fieldRule
}

// ErrorKind classifies a vendor result code for this operation ("" when
// the spec gives the code no kind).
func (o *Operation) ErrorKind(code int) ErrorKind {
	if k, ok := o.kinds[code]; ok {
		return k
	}
	return o.Doc.kinds[code]
}

// OwnKindCodes lists, sorted, the codes the operation's own x-error-kinds
// gives kind k (not the catalogue's): a product that reuses codes names
// per operation which one means, say, a wrong key pair.
func (o *Operation) OwnKindCodes(k ErrorKind) []int {
	var out []int
	for code, kind := range o.kinds {
		if kind == k {
			out = append(out, code)
		}
	}
	sort.Ints(out)
	return out
}

// FullName names the operation for messages: "nxcloud/ota init".
func (o *Operation) FullName() string { return o.Doc.Name + " " + o.ID }

// Signed reports whether the operation carries NXCloud's signature headers.
func (o *Operation) Signed() bool { return o.BizType != "" }

var (
	mu    sync.Mutex
	cache = map[string]*Document{}
)

// registered are specs added with Register, by name.
var registered = map[string][]byte{}

// Register makes a spec that is not embedded loadable by name, as if it
// were: for tests of the pipeline, the mock and tools that work on specs
// still being written. It refuses a name already taken.
func Register(name string, raw []byte) (*Document, error) {
	mu.Lock()
	if _, taken := cache[name]; taken {
		mu.Unlock()
		return nil, fmt.Errorf("specs: %q is already loaded", name)
	}
	if _, err := files.ReadFile(name + ".yaml"); err == nil {
		mu.Unlock()
		return nil, fmt.Errorf("specs: %q is an embedded spec", name)
	}
	mu.Unlock()
	d, err := parse(name, raw)
	if err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	registered[name] = raw
	cache[name] = d
	return d, nil
}

// Names lists the embedded specs ("nxcloud/ota", …), and any registered
// ones, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	return namesLocked()
}

// namesLocked is Names with mu held.
func namesLocked() []string {
	names := make([]string, 0, len(registered))
	for n := range registered {
		names = append(names, n)
	}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".yaml" {
			names = append(names, strings.TrimSuffix(p, ".yaml"))
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// Raw returns the YAML text of a spec.
func Raw(name string) ([]byte, error) {
	mu.Lock()
	defer mu.Unlock()
	return raw(name)
}

// raw is Raw with mu held.
func raw(name string) ([]byte, error) {
	if r, ok := registered[name]; ok {
		return r, nil
	}
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("specs: no spec named %q (have %s)", name, strings.Join(namesLocked(), ", "))
	}
	return b, nil
}

// Load parses and validates the named spec, checks the project's extensions
// on every operation, and caches the result. It is safe for concurrent use.
func Load(name string) (*Document, error) {
	mu.Lock()
	defer mu.Unlock()
	if d, ok := cache[name]; ok {
		return d, nil
	}
	text, err := raw(name)
	if err != nil {
		return nil, err
	}
	d, err := parse(name, text)
	if err != nil {
		return nil, err
	}
	cache[name] = d
	return d, nil
}

// Loaded lists the specs this process has parsed so far, sorted: a spec
// is parsed when its product is first used, so a program that uses one
// product never pays for the others.
func Loaded() []string {
	mu.Lock()
	defer mu.Unlock()
	names := make([]string, 0, len(cache))
	for n := range cache {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MustLoad is Load for specs embedded in this package, whose validity the
// package's own tests guarantee; it panics only if the binary was built from
// a broken spec.
func MustLoad(name string) *Document {
	d, err := Load(name)
	if err != nil {
		panic(err)
	}
	return d
}

// All loads every embedded spec.
func All() ([]*Document, error) {
	var docs []*Document
	for _, n := range Names() {
		d, err := Load(n)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// Parse loads a spec from YAML or JSON text and checks it as Load does; it
// is for tools that check specs outside the embedded set.
func Parse(name string, raw []byte) (*Document, error) { return parse(name, raw) }

func parse(name string, raw []byte) (*Document, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("specs: %s: %w", name, err)
	}
	if err := t.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("specs: %s: invalid OpenAPI: %w", name, err)
	}
	DropSuccessGuards(t) // validated above; x-success says the same to the SDK
	openEnums(t)
	d := &Document{Name: name, OpenAPI: t, kinds: map[int]ErrorKind{}, byID: map[string]*Operation{}}
	if d.SDK, err = parseSDK(name, t.Info); err != nil {
		return nil, fmt.Errorf("specs: %s: %w", name, err)
	}
	if d.success, err = parseSuccess(t.Extensions, Success{Status: http.StatusOK}); err != nil {
		return nil, fmt.Errorf("specs: %s: %w", name, err)
	}
	if d.basic, err = parseBasicCredentials(t.Extensions, nil); err != nil {
		return nil, fmt.Errorf("specs: %s: %w", name, err)
	}
	if d.creds, err = parseAppCredentials(t.Extensions, nil); err != nil {
		return nil, fmt.Errorf("specs: %s: %w", name, err)
	}
	for _, schemaName := range []string{"ResultCode", "ErrorCode"} {
		if ref := schema(t, schemaName); ref != nil && ref.Value != nil {
			if err := parseKinds(ref.Value.Extensions, d.kinds); err != nil {
				return nil, fmt.Errorf("specs: %s: %s: %w", name, schemaName, err)
			}
		}
	}
	for _, p := range t.Paths.InMatchingOrder() {
		item := t.Paths.Value(p)
		for method, op := range item.Operations() {
			o, err := newOperation(d, method, p, op)
			if err != nil {
				return nil, fmt.Errorf("specs: %s: %s %s: %w", name, method, p, err)
			}
			o.cacheLookups()
			if err := o.checkFieldRules(); err != nil {
				return nil, fmt.Errorf("specs: %s: %w", name, err)
			}
			if _, err := o.PagesOf(); err != nil {
				return nil, fmt.Errorf("specs: %s: %w", name, err)
			}
			if d.byID[o.ID] != nil {
				return nil, fmt.Errorf("specs: %s: operationId %q is used twice", name, o.ID)
			}
			d.byID[o.ID] = o
			d.Operations = append(d.Operations, o)
		}
	}
	if _, err := d.Callbacks(); err != nil { // x-callback is checked with the rest
		return nil, err
	}
	if err := d.checkTokens(); err != nil {
		return nil, err
	}
	sort.Slice(d.Operations, func(i, j int) bool {
		a, b := d.Operations[i], d.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return d, nil
}

// ExtPath gives the path an operation is sent to when it shares its URL
// with other operations (OpenAPI keeps one operation per path and
// method): its key under paths is then only its name. See specs/README.md.
const ExtPath = "x-path"

func newOperation(d *Document, method, p string, op *openapi3.Operation) (*Operation, error) {
	o := &Operation{
		Doc:      d,
		ID:       op.OperationID,
		Method:   strings.ToUpper(method),
		Path:     p,
		SendPath: p,
		Spec:     op,
		kinds:    map[int]ErrorKind{},
	}
	if raw, ok := op.Extensions[ExtPath]; ok {
		sp, _ := raw.(string)
		if !strings.HasPrefix(sp, "/") || strings.ContainsAny(sp, "{}?#") {
			return nil, fmt.Errorf("%s must be a path without parameters, got %v", ExtPath, raw)
		}
		if strings.Contains(p, "{") {
			return nil, fmt.Errorf("an operation with %s takes no path parameters", ExtPath)
		}
		o.SendPath = sp
	}
	o.segments = strings.Split(strings.Trim(o.SendPath, "/"), "/")
	if err := parseKinds(op.Extensions, o.kinds); err != nil {
		return nil, err
	}
	if o.ID == "" {
		return nil, fmt.Errorf("no operationId")
	}
	var err error
	if o.Success, err = parseSuccess(op.Extensions, d.success); err != nil {
		return nil, err
	}
	if err := o.checkSuccess(); err != nil {
		return nil, err
	}
	if o.AppCredentials, err = parseAppCredentials(op.Extensions, d.creds); err != nil {
		return nil, err
	}
	if o.BasicCredentials, err = parseBasicCredentials(op.Extensions, d.basic); err != nil {
		return nil, err
	}
	if o.Token, err = parseToken(op.Extensions); err != nil {
		return nil, err
	}
	if o.BasicCredentials != nil && o.AppCredentials != nil {
		return nil, fmt.Errorf("%s and %s exclude each other", ExtBasicCredentials, ExtAppCredentials)
	}
	switch rc := RetryClass(stringExt(op.Extensions, ExtRetryClass)); rc {
	case Safe, Unsafe:
		o.Retry = rc
	default:
		return nil, fmt.Errorf("%s must be %q or %q, got %q", ExtRetryClass, Safe, Unsafe, rc)
	}
	if usesScheme(d.OpenAPI, op, nxcloudScheme) {
		ext, _ := op.Extensions[ExtNXCloud].(map[string]any)
		o.BizType, _ = ext["bizType"].(string)
		o.Action, _ = ext["action"].(string)
		if o.BizType == "" || o.Action == "" {
			return nil, fmt.Errorf("signed with %s but %s lacks a string bizType and action", nxcloudScheme, ExtNXCloud)
		}
	}
	if err := o.checkAppCredentials(); err != nil {
		return nil, err
	}
	return o, nil
}

// cacheLookups fills the operation's looked-up-once fields; parse calls it
// before anything reads them.
func (o *Operation) cacheLookups() {
	o.bodyMedia = o.lookupBodyMediaType()
	o.bodySchema = o.lookupBodySchema()
	o.successSchema = o.ResponseSchema(o.Success.Status)
}

// openEnums drops the value list of every schema marked x-open-enum, for
// validation only: codegen reads the spec's own text and keeps the
// constants.
func openEnums(t *openapi3.T) {
	if t.Components == nil {
		return
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if open, _ := s.Extensions[ExtOpenEnum].(bool); open {
			s.Enum = nil
		}
		for _, p := range s.Properties {
			walk(p.Value)
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, m := range group {
				walk(m.Value)
			}
		}
	}
	for _, ref := range t.Components.Schemas {
		walk(ref.Value)
	}
}

// schema returns a component schema, or nil.
func schema(t *openapi3.T, name string) *openapi3.SchemaRef {
	if t.Components == nil {
		return nil
	}
	return t.Components.Schemas[name]
}

// parseKinds reads an x-error-kinds extension into into.
func parseKinds(ext map[string]any, into map[int]ErrorKind) error {
	raw, present := ext[ExtErrorKinds]
	if !present {
		return nil
	}
	groups, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("%s must map kinds to lists of codes", ExtErrorKinds)
	}
	for kind, codes := range groups {
		switch k := ErrorKind(kind); k {
		case KindAuth, KindTooFrequent, KindAlreadyVerified:
		case KindNone: // an operation's own: the catalogue's kind does not hold here
			kind = ""
		default:
			return fmt.Errorf("%s: unknown kind %q (want %s, %s, %s or %s)", ExtErrorKinds, kind, KindAuth, KindTooFrequent, KindAlreadyVerified, KindNone)
		}
		list, ok := codes.([]any)
		if !ok {
			return fmt.Errorf("%s: %s must be a list of codes", ExtErrorKinds, kind)
		}
		for _, c := range list {
			n, ok := c.(float64)
			if !ok || n != float64(int(n)) {
				return fmt.Errorf("%s: %s: %v is not an integer code", ExtErrorKinds, kind, c)
			}
			into[int(n)] = ErrorKind(kind)
		}
	}
	return nil
}

func stringExt(ext map[string]any, key string) string {
	s, _ := ext[key].(string)
	return s
}

// usesScheme reports whether the operation's effective security names scheme.
func usesScheme(t *openapi3.T, op *openapi3.Operation, scheme string) bool {
	reqs := t.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, r := range reqs {
		if _, ok := r[scheme]; ok {
			return true
		}
	}
	return false
}

// Match finds the operation for a method and a path relative to the server
// URL (e.g. "/api/ota/init"). The path is taken as it is sent, escaped (what
// url.URL.EscapedPath returns), and compared segment by segment, each one
// unescaped first: so a path parameter's value may hold an escaped "/"
// ("a%2Fb" is one segment), and a path with an invalid escape matches no
// operation. Path parameters match any one non-empty segment.
func (d *Document) Match(method, p string) (*Operation, bool) {
	all := d.MatchAll(method, p)
	if len(all) == 0 {
		return nil, false
	}
	return all[0], true
}

// MatchAll lists every operation Match could pick, in the spec's order:
// more than one when operations share a URL (x-path) and a header or the
// body tells them apart.
func (d *Document) MatchAll(method, p string) []*Operation {
	segs, ok := splitEscaped(p)
	if !ok {
		return nil
	}
	var out []*Operation
	for _, o := range d.Operations {
		if o.Method == method && matchSegments(o.segments, segs) {
			out = append(out, o)
		}
	}
	return out
}

// Pick chooses among operations that share a URL (MatchAll, x-path): the
// one the signed action header names, else the first whose body
// validates, else the first, whose validation then explains a refusal.
func Pick(ops []*Operation, action string, body []byte) *Operation {
	if len(ops) == 1 {
		return ops[0]
	}
	if action != "" {
		var named []*Operation
		for _, o := range ops {
			if o.Action == action {
				named = append(named, o)
			}
		}
		if len(named) > 0 {
			ops = named
		}
	}
	for _, o := range ops {
		if len(o.ValidateBody(body)) == 0 {
			return o
		}
	}
	return ops[0]
}

// splitEscaped splits an escaped path into its unescaped segments; it
// reports false for a path with an invalid escape.
func splitEscaped(p string) ([]string, bool) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		// Splitting first, unescaping after: an escaped "/" stays inside
		// its segment.
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

func matchSegments(tmpl, segs []string) bool {
	if len(tmpl) != len(segs) {
		return false
	}
	for i, t := range tmpl {
		if isParam(t) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if t != segs[i] {
			return false
		}
	}
	return true
}

// isParam reports whether a path template segment is a parameter: {name}.
func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// Operation returns the operation with the given operationId.
func (d *Document) Operation(id string) (*Operation, bool) {
	o, ok := d.byID[id]
	return o, ok
}

// ServerURL is the first `servers` entry: the vendor's production base URL.
func (d *Document) ServerURL() string {
	if len(d.OpenAPI.Servers) == 0 {
		return ""
	}
	return d.OpenAPI.Servers[0].URL
}

// ExtRegion names a `servers` entry's region ("sg", "tr"): the first
// entry is the default, and option.WithRegion picks another.
const ExtRegion = "x-region"

// Servers are the operation's own `servers`, else its spec's.
func (o *Operation) Servers() openapi3.Servers {
	if o.Spec.Servers != nil && len(*o.Spec.Servers) > 0 {
		return *o.Spec.Servers
	}
	return o.Doc.OpenAPI.Servers
}

// ServerURL is the base URL of the operation's production server: the
// first of its servers, or, for region (when not ""), the one whose
// x-region names it. A product with no regions takes its first server
// whatever the region; one with regions but not this one is an error.
func (o *Operation) ServerURL(region string) (string, error) {
	servers := o.Servers()
	if len(servers) == 0 {
		return "", fmt.Errorf("%s has no server", o.FullName())
	}
	if region == "" {
		return servers[0].URL, nil
	}
	var regions []string
	for _, sv := range servers {
		if r, _ := sv.Extensions[ExtRegion].(string); r != "" {
			if r == region {
				return sv.URL, nil
			}
			regions = append(regions, r)
		}
	}
	if len(regions) == 0 {
		return servers[0].URL, nil
	}
	return "", fmt.Errorf("%s has no server in region %q (it has %s)", o.FullName(), region, strings.Join(regions, ", "))
}

type ctxKey struct{}

// WithOperation records the operation a request is for, so that middleware
// further down (the NXCloud signer) can read its metadata.
func WithOperation(ctx context.Context, o *Operation) context.Context {
	return context.WithValue(ctx, ctxKey{}, o)
}

// OperationFrom returns the operation recorded by WithOperation.
func OperationFrom(ctx context.Context) (*Operation, bool) {
	o, ok := ctx.Value(ctxKey{}).(*Operation)
	return o, ok
}

// SignedConstants is the sign.NXCloudTransport Operation hook: it reads the
// bizType and action of the operation recorded in the request's context.
func SignedConstants(r *http.Request) (bizType, action string, err error) {
	o, ok := OperationFrom(r.Context())
	if !ok {
		return "", "", fmt.Errorf("specs: request to %s carries no operation", r.URL.Path)
	}
	if !o.Signed() {
		return "", "", fmt.Errorf("specs: %s is not an NXCloud-signed operation", o.FullName())
	}
	return o.BizType, o.Action, nil
}

// PathParams extracts the path parameters of a path this operation matches,
// unescaped: for /v1/template-configs/{templateId} and
// /v1/template-configs/a%2Fb%20c, {"templateId": "a/b c"}. The path is
// escaped, as for Match; nil when the operation does not match it.
func (o *Operation) PathParams(p string) map[string]string {
	segs, ok := splitEscaped(p)
	if !ok || !matchSegments(o.segments, segs) {
		return nil
	}
	params := map[string]string{}
	for i, t := range o.segments {
		if isParam(t) {
			params[t[1:len(t)-1]] = segs[i]
		}
	}
	return params
}

// Code returns a documented result code by its Go name: the x-enum-varnames
// entry of the spec's code catalogue (the ResultCode or ErrorCode schema).
// Code("TooFrequent") is 2206 in nxcloud/ota.
func (d *Document) Code(name string) (int, bool) {
	for _, c := range d.Catalogue() {
		if c.Name == name {
			return c.Code, true
		}
	}
	return 0, false
}

// CodeName is the Go name (x-enum-varnames) of a documented result code;
// false when the spec's catalogue does not list the code.
func (d *Document) CodeName(code int) (string, bool) {
	for _, c := range d.Catalogue() {
		if c.Code == code {
			return c.Name, true
		}
	}
	return "", false
}

// CatalogueCode is one documented result code: its number, its Go name
// (x-enum-varnames) and the catalogue schema it is in (ResultCode or
// ErrorCode).
type CatalogueCode struct {
	Code         int
	Name, Schema string
}

// Catalogue reads the spec's ResultCode or ErrorCode schema: its enum
// (numbers, or numbers written as text) beside its x-enum-varnames, in
// order.
func (d *Document) Catalogue() []CatalogueCode {
	var out []CatalogueCode
	for _, schemaName := range []string{"ResultCode", "ErrorCode"} {
		ref := schema(d.OpenAPI, schemaName)
		if ref == nil || ref.Value == nil {
			continue
		}
		names, _ := ref.Value.Extensions["x-enum-varnames"].([]any)
		for i, v := range ref.Value.Enum {
			var c int
			switch v := v.(type) {
			case float64:
				c = int(v)
			case string: // catalogues of products whose codes are text ("0")
				n, err := strconv.Atoi(v)
				if err != nil {
					continue
				}
				c = n
			default:
				continue
			}
			var name string
			if i < len(names) {
				name, _ = names[i].(string)
			}
			out = append(out, CatalogueCode{Code: c, Name: name, Schema: schemaName})
		}
	}
	return out
}
