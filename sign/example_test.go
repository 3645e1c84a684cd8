package sign_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/verikit/verikit/sign"
)

func ExampleSign() {
	p := sign.Params{
		AccessKey: "fme2na3kdi3ki",
		TS:        "1655710885431",
		BizType:   "1",
		Action:    "send",
	}
	sig, err := sign.Sign(sign.MD5, p, []byte(`{"name":"牛小信","id":10001}`), "abciiiko2k3")
	if err != nil {
		panic(err)
	}
	fmt.Println(sig)
	// Output: 87c3560d3331ae23f1021e2025722354
}

func ExampleStringToSign() {
	p := sign.Params{AccessKey: "fme2na3kdi3ki", TS: "1655710885431", BizType: "1", Action: "send"}
	fmt.Println(sign.StringToSign(p, []byte(`{}`), "abciiiko2k3"))
	// Output: accessKey=fme2na3kdi3ki&action=send&bizType=1&ts=1655710885431&body={}&accessSecret=abciiiko2k3
}

func ExampleNXCloudTransport() {
	const secret = "abciiiko2k3"

	// A stand-in for the NXCloud API that checks the signature the way a
	// callback receiver would.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p := sign.Params{
			AccessKey: sign.HeaderValue(r.Header, sign.HeaderAccessKey),
			TS:        sign.HeaderValue(r.Header, sign.HeaderTS),
			BizType:   sign.HeaderValue(r.Header, sign.HeaderBizType),
			Action:    sign.HeaderValue(r.Header, sign.HeaderAction),
		}
		got := sign.HeaderValue(r.Header, sign.HeaderSign)
		fmt.Println("ts:", p.TS)
		fmt.Println("sign:", got)
		fmt.Println("valid:", sign.Verify(sign.MD5, p, body, secret, got))
	}))
	defer srv.Close()

	client := &http.Client{Transport: &sign.NXCloudTransport{
		AccessKey:    "fme2na3kdi3ki",
		AccessSecret: secret,
		Operation: func(*http.Request) (string, string, error) {
			return "1", "send", nil // number check, "send"
		},
		// A fixed clock keeps the output stable; leave Now nil in real code.
		Now: func() time.Time { return time.UnixMilli(1655710885431) },
	}}
	resp, err := client.Post(srv.URL, "application/json", strings.NewReader(`{"name":"牛小信","id":10001}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output:
	// ts: 1655710885431
	// sign: 87c3560d3331ae23f1021e2025722354
	// valid: true
}

func ExampleBasicAuthTransport() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Header.Get("Authorization"))
	}))
	defer srv.Close()

	client := &http.Client{Transport: &sign.BasicAuthTransport{DevKey: "jiguangdev", DevSecret: "dev_secret"}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	// Output: Basic amlndWFuZ2RldjpkZXZfc2VjcmV0
}
