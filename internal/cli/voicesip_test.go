package cli_test

// The platform login's password (voice listFiles) and the application
// secrets of the voice, SIP-approval and SMS sets never show up in what
// the binary prints, with --debug-bodies on, on success or failure.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

func TestVoiceSIPAndShortLinkSecretsAreNeverPrinted(t *testing.T) {
	const (
		platformPassword = "platform-password-e41b9c"
		sipSecret        = "sip-approval-secret-0d77a2"
		smsSecret        = "sms-app-secret-5a31f0"
		voiceSecret      = "voice-app-secret-93c6be"
		wrongPassword    = "wrong-platform-password-2f8e"
	)
	m := mock.Start(t, mock.Config{AppCredentials: map[string][2]string{
		"platform": {"console-login", platformPassword},
		"sip":      {"sip-approval-key", sipSecret},
		"sms":      {"sms-app-key", smsSecret},
		"voice":    {"voice-app-key", voiceSecret},
	}})
	env := func(password string) map[string]string {
		return map[string]string{
			"NXCLOUD_PLATFORM_APPKEY": "console-login", "NXCLOUD_PLATFORM_SECRET": password,
			"NXCLOUD_SIP_APPKEY": "sip-approval-key", "NXCLOUD_SIP_SECRET": sipSecret,
			"NXCLOUD_SMS_APPKEY": "sms-app-key", "NXCLOUD_SMS_SECRET": smsSecret,
			"NXCLOUD_VOICE_APPKEY": "voice-app-key", "NXCLOUD_VOICE_SECRET": voiceSecret,
		}
	}
	base := []string{"--base-url", m.URL, "--max-attempts", "1", "--debug-bodies", "nxcloud"}
	audio := filepath.Join(t.TempDir(), "a.mp3") // sent as Base64, streamed
	require.NoError(t, os.WriteFile(audio, []byte("ID3\x04 audio"), 0o600))
	tests := []struct {
		name     string
		vars     map[string]string
		args     []string
		wantExit int
		want     string // in stdout on success, in stderr on failure
	}{
		{"voice list-files", env(platformPassword), []string{"voice", "list-files", "--page", "1", "--page-size", "10"}, 0, `"rows"`},
		{"voice list-files, wrong password", env(wrongPassword), []string{"voice", "list-files", "--page", "1", "--page-size", "10"}, 1, "nxcloud/voice listFiles"},
		{"voice upload-file", env(platformPassword), []string{"voice", "upload-file", "--filename", "a.mp3", "--content", audio}, 0, `"success"`},
		{"sip-cdr list-records", env(platformPassword), []string{"sip-cdr", "list-records", "--start-time", "2019-01-25 12:00:00",
			"--end-time", "2019-01-25 13:00:00", "--page", "1", "--page-size", "10"}, 0, `"rows"`},
		{"sip-cdr list-by-order-id", env(platformPassword), []string{"sip-cdr", "list-by-order-id", "--orderid", "1000001"}, 0, `"row"`},
		{"short-link generate", env(platformPassword), []string{"short-link", "generate", "--url", "https://shop.example.com/a"}, 0, `"info"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.vars, "", append(append([]string{}, base...), tt.args...)...)
			require.Equal(t, tt.wantExit, r.code, r)
			if tt.wantExit == 0 {
				assert.Contains(t, r.stdout, tt.want, r)
			} else {
				assert.Contains(t, r.stderr, tt.want, r)
			}
			assert.Contains(t, r.stderr, "verikit request", "the debug log ran")
			out := r.stdout + r.stderr
			for _, secret := range []string{platformPassword, wrongPassword, sipSecret, smsSecret, voiceSecret} {
				assert.NotContains(t, out, secret, "a secret was printed")
			}
		})
	}

	t.Run("no platform login", func(t *testing.T) {
		vars := env(platformPassword)
		delete(vars, "NXCLOUD_PLATFORM_APPKEY")
		delete(vars, "NXCLOUD_PLATFORM_SECRET")
		r := run(t, vars, "", append(append([]string{}, base...), "voice", "list-files", "--page", "1", "--page-size", "10")...)
		require.NotEqual(t, 0, r.code, r)
		assert.Contains(t, r.stderr, "NXCLOUD_PLATFORM_APPKEY")
		assert.Empty(t, r.stdout)
	})
}
