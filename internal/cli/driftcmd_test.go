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

	"github.com/verikit/verikit/drift"
)

// realDocs is NXCloud's documentation beside the repository
// (../shared/reference/nxcloud-docs from the module root).
var realDocs = filepath.Join("..", "..", "..", "shared", "reference", "nxcloud-docs")

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

// Editing any parameter row of a covered page makes drift fail and name
// the field.
func TestSpecsDriftRealDocsEditedRow(t *testing.T) {
	needRealDocs(t)
	cat := drift.DefaultCatalogue()
	edited := 0
	for name, e := range cat.Pages {
		if e.Pending != "" || e.Excluded != "" || (e.Kind != drift.KindEndpoint && e.Kind != drift.KindCallback) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(realDocs, name+".md"))
		require.NoError(t, err)
		page := drift.ParsePage(name, src)
		require.NotEmpty(t, page.Endpoints, name)
		prefix := "request."
		if e.Kind == drift.KindCallback {
			prefix = "callback."
		}
		for _, f := range page.Endpoints[0].Request {
			t.Run(name+"/"+f.Name, func(t *testing.T) {
				lines := strings.Split(string(src), "\n")
				i := paramRow(lines, f.Name)
				require.GreaterOrEqual(t, i, 0, "no parameter row for %s", f.Name)
				renamed := f.Name + "Renamed"
				lines[i] = strings.Replace(lines[i], f.Name, renamed, 1)
				dir := copyDocs(t, name, strings.Join(lines, "\n"))
				code, out, _ := runInProcess("specs", "drift", "--nxcloud-docs", dir)
				assert.Equal(t, ExitAPI, code)
				assert.Contains(t, out, "missing-in-spec "+name)
				assert.Contains(t, out, prefix+renamed)
				// The original name is now on the spec's side only, or, where
				// the spec declared it missing, that declaration is stale.
				if !strings.Contains(out, prefix+f.Name+" (docs: absent") {
					assert.Contains(t, out, "stale-declaration")
					assert.Contains(t, out, f.Name)
				}
			})
			edited++
		}
	}
	assert.GreaterOrEqual(t, edited, 12, "the covered pages have parameter rows")
}

// paramRow finds the first table row, after the request, parameter or
// (for a callback) push-parameter heading, whose first cell is name.
func paramRow(lines []string, name string) int {
	after := false
	for i, l := range lines {
		low := strings.ToLower(l)
		if strings.Contains(low, "body parameters") || strings.Contains(low, "**parameters") ||
			strings.Contains(low, "request body") || strings.Contains(low, "request parameter") ||
			strings.Contains(low, "requestparameters") || strings.Contains(low, "push parameters") ||
			strings.HasSuffix(strings.TrimSpace(low), "# parameters") { // a "## Parameters" heading (nxcc-api-webhook)
			after = true
		}
		if !after {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
		if len(cells) > 1 && strings.TrimSpace(cells[0]) == name {
			return i
		}
	}
	return -1
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
