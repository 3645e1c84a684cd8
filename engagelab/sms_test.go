package engagelab_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/elsms"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
)

// The tests in this file run every EngageLab SMS operation through the
// real client against the mock, which checks each of its answers against
// the spec. The mock starts with the spec's example templates (123456789
// with signature 987654321, and 123456790) and signatures (987654321,
// 987654322), all approved.

const (
	smsTemplateID = "123456789"
	smsSpareID    = "123456790"
	smsSignID     = "987654321"
	smsSpareSign  = "987654322"
)

// smsSend sends the seed template (or another) to the numbers.
func smsSend(ctx context.Context, c *engagelab.Client, templateID string, to ...string) (*elsms.SendResult, error) {
	return c.SMS.SendMessage(ctx, elsms.SendMessageParams{To: to, Template: elsms.MessageTemplate{ID: templateID, Params: map[string]string{"order_no": "A-1"}}})
}

// smsErr asserts that err is an EngageLab failure with the HTTP status and
// code, sent once, and returns it.
func smsErr(t *testing.T, err error, status int, code elsms.ErrorCode) *apierror.Error {
	t.Helper()
	noSecret(t, err)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, status, ae.StatusCode)
	assert.Equal(t, int(code), ae.Code)
	assert.NotEmpty(t, ae.Message)
	assert.Equal(t, 1, ae.Attempts, "an EngageLab failure is never re-sent")
	return ae
}

func newSMSTemplate(name, content string) elsms.CreateTemplateParams {
	return elsms.CreateTemplateParams{
		TemplateName: name, TemplateType: elsms.TemplateTypeUtility, TemplateContent: content, CountryCodes: "CN,US",
	}
}

func TestSMSSend(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	tests := []struct {
		name      string
		params    elsms.SendMessageParams
		wantMsgID bool
		wantTask  bool
	}{
		{
			name:      "one number, at once",
			params:    elsms.SendMessageParams{To: []string{"+8618701235678"}, Template: elsms.MessageTemplate{ID: smsTemplateID, Params: map[string]string{"order_no": "A-1"}}},
			wantMsgID: true,
		},
		{
			name: "two numbers, at once, no params",
			params: elsms.SendMessageParams{To: []string{"+8618701235678", "+6591234567"}, Template: elsms.MessageTemplate{ID: smsTemplateID},
				PlanName: "shipping", CustomArgs: map[string]any{"order": "A-2"}},
		},
		{
			name: "scheduled",
			params: elsms.SendMessageParams{To: []string{"+8618701235678"}, Template: elsms.MessageTemplate{ID: smsTemplateID},
				ScheduleTime: clk.Now().Add(time.Hour).Unix()},
			wantTask: true,
		},
	}
	_, c := startMock(t, mock.Config{Now: clk.Now})
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.SMS.SendMessage(t.Context(), tt.params)
			require.NoError(t, err)
			assert.NotEmpty(t, res.PlanID)
			assert.False(t, seen[res.PlanID], "each send has its own plan")
			seen[res.PlanID] = true
			assert.Equal(t, int32(len(tt.params.To)), res.TotalCount)
			assert.Equal(t, int32(len(tt.params.To)), res.AcceptedCount)
			assert.Equal(t, tt.wantMsgID, res.MessageID != "", "message_id only for one number sent at once")
			assert.Equal(t, tt.wantTask, res.ScheduleInfo.TaskID > 0, "schedule_info only for a scheduled send")
		})
	}
}

func TestSMSSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, m *mock.Running, c *engagelab.Client) string // the template to send
		status int
		code   elsms.ErrorCode
		kind   error
	}{
		{
			name:   "unknown template",
			setup:  func(*testing.T, *mock.Running, *engagelab.Client) string { return "42" },
			status: http.StatusBadRequest, code: elsms.ErrorCodeNotFound,
		},
		{
			name: "template still pending review",
			setup: func(t *testing.T, _ *mock.Running, c *engagelab.Client) string {
				created, err := c.SMS.CreateTemplate(t.Context(), newSMSTemplate("fresh", "Hello {{name}}"))
				require.NoError(t, err)
				return created.TemplateID
			},
			status: http.StatusBadRequest, code: elsms.ErrorCodeBusinessRuleFailed,
		},
		{
			name: "rejected template",
			setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) string {
				require.True(t, m.SetSMSTemplateStatus(smsSpareID, int(elsms.ReviewStatusRejected), "no sender named"))
				return smsSpareID
			},
			status: http.StatusBadRequest, code: elsms.ErrorCodeBusinessRuleFailed,
		},
		{
			name: "too frequent",
			setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) string {
				require.NoError(t, m.RejectNext("engagelab/sms sendMessage", mock.Rejection{Code: int(elsms.ErrorCodeTooFrequent), Status: http.StatusBadRequest}))
				return smsTemplateID
			},
			status: http.StatusBadRequest, code: elsms.ErrorCodeTooFrequent, kind: apierror.ErrTooFrequent,
		},
		{
			name: "key disabled",
			setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) string {
				require.NoError(t, m.RejectNext("engagelab/sms sendMessage", mock.Rejection{Code: int(elsms.ErrorCodeKeyDisabled), Status: http.StatusUnauthorized}))
				return smsTemplateID
			},
			status: http.StatusUnauthorized, code: elsms.ErrorCodeKeyDisabled, kind: apierror.ErrAuth,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			id := tt.setup(t, m.Running, c)
			_, err := smsSend(t.Context(), c, id, "+8618701235678")
			smsErr(t, err, tt.status, tt.code)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			}
		})
	}
}

