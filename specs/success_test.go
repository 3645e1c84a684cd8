package specs_test

import (
	"encoding/json"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// successSpec is a valid spec whose root x-success is root (no x-success
// line when ""), with one operation per entry of ops: path /<id>, its own
// x-success when the entry is not "". Every operation answers 200 and 201
// with {code, data}.
func successSpec(root string, ops ...[2]string) string {
	var b strings.Builder
	b.WriteString(`openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://example.test"}]
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
  responses:
    Answer:
      description: ok
      content:
        application/json:
          schema:
            type: object
            properties:
              code: {type: integer}
              data: {type: object, properties: {id: {type: string}}}
              result: {type: string}
              c: {}
security: [{basicAuth: []}]
`)
	if root != "" {
		b.WriteString("x-success: " + root + "\n")
	}
	b.WriteString("paths:\n")
	for _, op := range ops {
		b.WriteString("  /" + op[0] + ":\n    post:\n      operationId: " + op[0] + "\n      x-retry-class: unsafe\n")
		if op[1] != "" {
			b.WriteString("      x-success: " + op[1] + "\n")
		}
		b.WriteString(`      responses:
        "200": {$ref: "#/components/responses/Answer"}
        "201": {$ref: "#/components/responses/Answer"}
`)
	}
	return b.String()
}

// rule is the exported part of a specs.Success, for comparisons.
type rule struct {
	Status     int
	CodeField  string
	CodeValues []string
	Payload    string
	Empty      bool
}

func ruleOf(s specs.Success) rule {
	return rule{s.Status, s.CodeField, s.CodeValues, s.Payload, s.Empty}
}

func TestSuccessMergesRootAndOperation(t *testing.T) {
	const nxcloudLike = `{status: 200, code: {field: code, values: [0]}, payload: data}`
	tests := []struct {
		name     string
		root, op string
		want     rule
	}{
		{"no x-success anywhere: status 200, the whole body", "", "",
			rule{Status: http.StatusOK}},
		{"the root's rule holds for an operation without one", nxcloudLike, "",
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Payload: "data"}},
		{"payload null: nothing to return, the code still counts", nxcloudLike, `{payload: null}`,
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Empty: true}},
		{"an operation's code replaces the root's", nxcloudLike, `{code: {field: result, values: ["ok", true]}}`,
			rule{Status: 200, CodeField: "result", CodeValues: []string{`"ok"`, "true"}, Payload: "data"}},
		{"an operation's status replaces the root's", nxcloudLike, `{status: 201}`,
			rule{Status: 201, CodeField: "code", CodeValues: []string{"0"}, Payload: "data"}},
		{"an operation's payload replaces the root's", nxcloudLike, `{payload: result}`,
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Payload: "result"}},
		{"an operation names a payload where the root returns nothing", `{payload: null}`, `{payload: data}`,
			rule{Status: 200, Payload: "data"}},
		{"an empty operation rule changes nothing", nxcloudLike, `{}`,
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Payload: "data"}},
		{"status alone (EngageLab)", `{status: 200}`, "",
			rule{Status: 200}},
		{"operation rule without a root one (EngageLab templates)", `{status: 200}`, `{code: {field: code, values: [0]}, payload: null}`,
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Empty: true}},
		{"operation rule, no root rule at all", "", `{code: {field: code, values: [0]}}`,
			rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}}},
		{"values keep their JSON type", "", `{code: {field: c, values: [0, "0", 1.5, false, "success"]}}`,
			rule{Status: 200, CodeField: "c", CodeValues: []string{"0", `"0"`, "1.5", "false", `"success"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/success", []byte(successSpec(tt.root, [2]string{"a", tt.op}, [2]string{"plain", ""})))
			require.NoError(t, err)
			a, ok := d.Operation("a")
			require.True(t, ok)
			assert.Equal(t, tt.want, ruleOf(a.Success))

			// Another operation keeps the root's rule, whatever a's says.
			plain, ok := d.Operation("plain")
			require.True(t, ok)
			rootOnly, err := specs.Parse("test/root", []byte(successSpec(tt.root, [2]string{"plain", ""})))
			require.NoError(t, err)
			want, _ := rootOnly.Operation("plain")
			assert.Equal(t, ruleOf(want.Success), ruleOf(plain.Success))
		})
	}
}

func TestParseRefusesBadSuccess(t *testing.T) {
	tests := []struct {
		name, rule, wantErr string
	}{
		{"not an object", `[200]`, "x-success must be an object"},
		{"a string", `ok`, "x-success must be an object"},
		{"status as a string", `{status: "200"}`, "x-success.status must be an HTTP status"},
		{"status below 100", `{status: 99}`, "x-success.status must be an HTTP status, got 99"},
		{"status above 599", `{status: 600}`, "x-success.status must be an HTTP status, got 600"},
		{"fractional status", `{status: 200.5}`, "x-success.status must be an HTTP status"},
		{"status null", `{status: null}`, "x-success.status must be an HTTP status"},
		{"code not an object", `{code: 0}`, "x-success.code must have a field and a non-empty list of values"},
		{"code null", `{code: null}`, "x-success.code must have a field"},
		{"code without a field", `{code: {values: [0]}}`, "x-success.code must have a field"},
		{"code with an empty field", `{code: {field: "", values: [0]}}`, "x-success.code must have a field"},
		{"code field not a string", `{code: {field: 1, values: [0]}}`, "x-success.code must have a field"},
		{"code without values", `{code: {field: code}}`, "non-empty list of values"},
		{"code with no values", `{code: {field: code, values: []}}`, "non-empty list of values"},
		{"code values not a list", `{code: {field: code, values: 0}}`, "non-empty list of values"},
		{"a null value", `{code: {field: code, values: [0, null]}}`, "x-success.code.values: <nil> is not a number, string or boolean"},
		{"an object value", `{code: {field: code, values: [{a: 1}]}}`, "is not a number, string or boolean"},
		{"a list value", `{code: {field: code, values: [[0]]}}`, "is not a number, string or boolean"},
		{"empty payload", `{payload: ""}`, "x-success.payload must be a field name or null"},
		{"numeric payload", `{payload: 1}`, "x-success.payload must be a field name or null"},
		{"list payload", `{payload: [data]}`, "x-success.payload must be a field name or null"},
		{"unknown key", `{status: 200, codes: {field: code, values: [0]}}`, `x-success: unknown key "codes"`},
		{"misspelt payload", `{paylaod: data}`, `x-success: unknown key "paylaod"`},
	}
	for _, tt := range tests {
		t.Run("root/"+tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/bad-success", []byte(successSpec(tt.rule, [2]string{"a", ""})))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "test/bad-success", "the error names the spec")
		})
		t.Run("operation/"+tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/bad-success", []byte(successSpec(`{status: 200}`, [2]string{"fine", ""}, [2]string{"a", tt.rule})))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "test/bad-success", "the error names the spec")
			assert.Contains(t, err.Error(), "POST /a", "the error names the operation")
		})
	}
}

func TestSuccessCodeMatches(t *testing.T) {
	d, err := specs.Parse("test/codes", []byte(successSpec(
		`{code: {field: code, values: [0, "success", true]}}`, [2]string{"a", ""}, [2]string{"zero", `{code: {field: code, values: [0]}}`})))
	require.NoError(t, err)
	a, _ := d.Operation("a")
	zero, _ := d.Operation("zero")
	decoded := func(raw string) any {
		var v any
		require.NoError(t, json.Unmarshal([]byte(raw), &v), raw)
		return v
	}
	tests := []struct {
		raw        string // a JSON code value
		a, zero    bool   // CodeMatches for each rule
		isSuccessA bool   // IsSuccessCode for a
	}{
		{raw: `0`, a: true, zero: true, isSuccessA: true},
		{raw: ` 0 `, a: true, zero: true, isSuccessA: true},
		{raw: `"success"`, a: true, zero: false, isSuccessA: true},
		{raw: `true`, a: true, zero: false, isSuccessA: true},
		{raw: `"0"`, a: false, zero: false, isSuccessA: false}, // the JSON type matters
		{raw: `"true"`, a: false, zero: false, isSuccessA: false},
		{raw: `false`, a: false, zero: false, isSuccessA: false},
		{raw: `1`, a: false, zero: false, isSuccessA: false},
		{raw: `-1`, a: false, zero: false, isSuccessA: false},
		{raw: `"Success"`, a: false, zero: false, isSuccessA: false},
		{raw: `null`, a: false, zero: false, isSuccessA: false},
		{raw: `[0]`, a: false, zero: false, isSuccessA: false},
		{raw: `{}`, a: false, zero: false, isSuccessA: false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v := decoded(tt.raw)
			assert.Equal(t, tt.a, a.Success.CodeMatches(v))
			assert.Equal(t, tt.zero, zero.Success.CodeMatches(v))
			assert.Equal(t, tt.isSuccessA, a.Success.IsSuccessCode(json.RawMessage(tt.raw)))
		})
	}
	// 0 and 0.0 are one JSON number once decoded.
	assert.True(t, zero.Success.CodeMatches(decoded(`0.0`)))
	assert.True(t, zero.Success.CodeMatches(float64(0)))

	var none specs.Success
	assert.False(t, none.CodeMatches(float64(0)), "a rule without values matches nothing")
}

func TestParseRefusesDuplicateOperationIDs(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"two paths", specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    post: {operationId: same, x-retry-class: unsafe, responses: {"200": {description: ok}}}
  /b:
    post: {operationId: same, x-retry-class: unsafe, responses: {"200": {description: ok}}}
`},
		{"two methods of a path", specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    get: {operationId: same, x-retry-class: safe, responses: {"200": {description: ok}}}
    post: {operationId: same, x-retry-class: unsafe, responses: {"200": {description: ok}}}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/dup", []byte(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), "test/dup")
			assert.Contains(t, err.Error(), `"same"`, "the error names the operationId")
		})
	}
}

