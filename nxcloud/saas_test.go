package nxcloud_test

// End-to-end tests of the SaaS platform operations (customer data and
// WhatsApp) and its WhatsApp webhook: the typed client against the mock,
// which answers from the spec's examples, and the generated receiver.
// The helpers (wireLog, nxClient, assertSigned) are in nxcc_test.go.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/saas"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

func saasCustomers() saas.BatchCreateCustomersParams {
	return saas.BatchCreateCustomersParams{
		Type: saas.MergeTypeReplace, TenantID: 144, AppKey: "46oKF=os",
		Customers: []saas.Customer{
			{FirstName: "San", LastName: "Zhang", WhatsAppPhone: "8618667728886", Birthday: "1976-04-12", Gender: verikit.Ptr(saas.GenderFemale)},
			{FirstName: "Si", LastName: "Li", CustomizeField: `{"customize_1_14": "aa"}`},
		},
	}
}

func saasMessage() saas.SendWhatsAppParams {
	return saas.SendWhatsAppParams{
		TenantID: 1, Appkey: "f543ertg", BusinessPhone: "8618500008399", To: "8613600009759",
		MessagingProduct: saas.SendWhatsAppParamsMessagingProductWhatsApp,
		RecipientType:    saas.SendWhatsAppParamsRecipientTypeIndividual,
		Type:             saas.SendWhatsAppParamsTypeTemplate,
		Template: saas.Template{
			Name:     "text_template",
			Language: saas.TemplateLanguage{Code: "en_US", Policy: saas.TemplateLanguagePolicyDeterministic},
			Components: []saas.TemplateComponent{
				{Type: saas.TemplateComponentTypeHeader, Parameters: []saas.TemplateParameter{
					{Type: saas.TemplateParameterTypeImage, Image: saas.TemplateImage{Link: "https://example.com/header.png"}},
				}},
				{Type: saas.TemplateComponentTypeBody, Parameters: []saas.TemplateParameter{
					{Type: saas.TemplateParameterTypeText, Text: "David"},
				}},
			},
		},
	}
}

