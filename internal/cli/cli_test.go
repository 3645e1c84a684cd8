package cli

// In-process tests of the command's helpers. The binary is exercised end to
// end in e2e_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

func TestKebab(t *testing.T) {
	tests := []struct{ in, want string }{
		{"userIp", "user-ip"},
		{"phone_number", "phone-number"},
		{"checkCode", "check-code"},
		{"requestId", "request-id"},
		{"appkey", "appkey"},
		{"message_id", "message-id"},
		{"verify_code", "verify-code"},
		{"init", "init"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, kebab(tt.in))
		})
	}
}

// fakeEnv is an Env with in-memory streams and environment.
type fakeEnv struct {
	stdout, stderr bytes.Buffer
	vars           map[string]string
}

func (f *fakeEnv) env(stdin string) Env {
	return Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &f.stdout,
		Stderr: &f.stderr,
		Getenv: func(k string) string { return f.vars[k] },
	}
}

func TestRunInProcess(t *testing.T) {
	all := map[string]string{
		EnvAccessKey: "k", EnvAccessSecret: "s", EnvDevKey: "dk", EnvDevSecret: "ds",
	}
	without := func(name string) map[string]string {
		m := map[string]string{}
		for k, v := range all {
			if k != name {
				m[k] = v
			}
		}
		return m
	}
	// Port 1 on loopback refuses connections: should a case get past its
	// usage check, it fails with exit 1 instead of reaching a real host.
	const nowhere = "http://127.0.0.1:1"
	ota := []string{"--base-url", nowhere, "--max-attempts", "1", "nxcloud", "ota", "init", "--appkey", "a", "--phone", "1", "--user-ip", "1"}
	otp := []string{"--base-url", nowhere, "engagelab", "otp", "verify", "--message-id", "m", "--verify-code", "1"}
	tests := []struct {
		name       string
		vars       map[string]string
		stdin      string
		args       []string
		wantExit   int
		wantStdout string
		wantStderr string
	}{
		{name: "no access key", vars: without(EnvAccessKey), args: ota, wantExit: ExitUsage, wantStderr: EnvAccessKey},
		{name: "no access secret", vars: without(EnvAccessSecret), args: ota, wantExit: ExitUsage, wantStderr: EnvAccessSecret},
		{name: "no dev key", vars: without(EnvDevKey), args: otp, wantExit: ExitUsage, wantStderr: EnvDevKey},
		{name: "no dev secret", vars: without(EnvDevSecret), args: otp, wantExit: ExitUsage, wantStderr: EnvDevSecret},
		{name: "unknown command", vars: all, args: []string{"bogus"}, wantExit: ExitUsage, wantStderr: `unknown command "bogus"`},
		{name: "unknown flag", vars: all, args: append(ota, "--bogus"), wantExit: ExitUsage, wantStderr: "--bogus"},
		{name: "bad algorithm", vars: all, args: []string{"nxcloud", "--sign-algorithm", "crc32", "ota", "init", "--appkey", "a", "--phone", "1", "--user-ip", "1"},
			wantExit: ExitUsage, wantStderr: "crc32"},
		{name: "empty required value", vars: all, args: []string{"--base-url", nowhere, "nxcloud", "ota", "init", "--appkey", "a", "--phone", "", "--user-ip", "1"},
			wantExit: ExitUsage, wantStderr: "nothing was sent"},
		{name: "transport error", vars: all, args: ota, wantExit: ExitAPI, wantStderr: "127.0.0.1:1"},
		{name: "help", args: []string{"--help"}, wantExit: ExitOK, wantStdout: "Usage:"},
		{name: "sign", vars: map[string]string{EnvAccessSecret: "abciiiko2k3"}, stdin: `{"name":"牛小信","id":10001}`,
			args:     []string{"sign", "--access-key", "fme2na3kdi3ki", "--ts", "1655710885431", "--biz-type", "1", "--action", "send"},
			wantExit: ExitOK, wantStdout: "sign: 87c3560d3331ae23f1021e2025722354\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeEnv{vars: tt.vars}
			code := Run(context.Background(), tt.args, f.env(tt.stdin))
			require.Equal(t, tt.wantExit, code, "stdout:\n%s\nstderr:\n%s", &f.stdout, &f.stderr)
			assert.Contains(t, f.stdout.String(), tt.wantStdout)
			assert.Contains(t, f.stderr.String(), tt.wantStderr)
			if tt.wantExit != ExitOK {
				assert.Empty(t, f.stdout.String())
			}
			assert.NotContains(t, f.stdout.String()+f.stderr.String(), "abciiiko2k3")
		})
	}
}

