package cli

// In-process tests of the operation commands: what they load, how their
// flags are reached, and a call of every operation, built from its spec's
// examples, against a stub server.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/specs"
)

// runHeld does what Run does, with a root whose lazyFlags the test keeps:
// it prepares the command the arguments name, then executes.
func runHeld(args []string) (lazy lazyFlags, stdout, stderr string, err error) {
	f := &fakeEnv{}
	root, lazy := newRoot(f.env(""))
	lazy.prepareFor(root, args)
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(&f.stdout)
	root.SetErr(&f.stderr)
	err = root.ExecuteContext(context.Background())
	return lazy, f.stdout.String(), f.stderr.String(), err
}

// TestHelpLoadsNoSpec checks that help above the operations reads no spec:
// after `verikit --help`, `verikit nxcloud --help` and the like, every
// operation command still holds its lazy flag definition, which is the
// only place the CLI loads a spec (operationCommand's lazy function). The
// help still lists every command below, with the summary the generated
// table carries. An operation's own help, the control, prepares that one
// command and no other.
//
// What this observes is the CLI's side: that no operation command read its
// spec. That nothing else in the process parsed one either would need a
// hook (a count of specs.Load parses) that the specs package does not have.
func TestHelpLoadsNoSpec(t *testing.T) {
	ops := specOperations(t)
	docs, err := specs.All()
	require.NoError(t, err)
	type listing struct{ name, short string }
	tests := []struct {
		args []string
		want []listing // commands the help lists
	}{
		{args: []string{"--help"}},
		{args: []string{"-h"}},
		{args: []string{"help"}},
		{args: []string{}},
	}
	for _, v := range []string{"nxcloud", "engagelab"} {
		var want []listing
		for _, p := range products {
			if p.vendor == v {
				want = append(want, listing{p.command, p.title})
			}
		}
		require.NotEmpty(t, want, "vendor %s has no product", v)
		tests = append(tests,
			struct {
				args []string
				want []listing
			}{[]string{v, "--help"}, want},
			struct {
				args []string
				want []listing
			}{[]string{v}, want},
			struct {
				args []string
				want []listing
			}{[]string{"help", v}, want})
	}
	for _, d := range docs {
		var want []listing
		for _, o := range d.Operations {
			want = append(want, listing{kebab(o.ID), o.Spec.Summary})
		}
		tests = append(tests, struct {
			args []string
			want []listing
		}{[]string{d.SDK.Vendor, d.SDK.Command, "--help"}, want})
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"verikit"}, tt.args...), " "), func(t *testing.T) {
			lazy, stdout, stderr, err := runHeld(tt.args)
			require.NoError(t, err, stderr)
			assert.Contains(t, stdout, "Usage:")
			assert.Len(t, lazy.operations(), len(ops), "an operation command read its spec")
			for _, l := range tt.want {
				assert.Regexp(t, `(?m)^\s+`+regexp.QuoteMeta(l.name)+`\s+`+regexp.QuoteMeta(l.short)+`$`, stdout)
			}
		})
	}

	for _, o := range ops {
		args := append(commandPath(o), "--help")
		t.Run("control: verikit "+strings.Join(args, " "), func(t *testing.T) {
			lazy, stdout, stderr, err := runHeld(args)
			require.NoError(t, err, stderr)
			assert.Len(t, lazy.operations(), len(ops)-1, "exactly the one command is prepared")
			for flag := range specFlags(o) {
				assert.Regexp(t, `(?m)^\s+--`+regexp.QuoteMeta(flag)+`\b`, stdout)
			}
		})
	}
}

// TestOperationFlagsOnEveryRoute reaches each operation command's flags
// the three ways a user does: `<cmd> --help`, `help <cmd>` and shell
// completion (`__complete <cmd> --`).
func TestOperationFlagsOnEveryRoute(t *testing.T) {
	for _, o := range specOperations(t) {
		path := commandPath(o)
		routes := []struct {
			name string
			args []string
			flag func(flag string) *regexp.Regexp
		}{
			{"--help", append(slices.Clone(path), "--help"), helpFlag},
			{"help", append([]string{"help"}, path...), helpFlag},
			{"completion", append(append([]string{"__complete"}, path...), "--"), completedFlag},
		}
		for _, r := range routes {
			t.Run(o.FullName()+" "+r.name, func(t *testing.T) {
				_, stdout, stderr, err := runHeld(r.args)
				require.NoError(t, err, stderr)
				flags := specFlags(o)
				anyRequired := false
				for _, req := range flags {
					anyRequired = anyRequired || req
				}
				for flag, req := range flags {
					// Completion offers the required flags first, while
					// any is missing (cobra's rule).
					if r.name == "completion" && anyRequired && !req {
						continue
					}
					assert.Regexp(t, r.flag(flag), stdout)
				}
			})
		}
	}
}

