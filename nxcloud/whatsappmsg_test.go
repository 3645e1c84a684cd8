package nxcloud_test

// End-to-end tests of NXCloud WhatsApp messaging (specs/nxcloud/whatsapp.yaml):
// the typed client (generated code, request checks against the spec,
// signing) against the mock, which checks every signature, validates
// every request, keeps the templates, media and messages, and has each of
// its responses checked against the spec by mock.Start; and the webhook's
// generated receiver, fed by the mock.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/whatsapp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/webhook"
)

const (
	waMsgApp      = "f543ertg"
	waMsgBusiness = "8618500008399"
	waMsgUser     = "8613600009759"
)

func waMsgClient(t *testing.T, m *mock.Running) *whatsapp.Client {
	t.Helper()
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	return c.WhatsAppMessaging
}

// waMsg is a message of the given type to waMsgUser; fill sets its part.
func waMsg(typ whatsapp.MessageType, fill func(*whatsapp.SendMessageParams)) whatsapp.SendMessageParams {
	p := whatsapp.SendMessageParams{
		Appkey: waMsgApp, BusinessPhone: waMsgBusiness, To: waMsgUser, Type: typ,
		MessagingProduct: whatsapp.MessagingProductWhatsApp,
		RecipientType:    whatsapp.SendMessageParamsRecipientTypeIndividual,
	}
	if fill != nil {
		fill(&p)
	}
	return p
}

// waTemplate is a template of waMsgBusiness with one body.
func waTemplate(name string, lang whatsapp.TemplateLanguage, body string) whatsapp.CreateTemplateParams {
	return whatsapp.CreateTemplateParams{
		Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp,
		Name: name, Language: lang, Category: whatsapp.TemplateCategoryUtility,
		Components: []whatsapp.TemplateComponent{{Type: whatsapp.ComponentTypeBody, Text: body}},
	}
}

func waList(t *testing.T, wa *whatsapp.Client, p whatsapp.ListTemplatesParams) *whatsapp.TemplatePage {
	t.Helper()
	p.Appkey, p.BusinessPhone, p.MessagingProduct = waMsgApp, waMsgBusiness, whatsapp.MessagingProductWhatsApp
	page, err := wa.ListTemplates(context.Background(), p)
	require.NoError(t, err)
	require.NotNil(t, page)
	return page
}

// names lists a page's templates as name/language.
func names(page *whatsapp.TemplatePage) []string {
	out := []string{}
	for _, tpl := range page.Data {
		out = append(out, tpl.Name+"/"+string(tpl.Language))
	}
	return out
}

func waTemplateMessage(name string, lang whatsapp.TemplateLanguage) whatsapp.SendMessageParams {
	return waMsg(whatsapp.MessageTypeTemplate, func(p *whatsapp.SendMessageParams) {
		p.Template = whatsapp.TemplateContent{
			Name:     name,
			Language: whatsapp.TemplateMessageLanguage{Code: lang, Policy: whatsapp.TemplateMessageLanguagePolicyDeterministic},
			Components: []whatsapp.TemplateMessageComponent{{
				Type:       whatsapp.TemplateMessageComponentTypeBody,
				Parameters: []whatsapp.TemplateParameter{{Type: whatsapp.TemplateParameterTypeText, Text: "1024"}},
			}},
		}
	})
}

