package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/cobra"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
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
	credentials      string // the application key pair it sends (x-app-credentials), or ""
	call             func(ctx context.Context, c *clients, in input) (any, error)
}

// credentialVars names the environment variables of one application key
// pair (operations.gen.go).
type credentialVars struct {
	vendor, set, keyVar, secretVar string
}

// input is what the flags of an operation command built: the JSON body
// (nil for an operation without one) and the path parameters by name.
type input struct {
	body []byte
	path map[string]string
	// files are a multipart operation's file flags, opened, by field.
	files map[string]upload.File
}

// decode fills an operation's typed params from the body the flags built.
func (in input) decode(dst any) error {
	if in.body == nil {
		return nil
	}
	if err := json.Unmarshal(in.body, dst); err != nil {
		return usagef("the flags do not make valid params: %v", err)
	}
	return setFiles(dst, in.files)
}

// setFiles puts each opened file into the params field of its JSON name.
func setFiles(dst any, files map[string]upload.File) error {
	if len(files) == 0 {
		return nil
	}
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if f, ok := files[name]; ok && v.Field(i).Type() == reflect.TypeFor[upload.File]() {
			v.Field(i).Set(reflect.ValueOf(f))
			delete(files, name)
		}
	}
	for name := range files {
		return fmt.Errorf("cli: the params have no file field %s", name) // a codegen bug
	}
	return nil
}

// openFiles opens each file flag of a multipart operation (a path, or -
// for standard input) and takes it out of the JSON body, which keeps
// the file's name in its place for the spec's check.
func openFiles(o *specs.Operation, body map[string]any, stdin io.Reader, closers *[]io.Closer) (map[string]upload.File, error) {
	files := map[string]upload.File{}
	for _, name := range o.FileFields() {
		path, ok := body[name].(string)
		if !ok {
			continue
		}
		f := upload.File{Name: filepath.Base(path)}
		if path == "-" {
			f.Name, f.Body = name, stdin
		} else {
			fh, err := os.Open(path)
			if err != nil {
				return nil, usagef("--%s: %v", kebab(name), err)
			}
			*closers = append(*closers, fh)
			f.Body = fh
		}
		f.ContentType = mime.TypeByExtension(filepath.Ext(path))
		files[name] = f
		body[name] = f.Name
		if o.BodyMediaType() == specs.MediaForm {
			body[name] = "AAAA" // sent as Base64: the spec's check sees Base64
		}
	}
	return files, nil
}

// done is what an operation that returns nothing prints.
var done = struct{}{}

// lazyFlags holds, per operation command, the function that reads its spec
// and defines its flags, and per product command the function that adds
// its operation commands. Run calls them for the commands its arguments
// name only, so that start-up neither parses a spec nor builds a command
// the command line does not need: its cost does not grow with the number
// of products.
type lazyFlags map[*cobra.Command]func()

// annotationGroup marks a vendor or product command whose subcommands are
// added on demand (lazyFlags).
const annotationGroup = "verikit/lazy-group"

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
	// Each word that names a subcommand of the command reached so far is
	// prepared: a product adds its operations, an operation its flags. A
	// flag's value that happens to name a command only costs that command.
	cmd := root
	for _, word := range args {
		if strings.HasPrefix(word, "-") {
			continue
		}
		next := child(cmd, word)
		if next == nil {
			continue
		}
		l.prepare(next)
		cmd = next
	}
}

// prepareAll adds every product's operation commands (their flags stay
// lazy), for what walks the whole tree.
func (l lazyFlags) prepareAll() {
	for {
		var groups []*cobra.Command
		for c := range l {
			if c.Annotations[annotationGroup] != "" {
				groups = append(groups, c)
			}
		}
		if len(groups) == 0 {
			return
		}
		for _, c := range groups { // a vendor's adds its products, lazy in turn
			l.prepare(c)
		}
	}
}

