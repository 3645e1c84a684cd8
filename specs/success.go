package specs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Extensions that say what a success is and how a spec reaches users.
const (
	// ExtSuccess declares what a successful answer looks like. At the root
	// of a spec it holds for every operation; an operation's own
	// x-success overrides the keys it names:
	//
	//	x-success:
	//	  status: 200                    # the only HTTP status of a success
	//	  code: {field: code, values: [0]}  # the result code and the JSON values that mean success
	//	  payload: data                  # the field holding the result; absent = the whole body
	//
	// An operation whose success carries nothing sets `payload: null`.
	// A success must also satisfy the operation's response schema for that
	// status, and carry a non-null payload when one is declared.
	ExtSuccess = "x-success"
	// ExtSDK, under info, names what a spec becomes: its Go package, the
	// vendor client's field and the CLI command. Each key is optional and
	// defaults from the file name (ota → package ota, field OTA, command ota).
	ExtSDK = "x-sdk"
)

// Success is an operation's success rule (ExtSuccess, the root's merged
// with the operation's).
type Success struct {
	Status int
	// CodeField names the result code's field; "" when the status alone
	// decides.
	CodeField string
	// CodeValues are the JSON texts of the codes that mean success
	// ("0", `"0"`, `"success"`): the JSON type matters.
	CodeValues []string
	// Payload names the field holding the result ("data"); "" means the
	// whole body.
	Payload string
	// Empty is set when a success carries nothing to return.
	Empty bool
	// Text lists the plain-text bodies that mean success (NXCloud's
	// conversion reports answer "success" or "fail"); a text rule has no
	// code and no payload.
	Text []string

	values []any // CodeValues decoded
}

// CodeMatches reports whether a decoded JSON code value is one of the
// success values: 0 and "0" differ, 0 and 0.0 do not.
func (s *Success) CodeMatches(v any) bool {
	for _, w := range s.values {
		if v == w {
			return true
		}
	}
	return false
}

// WordCodes reports whether the codes are words ("success", "failed")
// rather than numbers or numbers written as text: such an operation has
// no numeric code to report, whatever the spec's catalogue lists.
func (s *Success) WordCodes() bool {
	for _, v := range s.values {
		w, ok := v.(string)
		if !ok {
			return false
		}
		if _, err := strconv.Atoi(w); err == nil {
			return false
		}
		return true
	}
	return false
}

// IsSuccessCode reports whether a raw JSON code value is one of the
// success values.
func (s *Success) IsSuccessCode(raw json.RawMessage) bool {
	v := strings.TrimSpace(string(raw))
	for _, c := range s.CodeValues {
		if v == c {
			return true
		}
	}
	return false
}

// parseSuccess merges an x-success extension over base.
func parseSuccess(ext map[string]any, base Success) (Success, error) {
	raw, present := ext[ExtSuccess]
	if !present {
		return base, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return base, fmt.Errorf("%s must be an object", ExtSuccess)
	}
	s := base
	for k, v := range m {
		switch k {
		case "status":
			n, ok := v.(float64)
			if !ok || n < 100 || n > 599 || n != float64(int(n)) {
				return base, fmt.Errorf("%s.status must be an HTTP status, got %v", ExtSuccess, v)
			}
			s.Status = int(n)
		case "code":
			c, ok := v.(map[string]any)
			field, _ := c["field"].(string)
			values, _ := c["values"].([]any)
			if !ok || field == "" || len(values) == 0 {
				return base, fmt.Errorf("%s.code must have a field and a non-empty list of values", ExtSuccess)
			}
			s.CodeField, s.CodeValues, s.values = field, nil, nil
			for _, val := range values {
				switch val.(type) {
				case float64, string, bool:
				default:
					return base, fmt.Errorf("%s.code.values: %v is not a number, string or boolean", ExtSuccess, val)
				}
				s.values = append(s.values, val)
				b, err := json.Marshal(val)
				if err != nil {
					return base, fmt.Errorf("%s.code.values: %w", ExtSuccess, err)
				}
				s.CodeValues = append(s.CodeValues, string(b))
			}
		case "payload":
			if v == nil {
				s.Payload, s.Empty = "", true
				continue
			}
			p, ok := v.(string)
			if !ok || p == "" {
				return base, fmt.Errorf("%s.payload must be a field name or null", ExtSuccess)
			}
			s.Payload, s.Empty = p, false
		case "text":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return base, fmt.Errorf("%s.text must be a non-empty list of strings", ExtSuccess)
			}
			s.Text = nil
			for _, t := range list {
				str, ok := t.(string)
				if !ok || str == "" {
					return base, fmt.Errorf("%s.text must be a non-empty list of strings", ExtSuccess)
				}
				s.Text = append(s.Text, str)
			}
			s.CodeField, s.CodeValues, s.values, s.Payload, s.Empty = "", nil, nil, "", true
		default:
			return base, fmt.Errorf("%s: unknown key %q", ExtSuccess, k)
		}
	}
	_, code := m["code"]
	_, payload := m["payload"]
	if _, text := m["text"]; text && (code || payload) {
		return base, fmt.Errorf("%s: text takes neither code nor payload", ExtSuccess)
	}
	if s.Status == 0 {
		s.Status = http.StatusOK
	}
	return s, nil
}