// TestWhatsAppSendEachKindOfMessage sends one message of every kind the
// spec types, and gets a new message ID for each.
func TestWhatsAppSendEachKindOfMessage(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	_, err := wa.CreateTemplate(ctx, waTemplate("order_shipped", whatsapp.TemplateLanguageEnglishUS, "Order {{1}} has shipped."))
	require.NoError(t, err)

	tests := []struct {
		name   string
		params whatsapp.SendMessageParams
		part   string // the JSON part the request must carry
	}{
		{"text", waMsg(whatsapp.MessageTypeText, func(p *whatsapp.SendMessageParams) {
			p.Text = whatsapp.TextContent{Body: "Your order has shipped: https://shop.example.com/o/1024", PreviewURL: true}
		}), "text"},
		{"image by link", waMsg(whatsapp.MessageTypeImage, func(p *whatsapp.SendMessageParams) {
			p.Image = whatsapp.CaptionedMedia{Link: "https://cdn.example.com/parcel.jpg", Caption: "Your parcel"}
		}), "image"},
		{"video by id", waMsg(whatsapp.MessageTypeVideo, func(p *whatsapp.SendMessageParams) {
			p.Video = whatsapp.CaptionedMedia{ID: "5867096a-a9be-4a56-94d6-89377623b4ac"}
		}), "video"},
		{"audio", waMsg(whatsapp.MessageTypeAudio, func(p *whatsapp.SendMessageParams) {
			p.Audio = whatsapp.PlainMedia{ID: "a51ca059-e12e-4838-b28b-d471773efb71"}
		}), "audio"},
		{"document", waMsg(whatsapp.MessageTypeDocument, func(p *whatsapp.SendMessageParams) {
			p.Document = whatsapp.DocumentMedia{Link: "https://cdn.example.com/invoice.pdf", Filename: "invoice.pdf"}
		}), "document"},
		{"location on the equator", waMsg(whatsapp.MessageTypeLocation, func(p *whatsapp.SendMessageParams) {
			p.Location = whatsapp.LocationContent{Latitude: 0, Longitude: 113.94, Name: "Somewhere"}
		}), "location"},
		{"sticker", waMsg(whatsapp.MessageTypeSticker, func(p *whatsapp.SendMessageParams) {
			p.Sticker = whatsapp.PlainMedia{ID: "1b0a4c77-c5e7-44fa-b2a3-b69941ed3c64"}
		}), "sticker"},
		{"template the mock created", waTemplateMessage("order_shipped", whatsapp.TemplateLanguageEnglishUS), "template"},
		{"template the mock never saw", waTemplateMessage("made_elsewhere", whatsapp.TemplateLanguageChineseCHN), "template"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw option.RawResponse
			res, err := wa.SendMessage(ctx, tt.params, option.WithRawResponse(&raw))
			require.NoError(t, err)
			require.Len(t, res.Messages, 1)
			id := res.Messages[0].ID
			assert.True(t, strings.HasPrefix(id, "wamid."), id)
			assert.False(t, seen[id], "every message gets a new ID")
			seen[id] = true
			assert.Equal(t, whatsapp.MessagingProductWhatsApp, res.MessagingProduct)
			assert.Zero(t, res.Error, "a success carries no Meta error")

			// Only the part of the message's type goes on the wire.
			body, err := json.Marshal(tt.params)
			require.NoError(t, err)
			var sent map[string]any
			require.NoError(t, json.Unmarshal(body, &sent))
			for _, part := range []string{"text", "image", "video", "audio", "document", "location", "sticker", "template"} {
				_, has := sent[part]
				assert.Equal(t, part == tt.part, has, "part %s", part)
			}
		})
	}
	// The equator is latitude 0: a required coordinate is sent even at zero.
	body, err := json.Marshal(tests[5].params.Location)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"latitude":0`)
}

// TestWhatsAppSendChecksTheMessageBeforeSending: a type without its part,
// and other breaches of the spec, never leave the client.
func TestWhatsAppSendChecksTheMessageBeforeSending(t *testing.T) {
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	c, err := nxcloud.NewClient("k", "s", option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	wa := c.WhatsAppMessaging

	tests := []struct {
		name    string
		params  whatsapp.SendMessageParams
		problem string
	}{
		{"image without its part", waMsg(whatsapp.MessageTypeImage, func(p *whatsapp.SendMessageParams) {
			p.Text = whatsapp.TextContent{Body: "not an image"}
		}), "image: is required when type names image"},
		{"template without its part", waMsg(whatsapp.MessageTypeTemplate, nil), "template: is required when type names template"},
		{"button without its index", waMsg(whatsapp.MessageTypeTemplate, func(p *whatsapp.SendMessageParams) {
			p.Template = whatsapp.TemplateContent{Name: "otp", Language: whatsapp.TemplateMessageLanguage{Code: whatsapp.TemplateLanguageEnglish, Policy: whatsapp.TemplateMessageLanguagePolicyDeterministic},
				Components: []whatsapp.TemplateMessageComponent{{Type: whatsapp.TemplateMessageComponentTypeButton, SubType: whatsapp.TemplateMessageComponentSubTypeURL}}}
		}), "index: is required when type names button"},
		{"a parameter of type text without text", waMsg(whatsapp.MessageTypeTemplate, func(p *whatsapp.SendMessageParams) {
			p.Template = whatsapp.TemplateContent{Name: "otp", Language: whatsapp.TemplateMessageLanguage{Code: whatsapp.TemplateLanguageEnglish, Policy: whatsapp.TemplateMessageLanguagePolicyDeterministic},
				Components: []whatsapp.TemplateMessageComponent{{Type: whatsapp.TemplateMessageComponentTypeBody, Parameters: []whatsapp.TemplateParameter{{Type: whatsapp.TemplateParameterTypeText}}}}}
		}), "text: is required when type names text"},
		{"no messaging_product", waMsg(whatsapp.MessageTypeText, func(p *whatsapp.SendMessageParams) {
			p.Text, p.MessagingProduct = whatsapp.TextContent{Body: "hi"}, ""
		}), "messaging_product"},
		{"an unknown type", waMsg("interactive", nil), "type"},
		{"a link that is not HTTP", waMsg(whatsapp.MessageTypeImage, func(p *whatsapp.SendMessageParams) {
			p.Image = whatsapp.CaptionedMedia{Link: "ftp://cdn.example.com/a.jpg"}
		}), "image.link"},
		{"a latitude off the globe", waMsg(whatsapp.MessageTypeLocation, func(p *whatsapp.SendMessageParams) {
			p.Location = whatsapp.LocationContent{Latitude: 91, Longitude: 0}
		}), "location.latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wa.SendMessage(context.Background(), tt.params)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, strings.Join(ve.Problems, "; "), tt.problem)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, hits, "a request that breaks the spec was sent")
}

// TestWhatsAppTemplateLifecycle: create → list → update → delete, and what
// a message naming the template meets at each step.
func TestWhatsAppTemplateLifecycle(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()

	en, err := wa.CreateTemplate(ctx, waTemplate("order_shipped", whatsapp.TemplateLanguageEnglishUS, "Order {{1}} has shipped."))
	require.NoError(t, err)
	assert.Equal(t, "9001230001", en.ID, "the mock's first template ID")
	zh, err := wa.CreateTemplate(ctx, waTemplate("order_shipped", whatsapp.TemplateLanguageChineseCHN, "订单 {{1}} 已发货。"))
	require.NoError(t, err)
	other, err := wa.CreateTemplate(ctx, waTemplate("welcome", whatsapp.TemplateLanguageEnglishUS, "Welcome!"))
	require.NoError(t, err)
	assert.NotEqual(t, en.ID, zh.ID)

	_, err = wa.CreateTemplate(ctx, waTemplate("order_shipped", whatsapp.TemplateLanguageEnglishUS, "again"))
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "a name exists once per language")
	assert.EqualValues(t, whatsapp.ResultCodeBusinessError, ae.Code)

	page := waList(t, wa, whatsapp.ListTemplatesParams{})
	assert.Equal(t, []string{"order_shipped/en_US", "order_shipped/zh_CN", "welcome/en_US"}, names(page))
	for _, tpl := range page.Data {
		assert.Equal(t, whatsapp.TemplateStatusApproved, tpl.Status, "the mock's review is instant")
		assert.Equal(t, whatsapp.ListedTemplateCategoryUtility, tpl.Category)
		require.Len(t, tpl.Components, 1)
		assert.Equal(t, whatsapp.ComponentTypeBody, tpl.Components[0].Type)
	}
	assert.Equal(t, []string{"order_shipped/en_US", "order_shipped/zh_CN"}, names(waList(t, wa, whatsapp.ListTemplatesParams{Name: "order_shipped"})))

	// Another business number has its own templates.
	elsewhere, err := wa.ListTemplates(ctx, whatsapp.ListTemplatesParams{Appkey: waMsgApp, BusinessPhone: "8613800001224", MessagingProduct: whatsapp.MessagingProductWhatsApp})
	require.NoError(t, err)
	assert.Empty(t, elsewhere.Data)

	upd := whatsapp.UpdateTemplateParams{
		Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp,
		TemplateID: other.ID, Category: whatsapp.TemplateCategoryMarketing,
		Components: []whatsapp.TemplateComponent{
			{Type: whatsapp.ComponentTypeHeader, Format: whatsapp.HeaderFormatText, Text: "Hi {{1}}", Example: whatsapp.TemplateExample{HeaderText: []string{"Li"}}},
			{Type: whatsapp.ComponentTypeBody, Text: "Welcome, {{1}}!", Example: whatsapp.TemplateExample{BodyText: [][]string{{"Li Wei"}}}},
		},
	}
	got, err := wa.UpdateTemplate(ctx, upd)
	require.NoError(t, err)
	assert.Equal(t, other.ID, got.ID)
	page = waList(t, wa, whatsapp.ListTemplatesParams{Name: "welcome"})
	require.Len(t, page.Data, 1)
	assert.Equal(t, whatsapp.ListedTemplateCategoryMarketing, page.Data[0].Category)
	assert.Equal(t, upd.Components, page.Data[0].Components, "the update replaced the components")

	_, err = wa.SendMessage(ctx, waTemplateMessage("order_shipped", whatsapp.TemplateLanguageChineseCHN))
	require.NoError(t, err, "a created template can be sent")

	del := whatsapp.DeleteTemplateParams{Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, Name: "order_shipped"}
	done, err := wa.DeleteTemplate(ctx, del)
	require.NoError(t, err)
	assert.True(t, done.Success)
	assert.Equal(t, []string{"welcome/en_US"}, names(waList(t, wa, whatsapp.ListTemplatesParams{})), "every language of the name is gone")

	_, err = wa.DeleteTemplate(ctx, del)
	require.ErrorAs(t, err, &ae, "a deleted name is gone")
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)

	upd.TemplateID = en.ID
	_, err = wa.UpdateTemplate(ctx, upd)
	require.ErrorAs(t, err, &ae, "a deleted template cannot be updated")
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)

	// A template message naming a deleted template: Meta refuses it, and
	// the 9099 answer carries Meta's error in the error's Data, typed by
	// the operation's result type.
	_, err = wa.SendMessage(ctx, waTemplateMessage("order_shipped", whatsapp.TemplateLanguageEnglishUS))
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeWhatsAppError, ae.Code)
	assert.Equal(t, "WhatsApp error", ae.Message)
	require.NotNil(t, ae.Data, "the failure's data is kept")
	var data whatsapp.SendMessageResult
	require.NoError(t, json.Unmarshal(ae.Data, &data), "data: %s", ae.Data)
	assert.Equal(t, 132001, data.Error.Code)
	assert.Equal(t, "OAuthException", data.Error.Type)
	assert.NotEmpty(t, data.Error.FbtraceID)
	assert.Equal(t, whatsapp.MessagingProductWhatsApp, data.Error.ErrorData.MessagingProduct)
	assert.Contains(t, data.Error.ErrorData.Details, "order_shipped")
	assert.Empty(t, data.Messages)

	// A name created again is usable again.
	_, err = wa.CreateTemplate(ctx, waTemplate("order_shipped", whatsapp.TemplateLanguageEnglishUS, "Back."))
	require.NoError(t, err)
	_, err = wa.SendMessage(ctx, waTemplateMessage("order_shipped", whatsapp.TemplateLanguageEnglishUS))
	require.NoError(t, err)
	_, err = wa.SendMessage(ctx, waTemplateMessage("order_shipped", whatsapp.TemplateLanguageChineseCHN))
	require.ErrorAs(t, err, &ae, "a language the name does not have is refused too")
	assert.EqualValues(t, whatsapp.ResultCodeWhatsAppError, ae.Code)
}

// TestWhatsAppTemplatePages walks the templates a page at a time, both
// ways, with the cursors of each answer.
func TestWhatsAppTemplatePages(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	var want []string
	for _, name := range []string{"a1", "a2", "a3", "a4", "a5"} {
		_, err := wa.CreateTemplate(ctx, waTemplate(name, whatsapp.TemplateLanguageEnglish, "Hello"))
		require.NoError(t, err)
		want = append(want, name+"/en")
	}
	assert.Equal(t, want, names(waList(t, wa, whatsapp.ListTemplatesParams{})), "20 a page by default")

	var pages [][]string
	p := whatsapp.ListTemplatesParams{Limit: 2}
	for {
		page := waList(t, wa, p)
		pages = append(pages, names(page))
		if page.Paging.Next == "" {
			break
		}
		require.Less(t, len(pages), 5, "the pages do not end")
		p.After = page.Paging.Cursors.After
	}
	assert.Equal(t, [][]string{{"a1/en", "a2/en"}, {"a3/en", "a4/en"}, {"a5/en"}}, pages)

	last := waList(t, wa, p)
	assert.NotEmpty(t, last.Paging.Previous)
	back := waList(t, wa, whatsapp.ListTemplatesParams{Limit: 2, Before: last.Paging.Cursors.Before})
	assert.Equal(t, []string{"a3/en", "a4/en"}, names(back))
	first := waList(t, wa, whatsapp.ListTemplatesParams{Limit: 2, Before: back.Paging.Cursors.Before})
	assert.Equal(t, []string{"a1/en", "a2/en"}, names(first))
	assert.Empty(t, first.Paging.Previous, "no page before the first")

	_, err := wa.ListTemplates(ctx, whatsapp.ListTemplatesParams{Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, After: "bm9wZQ"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeInvalidParameter, ae.Code)
}

// TestWhatsAppMediaGetAndDelete: a deleted medium is gone; one the mock
// never saw is answered from the spec's example.
func TestWhatsAppMediaGetAndDelete(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	const id = "fd81acff-eea8-4d9d-acc9-6c62904d6615"
	get := whatsapp.GetMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: id}
	del := whatsapp.DeleteMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: id}

	info, err := wa.GetMedia(ctx, get)
	require.NoError(t, err)
	assert.Equal(t, "image/webp", info.MimeType)
	assert.True(t, strings.HasPrefix(info.URL, "https://"), info.URL)

	var raw option.RawResponse
	done, err := wa.DeleteMedia(ctx, del, option.WithRawResponse(&raw))
	require.NoError(t, err)
	assert.True(t, done.Success)
	assert.Contains(t, string(raw.Body), `"Request successful"`)
	var ae *apierror.Error
	_, err = wa.GetMedia(ctx, get)
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)
	_, err = wa.DeleteMedia(ctx, del)
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeRequestFailed, ae.Code)

	// The body names the medium with the page's own key.
	body, err := json.Marshal(get)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"Media-ID":"`+id+`"`)
}

