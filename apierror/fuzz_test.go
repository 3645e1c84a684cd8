package apierror_test

import (
	"bytes"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/verikit/verikit/apierror"
)

// FuzzFromResponse: FromResponse never panics on any status and body, and
// the Error it builds keeps its invariants: a result code and a body
// excerpt never come together, the excerpt is bounded, is the start of the
// (trimmed) body, and stays valid UTF-8 when the body was.
//
// Seeds: f.Add below and testdata/fuzz/FuzzFromResponse (the specs'
// documented envelopes and error bodies).
func FuzzFromResponse(f *testing.F) {
	f.Add(200, []byte(`{"code":0,"msg":"Request successful","data":null}`))
	f.Add(200, []byte(`{"code":88,"msg":"Request failed","data":null}`))
	f.Add(200, []byte(`{"code":-1,"message":"Request failed","data":null}`))
	f.Add(400, []byte(`{"code":3003,"message":"verify code has expired"}`))
	f.Add(401, []byte(`{"code":2001,"message":"authentication failed"}`))
	f.Add(502, []byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add(500, []byte{})
	f.Add(200, []byte(`{"code":1.5}`))
	f.Add(200, []byte(`{"code":"1003"}`))
	f.Add(200, []byte(`{"code":99999999999999999999}`))
	f.Add(503, bytes.Repeat([]byte("牛"), 100)) // 300 bytes, cut inside a rune
	f.Add(503, append(bytes.Repeat([]byte(" "), 300), 'x'))
	f.Add(503, []byte("\xff\xfe not UTF-8"))

	f.Fuzz(func(t *testing.T, status int, body []byte) {
		in := bytes.Clone(body)
		resp := &http.Response{StatusCode: status, Header: http.Header{"X-Test": {"1"}}}
		e := apierror.FromResponse("fuzz op", resp, body)
		if e == nil {
			t.Fatal("FromResponse returned nil")
		}
		if !bytes.Equal(body, in) {
			t.Fatal("FromResponse modified the body")
		}
		if e.StatusCode != status {
			t.Fatalf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		if e.Header.Get("X-Test") != "1" {
			t.Fatal("Header is not the response's header")
		}
		if e.HasCode && len(e.Body) != 0 {
			t.Fatalf("HasCode with a body excerpt %q", e.Body)
		}
		if !e.HasCode && (e.Code != 0 || e.Message != "") {
			t.Fatalf("no code, yet Code=%d Message=%q", e.Code, e.Message)
		}
		if max := apierror.ExcerptLen + len("…"); len(e.Body) > max {
			t.Fatalf("len(Body) = %d > %d", len(e.Body), max)
		}
		if utf8.Valid(body) && !utf8.Valid(e.Body) {
			t.Fatalf("valid UTF-8 body, invalid excerpt %q", e.Body)
		}
		if !e.HasCode {
			trimmed := bytes.TrimSpace(body)
			if len(trimmed) <= apierror.ExcerptLen {
				if !bytes.Equal(e.Body, trimmed) {
					t.Fatalf("short body: Body = %q, want the trimmed body %q", e.Body, trimmed)
				}
			} else {
				excerpt, cut := bytes.CutSuffix(e.Body, []byte("…"))
				if !cut || !bytes.HasPrefix(trimmed, excerpt) {
					t.Fatalf("long body: Body %q is not a start of the trimmed body plus …", e.Body)
				}
				if utf8.Valid(trimmed) && len(excerpt) < apierror.ExcerptLen-utf8.UTFMax {
					t.Fatalf("long valid body cut to %d bytes", len(excerpt))
				}
			}
		}
		if msg := e.Error(); msg == "" {
			t.Fatal("empty Error()")
		}
		if e.Is(apierror.ErrAuth) || e.Is(apierror.ErrTooFrequent) {
			t.Fatal("FromResponse must leave Kind unset")
		}
	})
}
