package drafttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The draft NXCloud voice verification-code spec (issue 12): a form body
// with the voice application's key pair and a text result code, and a
// conversion report that sends no credential, takes JSON and answers a
// word (success/failed) as its code.
const voiceSpec = "nxcloud/voice"

var voicePair = option.WithAppCredentials("voice", "mock-voice-appkey", "mock-voice-secret")

func TestVoiceSendIsAFormWithTheApplicationsKeyPair(t *testing.T) {
	svc, w := draftStart(t, voiceSpec, voicePair)
	var out map[string]any
	require.NoError(t, svc.Call(context.Background(), "send", nil, draftExample(t, voiceSpec, "send"), &out, nil))
	assert.Equal(t, "0", out["code"], "the whole flat answer is the result, its code text")
	assert.Regexp(t, "^[0-9a-f]{32}$", out["messageid"], "the new call's ID")

	req, body := w.last(t)
	assert.Equal(t, "/api/voiceSms/versend", req.URL.Path)
	assert.Equal(t, specs.MediaForm, req.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, "mock-voice-appkey", form.Get("appkey"))
	assert.Equal(t, "mock-voice-secret", form.Get("secretkey"))
	assert.Equal(t, "Your verification code is 3-9-8-5-1-2", form.Get("content"), "form-encoded once, not twice")
	assert.Equal(t, "en", form.Get("lang"))
	assert.Equal(t, "62", form.Get("country_code"))
	for _, h := range []string{"accessKey", "sign", "ts", "Authorization"} {
		assert.Empty(t, req.Header.Get(h), "%s sent where no signature is due", h)
	}
}

func TestVoiceAWrongKeyPairIsAnAuthFailure(t *testing.T) {
	svc, _ := draftStart(t, voiceSpec, option.WithAppCredentials("voice", "mock-voice-appkey", "not-the-secret-XYZ"))
	err := svc.Call(context.Background(), "send", nil, draftExample(t, voiceSpec, "send"), new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode)
	assert.Equal(t, 1, ae.Code, "the text code \"1\" is read as 1")
	assert.ErrorIs(t, err, apierror.ErrAuth, "x-error-kinds: auth [1]")
	assert.NotContains(t, err.Error(), "not-the-secret-XYZ")

	// The SMS pair is another set: it does not stand in for the voice one.
	svc, _ = draftStart(t, voiceSpec, option.WithAppCredentials("sms", "mock-sms-appkey", "mock-sms-secret"))
	err = svc.Call(context.Background(), "send", nil, draftExample(t, voiceSpec, "send"), new(map[string]any), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `option.WithAppCredentials("voice"`)
}

func TestVoiceNothingIsSentWithBadParams(t *testing.T) {
	svc, w := draftStart(t, voiceSpec, voicePair)
	for name, tc := range map[string]struct {
		op    string
		edit  func(map[string]any)
		field string
	}{
		"a batch of numbers":   {"send", func(p map[string]any) { p["phone"] = "6281234567890,6281234567891" }, "phone"},
		"a plus sign":          {"send", func(p map[string]any) { p["country_code"] = "+62" }, "country_code"},
		"no language":          {"send", func(p map[string]any) { delete(p, "lang") }, "lang"},
		"an unknown language":  {"send", func(p map[string]any) { p["lang"] = "english" }, "lang"},
		"a status of 2":        {"reportConversion", func(p map[string]any) { p["status"] = 2 }, "status"},
		"a status as text":     {"reportConversion", func(p map[string]any) { p["status"] = "1" }, "status"},
		"no call ID to report": {"reportConversion", func(p map[string]any) { delete(p, "messageid") }, "messageid"},
	} {
		params := draftExample(t, voiceSpec, tc.op)
		tc.edit(params)
		err := svc.Call(context.Background(), tc.op, nil, params, new(map[string]any), nil)
		var ve *apierror.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Contains(t, strings.Join(ve.Problems, "; "), tc.field, name)
	}
	assert.Zero(t, w.count(), "a request was sent")
}

