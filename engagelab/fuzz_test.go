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

// FuzzCheckStatus runs checkStatus for every operation of engagelab/otp
// over the same response: it never panics; it returns nil exactly for HTTP
// 200 (the only success status the spec lists) with a valid JSON body that
// can be the operation's success (see wantSuccess), and then the response's
// Content-Type names JSON, so the generated parser decodes it; otherwise it
// returns an *apierror.Error for the operation, with the status, leaving
// the response's Content-Type alone.
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
	f.Add(200, "application/json", []byte(`{"code":0,"message":"success"}`))
	f.Add(200, "application/json", []byte(`{"code":3003,"message":"template already exists"}`))
	f.Add(200, "application/json", []byte(`[{"template_id":"verify-login","send_channel_strategy":"whatsapp|sms","created_time":1712458844,"status":2}]`))
	f.Add(200, "application/json", []byte(` null `))

	ops := specs.MustLoad("engagelab/otp").Operations
	if len(ops) == 0 {
		f.Fatal("engagelab/otp has no operations")
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		for _, op := range ops {
			header := http.Header{}
			if contentType != "" {
				header.Set("Content-Type", contentType)
			}
			before := header.Clone()
			resp := &http.Response{StatusCode: status, Header: header}
			err := checkStatus(op, resp, body)
			want := status == http.StatusOK && wantSuccess(op, body)
			if err == nil {
				if !want {
					t.Fatalf("%s: checkStatus accepted HTTP %d %q", op.ID, status, body)
				}
				if got := resp.Header.Get("Content-Type"); !apiclient.IsJSON(got) {
					t.Fatalf("%s: accepted, but Content-Type %q does not name JSON", op.ID, got)
				}
				continue
			}
			if want {
				t.Fatalf("%s: checkStatus rejected HTTP %d with a successful body %q: %v", op.ID, status, body, err)
			}
			var ae *apierror.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s: error %T is not an *apierror.Error: %v", op.ID, err, err)
			}
			if ae.StatusCode != status || ae.Operation != op.FullName() {
				t.Fatalf("error has status %d operation %q, want %d %q", ae.StatusCode, ae.Operation, status, op.FullName())
			}
			if got := resp.Header.Values("Content-Type"); !slices.Equal(got, before.Values("Content-Type")) {
				t.Fatalf("%s: a rejected response's Content-Type changed to %q", op.ID, got)
			}
			_ = ae.Error()
		}
	})
}

// wantSuccess is the fuzz oracle, written apart from fitsSuccess: the body
// is JSON of the success schema's shape and, for {code, message} answers,
// carries a code that the generated int32 field decodes as 0.
func wantSuccess(op *specs.Operation, body []byte) bool {
	if !json.Valid(body) {
		return false
	}
	schema := op.ResponseSchema(http.StatusOK)
	switch {
	case schema == nil:
		return true
	case schema.Type.Is("array"):
		var a []json.RawMessage
		return json.Unmarshal(body, &a) == nil && a != nil
	case !schema.Type.Is("object"):
		return true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || m == nil {
		return false
	}
	if _, coded := schema.Properties["code"]; !coded {
		return true
	}
	// Decoded as the generated OperationResult decodes it (keys match
	// case-insensitively, the last one wins), but telling absent and null
	// from 0.
	var reply struct {
		Code *int32 `json:"code"`
	}
	return json.Unmarshal(body, &reply) == nil && reply.Code != nil && *reply.Code == 0
}
