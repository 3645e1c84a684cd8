package cli

// In-process tests of what the CLI refuses before sending anything, how it
// prints what servers send, and its JSON error reports.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// runCLI runs the command in-process with the mock's credentials for both
// vendors (or vars, when given).
func runCLI(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if vars == nil {
		vars = map[string]string{
			EnvAccessKey: mock.DefaultAccessKey, EnvAccessSecret: mock.DefaultAccessSecret,
			EnvDevKey: mock.DefaultDevKey, EnvDevSecret: mock.DefaultDevSecret,
		}
	}
	f := &fakeEnv{vars: vars}
	code = Run(context.Background(), args, f.env(""))
	return code, f.stdout.String(), f.stderr.String()
}

// countingServer counts the requests it gets and answers each with 500.
func countingServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

// TestBadBaseURLIsAUsageError: a --base-url that was given must be an
// absolute http(s) URL with a host; an empty one used to mean production.
func TestBadBaseURLIsAUsageError(t *testing.T) {
	verify := []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "empty", args: []string{"--base-url", ""}, wantErr: "--base-url is empty"},
		{name: "empty with =", args: []string{"--base-url="}, wantErr: "--base-url is empty"},
		{name: "blank", args: []string{"--base-url", "  "}, wantErr: "--base-url is empty"},
		{name: "no scheme", args: []string{"--base-url", "127.0.0.1:8080"}, wantErr: "is not a URL"},
		{name: "host without scheme", args: []string{"--base-url", "mock.local"}, wantErr: "must start with http:// or https://"},
		{name: "another scheme", args: []string{"--base-url", "ftp://127.0.0.1"}, wantErr: "must start with http:// or https://"},
		{name: "no host", args: []string{"--base-url", "http://"}, wantErr: "has no host"},
		{name: "only a port", args: []string{"--base-url", "http://:8080"}, wantErr: "has no host"},
		{name: "credentials in it", args: []string{"--base-url", "http://key:secret@127.0.0.1:1"}, wantErr: "must not carry credentials"},
		{name: "a long one is quoted in part", args: []string{"--base-url", "ftp://" + strings.Repeat("x", 5000)}, wantErr: "(5006 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append(tt.args, verify...)...)
			assert.Equal(t, ExitUsage, code, stderr)
			assert.Contains(t, stderr, tt.wantErr)
			assert.Less(t, len(stderr), 1024)
			assert.Empty(t, stdout)
			assert.NotContains(t, stderr, "secret@")
		})
	}

	t.Run("nothing is sent", func(t *testing.T) {
		url, hits := countingServer(t)
		code, _, stderr := runCLI(t, nil, append([]string{"--base-url", strings.Replace(url, "http://", "", 1)}, verify...)...)
		assert.Equal(t, ExitUsage, code, stderr)
		code, _, _ = runCLI(t, nil, append([]string{"--base-url", url, "--max-attempts", "1"}, verify...)...)
		assert.Equal(t, ExitAPI, code, "a good --base-url is used")
		assert.EqualValues(t, 1, hits.Load())
	})

	t.Run("listen addresses of mock and callbacks", func(t *testing.T) {
		for _, args := range [][]string{
			{"mock", "--addr", ""},
			{"callbacks", "serve", "--addr", ""},
			{"mock", "--addr", "8080"},
			{"mock", "--callback-in", "header"}, // no place a callback goes
			{"--base-url", "", "mock"},
		} {
			code, _, stderr := runCLI(t, map[string]string{}, args...)
			assert.Equal(t, ExitUsage, code, "%q: %s", args, stderr)
		}
	})
}

// rawControls reports the first control character (C0 but newline, DEL,
// C1) or invalid UTF-8 byte in s, and its offset.
func rawControls(s string) (rune, int, bool) {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return r, i, true
		case (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return r, i, true
		}
	}
	return 0, 0, false
}

func assertNoRawControls(t *testing.T, what, s string) {
	t.Helper()
	if r, i, found := rawControls(s); found {
		t.Errorf("%s holds a raw %U at offset %d: %q", what, r, i, s)
	}
}

// hostile is a text with the characters a terminal acts on: ESC (a CSI
// sequence), BEL, the C1 CSI, DEL, a carriage return and a newline.
const hostile = "boom\x1b[2J\x1b]0;pwned\x07 \u009b31m red\x7f\r\nfake: ok"

