package engagelab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The tests in this file run every OTP operation through the real client
// against the mock, which checks each of its answers against the spec.

const recipient = "+8613800138000"

// otpClient returns a client for m with fast retries.
func otpClient(t *testing.T, baseURL string, m *mock.Running, opts ...option.Option) *engagelab.Client {
	t.Helper()
	base := []option.Option{option.WithBaseURL(baseURL), option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond)}
	c, err := engagelab.NewClient(m.DevKey, m.DevSecret, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// countingMock serves m through a handler that counts the requests that
// reach it, to prove that a rejected call sent nothing.
type countingMock struct {
	*mock.Running
	URL  string
	hits atomic.Int32
}

func startMock(t *testing.T, cfg ...mock.Config) (*countingMock, *engagelab.Client) {
	t.Helper()
	cm := &countingMock{Running: mock.Start(t, cfg...)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cm.hits.Add(1)
		cm.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cm.URL = srv.URL
	return cm, otpClient(t, srv.URL, cm.Running)
}

func sendMessage(ctx context.Context, c *engagelab.Client, to, templateID string) (*otp.SendResult, error) {
	return c.OTP.SendMessage(ctx, otp.SendMessageParams{To: to, Template: otp.MessageTemplate{ID: templateID}})
}

func sendCode(ctx context.Context, c *engagelab.Client, to, templateID, code string) (*otp.SendResult, error) {
	return c.OTP.SendCode(ctx, otp.SendCodeParams{To: to, Code: code, Template: otp.MessageTemplate{ID: templateID}})
}

func verifyCode(ctx context.Context, c *engagelab.Client, id, code string) (*otp.VerifyResult, error) {
	return c.OTP.Verify(ctx, otp.VerifyParams{MessageID: id, VerifyCode: code})
}

// apiErr asserts that err is an *apierror.Error with the code, HTTP 400
// and one attempt, and returns it.
func apiErr(t *testing.T, err error, code otp.ErrorCode) *apierror.Error {
	t.Helper()
	noSecret(t, err)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
	assert.Equal(t, int(code), ae.Code)
	assert.NotEmpty(t, ae.Message)
	assert.Equal(t, 1, ae.Attempts, "a 4xx is never re-sent")
	return ae
}

// newTemplate is a valid template for createTemplate, with the config of
// every channel but e-mail, so that any strategy without e-mail may name
// its channels.
func newTemplate(id, strategy string, ttlMinutes int32) otp.TemplateConfig {
	return otp.TemplateConfig{
		TemplateID:          id,
		SendChannelStrategy: strategy,
		BrandName:           "Verikit",
		Description:         "created by a test",
		VerifyCodeConfig:    otp.VerifyCodeConfig{VerifyCodeType: 7, VerifyCodeLen: 8, VerifyCodeTTL: ttlMinutes},
		SmsConfig: otp.SMSConfig{
			TemplateType: otp.SMSConfigTemplateTypeCustom,
			TemplateCustomConfig: otp.SMSTemplateCustomConfig{
				CustomSubType: otp.SMSTemplateCustomConfigCustomSubTypeAuthentication,
				CustomContent: "Your code is {{code}}.",
			},
		},
		VoiceConfig:    otp.VoiceConfig{TemplateType: otp.VoiceConfigTemplateTypeDefault},
		WhatsappConfig: otp.WhatsAppConfig{TemplateType: otp.WhatsAppConfigTemplateTypeDefault},
	}
}

func TestOTPSendThenVerify(t *testing.T) {
	tests := []struct {
		name string
		send func(context.Context, *engagelab.Client) (*otp.SendResult, error)
		code string // the code the send delivered
	}{
		{
			name: "sendMessage: EngageLab makes the code",
			send: func(ctx context.Context, c *engagelab.Client) (*otp.SendResult, error) {
				return sendMessage(ctx, c, recipient, mock.DefaultOTPTemplateID)
			},
			code: mock.DefaultOTPCode,
		},
		{
			name: "sendCode: the caller's code",
			send: func(ctx context.Context, c *engagelab.Client) (*otp.SendResult, error) {
				return sendCode(ctx, c, recipient, mock.DefaultOTPTemplateID, "398512")
			},
			code: "398512",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startMock(t)
			sent, err := tt.send(t.Context(), c)
			noSecret(t, err)
			require.NoError(t, err)
			assert.NotEmpty(t, sent.MessageID)
			assert.Equal(t, otp.SendChannelWhatsApp, sent.SendChannel, "the first channel of whatsapp|sms")

			res, err := verifyCode(t.Context(), c, sent.MessageID, "000000")
			require.NoError(t, err, "a wrong code is a result")
			assert.False(t, res.Verified)

			res, err = verifyCode(t.Context(), c, sent.MessageID, tt.code)
			require.NoError(t, err)
			assert.True(t, res.Verified)
			assert.Equal(t, sent.MessageID, res.MessageID)

			_, err = verifyCode(t.Context(), c, sent.MessageID, tt.code)
			apiErr(t, err, otp.ErrorCodeCodeExpiredOrVerified)
			assert.ErrorIs(t, err, apierror.ErrAlreadyVerified)
		})
	}
}

func TestOTPSendWithLanguageAndParams(t *testing.T) {
	_, c := startMock(t)
	sent, err := c.OTP.SendMessage(t.Context(), otp.SendMessageParams{
		To: "someone@example.com",
		Template: otp.MessageTemplate{
			ID: mock.DefaultOTPTemplateID, Language: otp.LanguageZhHK, Params: map[string]string{"product": "Verikit"},
		},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, sent.MessageID)
}

// A second send to the same recipient with the same template while the
// first code is live gets 3004; it is ErrTooFrequent, and, the send being
// unsafe, it is not retried.
func TestOTPResendTooSoon(t *testing.T) {
	tests := []struct {
		name string
		send func(ctx context.Context, c *engagelab.Client, to string) (*otp.SendResult, error)
	}{
		{"sendMessage", func(ctx context.Context, c *engagelab.Client, to string) (*otp.SendResult, error) {
			return sendMessage(ctx, c, to, mock.DefaultOTPTemplateID)
		}},
		{"sendCode", func(ctx context.Context, c *engagelab.Client, to string) (*otp.SendResult, error) {
			return sendCode(ctx, c, to, mock.DefaultOTPTemplateID, "4242")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			first, err := tt.send(t.Context(), c, recipient)
			require.NoError(t, err)

			hits := m.hits.Load()
			_, err = tt.send(t.Context(), c, recipient)
			ae := apiErr(t, err, otp.ErrorCodeTooFrequent)
			assert.ErrorIs(t, err, apierror.ErrTooFrequent)
			assert.Equal(t, apierror.ErrTooFrequent, ae.Kind)
			assert.Equal(t, hits+1, m.hits.Load(), "an unsafe call is sent once")

			other, err := tt.send(t.Context(), c, "+8613800138001")
			require.NoError(t, err, "another recipient is not affected")
			assert.NotEqual(t, first.MessageID, other.MessageID)

			// Once the code is used, a new one may be sent.
			_, err = verifyCode(t.Context(), c, first.MessageID, "wrong")
			require.NoError(t, err)
			_, err = tt.send(t.Context(), c, recipient)
			apiErr(t, err, otp.ErrorCodeTooFrequent)
			code := mock.DefaultOTPCode
			if tt.name == "sendCode" {
				code = "4242"
			}
			_, err = verifyCode(t.Context(), c, first.MessageID, code)
			require.NoError(t, err)
			again, err := tt.send(t.Context(), c, recipient)
			require.NoError(t, err)
			assert.NotEqual(t, first.MessageID, again.MessageID)
		})
	}
}

// clock is a settable mock clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// A code lives for its template's verify_code_ttl: then verify answers
// 3003 and a new send is allowed.
func TestOTPCodeExpires(t *testing.T) {
	clk := &clock{now: time.Unix(1_712_458_844, 0)}
	_, c := startMock(t, mock.Config{Now: clk.Now})
	require.NoError(t, c.OTP.CreateTemplate(t.Context(), newTemplate("one-minute", "sms|voice", 1)))

	sent, err := sendMessage(t.Context(), c, recipient, "one-minute")
	require.NoError(t, err)
	assert.Equal(t, otp.SendChannelSMS, sent.SendChannel)

	clk.advance(59 * time.Second)
	_, err = sendMessage(t.Context(), c, recipient, "one-minute")
	apiErr(t, err, otp.ErrorCodeTooFrequent)
	assert.ErrorIs(t, err, apierror.ErrTooFrequent)

	clk.advance(time.Second)
	_, err = verifyCode(t.Context(), c, sent.MessageID, mock.DefaultOTPCode)
	apiErr(t, err, otp.ErrorCodeCodeExpiredOrVerified)
	// 3003 is "already verified" on verify, whatever the cause.
	assert.ErrorIs(t, err, apierror.ErrAlreadyVerified)

	again, err := sendMessage(t.Context(), c, recipient, "one-minute")
	require.NoError(t, err)
	res, err := verifyCode(t.Context(), c, again.MessageID, mock.DefaultOTPCode)
	require.NoError(t, err)
	assert.True(t, res.Verified)
}

func TestOTPSendCustomMessage(t *testing.T) {
	_, c := startMock(t)
	send := func(params map[string]string) (*otp.SendResult, error) {
		return c.OTP.SendCustomMessage(t.Context(), otp.SendCustomMessageParams{
			To: recipient, Template: otp.CustomMessageTemplate{ID: mock.DefaultOTPTemplateID, Params: params},
		})
	}

	sent, err := send(map[string]string{"code": "398512"})
	require.NoError(t, err)
	assert.Equal(t, otp.SendChannelWhatsApp, sent.SendChannel)

	// Not a code send: repeating it is no 3004, and verify does not know it.
	_, err = send(map[string]string{"code": "398512"})
	require.NoError(t, err)
	_, err = verifyCode(t.Context(), c, sent.MessageID, "398512")
	apiErr(t, err, otp.ErrorCodeNotFound)

	// The seed template is a verification-code template: params.code is
	// required, which only the server knows.
	_, err = send(map[string]string{"product": "Verikit"})
	ae := apiErr(t, err, otp.ErrorCodeInvalidParameter)
	assert.Contains(t, ae.Message, "params.code")
	assert.Nil(t, ae.Kind)
}

// Every send names a template; one that does not exist is 4001.
func TestOTPSendUnknownTemplate(t *testing.T) {
	_, c := startMock(t)
	ctx := t.Context()
	calls := map[string]func() error{
		"sendMessage": func() error { _, err := sendMessage(ctx, c, recipient, "no-such-template"); return err },
		"sendCode":    func() error { _, err := sendCode(ctx, c, recipient, "no-such-template", "1234"); return err },
		"sendCustomMessage": func() error {
			_, err := c.OTP.SendCustomMessage(ctx, otp.SendCustomMessageParams{
				To: recipient, Template: otp.CustomMessageTemplate{ID: "no-such-template"},
			})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			ae := apiErr(t, call(), otp.ErrorCodeNotFound)
			assert.Equal(t, "engagelab/otp "+name, ae.Operation)
			assert.Nil(t, ae.Kind)
		})
	}
}

func TestOTPTemplateLifecycle(t *testing.T) {
	_, c := startMock(t)
	ctx := t.Context()

	list, err := c.OTP.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1, "the mock starts with its seed template")
	assert.Equal(t, mock.DefaultOTPTemplateID, list[0].TemplateID)
	assert.Equal(t, otp.TemplateStatusApproved, list[0].Status)

	tmpl := newTemplate("a-login", "voice|sms|whatsapp", 10)
	// contain_security false must be sent, not left out: the field is a
	// pointer for that.
	tmpl.WhatsappConfig = otp.WhatsAppConfig{
		TemplateType:          otp.WhatsAppConfigTemplateTypeDefault,
		TemplateDefaultConfig: otp.TemplateDefaultConfig{ContainExpire: verikit.Ptr(true), ContainSecurity: verikit.Ptr(false)},
	}
	require.NoError(t, c.OTP.CreateTemplate(ctx, tmpl))

	err = c.OTP.CreateTemplate(ctx, tmpl)
	ae := apiErr(t, err, otp.ErrorCodeCodeExpiredOrVerified)
	assert.Nil(t, ae.Kind, "3003 means already-verified only on verify")
	assert.NotErrorIs(t, err, apierror.ErrAlreadyVerified)

	list, err = c.OTP.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	got := list[0] // sorted by ID: a-login first
	assert.Equal(t, "a-login", got.TemplateID)
	assert.Equal(t, "voice|sms|whatsapp", got.SendChannelStrategy)
	assert.Equal(t, tmpl.VerifyCodeConfig, got.VerifyCodeConfig)
	assert.Equal(t, tmpl.SmsConfig, got.SmsConfig)
	assert.Equal(t, tmpl.WhatsappConfig, got.WhatsappConfig)
	assert.Equal(t, tmpl.BrandName, got.BrandName)
	assert.Equal(t, otp.TemplateStatusApproved, got.Status)
	assert.Positive(t, got.CreatedTime)
	assert.Empty(t, got.AuditRemark)
	require.NotNil(t, got.WhatsappConfig.TemplateDefaultConfig.ContainSecurity, "an explicit false is kept")
	assert.False(t, *got.WhatsappConfig.TemplateDefaultConfig.ContainSecurity)

	sent, err := sendMessage(ctx, c, recipient, "a-login")
	require.NoError(t, err)
	assert.Equal(t, otp.SendChannelVoice, sent.SendChannel)
}

