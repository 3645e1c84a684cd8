package drafttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The draft NXCloud e-mail verification-code spec (issue 12): a JSON body
// with the e-mail application's camel-case key pair (appKey/secretKey),
// an integer result code, and a record query whose success code is 200
// (the page's example) or 0 (its table), and whose result echoes the key
// pair back.
const emailSpec = "nxcloud/email"

var emailPair = option.WithAppCredentials("email", "mock-email-appkey", "mock-email-secret")

func TestEmailSendCarriesTheKeyPairInTheJSONBody(t *testing.T) {
	svc, w := draftStart(t, emailSpec, emailPair)
	var out map[string]any
	require.NoError(t, svc.Call(context.Background(), "send", nil, draftExample(t, emailSpec, "send"), &out, nil))
	assert.Equal(t, float64(0), out["code"], "the code is a JSON number")
	assert.Regexp(t, "^[0-9a-f]{32}$", out["result"], "the whole flat answer is the result: the new message's ID")

	req, body := w.last(t)
	assert.Equal(t, specs.MediaJSON, req.Header.Get("Content-Type"))
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.Equal(t, "mock-email-appkey", sent["appKey"], "the page's camel-case names")
	assert.Equal(t, "mock-email-secret", sent["secretKey"])
	assert.Equal(t, "li.wei@example.com", sent["to"])
	assert.Equal(t, map[string]any{"userName": "Li Wei", "date": "2024-03-18 09:30:00", "vCode": "482913"}, sent["templateData"], "templateData stays an object")
	for _, h := range []string{"accessKey", "sign", "ts", "Authorization"} {
		assert.Empty(t, req.Header.Get(h), "%s sent where no signature is due", h)
	}
}

func TestEmailAWrongKeyPairIsAnAuthFailure(t *testing.T) {
	for _, opID := range []string{"send", "listRecords"} {
		svc, _ := draftStart(t, emailSpec, option.WithAppCredentials("email", "mock-email-appkey", "not-the-secret-XYZ"))
		err := svc.Call(context.Background(), opID, nil, draftExample(t, emailSpec, opID), new(map[string]any), nil)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, opID)
		assert.True(t, ae.HasCode, opID)
		assert.Equal(t, 601101, ae.Code, "%s: BadAppCredentials", opID)
		assert.ErrorIs(t, err, apierror.ErrAuth, "%s: x-error-kinds: auth [601101]", opID)
		assert.NotContains(t, err.Error(), "not-the-secret-XYZ", opID)
	}
}

func TestEmailNothingIsSentWithoutTheKeyPairOrWithBadParams(t *testing.T) {
	svc, w := draftStart(t, emailSpec)
	err := svc.Call(context.Background(), "send", nil, draftExample(t, emailSpec, "send"), new(map[string]any), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `option.WithAppCredentials("email"`)

	svc, w = draftStart(t, emailSpec, emailPair)
	for name, tc := range map[string]struct {
		op    string
		edit  func(map[string]any)
		field string
	}{
		"two recipients":   {"send", func(p map[string]any) { p["to"] = "li.wei@example.com,ana@example.com" }, "to"},
		"no template":      {"send", func(p map[string]any) { delete(p, "templateName") }, "templateName"},
		"page too large":   {"listRecords", func(p map[string]any) { p["size"] = 101 }, "size"},
		"time not in form": {"listRecords", func(p map[string]any) { p["startTime"] = "2024-03-18T00:00:00Z" }, "startTime"},
	} {
		params := draftExample(t, emailSpec, tc.op)
		tc.edit(params)
		err := svc.Call(context.Background(), tc.op, nil, params, new(map[string]any), nil)
		var ve *apierror.ValidationError
		require.ErrorAs(t, err, &ve, name)
		assert.Contains(t, strings.Join(ve.Problems, "; "), tc.field, name)
	}
	assert.Zero(t, w.count(), "a request was sent")
}