// TestWhatsAppTemplateComponentRules: a media header names its example
// by address; a header without its format, and a button row without
// buttons, are refused before sending.
func TestWhatsAppTemplateComponentRules(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	p := waTemplate("parcel_photo", whatsapp.TemplateLanguageEnglish, "Here is your parcel.")
	p.Components = append([]whatsapp.TemplateComponent{{
		Type: whatsapp.ComponentTypeHeader, Format: whatsapp.HeaderFormatImage,
		Example: whatsapp.TemplateExample{CustomHeaderHandleURL: "https://cdn.example.com/header.jpg"},
	}}, p.Components...)
	_, err := wa.CreateTemplate(ctx, p)
	require.NoError(t, err)
	page := waList(t, wa, whatsapp.ListTemplatesParams{Name: "parcel_photo"})
	require.Len(t, page.Data, 1)
	assert.Equal(t, "https://cdn.example.com/header.jpg", page.Data[0].Components[0].Example.CustomHeaderHandleURL)

	tests := []struct {
		name      string
		component whatsapp.TemplateComponent
		problem   string
	}{
		{"a header without its format", whatsapp.TemplateComponent{Type: whatsapp.ComponentTypeHeader, Text: "Hi"}, "format: is required when type names HEADER"},
		{"a button row without buttons", whatsapp.TemplateComponent{Type: whatsapp.ComponentTypeButtons}, "buttons: is required when type names BUTTONS"},
		{"a URL button without its address", whatsapp.TemplateComponent{Type: whatsapp.ComponentTypeButtons,
			Buttons: []whatsapp.TemplateButton{{Type: whatsapp.ButtonTypeURL, Text: "Track"}}}, "url: is required when type names URL"},
		{"a ONE_TAP button without its app", whatsapp.TemplateComponent{Type: whatsapp.ComponentTypeButtons,
			Buttons: []whatsapp.TemplateButton{{Type: whatsapp.ButtonTypeOTP, OtpType: whatsapp.TemplateButtonOtpTypeOneTap, Text: "Fill"}}}, "package_name: is required when otp_type names ONE_TAP"},
		{"a code valid for 91 minutes", whatsapp.TemplateComponent{Type: whatsapp.ComponentTypeFooter, CodeExpirationMinutes: 91}, "code_expiration_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := waTemplate("rules", whatsapp.TemplateLanguageEnglish, "Body")
			p.Components = append(p.Components, tt.component)
			_, err := wa.CreateTemplate(ctx, p)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, strings.Join(ve.Problems, "; "), tt.problem)
		})
	}
	_, err = wa.CreateTemplate(ctx, whatsapp.CreateTemplateParams{
		Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp,
		Name: "Not A Name", Language: whatsapp.TemplateLanguageEnglish, Category: whatsapp.TemplateCategoryMarketing,
		Components: []whatsapp.TemplateComponent{{Type: whatsapp.ComponentTypeBody, Text: "x"}},
	})
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "Meta's names are lower-case letters, digits and underscores")
	assert.Contains(t, strings.Join(ve.Problems, "; "), "name")
}