// TestServerTextIsEscaped: whatever a server sends reaches stdout and
// stderr with its control characters escaped, in text and JSON.
func TestServerTextIsEscaped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/ota/verify": // a failure with the text as its message
			b, _ := json.Marshal(map[string]any{"code": 2205, "msg": hostile, "data": nil})
			_, _ = w.Write(b)
		case "/api/ota/init": // a success carrying the text
			b, _ := json.Marshal(map[string]any{"code": 0, "msg": "ok", "data": map[string]any{"requestId": "r", "url": "https://x.test/" + hostile}})
			_, _ = w.Write(b)
		default: // EngageLab: a proxy page, not JSON
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<h1>" + hostile + "\xff\xfe</h1>"))
		}
	}))
	defer srv.Close()
	base := []string{"--base-url", srv.URL, "--max-attempts", "1"}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		format   string
	}{
		{name: "vendor message, text", args: []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"}, wantCode: ExitAPI},
		{name: "vendor message, json", args: []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"}, wantCode: ExitAPI, format: "json"},
		{name: "body excerpt", args: []string{"engagelab", "otp", "list-templates"}, wantCode: ExitAPI},
		{name: "body excerpt, json", args: []string{"engagelab", "otp", "list-templates"}, wantCode: ExitAPI, format: "json"},
		{name: "a result", args: []string{"nxcloud", "ota", "init", "--appkey", "a", "--phone", "1", "--user-ip", "1"}, wantCode: ExitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := base
			if tt.format != "" {
				args = append(args, "--error-format", tt.format)
			}
			code, stdout, stderr := runCLI(t, nil, append(args, tt.args...)...)
			require.Equal(t, tt.wantCode, code, stderr)
			assertNoRawControls(t, "stdout", stdout)
			assertNoRawControls(t, "stderr", stderr)
			if tt.wantCode != ExitOK {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
				assert.NotContains(t, stderr, "\nfake: ok")
			}
			if tt.format == "json" {
				var rep errorReport
				require.NoError(t, json.Unmarshal([]byte(stderr), &rep), stderr)
				assert.Contains(t, rep.Message, "boom")
			}
			if tt.wantCode == ExitOK {
				var res struct{ URL string } // the envelope's data
				require.NoError(t, json.Unmarshal([]byte(stdout), &res), "still valid JSON: %s", stdout)
				assert.Equal(t, "https://x.test/"+hostile, res.URL, "escaped losslessly")
			}
		})
	}
}

func TestTerminalWriter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text\n\tand tabs\n", "plain text\n\tand tabs\n"},
		{"ünïcødé 中文 ✓", "ünïcødé 中文 ✓"},
		{"\x1b[31mred\x07", `\u001b[31mred\u0007`},
		{"a\rb", `a\u000db`},
		{"del\x7f", `del\u007f`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"bad \xff\xc3 end", `bad \xff\xc3 end`},
		{`{"s":"\u001b"}`, `{"s":"\u001b"}`}, // already escaped JSON is left alone
	}
	for _, tt := range tests {
		var b strings.Builder
		n, err := terminalWriter{&b}.Write([]byte(tt.in))
		require.NoError(t, err)
		assert.Equal(t, len(tt.in), n)
		assert.Equal(t, tt.want, b.String(), "%q", tt.in)
	}
	// JSON that carries C1 and DEL raw stays JSON with the same value.
	raw := "{\"s\":\"a\u0085b\x7fc\"}"
	var b strings.Builder
	_, _ = terminalWriter{&b}.Write([]byte(raw))
	var v struct{ S string }
	require.NoError(t, json.Unmarshal([]byte(b.String()), &v))
	assert.Equal(t, "a\u0085b\x7fc", v.S)
}

