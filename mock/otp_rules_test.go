package mock_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

// createTemplate refuses with 3002 what template.json forbids across two
// fields, which the spec's schema cannot say; the rest is created.
func TestOTPTemplateCrossFieldRules(t *testing.T) {
	const (
		wa        = `"whatsapp_config":{"template_type":1,"template_default_config":{"contain_security":true,"contain_expire":true}}`
		smsCustom = `"sms_config":{"template_type":2,"template_custom_config":{"custom_sub_type":"%s","custom_content":"%s"}}`
	)
	ttl := func(minutes string) string {
		return `"verify_code_config":{"verify_code_type":1,"verify_code_len":6,"verify_code_ttl":` + minutes + `}`
	}
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"whatsapp with a 5-minute code", `"send_channel_strategy":"whatsapp",` + wa + `,` + ttl("5"), true},
		{"whatsapp with a 1-minute code", `"send_channel_strategy":"whatsapp",` + wa + `,` + ttl("1"), true},
		{"whatsapp with a 10-minute code", `"send_channel_strategy":"whatsapp",` + wa + `,` + ttl("10"), true},
		{"whatsapp with a 3-minute code", `"send_channel_strategy":"whatsapp",` + wa + `,` + ttl("3"), false},
		{"whatsapp second, 7 minutes", `"send_channel_strategy":"voice|whatsapp","voice_config":{"template_type":1},` + wa + `,` + ttl("7"), false},
		{"no whatsapp, 3 minutes", `"send_channel_strategy":"voice","voice_config":{"template_type":1},` + ttl("3"), true},
		{"custom SMS without its config", `"send_channel_strategy":"sms","sms_config":{"template_type":2}`, false},
		{"authentication text without the code", `"send_channel_strategy":"sms",` + fmt.Sprintf(smsCustom, "authentication", "Welcome!"), false},
		{"authentication text with the code", `"send_channel_strategy":"sms",` + fmt.Sprintf(smsCustom, "authentication", "Code {{code}}"), true},
		{"marketing text without a code", `"send_channel_strategy":"sms",` + fmt.Sprintf(smsCustom, "marketing", "Sale today"), true},
		{"e-mail chained after SMS", `"send_channel_strategy":"sms|email","sms_config":{"template_type":1},"email_config":{"template_name":"mail"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.Start(t)
			status, v := otpRaw(t, m, http.MethodPost, "/v1/template-configs", `{"template_id":"rules",`+tt.body+`}`, true)
			if tt.ok {
				require.Equal(t, http.StatusOK, status, "%v", v)
				assert.EqualValues(t, 0, otpField(t, v, "code"))
				status, _ = otpRaw(t, m, http.MethodGet, "/v1/template-configs/rules", "", true)
				assert.Equal(t, http.StatusOK, status, "created")
				return
			}
			assert.Equal(t, http.StatusBadRequest, status)
			assert.EqualValues(t, 3002, otpField(t, v, "code"))
			status, _ = otpRaw(t, m, http.MethodGet, "/v1/template-configs/rules", "", true)
			assert.Equal(t, http.StatusBadRequest, status, "not created (4001)")
		})
	}
}
