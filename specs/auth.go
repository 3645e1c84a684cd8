package specs

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ExtAppCredentials says that an operation authenticates with an
// application's key pair rather than a signature: NXCloud issues one pair
// per SMS, voice, e-mail or flash-call application, and the caller sets
// each pair once on the client, never per call.
//
//	x-app-credentials:
//	  set: sms          # which pair: option.WithAppCredentials("sms", …)
//	  key: appkey       # the field names the pair is sent under, in the
//	  secret: secretkey # form or JSON body, or the query of a GET
//
// At the root of a spec it holds for every operation; an operation's own
// replaces it, and `x-app-credentials: null` turns it off for one.
// The fields are part of the request as the spec documents it (for a body:
// an allOf of a credentials schema with exactly those two properties and
// the operation's own params schema), so that validation sees them, but
// the generated params leave them out.
const ExtAppCredentials = "x-app-credentials"

// AppCredentials is an operation's ExtAppCredentials.
type AppCredentials struct {
	Set, Key, Secret string
}

// ExtBasicCredentials says that an operation's HTTP Basic credentials
// are not the vendor client's own (EngageLab's dev key and secret) but a
// pair the caller configures once for the product: EngageLab e-mail's
// api_user and api_key, App Push's appKey and masterSecret.
//
//	x-basic-credentials:
//	  set: email            # option.WithAppCredentials("email", user, password)
//	  user-prefix: group-   # optional: sent as "group-" + the pair's user
//
// At the root it holds for every operation; an operation's own replaces
// it, and null turns it off for one.
const ExtBasicCredentials = "x-basic-credentials"

// BasicCredentials is an operation's ExtBasicCredentials.
type BasicCredentials struct {
	Set, UserPrefix string
}

func parseBasicCredentials(ext map[string]any, base *BasicCredentials) (*BasicCredentials, error) {
	raw, present := ext[ExtBasicCredentials]
	if !present {
		return base, nil
	}
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object or null", ExtBasicCredentials)
	}
	c := &BasicCredentials{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s.%s must be a non-empty string", ExtBasicCredentials, k)
		}
		switch k {
		case "set":
			c.Set = s
		case "user-prefix":
			c.UserPrefix = s
		default:
			return nil, fmt.Errorf("%s: unknown key %q", ExtBasicCredentials, k)
		}
	}
	if !setName.MatchString(c.Set) {
		return nil, fmt.Errorf("%s.set %q must be a lower-case word", ExtBasicCredentials, c.Set)
	}
	return c, nil
}

// CredentialSet is the configured pair the operation sends, in its
// request (x-app-credentials) or as its Basic credentials
// (x-basic-credentials); "" when it sends neither.
func (o *Operation) CredentialSet() string {
	switch {
	case o.AppCredentials != nil:
		return o.AppCredentials.Set
	case o.BasicCredentials != nil:
		return o.BasicCredentials.Set
	}
	return ""
}

// Auth is how an operation authenticates.
type Auth string

const (
	// AuthSigned is NXCloud's signature headers (x-nxcloud).
	AuthSigned Auth = "signed"
	// AuthApp is an application's key pair in the request (x-app-credentials).
	AuthApp Auth = "app"
	// AuthNone sends no credential (security: [] on the operation).
	AuthNone Auth = "none"
	// AuthScheme is the spec's own security scheme applied by the vendor's
	// transport (EngageLab's HTTP Basic).
	AuthScheme Auth = "scheme"
)

var setName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

func parseAppCredentials(ext map[string]any, base *AppCredentials) (*AppCredentials, error) {
	raw, present := ext[ExtAppCredentials]
	if !present {
		return base, nil
	}
	if raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object or null", ExtAppCredentials)
	}
	c := &AppCredentials{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s.%s must be a non-empty string", ExtAppCredentials, k)
		}
		switch k {
		case "set":
			c.Set = s
		case "key":
			c.Key = s
		case "secret":
			c.Secret = s
		default:
			return nil, fmt.Errorf("%s: unknown key %q", ExtAppCredentials, k)
		}
	}
	switch {
	case !setName.MatchString(c.Set):
		return nil, fmt.Errorf("%s.set %q must be a lower-case word", ExtAppCredentials, c.Set)
	case c.Key == "" || c.Secret == "" || c.Key == c.Secret:
		return nil, fmt.Errorf("%s needs two different field names, key and secret", ExtAppCredentials)
	}
	return c, nil
}