// TestErrorFormatJSON: with --error-format json every failure prints one
// JSON object on stderr, with its kind read from the error's type.
func TestErrorFormatJSON(t *testing.T) {
	m := mock.Start(t)
	// An unsafe call whose connection drops after the request was sent.
	drop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		require.True(t, ok)
		conn, _, err := hj.Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	}))
	defer drop.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + closed.Addr().String()
	require.NoError(t, closed.Close())

	good := map[string]string{EnvAccessKey: m.AccessKey, EnvAccessSecret: m.AccessSecret, EnvDevKey: m.DevKey, EnvDevSecret: m.DevSecret}
	wrong := map[string]string{EnvAccessKey: m.AccessKey, EnvAccessSecret: "wrong-secret-1b2c", EnvDevKey: m.DevKey, EnvDevSecret: "wrong-dev-secret-3d4e"}
	// A message sent through the CLI, for 3004 and 3003.
	code, out, errOut := runCLI(t, good, "--base-url", m.URL, "engagelab", "otp", "send-message", "--to", "+8613800138009", "--template", `{"id":"verify-login"}`)
	require.Equal(t, ExitOK, code, errOut)
	var sent struct {
		MessageID string `json:"message_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sent))
	code, _, errOut = runCLI(t, good, "--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", sent.MessageID, "--verify-code", mock.DefaultOTPCode)
	require.Equal(t, ExitOK, code, errOut)

	badSpec := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(badSpec, []byte("openapi: 3.0.3\ninfo: {}\n"), 0o600))
	intp := func(n int) *int { return &n }
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantExit int
		want     errorReport // Message is checked with Contains
	}{
		{name: "auth", vars: wrong, args: []string{"--base-url", m.URL, "nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"},
			wantExit: ExitAPI, want: errorReport{Operation: "nxcloud/ota verify", Kind: "auth", Status: intp(200), Code: intp(1003), Attempts: 1, Message: "code 1003"}},
		{name: "auth, EngageLab", vars: wrong, args: []string{"--base-url", m.URL, "engagelab", "otp", "list-templates"},
			wantExit: ExitAPI, want: errorReport{Operation: "engagelab/otp listTemplates", Kind: "auth", Status: intp(401), Code: intp(2001), Attempts: 1}},
		{name: "too frequent", vars: good, args: []string{"--base-url", m.URL, "engagelab", "otp", "send-message", "--to", "+8613800138010", "--template", `{"id":"verify-login"}`, "--error-format", "json"},
			wantExit: ExitOK},
		{name: "too frequent, the second send", vars: good, args: []string{"--base-url", m.URL, "engagelab", "otp", "send-message", "--to", "+8613800138010", "--template", `{"id":"verify-login"}`},
			wantExit: ExitAPI, want: errorReport{Operation: "engagelab/otp sendMessage", Kind: "too_frequent", Status: intp(400), Code: intp(3004), Attempts: 1}},
		{name: "already verified", vars: good, args: []string{"--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", sent.MessageID, "--verify-code", mock.DefaultOTPCode},
			wantExit: ExitAPI, want: errorReport{Operation: "engagelab/otp verify", Kind: "already_verified", Status: intp(400), Code: intp(3003), Attempts: 1}},
		{name: "api", vars: good, args: []string{"--base-url", m.URL, "nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"},
			wantExit: ExitAPI, want: errorReport{Operation: "nxcloud/ota verify", Kind: "api", Status: intp(200), Code: intp(2205), Attempts: 1}},
		{name: "outcome unknown", vars: good, args: []string{"--base-url", drop.URL, "nxcloud", "ota", "init", "--appkey", "a", "--phone", "1", "--user-ip", "1"},
			wantExit: ExitAPI, want: errorReport{Operation: "nxcloud/ota init", Kind: "outcome_unknown", Attempts: 1}},
		{name: "transport", vars: good, args: []string{"--base-url", refused, "--max-attempts", "2", "nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"},
			wantExit: ExitAPI, want: errorReport{Operation: "nxcloud/ota verify", Kind: "transport", Attempts: 2}},
		{name: "validation", vars: good, args: []string{"--base-url", m.URL, "nxcloud", "ota", "init", "--appkey", "a", "--phone", "", "--user-ip", "1"},
			wantExit: ExitUsage, want: errorReport{Operation: "nxcloud/ota init", Kind: "validation", Message: "phone: must not be empty"}},
		{name: "usage: missing flag", vars: good, args: []string{"nxcloud", "ota", "init", "--appkey", "a"},
			wantExit: ExitUsage, want: errorReport{Operation: "nxcloud/ota init", Kind: "usage", Message: "required flag"}},
		{name: "usage: missing credential", vars: map[string]string{}, args: []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"},
			wantExit: ExitUsage, want: errorReport{Operation: "nxcloud/ota verify", Kind: "usage", Message: EnvAccessKey}},
		{name: "usage: unknown command, flag first", vars: good, args: []string{"--error-format=json", "bogus"},
			wantExit: ExitUsage, want: errorReport{Kind: "usage", Message: `unknown command "bogus"`}},
		{name: "usage: unknown flag", vars: good, args: []string{"specs", "check", "--bogus"},
			wantExit: ExitUsage, want: errorReport{Kind: "usage", Message: "--bogus"}},
		{name: "usage: a file that is not there", vars: good, args: []string{"specs", "check", "/nonexistent.yaml"},
			wantExit: ExitUsage, want: errorReport{Kind: "usage", Message: "/nonexistent.yaml"}},
		{name: "runtime: a failure that is no call's", vars: good, args: []string{"specs", "check", badSpec},
			wantExit: ExitAPI, want: errorReport{Kind: "runtime", Message: "1 of 1 specs failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !strings.HasPrefix(strings.Join(args, " "), "--error-format") {
				args = append([]string{"--error-format", "json"}, args...)
			}
			code, stdout, stderr := runCLI(t, tt.vars, args...)
			require.Equal(t, tt.wantExit, code, "stdout %s\nstderr %s", stdout, stderr)
			if tt.wantExit == ExitOK {
				return
			}
			if tt.want.Kind != kindRuntime { // specs check reports each file on stdout
				assert.Empty(t, stdout)
			}
			require.Equal(t, 1, strings.Count(stderr, "\n"), "exactly one line: %q", stderr)
			var got errorReport
			dec := json.NewDecoder(strings.NewReader(stderr))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(&got), stderr)
			assert.False(t, dec.More(), "one object")
			var keys map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(stderr), &keys))
			assert.Len(t, keys, 6, "every key is present: %s", stderr)
			assert.Contains(t, got.Message, tt.want.Message)
			got.Message, tt.want.Message = "", ""
			assert.Equal(t, tt.want, got)
			for _, secret := range []string{m.AccessSecret, m.DevSecret, "wrong-secret-1b2c", "wrong-dev-secret-3d4e"} {
				assert.NotContains(t, stderr, secret)
			}
		})
	}

	t.Run("text stays the default", func(t *testing.T) {
		code, _, stderr := runCLI(t, good, "--base-url", m.URL, "nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r")
		assert.Equal(t, ExitAPI, code)
		assert.True(t, strings.HasPrefix(stderr, "error: nxcloud/ota verify: code 2205"), stderr)
	})
	t.Run("an unknown format is a usage error", func(t *testing.T) {
		code, _, stderr := runCLI(t, good, "--error-format", "yaml", "specs", "check")
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, stderr, `--error-format must be text or json, got "yaml"`)
	})
}

// TestBadInput: values that are not valid UTF-8 are refused rather than
// rewritten, and a bad value is quoted only in part.
func TestBadInput(t *testing.T) {
	url, hits := countingServer(t)
	huge := strings.Repeat("\xff", 127*1024)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "invalid UTF-8 in a string flag", args: []string{"nxcloud", "ota", "init", "--appkey", "a\xffb", "--phone", "1", "--user-ip", "1"}, wantErr: `--appkey: the value is not valid UTF-8: "a\xffb"`},
		{name: "invalid UTF-8 in a JSON flag", args: []string{"engagelab", "otp", "send-message", "--to", "+1", "--template", `{"id":"` + "\xc3\x28" + `"}`}, wantErr: "--template: the value is not valid UTF-8"},
		{name: "a 127 KB invalid --template", args: []string{"engagelab", "otp", "send-message", "--to", "+1", "--template", huge}, wantErr: "(130048 bytes)"},
		{name: "a 127 KB value that is not JSON", args: []string{"engagelab", "otp", "send-message", "--to", "+1", "--template", strings.Repeat("x", 127*1024)}, wantErr: `--template: "xxxx`},
		{name: "a 127 KB bad duration", args: []string{"--timeout", strings.Repeat("9", 127*1024), "engagelab", "otp", "list-templates"}, wantErr: "--timeout: invalid value"},
		{name: "a 127 KB unknown command", args: []string{"engagelab", strings.Repeat("x", 127*1024)}, wantErr: "unknown command"},
		{name: "a 127 KB unknown flag", args: []string{"engagelab", "otp", "list-templates", "--" + strings.Repeat("x", 127*1024)}, wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, nil, append([]string{"--base-url", url}, tt.args...)...)
			assert.Equal(t, ExitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.wantErr)
			assert.Less(t, len(stderr), 4096, "a bounded excerpt")
			assertNoRawControls(t, "stderr", stderr)
		})
	}
	assert.Zero(t, hits.Load(), "nothing was sent")
}