// TestWhatsAppListPhonesIsKeyedByNumber: the answer is the example's map,
// not the table's array.
func TestWhatsAppListPhonesIsKeyedByNumber(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	phones, err := wa.ListPhones(context.Background(), whatsapp.ListPhonesParams{Appkey: waMsgApp, MessagingProduct: whatsapp.MessagingProductWhatsApp, BusinessPhones: "8618500008399, 8613800001224"})
	require.NoError(t, err)
	require.NotNil(t, phones)
	require.Len(t, *phones, 2)
	for number, list := range *phones {
		require.Len(t, list, 1, number)
		p := list[0]
		assert.True(t, p.QualityRating.Valid() && p.NameStatus.Valid() && p.Status.Valid() && p.CurrentLimit.Valid() && p.CodeVerificationStatus.Valid(), "%s: %+v", number, p)
		assert.Equal(t, strings.ReplaceAll(p.DisplayPhoneNumber, " ", ""), "+"+number)
	}
}

// TestWhatsAppDocumentedFailures: each operation reports the failures the
// spec lists as *apierror.Error with the code, and auth codes as ErrAuth.
func TestWhatsAppDocumentedFailures(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	ctx := context.Background()
	text := waMsg(whatsapp.MessageTypeText, func(p *whatsapp.SendMessageParams) { p.Text = whatsapp.TextContent{Body: "hi"} })
	list := whatsapp.ListTemplatesParams{Appkey: waMsgApp, BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp}
	tests := []struct {
		op   string
		code whatsapp.ResultCode
		call func() error
		auth bool
	}{
		{"sendMessage", whatsapp.ResultCodeInsufficientBalance, func() error { _, err := wa.SendMessage(ctx, text); return err }, false},
		{"sendMessage", whatsapp.ResultCodeAppNotPriced, func() error { _, err := wa.SendMessage(ctx, text); return err }, false},
		{"sendMessage", whatsapp.ResultCodeDownstreamError, func() error { _, err := wa.SendMessage(ctx, text); return err }, false},
		{"sendMessage", whatsapp.ResultCodeBadSignature, func() error { _, err := wa.SendMessage(ctx, text); return err }, true},
		{"createTemplate", whatsapp.ResultCodeNotWhatsAppNumber, func() error {
			_, err := wa.CreateTemplate(ctx, waTemplate("x", whatsapp.TemplateLanguageEnglish, "x"))
			return err
		}, false},
		{"listTemplates", whatsapp.ResultCodePhoneNotBound, func() error { _, err := wa.ListTemplates(ctx, list); return err }, false},
		{"listPhones", whatsapp.ResultCodeAppUnavailable, func() error {
			_, err := wa.ListPhones(ctx, whatsapp.ListPhonesParams{Appkey: waMsgApp, MessagingProduct: whatsapp.MessagingProductWhatsApp})
			return err
		}, false},
		{"getMedia", whatsapp.ResultCodeTimestampExpired, func() error {
			_, err := wa.GetMedia(ctx, whatsapp.GetMediaParams{BusinessPhone: waMsgBusiness, MessagingProduct: whatsapp.MessagingProductWhatsApp, MediaID: "m"})
			return err
		}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.op, tt.code), func(t *testing.T) {
			require.NoError(t, m.RejectNext("nxcloud/whatsapp "+tt.op, mock.Rejection{Code: int(tt.code)}))
			err := tt.call()
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.EqualValues(t, tt.code, ae.Code)
			assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
			assert.Equal(t, tt.auth, errors.Is(err, apierror.ErrAuth))
		})
	}
	// A call the mock cannot authenticate: the signing layer's code.
	c, err := nxcloud.NewClient(m.AccessKey, "not-the-secret", option.WithBaseURL(m.URL))
	require.NoError(t, err)
	_, err = c.WhatsAppMessaging.SendMessage(ctx, text)
	assert.ErrorIs(t, err, apierror.ErrAuth)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, whatsapp.ResultCodeBadSignature, ae.Code)
}

