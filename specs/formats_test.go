package specs_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// walkSchemas calls fn for every schema reachable from the spec's
// components and operations, each once.
func walkSchemas(d *specs.Document, fn func(where string, s *openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(string, *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		fn(where, s)
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		for i, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for j, sub := range group {
				walk(fmt.Sprintf("%s/%d.%d", where, i, j), sub)
			}
		}
		if s.AdditionalProperties.Schema != nil {
			walk(where+"{}", s.AdditionalProperties.Schema)
		}
	}
	if d.OpenAPI.Components != nil {
		for name, s := range d.OpenAPI.Components.Schemas {
			walk(name, s)
		}
	}
	for _, o := range d.Operations {
		for _, p := range o.Spec.Parameters {
			if p.Value != nil {
				walk(o.ID+" "+p.Value.Name, p.Value.Schema)
			}
		}
		if s := o.BodySchema(); s != nil {
			walk(o.ID+" body", &openapi3.SchemaRef{Value: s})
		}
	}
}

// TestEveryFormatTheSpecsUseIsEnforced: kin-openapi ignores a format it
// has no validator for, so a format added to a spec without one in
// formats.go would silently check nothing.
func TestEveryFormatTheSpecsUseIsEnforced(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	used := map[string]bool{}
	for _, d := range docs {
		walkSchemas(d, func(where string, s *openapi3.Schema) {
			if s.Format == "" {
				return
			}
			for _, typ := range s.Type.Slice() {
				used[typ+" "+s.Format] = true
				assert.True(t, specs.KnownFormat(typ, s.Format), "%s %s: %s has format %q, which specs/formats.go does not enforce", d.Name, where, typ, s.Format)
			}
		})
	}
	var list []string
	for k := range used {
		list = append(list, k)
	}
	sort.Strings(list)
	assert.Contains(t, list, "string uri", "the check found the formats: %v", list)
}

func TestURIFormat(t *testing.T) {
	op, found := specs.MustLoad("nxcloud/wa-integrator").Operation("createApp")
	require.True(t, found)
	tests := []struct {
		webhook string
		ok      bool
	}{
		{"https://example.com/api/webhook/whatsApp", true},
		{"http://127.0.0.1:8080/wa?x=1", true},
		{"https://[2001:db8::1]/wa", true},
		{"urn:isbn:0451450523", true}, // absolute, not http: no host needed
		{"not a url", false},
		{"example.com/wa", false},
		{"/api/webhook", false},
		{"https:///wa", false},
		{"https:example.com", false},
		{" https://example.com", false},
		{"https://exa mple.com", false},
		{"https://example.com/%zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.webhook, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"app_name": "Shop", "webhook": tt.webhook})
			require.NoError(t, err)
			problems := op.ValidateBody(body)
			if tt.ok {
				assert.Empty(t, problems)
				return
			}
			require.Len(t, problems, 1)
			assert.True(t, strings.HasPrefix(problems[0], `webhook: string doesn't match the format "uri"`), problems[0])
			if strings.TrimSpace(tt.webhook) != "" {
				assert.NotContains(t, problems[0], tt.webhook, "the value is not quoted")
			}
		})
	}
}

// TestListRequires: createTemplate's x-list-requires makes each channel of
// send_channel_strategy require its config, in the client's check.
func TestListRequires(t *testing.T) {
	op, found := specs.MustLoad("engagelab/otp").Operation("createTemplate")
	require.True(t, found)
	tests := []struct {
		name string
		body string
		want []string
	}{
		{name: "configs for every channel", body: `{"template_id":"t","send_channel_strategy":"whatsapp|sms","whatsapp_config":{"template_type":1},"sms_config":{"template_type":1}}`},
		{name: "an extra config is fine", body: `{"template_id":"t","send_channel_strategy":"sms","sms_config":{"template_type":1},"voice_config":{"template_type":1}}`},
		{name: "fallback without its config", body: `{"template_id":"t","send_channel_strategy":"whatsapp|sms","whatsapp_config":{"template_type":1}}`,
			want: []string{"sms_config: is required when send_channel_strategy names sms"}},
		{name: "none", body: `{"template_id":"t","send_channel_strategy":"voice|whatsapp"}`,
			want: []string{"voice_config: is required when send_channel_strategy names voice", "whatsapp_config: is required when send_channel_strategy names whatsapp"}},
		{name: "null is no config", body: `{"template_id":"t","send_channel_strategy":"email","email_config":null}`,
			want: []string{"email_config: Value is not nullable", "email_config: is required when send_channel_strategy names email"}},
		{name: "a bad strategy is the pattern's business", body: `{"template_id":"t","send_channel_strategy":"fax|sms","sms_config":{"template_type":1}}`,
			want: []string{`send_channel_strategy: string doesn't match the regular expression`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := op.ValidateBody([]byte(tt.body))
			require.Len(t, got, len(tt.want), "%q", got)
			for i, w := range tt.want {
				assert.True(t, strings.HasPrefix(got[i], w), "%q, want %q", got[i], w)
			}
		})
	}
}

// TestListRequiresMalformed: a broken x-list-requires is reported, not
// ignored.
func TestListRequiresMalformed(t *testing.T) {
	spec := func(ext string) string {
		return `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://example.test"}]
paths:
  /x:
    post:
      operationId: x
      x-retry-class: safe
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                list: {type: string}
                a: {type: object}
              x-list-requires: ` + ext + `
      responses:
        "200": {description: ok}
`
	}
	tests := []struct{ name, ext, want string }{
		{"works", `{property: list, separator: ",", requires: {x: a}}`, "a: is required when list names x"},
		{"a list of rules", `[{property: list, separator: ",", requires: {x: a}}]`, "a: is required when list names x"},
		{"unknown property", `{property: nope, separator: ",", requires: {x: a}}`, `the spec's schema is malformed: x-list-requires: property "nope"`},
		{"requires an unknown property", `{property: list, separator: ",", requires: {x: b}}`, `names "b", which the schema does not have`},
		{"no separator", `{property: list, requires: {x: a}}`, "needs a property, a separator and requires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse("t", []byte(spec(tt.ext)))
			require.NoError(t, err)
			op, found := d.Operation("x")
			require.True(t, found)
			got := op.ValidateBody([]byte(`{"list":"x,y"}`))
			require.NotEmpty(t, got)
			assert.Contains(t, strings.Join(got, "\n"), tt.want)
		})
	}
}

// TestEveryRequestExampleIsValid: the request examples (which the CLI's
// help shows and the mock serves) pass the full check, formats and
// x-list-requires included, and so do the examples of body schemas.
func TestEveryRequestExampleIsValid(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	for _, d := range docs {
		for _, o := range d.Operations {
			rb := o.Spec.RequestBody
			if rb == nil || rb.Value == nil {
				continue
			}
			mt := rb.Value.Content.Get(o.BodyMediaType())
			require.NotNil(t, mt, o.FullName())
			examples := []any{mt.Example, o.BodySchema().Example}
			for i, ex := range examples {
				if ex == nil {
					continue
				}
				b, err := json.Marshal(ex)
				require.NoError(t, err)
				if o.BodyMediaType() == specs.MediaForm { // the example as the form it stands for
					var fields map[string]any
					require.NoError(t, json.Unmarshal(b, &fields))
					form := url.Values{}
					for k, v := range fields {
						form.Set(k, fmt.Sprint(v))
					}
					b = []byte(form.Encode())
				}
				assert.Empty(t, o.ValidateBody(b), "%s example %d: %s", o.FullName(), i, b)
			}
		}
	}
}
