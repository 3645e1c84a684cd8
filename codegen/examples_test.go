package main

import (
	"go/ast"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exampleModels = `package p

import "time"

type Lang string

type Alias = string

type Item struct {
	Name string ` + "`json:\"name\"`" + `
}

type Params struct {
	To    string            ` + "`json:\"to\"`" + `
	Count int32             ` + "`json:\"count,omitempty\"`" + `
	Lang  Lang              ` + "`json:\"lang,omitempty\"`" + `
	Quiet *bool             ` + "`json:\"quiet,omitempty\"`" + `
	Items []Item            ` + "`json:\"items,omitempty\"`" + `
	Vars  map[string]string ` + "`json:\"vars,omitempty\"`" + `
	When  time.Time         ` + "`json:\"when,omitempty\"`" + `
}
`

func TestExampleLiteral(t *testing.T) {
	m, err := parseModels("p", []byte(exampleModels))
	require.NoError(t, err)
	typ := &ast.Ident{Name: "Params"}
	tests := []struct {
		name    string
		example map[string]any
		want    string
		wantErr string
	}{
		{name: "scalars and a named string", example: map[string]any{"to": "+1", "count": float64(3), "lang": "en"},
			want: `p.Params{To: "+1", Count: 3, Lang: "en"}`},
		{name: "a pointer where absence differs", example: map[string]any{"quiet": false},
			want: `p.Params{Quiet: verikit.Ptr[bool](false)}`},
		{name: "a list of structs, element types elided", example: map[string]any{"items": []any{map[string]any{"name": "a"}}},
			want: `p.Params{Items: []p.Item{{Name: "a"}}}`},
		{name: "a map, keys sorted", example: map[string]any{"vars": map[string]any{"b": "2", "a": "1"}},
			want: `p.Params{Vars: map[string]string{"a": "1", "b": "2"}}`},
		{name: "a null field is left out", example: map[string]any{"to": "+1", "count": nil}, want: `p.Params{To: "+1"}`},
		{name: "a date has no plain literal", example: map[string]any{"when": "2026-01-01T00:00:00Z"}, wantErr: "no literal"},
		{name: "a field the type lacks", example: map[string]any{"extra": "x"}, wantErr: "does not"},
		{name: "a fraction for an integer", example: map[string]any{"count": 1.5}, wantErr: "not an integer"},
		{name: "a number for a string", example: map[string]any{"to": float64(1)}, wantErr: "not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.literal(typ, tt.example, imports{})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
