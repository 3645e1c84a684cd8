package mock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// A rule the docs give a code of its own (x-error-code, x-list-max,
// x-max-days-back in the specs) is answered with that code in the
// vendor's envelope, not with the generic parameter error. The requests
// are raw: the client would refuse most of them before sending.
func TestDocumentedRejectionsGetTheirOwnCodes(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	smsKey, smsSecret := m.AppCredentials("sms")
	voiceKey, voiceSecret := m.AppCredentials("voice")
	fcKey, fcSecret := m.AppCredentials("flashcall")
	sms := func(kv ...string) url.Values {
		v := url.Values{"appkey": {smsKey}, "secretkey": {smsSecret}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	voice := func(kv ...string) url.Values {
		v := url.Values{"appkey": {voiceKey}, "secretkey": {voiceSecret}, "phone": {"6281234567890"}, "country_code": {"62"},
			"show_phone": {"6221500123"}, "content": {"1-2-3-4"}, "lang": {"en"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	six := "8615000000001,8615000000002,8615000000003,8615000000004,8615000000005,8615000000006"
	five := six[:strings.LastIndex(six, ",")]
	today := fixedNow.Format("20060102")
	post := func(path string, form url.Values) *http.Request {
		req, err := http.NewRequest(http.MethodPost, m.URL+path, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", specs.MediaForm)
		return req
	}
	signed := func(spec, opID, body string) *http.Request {
		op, ok := specs.MustLoad(spec).Operation(opID)
		require.True(t, ok)
		return nxRequest{path: op.Path, accessKey: mock.DefaultAccessKey, secret: mock.DefaultAccessSecret,
			ts: strconv.FormatInt(fixedNow.UnixMilli(), 10), bizType: op.BizType, action: op.Action, alg: sign.MD5,
			body: body, spelling: exact}.build(t, m.URL)
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		code string
	}{
		{"sms: six numbers (verification application)", post("/api/sms/mtsend", sms("phone", six, "content", "hi")), "104"},
		{"sms: five numbers", post("/api/sms/mtsend", sms("phone", five, "content", "hi")), "0"},
		{"sms: a sender with a space", post("/api/sms/mtsend", sms("phone", "8615000000001", "content", "hi", "source_address", "NX CLOUD")), "8"},
		{"sms: content too long", post("/api/sms/mtsend", sms("phone", "8615000000001", "content", strings.Repeat("a", 1001))), "5"},
		{"sms: no content", post("/api/sms/mtsend", sms("phone", "8615000000001")), "4"},
		{"sms: a record 40 days back", post("/api/sms/get", sms("date", fixedNow.AddDate(0, 0, -40).Format("20060102"), "messageid", "x1")), "3"},
		{"sms: a record 31 days back", post("/api/sms/get", sms("date", fixedNow.AddDate(0, 0, -31).Format("20060102"), "messageid", "x1")), "0"},
		{"sms: page 0", post("/api/sms/getSmsCdr", sms("date", today, "page", "0", "page_size", "10")), "3"},
		{"sms: page size 1000", post("/api/sms/getSmsCdr", sms("date", today, "page", "1", "page_size", "1000")), "3"},
		{"sms: a malformed date is a bad parameter", post("/api/sms/get", sms("date", "2026-12-01", "messageid", "x1")), "1"},
		{"sms v2: six numbers", signed("nxcloud/sms-v2", "send", fmt.Sprintf(`{"appKey":"k","phone":%q,"content":"hi"}`, six)), "104"},
		{"voice: two numbers", post("/api/voiceSms/versend", voice("phone", "6281234567890,6281234567891")), "6"},
		{"voice: a plus in the country code", post("/api/voiceSms/versend", voice("country_code", "+62")), "23"},
		{"voice: a caller with letters", post("/api/voiceSms/versend", voice("show_phone", "NXCLOUD")), "21"},
		{"voice: empty content", post("/api/voiceSms/versend", voice("content", "")), "4"},
		{"flash call: empty msisdn", post("/otp/call/", url.Values{"appkey": {fcKey}, "appsecret": {fcSecret}, "msisdn": {""}}), "5"},
		{"number check: a 65-character batch", signed("nxcloud/numbercheck", "check", fmt.Sprintf(`{"phone":"2348000012345","appkey":"a","batchNo":%q}`, strings.Repeat("b", 65))), "212"},
		{"number check: check level 2", signed("nxcloud/numbercheck", "check", `{"phone":"2348000012345","appkey":"a","checkLevel":2}`), "207"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.code, answerCode(t, tc.req))
		})
	}

	t.Run("flash call: a time in another form", func(t *testing.T) {
		q := url.Values{"appkey": {fcKey}, "appsecret": {fcSecret}, "start": {"2021/04/27 17:00:00"}, "end": {"2021-04-27 18:00:00"}}
		req, err := http.NewRequest(http.MethodGet, m.URL+"/otp/call/list?"+q.Encode(), nil)
		require.NoError(t, err)
		assert.Equal(t, "7", answerCode(t, req))
	})
}

// answerCode is the code of a JSON answer, as text whether it came as a
// number or as text.
func answerCode(t *testing.T, req *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var env map[string]any
	require.NoError(t, json.Unmarshal(b, &env), "%s", b)
	return fmt.Sprint(env["code"])
}

// A success that carries nothing has no payload field its schema does not
// declare (PNS unbind's answer is code and message only).
func TestAnEmptySuccessSaysOnlyWhatItsSchemaDeclares(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: fixedClock})
	op, ok := specs.MustLoad("nxcloud/pns").Operation("unbind")
	require.True(t, ok)
	ex := op.RequestExample()
	require.NotNil(t, ex)
	b, err := json.Marshal(ex)
	require.NoError(t, err)
	req := nxRequest{path: op.SendPath, accessKey: mock.DefaultAccessKey, secret: mock.DefaultAccessSecret,
		ts: strconv.FormatInt(fixedNow.UnixMilli(), 10), bizType: op.BizType, action: op.Action, alg: sign.MD5,
		body: string(b), spelling: exact}.build(t, m.URL)
	r := send(t, req)
	require.Equal(t, 0, r.code(t), "%v", r.fields)
	assert.NotContains(t, r.fields, "data")
}
