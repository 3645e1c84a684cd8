package engagelab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/elwhatsapp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// The tests in this file run every EngageLab WhatsApp operation through
// the real client against the mock, and its callback through the
// generated receiver. The mock starts with the spec's example templates:
// code in zh_CN (406979728071589) and en, and spring_sale in en, all
// approved.

const (
	waTemplateID = "406979728071589"
	waRecipient  = "8613800138000"
)

// waCodeTemplate is a template message of the seed template code (en).
func waCodeTemplate(code string) elwhatsapp.MessageBody {
	return elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate, Template: elwhatsapp.MessageTemplate{
		Name: "code", Language: "en",
		Components: []elwhatsapp.MessageComponent{{Type: elwhatsapp.MessageComponentTypeBody,
			Parameters: []elwhatsapp.MessageParameter{{Type: elwhatsapp.ParameterTypeText, Text: code}}}},
	}}
}

func waSend(ctx context.Context, c *engagelab.Client, body elwhatsapp.MessageBody) (*elwhatsapp.SendResult, error) {
	return c.WhatsApp.SendMessage(ctx, elwhatsapp.SendMessageParams{To: []string{waRecipient}, Body: body})
}

// waErr asserts that err is an EngageLab failure with the HTTP status and
// code, sent once, and returns it.
func waErr(t *testing.T, err error, status int, code elwhatsapp.ErrorCode) *apierror.Error {
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

func newWATemplate(name, language string) elwhatsapp.CreateTemplateParams {
	return elwhatsapp.CreateTemplateParams{Name: name, Language: language, Category: elwhatsapp.CategoryUtility,
		Components: []elwhatsapp.TemplateComponent{
			{Type: elwhatsapp.ComponentTypeHeader, Format: elwhatsapp.HeaderFormatText, Text: "Order update"},
			{Type: elwhatsapp.ComponentTypeBody, Text: "Hi {{1}}, order {{2}} has shipped.",
				Example: elwhatsapp.ComponentExample{BodyText: [][]string{{"John", "ORD-1"}}}},
			{Type: elwhatsapp.ComponentTypeButtons, Buttons: []elwhatsapp.TemplateButton{
				{Type: elwhatsapp.ButtonTypeURL, Text: "Track", URL: "https://example.com/t/{{1}}", Example: []string{"ORD-1"}},
				{Type: elwhatsapp.ButtonTypePhoneNumber, Text: "Call us", PhoneNumber: "+18001234567"},
			}},
		}}
}

func TestWhatsAppSendEveryKind(t *testing.T) {
	tests := []struct {
		name string
		body elwhatsapp.MessageBody
	}{
		{"template", waCodeTemplate("12345")},
		{"template with media and money", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate, Template: elwhatsapp.MessageTemplate{
			Name: "spring_sale", Language: "en", Components: []elwhatsapp.MessageComponent{
				{Type: elwhatsapp.MessageComponentTypeHeader, Parameters: []elwhatsapp.MessageParameter{
					{Type: elwhatsapp.ParameterTypeImage, Image: elwhatsapp.MediaLink{Link: "https://example.com/p.jpg"}}}},
				{Type: elwhatsapp.MessageComponentTypeBody, Parameters: []elwhatsapp.MessageParameter{
					{Type: elwhatsapp.ParameterTypeCurrency, Currency: elwhatsapp.CurrencyValue{FallbackValue: "$9.99", Code: "USD", Amount1000: 9990}},
					{Type: elwhatsapp.ParameterTypeDateTime, DateTime: elwhatsapp.DateTimeValue{FallbackValue: "Sunday"}}}},
			}}}},
		{"text", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeText, Text: elwhatsapp.TextContent{Body: strings.Repeat("x", 4096)}}},
		{"image", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeImage, Image: elwhatsapp.CaptionedMedia{Link: "https://example.com/a.jpg", Caption: "A"}}},
		{"video", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeVideo, Video: elwhatsapp.CaptionedMedia{Link: "https://example.com/a.mp4"}}},
		{"audio", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeAudio, Audio: elwhatsapp.MediaLink{Link: "https://example.com/a.ogg"}}},
		{"document", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeDocument, Document: elwhatsapp.DocumentMedia{Link: "https://example.com/a.pdf", Filename: "a.pdf"}}},
		{"sticker", elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeSticker, Sticker: elwhatsapp.MediaLink{Link: "https://example.com/a.webp"}}},
	}
	_, c := startMock(t)
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.WhatsApp.SendMessage(t.Context(), elwhatsapp.SendMessageParams{
				From: "+8613800138000", To: []string{waRecipient, "00447911123456"}, Body: tt.body,
				RequestID: "req-" + tt.name, CustomArgs: map[string]any{"kind": tt.name}})
			require.NoError(t, err)
			assert.NotEmpty(t, res.MessageID)
			assert.False(t, seen[res.MessageID], "each message has its own ID")
			seen[res.MessageID] = true
			assert.Equal(t, "req-"+tt.name, res.RequestID, "request_id comes back as it was given")
		})
	}
	res, err := waSend(t.Context(), c, waCodeTemplate("1"))
	require.NoError(t, err)
	assert.Empty(t, res.RequestID, "none given, none returned")
}

func TestWhatsAppSendFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, m *mock.Running, c *engagelab.Client)
		body   elwhatsapp.MessageBody
		status int
		code   elwhatsapp.ErrorCode
		kind   error
	}{
		{name: "unknown template", body: elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate,
			Template: elwhatsapp.MessageTemplate{Name: "nope", Language: "en"}},
			status: http.StatusBadRequest, code: elwhatsapp.ErrorCodeNotFound},
		{name: "unknown language of a known template", body: elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate,
			Template: elwhatsapp.MessageTemplate{Name: "code", Language: "fr"}},
			status: http.StatusBadRequest, code: elwhatsapp.ErrorCodeNotFound},
		{name: "paused template", setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) {
			require.True(t, m.SetWhatsAppTemplateStatus(waTemplateID, string(elwhatsapp.TemplateStatusPaused)))
		}, body: elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate, Template: elwhatsapp.MessageTemplate{Name: "code", Language: "zh_CN"}},
			status: http.StatusBadRequest, code: elwhatsapp.ErrorCodeBusinessRuleFailed},
		{name: "another kind's field as well", body: elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeText,
			Text: elwhatsapp.TextContent{Body: "hi"}, Image: elwhatsapp.CaptionedMedia{Link: "https://example.com/a.jpg"}},
			status: http.StatusBadRequest, code: elwhatsapp.ErrorCodeInvalidParameter},
		{name: "Meta refused EngageLab", setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) {
			require.NoError(t, m.RejectNext("engagelab/whatsapp sendMessage", mock.Rejection{Code: int(elwhatsapp.ErrorCodeMetaAuthFailed), Status: http.StatusBadRequest}))
		}, body: waCodeTemplate("1"), status: http.StatusBadRequest, code: elwhatsapp.ErrorCodeMetaAuthFailed},
		{name: "number not allowed for the key", setup: func(t *testing.T, m *mock.Running, _ *engagelab.Client) {
			require.NoError(t, m.RejectNext("engagelab/whatsapp sendMessage", mock.Rejection{Code: int(elwhatsapp.ErrorCodeForbidden), Status: http.StatusForbidden}))
		}, body: waCodeTemplate("1"), status: http.StatusForbidden, code: elwhatsapp.ErrorCodeForbidden, kind: apierror.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			if tt.setup != nil {
				tt.setup(t, m.Running, c)
			}
			_, err := waSend(t.Context(), c, tt.body)
			waErr(t, err, tt.status, tt.code)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			} else {
				assert.NotErrorIs(t, err, apierror.ErrAuth, "2003 is Meta refusing EngageLab, not the caller's key")
			}
		})
	}
}