// Requests that break the spec's documented ranges are refused by the
// client with a ValidationError naming the field, and never sent.
func TestOTPValidationSendsNothing(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	valid := func() otp.TemplateConfig {
		c := newTemplate("t-1", "whatsapp|sms", 5)
		c.EmailConfig = otp.EmailConfig{TemplateName: "mail", TemplateCustomConfigs: []otp.EmailTemplateCustomConfig{
			{Language: "en", PreFromMail: "no-reply@example.com", PreSubject: "Your code", TemplateContent: "{{code}}"},
		}}
		return c
	}
	createTemplate, ok := specs.MustLoad("engagelab/otp").Operation("createTemplate")
	require.True(t, ok)
	body, err := json.Marshal(valid())
	require.NoError(t, err)
	require.Empty(t, createTemplate.ValidateBody(body), "precondition: the template the cases break is valid")

	tests := []struct {
		name   string
		mutate func(*otp.TemplateConfig)
		want   string // the field the problem names
	}{
		{"template_id too long", func(c *otp.TemplateConfig) { c.TemplateID = long(129) }, "template_id"},
		{"template_id empty", func(c *otp.TemplateConfig) { c.TemplateID = "" }, "template_id"},
		{"description too long", func(c *otp.TemplateConfig) { c.Description = long(256) }, "description"},
		{"brand_name too short", func(c *otp.TemplateConfig) { c.BrandName = "V" }, "brand_name"},
		{"brand_name too long", func(c *otp.TemplateConfig) { c.BrandName = long(11) }, "brand_name"},
		{"verify_code_type 0", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeType = 0 }, "verify_code_config.verify_code_type"},
		{"verify_code_type 8", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeType = 8 }, "verify_code_config.verify_code_type"},
		{"verify_code_len 3", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeLen = 3 }, "verify_code_config.verify_code_len"},
		{"verify_code_len 11", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeLen = 11 }, "verify_code_config.verify_code_len"},
		{"verify_code_ttl 0", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeTTL = 0 }, "verify_code_config.verify_code_ttl"},
		{"verify_code_ttl 11", func(c *otp.TemplateConfig) { c.VerifyCodeConfig.VerifyCodeTTL = 11 }, "verify_code_config.verify_code_ttl"},
		{"an unknown channel in a chain", func(c *otp.TemplateConfig) { c.SendChannelStrategy = "sms|pwa" }, "send_channel_strategy"},
		{"custom_country_codes with spaces", func(c *otp.TemplateConfig) { c.SmsConfig.TemplateCustomConfig.CustomCountryCodes = "HK, PH" }, "sms_config.template_custom_config.custom_country_codes"},
		{"channel twice", func(c *otp.TemplateConfig) { c.SendChannelStrategy = "sms|sms" }, "send_channel_strategy"},
		{"unknown channel", func(c *otp.TemplateConfig) { c.SendChannelStrategy = "fax" }, "send_channel_strategy"},
		{"trailing separator", func(c *otp.TemplateConfig) { c.SendChannelStrategy = "sms|" }, "send_channel_strategy"},
		{"sms template_type 3", func(c *otp.TemplateConfig) { c.SmsConfig.TemplateType = 3 }, "sms_config.template_type"},
		{"custom_sub_type unknown", func(c *otp.TemplateConfig) { c.SmsConfig.TemplateCustomConfig.CustomSubType = "spam" }, "sms_config.template_custom_config.custom_sub_type"},
		{"custom_content empty", func(c *otp.TemplateConfig) { c.SmsConfig.TemplateCustomConfig.CustomContent = "" }, "sms_config.template_custom_config.custom_content"},
		{"voice template_type 2", func(c *otp.TemplateConfig) { c.VoiceConfig.TemplateType = 2 }, "voice_config.template_type"},
		{"e-mail without pre_from_mail", func(c *otp.TemplateConfig) {
			c.SendChannelStrategy = "email"
			c.EmailConfig = otp.EmailConfig{TemplateName: "mail", TemplateCustomConfigs: []otp.EmailTemplateCustomConfig{
				{Language: "en", PreSubject: "Your code", TemplateContent: "{{code}}"},
			}}
		}, "email_config.template_custom_configs.0.pre_from_mail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			body := valid()
			tt.mutate(&body)
			err := c.OTP.CreateTemplate(t.Context(), body)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "engagelab/otp createTemplate", ve.Operation)
			require.Len(t, ve.Problems, 1, "%q", ve.Problems)
			assert.True(t, strings.HasPrefix(ve.Problems[0], tt.want+": "), "problem %q", ve.Problems[0])
			assert.Zero(t, m.hits.Load(), "the mock received a request")
		})
	}

	t.Run("sends", func(t *testing.T) {
		m, c := startMock(t)
		ctx := t.Context()
		calls := []struct {
			name, want string
			call       func() error
		}{
			{"sendMessage without to", "to: must not be empty", func() error {
				_, err := sendMessage(ctx, c, "", mock.DefaultOTPTemplateID)
				return err
			}},
			{"sendMessage with an unknown language", "template.language: ", func() error {
				_, err := c.OTP.SendMessage(ctx, otp.SendMessageParams{
					To: recipient, Template: otp.MessageTemplate{ID: mock.DefaultOTPTemplateID, Language: "fr"},
				})
				return err
			}},
			{"sendCode without code", "code: must not be empty", func() error {
				_, err := sendCode(ctx, c, recipient, mock.DefaultOTPTemplateID, "")
				return err
			}},
			{"sendCustomMessage without template id", "template.id: must not be empty", func() error {
				_, err := c.OTP.SendCustomMessage(ctx, otp.SendCustomMessageParams{To: recipient})
				return err
			}},
		}
		for _, tc := range calls {
			err := tc.call()
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve, tc.name)
			require.Len(t, ve.Problems, 1, tc.name)
			assert.True(t, strings.HasPrefix(ve.Problems[0], tc.want), "%s: problem %q", tc.name, ve.Problems[0])
		}
		assert.Zero(t, m.hits.Load(), "the mock received a request")
	})
}