// A request the spec refuses is refused by the client and never sent.
func TestSMSValidationSendsNothing(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, c *engagelab.Client) error
	}{
		{"no recipient", func(ctx context.Context, c *engagelab.Client) error {
			_, err := smsSend(ctx, c, smsTemplateID)
			return err
		}},
		{"no template", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.SendMessage(ctx, elsms.SendMessageParams{To: []string{"+8618701235678"}})
			return err
		}},
		{"forbidden character in content", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.CreateTemplate(ctx, newSMSTemplate("x", "【Shop】 your code"))
			return err
		}},
		{"template name too long", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.CreateTemplate(ctx, newSMSTemplate(strings.Repeat("n", 256), "Hello"))
			return err
		}},
		{"signature name too short", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.CreateSignature(ctx, elsms.CreateSignatureParams{SignName: "V"})
			return err
		}},
		{"signature name with brackets", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.CreateSignature(ctx, elsms.CreateSignatureParams{SignName: "[Verikit]"})
			return err
		}},
		{"bad sign position", func(ctx context.Context, c *engagelab.Client) error {
			p := newSMSTemplate("x", "Hello")
			p.AddSignature, p.SignID, p.SignPosition = true, smsSignID, 7
			_, err := c.SMS.CreateTemplate(ctx, p)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			err := tt.call(t.Context(), c)
			require.Error(t, err)
			var ae *apierror.Error
			assert.False(t, errors.As(err, &ae), "refused by the client, not by EngageLab: %v", err)
			assert.Zero(t, m.hits.Load(), "nothing was sent")
		})
	}
}

// Create → get → list → update (refused while pending) → review → update
// → delete → get fails with the documented 400.
func TestSMSTemplateLifecycle(t *testing.T) {
	m, c := startMock(t)
	ctx := t.Context()
	p := newSMSTemplate("Delivery slot", "Your parcel {{parcel}} arrives at {{slot}}.")
	p.AddSignature, p.SignID, p.SignPosition = true, smsSignID, elsms.SignPositionPrefix
	created, err := c.SMS.CreateTemplate(ctx, p)
	require.NoError(t, err)
	require.NotEmpty(t, created.TemplateID)

	got, err := c.SMS.GetTemplate(ctx, created.TemplateID)
	require.NoError(t, err)
	assert.Equal(t, elsms.ReviewStatusPendingReview, got.Status, "a new template waits for review")
	assert.Equal(t, p.TemplateContent, got.TemplateContent)
	assert.Equal(t, smsSignID, got.SignID)
	assert.Equal(t, "Verikit", got.SignName)
	assert.Equal(t, elsms.SignPositionPrefix, got.SignPosition)
	assert.Equal(t, elsms.ReviewStatusApproved, got.SignStatus)

	list, err := c.SMS.ListTemplates(ctx)
	require.NoError(t, err)
	ids := make([]string, 0, len(list))
	for _, tpl := range list {
		ids = append(ids, tpl.TemplateID)
	}
	assert.Equal(t, []string{smsTemplateID, smsSpareID, created.TemplateID}, ids)

	update := elsms.UpdateTemplateParams{TemplateName: "Delivery slot", TemplateType: elsms.TemplateTypeUtility,
		TemplateContent: "Parcel {{parcel}}: {{slot}}.", CountryCodes: "SG"}
	err = c.SMS.UpdateTemplate(ctx, created.TemplateID, update)
	assert.Contains(t, smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message, "pending")

	require.True(t, m.SetSMSTemplateStatus(created.TemplateID, int(elsms.ReviewStatusApproved), ""))
	require.NoError(t, c.SMS.UpdateTemplate(ctx, created.TemplateID, update))
	got, err = c.SMS.GetTemplate(ctx, created.TemplateID)
	require.NoError(t, err)
	assert.Equal(t, elsms.ReviewStatusPendingReview, got.Status, "an update sends it back to review")
	assert.Equal(t, "SG", got.CountryCodes)
	assert.Empty(t, got.SignID, "no add_signature: the signature is gone")
	assert.Equal(t, elsms.SignPositionNone, got.SignPosition)

	require.NoError(t, c.SMS.DeleteTemplate(ctx, created.TemplateID))
	_, err = c.SMS.GetTemplate(ctx, created.TemplateID)
	assert.Equal(t, "template config not exist", smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
	err = c.SMS.DeleteTemplate(ctx, created.TemplateID)
	smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected)
}