// A request the spec refuses is refused by the client and never sent.
func TestWhatsAppValidationSendsNothing(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, c *engagelab.Client) error
	}{
		{"type without its field", func(ctx context.Context, c *engagelab.Client) error {
			_, err := waSend(ctx, c, elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeImage})
			return err
		}},
		{"unknown type", func(ctx context.Context, c *engagelab.Client) error {
			_, err := waSend(ctx, c, elwhatsapp.MessageBody{Type: "location", Text: elwhatsapp.TextContent{Body: "x"}})
			return err
		}},
		{"text too long", func(ctx context.Context, c *engagelab.Client) error {
			_, err := waSend(ctx, c, elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeText, Text: elwhatsapp.TextContent{Body: strings.Repeat("x", 4097)}})
			return err
		}},
		{"link that is not a URL", func(ctx context.Context, c *engagelab.Client) error {
			_, err := waSend(ctx, c, elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeAudio, Audio: elwhatsapp.MediaLink{Link: "not a url"}})
			return err
		}},
		{"parameter without its value", func(ctx context.Context, c *engagelab.Client) error {
			body := waCodeTemplate("1")
			body.Template.Components[0].Parameters = []elwhatsapp.MessageParameter{{Type: elwhatsapp.ParameterTypeCurrency}}
			_, err := waSend(ctx, c, body)
			return err
		}},
		{"no recipient", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.SendMessage(ctx, elwhatsapp.SendMessageParams{Body: waCodeTemplate("1")})
			return err
		}},
		{"template name in capitals", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.CreateTemplate(ctx, newWATemplate("Order_Update", "en"))
			return err
		}},
		{"URL button without its url", func(ctx context.Context, c *engagelab.Client) error {
			p := newWATemplate("order_update", "en")
			p.Components[2].Buttons[0].URL = ""
			_, err := c.WhatsApp.CreateTemplate(ctx, p)
			return err
		}},
		{"button label too long", func(ctx context.Context, c *engagelab.Client) error {
			p := newWATemplate("order_update", "en")
			p.Components[2].Buttons[1].Text = strings.Repeat("b", 26)
			_, err := c.WhatsApp.CreateTemplate(ctx, p)
			return err
		}},
		{"text header without text", func(ctx context.Context, c *engagelab.Client) error {
			p := newWATemplate("order_update", "en")
			p.Components[0].Text = ""
			_, err := c.WhatsApp.CreateTemplate(ctx, p)
			return err
		}},
		{"unknown category filter", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.ListTemplates(ctx, elwhatsapp.ListTemplatesParams{Category: "OTP"})
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

// Create → get → list → send (refused while pending) → review → send →
// update → delete by name (every language) → get fails with 4001.
func TestWhatsAppTemplateLifecycle(t *testing.T) {
	m, c := startMock(t)
	ctx := t.Context()
	p := newWATemplate("order_update", "en")
	created, err := c.WhatsApp.CreateTemplate(ctx, p)
	require.NoError(t, err)
	require.NotEmpty(t, created.TemplateID)

	got, err := c.WhatsApp.GetTemplate(ctx, created.TemplateID)
	require.NoError(t, err)
	assert.Equal(t, elwhatsapp.TemplateStatusPending, got.Status, "Meta reviews a new template")
	assert.Equal(t, "order_update", got.Name)
	assert.Equal(t, "en", got.Language)
	assert.Equal(t, elwhatsapp.ListedCategoryUtility, got.Category)
	assert.Equal(t, p.Components, got.Components)

	list, err := c.WhatsApp.ListTemplates(ctx, elwhatsapp.ListTemplatesParams{Name: "ORDER"})
	require.NoError(t, err)
	require.Len(t, list, 1, "the name filter matches part of the name, in any case")
	assert.Equal(t, created.TemplateID, list[0].ID)

	send := elwhatsapp.MessageBody{Type: elwhatsapp.MessageTypeTemplate, Template: elwhatsapp.MessageTemplate{Name: "order_update", Language: "en"}}
	_, err = waSend(ctx, c, send)
	waErr(t, err, http.StatusBadRequest, elwhatsapp.ErrorCodeBusinessRuleFailed)
	require.True(t, m.SetWhatsAppTemplateStatus(created.TemplateID, string(elwhatsapp.TemplateStatusApproved)))
	_, err = waSend(ctx, c, send)
	require.NoError(t, err)

	update := elwhatsapp.UpdateTemplateParams{Category: elwhatsapp.CategoryMarketing, Components: []elwhatsapp.TemplateComponent{
		{Type: elwhatsapp.ComponentTypeBody, Text: "Order {{1}} is on its way.", Example: elwhatsapp.ComponentExample{BodyText: [][]string{{"ORD-1"}}}},
		{Type: elwhatsapp.ComponentTypeFooter, Text: "Reply STOP to opt out"},
	}}
	require.NoError(t, c.WhatsApp.UpdateTemplate(ctx, created.TemplateID, update))
	got, err = c.WhatsApp.GetTemplate(ctx, created.TemplateID)
	require.NoError(t, err)
	assert.Equal(t, update.Components, got.Components)
	assert.Equal(t, elwhatsapp.ListedCategoryMarketing, got.Category)
	assert.Equal(t, elwhatsapp.TemplateStatusPending, got.Status, "a change goes back to review")

	other, err := c.WhatsApp.CreateTemplate(ctx, newWATemplate("order_update", "zh_CN"))
	require.NoError(t, err, "the same name in another language")
	require.NoError(t, c.WhatsApp.DeleteTemplate(ctx, "order_update"))
	for _, id := range []string{created.TemplateID, other.TemplateID} {
		_, err = c.WhatsApp.GetTemplate(ctx, id)
		waErr(t, err, http.StatusBadRequest, elwhatsapp.ErrorCodeNotFound)
	}
	err = c.WhatsApp.DeleteTemplate(ctx, "order_update")
	waErr(t, err, http.StatusBadRequest, elwhatsapp.ErrorCodeNotFound)
	_, err = c.WhatsApp.GetTemplate(ctx, waTemplateID)
	require.NoError(t, err, "other names are kept")
}

func TestWhatsAppTemplateRules(t *testing.T) {
	twoBodies := newWATemplate("two_bodies", "en")
	twoBodies.Components = append(twoBodies.Components, twoBodies.Components[1])
	noBody := newWATemplate("no_body", "en")
	noBody.Components = noBody.Components[:1]
	tests := []struct {
		name string
		call func(ctx context.Context, c *engagelab.Client) error
		code elwhatsapp.ErrorCode
	}{
		{"name taken in that language", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.CreateTemplate(ctx, newWATemplate("code", "en"))
			return err
		}, elwhatsapp.ErrorCodeBusinessRuleFailed},
		{"two bodies", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.CreateTemplate(ctx, twoBodies)
			return err
		}, elwhatsapp.ErrorCodeInvalidParameter},
		{"no body", func(ctx context.Context, c *engagelab.Client) error {
			_, err := c.WhatsApp.CreateTemplate(ctx, noBody)
			return err
		}, elwhatsapp.ErrorCodeInvalidParameter},
		{"rename through update", func(ctx context.Context, c *engagelab.Client) error {
			return c.WhatsApp.UpdateTemplate(ctx, waTemplateID, elwhatsapp.UpdateTemplateParams{Name: "renamed",
				Components: newWATemplate("x", "en").Components})
		}, elwhatsapp.ErrorCodeBusinessRuleFailed},
		{"update of an unknown ID", func(ctx context.Context, c *engagelab.Client) error {
			return c.WhatsApp.UpdateTemplate(ctx, "1", elwhatsapp.UpdateTemplateParams{Components: newWATemplate("x", "en").Components})
		}, elwhatsapp.ErrorCodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startMock(t)
			waErr(t, tt.call(t.Context(), c), http.StatusBadRequest, tt.code)
		})
	}
	t.Run("a Meta refusal answered with HTTP 200", func(t *testing.T) {
		m, c := startMock(t)
		require.NoError(t, m.RejectNext("engagelab/whatsapp updateTemplate", mock.Rejection{Code: int(elwhatsapp.ErrorCodeMetaRequestFailed), Message: "Invalid parameter. code:100:2593002"}))
		err := c.WhatsApp.UpdateTemplate(t.Context(), waTemplateID, elwhatsapp.UpdateTemplateParams{Components: newWATemplate("x", "en").Components})
		assert.Equal(t, "Invalid parameter. code:100:2593002", waErr(t, err, http.StatusOK, elwhatsapp.ErrorCodeMetaRequestFailed).Message)
	})
}

