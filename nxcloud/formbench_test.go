package nxcloud_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/verikit/verikit/gen/nxcloud/sms"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// smsReply is a canned SMS send success, in the flat text-code shape.
var smsReply = []byte(`{"code":"0","result":"Request succeeded","messageid":"20d6c660bd664c65bef20026564b0b79"}`)

// BenchmarkFormCall compares one SMS send through the SDK (a form body
// with the application's key pair, the params checked against the spec,
// the text code judged, the typed decode) with the same call written by
// hand (impl=handwritten, the floor): url.Values encoded, a POST, the body
// read and decoded, the code compared with "0".
func BenchmarkFormCall(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(smsReply)
	}))
	b.Cleanup(srv.Close)
	const appKey, appSecret = "bench-sms-appkey", "bench-sms-secret"
	params := sms.SendParams{Phone: "8615088888888", Content: "Your code is 398512", SourceAddress: "NXCLOUD"}

	b.Run("impl=handwritten", func(b *testing.B) {
		hc := srv.Client()
		u := srv.URL + "/api/sms/mtsend"
		b.ReportAllocs()
		for b.Loop() {
			form := url.Values{"appkey": {appKey}, "secretkey": {appSecret}, "phone": {params.Phone},
				"content": {params.Content}, "source_address": {params.SourceAddress}}
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, u, strings.NewReader(form.Encode()))
			req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var res sms.SendResult
			if err := json.Unmarshal(out, &res); err != nil || res.Code != "0" {
				b.Fatal(err)
			}
		}
	})

	b.Run("impl=sdk", func(b *testing.B) {
		c, err := nxcloud.NewClient("", "", option.WithBaseURL(srv.URL), option.WithHTTPClient(srv.Client()),
			option.WithAppCredentials("sms", appKey, appSecret))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.SMS.Send(ctx, params)
			if err != nil || res.Messageid == "" {
				b.Fatal(err)
			}
		}
	})
}