// TestSaaSOperationsAreSigned: every operation is signed with bizType 2
// and action mt; the GET carries its params in the query and no body, so
// its signature has no &body= part.
func TestSaaSOperationsAreSigned(t *testing.T) {
	m := mock.Start(t)
	log := &wireLog{}
	c := nxClient(t, m, log)
	ctx := context.Background()

	require.NoError(t, c.SaaS.BatchCreateCustomers(ctx, saasCustomers()))
	req, body := log.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/saas/cdp/openapi/customers/batch_create", req.URL.Path)
	assertSigned(t, m, req, body, "2", "mt")
	var sent struct {
		Type      *int             `json:"type"`
		AppKey    string           `json:"app_key"`
		Customers []map[string]any `json:"customers"`
	}
	require.NoError(t, json.Unmarshal(body, &sent))
	require.NotNil(t, sent.Type, "type 0 (replace) is sent")
	assert.Equal(t, "46oKF=os", sent.AppKey)
	require.Len(t, sent.Customers, 2)
	assert.EqualValues(t, 0, sent.Customers[0]["gender"], "gender 0 (female) is sent")
	assert.NotContains(t, sent.Customers[1], "gender", "no gender given, none sent")

	for _, tc := range []struct {
		name     string
		isPreset *bool
		want     url.Values
	}{
		{"all fields", nil, url.Values{"tenant_id": {"144"}, "app_key": {"Lfap8mE"}}},
		{"the tenant's own fields", verikit.Ptr(false), url.Values{"tenant_id": {"144"}, "app_key": {"Lfap8mE"}, "is_preset": {"false"}}},
		{"the preset fields", verikit.Ptr(true), url.Values{"tenant_id": {"144"}, "app_key": {"Lfap8mE"}, "is_preset": {"true"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SaaS.ListCustomerFields(ctx, saas.ListCustomerFieldsParams{TenantID: 144, AppKey: "Lfap8mE", IsPreset: tc.isPreset})
			require.NoError(t, err)
			req, body := log.last(t)
			assert.Equal(t, http.MethodGet, req.Method)
			assert.Equal(t, "/saas/cdp/openapi/customers/fields", req.URL.Path)
			assert.Equal(t, tc.want, req.URL.Query())
			assert.Empty(t, body, "a GET sends no body")
			assertSigned(t, m, req, nil, "2", "mt")
		})
	}

	_, err := c.SaaS.SendWhatsApp(ctx, saasMessage())
	require.NoError(t, err)
	req, body = log.last(t)
	assert.Equal(t, "/saas/wa/send", req.URL.Path)
	assertSigned(t, m, req, body, "2", "mt")
}

func TestSaaSResults(t *testing.T) {
	m := mock.Start(t)
	c := nxClient(t, m, nil)
	ctx := context.Background()

	fields, err := c.SaaS.ListCustomerFields(ctx, saas.ListCustomerFieldsParams{TenantID: 144, AppKey: "Lfap8mE"})
	require.NoError(t, err)
	require.NotEmpty(t, fields)
	byName := map[string]saas.CustomerField{}
	for _, f := range fields {
		assert.True(t, f.FieldType.Valid(), "%s: field type %d", f.Name, f.FieldType)
		byName[f.Name] = f
	}
	assert.True(t, byName["first_name"].IsPreset)
	assert.Equal(t, saas.FieldTypeTags, byName["tags"].FieldType)
	assert.Equal(t, saas.FieldTypeDateTime, byName["created_at"].FieldType)
	assert.JSONEq(t, `{"formatter": "yyyy-MM-dd HH:mm:ss"}`, byName["created_at"].FieldTypeInfo)
	custom := byName["customize_1_14"]
	assert.False(t, custom.IsPreset)
	assert.EqualValues(t, 15, custom.Sequence, "a number, as the example sends it")
	assert.EqualValues(t, 144, custom.TenantID)
	assert.Empty(t, custom.Remark, "null reads as empty")

	sent, err := c.SaaS.SendWhatsApp(ctx, saasMessage())
	require.NoError(t, err)
	assert.Equal(t, "gBGGhSNXV1dfAglVQ0RRuE3YWhc", sent.MessageID)
}

func TestSaaSFailures(t *testing.T) {
	cases := []struct {
		name string
		op   string
		code saas.ResultCode
		call func(context.Context, *nxcloud.Client) error
		auth bool
	}{
		{"a recipient not on WhatsApp", "nxcloud/saas sendWhatsApp", saas.ResultCodeNotWhatsAppUser, func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.SaaS.SendWhatsApp(ctx, saasMessage())
			return err
		}, false},
		{"no balance", "nxcloud/saas sendWhatsApp", saas.ResultCodeInsufficientBalance, func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.SaaS.SendWhatsApp(ctx, saasMessage())
			return err
		}, false},
		{"a stale ts", "nxcloud/saas sendWhatsApp", saas.ResultCodeTimestampExpired, func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.SaaS.SendWhatsApp(ctx, saasMessage())
			return err
		}, true},
		{"a failed batch", "nxcloud/saas batchCreateCustomers", saas.ResultCodeRequestFailed, func(ctx context.Context, c *nxcloud.Client) error {
			return c.SaaS.BatchCreateCustomers(ctx, saasCustomers())
		}, false},
		{"fields of a bad signature", "nxcloud/saas listCustomerFields", saas.ResultCodeBadSignature, func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.SaaS.ListCustomerFields(ctx, saas.ListCustomerFieldsParams{TenantID: 144, AppKey: "Lfap8mE"})
			return err
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t)
			require.NoError(t, m.RejectNext(tc.op, mock.Rejection{Code: int(tc.code)}))
			err := tc.call(context.Background(), nxClient(t, m, nil))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(tc.code), ae.Code)
			assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
			assert.Equal(t, tc.auth, errors.Is(err, apierror.ErrAuth), "x-error-kinds auth: 1000–1005")
		})
	}
}