func TestEmailListRecordsReturnsThePageAndMarksTheEchoedPairSecret(t *testing.T) {
	svc, w := draftStart(t, emailSpec, emailPair)
	var out struct {
		Code   int
		Msg    string
		Result struct {
			Records []struct {
				MessageID string  `json:"messageId"`
				SellPrice float64 `json:"sellPrice"`
				MsgResult string  `json:"msgResult"`
			}
			Total     int
			SecretKey string `json:"secretKey"`
		}
	}
	var sentMail map[string]any
	require.NoError(t, svc.Call(context.Background(), "send", nil, draftExample(t, emailSpec, "send"), &sentMail, nil))
	params := draftExample(t, emailSpec, "listRecords")
	params["messageId"] = sentMail["result"] // the mock lists what it sent, when it sent it
	delete(params, "startTime")
	delete(params, "endTime")
	require.NoError(t, svc.Call(context.Background(), "listRecords", nil, params, &out, nil))
	assert.Equal(t, 200, out.Code, "the mock answers the first success code, the page example's 200")
	require.Len(t, out.Result.Records, 1)
	assert.Equal(t, sentMail["result"], out.Result.Records[0].MessageID)
	assert.Equal(t, "DELIVRD", out.Result.Records[0].MsgResult)
	assert.Equal(t, "mock-email-secret", out.Result.SecretKey, "the answer echoes the secret: whatever prints it must mask it")

	_, body := w.last(t)
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.Equal(t, float64(20), sent["size"], "size goes as a JSON number")

	// Both echoed fields are marked for masking in the spec itself.
	page := specs.MustLoad(emailSpec).OpenAPI.Components.Schemas["RecordPage"].Value
	for _, f := range []string{"appKey", "secretKey"} {
		require.Contains(t, page.Properties, f)
		assert.Equal(t, true, page.Properties[f].Value.Extensions["x-secret"], "%s is x-secret", f)
	}
}

// Either success code of the record query is a success; any other code is
// the vendor's failure, read as a number.
func TestEmailListRecordsTakesBothSuccessCodes(t *testing.T) {
	for body, wantCode := range map[string]int{
		`{"msg":"success","result":{"records":[],"total":0,"size":10,"current":1},"code":200}`: -1,
		`{"msg":"success","result":{"records":[],"total":0,"size":10,"current":1},"code":0}`:   -1,
		`{"msg":"Template not found","code":601106}`:                                           601106,
		`{"msg":"success","result":{"records":[],"total":0,"size":10,"current":1},"code":"0"}`: 0,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
		err := draftService(t, emailSpec, srv.URL, emailPair).Call(context.Background(), "listRecords", nil, map[string]any{}, new(map[string]any), nil)
		srv.Close()
		if wantCode < 0 {
			assert.NoError(t, err, body)
			continue
		}
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, body)
		if wantCode > 0 {
			assert.Equal(t, wantCode, ae.Code, body)
			assert.NotErrorIs(t, err, apierror.ErrAuth, body)
		} else {
			assert.False(t, ae.HasCode, "%s: a text code is not this product's", body)
		}
	}
}

func TestEmailReceiptCallbackSchema(t *testing.T) {
	cb := specs.MustLoad(emailSpec).OpenAPI.Components.Schemas["ReceiptCallback"].Value
	validate := func(raw string) error {
		var v any
		require.NoError(t, json.Unmarshal([]byte(raw), &v))
		return cb.VisitJSON(v, specs.SchemaValidationOptions()...)
	}
	assert.NoError(t, validate(`{"messageId":"e7b3082a46cf4959a3bc10f5d101d1cc","sender":"noreply@mail.shopfront-demo.com","receiver":["li.wei@example.com"],"price":"0.265","result":"UNDELIV","sendTime":"2024-03-18 09:30:02"}`))
	assert.Error(t, validate(`{"messageId":"e7b3082a46cf4959a3bc10f5d101d1cc","sender":"noreply@mail.shopfront-demo.com","receiver":"li.wei@example.com","price":"0.265","result":"DELIVRD","sendTime":"2024-03-18 09:30:02"}`), "receiver is a list")
	assert.Error(t, validate(`{"messageId":"e7b3082a46cf4959a3bc10f5d101d1cc","sender":"noreply@mail.shopfront-demo.com","receiver":["li.wei@example.com"],"price":"0.265","result":"PENDING","sendTime":"2024-03-18 09:30:02"}`), "result is DELIVRD or UNDELIV")
}

// The key pair listRecords echoes inside `result` (marked x-secret) is
// masked in the debug log at any depth.
func TestEmailEchoedPairIsMaskedInLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, _ := draftStart(t, emailSpec, emailPair, option.WithLogger(logger), option.WithLogBodies())
	require.NoError(t, svc.Call(context.Background(), "listRecords", nil, draftExample(t, emailSpec, "listRecords"), new(map[string]any), nil))
	assert.NotContains(t, logs.String(), "mock-email-secret")
	assert.NotContains(t, logs.String(), "mock-email-appkey")
}