// Every send_channel_strategy the rule allows (each channel at most once,
// e-mail chained like any other) passes the spec's pattern, and nothing
// else does.
func TestOTPStrategyPatternAcceptsTheRule(t *testing.T) {
	op, ok := specs.MustLoad("engagelab/otp").Operation("createTemplate")
	require.True(t, ok)
	// Every ordering of every non-empty set of the four channels: 4 + 12
	// + 24 + 24.
	channels := []string{"whatsapp", "sms", "voice", "email"}
	var valid []string
	var chains func(prefix []string)
	chains = func(prefix []string) {
		for _, c := range channels {
			if slices.Contains(prefix, c) {
				continue
			}
			next := append(slices.Clone(prefix), c)
			valid = append(valid, strings.Join(next, "|"))
			chains(next)
		}
	}
	chains(nil)
	require.Len(t, valid, 64)
	assert.Contains(t, valid, "whatsapp|sms|email", "the OTP skill's own example")
	// Only the strategy's own problems count: naming a channel also
	// requires its config (x-list-requires), which these bodies leave out.
	strategyProblems := func(s string) []string {
		body := fmt.Sprintf(`{"template_id":"t","send_channel_strategy":%q}`, s)
		var out []string
		for _, p := range op.ValidateBody([]byte(body)) {
			if strings.HasPrefix(p, "send_channel_strategy: ") {
				out = append(out, p)
			}
		}
		return out
	}
	for _, s := range valid {
		assert.Empty(t, strategyProblems(s), s)
	}
	for _, s := range []string{"", "email|email", "whatsapp|sms|voice|email|sms", "sms|sms", "whatsapp|sms|voice|sms", "SMS", " sms", "sms,voice", "pwa", "sms|"} {
		assert.NotEmpty(t, strategyProblems(s), s)
	}
}

