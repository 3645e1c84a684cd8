// Package mock is a local stand-in for the NXCloud and EngageLab APIs, built
// from the same embedded specs as the clients, in the spirit of stripe-mock.
//
// One Server answers every operation of every spec in specs/. For each
// request it:
//
//  1. reads the raw body (bounded) and authenticates it the vendor's way —
//     NXCloud's signature is checked over those raw bytes before any
//     validation step sees the body;
//  2. validates the request with kin-openapi's openapi3filter, without
//     filling in defaults;
//  3. answers from a stateful handler where the API has state, or else
//     with the spec's success example. The stateful operations are OTA
//     init → verify; WhatsApp registration (getCode → checkCode →
//     createClient, createApp → phoneList; see whatsapp.go); PNS bindings
//     and number groups (bind → queryBinding → unbind; see pns.go);
//     NXCloud's verification channels (an SMS send, form or signed v2, an
//     e-mail, a voice or flash call, a number check keeps a record that
//     the record queries return, an unknown ID finding nothing as each
//     page describes; a conversion is taken once per message sent; see
//     sms.go, channels.go, numbercheck.go); and EngageLab OTP sends,
//     verify (once) and templates (see otp.go).
//
// A request that names a callback address (an SMS send's dr_url, a
// number check's drUrl) has its receipt or results pushed there shortly
// after (autocallback.go; Config.NoAutoCallbacks turns it off); the
// Send… methods deliver any callback on a test's request.
//
// Rejections use the vendor's own shape and codes, read from the spec,
// including the codes the docs give particular rules (x-error-code,
// x-list-max, x-max-days-back; specs/errorcode.go):
// NXCloud answers HTTP 200 with a {code, msg|message, data: null} envelope,
// EngageLab an HTTP 4xx with {code, message}.
//
// In a Go test, Start gives a running server, its URL and credentials in one
// line; the CLI's `mock` command serves it on an address.
package mock

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// Default credentials of a Server whose Config names none.
const (
	DefaultAccessKey    = "mock-access-key"
	DefaultAccessSecret = "mock-access-secret"
	DefaultDevKey       = "mock-dev-key"
	DefaultDevSecret    = "mock-dev-secret"
	// DefaultCallbackSecret and DefaultCallbackUsername sign the
	// X-CALLBACK-ID of the EngageLab spec callbacks SendCallback delivers
	// (x-callback callback-id).
	DefaultCallbackSecret   = "mock-callback-secret"
	DefaultCallbackUsername = "mock-callback-user"
	// DefaultWhatsAppCode is the code checkCode accepts unless told otherwise.
	DefaultWhatsAppCode = "1541"
	// DefaultMaxBodyBytes bounds a request body.
	DefaultMaxBodyBytes = 1 << 20
)

// Config sets up a Server. The zero value is usable.
type Config struct {
	// NXCloudKeys maps access keys to their secrets. Empty means the
	// default: {DefaultAccessKey: DefaultAccessSecret}.
	NXCloudKeys map[string]string
	// EngageLabKeys maps dev keys to dev secrets. Empty means the default:
	// {DefaultDevKey: DefaultDevSecret}.
	EngageLabKeys map[string]string
	// Now is the mock's clock, used to check NXCloud's ts. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds request bodies; a larger one gets HTTP 413.
	MaxBodyBytes int64
	// OTAStatus is the status OTA verify reports for a new login: one of
	// the spec's VerificationStatus values (OTAStatuses), else New fails
	// with ErrConfig. Default SUCCESS; SetOTAStatus changes one login.
	OTAStatus string
	// WhatsAppCode is the code checkCode accepts. Default DefaultWhatsAppCode.
	// It must be a valid checkCode code (ErrConfig otherwise), and so must
	// OTPCode be a valid verify_code.
	WhatsAppCode string
	// OTPCode is the code every EngageLab sendMessage "generates", so that
	// a test or the demo knows what to verify. Default DefaultOTPCode.
	OTPCode string
	// SkipRequestValidation turns off openapi3filter request validation
	// (authentication is still checked). For measuring its cost only.
	SkipRequestValidation bool
	// AppCredentials maps an application key-pair set (x-app-credentials)
	// to the appkey and secret the mock accepts for it. A set it does not
	// name accepts mock-<set>-appkey / mock-<set>-secret.
	AppCredentials map[string][2]string
	// NoAutoCallbacks turns off the callbacks the mock pushes by itself:
	// by default a request that names a callback address (an SMS send's
	// dr_url or drUrl for one recipient, a number check's drUrl) has the
	// mock POST the receipt or the results there, shortly after
	// answering (see autoCallback). The Send… methods still deliver on
	// request.
	NoAutoCallbacks bool
	// CallbackIn is where a callback's fields go when its spec allows
	// several places (x-callback in): "query", "form" or "json". The SMS
	// delivery receipt comes in the query string for accounts registered
	// before May 2023 and in a form body after: "form" sends the later.
	// Default the spec's first; a place a callback does not allow falls
	// back to its first too.
	CallbackIn string
	// OnInvalidResponse, when set, has every response the mock sends
	// validated against the spec, and is called for each one that fails.
	// Start reports them as test errors.
	OnInvalidResponse func(operation string, err error)
}

