package main

import (
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every generated package reads well in go doc and on pkg.go.dev: its doc
// is doc.gen.go's, and no file's "Code generated" header joins it.
func TestGeneratedPackageDocs(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "gen", "*", "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fset := token.NewFileSet()
			pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
				return !strings.HasSuffix(fi.Name(), "_test.go")
			}, parser.ParseComments)
			require.NoError(t, err)
			require.Len(t, pkgs, 1)
			for name, pkg := range pkgs {
				text := doc.New(pkg, "example.com/"+name, 0).Doc
				assert.True(t, strings.HasPrefix(text, "Package "+name+" is the typed client of "), "package doc: %q", text)
				assert.NotContains(t, text, "Code generated")
			}
		})
	}
}