// stubReply answers every request with one fixed reply and counts them.
type stub struct {
	status int
	body   string
	n      atomic.Int32
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	s.n.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func stubClient(t *testing.T, s *stub) *engagelab.Client {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := engagelab.NewClient(devKey, devSecret, option.WithBaseURL(srv.URL), option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	return c
}

// Template changes answer HTTP 200 with {code, message}: only code 0 is a
// success. Other operations' success must have their schema's shape.
func TestOTPHTTP200Failures(t *testing.T) {
	create := func(c *engagelab.Client) (any, error) {
		return struct{}{}, c.OTP.CreateTemplate(context.Background(), newTemplate("t-1", "sms", 5))
	}
	list := func(c *engagelab.Client) (any, error) {
		l, err := c.OTP.ListTemplates(context.Background())
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	send := func(c *engagelab.Client) (any, error) {
		s, err := sendMessage(context.Background(), c, recipient, "t-1")
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	tests := []struct {
		name     string
		call     func(*engagelab.Client) (any, error)
		body     string
		wantCode int  // with wantErr: 0 = no code in the body
		wantErr  bool // false: a success
	}{
		{"create code 0", create, `{"code":0,"message":"success"}`, 0, false},
		{"create code -0", create, `{"code":-0,"message":"success"}`, 0, false},
		// The code is compared as a JSON number (specs.Success.CodeMatches):
		// 0.0 is 0.
		{"create code 0.0", create, `{"code":0.0,"message":"success"}`, 0, false},
		{"create business failure", create, `{"code":3003,"message":"template already exists"}`, 3003, true},
		{"create unknown failure code", create, `{"code":424242,"message":"something new"}`, 424242, true},
		{"create without code", create, `{"message":"success"}`, 0, true},
		{"create null code", create, `{"code":null,"message":"success"}`, 0, true},
		{"create string code", create, `{"code":"0","message":"success"}`, 0, true},
		{"create array", create, `[]`, 0, true},
		{"list array", list, `[]`, 0, false},
		{"list object", list, `{"templates":[]}`, 0, true},
		{"list null", list, `null`, 0, true},
		{"send object", send, `{"message_id":"1","send_channel":"sms"}`, 0, false},
		// The spec: "The list is open: keep a value you do not know."
		{"send open channel list", send, `{"message_id":"1","send_channel":"pwa"}`, 0, false},
		{"send null", send, `null`, 0, true},
		{"send string", send, `"ok"`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{status: http.StatusOK, body: tt.body}
			got, err := tt.call(stubClient(t, s))
			noSecret(t, err)
			assert.EqualValues(t, 1, s.n.Load())
			if !tt.wantErr {
				require.NoError(t, err)
				assert.NotNil(t, got)
				return
			}
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusOK, ae.StatusCode)
			assert.Equal(t, tt.wantCode != 0, ae.HasCode)
			assert.Equal(t, tt.wantCode, ae.Code)
			if tt.wantCode == 0 {
				assert.Equal(t, tt.body, string(ae.Body))
			}
		})
	}
}

// The retry class decides what a failure may be followed by: listTemplates
// only reads and is retried after a 5xx; sends and template changes are
// never sent twice once they may have reached the server.
func TestOTPRetryClasses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		call      func(*engagelab.Client) error
		wantTries int32
	}{
		{"listTemplates", func(c *engagelab.Client) error {
			_, err := c.OTP.ListTemplates(ctx)
			return err
		}, 3},
		{"createTemplate", func(c *engagelab.Client) error {
			return c.OTP.CreateTemplate(ctx, newTemplate("t-1", "sms", 5))
		}, 1},
		{"sendMessage", func(c *engagelab.Client) error {
			_, err := sendMessage(ctx, c, recipient, "t-1")
			return err
		}, 1},
		{"sendCode", func(c *engagelab.Client) error {
			_, err := sendCode(ctx, c, recipient, "t-1", "1234")
			return err
		}, 1},
		{"sendCustomMessage", func(c *engagelab.Client) error {
			_, err := c.OTP.SendCustomMessage(ctx, otp.SendCustomMessageParams{To: recipient, Template: otp.CustomMessageTemplate{ID: "t-1"}})
			return err
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{status: http.StatusInternalServerError, body: `{"code":1000,"message":"internal error"}`}
			err := tt.call(stubClient(t, s))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(otp.ErrorCodeInternalError), ae.Code)
			assert.Equal(t, int(tt.wantTries), ae.Attempts)
			assert.Equal(t, tt.wantTries, s.n.Load())
		})
	}
}

