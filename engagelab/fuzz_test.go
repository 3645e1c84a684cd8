package engagelab

// Internal test file (package engagelab) so that it can reach checkStatus.

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/specs"
)

// FuzzCheckStatus: checkStatus never panics, returns nil exactly for HTTP
// 200 (the only success status the spec lists) with a valid JSON body (and
// then the response's Content-Type names JSON, so the generated parser
// decodes it), and otherwise an *apierror.Error for the operation, with the
// status, leaving the response's Content-Type alone.
func FuzzCheckStatus(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"message_id":"1725407449772531712","verify_code":"667090","verified":true}`))
	f.Add(200, "application/json", []byte(`{"message_id":"1725407449772531712","verify_code":"000000","verified":false}`))
	f.Add(200, "text/plain", []byte(`{"message_id":"1","verify_code":"2","verified":true}`))
	f.Add(201, "", []byte(`{}`))
	f.Add(400, "application/json", []byte(`{"code":3003,"message":"verify code has expired"}`))
	f.Add(401, "application/json", []byte(`{"code":2001,"message":"authentication failed"}`))
	f.Add(403, "application/json", []byte(`{"code":2004,"message":"no permission"}`))
	f.Add(500, "application/json", []byte(`{"code":1000,"message":"internal error"}`))
	f.Add(502, "text/html", []byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add(200, "application/json", []byte{})
	f.Add(204, "", []byte{})
	f.Add(200, "application/json", []byte(`{"verified":true`))

	op, ok := specs.MustLoad("engagelab/otp").Operation("verify")
	if !ok {
		f.Fatal("engagelab/otp has no verify operation")
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		header := http.Header{}
		if contentType != "" {
			header.Set("Content-Type", contentType)
		}
		before := header.Clone()
		resp := &http.Response{StatusCode: status, Header: header}
		err := checkStatus(op, resp, body)
		want := status == http.StatusOK && json.Valid(body)
		if err == nil {
			if !want {
				t.Fatalf("checkStatus accepted HTTP %d %q", status, body)
			}
			if got := resp.Header.Get("Content-Type"); !apiclient.IsJSON(got) {
				t.Fatalf("accepted, but Content-Type %q does not name JSON", got)
			}
			return
		}
		if want {
			t.Fatalf("checkStatus rejected HTTP %d with a JSON body %q: %v", status, body, err)
		}
		var ae *apierror.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %T is not an *apierror.Error: %v", err, err)
		}
		if ae.StatusCode != status || ae.Operation != op.FullName() {
			t.Fatalf("error has status %d operation %q, want %d %q", ae.StatusCode, ae.Operation, status, op.FullName())
		}
		if got := resp.Header.Values("Content-Type"); !slices.Equal(got, before.Values("Content-Type")) {
			t.Fatalf("a rejected response's Content-Type changed to %q", got)
		}
		_ = ae.Error()
	})
}