// Auth is how the operation authenticates.
func (o *Operation) Auth() Auth {
	switch {
	case o.Signed():
		return AuthSigned
	case o.AppCredentials != nil:
		return AuthApp
	}
	reqs := o.Doc.OpenAPI.Security // the spec's, unless the operation has its own
	if o.Spec.Security != nil {
		reqs = *o.Spec.Security
	}
	if len(reqs) == 0 {
		return AuthNone
	}
	return AuthScheme
}

// checkAppCredentials refuses credentials the request does not carry: the
// body schema (or the query parameters of an operation without a body)
// must name both fields.
func (o *Operation) checkAppCredentials() error {
	c := o.AppCredentials
	if c == nil {
		return nil
	}
	if o.Signed() {
		return fmt.Errorf("%s and %s both set: an operation has one way to authenticate", ExtAppCredentials, ExtNXCloud)
	}
	if body := o.BodySchema(); body != nil {
		if CredentialsSchema(body, c) == nil {
			return fmt.Errorf("%s: the body schema must be an allOf of a schema with exactly the properties %q and %q, and the params", ExtAppCredentials, c.Key, c.Secret)
		}
		return nil
	}
	// A GET sends the pair in its query, declared as two apiKey security
	// schemes (in: query) that the operation requires together, so that
	// the generated params leave them out.
	if o.querySchemes(c.Key) && o.querySchemes(c.Secret) {
		return nil
	}
	return fmt.Errorf("%s: an operation without a body must require two apiKey security schemes in the query, named %q and %q", ExtAppCredentials, c.Key, c.Secret)
}

// querySchemes reports whether the operation's security requires an
// apiKey scheme in the query with that parameter name.
func (o *Operation) querySchemes(name string) bool {
	reqs := o.Doc.OpenAPI.Security
	if o.Spec.Security != nil {
		reqs = *o.Spec.Security
	}
	for _, r := range reqs {
		for scheme := range r {
			ref := o.Doc.OpenAPI.Components.SecuritySchemes[scheme]
			if ref != nil && ref.Value != nil && ref.Value.Type == "apiKey" && ref.Value.In == "query" && ref.Value.Name == name {
				return true
			}
		}
	}
	return false
}

// CredentialsSchema is the allOf member of a body schema that holds the
// application's key pair and nothing else, or nil.
func CredentialsSchema(body *openapi3.Schema, c *AppCredentials) *openapi3.SchemaRef {
	if c == nil || len(body.AllOf) != 2 {
		return nil
	}
	for _, m := range body.AllOf {
		if v := m.Value; v != nil && len(v.Properties) == 2 && v.Properties[c.Key] != nil && v.Properties[c.Secret] != nil {
			return m
		}
	}
	return nil
}

// ParamsSchema is the schema of what the caller gives for the body: the
// body schema, less the credentials member of an app-credential body, or
// the token member of an x-token one.
func (o *Operation) ParamsSchema() *openapi3.SchemaRef {
	rb := o.Spec.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get(o.BodyMediaType())
	if mt == nil || mt.Schema == nil {
		return nil
	}
	filled := CredentialsSchema(mt.Schema.Value, o.AppCredentials)
	if filled == nil {
		filled = tokenSchema(mt.Schema.Value, o.Token)
	}
	if filled != nil {
		for _, m := range mt.Schema.Value.AllOf {
			if m != filled {
				return m
			}
		}
	}
	return mt.Schema
}

// ParamField is one field of what the caller gives an operation besides
// its path: a property of the params schema (the body less an
// application's key pair), or a query parameter of an operation without a
// body.
type ParamField struct {
	Name     string
	Required bool
	Schema   *openapi3.Schema
	Example  any // the parameter's own example, when it has one
	// Description is the field's: a query parameter's own, else its
	// schema's.
	Description string
}

// ExtCallbackURL marks the request field that names where the vendor
// pushes the operation's callback (an SMS send's dr_url), so that the mock
// can deliver it there:
//
//	dr_url: {type: string, x-callback-url: true}
const ExtCallbackURL = "x-callback-url"