// child is cmd's subcommand called (or aliased) name, or nil.
func child(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

// vendorCommand builds `verikit <vendor>` with a child per product and a
// grandchild per operation.
func vendorCommand(env Env, g *globals, lazy lazyFlags, vendor, short string) *cobra.Command {
	cmd := group(vendor, short)
	if vendor == "nxcloud" {
		cmd.PersistentFlags().StringVar(&g.algorithm, "sign-algorithm", "md5", "signature hash: md5 or sha256")
	}
	cmd.Annotations = map[string]string{annotationGroup: vendor}
	lazy[cmd] = func() {
		for _, p := range products {
			if p.vendor != vendor {
				continue
			}
			pc := group(p.command, p.title)
			pc.Annotations = map[string]string{annotationGroup: p.spec}
			lazy[pc] = func() {
				for _, op := range operations {
					if op.vendor == vendor && op.product == p.command {
						pc.AddCommand(operationCommand(env, g, lazy, op))
					}
				}
			}
			cmd.AddCommand(pc)
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
		Use:         op.command,
		Short:       op.summary,
		Args:        noArgs,
		Annotations: map[string]string{annotationOperation: op.spec + " " + op.id},
	}
	var (
		o              *specs.Operation
		params, fields []field
		values         = map[string]*string{}
		// whole is --params: every body field at once, from JSON, a file
		// (@file.json) or standard input (@-); the other flags override it.
		whole     *string
		wholeBody map[string]any
	)
	lazy[cmd] = func() {
		spec := specs.MustLoad(op.spec)
		var found bool
		if o, found = spec.Operation(op.id); !found {
			panic(fmt.Sprintf("cli: %s has no operation %s", op.spec, op.id)) // caught by the CLI tests
		}
		params, fields = pathFields(o), bodyFields(o)
		cmd.Short = commandNames(o.Doc, o.Spec.Summary)
		cmd.Long = commandNames(o.Doc, strings.TrimSpace(o.Spec.Summary+"\n\n"+o.Spec.Description))
		cmd.Example = exampleLine(op, append(params, fields...))
		for _, v := range appCredentialVars {
			if v.vendor == op.vendor && v.set == op.credentials {
				cmd.Long += fmt.Sprintf("\n\nIt sends the %s application's key pair, read from %s and %s.", v.set, v.keyVar, v.secretVar)
			}
		}
		for _, f := range append(params, fields...) {
			values[f.flag] = cmd.Flags().String(f.flag, "", f.help)
			if f.required {
				_ = cmd.MarkFlagRequired(f.flag)
			}
		}
		if len(fields) > 0 && cmd.Flags().Lookup(paramsFlag) == nil {
			whole = cmd.Flags().String(paramsFlag, "", "every body field at once, as a JSON object, @file.json or @- (standard input); the other flags override its fields [JSON]")
		}
		markRequired(cmd)
	}
	// Before cobra checks required flags: a field --params gives needs no
	// flag of its own.
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if err := noArgs(cmd, args); err != nil {
			return err
		}
		if whole == nil || !cmd.Flags().Changed(paramsFlag) {
			return nil
		}
		raw, err := jsonArg(*whole, env.Stdin)
		if err != nil {
			return usagef("--%s: %v", paramsFlag, err)
		}
		if wholeBody, err = decodeObject(raw); err != nil {
			return usagef("--%s: %v", paramsFlag, err)
		}
		for _, f := range fields {
			if _, given := wholeBody[f.name]; given {
				if fl := cmd.Flags().Lookup(f.flag); fl != nil {
					delete(fl.Annotations, cobra.BashCompOneRequiredFlag)
				}
			}
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		in := input{path: map[string]string{}}
		for _, p := range params {
			if in.path[p.name] = *values[p.flag]; in.path[p.name] == "" {
				return usagef("--%s must not be empty", p.flag)
			}
		}
		if len(fields) > 0 || o.BodySchema() != nil {
			body, err := buildBody(cmd, fields, values, wholeBody, env.Stdin)
			if err != nil {
				return usageError{err}
			}
			var closers []io.Closer
			defer func() {
				for _, c := range closers {
					c.Close()
				}
			}()
			if in.files, err = openFiles(o, body, env.Stdin, &closers); err != nil {
				return err
			}
			if in.body, err = json.Marshal(body); err != nil {
				return failed(err)
			}
			// The spec's own messages, before the flags become typed params.
			if problems := o.ValidateParams(in.body); len(problems) > 0 {
				return &apierror.ValidationError{Operation: o.FullName(), Problems: problems}
			}
			if len(in.files) > 0 { // the files travel apart from the JSON
				for name := range in.files {
					delete(body, name)
				}
				if in.body, err = json.Marshal(body); err != nil {
					return failed(err)
				}
			}
		}
		c, err := newClients(env, g, op, o.Signed())
		if err != nil {
			return err
		}
		res, err := op.call(cmd.Context(), c, in)
		if err != nil {
			return failed(err)
		}
		out, err := printable(o, res, g.showSecrets)
		if err != nil {
			return failed(err)
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return failed(enc.Encode(out))
	}
	return cmd
}

// printable is a result as the CLI prints it: with credentials an answer
// carries (fields marked x-secret, an echoed application key pair)
// replaced by "***", unless --show-secrets asks for them.
func printable(o *specs.Operation, res any, show bool) (any, error) {
	if show {
		return res, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers print as they were
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	o.MaskSecrets(v)
	return v, nil
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
		f := field{name: p.Name, flag: kebab(p.Name), required: true, help: flagHelp(o.Doc, p.Description)}
		if p.Schema != nil && p.Schema.Value != nil {
			f.schema = p.Schema.Value
		} else {
			f.schema = openapi3.NewStringSchema()
		}
		f.example = f.schema.Example
		if p.Example != nil {
			f.example = p.Example
		}
		if f.example != nil {
			f.help += " (e.g. " + shellQuote(flagValue(f.schema, f.example)) + ")"
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
	// example is the value the help shows: the operation's request example
	// when it has the field (a coherent request), else the schema's own.
	example any
	// inExample reports that the request example sets the field; the
	// example line then sets it too, required or not.
	inExample bool
}

func bodyFields(o *specs.Operation) []field {
	request := requestExample(o)
	var out []field
	for _, pf := range o.ParamFields() {
		f := field{name: pf.Name, flag: kebab(pf.Name), schema: pf.Schema, example: pf.Example, required: pf.Required}
		if v, ok := request[pf.Name]; ok {
			f.example, f.inExample = v, true
		}
		f.help = flagHelp(o.Doc, pf.Description)
		if slices.Contains(o.FileFields(), pf.Name) { // a file, streamed from the path
			f.example = "./" + pf.Name
			f.help += " [file: a path, or - for standard input]"
		}
		if f.example != nil {
			f.help += " (e.g. " + shellQuote(flagValue(f.schema, f.example)) + ")"
		}
		if !isScalar(pf.Schema) {
			f.help += " [JSON]"
		}
		out = append(out, f)
	}
	return out
}

// requestExample is the operation's request body example, as an object,
// or nil.
func requestExample(o *specs.Operation) map[string]any {
	rb := o.Spec.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get(o.BodyMediaType())
	if mt == nil {
		return nil
	}
	spec, _ := mt.Example.(map[string]any)
	ex := make(map[string]any, len(spec)) // a copy: the spec's own is shared
	for k, v := range spec {
		if c := o.AppCredentials; c == nil || (k != c.Key && k != c.Secret) { // the pair comes from the environment
			ex[k] = v
		}
	}
	return ex
}

// isScalar reports whether a flag of this schema takes its value as text
// rather than as JSON.
func isScalar(s *openapi3.Schema) bool {
	return s.Type.Is(openapi3.TypeString) || s.Type.Is(openapi3.TypeInteger) ||
		s.Type.Is(openapi3.TypeNumber) || s.Type.Is(openapi3.TypeBoolean)
}

// flagValue is what a user types for v: a string as it is (buildBody
// sends a string flag's text unchanged), anything else as compact JSON,
// which is also how a number or boolean is written.
func flagValue(s *openapi3.Schema, v any) string {
	if str, ok := v.(string); ok && s.Type.Is(openapi3.TypeString) {
		return str
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // <p> stays <p> in an e-mail template
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// shellQuote quotes s for a POSIX shell: as it is when it holds only
// characters no shell treats specially, else in single quotes (a quote
// inside written '\”).
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandNames rewrites the operationIds a spec's text names in back
// quotes (`checkCode`) as the commands that run them (`check-code`).
func commandNames(d *specs.Document, text string) string {
	for _, o := range d.Operations {
		if k := kebab(o.ID); k != o.ID {
			text = strings.ReplaceAll(text, "`"+o.ID+"`", "`"+k+"`")
		}
	}
	return text
}

// flagHelp is a spec description as a flag's help: operationIds as
// command names, and no back quotes, since pflag would take a `quoted`
// word as the value's placeholder.
func flagHelp(d *specs.Document, description string) string {
	return strings.ReplaceAll(commandNames(d, strings.TrimSpace(description)), "`", "")
}

// buildBody turns the flags that were set into the JSON body, converting
// each value to its schema type, over the fields --params gave (whole).
// Unset flags are left out, so the spec's required fields are enforced by
// the client's own check. A JSON flag also takes @file.json or @-.
func buildBody(cmd *cobra.Command, fields []field, values map[string]*string, whole map[string]any, stdin io.Reader) (map[string]any, error) {
	body := map[string]any{}
	for k, v := range whole {
		body[k] = v
	}
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
			var b []byte
			if b, err = jsonArg(raw, stdin); err != nil {
				return nil, fmt.Errorf("--%s: %v", f.flag, err)
			}
			v, err = decodeJSON(b)
		}
		if err != nil {
			return nil, fmt.Errorf("--%s: %s is not a valid %s", f.flag, quoteExcerpt(raw), typeName(f.schema))
		}
		body[f.name] = v
	}
	return body, nil
}

// paramsFlag is the flag that gives every body field at once.
const paramsFlag = "params"

// maxJSONArg bounds a JSON value read from a file or standard input.
const maxJSONArg = 8 << 20

// jsonArg is a JSON flag's value: the text itself, or, for @path, the
// file's content (@- is standard input).
func jsonArg(raw string, stdin io.Reader) ([]byte, error) {
	path, isFile := strings.CutPrefix(raw, "@")
	if !isFile {
		return []byte(raw), nil
	}
	var r io.Reader
	if path == "-" {
		if stdin == nil {
			return nil, fmt.Errorf("no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxJSONArg+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxJSONArg {
		return nil, fmt.Errorf("%s holds more than %d bytes", path, maxJSONArg)
	}
	return b, nil
}

// decodeJSON decodes one JSON value, numbers kept as written (a big
// integer stays exact).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// decodeObject decodes a JSON object.
func decodeObject(b []byte) (map[string]any, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		return "JSON value"
	}
	return (*s.Type)[0]
}

// exampleLine shows the command as it can be pasted into a shell: each
// field of the spec's request example (required or not, so that the
// request is the example's), and each other required field with its
// schema's example, objects and arrays as JSON, every value shell-quoted.
func exampleLine(op operation, fields []field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  verikit %s %s %s", op.vendor, op.product, op.command)
	for _, f := range fields {
		if (f.required || f.inExample) && f.example != nil {
			fmt.Fprintf(&b, " --%s %s", f.flag, shellQuote(flagValue(f.schema, f.example)))
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
