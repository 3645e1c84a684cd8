package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/cobra"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// product is one spec's command below its vendor's (operations.gen.go).
type product struct {
	vendor, command, spec, title string
}

// operation binds one spec operation to a command and to the typed method
// users call (operations.gen.go). Everything else — flags, help, required
// fields, examples — is read from the spec when the command is used.
type operation struct {
	vendor, product  string // command path: verikit <vendor> <product> <command>
	spec, id         string // the spec and operationId
	command, summary string
	call             func(ctx context.Context, c *clients, in input) (any, error)
}

// input is what the flags of an operation command built: the JSON body
// (nil for an operation without one) and the path parameters by name.
type input struct {
	body []byte
	path map[string]string
}

// decode fills an operation's typed params from the body the flags built.
func (in input) decode(dst any) error {
	if in.body == nil {
		return nil
	}
	if err := json.Unmarshal(in.body, dst); err != nil {
		return usagef("the flags do not make valid params: %v", err)
	}
	return nil
}

// done is what an operation that returns nothing prints.
var done = struct{}{}

// lazyFlags holds, per operation command, the function that reads its spec
// and defines its flags. Run calls it for the one command being run, so
// that start-up parses no spec the command line does not need.
type lazyFlags map[*cobra.Command]func()

// prepare defines the flags of cmd, if it is an operation command.
func (l lazyFlags) prepare(cmd *cobra.Command) {
	if f := l[cmd]; f != nil {
		f()
		delete(l, cmd)
	}
}

// prepareFor defines the flags of the command args name, and of the
// target of `help <command>` and of shell completion, which name it after
// their own word.
func (l lazyFlags) prepareFor(root *cobra.Command, args []string) {
	// cobra adds its help and completion commands only when it executes,
	// so they are recognised here by their word.
	if len(args) > 1 && (args[0] == "help" || strings.HasPrefix(args[0], "__complete")) {
		args = args[1:]
	}
	if cmd, _, err := root.Find(args); err == nil {
		l.prepare(cmd)
	}
}

// vendorCommand builds `verikit <vendor>` with a child per product and a
// grandchild per operation.
func vendorCommand(env Env, g *globals, lazy lazyFlags, vendor, short string) *cobra.Command {
	cmd := group(vendor, short)
	if vendor == "nxcloud" {
		cmd.PersistentFlags().StringVar(&g.algorithm, "sign-algorithm", "md5", "signature hash: md5 or sha256")
	}
	groups := map[string]*cobra.Command{}
	for _, p := range products {
		if p.vendor == vendor {
			groups[p.command] = group(p.command, p.title)
			cmd.AddCommand(groups[p.command])
		}
	}
	for _, op := range operations {
		if op.vendor == vendor {
			groups[op.product].AddCommand(operationCommand(env, g, lazy, op))
		}
	}
	return cmd
}

// noArgs rejects stray arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// group is a command that only holds subcommands: bare, it shows its help;
// with an unknown subcommand, it is a usage error.
func group(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
}

