package cli_test

// The SIP answers carry credentials: the approval applications' secret
// keys (queryApps, queryMobs), the phones' passwords (queryMobs,
// updatePassword) and the agent's session token (getToken). The CLI
// prints each as ***, in its output and in its debug log, unless
// --show-secrets asks for them; the console login it sends is never
// printed.

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/internal/cli"
	"github.com/verikit/verikit/mock"
)

// runSIP runs the CLI in process against the mock with its credentials.
func runSIP(t *testing.T, m *mock.Running, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	platformUser, platformPassword := m.AppCredentials("platform")
	sipKey, sipSecret := m.AppCredentials("sip")
	vars := map[string]string{
		cli.EnvAccessKey: m.AccessKey, cli.EnvAccessSecret: m.AccessSecret,
		"NXCLOUD_PLATFORM_APPKEY": platformUser, "NXCLOUD_PLATFORM_SECRET": platformPassword,
		"NXCLOUD_SIP_APPKEY": sipKey, "NXCLOUD_SIP_SECRET": sipSecret,
	}
	var out, errs bytes.Buffer
	code = cli.Run(context.Background(), append([]string{"--base-url", m.URL, "--max-attempts", "1"}, args...), cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs,
		Getenv: func(k string) string { return vars[k] },
	})
	return code, out.String(), errs.String()
}

// agentToken matches the shape of the tokens the mock issues.
var agentToken = regexp.MustCompile(`[0-9A-F]{32}`)

func TestSIPSecretsAreMaskedUnlessAsked(t *testing.T) {
	m := mock.Start(t)
	_, sipSecret := m.AppCredentials("sip")
	_, platformPassword := m.AppCredentials("platform")
	const newPassword = "n3w-Phone-Pass"

	// The phones' passwords as the mock starts with them.
	code, shown, errs := runSIP(t, m, "--show-secrets", "nxcloud", "sip-phone", "query-mobs")
	require.Equal(t, cli.ExitOK, code, errs)
	var page struct {
		Info struct {
			Rows []struct {
				Username       string `json:"username"`
				MonilePassword string `json:"monile_password"`
			} `json:"rows"`
		} `json:"info"`
	}
	require.NoError(t, json.Unmarshal([]byte(shown), &page), shown)
	require.NotEmpty(t, page.Info.Rows)
	var phonePasswords []string
	for _, r := range page.Info.Rows {
		require.NotEmpty(t, r.MonilePassword)
		require.NotEqual(t, "***", r.MonilePassword, "--show-secrets prints the password")
		phonePasswords = append(phonePasswords, r.MonilePassword)
	}

	tests := []struct {
		name    string
		args    []string
		secrets []string // what must not be printed without --show-secrets; the last is in the answer
		masked  []string // fields printed as ***
		token   bool     // the answer holds an agent token
	}{
		{name: "query-apps", args: []string{"nxcloud", "sip-phone", "query-apps"},
			secrets: []string{platformPassword, sipSecret}, masked: []string{"secretkey"}},
		{name: "query-mobs", args: []string{"nxcloud", "sip-phone", "query-mobs"},
			secrets: append([]string{platformPassword, sipSecret}, phonePasswords...), masked: []string{"secretkey", "monile_password"}},
		{name: "update-password", args: []string{"nxcloud", "sip-phone", "update-password", "--username", mock.SIPPhones[0], "--new-password", newPassword},
			secrets: []string{sipSecret, newPassword}, masked: []string{"row"}},
		{name: "get-token", args: []string{"nxcloud", "agent", "get-token"},
			secrets: []string{sipSecret}, masked: []string{"token"}, token: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runSIP(t, m, tt.args...)
			require.Equal(t, cli.ExitOK, code, stderr)
			for _, s := range tt.secrets {
				assert.NotContains(t, stdout+stderr, s)
			}
			if tt.token {
				assert.NotRegexp(t, agentToken, stdout+stderr, "the token is not printed")
			}
			for _, f := range tt.masked {
				assert.Regexp(t, `"`+f+`": "\*\*\*"`, stdout, "%s prints as ***", f)
			}
			if tt.name == "query-mobs" { // a phone's username is no credential, though the login's field has its name
				for _, r := range page.Info.Rows {
					assert.Contains(t, stdout, `"username": "`+r.Username+`"`)
				}
			}

			// Nor does the debug log, which has the bodies sent and answered:
			// the answers' secrets are masked, and so are the console login,
			// the key pair and a password sent as a param (x-secret on
			// update-password's new_password).
			code, _, stderr = runSIP(t, m, append([]string{"--debug-bodies"}, tt.args...)...)
			require.Equal(t, cli.ExitOK, code, stderr)
			require.Contains(t, stderr, `msg="verikit response"`, stderr)
			for _, s := range tt.secrets {
				assert.NotContains(t, stderr, s, "in the log")
			}
			assert.NotContains(t, stderr, platformPassword, "the console password is masked in the log")
			assert.NotContains(t, stderr, sipSecret, "the key pair is masked in the log, sent or answered")
			if tt.token {
				assert.NotRegexp(t, agentToken, stderr, "the token is not in the debug log")
			}

			code, stdout, stderr = runSIP(t, m, append([]string{"--show-secrets"}, tt.args...)...)
			require.Equal(t, cli.ExitOK, code, stderr)
			assert.NotContains(t, stdout, "***", "--show-secrets masks nothing")
			if tt.token {
				assert.Regexp(t, agentToken, stdout, "--show-secrets prints the token")
			} else {
				assert.Contains(t, stdout, tt.secrets[len(tt.secrets)-1], "--show-secrets prints the secret")
			}
			assert.NotContains(t, stdout+stderr, platformPassword, "the console password is never printed: it is sent, not answered")
		})
	}
}