func TestCredentials(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr string
	}{
		{name: "both set", vars: map[string]string{"K": "k", "S": "s"}},
		{name: "no key", vars: map[string]string{"S": "s"}, wantErr: "K is not set"},
		{name: "no secret", vars: map[string]string{"K": "k"}, wantErr: "S is not set"},
		{name: "empty secret", vars: map[string]string{"K": "k", "S": ""}, wantErr: "S is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := Env{Getenv: func(k string) string { return tt.vars[k] }}
			key, secret, err := credentials(env, "K", "S")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.ErrorAs(t, err, new(usageError))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "k", key)
			assert.Equal(t, "s", secret)
		})
	}
}

// specOperations lists every operation of every embedded spec.
func specOperations(t *testing.T) []*specs.Operation {
	t.Helper()
	docs, err := specs.All()
	require.NoError(t, err)
	var ops []*specs.Operation
	for _, d := range docs {
		ops = append(ops, d.Operations...)
	}
	require.NotEmpty(t, ops, "no operations in the embedded specs")
	return ops
}

// commandPath is where the spec says an operation's command is: verikit
// <vendor> <product> <operation>, from the spec's x-sdk and operationId.
func commandPath(o *specs.Operation) []string {
	return []string{o.Doc.SDK.Vendor, o.Doc.SDK.Command, kebab(o.ID)}
}

// specFlags are the flags the spec gives an operation's command, each with
// whether it is required: one per top-level body property and per path
// parameter (on the operation or its path item).
func specFlags(o *specs.Operation) map[string]bool {
	want := map[string]bool{}
	// The caller's params: the body less an application's key pair (which
	// comes from the environment), or a GET's query parameters.
	for _, f := range o.ParamFields() {
		want[kebab(f.Name)] = f.Required
	}
	if _, own := want[paramsFlag]; len(want) > 0 && !own {
		want[paramsFlag] = false // every field at once (--params @file.json)
	}
	params := o.Spec.Parameters
	if item := o.Doc.OpenAPI.Paths.Value(o.Path); item != nil {
		params = append(append(openapi3.Parameters{}, params...), item.Parameters...)
	}
	for _, p := range params {
		if p.Value.In == openapi3.ParameterInPath {
			want[kebab(p.Value.Name)] = true
		}
	}
	return want
}

// findOperationCommand finds an operation's command in root's tree, which
// must be one of lazy's operation commands, and prepares it.
func findOperationCommand(t *testing.T, root *cobra.Command, lazy lazyFlags, o *specs.Operation) *cobra.Command {
	t.Helper()
	cmd, rest, err := root.Find(commandPath(o))
	require.NoError(t, err)
	require.Empty(t, rest)
	require.Equal(t, commandPath(o), strings.Fields(cmd.CommandPath())[1:])
	require.Contains(t, lazy, cmd, "%s is not an operation command, or was prepared already", cmd.CommandPath())
	lazy.prepare(cmd)
	return cmd
}

