package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

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