func TestSMSTemplateRules(t *testing.T) {
	tests := []struct {
		name  string
		setup func(m *mock.Running)
		call  func(ctx context.Context, c *engagelab.Client) error
		want  string // the message
	}{
		{"forbidden word", nil, func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.CreateTemplate(ctx, newSMSTemplate("x", "This is a test"))
			return err
		}, `template_content can not contain "test"`},
		{"signature without sign_id", nil, func(ctx context.Context, c *engagelab.Client) error {
			p := newSMSTemplate("x", "Hello")
			p.AddSignature, p.SignPosition = true, elsms.SignPositionSuffix
			_, err := c.SMS.CreateTemplate(ctx, p)
			return err
		}, "sign_id is required when add_signature is true"},
		{"signature without position", nil, func(ctx context.Context, c *engagelab.Client) error {
			p := newSMSTemplate("x", "Hello")
			p.AddSignature, p.SignID = true, smsSignID
			_, err := c.SMS.CreateTemplate(ctx, p)
			return err
		}, "sign_position must be 1 (prefix) or 2 (suffix) when add_signature is true"},
		{"unknown signature", nil, func(ctx context.Context, c *engagelab.Client) error {
			p := newSMSTemplate("x", "Hello")
			p.AddSignature, p.SignID, p.SignPosition = true, "1", elsms.SignPositionSuffix
			_, err := c.SMS.CreateTemplate(ctx, p)
			return err
		}, "sign config not exist"},
		{"signature not approved", func(m *mock.Running) { m.SetSMSSignatureStatus(smsSpareSign, int(elsms.ReviewStatusPendingReview), "") },
			func(ctx context.Context, c *engagelab.Client) error {
				p := newSMSTemplate("x", "Hello")
				p.AddSignature, p.SignID, p.SignPosition = true, smsSpareSign, elsms.SignPositionSuffix
				_, err := c.SMS.CreateTemplate(ctx, p)
				return err
			}, "sign status is not approved, can not use"},
		{"malformed template ID", nil, func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.GetTemplate(ctx, "abc")
			return err
		}, "invalid templateId"},
		{"malformed signature ID", nil, func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.SMS.GetSignature(ctx, "abc")
			return err
		}, "invalid signId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			if tt.setup != nil {
				tt.setup(m.Running)
			}
			err := tt.call(t.Context(), c)
			assert.Equal(t, tt.want, smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
		})
	}
}