// The callback types decode EngageLab's payload and keep values the spec
// does not list.
func TestCallbackPayloadDecodes(t *testing.T) {
	raw := `{"total":2,"rows":[
		{"message_id":"1725407449772531712","to":"+8613800138000","server":"otp","channel":"sms","itime":1712458844,
		 "custom_args":{"order":"A-1"},
		 "status":{"message_status":"sent_fail","status_data":{"msg_time":1712458840,"current_send_channel":"sms","template_key":"verify-login"},
		           "billing":{"cost":0.0132,"currency":"USD"},"error_code":5001,"error_detail":{"message":"unreachable"}}},
		{"message_id":"","to":"","server":"otp","channel":"","itime":1712458900,
		 "notification":{"event":"some_future_event","notification_data":{"x":1}}}
	]}`
	var p otp.CallbackPayload
	require.NoError(t, json.Unmarshal([]byte(raw), &p))
	require.Len(t, p.Rows, 2)
	assert.EqualValues(t, 2, p.Total)

	st := p.Rows[0].Status
	require.NotNil(t, st)
	assert.Equal(t, otp.MessageStatusSentFail, st.MessageStatus)
	assert.True(t, st.MessageStatus.Valid())
	assert.InDelta(t, 0.0132, st.Billing.Cost, 1e-9)
	assert.Equal(t, "USD", st.Billing.Currency)
	assert.EqualValues(t, 5001, st.ErrorCode)
	assert.Equal(t, "unreachable", st.ErrorDetail.Message)
	assert.Equal(t, "verify-login", st.StatusData.TemplateKey)
	assert.Equal(t, "A-1", p.Rows[0].CustomArgs["order"])
	assert.EqualValues(t, 1712458844, p.Rows[0].Itime)

	n := p.Rows[1].Notification
	require.NotNil(t, n)
	assert.Equal(t, otp.NotificationEvent("some_future_event"), n.Event, "an unknown event is kept")
	assert.False(t, n.Event.Valid())
	assert.Nil(t, p.Rows[1].Status)
}