func TestWhatsAppListFilters(t *testing.T) {
	_, c := startMock(t)
	tests := []struct {
		name   string
		params elwhatsapp.ListTemplatesParams
		want   []string // name/language
	}{
		{"all", elwhatsapp.ListTemplatesParams{}, []string{"code/en", "code/zh_CN", "spring_sale/en"}},
		{"part of the name", elwhatsapp.ListTemplatesParams{Name: "sale"}, []string{"spring_sale/en"}},
		{"language", elwhatsapp.ListTemplatesParams{LanguageCode: "en"}, []string{"code/en", "spring_sale/en"}},
		{"category", elwhatsapp.ListTemplatesParams{Category: elwhatsapp.CategoryAuthentication}, []string{"code/en", "code/zh_CN"}},
		{"status", elwhatsapp.ListTemplatesParams{Status: elwhatsapp.TemplateStatusRejected}, []string{}},
		{"combined", elwhatsapp.ListTemplatesParams{Name: "code", LanguageCode: "zh_CN", Status: elwhatsapp.TemplateStatusApproved}, []string{"code/zh_CN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := c.WhatsApp.ListTemplates(t.Context(), tt.params)
			require.NoError(t, err)
			got := make([]string, 0, len(list))
			for _, tpl := range list {
				got = append(got, tpl.Name+"/"+tpl.Language)
			}
			sort.Strings(got)
			assert.Equal(t, tt.want, got)
		})
	}
}