func TestSaaSParamsAreCheckedBeforeSending(t *testing.T) {
	m := mock.Start(t)
	log := &wireLog{}
	c := nxClient(t, m, log)
	ctx := context.Background()
	batch := func(f func(*saas.BatchCreateCustomersParams)) error {
		p := saasCustomers()
		f(&p)
		return c.SaaS.BatchCreateCustomers(ctx, p)
	}
	send := func(f func(*saas.SendWhatsAppParams)) error {
		p := saasMessage()
		f(&p)
		_, err := c.SaaS.SendWhatsApp(ctx, p)
		return err
	}
	fields := func(p saas.ListCustomerFieldsParams) error {
		_, err := c.SaaS.ListCustomerFields(ctx, p)
		return err
	}
	cases := []struct {
		name    string
		err     error
		problem string
	}{
		{"a batch without its app_key", batch(func(p *saas.BatchCreateCustomersParams) { p.AppKey = "" }), "app_key"},
		{"an empty batch", batch(func(p *saas.BatchCreateCustomersParams) { p.Customers = nil }), "customers"},
		{"101 customers", batch(func(p *saas.BatchCreateCustomersParams) {
			p.Customers = make([]saas.Customer, 101)
			for i := range p.Customers {
				p.Customers[i] = saas.Customer{FirstName: "A", LastName: "B"}
			}
		}), "customers"},
		{"a customer without a last name", batch(func(p *saas.BatchCreateCustomersParams) { p.Customers[0].LastName = "" }), "last_name"},
		{"a birthday as dd/MM/yyyy", batch(func(p *saas.BatchCreateCustomersParams) { p.Customers[0].Birthday = "12/04/1976" }), "birthday"},
		{"an undocumented gender", batch(func(p *saas.BatchCreateCustomersParams) { p.Customers[0].Gender = verikit.Ptr(saas.Gender(2)) }), "gender"},
		{"an undocumented merge type", batch(func(p *saas.BatchCreateCustomersParams) { p.Type = 3 }), "type"},
		{"fields without the tenant", fields(saas.ListCustomerFieldsParams{AppKey: "Lfap8mE"}), "tenant_id"},
		{"fields without the app key", fields(saas.ListCustomerFieldsParams{TenantID: 144}), "app_key"},
		{"a text parameter without its text", send(func(p *saas.SendWhatsAppParams) { p.Template.Components[1].Parameters[0].Text = "" }), "text"},
		{"an image parameter without its image", send(func(p *saas.SendWhatsAppParams) { p.Template.Components[0].Parameters[0].Image = saas.TemplateImage{} }), "image"},
		{"an image that is not a web link", send(func(p *saas.SendWhatsAppParams) {
			p.Template.Components[0].Parameters[0].Image.Link = "ftp://example.com/a.png"
		}), "link"},
		{"a footer component", send(func(p *saas.SendWhatsAppParams) { p.Template.Components[0].Type = "footer" }), "type"},
		{"another policy", send(func(p *saas.SendWhatsAppParams) { p.Template.Language.Policy = "fallback" }), "policy"},
		{"no recipient", send(func(p *saas.SendWhatsAppParams) { p.To = "" }), "to"},
	}
	for _, tc := range cases {
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, tc.err, &ve, tc.name) {
			assert.Contains(t, strings.Join(ve.Problems, "; "), tc.problem, tc.name)
		}
	}
	assert.Zero(t, log.count(), "a refused request was sent")
}

// TestSaaSMockRefusesWhatTheSpecRefuses: a signed GET that leaves out
// tenant_id reaches the mock (past no client check), which answers with
// the catalogue's InvalidParameter (21058, "tenant_id is required") in
// the SaaS envelope.
func TestSaaSMockRefusesWhatTheSpecRefuses(t *testing.T) {
	m := mock.Start(t)
	hc := &http.Client{Transport: &sign.NXCloudTransport{AccessKey: m.AccessKey, AccessSecret: m.AccessSecret,
		Operation: func(*http.Request) (string, string, error) { return "2", "mt", nil }}}
	resp, err := hc.Get(m.URL + "/saas/cdp/openapi/customers/fields?app_key=Lfap8mE")
	require.NoError(t, err)
	defer resp.Body.Close()
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int(saas.ResultCodeInvalidParameter), env.Code)
	assert.Equal(t, 21058, env.Code)
	assert.Contains(t, env.Message, "tenant_id")
	assert.JSONEq(t, "null", string(env.Data))
}