// CallbackURLField is the name of the param field marked ExtCallbackURL, or
// "" when the operation has none.
func (o *Operation) CallbackURLField() string {
	for _, f := range o.ParamFields() {
		if marked, _ := f.Schema.Extensions[ExtCallbackURL].(bool); marked {
			return f.Name
		}
	}
	return ""
}

// ParamFields lists the operation's param fields, sorted by name.
func (o *Operation) ParamFields() []ParamField {
	var out []ParamField
	if ref := o.ParamsSchema(); ref != nil && ref.Value != nil {
		seen := map[string]bool{}
		var walk func(s *openapi3.Schema)
		walk = func(s *openapi3.Schema) {
			for name, p := range s.Properties {
				if !seen[name] && p.Value != nil {
					seen[name] = true
					out = append(out, ParamField{Name: name, Schema: p.Value, Example: p.Value.Example, Description: p.Value.Description})
				}
			}
			for _, m := range s.AllOf {
				if m.Value != nil {
					walk(m.Value)
				}
			}
		}
		walk(ref.Value)
		required := requiredOf(ref.Value)
		for i := range out {
			out[i].Required = required[out[i].Name]
		}
	} else if o.Spec.RequestBody == nil {
		for _, ref := range o.Spec.Parameters {
			p := ref.Value
			if p == nil || p.In != openapi3.ParameterInQuery {
				continue
			}
			f := ParamField{Name: p.Name, Required: p.Required, Schema: openapi3.NewStringSchema(), Example: p.Example, Description: p.Description}
			if p.Schema != nil && p.Schema.Value != nil {
				f.Schema = p.Schema.Value
			}
			if f.Description == "" {
				f.Description = f.Schema.Description
			}
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func requiredOf(s *openapi3.Schema) map[string]bool {
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for _, m := range s.AllOf {
		if m.Value != nil {
			for k := range requiredOf(m.Value) {
				req[k] = true
			}
		}
	}
	return req
}

// ValidateParams checks the caller's params, as JSON, before the pipeline
// adds what the caller never gives (an application's key pair): against
// the params schema of an operation with a body, or its query parameters.
func (o *Operation) ValidateParams(params []byte) []string {
	if o.Spec.RequestBody == nil {
		var fields map[string]any
		if err := json.Unmarshal(params, &fields); err != nil {
			return []string{"the params are not a JSON object: " + err.Error()}
		}
		q := url.Values{}
		for k, v := range fields {
			if s, ok := v.(string); ok {
				q.Set(k, s)
			} else {
				b, _ := json.Marshal(v)
				q.Set(k, string(b))
			}
		}
		var problems []string
		for _, p := range o.ValidateQuery(q) {
			if c := o.AppCredentials; c == nil || !(strings.HasPrefix(p, c.Key+":") || strings.HasPrefix(p, c.Secret+":")) {
				problems = append(problems, p)
			}
		}
		return problems
	}
	ref := o.ParamsSchema()
	if ref == nil || ref.Value == nil {
		return nil
	}
	if ref.Value == o.BodySchema() && o.BodyMediaType() == MediaJSON {
		return o.ValidateBody(params)
	}
	var v any
	if err := json.Unmarshal(params, &v); err != nil {
		return []string{"the params are not valid JSON: " + err.Error()}
	}
	var problems []string
	if err := ref.Value.VisitJSON(v, append(SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
		problems = Describe(err)
	}
	return problems
}

// RequestExample is what a caller passes for the spec's request example:
// the body example (JSON or form; the media type's own, else the params
// schema's) less an application's key pair, or, for an operation without
// a body, its query parameters' examples. nil when the spec gives none.
func (o *Operation) RequestExample() map[string]any {
	out := map[string]any{}
	if rb := o.Spec.RequestBody; rb != nil && rb.Value != nil {
		var ex any
		if mt := rb.Value.Content.Get(o.BodyMediaType()); mt != nil {
			ex = mt.Example
			if ex == nil {
				for _, name := range sortedKeys(mt.Examples) {
					if e := mt.Examples[name]; e != nil && e.Value != nil {
						ex = e.Value.Value
						break
					}
				}
			}
		}
		if ex == nil {
			if ref := o.ParamsSchema(); ref != nil && ref.Value != nil {
				ex = ref.Value.Example
			}
		}
		m, ok := ex.(map[string]any)
		if !ok {
			return nil
		}
		for k, v := range m {
			if c := o.AppCredentials; c != nil && (k == c.Key || k == c.Secret) {
				continue // the client's configured pair
			}
			if t := o.Token; t != nil && k == t.Field {
				continue // the client's own token (x-token)
			}
			out[k] = v
		}
		return out
	}
	for _, ref := range o.Spec.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		ex := p.Example
		if ex == nil && p.Schema != nil && p.Schema.Value != nil {
			ex = p.Schema.Value.Example
		}
		if ex != nil {
			out[p.Name] = ex
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CredentialFields are the request and answer fields that carry a
// credential of the operation's own: its key pair's names, the token it
// sends (x-token), and the token it issues to another operation.
func (o *Operation) CredentialFields() []string {
	var keys []string
	if c := o.AppCredentials; c != nil {
		keys = append(keys, c.Key, c.Secret)
	}
	if o.Token != nil {
		keys = append(keys, o.Token.Field)
	}
	if o.IssuesToken != "" {
		keys = append(keys, o.IssuesToken)
	}
	return keys
}

// MaskRequestSecrets replaces in v, a decoded request body, the values
// of the params marked x-secret (a new password) with "***". It reports
// whether it replaced any.
func (o *Operation) MaskRequestSecrets(v any) bool {
	ref := o.ParamsSchema()
	if ref == nil {
		return false
	}
	return maskSecrets(ref.Value, v, nil, 0)
}

// AnswersSecrets reports whether the operation's answer has fields marked
// x-secret.
func (o *Operation) AnswersSecrets() bool {
	ref := o.PayloadSchema()
	params := o.ParamsSchema()
	return (ref != nil && hasSecret(ref.Value, 0)) || (params != nil && hasSecret(params.Value, 0))
}

func hasSecret(s *openapi3.Schema, depth int) bool {
	if s == nil || depth > 32 {
		return false
	}
	if secret, _ := s.Extensions[ExtSecret].(bool); secret {
		return true
	}
	for _, p := range s.Properties {
		if p != nil && hasSecret(p.Value, depth+1) {
			return true
		}
	}
	if s.Items != nil && hasSecret(s.Items.Value, depth+1) {
		return true
	}
	for _, m := range append(append(s.AllOf, s.OneOf...), s.AnyOf...) {
		if m != nil && hasSecret(m.Value, depth+1) {
			return true
		}
	}
	return false
}

// ExtSecret marks a property whose value is a credential (an application
// secret key echoed back, a phone's password): nothing the SDK prints or
// logs shows it unless the user asks.
const ExtSecret = "x-secret"

// MaskSecrets replaces in v, a decoded answer of schema s, the values of
// the properties marked x-secret, and of the operation's key-pair fields,
// with "***", at any depth. It reports whether it replaced any.
func (o *Operation) MaskSecrets(v any) bool {
	// In an answer, an echoed pair's secret: its key is an application's
	// name (and "username" a phone's, where the pair is a console login).
	var keys []string
	if c := o.AppCredentials; c != nil {
		keys = append(keys, c.Secret)
	}
	if o.IssuesToken != "" {
		keys = append(keys, o.IssuesToken)
	}
	var s *openapi3.Schema
	if ref := o.PayloadSchema(); ref != nil {
		s = ref.Value
	}
	return maskSecrets(s, v, keys, 0)
}

func maskSecrets(s *openapi3.Schema, v any, keys []string, depth int) bool {
	if depth > 32 {
		return false
	}
	masked := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			var p *openapi3.Schema
			if s != nil {
				p = propertySchema(s, k)
			}
			secret := false
			if p != nil {
				secret, _ = p.Extensions[ExtSecret].(bool)
			}
			if secret || slicesContains(keys, k) {
				if x != nil {
					v[k], masked = "***", true
				}
				continue
			}
			masked = maskSecrets(p, x, keys, depth+1) || masked
		}
	case []any:
		var items *openapi3.Schema
		if s != nil && s.Items != nil {
			items = s.Items.Value
		}
		for _, x := range v {
			masked = maskSecrets(items, x, keys, depth+1) || masked
		}
	}
	return masked
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