// TestSuccessSchemaAndPayloadSchemaOfTheSpecs holds every embedded
// operation's success rule to its responses: the success status has a JSON
// schema, the code field is in it and each success value fits the field's
// schema, and the payload is a field of that schema (or the whole of it),
// absent only when the success carries nothing.
func TestSuccessSchemaAndPayloadSchemaOfTheSpecs(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	for _, d := range docs {
		for _, o := range d.Operations {
			t.Run(o.FullName(), func(t *testing.T) {
				s := o.Success
				if len(s.Text) > 0 { // a plain-text success: no schema, code or payload
					assert.Nil(t, o.PayloadSchema())
					assert.Empty(t, s.CodeField)
					assert.True(t, s.Empty)
					return
				}
				ss := o.SuccessSchema()
				require.NotNil(t, ss, "no JSON schema for the success status %d", s.Status)
				assert.Same(t, o.ResponseSchema(s.Status), ss)
				assert.Equal(t, http.StatusOK, s.Status, "every embedded success is a 200")

				if s.CodeField != "" {
					prop := ss.Properties[s.CodeField]
					require.NotNil(t, prop, "the code field %q is not in the success schema", s.CodeField)
					require.NotEmpty(t, s.CodeValues)
					for _, raw := range s.CodeValues {
						var v any
						require.NoError(t, json.Unmarshal([]byte(raw), &v))
						assert.True(t, s.CodeMatches(v), "value %s does not match its own rule", raw)
						assert.True(t, s.IsSuccessCode(json.RawMessage(raw)))
						assert.NoError(t, prop.Value.VisitJSON(v), "success value %s does not fit the code field's schema", raw)
					}
				} else {
					assert.Empty(t, s.CodeValues)
				}

				ps := o.PayloadSchema()
				switch {
				case s.Empty:
					assert.Nil(t, ps, "a success that carries nothing has no payload schema")
					assert.Empty(t, s.Payload)
				case s.Payload != "":
					require.NotNil(t, ps, "the payload field %q is not in the success schema", s.Payload)
					assert.Same(t, ss.Properties[s.Payload], ps)
				default:
					require.NotNil(t, ps)
					assert.Same(t, ss, ps.Value, "the whole body is the payload")
				}
			})
		}
	}
}