// HeaderOperation is the response header naming the operation the mock
// took a request for ("nxcloud/pns bind"): where several share a URL, a
// test or the demo learns which one answered.
const HeaderOperation = "Verikit-Mock-Operation"

// Server is the mock. It is an http.Handler, safe for concurrent use.
type Server struct {
	cfg  Config
	docs []*specs.Document

	mu         sync.Mutex // guards otaLogins and rejections
	otaLogins  map[string]*otaLogin
	rejections map[string][]Rejection // queued by RejectNext, by operation

	// Each family below keeps its own lock.
	wa  *waState  // WhatsApp integrator registration (whatsapp.go)
	otp *otpState // EngageLab OTP messages and templates (otp.go)

	smsOnce     sync.Once
	smsMessages *smsState // NXCloud SMS messages (sms.go)
	numberOnce  sync.Once
	numberState *numberCheckState // NXCloud number checks (numbercheck.go)
	channelOnce sync.Once
	channelSent *channelState // NXCloud e-mail, voice and flash-call sends (channels.go)

	familiesMu sync.Mutex
	families   map[string]any // the state of the families that use stateOf, by name
}

// stateOf returns the server's state of one family of stateful handlers,
// made by newState on first use. A family's file keeps its state type and
// its lock to itself; Server needs no field for it.
func stateOf[T any](s *Server, family string, newState func() *T) *T {
	s.familiesMu.Lock()
	defer s.familiesMu.Unlock()
	if st, ok := s.families[family].(*T); ok {
		return st
	}
	if s.families == nil {
		s.families = map[string]any{}
	}
	st := newState()
	s.families[family] = st
	return st
}