// TestSaaSWhatsAppCallback: the generated receiver takes both kinds of
// push the webhook gets, each message status and the button click, as
// the page shows them, and refuses a status no table lists.
func TestSaaSWhatsAppCallback(t *testing.T) {
	var mu sync.Mutex
	var got []saas.WhatsAppCallback
	srv := httptest.NewServer(webhook.SaaSWhatsAppHandler(func(_ context.Context, cb saas.WhatsAppCallback) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, cb)
		return nil
	}))
	t.Cleanup(srv.Close)
	m := mock.Start(t)
	ctx := context.Background()

	const wamid = "wamid.HBgNODYxNzYwNjA1MDgxORUCABEYEjI4RTcyNzFGRDVGQTQwQkQ1RAA="
	status := func(s string, extra map[string]any) map[string]any {
		row := map[string]any{"id": wamid, "status": s, "timestamp": "1660019986", "recipient_id": "86176xxxx0819"}
		for k, v := range extra {
			row[k] = v
		}
		return map[string]any{"business_phone": "8618500000099", "messaging_product": "whatsapp", "statuses": []any{row}}
	}
	conversation := map[string]any{"id": "72569257438b471cae074da84bed1b83", "expiration_timestamp": "1660106400", "origin": map[string]any{"type": "business_initiated"}}
	pushes := []struct {
		name   string
		fields map[string]any
		check  func(t *testing.T, cb saas.WhatsAppCallback)
	}{
		{"sent", status("sent", map[string]any{"conversation": conversation}), func(t *testing.T, cb saas.WhatsAppCallback) {
			require.Len(t, cb.Statuses, 1)
			assert.Equal(t, saas.MessageStatusValueSent, cb.Statuses[0].Status)
			assert.Equal(t, "business_initiated", cb.Statuses[0].Conversation.Origin.Type)
			assert.Equal(t, "1660106400", cb.Statuses[0].Conversation.ExpirationTimestamp)
		}},
		{"read", status("read", nil), func(t *testing.T, cb saas.WhatsAppCallback) {
			require.Len(t, cb.Statuses, 1)
			assert.Equal(t, saas.MessageStatusValueRead, cb.Statuses[0].Status)
			assert.Empty(t, cb.Statuses[0].Conversation.ID)
		}},
		{"failed", status("failed", map[string]any{"errors": []any{map[string]any{"code": 470, "title": "outside the support window"}}}), func(t *testing.T, cb saas.WhatsAppCallback) {
			require.Len(t, cb.Statuses, 1)
			require.Len(t, cb.Statuses[0].Errors, 1)
			assert.EqualValues(t, 470, cb.Statuses[0].Errors[0].Code)
		}},
		{"deleted", status("deleted", map[string]any{"type": "message", "message": map[string]any{"recipient_id": "86176xxxx0819"}}), func(t *testing.T, cb saas.WhatsAppCallback) {
			require.Len(t, cb.Statuses, 1)
			assert.Equal(t, saas.MessageStatusValueDeleted, cb.Statuses[0].Status)
			assert.Equal(t, "86176xxxx0819", cb.Statuses[0].Message.RecipientID)
		}},
		{"button click", map[string]any{
			"business_phone": "1xxxxxxxxxx", "messaging_product": "whatsapp",
			"contacts": []any{map[string]any{"profile": map[string]any{"name": "Name"}, "wa_id": "861xxxxxxxxxx"}},
			"messages": []any{map[string]any{
				"button":  map[string]any{"payload": "Button ID", "text": "Template Button Name"},
				"context": map[string]any{"from": "185xxxxxx99", "id": "wamid.9ce86df19d7941c3965cac2a131a0b0e"},
				"from":    "861xxxxxxxx59", "id": "wamid.HBgNODYxMzYwMzAxOTc1ORUCABIYFjNFQjA0NUJBNDczOTIzQUZBOUQ0OUEA",
				"timestamp": "1692266760", "type": "button", "tag_name": "Tag Name",
				"wa_ext": `{"templateId":233,"templateName":"Template Name"}`,
			}},
		}, func(t *testing.T, cb saas.WhatsAppCallback) {
			assert.Empty(t, cb.Statuses)
			require.Len(t, cb.Contacts, 1)
			assert.Equal(t, "Name", cb.Contacts[0].Profile.Name)
			require.Len(t, cb.Messages, 1)
			msg := cb.Messages[0]
			assert.Equal(t, "Button ID", msg.Button.Payload)
			assert.Equal(t, "wamid.9ce86df19d7941c3965cac2a131a0b0e", msg.Context.ID)
			assert.Equal(t, "button", msg.Type)
			assert.JSONEq(t, `{"templateId":233,"templateName":"Template Name"}`, msg.WaExt)
			assert.Equal(t, "1xxxxxxxxxx", cb.BusinessPhone)
		}},
	}
	for _, p := range pushes {
		// Through JSON, as the mock checks what it sends.
		b, err := json.Marshal(p.fields)
		require.NoError(t, err)
		var fields map[string]any
		require.NoError(t, json.Unmarshal(b, &fields))
		require.NoError(t, m.SendCallback(ctx, srv.URL, "nxcloud/saas", "WhatsAppCallback", fields), p.name)
	}
	mu.Lock()
	require.Len(t, got, len(pushes))
	for i, p := range pushes {
		t.Run(p.name, func(t *testing.T) { p.check(t, got[i]) })
	}
	mu.Unlock()

	for name, body := range map[string]string{
		"a status no table lists": `{"business_phone":"1","messaging_product":"whatsapp","statuses":[{"id":"x","status":"seen","timestamp":"1","recipient_id":"2"}]}`,
		// The page's status examples leave out the two fields its tables
		// list; the spec follows the tables.
		"a status without the business number and the product": `{"statuses":[{"id":"x","status":"read","timestamp":"1","recipient_id":"2"}]}`,
	} {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
	}
	mu.Lock()
	assert.Len(t, got, len(pushes), "a refused push reaches nobody")
	mu.Unlock()
}