// TestHelpTexts: required flags say so, --timeout says what 0 means, and
// help names commands (check-code), not operationIds (checkCode).
func TestHelpTexts(t *testing.T) {
	root, _ := newRoot((&fakeEnv{}).env(""))
	var ids []string
	for _, op := range operations {
		if kebab(op.id) != op.id {
			ids = append(ids, op.id)
		}
	}
	require.Contains(t, ids, "checkCode")
	var walk func(args []string)
	walk = func(args []string) {
		code, stdout, stderr := runCLI(t, map[string]string{}, append(args, "--help")...)
		require.Equal(t, ExitOK, code, stderr)
		for _, id := range ids {
			for _, w := range strings.FieldsFunc(stdout, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) {
				assert.NotEqual(t, id, w, "verikit %s --help names the operationId %s, not its command %s", strings.Join(args, " "), id, kebab(id))
			}
		}
		cmd, _, err := root.Find(args)
		require.NoError(t, err)
		for _, sub := range cmd.Commands() {
			if !sub.Hidden && sub.Name() != "help" && sub.Name() != "completion" {
				walk(append(append([]string{}, args...), sub.Name()))
			}
		}
	}
	walk(nil)

	_, stdout, _ := runCLI(t, map[string]string{}, "nxcloud", "ota", "init", "--help")
	for _, flag := range []string{"--appkey", "--phone", "--user-ip"} {
		assert.Regexp(t, `(?m)^\s+`+flag+` string .*\(required\)$`, stdout)
	}
	assert.Contains(t, stdout, "(0: no bound)")
	_, stdout, _ = runCLI(t, map[string]string{}, "engagelab", "otp", "create-template", "--help")
	assert.Regexp(t, `(?m)^\s+--brand-name string .*\)$`, stdout)
	assert.NotRegexp(t, `(?m)^\s+--brand-name string .*\(required\)$`, stdout, "an optional flag")
	_, stdout, _ = runCLI(t, map[string]string{}, "sign", "--help")
	assert.Regexp(t, `(?m)^\s+--access-key string .*\(required\)$`, stdout)
	_, stdout, _ = runCLI(t, map[string]string{}, "mock", "--help")
	assert.Contains(t, stdout, "SUCCESS, PENDING, MISMATCH, FAILURE, UNKNOWN", "the enum, from the spec")
}