// New returns a Server for every embedded spec.
func New(cfg Config) (*Server, error) {
	docs, err := specs.All()
	if err != nil {
		return nil, err
	}
	if len(cfg.NXCloudKeys) == 0 {
		cfg.NXCloudKeys = map[string]string{DefaultAccessKey: DefaultAccessSecret}
	}
	if len(cfg.EngageLabKeys) == 0 {
		cfg.EngageLabKeys = map[string]string{DefaultDevKey: DefaultDevSecret}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.OTAStatus == "" {
		cfg.OTAStatus = "SUCCESS"
	}
	if cfg.WhatsAppCode == "" {
		cfg.WhatsAppCode = DefaultWhatsAppCode
	}
	if cfg.OTPCode == "" {
		cfg.OTPCode = DefaultOTPCode
	}
	switch cfg.CallbackIn {
	case "", "query", "form", "json":
	default:
		return nil, fmt.Errorf("%w: CallbackIn %q is none of query, form, json", ErrConfig, clipText(cfg.CallbackIn, 16))
	}
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	otp, err := newOTPState(cfg.Now())
	if err != nil {
		return nil, err
	}
	return &Server{
		cfg:       cfg,
		docs:      docs,
		otaLogins: map[string]*otaLogin{},
		wa:        newWAState(),
		otp:       otp,
	}, nil
}

// ErrConfig is wrapped by New's error for a Config value that the specs
// do not allow, such as an OTAStatus outside the spec's enum: the mock
// would then answer against its own spec.
var ErrConfig = errors.New("mock: invalid configuration")

// configValue is a Config string and the spec schema it must satisfy.
type configValue struct {
	field, value string
	schema       func() (*openapi3.Schema, string, error)
}

// checkConfig checks the Config values that the mock hands out in its
// answers against the schemas they end up in.
func checkConfig(cfg Config) error {
	for _, v := range []configValue{
		{"OTAStatus", cfg.OTAStatus, otaStatusSchema},
		{"WhatsAppCode", cfg.WhatsAppCode, bodyField("nxcloud/wa-integrator", "checkCode", "code")},
		{"OTPCode", cfg.OTPCode, bodyField("engagelab/otp", "verify", "verify_code")},
	} {
		schema, where, err := v.schema()
		if err != nil {
			return err
		}
		if err := schema.VisitJSON(v.value, append(specs.SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
			return fmt.Errorf("%w: %s %q is not allowed by %s: %s", ErrConfig, v.field, clipText(v.value, 64), where, strings.Join(specs.Describe(err), "; "))
		}
	}
	return nil
}

// otaStatusSchema is the schema of the status OTA verify reports.
func otaStatusSchema() (*openapi3.Schema, string, error) {
	const spec, name = "nxcloud/ota", "VerificationStatus"
	d, err := specs.Load(spec)
	if err != nil {
		return nil, "", err
	}
	if d.OpenAPI.Components == nil || d.OpenAPI.Components.Schemas[name] == nil || d.OpenAPI.Components.Schemas[name].Value == nil {
		return nil, "", fmt.Errorf("mock: %s has no %s schema", spec, name)
	}
	return d.OpenAPI.Components.Schemas[name].Value, spec + " " + name, nil
}

// bodyField is the schema of a request body's field.
func bodyField(spec, opID, field string) func() (*openapi3.Schema, string, error) {
	return func() (*openapi3.Schema, string, error) {
		d, err := specs.Load(spec)
		if err != nil {
			return nil, "", err
		}
		op, found := d.Operation(opID)
		if !found || op.BodySchema() == nil || op.BodySchema().Properties[field] == nil {
			return nil, "", fmt.Errorf("mock: %s %s has no body field %s", spec, opID, field)
		}
		return op.BodySchema().Properties[field].Value, op.FullName() + " " + field, nil
	}
}

// OTAStatuses lists the statuses Config.OTAStatus may take: the spec's
// VerificationStatus enum.
func OTAStatuses() []string {
	schema, _, err := otaStatusSchema()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(schema.Enum))
	for _, v := range schema.Enum {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// call is one request on its way through the mock.
type call struct {
	op     *specs.Operation
	r      *http.Request
	raw    []byte
	params map[string]string
	body   map[string]any // the decoded JSON body, nil when there is none
	// files are a multipart body's file parts, by field; in body each is
	// its file name.
	files map[string]uploadedFile
}

// uploadedFile is one file part the mock received.
type uploadedFile struct {
	name, contentType string
	size              int
}

// readMultipart decodes a multipart body: text fields as a form's (typed
// by the schema), each file part as its file name in body and its size in
// files.
func (c *call) readMultipart() error {
	_, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return fmt.Errorf("no boundary in its Content-Type")
	}
	mr := multipart.NewReader(bytes.NewReader(c.raw), params["boundary"])
	values := url.Values{}
	c.files = map[string]uploadedFile{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		if part.FileName() != "" {
			c.files[part.FormName()] = uploadedFile{name: part.FileName(), contentType: part.Header.Get("Content-Type"), size: len(data)}
			continue
		}
		values.Add(part.FormName(), string(data))
	}
	c.body = specs.FormObject(c.op.BodySchema(), values)
	for field, f := range c.files {
		c.body[field] = f.name
	}
	return nil
}

// str reads a string field of the body.
func (c *call) str(name string) string {
	s, _ := c.body[name].(string)
	return s
}

// callbackURL is the address the request names for its callback (the
// field its spec marks x-callback-url), or "".
func (c *call) callbackURL() string {
	if f := c.op.CallbackURLField(); f != "" {
		return c.str(f)
	}
	return ""
}

// reply is what a handler answers: data on success, or a rejection.
type reply struct {
	data any
	rej  *rejection
}

// rejection is a failure in the vendor's terms. status is used only by
// vendors that signal failure through the HTTP status.
type rejection struct {
	status  int
	code    int
	message string
	// data is what an NXCloud failure carries in its envelope's data
	// (Meta's error for WhatsApp's 9099); nil for the usual null.
	data any
}

func ok(data any) reply { return reply{data: data} }

// reject builds a rejection with the code the spec names codeName.
func reject(op *specs.Operation, status int, codeName, message string) reply {
	code, found := op.Doc.Code(codeName)
	if !found {
		// A spec without the code is a bug in the mock's use of it.
		return reply{rej: &rejection{status: http.StatusInternalServerError, code: 1000,
			message: fmt.Sprintf("mock: %s has no result code named %s", op.Doc.Name, codeName)}}
	}
	return reply{rej: &rejection{status: status, code: code, message: message}}
}

// dialect is how one vendor authenticates and answers.
type dialect interface {
	// authenticate checks the request's credentials over its raw bytes.
	authenticate(s *Server, c *call) *reply
	// invalid answers a request the spec rejects; notJSON tells a body that
	// does not parse from one that breaks the schema.
	invalid(c *call, notJSON bool, problems []string) reply
	// write sends a reply in the vendor's shape.
	write(w http.ResponseWriter, c *call, rp reply) (status int, body []byte)
}

// dialectFor picks the vendor by the operation's security scheme.
func dialectFor(op *specs.Operation) dialect {
	switch op.Auth() {
	case specs.AuthSigned:
		return nxcloudDialect{}
	case specs.AuthApp, specs.AuthNone:
		return appDialect{}
	}
	return engagelabDialect{}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ops := s.route(r)
	if ops == nil {
		// A known path with another method is 405 with the methods it
		// takes, as an HTTP server answers; an unknown path is 404.
		if allowed := s.methods(r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"code": 405, "message": fmt.Sprintf("%s is not allowed on %s (allowed: %s)", clipText(r.Method, 16), r.URL.Path, strings.Join(allowed, ", "))})
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"code": 404, "message": fmt.Sprintf("no operation for %s %s", clipText(r.Method, 16), r.URL.Path)})
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"code": 413, "message": fmt.Sprintf("request body larger than %d bytes", s.cfg.MaxBodyBytes)})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "cannot read request body"})
		return
	}
	if len(ops) > 1 { // a URL several products share: the one whose credentials came
		var authed []*specs.Operation
		for _, o := range ops {
			if dialectFor(o).authenticate(s, &call{op: o, r: r, raw: raw}) == nil {
				authed = append(authed, o)
			}
		}
		if len(authed) > 0 {
			ops = authed
		}
	}
	op := specs.Pick(ops, r.Header.Get(sign.HeaderAction), raw)
	w.Header().Set(HeaderOperation, op.FullName())
	c := &call{op: op, r: r, raw: raw, params: op.PathParams(r.URL.EscapedPath())}
	d := dialectFor(op)
	rp := s.handle(d, c)
	status, body := d.write(w, c, rp)
	if s.cfg.OnInvalidResponse != nil {
		if err := s.checkResponse(c, status, w.Header(), body); err != nil {
			s.cfg.OnInvalidResponse(op.FullName(), err)
		}
	}
}

