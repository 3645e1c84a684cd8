package specs

import (
	"fmt"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// ExtToken says that an operation sends a token another operation of the
// spec issues, rather than a credential the caller configures: the SIP
// agent API's makeCall sends the token getToken returns, valid 1200 s.
//
//	x-token:
//	  from: getToken      # the operation that issues it
//	  result: token       # the field of from's result that holds it
//	  field: token        # the request field it is sent in
//	  lifetime: 1200      # seconds it is valid
//	  expired: [1201]     # result codes that mean it is no longer valid
//
// The body is an allOf of a schema holding only field and the params, so
// that validation sees the token but the generated params leave it out.
// The client fetches the token itself, shares it between calls, and
// renews it before it expires; an expired answer drops it, and a safe
// operation is then sent once more with a new one.
const ExtToken = "x-token"

// TokenSource is an operation's ExtToken.
type TokenSource struct {
	From, Result, Field string
	Lifetime            time.Duration
	Expired             []int
}

func parseToken(ext map[string]any) (*TokenSource, error) {
	raw, ok := ext[ExtToken]
	if !ok {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an object", ExtToken)
	}
	t := &TokenSource{}
	for k, v := range m {
		switch k {
		case "from", "result", "field":
			s, _ := v.(string)
			if s == "" {
				return nil, fmt.Errorf("%s.%s must be a non-empty string", ExtToken, k)
			}
			switch k {
			case "from":
				t.From = s
			case "result":
				t.Result = s
			default:
				t.Field = s
			}
		case "lifetime":
			n, ok := v.(float64)
			if !ok || n < 1 || n != float64(int64(n)) {
				return nil, fmt.Errorf("%s.lifetime must be a positive whole number of seconds", ExtToken)
			}
			t.Lifetime = time.Duration(n) * time.Second
		case "expired":
			list, _ := v.([]any)
			for _, c := range list {
				n, ok := c.(float64)
				if !ok || n != float64(int64(n)) {
					return nil, fmt.Errorf("%s.expired must list integer codes", ExtToken)
				}
				t.Expired = append(t.Expired, int(n))
			}
		default:
			return nil, fmt.Errorf("%s: unknown key %q", ExtToken, k)
		}
	}
	if t.From == "" || t.Result == "" || t.Field == "" || t.Lifetime == 0 {
		return nil, fmt.Errorf("%s needs from, result, field and lifetime", ExtToken)
	}
	return t, nil
}

// checkTokens checks each operation's x-token against the rest of the
// spec: its issuer exists and returns the field, and the request carries
// the token field in its own allOf member.
func (d *Document) checkTokens() error {
	for _, o := range d.Operations {
		t := o.Token
		if t == nil {
			continue
		}
		from, ok := d.byID[t.From]
		switch {
		case !ok || from == o:
			return fmt.Errorf("specs: %s: %s.from %q is not another operation of the spec", o.FullName(), ExtToken, t.From)
		case from.Token != nil:
			return fmt.Errorf("specs: %s: %s.from %q needs a token itself", o.FullName(), ExtToken, t.From)
		}
		if p := from.PayloadSchema(); p == nil || p.Value == nil || propertySchema(p.Value, t.Result) == nil {
			return fmt.Errorf("specs: %s: %s.result: %s's result has no field %q", o.FullName(), ExtToken, t.From, t.Result)
		}
		if body := o.BodySchema(); body == nil || tokenSchema(body, t) == nil {
			return fmt.Errorf("specs: %s: %s: the body must be an allOf of a schema holding only %q, and the params", o.FullName(), ExtToken, t.Field)
		}
		from.IssuesToken = t.Result
	}
	return nil
}

// tokenSchema is the allOf member of body that holds only the token field.
func tokenSchema(body *openapi3.Schema, t *TokenSource) *openapi3.SchemaRef {
	if t == nil || len(body.AllOf) != 2 {
		return nil
	}
	for _, m := range body.AllOf {
		if v := m.Value; v != nil && len(v.Properties) == 1 && v.Properties[t.Field] != nil {
			return m
		}
	}
	return nil
}
