package mock_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/verikit/verikit/mock"
)

// BenchmarkAgainstPrism drives Prism (the Stoplight mock server; bench/run
// installs and starts it, and passes its URL in PRISM_URL) and this mock
// with the same load on the same spec over loopback: EngageLab OTP verify,
// a POST whose body both validate, from 16 concurrent clients. It reports
// requests per second; the mock runs with full validation of requests and
// responses, as mock.Start sets it up.
func BenchmarkAgainstPrism(b *testing.B) {
	prism := os.Getenv("PRISM_URL")
	if prism == "" {
		b.Skip("PRISM_URL is not set: bench/run starts Prism and sets it")
	}
	body := []byte(`{"message_id":"1725407449772531712","verify_code":"667090"}`)
	load := func(b *testing.B, base string) {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		b.Cleanup(hc.CloseIdleConnections)
		b.SetParallelism(8) // 16 clients on 2 cores
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodPost, base+"/v1/verifications", bytes.NewReader(body))
				req.SetBasicAuth(mock.DefaultDevKey, mock.DefaultDevSecret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				// Prism answers the example (200); the mock, whose state
				// knows no such message, its 4xx. Both validated the
				// request first; anything else is a broken benchmark.
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
					b.Errorf("HTTP %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	}
	b.Run("impl=prism", func(b *testing.B) { load(b, prism) })
	b.Run("impl=verikit", func(b *testing.B) {
		m := mock.Start(b)
		m.AddOTPMessage("1725407449772531712", "667090")
		load(b, m.URL)
	})
}
