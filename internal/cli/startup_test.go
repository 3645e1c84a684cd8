package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// TestStartupParsesOnlyWhatItNeeds runs the CLI in a fresh process (this
// test binary, re-executed) so that no other test has filled the spec
// cache, and reports which specs each command line parsed. Help above the
// operations parses none; an operation parses its own spec only.
func TestStartupParsesOnlyWhatItNeeds(t *testing.T) {
	if args := os.Getenv("VERIKIT_STARTUP_ARGS"); args != "" {
		var out bytes.Buffer
		Run(context.Background(), strings.Fields(args), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
		os.Stdout.WriteString("parsed:" + strings.Join(specs.Loaded(), ",") + "\n")
		return
	}
	tests := []struct {
		args string
		want string
	}{
		{"--help", ""},
		{"nxcloud --help", ""},
		{"nxcloud ota --help", ""},
		{"engagelab otp --help", ""},
		{"mock --help", "nxcloud/ota"},
		{"nxcloud ota init --help", "nxcloud/ota"},
		{"help engagelab otp verify", "engagelab/otp"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestStartupParsesOnlyWhatItNeeds$")
			cmd.Env = append(os.Environ(), "VERIKIT_STARTUP_ARGS="+tt.args)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "parsed:"+tt.want+"\n")
		})
	}
}

// BenchmarkStartup is what `verikit --help` costs in-process: building
// the command tree for every generated operation, and no spec parsed.
func BenchmarkStartup(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var out bytes.Buffer
		if code := Run(context.Background(), []string{"--help"}, Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}); code != ExitOK {
			b.Fatal(out.String())
		}
	}
}

// TestStartupBuildsOnlyWhatItNeeds: the command tree grows only along the
// words of the command line, so start-up costs the same whatever the
// number of products and operations.
func TestStartupBuildsOnlyWhatItNeeds(t *testing.T) {
	count := func(c *cobra.Command) int {
		n := 0
		var walk func(*cobra.Command)
		walk = func(c *cobra.Command) {
			for _, sub := range c.Commands() {
				n++
				walk(sub)
			}
		}
		walk(c)
		return n
	}
	tests := []struct {
		args              string
		nxcloud, products int // commands under nxcloud; products with operations built
	}{
		{args: "--help"},
		{args: "nxcloud --help", nxcloud: len(productsOf("nxcloud"))},
		{args: "nxcloud ota init --help", nxcloud: len(productsOf("nxcloud")) + 2, products: 1},
		{args: "help nxcloud ota", nxcloud: len(productsOf("nxcloud")) + 2, products: 1},
		{args: "--base-url http://127.0.0.1:1 nxcloud sms send --help", nxcloud: len(productsOf("nxcloud")) + opsOf("nxcloud", "sms"), products: 1},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			root, _, lazy := buildRoot(Env{Getenv: func(string) string { return "" }})
			lazy.prepareFor(root, strings.Fields(tt.args))
			nx := child(root, "nxcloud")
			require.NotNil(t, nx)
			assert.Equal(t, tt.nxcloud, count(nx))
			built := 0
			for _, p := range nx.Commands() {
				if len(p.Commands()) > 0 {
					built++
				}
			}
			assert.Equal(t, tt.products, built)
		})
	}
}

func productsOf(vendor string) []product {
	var out []product
	for _, p := range products {
		if p.vendor == vendor {
			out = append(out, p)
		}
	}
	return out
}

func opsOf(vendor, product string) int {
	n := 0
	for _, op := range operations {
		if op.vendor == vendor && op.product == product {
			n++
		}
	}
	return n
}