// TestSuccessOfTheSeedOperations restates what the vendors document as a
// success for a few operations, so that a slip in a spec's x-success is
// caught.
func TestSuccessOfTheSeedOperations(t *testing.T) {
	nxcloud := rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Payload: "data"}
	nxcloudEmpty := rule{Status: 200, CodeField: "code", CodeValues: []string{"0"}, Empty: true}
	tests := []struct {
		spec, id string
		want     rule
	}{
		{"nxcloud/ota", "init", nxcloud},
		{"nxcloud/ota", "verify", nxcloud},
		{"nxcloud/wa-integrator", "login", nxcloud},
		{"nxcloud/wa-integrator", "getCode", nxcloudEmpty},
		{"nxcloud/wa-integrator", "checkCode", nxcloudEmpty},
		{"engagelab/otp", "verify", rule{Status: 200}},
		{"engagelab/otp", "listTemplates", rule{Status: 200}},
		{"engagelab/otp", "createTemplate", nxcloudEmpty},
		{"engagelab/otp", "deleteTemplate", nxcloudEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.id, func(t *testing.T) {
			o, ok := specs.MustLoad(tt.spec).Operation(tt.id)
			require.True(t, ok)
			assert.Equal(t, tt.want, ruleOf(o.Success))
		})
	}

	// The payload schemas' shapes: the data object, the data array, the
	// whole body.
	init, _ := specs.MustLoad("nxcloud/ota").Operation("init")
	assert.Contains(t, properties(init.PayloadSchema().Value), "requestId")
	phones, _ := specs.MustLoad("nxcloud/wa-integrator").Operation("phoneList")
	assert.True(t, phones.PayloadSchema().Value.Type.Is("array"))
	verify, _ := specs.MustLoad("engagelab/otp").Operation("verify")
	assert.Contains(t, properties(verify.PayloadSchema().Value), "verified")
}