// route finds the request's operation by its escaped path, so that a path
// parameter holding an escaped "/" is one segment.
func (s *Server) route(r *http.Request) []*specs.Operation {
	p := r.URL.EscapedPath()
	var ops []*specs.Operation
	for _, d := range s.docs {
		ops = append(ops, d.MatchAll(r.Method, p)...)
	}
	return ops
}

// methods lists, sorted, the methods the specs define for the request's
// path (none for a path no spec has).
func (s *Server) methods(r *http.Request) []string {
	p := r.URL.EscapedPath()
	seen := map[string]bool{}
	for _, d := range s.docs {
		for _, o := range d.Operations {
			if !seen[o.Method] {
				if _, ok := d.Match(o.Method, p); ok {
					seen[o.Method] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// clipText bounds a request-controlled text echoed in a message.
func clipText(s string, max int) string {
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func (s *Server) handle(d dialect, c *call) reply {
	// Authentication first, over the raw bytes, before validation can touch them.
	if rp := d.authenticate(s, c); rp != nil {
		return *rp
	}
	switch {
	case len(c.raw) > 0 && c.op.BodyMediaType() == specs.MediaForm:
		values, err := url.ParseQuery(string(c.raw))
		if err != nil {
			return d.invalid(c, true, []string{"the request body is not a valid form"})
		}
		c.body = specs.FormObject(c.op.BodySchema(), values)
	case len(c.raw) > 0 && c.op.BodyMediaType() == specs.MediaMultipart:
		if err := c.readMultipart(); err != nil {
			return d.invalid(c, true, []string{"the request body is not valid multipart/form-data: " + err.Error()})
		}
	case len(c.raw) > 0:
		var v any
		if err := json.Unmarshal(c.raw, &v); err != nil {
			return d.invalid(c, true, []string{"the request body is not valid JSON"})
		}
		// Valid JSON of the wrong shape is the schema's business below.
		c.body, _ = v.(map[string]any)
	case c.r.URL.RawQuery != "":
		c.body = specs.FormObject(nil, c.r.URL.Query()) // for handlers that read a GET's fields
	}
	if !s.cfg.SkipRequestValidation {
		// A broken rule the spec ties to a vendor code (x-error-code,
		// x-list-max) gets that code, in the body as the vendor writes
		// it, rather than the generic parameter error.
		if code, problem, found := c.op.DeclaredRejection(c.body, c.r.URL.Query()); found && codeInBody(c.op) {
			return reply{rej: &rejection{status: http.StatusOK, code: code, message: "parameter error: " + problem}}
		}
		if problems := s.validate(c); len(problems) > 0 {
			return d.invalid(c, false, problems)
		}
	}
	if rp, ok := s.nextRejection(c.op.FullName()); ok {
		return *rp
	}
	if h, ok := handlers[c.op.FullName()]; ok {
		// The server's retention (x-max-days-back): a matter of the
		// records a stateful operation keeps, not of the request's shape.
		if code, problem, found := c.op.DateRejection(c.body, c.r.URL.Query(), s.cfg.Now()); found && codeInBody(c.op) {
			return reply{rej: &rejection{status: http.StatusOK, code: code, message: problem}}
		}
		return h(s, c)
	}
	return exampleReply(c.op)
}

// codeInBody reports whether the operation tells its failures by a code
// in an HTTP 200 body (NXCloud's), which a declared rejection is.
func codeInBody(op *specs.Operation) bool {
	return op.Success.CodeField != "" || len(op.Success.Text) > 0
}

// validate runs openapi3filter on a copy of the request carrying the raw
// bytes, with defaults left unset, so the body the handlers see is the body
// that was signed.
func (s *Server) validate(c *call) []string {
	req := c.r.Clone(c.r.Context())
	req.Body = io.NopCloser(bytes.NewReader(c.raw))
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: c.params,
		Route:      s.routeFor(c.op),
		Options: &openapi3filter.Options{
			// kin-openapi cannot decode a form against an allOf schema
			// (an application's key pair beside the params): the spec's
			// own check reads forms below.
			// Nor does it stream multipart files: those are read above.
			ExcludeRequestBody:  c.op.BodyMediaType() != specs.MediaJSON,
			SkipSettingDefaults: true,
			MultiError:          true,
			// Credentials were checked on the raw request already.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Every format the specs use is enforced (specs/formats.go).
			SchemaValidationOptions: specs.SchemaValidationOptions(),
		},
	}
	form := in.Options.ExcludeRequestBody
	// A JSON body the quick check takes is valid for kin-openapi too
	// (specs.QuickValid): only the rest of the request goes through it.
	if !form && len(c.raw) > 0 {
		if schema := c.op.BodySchema(); schema != nil && specs.QuickValid(schema, c.raw) {
			in.Options.ExcludeRequestBody = true
		}
	}
	var problems []string
	if err := openapi3filter.ValidateRequest(c.r.Context(), in); err != nil {
		problems = specs.Describe(err)
	}
	switch {
	case c.op.BodyMediaType() == specs.MediaMultipart:
		if c.body == nil && c.op.BodyRequired() {
			return append(problems, "the request body is required")
		}
		return append(problems, c.op.ValidateObject(c.body)...) // x-list-requires included
	case form:
		problems = append(problems, c.op.ValidateBody(c.raw)...)
	}
	// The rules the schema declares beyond JSON Schema (x-list-requires).
	if c.body != nil {
		problems = append(problems, c.op.BodyRuleProblems(c.body)...)
	}
	return problems
}

// routeFor builds kin-openapi's route from our own match: kin-openapi's
// routers also match the `servers` host, which a mock on loopback never is.
func (s *Server) routeFor(op *specs.Operation) *routers.Route {
	return &routers.Route{
		Spec:      op.Doc.OpenAPI,
		Path:      op.Path,
		PathItem:  op.Doc.OpenAPI.Paths.Value(op.Path),
		Method:    op.Method,
		Operation: op.Spec,
	}
}

func (s *Server) checkResponse(c *call, status int, header http.Header, body []byte) error {
	req := c.r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(c.raw))
	if err := successRuleHolds(c.op, status, body); err != nil {
		return err
	}
	// Every field of a success the mock answers must be one its spec
	// declares: the client keeps unknown fields, so nothing else would
	// catch a mock answer drifting from the spec. (A failure may say why
	// under message where its schema has no text field.)
	if schema := c.op.ResponseSchema(status); schema != nil && len(body) > 0 && isSuccess(c.op, status, body) {
		var v any
		if json.Unmarshal(body, &v) == nil {
			if extra := specs.UndeclaredFields(schema, v); len(extra) > 0 {
				return fmt.Errorf("the answer has fields its schema does not declare: %s", strings.Join(extra, ", "))
			}
		}
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: c.params, Route: s.routeFor(c.op),
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			// Check the answer as sent; never fill in defaults.
			SkipSettingDefaults: true,
			// A body the quick check takes is valid for kin-openapi too;
			// the status and the headers are still checked.
			ExcludeResponseBody:     quickValidResponse(c.op, status, body),
			SchemaValidationOptions: specs.SchemaValidationOptions(),
		},
	})
}

// isSuccess reports whether an answer is a success by the operation's
// x-success: its status, and its code where it has one.
func isSuccess(op *specs.Operation, status int, body []byte) bool {
	rule := op.Success
	if status != rule.Status {
		return false
	}
	if rule.CodeField == "" {
		return true
	}
	var env map[string]any
	return json.Unmarshal(body, &env) == nil && rule.CodeMatches(env[rule.CodeField])
}

// quickValidResponse reports whether the quick check takes body for the
// JSON schema of the operation's response with that status.
func quickValidResponse(op *specs.Operation, status int, body []byte) bool {
	schema := op.ResponseSchema(status)
	return schema != nil && len(body) > 0 && specs.QuickValid(schema, body)
}

// successRuleHolds checks an answer that claims success against the
// operation's x-success, as the client does: a success code with a
// declared payload must carry it.
func successRuleHolds(op *specs.Operation, status int, body []byte) error {
	rule := op.Success
	if status != rule.Status || rule.CodeField == "" || rule.Payload == "" || rule.Empty {
		return nil
	}
	var env map[string]any
	if json.Unmarshal(body, &env) != nil || !rule.CodeMatches(env[rule.CodeField]) {
		return nil // not a success by the rule: the schema check judges it
	}
	if env[rule.Payload] == nil {
		return fmt.Errorf("a success (%s %v) without %s, which x-success requires", rule.CodeField, env[rule.CodeField], rule.Payload)
	}
	return nil
}

// exampleReply answers an operation without a stateful handler with the
// first of its success response's examples (by name) that shows a success:
// for NXCloud, an envelope with code 0, whose data the dialect re-wraps.
func exampleReply(op *specs.Operation) reply {
	resp := op.Spec.Responses.Status(http.StatusOK)
	if resp == nil || resp.Value == nil {
		return ok(map[string]any{})
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil {
		return ok(map[string]any{})
	}
	rule := op.Success
	for _, v := range examples(mt) {
		env, isMap := v.(map[string]any)
		if rule.CodeField != "" && !(isMap && rule.CodeMatches(env[rule.CodeField])) {
			continue // a failure example
		}
		switch {
		case op.Signed() && rule.Empty:
			return ok(env["data"]) // the NXCloud dialect wraps data in its envelope
		case op.Signed() && rule.Payload != "":
			return ok(env[rule.Payload]) // and writes it under the same field
		case rule.Payload != "" && !rule.Empty && isMap:
			return ok(env[rule.Payload]) // the app dialect wraps it under the same field
		}
		return ok(v)
	}
	return ok(map[string]any{})
}

// statusExamples lists the examples of the operation's JSON answer at
// status, as examples does.
func statusExamples(op *specs.Operation, status int) []any {
	resp := op.Spec.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get(specs.MediaJSON)
	if mt == nil {
		return nil
	}
	return examples(mt)
}

// namedExample is a copy of the named example of the operation's HTTP 200
// JSON answer, decoded as a body is (nil when it has none).
func namedExample(op *specs.Operation, name string) any {
	resp := op.Spec.Responses.Status(http.StatusOK)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get(specs.MediaJSON)
	if mt == nil || mt.Examples[name] == nil || mt.Examples[name].Value == nil {
		return nil
	}
	var v any
	if json.Unmarshal(mustJSON(mt.Examples[name].Value.Value), &v) != nil {
		return nil
	}
	return v
}

// examples lists a media type's example values, the single example first,
// then the named ones in name order.
func examples(mt *openapi3.MediaType) []any {
	var out []any
	if mt.Example != nil {
		out = append(out, mt.Example)
	}
	names := make([]string, 0, len(mt.Examples))
	for name := range mt.Examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil {
			out = append(out, ex.Value.Value)
		}
	}
	return out
}

// newID returns 32 random hex digits, the shape of NXCloud's requestId.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":500,"message":"mock: cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return b
}

// problemsText joins validation problems for a rejection message.
func problemsText(problems []string) string { return strings.Join(problems, "; ") }
