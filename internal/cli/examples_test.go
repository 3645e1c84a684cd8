package cli

// TestHelpExamplesRun takes every example line from every command's
// --help, splits it as a POSIX shell would, and runs it in-process.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

// shellWords splits a command line as a POSIX shell does, for the subset
// help examples may use: words, '...' and "..." quoting, backslash
// escapes, pipes between commands and a trailing &. A $ expansion, a
// backquote, a redirection or an unclosed quote is an error: an example
// must not depend on them.
func shellWords(line string) (pipeline [][]string, background bool, err error) {
	var (
		words   []string
		word    strings.Builder
		inWord  bool
		endWord = func() {
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		}
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if background {
			if c != ' ' && c != '\t' {
				return nil, false, fmt.Errorf("text after &: %q", line[i:])
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n':
			endWord()
		case '\\':
			if i+1 >= len(line) {
				return nil, false, errors.New("a trailing backslash")
			}
			i++
			if line[i] != '\n' { // backslash-newline joins lines
				word.WriteByte(line[i])
				inWord = true
			}
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, false, errors.New("an unclosed '")
			}
			word.WriteString(line[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(line) {
					return nil, false, errors.New(`an unclosed "`)
				}
				c := line[i]
				if c == '"' {
					break
				}
				if c == '$' || c == '`' {
					return nil, false, fmt.Errorf("an expansion (%c) in double quotes", c)
				}
				if c == '\\' && i+1 < len(line) && strings.IndexByte("$`\"\\\n", line[i+1]) >= 0 {
					i++
					c = line[i]
				}
				word.WriteByte(c)
			}
		case '|':
			endWord()
			if len(words) == 0 {
				return nil, false, errors.New("an empty command before |")
			}
			pipeline = append(pipeline, words)
			words = nil
		case '&':
			endWord()
			background = true
		case '$', '`', '<', '>', ';', '(', ')':
			return nil, false, fmt.Errorf("unquoted %q, which a shell would interpret", c)
		case '#', '~': // a comment or a home directory at the start of a word
			if !inWord {
				return nil, false, fmt.Errorf("unquoted %q at the start of a word", c)
			}
			word.WriteByte(c)
		// Globs (*, ?, [) are kept in the word; the runner expands them.
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endWord()
	if len(words) == 0 {
		return nil, false, errors.New("an empty command")
	}
	return append(pipeline, words), background, nil
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		line    string
		want    [][]string
		bg      bool
		wantErr bool
	}{
		{line: "verikit a --x 'b c'", want: [][]string{{"verikit", "a", "--x", "b c"}}},
		{line: `verikit --t '{"id":"verify-login"}' --s 'whatsapp|sms'`, want: [][]string{{"verikit", "--t", `{"id":"verify-login"}`, "--s", "whatsapp|sms"}}},
		{line: `a 'it'\''s' "x\"y" z\ w`, want: [][]string{{"a", "it's", `x"y`, "z w"}}},
		{line: "printf 'x' |\n  A=1 verikit sign", want: [][]string{{"printf", "x"}, {"A=1", "verikit", "sign"}}},
		{line: "a \\\n  b", want: [][]string{{"a", "b"}}},
		{line: "verikit mock &", want: [][]string{{"verikit", "mock"}}, bg: true},
		{line: "a ''", want: [][]string{{"a", ""}}},
		{line: "ls specs/*.yaml", want: [][]string{{"ls", "specs/*.yaml"}}},
		{line: "a --x whatsapp|sms", want: [][]string{{"a", "--x", "whatsapp"}, {"sms"}}},
		{line: "a $HOME", wantErr: true},
		{line: "a > f", wantErr: true},
		{line: "a 'open", wantErr: true},
		{line: `a "$x"`, wantErr: true},
		{line: "a; b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, bg, err := shellWords(tt.line)
			if tt.wantErr {
				assert.Error(t, err, "%q", got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.bg, bg)
		})
	}
}

// TestShellQuoteRoundTrips: what shellQuote writes, a shell reads back as
// the same word.
func TestShellQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{
		"", "plain", "verify-login", "+8613800138000", "https://example.com/a?b=c&d=e",
		"whatsapp|sms", "two words", "it's", `{"id":"verify-login","params":{"x":"a b"}}`,
		"$HOME", "`id`", "a\\b", "semi;colon", "tab\there", "new\nline", "*.yaml", "~user", "#hash", "ünï",
	} {
		q := shellQuote(s)
		got, bg, err := shellWords("cmd " + q)
		require.NoError(t, err, "%q quoted as %s", s, q)
		assert.False(t, bg)
		assert.Equal(t, [][]string{{"cmd", s}}, got, "%q quoted as %s", s, q)
	}
}

// helpExamples returns the example lines of a help text, continuation
// lines (after a trailing \ or |) joined to the line they continue.
func helpExamples(help string) []string {
	var out []string
	in := false
	pending := ""
	for _, l := range strings.Split(help, "\n") {
		switch {
		case l == "Examples:":
			in = true
			continue
		case !in:
			continue
		case strings.TrimSpace(l) == "":
			in = false
			continue
		}
		pending += l + "\n"
		trimmed := strings.TrimRight(l, " ")
		if strings.HasSuffix(trimmed, "\\") || strings.HasSuffix(trimmed, "|") {
			continue
		}
		out = append(out, strings.TrimSpace(pending))
		pending = ""
	}
	return out
}

// exampleCase is one example, split and ready to run.
type exampleCase struct {
	from  string // the command whose help shows it
	line  string
	env   map[string]string
	stdin string
	args  []string // verikit's arguments
	bg    bool
}

// parseExample turns an example line into what runs: verikit's arguments
// (also after `go run ./cmd/verikit`), the environment its assignments
// set, and the output of a printf it is piped from.
func parseExample(t *testing.T, from, line string) exampleCase {
	t.Helper()
	pipeline, bg, err := shellWords(line)
	require.NoError(t, err, "verikit %s --help: %q does not split as shell words", from, line)
	c := exampleCase{from: from, line: line, env: map[string]string{}, bg: bg}
	require.LessOrEqual(t, len(pipeline), 2, line)
	if len(pipeline) == 2 {
		p := pipeline[0]
		require.Equal(t, "printf", p[0], "the only pipe examples use is printf | verikit: %q", line)
		require.Len(t, p, 2, line)
		require.NotContains(t, p[1], "%", "printf with directives: %q", line)
		c.stdin = p[1]
	}
	words := pipeline[len(pipeline)-1]
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		k, v, _ := strings.Cut(words[0], "=")
		c.env[k] = v
		words = words[1:]
	}
	switch {
	case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/verikit":
		c.args = words[3:]
	case len(words) >= 1 && words[0] == "verikit":
		c.args = words[1:]
	default:
		t.Fatalf("verikit %s --help: %q does not run verikit", from, line)
	}
	return c
}