// properties lists a schema's property names, its allOf members' included.
func properties(s *openapi3.Schema) []string {
	var names []string
	for name := range s.Properties {
		names = append(names, name)
	}
	for _, ref := range s.AllOf {
		names = append(names, properties(ref.Value)...)
	}
	return names
}

func TestPayloadSchemaOfParsedSpecs(t *testing.T) {
	d, err := specs.Parse("test/payload", []byte(successSpec(`{code: {field: code, values: [0]}, payload: data}`,
		[2]string{"data", ""},
		[2]string{"whole", `{payload: null}`},
		[2]string{"created", `{status: 201}`},
		[2]string{"undocumented", `{status: 204}`},
	)))
	require.NoError(t, err)
	op := func(id string) *specs.Operation {
		o, ok := d.Operation(id)
		require.True(t, ok, id)
		return o
	}
	data := op("data")
	require.NotNil(t, data.PayloadSchema())
	assert.Contains(t, properties(data.PayloadSchema().Value), "id")
	assert.Same(t, data.SuccessSchema().Properties["data"], data.PayloadSchema())

	assert.Nil(t, op("whole").PayloadSchema(), "payload: null")
	assert.NotNil(t, op("whole").SuccessSchema(), "a success that carries nothing still has a schema to satisfy")

	created := op("created")
	assert.Same(t, created.ResponseSchema(201), created.SuccessSchema())
	assert.NotNil(t, created.PayloadSchema())

	undocumented := op("undocumented")
	assert.Nil(t, undocumented.SuccessSchema(), "no response documented for the success status")
	assert.Nil(t, undocumented.PayloadSchema())

	// A payload field the success schema lacks has no schema. (Parse lets
	// such a spec through today; refusing it would be as good.)
	d, err = specs.Parse("test/payload", []byte(successSpec(`{payload: data}`, [2]string{"missing", `{payload: nope}`})))
	if err == nil {
		assert.Nil(t, op("missing").PayloadSchema(), "a payload field the schema lacks")
	} else {
		assert.Contains(t, err.Error(), "nope")
	}
}

func TestGoName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ota", "OTA"},
		{"otp", "OTP"},
		{"wa-integrator", "WAIntegrator"},
		{"sendCode", "SendCode"},
		{"checkCode", "CheckCode"},
		{"phone_list", "PhoneList"},
		{"sms.send", "SMSSend"},
		{"api id", "APIID"},
		{"get-url", "GetURL"},
		{"ID", "ID"},
		{"userIp", "UserIp"}, // only whole words are initialisms
		{"x", "X"},
		{"a--b", "AB"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, specs.GoName(tt.in))
		})
	}
}

// sdkSpec is a valid spec with the given info.x-sdk (none when "").
func sdkSpec(sdk string) string {
	info := `info: {title: t, version: "1"}`
	if sdk != "" {
		info = "info:\n  title: t\n  version: \"1\"\n  x-sdk: " + sdk
	}
	return `openapi: 3.0.3
` + info + `
paths:
  /a:
    get: {operationId: a, x-retry-class: safe, responses: {"200": {description: ok}}}
`
}