// helpFlag matches a flag's line in help, with the placeholder of a string
// flag (every operation flag is one): a back-quoted word of the spec's
// description would make pflag show that word instead.
func helpFlag(flag string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s+--` + regexp.QuoteMeta(flag) + ` string\s`)
}

func completedFlag(flag string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^--` + regexp.QuoteMeta(flag) + `\t`)
}

// mediaExamples lists a media type's examples: example, then examples by
// name, then the schema's own example.
func mediaExamples(mt *openapi3.MediaType) []any {
	if mt == nil {
		return nil
	}
	var out []any
	if mt.Example != nil {
		out = append(out, mt.Example)
	}
	names := make([]string, 0, len(mt.Examples))
	for name := range mt.Examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			out = append(out, ex.Value.Value)
		}
	}
	if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil {
		out = append(out, mt.Schema.Value.Example)
	}
	return out
}

// successExample is the first example of the operation's success response
// that its x-success rule calls a success: the right code, and a payload
// when one is declared. It is a JSON object unless the whole body is the
// payload (a list, say).
func successExample(t *testing.T, o *specs.Operation) any {
	t.Helper()
	resp := o.Spec.Responses.Status(o.Success.Status)
	require.NotNil(t, resp, "no %d response", o.Success.Status)
	if len(o.Success.Text) > 0 {
		return textAnswer(o.Success.Text[0]) // a plain-text success
	}
	for _, ex := range mediaExamples(resp.Value.Content.Get("application/json")) {
		body := roundTrip(t, ex)
		if o.Success.CodeField == "" && o.Success.Payload == "" {
			return body
		}
		fields, ok := body.(map[string]any)
		if !ok {
			continue
		}
		if o.Success.CodeField != "" && !o.Success.CodeMatches(fields[o.Success.CodeField]) {
			continue
		}
		if o.Success.Payload != "" && !o.Success.Empty && fields[o.Success.Payload] == nil {
			continue
		}
		return body
	}
	t.Fatalf("%s: no example of a success response", o.FullName())
	return nil
}

// roundTrip gives a value the types encoding/json decodes into.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// withoutZeros drops the object members whose value is a JSON zero (null,
// "", 0, false, or an object or array left empty): the typed params and
// results omit zero values (omitzero), so a round trip through them keeps
// everything but those.
func withoutZeros(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = withoutZeros(e); !isZero(e) {
				out[k] = e
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutZeros(e)
		}
		return out
	}
	return v
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// exampleArgs are the flags that send the operation's request example,
// with the path parameters set to their examples, and the values sent.
func exampleArgs(t *testing.T, o *specs.Operation) (args []string, body map[string]any, path map[string]string) {
	t.Helper()
	path = map[string]string{}
	for _, p := range pathFields(o) {
		v := fmt.Sprint(p.schema.Example)
		if p.schema.Example == nil {
			v = "x-" + p.name
		}
		path[p.name] = v
		args = append(args, "--"+p.flag, v)
	}
	ex := o.RequestExample() // the caller's params: less an application's key pair
	if ex == nil {
		require.Nil(t, o.Spec.RequestBody, "%s: no request example", o.FullName())
		return args, nil, path
	}
	body, ok := roundTrip(t, ex).(map[string]any)
	require.True(t, ok, "%s: the request example is not an object", o.FullName())
	names := make([]string, 0, len(body))
	for name := range body {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v, ok := body[name].(string)
		if !ok {
			b, err := json.Marshal(body[name])
			require.NoError(t, err)
			v = string(b)
		}
		if slices.Contains(o.FileFields(), name) { // a file flag takes a path
			content := []byte(v)
			if o.BodyMediaType() == specs.MediaForm { // sent as Base64: the file is the decoded example
				var err error
				content, err = base64.StdEncoding.DecodeString(v)
				require.NoError(t, err)
			}
			file := filepath.Join(t.TempDir(), name)
			require.NoError(t, os.WriteFile(file, content, 0o600))
			v = file
		}
		args = append(args, "--"+kebab(name), v)
	}
	return args, body, path
}

// stub answers every request with one body and keeps what it was sent.
type stub struct {
	mu   sync.Mutex
	reqs []stubRequest
}

type stubRequest struct {
	method, path string // the path as sent, escaped
	body         []byte
	query        url.Values
	contentType  string
}

// textAnswer is a plain-text answer for startStub.
type textAnswer string

