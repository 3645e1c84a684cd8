package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/drift"
)

// docsFlags are the flags drift and coverage share.
type docsFlags struct {
	nxcloud, engagelab, format string
}

func (f *docsFlags) register(cmd *cobra.Command, withEngageLab bool) {
	cmd.Flags().StringVar(&f.nxcloud, "nxcloud-docs", "", "directory of NXCloud documentation pages (*.md) (required)")
	if withEngageLab {
		cmd.Flags().StringVar(&f.engagelab, "engagelab-openapi", "", "directory of EngageLab OpenAPI JSON files (the layout of otp/api/ in EngageLab's OTP docs)")
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text or json")
}

// check validates the flags and runs the comparison.
func (f *docsFlags) check() (*drift.Report, error) {
	if f.nxcloud == "" {
		return nil, usagef("--nxcloud-docs is required")
	}
	if f.format != "text" && f.format != "json" {
		return nil, usagef("--format must be text or json, got %q", f.format)
	}
	r, err := drift.Check(drift.Options{NXCloudDocs: f.nxcloud, EngageLabOpenAPI: f.engagelab})
	if err != nil {
		return nil, usageError{err}
	}
	return r, nil
}

func specsDriftCommand(env Env) *cobra.Command {
	var f docsFlags
	var declared bool
	cmd := &cobra.Command{
		Use:   "drift --nxcloud-docs DIR [--engagelab-openapi DIR]",
		Short: "Compare the vendors' documentation with the specs and report undeclared differences",
		Long: `drift reads NXCloud's documentation pages (Markdown, or the one-cell-per-line
text of a copied page) and, optionally, EngageLab's OpenAPI files, matches
every documented endpoint to a spec operation by method and path, and
reports each difference: a field on one side only, required on one side
only, a different type, a different bizType or action, a result code on
one side only, an endpoint no operation covers.

Known, reasoned differences are declared in the specs (x-doc-divergences)
and documented pages not specified yet in drift/pages.yaml; drift prints
only what no declaration accounts for, and declarations that nothing needs
any more. Exit status 1 when there is such drift.`,
		Example: `  verikit specs drift --nxcloud-docs ../shared/reference/nxcloud-docs
  verikit specs drift --nxcloud-docs ../shared/reference/nxcloud-docs --engagelab-openapi drift/testdata/engagelab-otp --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := f.check()
			if err != nil {
				return err
			}
			if f.format == "json" {
				err = r.WriteDriftJSON(env.Stdout)
			} else {
				err = r.WriteDrift(env.Stdout, declared)
			}
			if err != nil {
				return failed(err)
			}
			if n := len(r.Undeclared()); n > 0 {
				return failed(fmt.Errorf("%d undeclared differences between the documentation and the specs", n))
			}
			return nil
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&declared, "declared", false, "also list the declared differences and their reasons (text format)")
	return cmd
}

func specsCoverageCommand(env Env) *cobra.Command {
	var f docsFlags
	cmd := &cobra.Command{
		Use:   "coverage --nxcloud-docs DIR [--engagelab-openapi DIR]",
		Short: "List every documented endpoint and callback and the spec operation that covers it",
		Long: `coverage lists every endpoint and callback the documentation describes, with
the spec operation (or schema) that covers it, or why none does (pending
or excluded, from drift/pages.yaml), then totals by product and by auth
scheme.`,
		Example: `  verikit specs coverage --nxcloud-docs ../shared/reference/nxcloud-docs
  verikit specs coverage --nxcloud-docs ../shared/reference/nxcloud-docs --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := f.check()
			if err != nil {
				return err
			}
			if f.format == "json" {
				return failed(r.WriteCoverageJSON(env.Stdout))
			}
			return failed(r.WriteCoverage(env.Stdout))
		},
	}
	f.register(cmd, true)
	return cmd
}