// sendExample is one request example of a /v1/messages-style send.
type sendExample struct {
	op   *specs.Operation
	name string
	body []byte
}

// sendExamples returns every request example of the three products' send
// operations.
func sendExamples(t *testing.T) (ops []*specs.Operation, examples []sendExample) {
	t.Helper()
	for _, spec := range []string{"engagelab/otp", "engagelab/sms", "engagelab/whatsapp"} {
		op, found := specs.MustLoad(spec).Operation("sendMessage")
		require.True(t, found, spec)
		ops = append(ops, op)
		mt := op.Spec.RequestBody.Value.Content.Get("application/json")
		require.NotNil(t, mt, spec)
		values := map[string]any{}
		if mt.Example != nil {
			values["example"] = mt.Example
		}
		for name, ex := range mt.Examples {
			values[name] = ex.Value.Value
		}
		require.NotEmpty(t, values, spec)
		for name, v := range values {
			b, err := json.Marshal(v)
			require.NoError(t, err)
			examples = append(examples, sendExample{op: op, name: name, body: b})
		}
	}
	return ops, examples
}

// OTP, SMS and WhatsApp all send with POST /v1/messages on their own hosts
// (SMS keeps the /v1 in its server), and the one mock serves them on one
// URL: each product's request must be taken by its own operation only.
func TestMessagesRoutingThreeWays(t *testing.T) {
	ops, examples := sendExamples(t)
	t.Run("each example fits its own schema only", func(t *testing.T) {
		for _, ex := range examples {
			for _, op := range ops {
				problems := op.ValidateBody(ex.body)
				if op == ex.op {
					assert.Empty(t, problems, "%s %s", ex.op.FullName(), ex.name)
				} else {
					assert.NotEmpty(t, problems, "%s's example %s must not pass for %s", ex.op.FullName(), ex.name, op.FullName())
				}
			}
		}
	})
	m := mock.Start(t)
	// shape tells which product's handler answered.
	shape := func(t *testing.T, body []byte) string {
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got), string(body))
		switch {
		case got["send_channel"] != nil:
			return "engagelab/otp"
		case got["plan_id"] != nil:
			return "engagelab/sms"
		case got["message_id"] != nil:
			return "engagelab/whatsapp"
		}
		return "unknown: " + string(body)
	}
	post := func(t *testing.T, path string, body []byte) (int, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, m.URL+path, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(m.DevKey, m.DevSecret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, buf.Bytes()
	}
	t.Run("the mock answers each example with its own operation", func(t *testing.T) {
		for _, ex := range examples {
			status, body := post(t, ex.op.SendPath, ex.body)
			require.Equal(t, http.StatusOK, status, "%s %s: %s", ex.op.FullName(), ex.name, body)
			assert.Equal(t, ex.op.Doc.Name, shape(t, body), "%s %s", ex.op.FullName(), ex.name)
		}
	})
	t.Run("another product's body at a send path is refused", func(t *testing.T) {
		for _, ex := range examples {
			for _, op := range ops {
				if op.SendPath == ex.op.SendPath {
					continue
				}
				status, body := post(t, op.SendPath, ex.body)
				assert.Equal(t, http.StatusBadRequest, status, "%s %s at %s: %s", ex.op.FullName(), ex.name, op.SendPath, body)
			}
		}
	})
	t.Run("the typed clients on one URL", func(t *testing.T) {
		c := otpClient(t, m.URL, m)
		// Another recipient than the OTP example's, whose code is still live.
		otpRes, err := sendMessage(t.Context(), c, "+8613800138001", mock.DefaultOTPTemplateID)
		require.NoError(t, err)
		assert.NotEmpty(t, otpRes.SendChannel)
		smsRes, err := smsSend(t.Context(), c, smsTemplateID, "+8618701235678")
		require.NoError(t, err)
		assert.NotEmpty(t, smsRes.PlanID)
		waRes, err := waSend(t.Context(), c, waCodeTemplate("12345"))
		require.NoError(t, err)
		assert.NotEmpty(t, waRes.MessageID)
	})
}

