package specs_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// A declared rejection must name a code of the spec's catalogue and be
// well formed: a spec that breaks this does not load.
func TestDeclaredRejectionsAreChecked(t *testing.T) {
	raw, err := specs.Raw("nxcloud/sms")
	require.NoError(t, err)
	_, err = specs.Parse("nxcloud/sms", raw)
	require.NoError(t, err, "the spec as it is")
	for _, tc := range []struct{ name, from, to, want string }{
		{"a code outside the catalogue", "x-error-code: 8\n", "x-error-code: 777\n", "777"},
		{"a keyword without a code", "x-error-code: 8\n", "x-error-code: {pattern: x}\n", "must be a result code"},
		{"a list cap without a separator", `x-list-max: {separator: ",", max: 5, code: 104}`, `x-list-max: {max: 5, code: 104}`, "x-list-max"},
		{"an operation's code outside the catalogue", "      x-error-code: 1\n", "      x-error-code: 555\n", "555"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := strings.Replace(string(raw), tc.from, tc.to, 1)
			require.NotEqual(t, string(raw), edited)
			_, err := specs.Parse("nxcloud/sms", []byte(edited))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// UndeclaredFields names the fields an answer has and its schema does
// not declare, at any depth, through allOf and array items; a schema that
// lists no properties, or allows others, takes any.
func TestUndeclaredFields(t *testing.T) {
	d, err := specs.Load("nxcloud/sms")
	require.NoError(t, err)
	op, ok := d.Operation("listRecords")
	require.True(t, ok)
	schema := op.ResponseSchema(200)
	for _, tc := range []struct {
		name   string
		answer map[string]any
		want   []string
	}{
		{"declared only", map[string]any{"code": "0", "info": map[string]any{"total": 1, "rows": []any{map[string]any{"msgid": "a", "phone": "1"}}}}, nil},
		{"at the top", map[string]any{"code": "0", "message": "ok"}, []string{"message"}},
		{"in a row", map[string]any{"code": "0", "info": map[string]any{"rows": []any{map[string]any{"msgid": "a", "cost": 1}}}}, []string{"info.rows.0.cost"}},
		{"a field that differs in case", map[string]any{"Code": "0"}, []string{"Code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, specs.UndeclaredFields(schema, tc.answer))
		})
	}
}

// The request fields that name a callback's address are marked in the
// specs (x-callback-url), one at most per operation, and are text.
func TestCallbackURLFields(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	marked := map[string]string{}
	for _, d := range docs {
		for _, o := range d.Operations {
			n := 0
			for _, f := range o.ParamFields() {
				if m, _ := f.Schema.Extensions[specs.ExtCallbackURL].(bool); m {
					n++
					assert.True(t, f.Schema.Type != nil && f.Schema.Type.Is("string"), "%s %s: a callback address is text", o.FullName(), f.Name)
				}
			}
			assert.LessOrEqual(t, n, 1, "%s marks %d callback addresses", o.FullName(), n)
			if f := o.CallbackURLField(); f != "" {
				marked[o.FullName()] = f
			}
		}
	}
	assert.Equal(t, map[string]string{
		"nxcloud/sms send":          "dr_url",
		"nxcloud/sms-v2 send":       "drUrl",
		"nxcloud/numbercheck check": "drUrl",
	}, marked)
}
