package mock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/specs"
)

// Mock-level specifics of EngageLab OTP, over raw HTTP. The client-level
// flows are in engagelab/otp_test.go.

// otpRaw sends one EngageLab request to m, with m's credentials when auth
// is set, and returns the status and the decoded JSON answer.
func otpRaw(t *testing.T, m *mock.Running, method, path, body string, auth bool) (int, any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, m.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.SetBasicAuth(m.DevKey, m.DevSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var v any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return resp.StatusCode, v
}

// otpField reads a top-level field of a JSON object answer.
func otpField(t *testing.T, v any, name string) any {
	t.Helper()
	obj, ok := v.(map[string]any)
	require.True(t, ok, "answer %v is not an object", v)
	return obj[name]
}

func otpSendRaw(t *testing.T, m *mock.Running, to, templateID string) (int, any) {
	t.Helper()
	return otpRaw(t, m, http.MethodPost, "/v1/messages", fmt.Sprintf(`{"to":%q,"template":{"id":%q}}`, to, templateID), true)
}

func otpVerifyRaw(t *testing.T, m *mock.Running, id, code string) (int, any) {
	t.Helper()
	return otpRaw(t, m, http.MethodPost, "/v1/verifications", fmt.Sprintf(`{"message_id":%q,"verify_code":%q}`, id, code), true)
}

// otpClock is a settable mock clock.
type otpClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *otpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *otpClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestOTPSeedTemplate(t *testing.T) {
	m := mock.Start(t)
	status, v := otpRaw(t, m, http.MethodGet, "/v1/template-configs", "", true)
	require.Equal(t, http.StatusOK, status)
	list, ok := v.([]any)
	require.True(t, ok, "list answers a JSON array: %v", v)
	require.Len(t, list, 1)
	assert.Equal(t, mock.DefaultOTPTemplateID, otpField(t, list[0], "template_id"))
	assert.Equal(t, "whatsapp|sms", otpField(t, list[0], "send_channel_strategy"))
	assert.EqualValues(t, 2, otpField(t, list[0], "status"), "approved")

	// The spec's own examples name the seed template, so that they work.
	raw, err := specs.Raw("engagelab/otp")
	require.NoError(t, err)
	assert.Contains(t, string(raw), "id: "+mock.DefaultOTPTemplateID)
}

func TestOTPCodeFromConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  mock.Config
		want string
	}{
		{"default", mock.Config{}, mock.DefaultOTPCode},
		{"configured", mock.Config{OTPCode: "8080"}, "8080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.Start(t, tt.cfg)
			status, v := otpSendRaw(t, m, "+8613800138000", mock.DefaultOTPTemplateID)
			require.Equal(t, http.StatusOK, status, "%v", v)
			id, _ := otpField(t, v, "message_id").(string)
			require.NotEmpty(t, id)
			assert.Equal(t, "whatsapp", otpField(t, v, "send_channel"))

			status, v = otpVerifyRaw(t, m, id, tt.want)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, true, otpField(t, v, "verified"))
		})
	}
}

// Requests the spec refuses get 400 with 3001 or 3002 from the mock too,
// so a client without the SDK's checks sees what EngageLab would answer.
func TestOTPRejectsInvalidRequests(t *testing.T) {
	m := mock.Start(t)
	tests := []struct {
		name, path, body string
		wantCode         float64
	}{
		{"not JSON", "/v1/template-configs", `{"template_id":`, 3001},
		{"verify_code_len out of range", "/v1/template-configs",
			`{"template_id":"t","send_channel_strategy":"sms","sms_config":{"template_type":1},"verify_code_config":{"verify_code_type":1,"verify_code_len":11,"verify_code_ttl":5}}`, 3002},
		{"e-mail and SMS without their configs", "/v1/template-configs", `{"template_id":"t","send_channel_strategy":"email|sms"}`, 3002},
		{"brand_name too short", "/v1/template-configs", `{"template_id":"t","send_channel_strategy":"sms","sms_config":{"template_type":1},"brand_name":"V"}`, 3002},
		{"template_id too long", "/v1/template-configs", `{"template_id":"` + strings.Repeat("x", 129) + `","send_channel_strategy":"sms","sms_config":{"template_type":1}}`, 3002},
		{"unknown language", "/v1/messages", `{"to":"+1","template":{"id":"verify-login","language":"fr"}}`, 3002},
		{"send without template", "/v1/messages", `{"to":"+1"}`, 3002},
		{"code without code", "/v1/codes", `{"to":"+1","template":{"id":"verify-login"}}`, 3002},
		{"custom message params not strings", "/v1/custom-messages", `{"to":"+1","template":{"id":"verify-login","params":{"code":1234}}}`, 3002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := otpRaw(t, m, http.MethodPost, tt.path, tt.body, true)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, tt.wantCode, otpField(t, v, "code"))
			assert.NotEmpty(t, otpField(t, v, "message"))
		})
	}
}

