package nxcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

// benchReply is a canned OTA verify success.
var benchReply = []byte(`{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","status":"SUCCESS"}}`)

// benchServer answers every request with benchReply, draining the body.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(benchReply)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkCall compares one OTA verify through the SDK (spec check,
// signing, typed decode, typed errors, retry policy, default timeout) with
// the floor: a hand-written POST of the same bytes with precomputed
// headers, decoded by hand, to the same loopback server. Two layers in
// between show where the difference goes.
func BenchmarkCall(b *testing.B) {
	body := ota.VerifyRequest{Appkey: "pem28kje", RequestID: "989d535f78338411f7de07c028ddee4b"}
	raw := []byte(`{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}`)

	b.Run("impl=bare", func(b *testing.B) {
		srv := benchServer(b)
		hc := srv.Client()
		p := sign.Params{AccessKey: "fme2na3kdi3ki", TS: "1655710885431", BizType: "6", Action: "verify"}
		sig, _ := sign.Sign(sign.MD5, p, raw, "abciiiko2k3")
		url := srv.URL + "/api/ota/verify"
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
			h := req.Header
			h["Content-Type"] = []string{"application/json"}
			h["accessKey"] = []string{p.AccessKey}
			h["ts"] = []string{p.TS}
			h["bizType"] = []string{p.BizType}
			h["action"] = []string{p.Action}
			h["sign"] = []string{sig}
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env ota.VerifyEnvelope
			if err := json.Unmarshal(out, &env); err != nil || env.Code != 0 {
				b.Fatal(err)
			}
		}
	})
	// The layers in between, to show where the difference goes: the same
	// hand-written request signed by sign.NXCloudTransport, then the
	// generated client over that transport alone (no spec check, typed
	// errors or retries).
	signer := func(base http.RoundTripper) *http.Client {
		return &http.Client{Transport: &sign.NXCloudTransport{
			Base: base, AccessKey: "fme2na3kdi3ki", AccessSecret: "abciiiko2k3",
			Operation: func(*http.Request) (string, string, error) { return "6", "verify", nil },
		}}
	}
	b.Run("impl=signed", func(b *testing.B) {
		srv := benchServer(b)
		hc := signer(srv.Client().Transport)
		url := srv.URL + "/api/ota/verify"
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
			req.Header["Content-Type"] = []string{"application/json"}
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env ota.VerifyEnvelope
			if err := json.Unmarshal(out, &env); err != nil || env.Code != 0 {
				b.Fatal(err)
			}
		}
	})

	b.Run("impl=generated", func(b *testing.B) {
		srv := benchServer(b)
		c, err := ota.NewClientWithResponses(srv.URL, ota.WithHTTPClient(signer(srv.Client().Transport)))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.VerifyWithResponse(ctx, body)
			if err != nil || res.JSON200 == nil || res.JSON200.Code != 0 {
				b.Fatal(err)
			}
		}
	})

	b.Run("impl=sdk", func(b *testing.B) {
		srv := benchServer(b)
		c, err := nxcloud.NewClient("fme2na3kdi3ki", "abciiiko2k3", option.WithBaseURL(srv.URL), option.WithHTTPClient(srv.Client()))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.OTA.VerifyWithResponse(ctx, body)
			if err != nil || res.JSON200.Data.Status != ota.VerificationStatusSuccess {
				b.Fatal(err)
			}
		}
	})

}