// Create → get → list → update (refused while pending) → review → update
// → delete → get fails with the documented 400.
func TestSMSSignatureLifecycle(t *testing.T) {
	m, c := startMock(t)
	ctx := t.Context()
	created, err := c.SMS.CreateSignature(ctx, elsms.CreateSignatureParams{SignName: "Verikit Support"})
	require.NoError(t, err)
	_, err = c.SMS.CreateSignature(ctx, elsms.CreateSignatureParams{SignName: "Verikit Support"})
	assert.Equal(t, "sign_name already exist", smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)

	got, err := c.SMS.GetSignature(ctx, created.SignID)
	require.NoError(t, err)
	assert.Equal(t, "Verikit Support", got.SignName)
	assert.Equal(t, elsms.ReviewStatusPendingReview, got.Status)
	assert.Zero(t, got.RelatedTemplateCount)

	list, err := c.SMS.ListSignatures(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, smsSignID, list[0].SignID)
	assert.Equal(t, int64(1), list[0].RelatedTemplateCount, "the seed template carries it")
	assert.Equal(t, created.SignID, list[2].SignID)

	err = c.SMS.UpdateSignature(ctx, created.SignID, elsms.UpdateSignatureParams{SignName: "Verikit Help"})
	assert.Equal(t, "can not update pending status sign", smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
	require.True(t, m.SetSMSSignatureStatus(created.SignID, int(elsms.ReviewStatusApproved), ""))
	err = c.SMS.UpdateSignature(ctx, created.SignID, elsms.UpdateSignatureParams{SignName: "Verikit"})
	assert.Equal(t, "sign_name already exist", smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
	require.NoError(t, c.SMS.UpdateSignature(ctx, created.SignID, elsms.UpdateSignatureParams{SignName: "Verikit Help"}))
	got, err = c.SMS.GetSignature(ctx, created.SignID)
	require.NoError(t, err)
	assert.Equal(t, "Verikit Help", got.SignName)
	assert.Equal(t, elsms.ReviewStatusPendingReview, got.Status, "an update sends it back to review")

	require.NoError(t, c.SMS.DeleteSignature(ctx, created.SignID))
	_, err = c.SMS.GetSignature(ctx, created.SignID)
	assert.Equal(t, "sign config not exist", smsErr(t, err, http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
}

// A scheduled send is a pending plan: until it has run, its template and
// signature can be neither updated nor deleted.
func TestSMSScheduledPlanLocksTemplateAndSignature(t *testing.T) {
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	_, c := startMock(t, mock.Config{Now: clk.Now})
	ctx := t.Context()
	_, err := c.SMS.SendMessage(ctx, elsms.SendMessageParams{To: []string{"+8618701235678"},
		Template: elsms.MessageTemplate{ID: smsTemplateID}, ScheduleTime: clk.Now().Add(time.Hour).Unix()})
	require.NoError(t, err)
	update := elsms.UpdateTemplateParams{TemplateName: "Order shipped", TemplateType: elsms.TemplateTypeUtility,
		TemplateContent: "Order {{order_no}} shipped.", CountryCodes: "CN"}
	calls := []struct {
		name string
		call func() error
		want string
	}{
		{"update template", func() error { return c.SMS.UpdateTemplate(ctx, smsTemplateID, update) },
			"there are pending or running plans using current template, can not update"},
		{"delete template", func() error { return c.SMS.DeleteTemplate(ctx, smsTemplateID) },
			"there are pending or running plans using current template, can not delete"},
		{"update signature", func() error {
			return c.SMS.UpdateSignature(ctx, smsSignID, elsms.UpdateSignatureParams{SignName: "Verikit Ltd"})
		}, "there are pending or running plans using current sign, can not update"},
		{"delete signature", func() error { return c.SMS.DeleteSignature(ctx, smsSignID) },
			"there are pending or running plans using current sign, can not delete"},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, smsErr(t, tt.call(), http.StatusBadRequest, elsms.ErrorCodeConfigRejected).Message)
		})
	}
	clk.advance(2 * time.Hour)
	require.NoError(t, c.SMS.UpdateTemplate(ctx, smsTemplateID, update), "the plan has run")
	require.NoError(t, c.SMS.DeleteSignature(ctx, smsSignID))
	got, err := c.SMS.GetTemplate(ctx, smsTemplateID)
	require.NoError(t, err)
	assert.Empty(t, got.SignID)
}

// Update and delete answer HTTP 200 with {code, message}, and a send may
// too: a code other than 0 there is a failure with that code.
func TestSMSHTTP200Failures(t *testing.T) {
	t.Run("update through the mock", func(t *testing.T) {
		m, c := startMock(t)
		require.NoError(t, m.RejectNext("engagelab/sms updateTemplate", mock.Rejection{Code: int(elsms.ErrorCodeConfigRejected), Message: "can not update pending status template"}))
		err := c.SMS.UpdateTemplate(t.Context(), smsTemplateID, elsms.UpdateTemplateParams{TemplateName: "n",
			TemplateType: elsms.TemplateTypeMarketing, TemplateContent: "c", CountryCodes: "CN"})
		smsErr(t, err, http.StatusOK, elsms.ErrorCodeConfigRejected)
	})
	bodies := []struct {
		name string
		body string
		code elsms.ErrorCode
	}{
		{"send with a code beside its plan", `{"plan_id":"1","total_count":1,"accepted_count":0,"code":5001,"message":"send failed"}`, elsms.ErrorCodeSendFailed},
		{"send with only a code", `{"plan_id":"1","code":3002,"message":"invalid parameter"}`, elsms.ErrorCodeInvalidParameter},
	}
	for _, tt := range bodies {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
			require.NoError(t, err)
			_, err = smsSend(t.Context(), c, smsTemplateID, "+8618701235678")
			smsErr(t, err, http.StatusOK, tt.code)
		})
	}
	t.Run("send with code 0 is a success", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"plan_id":"1","total_count":1,"accepted_count":1,"message_id":"2","code":0}`))
		}))
		t.Cleanup(srv.Close)
		c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
		require.NoError(t, err)
		res, err := smsSend(t.Context(), c, smsTemplateID, "+8618701235678")
		require.NoError(t, err)
		assert.Equal(t, "2", res.MessageID)
	})
}

// The task ID of a scheduled send is larger than 2^53: it arrives exactly.
func TestSMSTaskIDKeepsItsDigits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"plan_id":"1972492618659033088","total_count":1,"accepted_count":1,"schedule_info":{"task_id":1972492621368553473}}`))
	}))
	t.Cleanup(srv.Close)
	c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	res, err := smsSend(t.Context(), c, smsTemplateID, "+8618701235678")
	require.NoError(t, err)
	assert.Equal(t, int64(1972492621368553473), res.ScheduleInfo.TaskID)
}