// TestOperationFlagsFollowSpec checks that each operation command has one
// flag per top-level body property and path parameter, named in kebab case,
// required exactly when the spec requires the property (a path parameter
// always), that its example sets every required flag, and that its help is
// the spec's summary and description.
func TestOperationFlagsFollowSpec(t *testing.T) {
	root, lazy := newRoot((&fakeEnv{}).env(""))
	for _, o := range specOperations(t) {
		t.Run(o.FullName(), func(t *testing.T) {
			cmd := findOperationCommand(t, root, lazy, o)
			want := specFlags(o)
			got := map[string]bool{}
			cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if f.Name == "help" {
					return
				}
				_, required := f.Annotations[cobra.BashCompOneRequiredFlag]
				got[f.Name] = required
			})
			assert.Equal(t, want, got)
			for flag, required := range want {
				if required {
					assert.Contains(t, cmd.Example, " --"+flag+" ")
				}
			}
			assert.True(t, strings.HasPrefix(cmd.Example, "  verikit "+strings.Join(commandPath(o), " ")), cmd.Example)
			assert.NotEmpty(t, cmd.Short)
			// Help names commands (check-code), not operationIds.
			assert.Equal(t, commandNames(o.Doc, o.Spec.Summary), cmd.Short)
			assert.Contains(t, cmd.Long, commandNames(o.Doc, o.Spec.Summary))
			assert.Contains(t, cmd.Long, commandNames(o.Doc, strings.TrimSpace(o.Spec.Description)))
		})
	}
}

// TestLazyFlags checks the mechanism that keeps start-up from parsing the
// specs: an operation command has no flags of its own until it is
// prepared, preparing defines them once and forgets the command, and
// preparing again (or preparing a command that is not an operation's) does
// nothing.
func TestLazyFlags(t *testing.T) {
	root, lazy := newRoot((&fakeEnv{}).env(""))
	ops := specOperations(t)
	require.Len(t, lazy.operations(), len(ops), "one lazy entry per spec operation")
	for _, o := range ops {
		t.Run(o.FullName(), func(t *testing.T) {
			cmd, _, err := root.Find(commandPath(o))
			require.NoError(t, err)
			require.Contains(t, lazy, cmd)
			n := 0
			cmd.LocalNonPersistentFlags().VisitAll(func(*pflag.Flag) { n++ })
			assert.Zero(t, n, "flags defined before prepare")
			assert.Empty(t, cmd.Example, "the example is read from the spec, on prepare")

			before := len(lazy.operations())
			lazy.prepare(cmd)
			assert.NotContains(t, lazy, cmd, "a prepared command is forgotten")
			assert.Len(t, lazy.operations(), before-1, "prepare touches that command only")
			assert.NotEmpty(t, cmd.Example)
			if len(o.ParamFields()) > 0 || strings.Contains(o.Path, "{") {
				assert.True(t, cmd.HasAvailableLocalFlags(), "no flags after prepare")
			}
			assert.NotPanics(t, func() { lazy.prepare(cmd) }, "preparing twice redefines no flag")
			assert.Len(t, lazy.operations(), before-1)
		})
	}
	assert.Empty(t, lazy.operations())
	for _, args := range [][]string{{}, {"nxcloud"}, {"nxcloud", "ota"}, {"sign"}, {"mock"}} {
		cmd, _, err := root.Find(args)
		require.NoError(t, err)
		assert.NotPanics(t, func() { lazy.prepare(cmd) }, "%q is not an operation command", args)
	}
}

