package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// A callback spec for the generic receiver: fields in the query, a form
// or JSON, an integer field, a required one, and NXCloud's text replies.
const callbackSpec = `openapi: 3.0.3
info: {title: Callback test, version: "1"}
servers: [{url: "https://example.test"}]
paths: {}
components:
  schemas:
    ReceiptCallback:
      type: object
      x-callback:
        in: [query, form, json]
        reply: {success: success, failure: error}
      required: [messageid, status]
      properties:
        messageid: {type: string, minLength: 1}
        status: {type: integer}
        drTime: {type: string}
      example: {messageid: m-1, status: 1, drTime: "2026-01-01 00:00:00"}
    SignedReceiptCallback:
      type: object
      x-callback:
        in: [json]
        reply: {success: success, failure: error}
        signed: {bizType: "4", actions: [dr, mo]}
      required: [messageid]
      properties:
        messageid: {type: string, minLength: 1}
      example: {messageid: m-1}
    PushStatusCallback:
      type: object
      x-callback:
        in: [json]
        reply: {success: "", failure: ""}
        callback-id: true
        echo: echostr
      required: [msg_id]
      properties:
        msg_id: {type: string, minLength: 1}
      example: {msg_id: "1"}
`

type receipt struct {
	MessageID string `json:"messageid"`
	Status    int    `json:"status"`
	DrTime    string `json:"drTime"`
}

var registerCallbackSpec = sync.OnceValue(func() error {
	_, err := specs.Register("test/callbacks", []byte(callbackSpec))
	return err
})

func TestCallbackReceiver(t *testing.T) {
	require.NoError(t, registerCallbackSpec())
	tests := []struct {
		name, target, contentType, body string
		status                          int
		reply                           string
		want                            receipt
	}{
		{"query string", "/cb?messageid=m1&status=2&drtime=2026-12-02+10:00:00", "", "", 200, "success", receipt{"m1", 2, "2026-12-02 10:00:00"}},
		{"form body", "/cb", "application/x-www-form-urlencoded", "messageid=m2&status=5", 200, "success", receipt{"m2", 5, ""}},
		{"JSON body", "/cb", "application/json", `{"messageid":"m3","status":7}`, 200, "success", receipt{"m3", 7, ""}},
		{"a required field missing", "/cb?status=2", "", "", 400, "error", receipt{}},
		{"a field of the wrong type", "/cb?messageid=m&status=two", "", "", 400, "error", receipt{}},
		{"a JSON body that is not an object", "/cb", "application/json", `[1]`, 400, "error", receipt{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []receipt
			h := &webhook.Callback[receipt]{Spec: "test/callbacks", Schema: "ReceiptCallback", Handle: func(_ context.Context, r receipt) error {
				got = append(got, r)
				return nil
			}}
			req := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.reply, w.Body.String())
			if tt.status == 200 {
				assert.Equal(t, []receipt{tt.want}, got)
			} else {
				assert.Empty(t, got, "Handle was called for a refused callback")
			}
		})
	}
}

func TestCallbackReceiverRefusals(t *testing.T) {
	require.NoError(t, registerCallbackSpec())
	h := &webhook.Callback[receipt]{Spec: "test/callbacks", Schema: "ReceiptCallback", Handle: func(context.Context, receipt) error { return errors.New("store down") }}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/cb?messageid=m&status=1", nil))
	assert.Equal(t, http.StatusInternalServerError, w.Code, "Handle failed: NXCloud may push again")
	assert.Equal(t, "error", w.Body.String())

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/cb?messageid=m&status=1", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, w.Code)

	unknown := &webhook.Callback[receipt]{Spec: "test/callbacks", Schema: "NoSuchCallback"}
	w = httptest.NewRecorder()
	unknown.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/cb", nil))
	assert.Equal(t, http.StatusInternalServerError, w.Code, "a receiver for a schema the spec lacks is a configuration error")
}
