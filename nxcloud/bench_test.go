package nxcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

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

// BenchmarkCall compares one OTA verify through the SDK (spec check of the
// params, signing, success rule and schema, typed decode, typed errors,
// retry policy, default timeout) with what a careful developer writes by
// hand for the same call (impl=handwritten, the floor): json.Marshal of the
// params, sign.Sign, a POST, reading the body, json.Unmarshal into the
// envelope and a check of its code. impl=bare is a POST of precomputed
// bytes and headers; impl=signed is the handwritten call signed by
// sign.NXCloudTransport instead.
func BenchmarkCall(b *testing.B) {
	params := ota.VerifyParams{Appkey: "pem28kje", RequestID: "989d535f78338411f7de07c028ddee4b"}
	raw := []byte(`{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}`)
	const key, secret = "fme2na3kdi3ki", "abciiiko2k3"
	type envelope struct {
		Code int32             `json:"code"`
		Msg  string            `json:"msg"`
		Data *ota.VerifyResult `json:"data"`
	}
	decode := func(b *testing.B, resp *http.Response) {
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env envelope
		if err := json.Unmarshal(out, &env); err != nil || env.Code != 0 || env.Data == nil {
			b.Fatal(err)
		}
	}

	b.Run("impl=handwritten", func(b *testing.B) {
		srv := benchServer(b)
		hc := srv.Client()
		url := srv.URL + "/api/ota/verify"
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(params)
			if err != nil {
				b.Fatal(err)
			}
			p := sign.Params{AccessKey: key, TS: strconv.FormatInt(time.Now().UnixMilli(), 10), BizType: "6", Action: "verify"}
			sig, err := sign.Sign(sign.MD5, p, body, secret)
			if err != nil {
				b.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
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
			decode(b, resp)
		}
	})

	b.Run("impl=bare", func(b *testing.B) {
		srv := benchServer(b)
		hc := srv.Client()
		p := sign.Params{AccessKey: key, TS: "1655710885431", BizType: "6", Action: "verify"}
		sig, _ := sign.Sign(sign.MD5, p, raw, secret)
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
			decode(b, resp)
		}
	})

	b.Run("impl=signed", func(b *testing.B) {
		srv := benchServer(b)
		hc := &http.Client{Transport: &sign.NXCloudTransport{
			Base: srv.Client().Transport, AccessKey: key, AccessSecret: secret,
			Operation: func(*http.Request) (string, string, error) { return "6", "verify", nil },
		}}
		url := srv.URL + "/api/ota/verify"
		b.ReportAllocs()
		for b.Loop() {
			body, _ := json.Marshal(params)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header["Content-Type"] = []string{"application/json"}
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			decode(b, resp)
		}
	})

	// impl=sdk-no-timeout leaves out the default 30 s bound: a context
	// that can be cancelled costs net/http some work on every call.
	b.Run("impl=sdk-no-timeout", func(b *testing.B) {
		srv := benchServer(b)
		c, err := nxcloud.NewClient(key, secret, option.WithBaseURL(srv.URL), option.WithHTTPClient(srv.Client()), option.WithTimeout(0))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.OTA.Verify(ctx, params); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("impl=sdk", func(b *testing.B) {
		srv := benchServer(b)
		c, err := nxcloud.NewClient(key, secret, option.WithBaseURL(srv.URL), option.WithHTTPClient(srv.Client()))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := c.OTA.Verify(ctx, params)
			if err != nil || res.Status != ota.VerificationStatusSuccess {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNewClient is the cost of a client: one pipeline per product,
// and no spec parsed until a product is first called, so it does not grow
// with the products a caller leaves unused.
func BenchmarkNewClient(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nxcloud.NewClient("k", "s"); err != nil {
			b.Fatal(err)
		}
	}
}

// A client's cost is flat: the same few allocations whatever the number of
// products (each product's pipeline is built on its first call).
func TestNewClientCostIsFlat(t *testing.T) {
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := nxcloud.NewClient("k", "s"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 8 {
		t.Errorf("NewClient makes %.0f allocations; want at most 8, whatever the number of products", allocs)
	}
}