// checkSuccess refuses a rule that no answer could meet: a code or payload
// field the success schema does not have.
func (o *Operation) checkSuccess() error {
	if len(o.Success.Text) > 0 {
		if o.Success.CodeField != "" {
			return fmt.Errorf("%s: a text rule takes no code", ExtSuccess)
		}
		return nil
	}
	schema := o.SuccessSchema()
	if schema == nil {
		return nil
	}
	has := func(field string) bool {
		if _, ok := schema.Properties[field]; ok {
			return true
		}
		for _, m := range schema.AllOf {
			if m.Value != nil && m.Value.Properties[field] != nil {
				return true
			}
		}
		return false
	}
	if f := o.Success.CodeField; f != "" && !has(f) {
		return fmt.Errorf("%s.code.field %q is not a property of the HTTP %d response", ExtSuccess, f, o.Success.Status)
	}
	if f := o.Success.Payload; f != "" && !o.Success.Empty && !has(f) {
		return fmt.Errorf("%s.payload %q is not a property of the HTTP %d response", ExtSuccess, f, o.Success.Status)
	}
	return nil
}

// SuccessSchema is the schema a successful answer's body must satisfy: the
// response schema for the success status.
func (o *Operation) SuccessSchema() *openapi3.Schema {
	if o.bodyMedia != "" { // looked up at parse time
		return o.successSchema
	}
	return o.ResponseSchema(o.Success.Status)
}

// PayloadSchema is the schema of what a success returns to the caller: the
// payload field of the success schema, or the whole of it; nil when the
// operation returns nothing.
func (o *Operation) PayloadSchema() *openapi3.SchemaRef {
	if o.Success.Empty {
		return nil
	}
	resp := o.Spec.Responses.Status(o.Success.Status)
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	if o.Success.Payload == "" {
		return mt.Schema
	}
	if mt.Schema.Value == nil {
		return nil
	}
	return mt.Schema.Value.Properties[o.Success.Payload]
}

// SDK names what a spec becomes in Go and in the CLI (ExtSDK).
type SDK struct {
	Vendor  string // the spec's directory: nxcloud
	Package string // the generated Go package: waintegrator
	Field   string // the vendor client's field: WhatsApp
	Command string // the CLI command below the vendor: wa
}

func parseSDK(name string, info *openapi3.Info) (SDK, error) {
	// name is vendor/file for the embedded specs; a file checked from
	// elsewhere names its last two path elements.
	vendor, file := path.Base(path.Dir(name)), path.Base(name)
	s := SDK{Vendor: vendor, Package: goPackage(file), Field: GoName(file), Command: strings.ReplaceAll(file, "_", "-")}
	var raw any
	if info != nil {
		raw = info.Extensions[ExtSDK]
	}
	if raw == nil {
		return s, s.check()
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return s, fmt.Errorf("info.%s must be an object", ExtSDK)
	}
	for k, v := range m {
		str, ok := v.(string)
		if !ok || str == "" {
			return s, fmt.Errorf("info.%s.%s must be a non-empty string", ExtSDK, k)
		}
		switch k {
		case "package":
			s.Package = str
		case "field":
			s.Field = str
		case "command":
			s.Command = str
		default:
			return s, fmt.Errorf("info.%s: unknown key %q", ExtSDK, k)
		}
	}
	return s, s.check()
}

var (
	goPackageName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	goExported    = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	commandName   = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// check refuses names that cannot be a Go package, an exported field or a
// command word, whether a spec set them or they came from its file name.
func (s SDK) check() error {
	switch {
	case !goPackageName.MatchString(s.Package):
		return fmt.Errorf("Go package %q is not a lower-case identifier; set info.%s.package", s.Package, ExtSDK)
	case !goExported.MatchString(s.Field):
		return fmt.Errorf("client field %q is not an exported Go identifier; set info.%s.field", s.Field, ExtSDK)
	case !commandName.MatchString(s.Command):
		return fmt.Errorf("command %q is not a lower-case word (letters, digits, -); set info.%s.command", s.Command, ExtSDK)
	}
	return nil
}

// goPackage turns a file name into a Go package name: wa-integrator →
// waintegrator.
func goPackage(file string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(file) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// initialisms are the words GoName writes in capitals, as Go style does.
var initialisms = map[string]bool{
	"api": true, "cdr": true, "did": true, "id": true, "ip": true, "nxcc": true, "ota": true,
	"otp": true, "pns": true, "sip": true, "sms": true, "url": true, "wa": true,
}

// GoName turns a kebab-, snake- or camel-case name into an exported Go
// name: ota → OTA, wa-integrator → WAIntegrator, sendCode → SendCode.
func GoName(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' }) {
		if initialisms[strings.ToLower(w)] {
			b.WriteString(strings.ToUpper(w))
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}