// Every OTP operation wants EngageLab's Basic credentials.
func TestOTPOperationsNeedCredentials(t *testing.T) {
	m := mock.Start(t)
	doc := specs.MustLoad("engagelab/otp")
	require.GreaterOrEqual(t, len(doc.Operations), 6)
	for _, op := range doc.Operations {
		t.Run(op.ID, func(t *testing.T) {
			path := strings.ReplaceAll(op.Path, "{templateId}", mock.DefaultOTPTemplateID)
			body := ""
			if op.BodySchema() != nil {
				body = `{}`
			}
			status, v := otpRaw(t, m, op.Method, path, body, false)
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.EqualValues(t, 2001, otpField(t, v, "code"))
		})
	}
	// Nothing changed: the seed template is still the only one.
	_, v := otpRaw(t, m, http.MethodGet, "/v1/template-configs", "", true)
	assert.Len(t, v, 1)
}

// A code lives for its template's verify_code_ttl on the mock's clock;
// a template without verify_code_config gives DefaultOTPTTL.
func TestOTPTemplateTTL(t *testing.T) {
	tests := []struct {
		name, config string
		ttl          time.Duration
	}{
		{"verify_code_ttl 2", `,"verify_code_config":{"verify_code_type":1,"verify_code_len":4,"verify_code_ttl":2}`, 2 * time.Minute},
		{"no verify_code_config", ``, mock.DefaultOTPTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &otpClock{now: time.Unix(1_712_458_844, 0)}
			m := mock.Start(t, mock.Config{Now: clk.Now})
			status, v := otpRaw(t, m, http.MethodPost, "/v1/template-configs", `{"template_id":"ttl","send_channel_strategy":"voice","voice_config":{"template_type":1}`+tt.config+`}`, true)
			require.Equal(t, http.StatusOK, status, "%v", v)
			assert.EqualValues(t, 0, otpField(t, v, "code"))

			status, v = otpSendRaw(t, m, "+1", "ttl")
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, "voice", otpField(t, v, "send_channel"))
			id := otpField(t, v, "message_id").(string)

			clk.advance(tt.ttl - time.Second)
			status, v = otpSendRaw(t, m, "+1", "ttl")
			assert.Equal(t, http.StatusBadRequest, status)
			assert.EqualValues(t, 3004, otpField(t, v, "code"))

			clk.advance(time.Second)
			status, v = otpVerifyRaw(t, m, id, mock.DefaultOTPCode)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.EqualValues(t, 3003, otpField(t, v, "code"), "expired")
			status, _ = otpSendRaw(t, m, "+1", "ttl")
			assert.Equal(t, http.StatusOK, status, "a new code once the old one expired")
		})
	}
}

// Generated message IDs are unique, even under concurrent sends, and skip
// IDs that AddOTPMessage took.
func TestOTPMessageIDs(t *testing.T) {
	m := mock.Start(t)
	m.AddOTPMessage("1725407449772531713", "111111") // the first ID the mock would make

	const n = 16
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, v := otpSendRaw(t, m, fmt.Sprintf("+1555000%04d", i), mock.DefaultOTPTemplateID)
			if assert.Equal(t, http.StatusOK, status) {
				ids <- otpField(t, v, "message_id").(string)
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	assert.Len(t, seen, n)
	assert.False(t, seen["1725407449772531713"], "an ID AddOTPMessage took")

	// The scripted message is untouched.
	status, v := otpVerifyRaw(t, m, "1725407449772531713", "111111")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, otpField(t, v, "verified"))
}

// Each Server has its own templates and messages.
func TestOTPStateIsPerServer(t *testing.T) {
	a, b := mock.Start(t), mock.Start(t)
	status, _ := otpRaw(t, a, http.MethodPost, "/v1/template-configs", `{"template_id":"only-on-a","send_channel_strategy":"sms","sms_config":{"template_type":1}}`, true)
	require.Equal(t, http.StatusOK, status)
	status, v := otpSendRaw(t, a, "+1", "only-on-a")
	require.Equal(t, http.StatusOK, status)
	id := otpField(t, v, "message_id").(string)

	status, v = otpSendRaw(t, b, "+1", "only-on-a")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))
	status, v = otpVerifyRaw(t, b, id, mock.DefaultOTPCode)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))
}

// A custom message to a template without verify_code_config needs no code.
func TestOTPCustomMessageWithoutCodeTemplate(t *testing.T) {
	m := mock.Start(t)
	status, _ := otpRaw(t, m, http.MethodPost, "/v1/template-configs", `{"template_id":"notice","send_channel_strategy":"sms|whatsapp","sms_config":{"template_type":1},"whatsapp_config":{"template_type":1}}`, true)
	require.Equal(t, http.StatusOK, status)
	status, v := otpRaw(t, m, http.MethodPost, "/v1/custom-messages", `{"to":"+1","template":{"id":"notice","params":{"name":"Ann"}}}`, true)
	require.Equal(t, http.StatusOK, status, "%v", v)
	assert.Equal(t, "sms", otpField(t, v, "send_channel"))

	status, v = otpRaw(t, m, http.MethodPost, "/v1/custom-messages", `{"to":"+1","template":{"id":"verify-login","params":{"code":""}}}`, true)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 3002, otpField(t, v, "code"), "an empty code is no code")
}