func TestBuildBody(t *testing.T) {
	fields := []field{
		{name: "str", flag: "str", schema: openapi3.NewStringSchema()},
		{name: "int", flag: "int", schema: openapi3.NewIntegerSchema()},
		{name: "num", flag: "num", schema: openapi3.NewFloat64Schema()},
		{name: "bool", flag: "bool", schema: openapi3.NewBoolSchema()},
		{name: "obj", flag: "obj", schema: openapi3.NewObjectSchema()},
		{name: "any", flag: "any", schema: &openapi3.Schema{}},
	}
	tests := []struct {
		name     string
		args     []string
		wantJSON string
		wantErr  string
	}{
		{name: "nothing set", wantJSON: `{}`},
		{name: "string kept as is", args: []string{"--str", "007"}, wantJSON: `{"str":"007"}`},
		{name: "empty string is sent", args: []string{"--str", ""}, wantJSON: `{"str":""}`},
		{name: "integer", args: []string{"--int", "42"}, wantJSON: `{"int":42}`},
		{name: "big integer", args: []string{"--int", "1725407449772531712"}, wantJSON: `{"int":1725407449772531712}`},
		{name: "number", args: []string{"--num", "1.5"}, wantJSON: `{"num":1.5}`},
		{name: "boolean", args: []string{"--bool", "true"}, wantJSON: `{"bool":true}`},
		{name: "object as JSON", args: []string{"--obj", `{"a":[1,2]}`}, wantJSON: `{"obj":{"a":[1,2]}}`},
		{name: "untyped as JSON", args: []string{"--any", `"x"`}, wantJSON: `{"any":"x"}`},
		{name: "all together", args: []string{"--str", "s", "--int", "-1", "--bool", "false"}, wantJSON: `{"bool":false,"int":-1,"str":"s"}`},
		{name: "bad integer", args: []string{"--int", "4.2"}, wantErr: `--int: "4.2" is not a valid integer`},
		{name: "bad number", args: []string{"--num", "x"}, wantErr: `--num: "x" is not a valid number`},
		{name: "bad boolean", args: []string{"--bool", "maybe"}, wantErr: `--bool: "maybe" is not a valid boolean`},
		{name: "bad JSON", args: []string{"--obj", "{"}, wantErr: `--obj: "{" is not a valid object`},
		{name: "bad untyped", args: []string{"--any", "x"}, wantErr: `--any: "x" is not a valid JSON value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "op"}
			values := map[string]*string{}
			for _, f := range fields {
				values[f.name] = cmd.Flags().String(f.flag, "", "")
			}
			require.NoError(t, cmd.Flags().Parse(tt.args))
			fieldsSet, err := buildBody(cmd, fields, values, nil, nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			body, err := json.Marshal(fieldsSet)
			require.NoError(t, err)
			// json.Marshal sorts map keys, so the bytes are deterministic;
			// comparing them also catches a big integer turned into a float.
			assert.Equal(t, tt.wantJSON, string(body))
		})
	}
}

// TestEveryOperationHasACommand keeps the generated tables and the command
// tree complete: each spec has its product command, each operation of
// every spec is bound once, at the command path its spec names, to a
// command with a call, and nothing else is.
func TestEveryOperationHasACommand(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	wantProducts := map[product]bool{}
	want := map[string]operation{} // full name → the binding the spec implies
	for _, d := range docs {
		wantProducts[product{vendor: d.SDK.Vendor, command: d.SDK.Command, spec: d.Name, title: d.OpenAPI.Info.Title}] = true
		for _, o := range d.Operations {
			want[o.FullName()] = operation{
				vendor: d.SDK.Vendor, product: d.SDK.Command, spec: d.Name, id: o.ID,
				command: kebab(o.ID), summary: o.Spec.Summary,
			}
			if set := o.CredentialSet(); set != "" {
				w := want[o.FullName()]
				w.credentials = set
				want[o.FullName()] = w
			}
		}
	}
	gotProducts := map[product]bool{}
	for _, p := range products {
		assert.False(t, gotProducts[p], "product %+v is listed twice", p)
		gotProducts[p] = true
	}
	assert.Equal(t, wantProducts, gotProducts)

	got := map[string]operation{}
	for _, op := range operations {
		name := op.spec + " " + op.id
		_, twice := got[name]
		assert.False(t, twice, "%s is bound twice", name)
		assert.NotNil(t, op.call, "%s has no call", name)
		op.call = nil // funcs do not compare
		got[name] = op
	}
	assert.Equal(t, want, got)

	root, lazy := newRoot((&fakeEnv{}).env(""))
	for _, d := range docs {
		for _, o := range d.Operations {
			findOperationCommand(t, root, lazy, o)
		}
	}
	assert.Empty(t, lazy.operations(), "an operation command that no spec operation names")
}

// operations are the lazy entries of operation commands (others, such as
// the mock's flag help, are not counted).
func (l lazyFlags) operations() []*cobra.Command {
	var out []*cobra.Command
	for c := range l {
		if c.Annotations[annotationOperation] != "" {
			out = append(out, c)
		}
	}
	return out
}