func TestSDK(t *testing.T) {
	tests := []struct {
		name, spec, sdk string
		want            specs.SDK
	}{
		{"defaults from the file name", "nxcloud/ota", "",
			specs.SDK{Vendor: "nxcloud", Package: "ota", Field: "OTA", Command: "ota"}},
		{"a kebab-case file name", "nxcloud/wa-integrator", "",
			specs.SDK{Vendor: "nxcloud", Package: "waintegrator", Field: "WAIntegrator", Command: "wa-integrator"}},
		{"a snake-case file name", "acme/phone_list", "",
			specs.SDK{Vendor: "acme", Package: "phonelist", Field: "PhoneList", Command: "phone-list"}},
		{"digits stay, after the first letter", "acme/sms-2way", "",
			specs.SDK{Vendor: "acme", Package: "sms2way", Field: "SMS2way", Command: "sms-2way"}},
		{"every key", "nxcloud/wa-integrator", `{package: waintegrator, field: WhatsApp, command: wa}`,
			specs.SDK{Vendor: "nxcloud", Package: "waintegrator", Field: "WhatsApp", Command: "wa"}},
		{"one key, the others default", "acme/voice-otp", `{field: Voice}`,
			specs.SDK{Vendor: "acme", Package: "voiceotp", Field: "Voice", Command: "voice-otp"}},
		{"an empty x-sdk", "acme/otp", `{}`,
			specs.SDK{Vendor: "acme", Package: "otp", Field: "OTP", Command: "otp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse(tt.spec, []byte(sdkSpec(tt.sdk)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.SDK)
		})
	}
}

func TestParseRefusesBadSDK(t *testing.T) {
	tests := []struct {
		name, sdk, wantErr string
	}{
		{"not an object", `[ota]`, "info.x-sdk must be an object"},
		{"a string", `ota`, "info.x-sdk must be an object"},
		{"empty package", `{package: ""}`, "info.x-sdk.package must be a non-empty string"},
		{"numeric field", `{field: 1}`, "info.x-sdk.field must be a non-empty string"},
		{"null command", `{command: null}`, "info.x-sdk.command must be a non-empty string"},
		{"unknown key", `{package: p, name: n}`, `info.x-sdk: unknown key "name"`},
		{"misspelt key", `{comand: c}`, `info.x-sdk: unknown key "comand"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/sdk", []byte(sdkSpec(tt.sdk)))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "test/sdk", "the error names the spec")
		})
	}
}

// TestParseRefusesSDKThatIsNotGo gives x-sdk, or the file name it
// defaults from, values that cannot be what they name: a Go package, an
// exported Go field, a command word.
func TestParseRefusesSDKThatIsNotGo(t *testing.T) {
	tests := []struct {
		name, spec, sdk string
	}{
		{"package with spaces", "acme/x", `{package: "not a package"}`},
		{"unexported field", "acme/x", `{field: lower}`},
		{"field with a dash", "acme/x", `{field: Wa-Integrator}`},
		{"command with a space", "acme/x", `{command: "a b"}`},
		{"a file name that starts with a digit", "acme/2fa", ""},
		{"a name without a vendor", "2fa", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse(tt.spec, []byte(sdkSpec(tt.sdk)))
			require.Error(t, err, "accepted, giving %+v", d)
			assert.Contains(t, err.Error(), "x-sdk")
			assert.Contains(t, err.Error(), tt.spec)
		})
	}
}

// TestSDKOfTheSpecs checks what each embedded spec becomes: its vendor is
// its directory, its package a lower-case Go identifier with generated code
// under gen/, its field an exported Go identifier, and no two specs of a
// vendor share a package, field or command.
func TestSDKOfTheSpecs(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	seen := map[string]string{}
	for _, d := range docs {
		t.Run(d.Name, func(t *testing.T) {
			s := d.SDK
			vendor, _, _ := strings.Cut(d.Name, "/")
			assert.Equal(t, vendor, s.Vendor)
			assert.True(t, token.IsIdentifier(s.Package), "package %q", s.Package)
			assert.Equal(t, strings.ToLower(s.Package), s.Package)
			assert.True(t, token.IsIdentifier(s.Field) && token.IsExported(s.Field), "field %q", s.Field)
			assert.Regexp(t, `^[a-z][a-z0-9-]*$`, s.Command)
			_, err := os.Stat(filepath.Join("..", "gen", s.Vendor, s.Package, "client.gen.go"))
			assert.NoError(t, err, "no generated client for %s (go generate ./...)", d.Name)
			for _, key := range []string{"package " + s.Package, "field " + s.Field, "command " + s.Command} {
				key = s.Vendor + " " + key
				assert.Empty(t, seen[key], "%s: %s is also %s's", d.Name, key, seen[key])
				seen[key] = d.Name
			}
		})
	}

	// x-sdk, where a spec has one, wins over the file name.
	assert.Equal(t, specs.SDK{Vendor: "nxcloud", Package: "waintegrator", Field: "WhatsApp", Command: "wa"},
		specs.MustLoad("nxcloud/wa-integrator").SDK)
}
