package cli

// With --debug or --debug-bodies, every operation command logs to stderr,
// and no credential reaches stdout or stderr, whether the call succeeds or
// fails.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
)

const (
	debuglogWrongAccessSecret = "debuglog-wrong-access-secret-5d1e"
	debuglogWrongDevSecret    = "debuglog-wrong-dev-secret-c07b"
	debuglogMessage           = "debuglog-m1"
	debuglogCode              = "667090"
)

// debuglogRun runs the command in-process with the given environment.
func debuglogRun(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] },
	})
	return code, out.String(), errOut.String()
}

func TestDebugLogKeepsSecretsOutOfTheOutput(t *testing.T) {
	m := mock.Start(t)
	m.AddOTPMessage(debuglogMessage, debuglogCode)
	good := map[string]string{
		EnvAccessKey: m.AccessKey, EnvAccessSecret: m.AccessSecret,
		EnvDevKey: m.DevKey, EnvDevSecret: m.DevSecret,
	}
	wrong := map[string]string{
		EnvAccessKey: m.AccessKey, EnvAccessSecret: debuglogWrongAccessSecret,
		EnvDevKey: m.DevKey, EnvDevSecret: debuglogWrongDevSecret,
	}
	secrets := []string{
		m.AccessSecret, m.DevSecret, debuglogWrongAccessSecret, debuglogWrongDevSecret,
		base64.StdEncoding.EncodeToString([]byte(m.DevKey + ":" + m.DevSecret)),
		base64.StdEncoding.EncodeToString([]byte(m.DevKey + ":" + debuglogWrongDevSecret)),
	}
	for _, s := range secrets {
		require.NotEmpty(t, s)
	}

	// requestID is set by the init case, for the verify case after it.
	var requestID string
	initArgs := []string{"nxcloud", "ota", "init", "--appkey", "pem28kje", "--phone", "8613800000000", "--user-ip", "10.0.0.1"}
	tests := []struct {
		name       string
		vars       map[string]string
		debug      []string // the debug flags
		args       func() []string
		wantExit   int
		wantStdout string
		wantStderr []string // besides the debug records
		after      func(t *testing.T, stdout string)
	}{
		{
			name: "ota init", vars: good, debug: []string{"--debug-bodies"},
			args:     func() []string { return initArgs },
			wantExit: ExitOK, wantStdout: "requestId",
			after: func(t *testing.T, stdout string) {
				// The CLI prints the envelope's data: the InitResult itself.
				var res ota.InitResult
				require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
				require.NotEmpty(t, res.RequestID, stdout)
				requestID = res.RequestID
			},
		},
		{
			name: "ota verify", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"nxcloud", "ota", "verify", "--appkey", "pem28kje", "--request-id", requestID}
			},
			wantExit: ExitOK, wantStdout: "SUCCESS",
		},
		{
			name: "ota init signed with sha256", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return append([]string{"nxcloud", "--sign-algorithm", "sha256"}, initArgs[1:]...)
			},
			wantExit: ExitOK, wantStdout: "requestId",
		},
		{
			name: "wa get-code", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"nxcloud", "wa", "get-code", "--phone-number", "18500000099", "--method", "sms"}
			},
			wantExit: ExitOK,
		},
		{
			name: "wa login (no body)", vars: good, debug: []string{"--debug-bodies"},
			args:     func() []string { return []string{"nxcloud", "wa", "login"} },
			wantExit: ExitOK, wantStdout: "token",
		},
		{
			name: "wa check-code", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"nxcloud", "wa", "check-code", "--phone-number", "18500000099", "--code", mock.DefaultWhatsAppCode}
			},
			wantExit: ExitOK,
		},
		{
			name: "wa check-code with a wrong code", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"nxcloud", "wa", "check-code", "--phone-number", "18500000099", "--code", "0000"}
			},
			wantExit: ExitAPI, wantStderr: []string{"error:"},
		},
		{
			name: "engagelab verify with a wrong code", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"engagelab", "otp", "verify", "--message-id", debuglogMessage, "--verify-code", "000000"}
			},
			wantExit: ExitOK, wantStdout: `"verified": false`,
		},
		{
			name: "engagelab verify with the right code", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"engagelab", "otp", "verify", "--message-id", debuglogMessage, "--verify-code", debuglogCode}
			},
			wantExit: ExitOK, wantStdout: `"verified": true`,
		},
		{
			name: "engagelab verify again", vars: good, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"engagelab", "otp", "verify", "--message-id", debuglogMessage, "--verify-code", debuglogCode}
			},
			wantExit: ExitAPI, wantStderr: []string{"error:", "3003"},
		},
		{
			name: "nxcloud with a wrong secret", vars: wrong, debug: []string{"--debug-bodies"},
			args:     func() []string { return initArgs },
			wantExit: ExitAPI, wantStderr: []string{"error:", "1003"},
		},
		{
			name: "engagelab with a wrong secret", vars: wrong, debug: []string{"--debug-bodies"},
			args: func() []string {
				return []string{"engagelab", "otp", "verify", "--message-id", debuglogMessage, "--verify-code", debuglogCode}
			},
			wantExit: ExitAPI, wantStderr: []string{"error:", "status=401"},
		},
		{
			name: "nxcloud with a wrong secret, --debug only", vars: wrong, debug: []string{"--debug"},
			args:     func() []string { return initArgs },
			wantExit: ExitAPI, wantStderr: []string{"error:", "1003"},
		},
		{
			name: "ota init, --debug and --debug-bodies", vars: good, debug: []string{"--debug", "--debug-bodies"},
			args:     func() []string { return initArgs },
			wantExit: ExitOK, wantStdout: "requestId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append(append([]string{}, tt.debug...), "--base-url", m.URL, "--max-attempts", "1"), tt.args()...)
			code, stdout, stderr := debuglogRun(t, tt.vars, args...)
			require.Equal(t, tt.wantExit, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)

			assert.Contains(t, stdout, tt.wantStdout)
			for _, w := range tt.wantStderr {
				assert.Contains(t, stderr, w)
			}
			assert.Contains(t, stderr, "level=DEBUG", "debug records on stderr")
			assert.Contains(t, stderr, `msg="verikit call"`)
			assert.Contains(t, stderr, "attempt=1")
			assert.Contains(t, stderr, "status=")
			bodies := false
			for _, f := range tt.debug {
				bodies = bodies || f == "--debug-bodies"
			}
			if bodies {
				assert.Contains(t, stderr, `msg="verikit request"`, "request bodies logged")
				assert.Contains(t, stderr, `msg="verikit response"`, "response bodies logged")
				assert.Contains(t, stderr, "***", "credential headers logged masked")
			} else {
				assert.NotContains(t, stderr, `msg="verikit request"`, "no bodies without --debug-bodies")
			}
			for _, s := range secrets {
				assert.NotContains(t, stdout, s, "stdout gives a secret away")
				assert.NotContains(t, stderr, s, "stderr gives a secret away")
			}
			if tt.after != nil {
				tt.after(t, stdout)
			}
		})
	}
}