// TestMockFlagsStayInsideTheSpec: verikit mock refuses a value the spec
// does not allow, as a usage error, before it listens.
func TestMockFlagsStayInsideTheSpec(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--ota-status", "BOGUS"}, "mock: invalid configuration"},
		{[]string{"--ota-status", "success"}, "mock: invalid configuration"},
		{[]string{"--ota-status", ""}, "--ota-status must not be empty"},
		{[]string{"--whatsapp-code", ""}, "--whatsapp-code must not be empty"},
	} {
		code, _, stderr := runCLI(t, map[string]string{}, append([]string{"mock", "--addr", "127.0.0.1:0"}, tt.args...)...)
		assert.Equal(t, ExitUsage, code, "%q", tt.args)
		assert.Contains(t, stderr, tt.want, "%q", tt.args)
	}
	_, _, stderr := runCLI(t, map[string]string{}, "mock", "--addr", "127.0.0.1:0", "--ota-status", "BOGUS")
	assert.Contains(t, stderr, `["SUCCESS","PENDING","MISMATCH","FAILURE","UNKNOWN"]`)
}

// TestCallbacksServeEscapes: callback fields reach stdout with control
// characters escaped, and a callback whose bytes are not valid UTF-8 keeps
// them, escaped, in event_escaped instead of losing them to U+FFFD.
func TestCallbacksServeEscapes(t *testing.T) {
	run := startCallbacks(t, nil)
	post := func(path, contentType, body string) {
		t.Helper()
		resp, err := http.Post(run.url+path, contentType, strings.NewReader(body))
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	// OTA: a requestId with a byte that is not UTF-8, a phone with ESC.
	post(PathOTACallback+"?requestId=r%FF1&phone=%1B%5B2J86&status=SUCCESS&drTime=2021-02-26%2010:01:15", "", "")
	// EngageLab rows: one not UTF-8, one with a C1 control and DEL.
	badRow := "{\"message_id\":\"m\xff\xfe\",\"to\":\"+1\",\"server\":\"otp\",\"channel\":\"sms\",\"itime\":1,\"status\":{\"message_status\":\"sent\"}}"
	c1Row := "{\"message_id\":\"m2\",\"to\":\"\u009b31m\x7f\",\"server\":\"otp\",\"channel\":\"sms\",\"itime\":1,\"status\":{\"message_status\":\"sent\"}}"
	post(PathEngageLabCallback, "application/json", `{"total":2,"rows":[`+badRow+`,`+c1Row+`]}`)
	require.Equal(t, 0, run.stop())

	stdout := run.stdout.String()
	assertNoRawControls(t, "stdout", stdout)
	assertNoRawControls(t, "stderr", run.stderr.String())
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 3, stdout)
	type line struct {
		Kind         string          `json:"kind"`
		Event        json.RawMessage `json:"event"`
		EventEscaped string          `json:"event_escaped"`
	}
	var got []line
	for _, l := range lines {
		var v line
		require.NoError(t, json.Unmarshal([]byte(l), &v), "each line is JSON: %q", l)
		got = append(got, v)
	}
	unescape := func(s string) string {
		u, err := strconv.Unquote(`"` + s + `"`)
		require.NoError(t, err, s)
		return u
	}
	assert.Nil(t, got[0].Event)
	assert.Equal(t, "{\"requestId\":\"r\xff1\",\"phone\":\"\\u001b[2J86\",\"status\":\"SUCCESS\",\"drTime\":\"2021-02-26 10:01:15\"}", unescape(got[0].EventEscaped), "the original bytes")
	assert.Nil(t, got[1].Event)
	assert.Equal(t, badRow, unescape(got[1].EventEscaped), "the row's exact bytes")
	var row struct {
		To string `json:"to"`
	}
	require.NoError(t, json.Unmarshal(got[2].Event, &row))
	assert.Equal(t, "\u009b31m\x7f", row.To, "valid UTF-8 stays JSON, escaped losslessly")
	assert.Empty(t, got[2].EventEscaped)
}

