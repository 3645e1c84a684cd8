package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

// TestMockEnforcesFormats: a value that breaks a `format` of the spec is a
// parameter error, as any other schema violation (kin-openapi checks no
// format it has no validator for; specs/formats.go registers them).
func TestMockEnforcesFormats(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	createApp := nxOp{path: "/api/wa/integrator/embedded/register/createApp", bizType: "2", action: "createApp"}
	tests := []struct {
		name     string
		webhook  string
		wantCode int
		wantMsg  string
	}{
		{name: "https URL", webhook: "https://example.com/api/webhook/whatsApp", wantCode: 0},
		{name: "http URL with a port", webhook: "http://203.0.113.7:8080/wa", wantCode: 0},
		{name: "not a URL", webhook: "not a url", wantCode: 9000, wantMsg: `webhook: string doesn't match the format "uri"`},
		{name: "no scheme", webhook: "example.com/wa", wantCode: 9000, wantMsg: "webhook"},
		{name: "no host", webhook: "https:///wa", wantCode: 9000, wantMsg: "webhook"},
		{name: "opaque", webhook: "https:example.com", wantCode: 9000, wantMsg: "webhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"app_name": "Shop", "webhook": tt.webhook})
			require.NoError(t, err)
			r := validNX(createApp)
			r.body = string(body)
			got := send(t, r.build(t, m.URL))
			assert.Equal(t, http.StatusOK, got.status)
			assert.Equal(t, tt.wantCode, got.code(t))
			var msg string
			require.NoError(t, json.Unmarshal(got.fields["message"], &msg))
			assert.Contains(t, msg, tt.wantMsg)
		})
	}
}

// TestMockRequiresTheConfigOfEveryChannel: createTemplate must carry the
// config of each channel its send_channel_strategy names, as the spec's
// x-list-requires declares.
func TestMockRequiresTheConfigOfEveryChannel(t *testing.T) {
	m := mock.Start(t)
	const (
		wa    = `"whatsapp_config":{"template_type":1}`
		sms   = `"sms_config":{"template_type":1}`
		voice = `"voice_config":{"template_type":1}`
		email = `"email_config":{"template_name":"login-code-mail"}`
	)
	tests := []struct {
		name, strategy string
		configs        []string
		wantMissing    []string // nil: created
	}{
		{name: "one channel with its config", strategy: "sms", configs: []string{sms}},
		{name: "three channels with theirs", strategy: "voice|sms|whatsapp", configs: []string{voice, sms, wa}},
		{name: "e-mail with its config", strategy: "email", configs: []string{email}},
		{name: "a fallback without its config", strategy: "whatsapp|sms", configs: []string{sms}, wantMissing: []string{"whatsapp_config"}},
		{name: "no config at all", strategy: "whatsapp|voice", wantMissing: []string{"voice_config", "whatsapp_config"}},
		{name: "e-mail without its config", strategy: "email", configs: []string{sms}, wantMissing: []string{"email_config"}},
		{name: "a config given as null", strategy: "sms", configs: []string{`"sms_config":null`}, wantMissing: []string{"sms_config"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := append([]string{`"template_id":"t` + string(rune('a'+i)) + `"`, `"send_channel_strategy":"` + tt.strategy + `"`}, tt.configs...)
			status, v := otpRaw(t, m, http.MethodPost, "/v1/template-configs", "{"+strings.Join(fields, ",")+"}", true)
			if tt.wantMissing == nil {
				assert.Equal(t, http.StatusOK, status, "%v", v)
				return
			}
			assert.Equal(t, http.StatusBadRequest, status)
			assert.EqualValues(t, 3002, otpField(t, v, "code"))
			msg, _ := otpField(t, v, "message").(string)
			for _, missing := range tt.wantMissing {
				assert.Contains(t, msg, missing+": is required when send_channel_strategy names ")
			}
		})
	}
}