func TestVoiceReportConversionSendsJSONAndNoCredential(t *testing.T) {
	svc, w := draftStart(t, voiceSpec, voicePair)
	require.NoError(t, w.next.(*mock.Server).AddMessage(voiceSpec, "20d6c660bd664c65bef20026564b0b79")) // a call the mock made
	var out map[string]any
	require.NoError(t, svc.Call(context.Background(), "reportConversion", nil, draftExample(t, voiceSpec, "reportConversion"), &out, nil))
	assert.Equal(t, "success", out["code"])

	req, body := w.last(t)
	assert.Equal(t, "/api/voiceSms/conversion", req.URL.Path)
	assert.Equal(t, specs.MediaJSON, req.Header.Get("Content-Type"))
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.Equal(t, map[string]any{"messageid": "20d6c660bd664c65bef20026564b0b79", "status": float64(1)}, sent, "no key pair: x-app-credentials is null for it")

	// Status 0 (no conversion) is a value, not an absence.
	// (Another call: the mock takes one report per call.)
	require.NoError(t, w.next.(*mock.Server).AddMessage(voiceSpec, "30d6c660bd664c65bef20026564b0b79"))
	require.NoError(t, svc.Call(context.Background(), "reportConversion", nil, map[string]any{"messageid": "30d6c660bd664c65bef20026564b0b79", "status": 0}, nil, nil))
	_, body = w.last(t)
	assert.JSONEq(t, `{"messageid":"30d6c660bd664c65bef20026564b0b79","status":0}`, string(body))
}

// A refused report is the word "failed", which is no number: the error
// carries the answer, with no code.
func TestVoiceAFailedConversionReportIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":"failed","info":"messageid not exist"}`)
	}))
	defer srv.Close()
	err := draftService(t, voiceSpec, srv.URL).Call(context.Background(), "reportConversion", nil, draftExample(t, voiceSpec, "reportConversion"), new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.HasCode, "failed is not a numeric code")
	assert.Contains(t, err.Error(), "messageid not exist")
}

func TestVoiceReceiptCallbackSchema(t *testing.T) {
	cb := specs.MustLoad(voiceSpec).OpenAPI.Components.Schemas["ReceiptCallback"].Value
	// As NXCloud pushes it: form parameters in the query string of a POST.
	read := func(query string) error {
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		return cb.VisitJSON(specs.FormObject(cb, q), specs.SchemaValidationOptions()...)
	}
	verification := "phone=6281234567890&countryCode=62&duration=10&voice_type=1&messageid=20d6c660bd664c65bef20026564b0b79" +
		"&second=10&cycle=60&size=1&customer_price=0.036&record_url=https%3A%2F%2Frecords.example.net%2Fvoice%2Fa.wav" +
		"&start_time=2024-03-18+09%3A30%3A00&end_time=2024-03-18+09%3A30%3A10&result=Successful+connection" +
		"&hangup_cause=NORMAL_CLEARING&hangup_disposition=send_bye"
	assert.NoError(t, read(verification))
	groupCall := "phone=8615088888888&countryCode=86&duration=0&voice_type=0&messageid=74078a0090f17e011505297261994" +
		"&basic_price=0.005&second=0&cycle=60&size=0&customer_price=0.036&result=Unsuccessful+connection" +
		"&hangup_cause=NO_ANSWER&hangup_disposition=send_cancel&ivr_result="
	assert.NoError(t, read(groupCall), "ivr_result may be empty")
	assert.Error(t, read(strings.Replace(verification, "second=10", "second=ten", 1)), "second is a number")
	assert.Error(t, read(strings.Replace(verification, "hangup_disposition=send_bye", "hangup_disposition=timeout", 1)))
	assert.Error(t, read(strings.Replace(verification, "&messageid=20d6c660bd664c65bef20026564b0b79", "", 1)), "messageid is required")
}

// The mock rejects a reportConversion in the operation's own words: the
// code "failed", which its response schema's enum allows.
func TestVoiceMockRejectsAConversionReportInItsOwnWords(t *testing.T) {
	m, err := mock.New(mock.Config{OnInvalidResponse: func(op string, err error) {
		t.Errorf("mock: %s sent a response its spec does not allow: %v", op, err)
	}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/voiceSms/conversion", bytes.NewReader([]byte(`{"status":1}`))))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, "failed", got["code"])
}
