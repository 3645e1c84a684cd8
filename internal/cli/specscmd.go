package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/specs"
)

func specsCommand(env Env) *cobra.Command {
	cmd := group("specs", "Work with the OpenAPI specs")
	check := &cobra.Command{
		Use:   "check [file.yaml ...]",
		Short: "Load and validate every spec (the embedded ones, or the files given)",
		Long: `check loads each spec with kin-openapi, validates it (examples included)
and checks the project's conventions: every operation has an operationId and
an x-retry-class, and every NXCloud-signed operation an x-nxcloud bizType
and action.`,
		Example: `  verikit specs check
  verikit specs check specs/nxcloud/*.yaml specs/engagelab/*.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var docs []*specs.Document
			var bad []string
			report := func(name string, d *specs.Document, err error) {
				if err != nil {
					bad = append(bad, name)
					fmt.Fprintf(env.Stdout, "FAIL %s: %v\n", name, err)
					return
				}
				docs = append(docs, d)
				fmt.Fprintf(env.Stdout, "ok   %s (%d operations)\n", name, len(d.Operations))
			}
			if len(args) == 0 {
				for _, n := range specs.Names() {
					d, err := specs.Load(n)
					report(n, d, err)
				}
			}
			for _, path := range args {
				raw, err := os.ReadFile(path)
				if err != nil {
					return usageError{err}
				}
				name := strings.TrimSuffix(filepath.ToSlash(path), filepath.Ext(path))
				d, err := specs.Parse(name, raw)
				report(path, d, err)
			}
			if len(bad) > 0 {
				return failed(fmt.Errorf("%d of %d specs failed: %s", len(bad), len(bad)+len(docs), strings.Join(bad, ", ")))
			}
			return nil
		},
	}
	cmd.AddCommand(check, specsDriftCommand(env), specsCoverageCommand(env))
	return cmd
}
