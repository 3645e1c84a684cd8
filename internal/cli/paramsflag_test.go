package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

// --params gives the whole body from a file or standard input, the other
// flags override its fields, and a JSON flag takes @file too.
func TestParamsFlagAndJSONFiles(t *testing.T) {
	m := mock.Start(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "init.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"appkey":"mock-appkey","phone":"8613800000000","userIp":"203.0.113.7"}`), 0o600))
	env := func(stdin string) Env {
		return Env{Stdin: strings.NewReader(stdin), Getenv: func(k string) string {
			return map[string]string{EnvAccessKey: m.AccessKey, EnvAccessSecret: m.AccessSecret}[k]
		}}
	}
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb strings.Builder
		e := env(stdin)
		e.Stdout, e.Stderr = &out, &errb
		code := Run(t.Context(), append([]string{"--base-url", m.URL, "nxcloud", "ota", "init"}, args...), e)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("", "--params", "@"+file)
	require.Equal(t, ExitOK, code, "%s%s", out, errs)
	assert.Contains(t, out, "requestId")

	code, out, errs = run(`{"appkey":"mock-appkey","phone":"8613800000000","userIp":"203.0.113.7"}`, "--params", "@-")
	require.Equal(t, ExitOK, code, "%s%s", out, errs)

	// A flag overrides the file's field: a bad phone is refused by the spec.
	code, _, errs = run("", "--params", "@"+file, "--phone", "")
	assert.Equal(t, ExitUsage, code, errs)

	for name, args := range map[string][]string{
		"a missing file":   {"--params", "@" + filepath.Join(dir, "nope.json")},
		"not an object":    {"--params", "[1]"},
		"not JSON":         {"--params", "{"},
		"no params at all": nil,
	} {
		t.Run(name, func(t *testing.T) {
			code, _, errs := run("", args...)
			assert.Equal(t, ExitUsage, code, errs)
		})
	}
}

// A multipart operation's file flag takes a path (or -) and streams it.
func TestFileFlagUploads(t *testing.T) {
	m := mock.Start(t)
	file := filepath.Join(t.TempDir(), "logo.png")
	require.NoError(t, os.WriteFile(file, []byte("\x89PNG fake image"), 0o600))
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb strings.Builder
		e := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
			return map[string]string{EnvAccessKey: m.AccessKey, EnvAccessSecret: m.AccessSecret}[k]
		}}
		code := Run(t.Context(), append([]string{"--base-url", m.URL, "nxcloud", "wa-msg", "upload-media",
			"--business-phone", "8618500008399", "--messaging-product", "whatsapp", "--type", "image/png"}, args...), e)
		return code, out.String(), errb.String()
	}
	code, out, errs := run("", "--file", file)
	require.Equal(t, ExitOK, code, "%s%s", out, errs)
	assert.Contains(t, out, `"id"`)
	code, out, errs = run("\x89PNG from stdin", "--file", "-")
	require.Equal(t, ExitOK, code, "%s%s", out, errs)

	code, _, errs = run("", "--file", filepath.Join(t.TempDir(), "missing.png"))
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errs, "--file")
}