// TestCallbacksServeRefusesReplays: callbacks serve accepts a signed
// callback once, on its own paths and on the spec callbacks' (signed DID
// pushes, Web Push's X-CALLBACK-ID) alike; --allow-replays turns the guard
// off; unsigned callbacks are never refused as replays.
func TestCallbacksServeRefusesReplays(t *testing.T) {
	did := []byte(`{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","smsStatus":"DELIVRD"}`)
	example := func(t *testing.T, spec, schema string) []byte {
		d, err := specs.Load(spec)
		require.NoError(t, err)
		cb, err := d.Callback(schema)
		require.NoError(t, err)
		b, err := json.Marshal(cb.Schema.Example)
		require.NoError(t, err)
		return b
	}
	didPush := example(t, "nxcloud/did", "SignedMessageCallback")
	webPush := example(t, "engagelab/webpush", "MessageStatusCallback")
	emailReceipt := example(t, "nxcloud/email", "ReceiptCallback")
	signedTo := func(t *testing.T, url string, did []byte) *http.Request {
		p := sign.Params{AccessKey: cbAccessKey, TS: strconv.FormatInt(time.Now().UnixMilli(), 10), BizType: "4", Action: "dr"}
		sig, err := sign.Sign(sign.MD5, p, did, cbAccessSecret)
		require.NoError(t, err)
		r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(did))
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/json")
		r.Header["accesskey"] = []string{p.AccessKey}
		r.Header["ts"] = []string{p.TS}
		r.Header["biztype"] = []string{p.BizType}
		r.Header["action"] = []string{p.Action}
		r.Header["sign"] = []string{sig}
		return r
	}
	signedReq := func(t *testing.T, url string) *http.Request {
		return signedTo(t, url+PathNXCloudSigned, did)
	}
	id := sign.NewCallbackID(cbELSecret, cbELUser, "8837726", time.Now()).String()
	webPushReq := func(t *testing.T, url string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, url+"/engagelab/webpush/message-status", bytes.NewReader(webPush))
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", cbELAuth)
		r.Header.Set(sign.HeaderCallbackID, sign.NewCallbackID(cbELSecret, cbELUser, "5512", time.Now()).String())
		return r
	}
	elReq := func(t *testing.T, url, body string) *http.Request {
		r, err := http.NewRequest(http.MethodPost, url+PathEngageLabCallback, strings.NewReader(body))
		require.NoError(t, err)
		r.Header.Set("Authorization", cbELAuth)
		r.Header.Set(sign.HeaderCallbackID, id)
		return r
	}
	rowA := `{"total":1,"rows":[{"message_id":"a","to":"+1","server":"otp","channel":"sms","itime":1,"status":{"message_status":"delivered"}}]}`
	rowB := `{"total":1,"rows":[{"message_id":"b","to":"+1","server":"otp","channel":"sms","itime":1,"status":{"message_status":"verified"}}]}`
	for _, tt := range []struct {
		name       string
		args       []string
		wantSecond int
	}{
		{name: "guarded by default", wantSecond: http.StatusUnauthorized},
		{name: "--allow-replays", args: []string{"--allow-replays"}, wantSecond: http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			run := startCallbacks(t, allCallbackVars(), tt.args...)
			answer := func(r *http.Request) (int, string) {
				resp, err := http.DefaultClient.Do(r)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, string(b)
			}
			status := func(r *http.Request) int {
				code, _ := answer(r)
				return code
			}
			again := func(r *http.Request, body []byte) *http.Request {
				r2 := r.Clone(context.Background())
				r2.Body = io.NopCloser(bytes.NewReader(body))
				return r2
			}
			nx := signedReq(t, run.url)
			nx2 := again(nx, did)
			assert.Equal(t, http.StatusOK, status(nx))
			assert.Equal(t, tt.wantSecond, status(nx2), "the same signed callback again")
			assert.Equal(t, http.StatusOK, status(elReq(t, run.url, rowA)))
			assert.Equal(t, tt.wantSecond, status(elReq(t, run.url, rowB)), "the same X-CALLBACK-ID with another body")

			// The spec callbacks' receivers: the signed DID push replies
			// "error" to a replay, as to any refusal; Web Push reads only
			// the status.
			dp := signedTo(t, run.url+"/nxcloud/did/signed-message", didPush)
			dp2 := again(dp, didPush)
			code, reply := answer(dp)
			assert.Equal(t, http.StatusOK, code, reply)
			assert.Equal(t, "success", reply)
			code, reply = answer(dp2)
			assert.Equal(t, tt.wantSecond, code, "the same signed DID push again")
			if tt.wantSecond != http.StatusOK {
				assert.Equal(t, "error", reply, "the callback's own failure reply")
			}
			wp := webPushReq(t, run.url)
			wp2 := again(wp, webPush)
			assert.Equal(t, http.StatusOK, status(wp))
			assert.Equal(t, tt.wantSecond, status(wp2), "the same Web Push X-CALLBACK-ID again")
			for range 2 { // unsigned: nothing to key on, taken each time
				r, err := http.NewRequest(http.MethodPost, run.url+"/nxcloud/email/receipt", bytes.NewReader(emailReceipt))
				require.NoError(t, err)
				r.Header.Set("Content-Type", "application/json")
				assert.Equal(t, http.StatusOK, status(r), "an unsigned receipt")
			}
			require.Equal(t, 0, run.stop())
			if tt.wantSecond != http.StatusOK {
				assert.Equal(t, 4, strings.Count(run.stderr.String(), "webhook: callback replayed"), run.stderr.String())
				assert.Equal(t, 6, strings.Count(run.stdout.String(), "\n"), "only the first of each signed one printed, and both unsigned")
				assert.NotContains(t, run.stdout.String(), `"message_id":"b"`)
			} else {
				assert.Equal(t, 10, strings.Count(run.stdout.String(), "\n"), run.stderr.String())
			}
		})
	}
}