// waHook serves the generated webhook receiver and keeps what it got.
type waHook struct {
	url string
	mu  sync.Mutex
	got []whatsapp.WebhookCallback
}

func startWAHook(t *testing.T) *waHook {
	t.Helper()
	h := &waHook{}
	srv := httptest.NewServer(webhook.WhatsAppMessagingWebhookHandler(func(_ context.Context, ev whatsapp.WebhookCallback) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.got = append(h.got, ev)
		return nil
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL
	return h
}

func (h *waHook) last(t *testing.T) whatsapp.WebhookCallback {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.NotEmpty(t, h.got)
	return h.got[len(h.got)-1]
}

// TestWhatsAppStatusCallbacks: the mock pushes each status of a message
// it sent, and the generated receiver decodes it.
func TestWhatsAppStatusCallbacks(t *testing.T) {
	m := mock.Start(t)
	wa := waMsgClient(t, m)
	hook := startWAHook(t)
	ctx := context.Background()
	res, err := wa.SendMessage(ctx, waMsg(whatsapp.MessageTypeText, func(p *whatsapp.SendMessageParams) { p.Text = whatsapp.TextContent{Body: "hi"} }))
	require.NoError(t, err)
	id := res.Messages[0].ID

	tests := []struct {
		status whatsapp.DeliveryStatus
		check  func(t *testing.T, st whatsapp.MessageStatus)
	}{
		{whatsapp.DeliveryStatusSent, func(t *testing.T, st whatsapp.MessageStatus) {
			assert.NotEmpty(t, st.Conversation.ID)
			assert.Equal(t, whatsapp.ConversationTypeUtility, st.Conversation.Origin.Type)
			require.Len(t, st.Costs, 1)
			cost := st.Costs[0]
			assert.Equal(t, whatsapp.CdrTypeUtility, cost.CdrType)
			assert.Equal(t, whatsapp.CostDirectionOutbound, cost.Direction)
			assert.InDelta(t, 0.02, cost.ForeignPrice, 1e-9)
			assert.Equal(t, "USD", cost.Currency)
			assert.Equal(t, id, cost.MessageID)
		}},
		{whatsapp.DeliveryStatusDelivered, func(t *testing.T, st whatsapp.MessageStatus) { assert.Empty(t, st.Costs) }},
		{whatsapp.DeliveryStatusRead, func(t *testing.T, st whatsapp.MessageStatus) { assert.Empty(t, st.Errors) }},
		{whatsapp.DeliveryStatusFailed, func(t *testing.T, st whatsapp.MessageStatus) {
			require.Len(t, st.Errors, 1)
			assert.Equal(t, 131047, st.Errors[0].Code)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			require.NoError(t, m.SendWhatsAppStatus(ctx, hook.url, id, string(tt.status)))
			ev := hook.last(t)
			assert.Equal(t, waMsgBusiness, ev.BusinessPhone)
			assert.Equal(t, whatsapp.MessagingProductWhatsApp, ev.MessagingProduct)
			assert.Empty(t, ev.Messages)
			require.Len(t, ev.Statuses, 1)
			st := ev.Statuses[0]
			assert.Equal(t, id, st.ID)
			assert.Equal(t, tt.status, st.Status)
			assert.Equal(t, waMsgUser, st.RecipientID)
			assert.NotEmpty(t, st.Timestamp)
			tt.check(t, st)
		})
	}
	assert.Error(t, m.SendWhatsAppStatus(ctx, hook.url, "wamid.unknown", "sent"), "a message the mock did not send")
}

// TestWhatsAppInboundCallbacks: a user's messages, from the mock and in
// the shapes of the page's own examples, reach the receiver typed; one
// without messaging_product is refused.
func TestWhatsAppInboundCallbacks(t *testing.T) {
	m := mock.Start(t)
	hook := startWAHook(t)
	ctx := context.Background()

	id, err := m.SendWhatsAppText(ctx, hook.url, waMsgBusiness, waMsgUser, "Jay", "Hello")
	require.NoError(t, err)
	ev := hook.last(t)
	require.Len(t, ev.Contacts, 1)
	assert.Equal(t, "Jay", ev.Contacts[0].Profile.Name)
	assert.Equal(t, waMsgUser, ev.Contacts[0].WaID)
	require.Len(t, ev.Messages, 1)
	msg := ev.Messages[0]
	assert.Equal(t, id, msg.ID)
	assert.Equal(t, whatsapp.InboundTypeText, msg.Type)
	assert.Equal(t, "Hello", msg.Text.Body)
	assert.Equal(t, whatsapp.CostDirectionInbound, msg.Cost.Direction)
	assert.Equal(t, waMsgBusiness, ev.BusinessPhone)
	assert.Equal(t, waMsgBusiness, ev.MerchantPhone)

	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, m whatsapp.InboundMessage)
	}{
		{"location with numeric coordinates", `{"messages":[{"from":"86176","id":"ABG1","timestamp":"1663053163","type":"location",
			"location":{"address":"Shenzhen, Guangdong","latitude":22.550802897696343,"longitude":113.93844723701477,"name":"KFC","url":"http://www.kfc.com.cn"},
			"cost":{"currency":"USD","price":0,"foreign_price":0,"cdr_type":8,"message_id":"ABG1","direction":1}}],
			"merchant_phone":"86176","messaging_product":"whatsapp"}`, func(t *testing.T, m whatsapp.InboundMessage) {
			assert.InDelta(t, 22.550802897696343, m.Location.Latitude, 1e-12)
			assert.Equal(t, "http://www.kfc.com.cn", m.Location.URL)
			assert.Equal(t, whatsapp.CdrTypeFreeAdReferral, m.Cost.CdrType)
		}},
		{"sticker with metadata", `{"messages":[{"from":"86176","id":"ABG2","timestamp":"1663054803","type":"sticker",
			"sticker":{"id":"1b0a","metadata":{"emojis":["☕","🙂"],"is-first-party-sticker":1,"sticker-pack-id":"whatsappcuppy"},"mime_type":"image/webp","sha256":"9826"}}],
			"merchant_phone":"86176","messaging_product":"whatsapp"}`, func(t *testing.T, m whatsapp.InboundMessage) {
			assert.Equal(t, []string{"☕", "🙂"}, m.Sticker.Metadata.Emojis)
			assert.Equal(t, 1, m.Sticker.Metadata.IsFirstPartySticker)
			assert.Equal(t, "whatsappcuppy", m.Sticker.Metadata.StickerPackID)
		}},
		{"document with a caption", `{"messages":[{"from":"86176","id":"ABG3","timestamp":"1663052759","type":"document",
			"document":{"caption":"null.txt","filename":"null.txt","id":"806b","mime_type":"text/plain","sha256":"90c7"}}],"messaging_product":"whatsapp"}`,
			func(t *testing.T, m whatsapp.InboundMessage) {
				assert.Equal(t, "null.txt", m.Document.Filename)
				assert.Equal(t, "text/plain", m.Document.MimeType)
			}},
		{"a kind the page does not list", `{"messages":[{"from":"86176","id":"ABG4","timestamp":"1663052759","type":"reaction"}],"messaging_product":"whatsapp"}`,
			func(t *testing.T, m whatsapp.InboundMessage) {
				assert.Equal(t, whatsapp.InboundType("reaction"), m.Type)
				assert.False(t, m.Type.Valid())
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(hook.url, "application/json", strings.NewReader(tt.body))
			require.NoError(t, err)
			reply, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", reply)
			assert.Equal(t, "success", strings.TrimSpace(string(reply)))
			ev := hook.last(t)
			require.Len(t, ev.Messages, 1)
			tt.check(t, ev.Messages[0])
		})
	}

	resp, err := http.Post(hook.url, "application/json", strings.NewReader(`{"statuses":[{"id":"x","status":"read","timestamp":"1","recipient_id":"2"}]}`))
	require.NoError(t, err)
	reply, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "a callback without messaging_product is refused")
	assert.Equal(t, "error", strings.TrimSpace(string(reply)))
}
