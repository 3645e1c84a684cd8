package specs

import (
	"fmt"
	"regexp"

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
	case o.Spec.Security != nil && len(*o.Spec.Security) == 0:
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
	found := 0
	for _, p := range o.Spec.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && (p.Value.Name == c.Key || p.Value.Name == c.Secret) {
			found++
		}
	}
	if found != 2 {
		return fmt.Errorf("%s: an operation without a body must list %q and %q as query parameters", ExtAppCredentials, c.Key, c.Secret)
	}
	return nil
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
// body schema, less the credentials member of an app-credential body.
func (o *Operation) ParamsSchema() *openapi3.SchemaRef {
	rb := o.Spec.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get(o.BodyMediaType())
	if mt == nil || mt.Schema == nil {
		return nil
	}
	if creds := CredentialsSchema(mt.Schema.Value, o.AppCredentials); creds != nil {
		for _, m := range mt.Schema.Value.AllOf {
			if m != creds {
				return m
			}
		}
	}
	return mt.Schema
}