func startStub(t *testing.T, answer any, others ...stubAnswer) (*stub, string) {
	t.Helper()
	out, err := json.Marshal(answer)
	require.NoError(t, err)
	contentType := "application/json"
	if text, ok := answer.(textAnswer); ok {
		out, contentType = []byte(text), "text/plain"
	}
	s := &stub{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, o := range others { // another operation the call makes first (a token)
			if r.URL.Path == o.path {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(o.body)
				return
			}
		}
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, stubRequest{r.Method, r.URL.EscapedPath(), body, r.URL.Query(), r.Header.Get("Content-Type")})
		s.mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// stubAnswer is what the stub answers on another path: the success of an
// operation that issues a token (x-token), which the stub does not record.
type stubAnswer struct {
	path string
	body []byte
}

// tokenAnswers are the answers an x-token operation's call needs first.
func tokenAnswers(t *testing.T, o *specs.Operation) []stubAnswer {
	if o.Token == nil {
		return nil
	}
	from, ok := o.Doc.Operation(o.Token.From)
	require.True(t, ok)
	b, err := json.Marshal(successExample(t, from))
	require.NoError(t, err)
	return []stubAnswer{{path: from.SendPath, body: b}}
}

func (s *stub) requests() []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

var allCredentials = func() map[string]string {
	vars := map[string]string{EnvAccessKey: "k", EnvAccessSecret: "s", EnvDevKey: "dk", EnvDevSecret: "ds"}
	for _, v := range appCredentialVars {
		vars[v.keyVar], vars[v.secretVar] = v.set+"-key", v.set+"-secret"
	}
	return vars
}()

// TestEveryOperationRunsItsExample runs each operation's command with the
// flags of its spec's request example against a stub that answers with the
// spec's success example. The request that arrives is that operation's,
// with the example's body and path; what the command prints is the
// success's payload (the envelope's data for NXCloud, the body for
// EngageLab), or {} for an operation whose success carries nothing.
func TestEveryOperationRunsItsExample(t *testing.T) {
	for _, o := range specOperations(t) {
		t.Run(o.FullName(), func(t *testing.T) {
			answer := successExample(t, o)
			s, base := startStub(t, answer, tokenAnswers(t, o)...)
			flags, body, path := exampleArgs(t, o)
			args := append(append([]string{"--base-url", base, "--max-attempts", "1"}, commandPath(o)...), flags...)

			f := &fakeEnv{vars: allCredentials}
			code := Run(context.Background(), args, f.env(""))
			require.Equal(t, ExitOK, code, "verikit %q\nstderr:\n%s", args, &f.stderr)

			reqs := s.requests()
			require.Len(t, reqs, 1)
			// Operations that share one URL (x-path) are all its matches.
			got := o.Doc.MatchAll(reqs[0].method, reqs[0].path)
			require.NotEmpty(t, got, "%s %s is no operation of %s", reqs[0].method, reqs[0].path, o.Doc.Name)
			assert.Contains(t, got, o)
			assert.Equal(t, path, o.PathParams(reqs[0].path))
			switch {
			case body == nil:
				assert.Empty(t, reqs[0].body)
			case o.Spec.RequestBody == nil: // the params went in the query
				assert.Empty(t, reqs[0].body)
				assert.Equal(t, asText(body), queryFields(reqs[0].query, o), "the query sent is not the example the flags gave")
			case o.BodyMediaType() == specs.MediaMultipart:
				mt, params, err := mime.ParseMediaType(reqs[0].contentType)
				require.NoError(t, err)
				require.Equal(t, specs.MediaMultipart, mt)
				mr := multipart.NewReader(bytes.NewReader(reqs[0].body), params["boundary"])
				sent := map[string]string{}
				for {
					part, err := mr.NextPart()
					if err == io.EOF {
						break
					}
					require.NoError(t, err)
					b, err := io.ReadAll(part)
					require.NoError(t, err)
					sent[part.FormName()] = string(b) // a file part: its content
				}
				assert.Equal(t, asText(body), sent, "the parts sent are not the example the flags gave")
			case o.BodyMediaType() == specs.MediaForm:
				assert.Equal(t, specs.MediaForm, reqs[0].contentType)
				form, err := url.ParseQuery(string(reqs[0].body))
				require.NoError(t, err)
				assert.Equal(t, asText(body), queryFields(form, o), "the form sent is not the example the flags gave")
			default:
				var sent any
				require.NoError(t, json.Unmarshal(reqs[0].body, &sent), "%s", reqs[0].body)
				if c := o.AppCredentials; c != nil { // the pair came from the environment
					m := sent.(map[string]any)
					assert.NotEmpty(t, m[c.Key])
					delete(m, c.Key)
					delete(m, c.Secret)
				}
				assert.Equal(t, withoutZeros(body), withoutZeros(sent), "the body sent is not the example the flags gave")
			}

			if o.PayloadSchema() == nil {
				assert.True(t, o.Success.Empty)
				assert.JSONEq(t, `{}`, f.stdout.String(), "an operation that returns nothing prints {}")
				return
			}
			want := answer
			if o.Success.Payload != "" {
				fields, ok := answer.(map[string]any)
				require.True(t, ok)
				want = fields[o.Success.Payload]
			}
			var printed any
			require.NoError(t, json.Unmarshal(f.stdout.Bytes(), &printed), f.stdout.String())
			want = roundTrip(t, want)
			o.MaskSecrets(want) // credentials an answer carries print as ***
			assert.Equal(t, withoutZeros(want), withoutZeros(printed))
		})
	}
}

// asText is the example's fields as a form or query carries them.
func asText(body map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range body {
		if str, ok := v.(string); ok {
			out[k] = str
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// queryFields is a form or query's fields, less an application's key pair
// (which is checked to be there).
func queryFields(v url.Values, o *specs.Operation) map[string]string {
	out := map[string]string{}
	for k := range v {
		if slices.Contains(o.CredentialFields(), k) { // the client's own: a pair, a token
			continue
		}
		out[k] = v.Get(k)
	}
	return out
}

// TestBodyIsValidatedBeforeDecoding gives each object- or array-typed
// body field of every operation a JSON string. The spec's check, which
// runs first, names the field; the typed params' decoder never sees it.
func TestBodyIsValidatedBeforeDecoding(t *testing.T) {
	n := 0
	for _, o := range specOperations(t) {
		for _, f := range bodyFields(o) {
			var want string
			switch {
			case f.schema.Type.Is(openapi3.TypeObject):
				want = f.name + ": value must be an object"
			case f.schema.Type.Is(openapi3.TypeArray):
				want = f.name + ": value must be an array"
			default:
				continue
			}
			n++
			t.Run(o.FullName()+" --"+f.flag, func(t *testing.T) {
				s, url := startStub(t, map[string]any{})
				flags, _, _ := exampleArgs(t, o)
				i := slices.Index(flags, "--"+f.flag)
				if i < 0 {
					flags = append(flags, "--"+f.flag, `"x"`)
				} else {
					flags[i+1] = `"x"`
				}
				args := append(append([]string{"--base-url", url}, commandPath(o)...), flags...)
				env := &fakeEnv{vars: allCredentials}
				code := Run(context.Background(), args, env.env(""))
				assert.Equal(t, ExitUsage, code)
				assert.Contains(t, env.stderr.String(), want)
				assert.Contains(t, env.stderr.String(), "nothing was sent")
				assert.NotContains(t, env.stderr.String(), "do not make valid params")
				assert.Empty(t, env.stdout.String())
				assert.Empty(t, s.requests())
			})
		}
	}
	assert.NotZero(t, n, "no embedded operation has an object or array body field")
}

func TestInputDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    ota.InitParams
		wantErr string
	}{
		{name: "no body leaves the params alone", body: nil, want: ota.InitParams{Appkey: "kept"}},
		{name: "fields", body: []byte(`{"appkey":"a","phone":"1","userIp":"203.0.113.7"}`),
			want: ota.InitParams{Appkey: "a", Phone: "1", UserIP: "203.0.113.7"}},
		{name: "wrong type", body: []byte(`{"appkey":1}`), wantErr: "the flags do not make valid params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ota.InitParams{Appkey: "kept"}
			err := input{body: tt.body}.decode(&p)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.ErrorAs(t, err, new(usageError))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
}

// TestEveryFlagSaysWhatItIs: each flag an operation command takes from its
// spec (a body field, a path or query parameter) has help text of its own
// before the example the help shows.
func TestEveryFlagSaysWhatItIs(t *testing.T) {
	root, lazy := newRoot((&fakeEnv{}).env(""))
	docs, err := specs.All()
	require.NoError(t, err)
	for _, d := range docs {
		for _, o := range d.Operations {
			cmd := findOperationCommand(t, root, lazy, o)
			cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name == "help" || f.Name == paramsFlag {
					return
				}
				text := strings.TrimSpace(f.Usage)
				assert.False(t, text == "" || strings.HasPrefix(text, "(e.g.") || strings.HasPrefix(text, "["),
					"%s --%s has no help text: %q", cmd.CommandPath(), f.Name, f.Usage)
			})
		}
	}
}