// commandPath is the subcommand an argument list runs ("nxcloud ota
// init", "mock", "specs check"), and its positional arguments.
func exampleCommandPath(t *testing.T, args []string) (string, []string) {
	t.Helper()
	root, lazy := newRoot((&fakeEnv{}).env(""))
	lazy.prepareFor(root, args)
	cmd, rest, err := root.Find(args)
	require.NoError(t, err, "%q", args)
	require.NoError(t, cmd.ParseFlags(rest), "%q", args)
	return strings.TrimPrefix(cmd.CommandPath(), root.Name()+" "), cmd.Flags().Args()
}

// withFlag returns args with flag set to value, replacing a value given.
func withFlag(args []string, flag, value string) []string {
	out := append([]string{}, args...)
	for i := 0; i < len(out); i++ {
		if out[i] == flag && i+1 < len(out) {
			out[i+1] = value
			return out
		}
		if strings.HasPrefix(out[i], flag+"=") {
			out[i] = flag + "=" + value
			return out
		}
	}
	return append([]string{flag, value}, out...)
}

// flagValue returns the value of flag in args.
func flagIn(args []string, flag string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1]
		}
	}
	return ""
}

// allExamples walks the command tree and collects every example of every
// --help.
func allExamples(t *testing.T) []exampleCase {
	t.Helper()
	root, _ := newRoot((&fakeEnv{}).env(""))
	var out []exampleCase
	var walk func(path []string)
	walk = func(path []string) {
		f := &fakeEnv{vars: map[string]string{}}
		require.Equal(t, ExitOK, Run(context.Background(), append(append([]string{}, path...), "--help"), f.env("")), f.stderr.String())
		for _, line := range helpExamples(f.stdout.String()) {
			out = append(out, parseExample(t, strings.Join(path, " "), line))
		}
		cmd, _, err := root.Find(path)
		require.NoError(t, err)
		for _, sub := range cmd.Commands() {
			if !sub.Hidden && sub.Name() != "help" && sub.Name() != "completion" {
				walk(append(append([]string{}, path...), sub.Name()))
			}
		}
	}
	walk(nil)
	return out
}