// eventsReceiver serves the generated receiver and keeps what it decoded.
type eventsReceiver struct {
	mu  sync.Mutex
	got []elwhatsapp.EventsCallback
	url string
}

func startEventsReceiver(t *testing.T) *eventsReceiver {
	t.Helper()
	rcv := &eventsReceiver{}
	srv := httptest.NewServer(webhook.WhatsAppEventsHandler(func(_ context.Context, cb elwhatsapp.EventsCallback) error {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		rcv.got = append(rcv.got, cb)
		return nil
	}))
	t.Cleanup(srv.Close)
	rcv.url = srv.URL
	return rcv
}

func (r *eventsReceiver) last(t *testing.T) elwhatsapp.EventsCallback {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.got)
	return r.got[len(r.got)-1]
}

// batch wraps rows as EngageLab delivers them.
func batch(rows ...map[string]any) map[string]any {
	list := make([]any, len(rows))
	for i, r := range rows {
		list[i] = r
	}
	return map[string]any{"total": len(rows), "rows": list}
}

func TestWhatsAppCallbackEveryRowKind(t *testing.T) {
	common := func(extra map[string]any) map[string]any {
		row := map[string]any{"message_id": "1666165485030094861", "from": "+8613800138000", "to": "+447911123456",
			"server": "whatsapp", "channel": "whatsapp", "itime": 1640707579}
		for k, v := range extra {
			row[k] = v
		}
		return row
	}
	tests := []struct {
		name  string
		row   map[string]any
		check func(t *testing.T, row elwhatsapp.CallbackRow)
	}{
		{"delivered status", common(map[string]any{
			"custom_args": map[string]any{"order_id": "ORD-123"},
			"status": map[string]any{"message_status": "delivered", "error_code": 0, "status_data": map[string]any{
				"msg_time": 1663432355, "channel_message_id": "wamid.1==", "whatsapp_business_account_id": "WABA123",
				"timezone": "Asia/Shanghai", "country_code": "GB", "from_phone_id": "111111",
				"conversation": map[string]any{"id": "conv1", "origin": map[string]any{"type": "business_initiated"}},
				"pricing":      map[string]any{"pricing_model": "CBP", "category": "business_initiated"},
			}}}), func(t *testing.T, row elwhatsapp.CallbackRow) {
			require.NotNil(t, row.Status)
			assert.Nil(t, row.Response)
			assert.Nil(t, row.Notification)
			assert.Equal(t, elwhatsapp.MessageStatusDelivered, row.Status.MessageStatus)
			assert.Equal(t, int64(1663432355), row.Status.StatusData.MsgTime)
			assert.Equal(t, elwhatsapp.OriginTypeBusinessInitiated, row.Status.StatusData.Conversation.Origin.Type)
			assert.Equal(t, "CBP", row.Status.StatusData.Pricing.PricingModel)
			assert.Equal(t, "Asia/Shanghai", row.Status.StatusData.Timezone)
			assert.Equal(t, "ORD-123", row.CustomArgs["order_id"])
		}},
		{"plan status", common(map[string]any{"status": map[string]any{"message_status": "plan",
			"status_data": map[string]any{"plan_user_total": 3}}}), func(t *testing.T, row elwhatsapp.CallbackRow) {
			require.NotNil(t, row.Status)
			assert.Equal(t, elwhatsapp.MessageStatusPlan, row.Status.MessageStatus)
			assert.Equal(t, int64(3), row.Status.StatusData.PlanUserTotal)
		}},
		{"failed delivery", common(map[string]any{"status": map[string]any{"message_status": "delivered_failed", "error_code": 131026,
			"error_detail": map[string]any{"message": "undeliverable"}, "loss": map[string]any{"loss_step": 3, "loss_source": "meta"}}}),
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Status)
				assert.Equal(t, int32(131026), row.Status.ErrorCode)
				assert.Equal(t, "undeliverable", row.Status.ErrorDetail.Message)
				assert.Equal(t, elwhatsapp.LossStepDeliveryFailed, row.Status.Loss.LossStep)
				assert.Equal(t, elwhatsapp.LossSourceMeta, row.Status.Loss.LossSource)
			}},
		{"status this SDK does not know", common(map[string]any{"status": map[string]any{"message_status": "warning"}}),
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Status)
				assert.Equal(t, elwhatsapp.MessageStatus("warning"), row.Status.MessageStatus)
				assert.False(t, row.Status.MessageStatus.Valid(), "kept, and known to be unknown")
			}},
		{"reply", common(map[string]any{"response": map[string]any{"event": "reply", "response_data": map[string]any{
			"channel_message_id": "wamid.2==", "whatsapp_business_account_id": "123321",
			"contact": map[string]any{"profile": map[string]any{"name": "Bob"}, "wa_id": "8613800138000"},
			"message": map[string]any{"type": "text", "text": map[string]any{"body": "Thanks!"}},
			"message_context": map[string]any{"origin_from_phone": "447911123456", "origin_channel_message_id": "wamid.0==",
				"origin_from_phone_id": "111111", "origin_message_id": "1666165485030094860"},
		}}}), func(t *testing.T, row elwhatsapp.CallbackRow) {
			require.NotNil(t, row.Response)
			assert.Nil(t, row.Status)
			d := row.Response.ResponseData
			assert.Equal(t, elwhatsapp.ResponseEventReply, row.Response.Event)
			assert.Equal(t, "Bob", d.Contact.Profile.Name)
			assert.Equal(t, elwhatsapp.IncomingMessageTypeText, d.Message.Type)
			assert.Equal(t, "Thanks!", d.Message.Text.Body)
			assert.Equal(t, "1666165485030094860", d.MessageContext.OriginMessageID)
		}},
		{"an image the user sent", common(map[string]any{"response": map[string]any{"event": "received", "response_data": map[string]any{
			"message": map[string]any{"type": "image", "image": map[string]any{"id": "media-1", "mime_type": "image/jpeg"}},
		}}}), func(t *testing.T, row elwhatsapp.CallbackRow) {
			require.NotNil(t, row.Response)
			msg := row.Response.ResponseData.Message
			assert.Equal(t, elwhatsapp.IncomingMessageTypeImage, msg.Type)
			assert.Equal(t, map[string]any{"id": "media-1", "mime_type": "image/jpeg"}, msg.AdditionalProperties["image"], "kept as it came")
		}},
		{"low balance", map[string]any{"server": "whatsapp", "itime": 1640707579, "notification": map[string]any{
			"event": "insufficient_balance", "notification_data": map[string]any{
				"whatsapp_business_account_id": "WABA123", "remain_balance": 5.1234, "balance_threshold": 10}}},
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Notification)
				assert.Nil(t, row.Status)
				assert.Empty(t, row.MessageID)
				assert.Equal(t, elwhatsapp.NotificationEventInsufficientBalance, row.Notification.Event)
				assert.InDelta(t, 5.1234, row.Notification.NotificationData.RemainBalance, 1e-9)
				assert.InDelta(t, 10, row.Notification.NotificationData.BalanceThreshold, 1e-9)
			}},
		{"template update", map[string]any{"server": "whatsapp", "itime": 1640707579, "notification": map[string]any{
			"event": "template_update", "notification_data": map[string]any{"whatsapp_business_account_id": "WABA123",
				"template_id": "406979728071589", "template_name": "code", "template_language": "en",
				"template_status": "FLAGGED", "template_status_reason": "LOW_QUALITY"}}},
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Notification)
				d := row.Notification.NotificationData
				assert.Equal(t, elwhatsapp.NotifiedTemplateStatusFlagged, d.TemplateStatus)
				assert.Equal(t, "LOW_QUALITY", d.TemplateStatusReason)
			}},
		{"number tier", map[string]any{"server": "whatsapp", "itime": 1640707579, "notification": map[string]any{
			"event": "phone_number_update", "notification_data": map[string]any{"whatsapp_business_account_id": "WABA123",
				"phone_number_id": "111111", "display_phone_number": "+86 138 0013 8000", "current_limit": "TIER_10K"}}},
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Notification)
				assert.Equal(t, elwhatsapp.MessagingLimitTier10K, row.Notification.NotificationData.CurrentLimit)
			}},
		{"account violation", map[string]any{"server": "whatsapp", "itime": 1640707579, "notification": map[string]any{
			"event": "whatsapp_business_update", "notification_data": map[string]any{"whatsapp_business_account_id": "WABA123",
				"waba_event": "ACCOUNT_VIOLATION", "violation_type": "SCAM"}}},
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Notification)
				d := row.Notification.NotificationData
				assert.Equal(t, elwhatsapp.WABAEventAccountViolation, d.WabaEvent)
				assert.Equal(t, elwhatsapp.ViolationTypeScam, d.ViolationType)
			}},
		{"account banned", map[string]any{"server": "whatsapp", "itime": 1640707579, "notification": map[string]any{
			"event": "whatsapp_business_update", "notification_data": map[string]any{"whatsapp_business_account_id": "WABA123",
				"waba_event": "DISABLED_UPDATE", "ban_state": "DISABLE"}}},
			func(t *testing.T, row elwhatsapp.CallbackRow) {
				require.NotNil(t, row.Notification)
				assert.Equal(t, elwhatsapp.BanStateDisable, row.Notification.NotificationData.BanState)
			}},
	}
	m := mock.Start(t)
	rcv := startEventsReceiver(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, m.SendCallback(t.Context(), rcv.url, "engagelab/whatsapp", "EventsCallback", batch(tt.row)))
			got := rcv.last(t)
			assert.Equal(t, int32(1), got.Total)
			require.Len(t, got.Rows, 1)
			assert.Equal(t, "whatsapp", got.Rows[0].Server)
			assert.Equal(t, int64(1640707579), got.Rows[0].Itime)
			tt.check(t, got.Rows[0])
		})
	}
	t.Run("several rows of several kinds in one batch", func(t *testing.T) {
		require.NoError(t, m.SendCallback(t.Context(), rcv.url, "engagelab/whatsapp", "EventsCallback", batch(tests[0].row, tests[4].row, tests[6].row)))
		got := rcv.last(t)
		require.Len(t, got.Rows, 3)
		assert.NotNil(t, got.Rows[0].Status)
		assert.NotNil(t, got.Rows[1].Response)
		assert.NotNil(t, got.Rows[2].Notification)
	})
}

func TestWhatsAppCallbackRefusals(t *testing.T) {
	m := mock.Start(t)
	rcv := startEventsReceiver(t)
	t.Run("the mock sends nothing its spec does not allow", func(t *testing.T) {
		err := m.SendCallback(t.Context(), rcv.url, "engagelab/whatsapp", "EventsCallback", batch(map[string]any{"itime": 1}))
		require.Error(t, err, "a row without server")
	})
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"no rows", `{"total":0}`, http.StatusBadRequest},
		{"a row without itime", `{"total":1,"rows":[{"server":"whatsapp"}]}`, http.StatusBadRequest},
		{"not JSON", `total=1`, http.StatusBadRequest},
		{"a batch", `{"total":1,"rows":[{"server":"whatsapp","itime":1,"status":{"message_status":"read"}}]}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(rcv.url, "application/json", strings.NewReader(tt.body))
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
}