func operationCommand(env Env, g *globals, lazy lazyFlags, op operation) *cobra.Command {
	cmd := &cobra.Command{
		Use:   op.command,
		Short: op.summary,
		Args:  noArgs,
	}
	var (
		o              *specs.Operation
		params, fields []field
		values         = map[string]*string{}
	)
	lazy[cmd] = func() {
		spec := specs.MustLoad(op.spec)
		var found bool
		if o, found = spec.Operation(op.id); !found {
			panic(fmt.Sprintf("cli: %s has no operation %s", op.spec, op.id)) // caught by the CLI tests
		}
		params, fields = pathFields(o), bodyFields(o)
		cmd.Long = strings.TrimSpace(o.Spec.Summary + "\n\n" + o.Spec.Description)
		cmd.Example = exampleLine(op, append(params, fields...))
		for _, f := range append(params, fields...) {
			values[f.flag] = cmd.Flags().String(f.flag, "", f.help)
			if f.required {
				_ = cmd.MarkFlagRequired(f.flag)
			}
		}
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		in := input{path: map[string]string{}}
		for _, p := range params {
			if in.path[p.name] = *values[p.flag]; in.path[p.name] == "" {
				return usagef("--%s must not be empty", p.flag)
			}
		}
		if o.BodySchema() != nil {
			var err error
			if in.body, err = buildBody(cmd, fields, values); err != nil {
				return usageError{err}
			}
			// The spec's own messages, before the flags become typed params.
			if problems := o.ValidateBody(in.body); len(problems) > 0 {
				return &apierror.ValidationError{Operation: o.FullName(), Problems: problems}
			}
		}
		c, err := newClients(env, g, op.vendor)
		if err != nil {
			return err
		}
		res, err := op.call(cmd.Context(), c, in)
		if err != nil {
			return failed(err)
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return failed(enc.Encode(res))
	}
	return cmd
}

// pathFields are the operation's path parameters, each a required flag.
func pathFields(o *specs.Operation) []field {
	var out []field
	// Parameters may sit on the path item (shared) or on the operation.
	var all openapi3.Parameters
	if item := o.Doc.OpenAPI.Paths.Value(o.Path); item != nil {
		all = item.Parameters
	}
	seen := map[string]bool{}
	all = append(append(openapi3.Parameters{}, o.Spec.Parameters...), all...) // the operation's own win
	for _, ref := range all {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInPath || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		f := field{name: p.Name, flag: kebab(p.Name), required: true, help: strings.ReplaceAll(p.Description, "`", "")}
		if p.Schema != nil && p.Schema.Value != nil {
			f.schema = p.Schema.Value
		} else {
			f.schema = openapi3.NewStringSchema()
		}
		if p.Example != nil {
			f.schema = &openapi3.Schema{Type: f.schema.Type, Example: p.Example}
		}
		if f.schema.Example != nil {
			f.help += fmt.Sprintf(" (e.g. %v)", f.schema.Example)
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].flag < out[j].flag })
	return out
}

// field is one top-level body property or path parameter, exposed as a flag.
type field struct {
	name, flag, help string
	required         bool
	schema           *openapi3.Schema
}

func bodyFields(o *specs.Operation) []field {
	s := o.BodySchema()
	if s == nil {
		return nil
	}
	var out []field
	for name, ref := range s.Properties {
		f := field{name: name, flag: kebab(name), schema: ref.Value}
		for _, r := range s.Required {
			f.required = f.required || r == name
		}
		// pflag would take a `quoted` word as the value's placeholder.
		f.help = strings.ReplaceAll(ref.Value.Description, "`", "")
		if ref.Value.Example != nil {
			f.help += fmt.Sprintf(" (e.g. %v)", ref.Value.Example)
		}
		if !ref.Value.Type.Is(openapi3.TypeString) && !ref.Value.Type.Is(openapi3.TypeInteger) &&
			!ref.Value.Type.Is(openapi3.TypeNumber) && !ref.Value.Type.Is(openapi3.TypeBoolean) {
			f.help += " [JSON]"
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].flag < out[j].flag })
	return out
}

// buildBody turns the flags that were set into the JSON body, converting
// each value to its schema type. Unset flags are left out, so the spec's
// required fields are enforced by the client's own check.
func buildBody(cmd *cobra.Command, fields []field, values map[string]*string) ([]byte, error) {
	body := map[string]any{}
	for _, f := range fields {
		if !cmd.Flags().Changed(f.flag) {
			continue
		}
		raw := *values[f.flag]
		var v any = raw
		var err error
		switch {
		case f.schema.Type.Is(openapi3.TypeString):
		case f.schema.Type.Is(openapi3.TypeInteger):
			v, err = strconv.ParseInt(raw, 10, 64)
		case f.schema.Type.Is(openapi3.TypeNumber):
			v, err = strconv.ParseFloat(raw, 64)
		case f.schema.Type.Is(openapi3.TypeBoolean):
			v, err = strconv.ParseBool(raw)
		default:
			err = json.Unmarshal([]byte(raw), &v)
		}
		if err != nil {
			return nil, fmt.Errorf("--%s: %q is not a valid %s", f.flag, raw, typeName(f.schema))
		}
		body[f.name] = v
	}
	return json.Marshal(body)
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		return "JSON value"
	}
	return (*s.Type)[0]
}

// exampleLine shows the command with each required flag set to its example.
func exampleLine(op operation, fields []field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  verikit %s %s %s", op.vendor, op.product, op.command)
	for _, f := range fields {
		if f.required && f.schema.Example != nil {
			fmt.Fprintf(&b, " --%s %v", f.flag, f.schema.Example)
		}
	}
	return b.String()
}

// kebab turns a JSON field or operationId into a flag or command name:
// userIp → user-ip, phone_number → phone-number, checkCode → check-code.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '_':
			b.WriteByte('-')
		case unicode.IsUpper(r):
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