// TestHelpExamplesRun: every example in every --help runs as pasted: it
// splits as shell words, names only flags and commands that exist, and
// succeeds. API calls run against a fresh in-process mock (the example's
// --base-url, if any, pointed at it); servers (mock, callbacks serve) are
// started on a free port instead of the example's and stopped once they
// listen; specs check runs from the module root.
//
// An operation whose example needs earlier state gets it first: the
// examples of the calls before it in its flow (get-code before
// check-code), or the mock's own setup (a sent OTP for verify). The two
// whose state only the mock can invent (OTA verify needs a requestId from
// init, phone-list an appkey from create-app) must fail with the vendor's
// "not found" code, which the mock answers only for a request that is
// well-formed and authenticated.
func TestHelpExamplesRun(t *testing.T) {
	examples := allExamples(t)
	byCommand := map[string]exampleCase{}
	for _, e := range examples {
		if p, _ := exampleCommandPath(t, e.args); e.from == p {
			byCommand[p] = e
		}
	}
	// Operations that need earlier calls of their flow.
	prior := map[string][]string{
		"nxcloud wa check-code":    {"nxcloud wa get-code"},
		"nxcloud wa create-client": {"nxcloud wa get-code", "nxcloud wa check-code"},
	}
	// Conversion reports, taken only for a message the mock sent: the
	// spec and the flag of the example's ID.
	conversionOf := map[string]struct{ spec, flag string }{
		"nxcloud sms report-conversion":        {"nxcloud/sms", "--messageid"},
		"nxcloud voice report-conversion":      {"nxcloud/voice", "--messageid"},
		"nxcloud flash-call report-conversion": {"nxcloud/flashcall", "--request-id"},
	}
	// Operations whose example may only meet the mock's "not found" (or
	// another documented refusal).
	notFound := map[string]int{
		"nxcloud ota verify":    2205,
		"nxcloud wa phone-list": 9008,
		// Its example's day (2021) is past the 31 days the read keeps.
		"nxcloud sms get-record": 3,
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, e := range examples {
		name, positional := exampleCommandPath(t, e.args)
		covered[name] = true
		t.Run(e.from+": "+e.line, func(t *testing.T) {
			switch {
			case name == "mock" || name == "callbacks serve":
				runServerExample(t, e)
			case name == "specs check":
				args := []string{"specs", "check"}
				for _, a := range positional {
					matches, err := filepath.Glob(filepath.Join(root, a))
					require.NoError(t, err)
					require.NotEmpty(t, matches, "%s matches no file in the module root", a)
					args = append(args, matches...)
				}
				f := &fakeEnv{vars: e.env}
				code := Run(context.Background(), args, f.env(e.stdin))
				assert.Equal(t, ExitOK, code, "%s\n%s", f.stdout.String(), f.stderr.String())
			case name == "specs drift" || name == "specs coverage":
				args := append([]string(nil), e.args...)
				for i, a := range args {
					// Paths are relative to the module root, where a
					// maintainer runs the command.
					if _, err := os.Stat(filepath.Join(root, a)); err == nil && strings.Contains(a, "/") {
						args[i] = filepath.Join(root, a)
					}
				}
				if _, err := os.Stat(filepath.Join(root, "..", "shared", "reference", "nxcloud-docs")); err != nil {
					t.Skip("the vendor docs are not beside the module root")
				}
				f := &fakeEnv{vars: e.env}
				code := Run(context.Background(), args, f.env(e.stdin))
				assert.Equal(t, ExitOK, code, "%s\n%s", f.stdout.String(), f.stderr.String())
			case name == "sign" || name == "demo":
				f := &fakeEnv{vars: e.env}
				code := Run(context.Background(), e.args, f.env(e.stdin))
				assert.Equal(t, ExitOK, code, "%s\n%s", f.stdout.String(), f.stderr.String())
			case strings.HasPrefix(name, "nxcloud ") || strings.HasPrefix(name, "engagelab "):
				m := mock.Start(t)
				vars := map[string]string{EnvAccessKey: m.AccessKey, EnvAccessSecret: m.AccessSecret, EnvDevKey: m.DevKey, EnvDevSecret: m.DevSecret}
				for _, v := range appCredentialVars { // the mock's default pair for every set
					vars[v.keyVar], vars[v.secretVar] = "mock-"+v.set+"-appkey", "mock-"+v.set+"-secret"
				}
				files := t.TempDir()
				run := func(args []string) (int, string, string) {
					args = slices.Clone(args)
					for i, a := range args { // a file flag's ./path: a file with a little content
						if strings.HasPrefix(a, "./") && i > 0 && strings.HasPrefix(args[i-1], "--") {
							args[i] = filepath.Join(files, filepath.Base(a))
							require.NoError(t, os.WriteFile(args[i], []byte("example file content"), 0o600))
						}
					}
					f := &fakeEnv{vars: vars}
					code := Run(context.Background(), withFlag(withFlag(args, "--base-url", m.URL), "--error-format", "json"), f.env(e.stdin))
					return code, f.stdout.String(), f.stderr.String()
				}
				for _, p := range prior[name] {
					before, ok := byCommand[p]
					require.True(t, ok, "no example for %s", p)
					code, _, stderr := run(before.args)
					require.Equal(t, ExitOK, code, "the prior example %q: %s", before.line, stderr)
				}
				if name == "engagelab otp verify" {
					m.AddOTPMessage(flagIn(e.args, "--message-id"), flagIn(e.args, "--verify-code"))
				}
				if c, ok := conversionOf[name]; ok { // a report about a message the mock sent
					require.NoError(t, m.AddMessage(c.spec, flagIn(e.args, c.flag)))
				}
				code, stdout, stderr := run(e.args)
				if want, ok := notFound[name]; ok {
					require.Equal(t, ExitAPI, code, "stdout %s\nstderr %s", stdout, stderr)
					var rep errorReport
					require.NoError(t, json.Unmarshal([]byte(stderr), &rep), stderr)
					assert.Equal(t, kindAPI, rep.Kind, stderr)
					require.NotNil(t, rep.Code, stderr)
					assert.Equal(t, want, *rep.Code, stderr)
					return
				}
				require.Equal(t, ExitOK, code, "stdout %s\nstderr %s", stdout, stderr)
				assert.True(t, json.Valid([]byte(stdout)), stdout)
			default:
				t.Fatalf("no way to run an example of %q", name)
			}
		})
	}
	// Every operation command has an example that was run.
	for _, op := range operations {
		assert.True(t, covered[op.vendor+" "+op.product+" "+kebab(op.id)], "no example ran for %s", op.id)
	}
}

// runServerExample starts a serving example on a free port, waits until
// it listens, and stops it: it must start and then exit cleanly.
func runServerExample(t *testing.T, e exampleCase) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listening := make(chan struct{})
	stderr := &watchWriter{want: []string{"listening on http://", "serving NXCloud and EngageLab on http://"}, seen: listening}
	stdout := &syncBuffer{}
	env := Env{Stdin: strings.NewReader(e.stdin), Stdout: stdout, Stderr: stderr, Getenv: func(k string) string { return e.env[k] }}
	args := withFlag(e.args, "--addr", "127.0.0.1:0")
	exit := make(chan int, 1)
	go func() { exit <- Run(ctx, args, env) }()
	select {
	case <-listening:
	case code := <-exit:
		t.Fatalf("%q exited with %d before listening: %s", e.line, code, stderr.String())
	case <-time.After(hangGuard):
		t.Fatalf("%q did not listen", e.line)
	}
	cancel()
	select {
	case code := <-exit:
		assert.Equal(t, ExitOK, code, stderr.String())
	case <-time.After(hangGuard):
		t.Fatalf("%q did not stop", e.line)
	}
}

// watchWriter keeps what is written and closes seen once it holds one of
// the wanted texts.
type watchWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want []string
	seen chan struct{}
	done bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, s := range w.want {
		if !w.done && strings.Contains(w.buf.String(), s) {
			w.done = true
			close(w.seen)
		}
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
