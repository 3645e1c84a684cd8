package mock_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
)

// BenchmarkMockServer measures the mock's throughput for signed OTA
// verifies (signature check, JSON parse, handler, response), first with
// request validation off — the floor — then with full openapi3filter
// validation. The client load is the same for both: pre-signed requests
// from 16 goroutines over kept-alive connections, with the mock's clock
// pinned to the signature's ts so one signature serves every request.
func BenchmarkMockServer(b *testing.B) {
	now := time.UnixMilli(1_700_000_000_000)
	for _, impl := range []string{"novalidation", "validation"} {
		b.Run("impl="+impl, func(b *testing.B) {
			s, err := mock.New(mock.Config{
				Now:                   func() time.Time { return now },
				SkipRequestValidation: impl == "novalidation",
			})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(s)
			defer srv.Close()
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer hc.CloseIdleConnections()

			p := sign.Params{AccessKey: mock.DefaultAccessKey, TS: strconv.FormatInt(now.UnixMilli(), 10), BizType: "6"}
			post := func(action string, body []byte) []byte {
				p.Action = action
				sig, err := sign.Sign(sign.MD5, p, body, mock.DefaultAccessSecret)
				if err != nil {
					b.Fatal(err)
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/ota/"+action, bytes.NewReader(body))
				req.Header = http.Header{
					"Content-Type": {"application/json"},
					"accessKey":    {p.AccessKey}, "ts": {p.TS}, "bizType": {p.BizType},
					"action": {p.Action}, "sign": {sig},
				}
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return out
			}
			var init struct {
				Code int `json:"code"`
				Data struct {
					RequestID string `json:"requestId"`
				} `json:"data"`
			}
			if err := json.Unmarshal(post("init", []byte(`{"appkey":"pem28kje","phone":"6281234567890","userIp":"203.0.113.7"}`)), &init); err != nil || init.Code != 0 {
				b.Fatalf("init: %v %+v", err, init)
			}
			body := []byte(`{"appkey":"pem28kje","requestId":"` + init.Data.RequestID + `"}`)
			p.Action = "verify"
			sig, _ := sign.Sign(sign.MD5, p, body, mock.DefaultAccessSecret)
			url := srv.URL + "/api/ota/verify"
			want := []byte(`"code":0`)

			b.ReportAllocs()
			b.SetParallelism(8) // 16 clients on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
					req.Header = http.Header{
						"Content-Type": {"application/json"},
						"accessKey":    {p.AccessKey}, "ts": {p.TS}, "bizType": {p.BizType},
						"action": {p.Action}, "sign": {sig},
					}
					resp, err := hc.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					out, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if !bytes.Contains(out, want) {
						b.Errorf("unexpected reply %s", out)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
