package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewProductCostsASpecFile proves the claim that adding a product
// costs a spec file and nothing else. In a scratch copy of the module it
// adds a spec (OTA's, under another name and path), runs go generate, and
// then calls the new operation from Go and from the CLI against the mock.
// The only files that differ from this module afterwards are the spec and
// generated *.gen.go files.
func TestNewProductCostsASpecFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch copy of the module")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	scratch := t.TempDir()
	original, err := copyTree(root, scratch)
	require.NoError(t, err)

	ota, err := os.ReadFile(filepath.Join(root, "specs", "nxcloud", "ota.yaml"))
	require.NoError(t, err)
	spec := strings.ReplaceAll(string(ota), "/api/ota/", "/api/lookup/")
	spec = strings.Replace(spec, "title: NXCloud OTA (one-tap authentication)", "title: NXCloud lookup (a copy of OTA for this test)", 1)
	require.NotEqual(t, string(ota), spec)
	require.NoError(t, os.WriteFile(filepath.Join(scratch, "specs", "nxcloud", "lookup.yaml"), []byte(spec), 0o644))

	runIn(t, scratch, "go", "generate", "./...")
	runIn(t, scratch, "go", "build", "./...")

	// Nothing but the spec and generated files changed.
	var handEdits []string
	require.NoError(t, filepath.WalkDir(scratch, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(scratch, p)
		if rel == filepath.Join("specs", "nxcloud", "lookup.yaml") || strings.HasSuffix(rel, ".gen.go") || strings.HasSuffix(rel, ".gen_test.go") {
			return nil
		}
		mine, ok := original[rel]
		theirs, _ := os.ReadFile(p)
		if !ok || !bytes.Equal(mine, theirs) {
			handEdits = append(handEdits, rel)
		}
		return nil
	}))
	assert.Empty(t, handEdits, "files other than the spec and *.gen.go changed or appeared")
	for _, f := range []string{"client.gen.go", "models.gen.go", "doc.gen.go", "example.gen_test.go"} {
		assert.FileExists(t, filepath.Join(scratch, "gen", "nxcloud", "lookup", f))
	}

	// The new product from Go and from the CLI, against the mock. The test
	// lives in the scratch module only.
	dir := filepath.Join(scratch, "internal", "newproduct")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "newproduct_test.go"), []byte(newProductTest), 0o644))
	out := runIn(t, scratch, "go", "test", "-count=1", "-v", "./internal/newproduct/")
	assert.Contains(t, out, "--- PASS: TestLookupFromGo")
	assert.Contains(t, out, "--- PASS: TestLookupFromCLI")
	// Its generated godoc examples run against the mock too.
	out = runIn(t, scratch, "go", "test", "-count=1", "-v", "./gen/nxcloud/lookup/")
	assert.Contains(t, out, "--- PASS: ExampleClient_Init")
	assert.Contains(t, out, "--- PASS: ExampleClient_Verify")
}

const newProductTest = `package newproduct_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/lookup"
	"github.com/verikit/verikit/internal/cli"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

func TestLookupFromGo(t *testing.T) {
	m := mock.Start(t)
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	res, err := c.Lookup.Init(context.Background(), lookup.InitParams{Appkey: "pem28kje", Phone: "8615800001795", UserIP: "203.0.113.7"})
	require.NoError(t, err)
	assert.NotEmpty(t, res.RequestID)
	assert.NotEmpty(t, res.URL)
}

func TestLookupFromCLI(t *testing.T) {
	m := mock.Start(t)
	var stdout, stderr bytes.Buffer
	env := map[string]string{"NXCLOUD_ACCESS_KEY": m.AccessKey, "NXCLOUD_ACCESS_SECRET": m.AccessSecret}
	code := cli.Run(context.Background(), []string{"--base-url", m.URL, "nxcloud", "lookup", "init",
		"--appkey", "pem28kje", "--phone", "8615800001795", "--user-ip", "203.0.113.7"},
		cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	require.Equal(t, 0, code, stderr.String())
	var res lookup.InitResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	assert.NotEmpty(t, res.RequestID)
}
`

// copyTree copies the module's files, without .git and node_modules, and
// returns what it copied by relative path.
func copyTree(src, dst string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = b
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	return files, err
}

func runIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}
