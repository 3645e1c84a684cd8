package specs_test

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// quickSchemas is every schema of every spec that the SDK checks bodies
// against (request bodies and success answers) plus every component, by a
// stable name.
func quickSchemas(t testing.TB) (names []string, schemas map[string]*openapi3.Schema) {
	docs, err := specs.All()
	require.NoError(t, err)
	schemas = map[string]*openapi3.Schema{}
	for _, d := range docs {
		for _, o := range d.Operations {
			if s := o.BodySchema(); s != nil {
				schemas[d.Name+" "+o.ID+" request"] = s
			}
			if s := o.SuccessSchema(); s != nil {
				schemas[d.Name+" "+o.ID+" success"] = s
			}
		}
		for name, ref := range d.OpenAPI.Components.Schemas {
			schemas[d.Name+" #"+name] = ref.Value
		}
	}
	for n := range schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, schemas
}

// kinAccepts is the judge the quick check must never contradict.
func kinAccepts(s *openapi3.Schema, body []byte) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	return s.VisitJSON(v, append(specs.SchemaValidationOptions(), openapi3.MultiErrors())...) == nil
}

// TestQuickCheckTakesTheExamples makes sure the fast path is taken for the
// specs' own valid examples (else every call would pay for the full check)
// and that each one is valid for kin-openapi as well.
func TestQuickCheckTakesTheExamples(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	n := 0
	for _, d := range docs {
		for _, o := range d.Operations {
			if rb := o.Spec.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Example != nil {
					body, err := json.Marshal(mt.Example)
					require.NoError(t, err)
					assert.True(t, kinAccepts(o.BodySchema(), body), "%s request example", o.FullName())
					if specs.QuickCheckable(o.BodySchema()) {
						assert.True(t, specs.QuickValid(o.BodySchema(), body), "%s request example: the quick check should take it", o.FullName())
					}
					n++
				}
			}
			resp := o.Spec.Responses.Status(o.Success.Status)
			if resp == nil || resp.Value == nil {
				continue
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil {
				continue
			}
			for name, ex := range mt.Examples {
				if ex.Value == nil || name != "success" {
					continue
				}
				body, err := json.Marshal(ex.Value.Value)
				require.NoError(t, err)
				assert.True(t, kinAccepts(o.SuccessSchema(), body), "%s success example", o.FullName())
				if specs.QuickCheckable(o.SuccessSchema()) {
					assert.True(t, specs.QuickValid(o.SuccessSchema(), body), "%s success example: the quick check should take it", o.FullName())
				}
				n++
			}
		}
	}
	assert.Greater(t, n, 10, "the specs should have examples to check")
	// The hot paths must not fall back: OTA and OTP verification.
	for _, c := range []struct{ spec, op string }{{"nxcloud/ota", "verify"}, {"nxcloud/ota", "init"}, {"engagelab/otp", "verify"}, {"engagelab/otp", "sendMessage"}} {
		o, ok := specs.MustLoad(c.spec).Operation(c.op)
		require.True(t, ok)
		assert.True(t, specs.QuickCheckable(o.BodySchema()), "%s request", o.FullName())
		assert.True(t, specs.QuickCheckable(o.SuccessSchema()), "%s success", o.FullName())
	}
}

func TestQuickCheck(t *testing.T) {
	ota := specs.MustLoad("nxcloud/ota")
	verify, ok := ota.Operation("verify")
	require.True(t, ok)
	success := verify.SuccessSchema()
	otp := specs.MustLoad("engagelab/otp")
	send, ok := otp.Operation("sendMessage")
	require.True(t, ok)

	tests := []struct {
		name   string
		schema *openapi3.Schema
		body   string
		quick  bool // what QuickValid must say
	}{
		{"valid envelope", success, `{"code":0,"msg":"ok","data":{"requestId":"r","status":"SUCCESS"}}`, true},
		{"valid failure envelope, data null", success, `{"code":1003,"msg":"bad sign","data":null}`, true},
		{"missing required msg", success, `{"code":0,"data":null}`, false},
		{"data missing a required field", success, `{"code":0,"msg":"ok","data":{"requestId":"r"}}`, false},
		{"status outside its enum", success, `{"code":0,"msg":"ok","data":{"requestId":"r","status":"MAYBE"}}`, false},
		{"code not an integer", success, `{"code":0.5,"msg":"ok"}`, false},
		{"code beyond int32", success, `{"code":4294967296,"msg":"ok"}`, false},
		{"code as a string", success, `{"code":"0","msg":"ok"}`, false},
		{"integral float code", success, `{"code":0.0,"msg":"ok","data":null}`, true},
		{"escaped value in an enum field", success, `{"code":0,"msg":"ok","data":{"requestId":"r","status":"SUCC\u0045SS"}}`, false},
		{"escaped value in a free field", success, `{"code":0,"msg":"o\nk","data":null}`, true},
		{"escaped key", success, `{"c\u006fde":0,"msg":"ok"}`, false},
		{"unknown field", success, `{"code":0,"msg":"ok","data":null,"extra":[1,{"a":null}]}`, true},
		{"trailing garbage", success, `{"code":0,"msg":"ok","data":null} x`, false},
		{"truncated", success, `{"code":0,"msg":"ok"`, false},
		{"not an object", success, `[]`, false},
		{"bad number", success, `{"code":01,"msg":"ok"}`, false},
		{"control character in a string", success, "{\"code\":0,\"msg\":\"a\x01\"}", false},
		{"empty", success, ``, false},
		{"send: pattern and nesting", send.BodySchema(), `{"to":"+8613800138000","template":{"id":"verify-login"}}`, true},
		{"send: template missing", send.BodySchema(), `{"to":"+8613800138000"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotNil(t, tt.schema)
			got := specs.QuickValid(tt.schema, []byte(tt.body))
			assert.Equal(t, tt.quick, got)
			if got {
				assert.True(t, kinAccepts(tt.schema, []byte(tt.body)), "the quick check accepted what kin-openapi refuses")
			}
		})
	}
}

// FuzzQuickCheckAgrees holds the quick check to its promise: whatever it
// accepts, kin-openapi accepts too, for every schema of every spec.
func FuzzQuickCheckAgrees(f *testing.F) {
	names, schemas := quickSchemas(f)
	for _, n := range names {
		if ex := schemas[n].Example; ex != nil {
			b, _ := json.Marshal(ex)
			f.Add(n, b)
		}
	}
	f.Add("nxcloud/ota verify success", []byte(`{"code":0,"msg":"ok","data":{"requestId":"r","status":"SUCCESS"}}`))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		s := schemas[name]
		if s == nil {
			s = schemas[names[len(name)%len(names)]]
		}
		if specs.QuickValid(s, body) && !kinAccepts(s, body) {
			t.Fatalf("quick check accepted %q for %s, kin-openapi refuses it", body, name)
		}
	})
}
