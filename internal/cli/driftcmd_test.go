package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realDocs is NXCloud's documentation beside the repository: the shared/
// directory next to the module (../shared/reference/nxcloud-docs), or
// next to the worktrees' directory; VERIKIT_NXCLOUD_DOCS overrides.
var realDocs = func() string {
	for _, d := range []string{os.Getenv("VERIKIT_NXCLOUD_DOCS"),
		filepath.Join("..", "..", "..", "shared", "reference", "nxcloud-docs"),
		filepath.Join("..", "..", "..", "..", "shared", "reference", "nxcloud-docs")} {
		if st, err := os.Stat(d); d != "" && err == nil && st.IsDir() {
			return d
		}
	}
	return filepath.Join("..", "..", "..", "shared", "reference", "nxcloud-docs")
}()

func needRealDocs(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realDocs); err != nil {
		t.Skipf("NXCloud docs not found at %s (the shared/ directory beside the repository): %v", realDocs, err)
	}
}

// runInProcess runs the command line in this process.
func runInProcess(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func TestSpecsDriftRealDocs(t *testing.T) {
	needRealDocs(t)
	code, out, errs := runInProcess("specs", "drift", "--nxcloud-docs", realDocs)
	require.Equal(t, ExitOK, code, "drift on the real docs: %s%s", out, errs)
	assert.Contains(t, out, "drift: 0 undeclared")

	code, out, _ = runInProcess("specs", "drift", "--nxcloud-docs", realDocs, "--format", "json", "--engagelab-openapi", filepath.Join("..", "..", "drift", "testdata", "engagelab-otp"))
	require.Equal(t, ExitOK, code, out)
	assert.Contains(t, out, `"undeclared": []`)
}

// An edited parameter row makes the command exit 1 and name the field.
// drift's TestRealDocsEditedRows edits every parameter row of every page
// in memory; this runs the command itself on a few edited copies: a
// request row, a nested request row, a callback row, a response row.
func TestSpecsDriftRealDocsEditedRow(t *testing.T) {
	needRealDocs(t)
	for _, c := range []struct{ page, row, from, to, want string }{
		{"ota-api-init", "| phone", "phone", "phoneRenamed", "request.phoneRenamed"},
		{"whatsapp-api-mt", "| preview_url", "preview_url", "preview_urlRenamed", "request.text.preview_urlRenamed"},
		{"viber-webhook", "traceRequestId |", "traceRequestId", "traceRequestIdRenamed", "callback.traceRequestIdRenamed"},
		{"whatsapp-api-gettemplate", "| after ", "after", "afterRenamed", "afterRenamed"},
	} {
		t.Run(c.page+"/"+c.from, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(realDocs, c.page+".md"))
			require.NoError(t, err)
			lines := strings.Split(string(src), "\n")
			i := -1
			for k, l := range lines {
				if strings.HasPrefix(strings.TrimSpace(l), c.row) {
					i = k
					break
				}
			}
			require.GreaterOrEqual(t, i, 0, "no row %q", c.row)
			lines[i] = strings.Replace(lines[i], c.from, c.to, 1)
			dir := copyDocs(t, c.page, strings.Join(lines, "\n"))
			code, out, _ := runInProcess("specs", "drift", "--nxcloud-docs", dir)
			assert.Equal(t, ExitAPI, code)
			assert.Contains(t, out, "missing-in-spec "+c.page)
			assert.Contains(t, out, c.want)
		})
	}
}

// copyDocs copies the real docs to a temporary directory, with one page
// replaced.
func copyDocs(t *testing.T, page, content string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(realDocs)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(realDocs, e.Name()))
		require.NoError(t, err)
		if e.Name() == page+".md" {
			b = []byte(content)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644))
	}
	return dir
}

func TestSpecsCoverageRealDocs(t *testing.T) {
	needRealDocs(t)
	code, out, errs := runInProcess("specs", "coverage", "--nxcloud-docs", realDocs)
	require.Equal(t, ExitOK, code, errs)
	assert.Regexp(t, `nxcloud: \d+ of 75 endpoints covered, \d+ of 19 callbacks covered`, out)
	assert.Contains(t, out, "ota-api-init")
	assert.Contains(t, out, "nxcloud/ota init")

	code, out, _ = runInProcess("specs", "coverage", "--nxcloud-docs", realDocs, "--format", "json")
	require.Equal(t, ExitOK, code)
	assert.Regexp(t, `"endpointsCovered": \d+`, out)
}

func TestSpecsDriftUsage(t *testing.T) {
	for _, args := range [][]string{
		{"specs", "drift"},
		{"specs", "drift", "--nxcloud-docs", filepath.Join(os.TempDir(), "verikit-no-such-dir")},
		{"specs", "drift", "--nxcloud-docs", ".", "--format", "yaml"},
		{"specs", "coverage"},
		{"specs", "drift", "--nxcloud-docs", ".", "extra"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, _ := runInProcess(args...)
			assert.Equal(t, ExitUsage, code)
		})
	}
}
