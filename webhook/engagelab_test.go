package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

const (
	elSecret = "el-callback-secret"
	elUser   = "acme"
	elAuth   = "Bearer fixed-callback-token"
)

var elNow = time.Unix(1712458844, 0)

// Rows shaped like EngageLab's own examples (callback.mdx): only a status
// row names its message, recipient and channel.
const (
	rowStatus       = `{"message_id":"1725407449772531712","to":"+8613800138000","server":"otp","channel":"sms","itime":1712458844,"custom_args":{"order":"A-1001"},"status":{"message_status":"delivered","status_data":{"msg_time":1712458844,"message_id":"1725407449772531712","current_send_channel":"sms","template_key":"verify-login","business_id":"1001"},"billing":{"cost":0.0132,"currency":"USD"},"error_code":0}}`
	rowNotification = `{"server":"otp","itime":1712458844,"notification":{"event":"insufficient_balance","notification_data":{"business_id":"1744569418236633088","remain_balance":-0.005,"balance_threshold":2}}}`
	rowResponse     = `{"server":"otp","itime":1712458844,"message_id":"0","business_id":"0","response":{"event":"uplink_message","response_data":{"message_sid":"SM0001","account_sid":"AC0001","from":"+8613800138000","to":"+12025550123","body":"STOP"}}}`
	rowSystem       = `{"server":"otp","itime":1712458844,"system_event":{"event":"account_login","data":{"business_id":"123","org_id":"org-abc","operator":{"email":"admin@example.com","ip_address":"192.0.2.10"},"account_login":{"action":"login_success"}}}}`
)

func batch(rows ...string) string {
	return `{"total":` + string(rune('0'+len(rows))) + `,"rows":[` + strings.Join(rows, ",") + `]}`
}

// elRequest builds a delivery; mutate edits it before it is sent.
func elRequest(body string, mutate ...func(*http.Request)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/engagelab", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", elAuth)
	r.Header.Set(sign.HeaderCallbackID, sign.NewCallbackID(elSecret, elUser, "8837726", elNow.Add(-5*time.Second)).String())
	for _, m := range mutate {
		m(r)
	}
	return r
}

func setHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

func delHeader(name string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Del(name) }
}

func TestEngageLab(t *testing.T) {
	failing := errors.New("disk full")
	signedAt := func(secret, user string, at time.Time) func(*http.Request) {
		return setHeader(sign.HeaderCallbackID, sign.NewCallbackID(secret, user, "42", at).String())
	}
	tests := []struct {
		name       string
		req        *http.Request
		handleErr  error
		wantStatus int
		wantKinds  []webhook.EngageLabKind // nil: Handle not called
		wantErr    error
	}{
		{name: "status row", req: elRequest(batch(rowStatus)), wantStatus: 200, wantKinds: []webhook.EngageLabKind{webhook.KindStatus}},
		{
			name:       "one of each kind",
			req:        elRequest(batch(rowStatus, rowNotification, rowResponse, rowSystem)),
			wantStatus: 200,
			wantKinds:  []webhook.EngageLabKind{webhook.KindStatus, webhook.KindNotification, webhook.KindResponse, webhook.KindSystemEvent},
		},
		{name: "probe {} without credentials", req: elRequest(`{}`, delHeader("Authorization"), delHeader(sign.HeaderCallbackID)), wantStatus: 200},
		{name: "probe with an empty body", req: elRequest(``, delHeader("Authorization"), delHeader(sign.HeaderCallbackID)), wantStatus: 200},
		{name: "probe with spaces", req: elRequest(" { }\n"), wantStatus: 200},
		{name: "empty batch", req: elRequest(`{"total":0,"rows":[]}`), wantStatus: 200},
		{name: "millisecond timestamp", req: elRequest(batch(rowStatus), setHeader(sign.HeaderCallbackID, msCallbackID())), wantStatus: 200, wantKinds: []webhook.EngageLabKind{webhook.KindStatus}},

		{name: "bad signature", req: elRequest(batch(rowStatus), signedAt("guess", elUser, elNow)), wantStatus: 401, wantErr: sign.ErrBadSignature},
		{name: "stale", req: elRequest(batch(rowStatus), signedAt(elSecret, elUser, elNow.Add(-6*time.Minute))), wantStatus: 401, wantErr: sign.ErrStale},
		{name: "from the future", req: elRequest(batch(rowStatus), signedAt(elSecret, elUser, elNow.Add(6*time.Minute))), wantStatus: 401, wantErr: sign.ErrStale},
		{name: "another username", req: elRequest(batch(rowStatus), signedAt(elSecret, "mallory", elNow)), wantStatus: 401, wantErr: webhook.ErrUnauthorized},
		{name: "malformed X-CALLBACK-ID", req: elRequest(batch(rowStatus), setHeader(sign.HeaderCallbackID, "timestamp=1;nonce=2")), wantStatus: 401, wantErr: sign.ErrMalformedHeader},
		{name: "X-CALLBACK-ID missing", req: elRequest(batch(rowStatus), delHeader(sign.HeaderCallbackID)), wantStatus: 401, wantErr: sign.ErrMissingHeader},
		{
			name: "X-CALLBACK-ID twice", wantStatus: 401, wantErr: sign.ErrMalformedHeader,
			req: elRequest(batch(rowStatus), func(r *http.Request) {
				r.Header.Add(sign.HeaderCallbackID, sign.NewCallbackID(elSecret, elUser, "1", elNow).String())
			}),
		},
		{name: "wrong Authorization", req: elRequest(batch(rowStatus), setHeader("Authorization", "Bearer guess")), wantStatus: 401, wantErr: webhook.ErrUnauthorized},
		{name: "Authorization missing", req: elRequest(batch(rowStatus), delHeader("Authorization")), wantStatus: 401, wantErr: webhook.ErrUnauthorized},
		{name: "Authorization with a prefix", req: elRequest(batch(rowStatus), setHeader("Authorization", elAuth+"x")), wantStatus: 401, wantErr: webhook.ErrUnauthorized},

		{name: "malformed JSON", req: elRequest(`{"total":1,"rows":[`), wantStatus: 400, wantErr: webhook.ErrMalformed},
		{name: "not an object", req: elRequest(`[` + rowStatus + `]`), wantStatus: 400, wantErr: webhook.ErrMalformed},
		{name: "rows not an array", req: elRequest(`{"total":1,"rows":` + rowStatus + `}`), wantStatus: 400, wantErr: webhook.ErrMalformed},
		{name: "trailing garbage", req: elRequest(batch(rowStatus) + `x`), wantStatus: 400, wantErr: webhook.ErrMalformed},

		{name: "handler fails", req: elRequest(batch(rowStatus)), handleErr: failing, wantStatus: 500, wantKinds: []webhook.EngageLabKind{webhook.KindStatus}, wantErr: failing},
		{name: "GET", req: func() *http.Request { r := elRequest(batch(rowStatus)); r.Method = http.MethodGet; return r }(), wantStatus: 405, wantErr: webhook.ErrMethod},
		{name: "too large", req: elRequest(batch(strings.Repeat(" ", 4096) + rowStatus)), wantStatus: 413, wantErr: webhook.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]webhook.EngageLabEvent
			var rec recorder
			h := &webhook.EngageLab{
				Secret:        elSecret,
				Username:      elUser,
				MaxAge:        5 * time.Minute,
				Authorization: elAuth,
				Now:           func() time.Time { return elNow },
				MaxBodyBytes:  4096,
				Handle: func(_ context.Context, evs []webhook.EngageLabEvent) error {
					got = append(got, evs)
					return tt.handleErr
				},
				OnError: rec.onError,
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req)

			assert.Equal(t, tt.wantStatus, w.Code)
			if tt.wantStatus == 200 {
				assert.Empty(t, w.Body.String())
			} else {
				assert.Equal(t, http.StatusText(tt.wantStatus), w.Body.String(), "only the status text: which check failed is not told")
			}
			if tt.wantKinds == nil {
				assert.Empty(t, got, "Handle is not called")
			} else {
				require.Len(t, got, 1)
				var kinds []webhook.EngageLabKind
				for _, ev := range got[0] {
					kinds = append(kinds, ev.Kind)
					assert.NoError(t, ev.DecodeErr)
					assert.True(t, ev.Known())
				}
				assert.Equal(t, tt.wantKinds, kinds)
			}
			errs := rec.all()
			if tt.wantErr == nil {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tt.wantErr)
			for _, secret := range []string{elSecret, elAuth, "fixed-callback-token"} {
				assert.NotContains(t, errs[0].Error(), secret)
				assert.NotContains(t, w.Body.String(), secret)
			}
		})
	}
}

func msCallbackID() string {
	ts := "1712458840000"
	return sign.CallbackID{Timestamp: ts, Nonce: "n", Username: elUser, Signature: sign.CallbackSignature(elSecret, ts, "n", elUser)}.String()
}

func TestEngageLabWithoutCredentials(t *testing.T) {
	var got []webhook.EngageLabEvent
	h := &webhook.EngageLab{Handle: func(_ context.Context, evs []webhook.EngageLabEvent) error {
		got = evs
		return nil
	}}
	// Neither header is needed, and a stray X-CALLBACK-ID is not checked.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, elRequest(batch(rowResponse), delHeader("Authorization"), setHeader(sign.HeaderCallbackID, "garbage")))
	assert.Equal(t, 200, w.Code)
	require.Len(t, got, 1)
	assert.Equal(t, webhook.KindResponse, got[0].Kind)
	require.NotNil(t, got[0].Row.Response)
	assert.Equal(t, otp.ResponseEventUplinkMessage, got[0].Row.Response.Event)
	assert.Equal(t, otp.UplinkMessage{MessageSid: "SM0001", AccountSid: "AC0001", From: "+8613800138000", To: "+12025550123", Body: "STOP"},
		got[0].Row.Response.ResponseData, "the uplink message is decoded")
}

func TestEngageLabWithoutHandle(t *testing.T) {
	var rec recorder
	h := &webhook.EngageLab{OnError: rec.onError}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, elRequest(batch(rowStatus)))
	assert.Equal(t, 500, w.Code)
	require.Len(t, rec.all(), 1)
	assert.ErrorIs(t, rec.all()[0], webhook.ErrConfig)

	w = httptest.NewRecorder()
	h.ServeHTTP(w, elRequest(`{}`))
	assert.Equal(t, 200, w.Code, "the probe needs no Handle")
}

func TestParseEngageLabPayload(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, evs []webhook.EngageLabEvent)
	}{
		{
			name: "status fields decoded",
			body: batch(rowStatus),
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				require.Len(t, evs, 1)
				r := evs[0].Row
				assert.Equal(t, "1725407449772531712", r.MessageID)
				assert.Equal(t, "+8613800138000", r.To)
				assert.Equal(t, int64(1712458844), r.Itime)
				assert.Equal(t, map[string]any{"order": "A-1001"}, r.CustomArgs)
				require.NotNil(t, r.Status)
				assert.Equal(t, otp.MessageStatusDelivered, r.Status.MessageStatus)
				assert.Equal(t, otp.CallbackStatusData{
					MsgTime: 1712458844, MessageID: "1725407449772531712", CurrentSendChannel: "sms",
					TemplateKey: "verify-login", BusinessID: "1001",
				}, r.Status.StatusData)
				assert.Equal(t, otp.CallbackBilling{Cost: 0.0132, Currency: "USD"}, r.Status.Billing)
				assert.Zero(t, r.Status.ErrorCode)
				assert.JSONEq(t, rowStatus, string(evs[0].Raw))
			},
		},
		{
			name: "unknown status kept",
			body: batch(strings.Replace(rowStatus, `"delivered"`, `"read"`, 1)),
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				require.Len(t, evs, 1)
				assert.Equal(t, webhook.KindStatus, evs[0].Kind)
				assert.NoError(t, evs[0].DecodeErr)
				assert.Equal(t, otp.MessageStatus("read"), evs[0].Row.Status.MessageStatus)
				assert.False(t, evs[0].Known())
			},
		},
		{
			name: "the docs' sent_fail spelling",
			body: batch(strings.Replace(rowStatus, `"delivered"`, `"sent_fail"`, 1)),
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				assert.Equal(t, otp.MessageStatusSentFail, evs[0].Row.Status.MessageStatus)
				assert.True(t, evs[0].Known())
			},
		},
		{
			name: "unknown events kept",
			body: batch(
				strings.Replace(rowNotification, `"insufficient_balance"`, `"quota_reset"`, 1),
				strings.Replace(rowSystem, `"account_login"`, `"password_change"`, 1),
				strings.Replace(rowResponse, `"uplink_message"`, `"read_receipt"`, 1),
			),
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				require.Len(t, evs, 3)
				assert.Equal(t, webhook.KindNotification, evs[0].Kind)
				assert.Equal(t, otp.NotificationEvent("quota_reset"), evs[0].Row.Notification.Event)
				assert.Equal(t, webhook.KindSystemEvent, evs[1].Kind)
				assert.Equal(t, otp.SystemEventType("password_change"), evs[1].Row.SystemEvent.Event)
				assert.Equal(t, webhook.KindResponse, evs[2].Kind)
				assert.Equal(t, otp.ResponseEvent("read_receipt"), evs[2].Row.Response.Event)
				for _, ev := range evs {
					assert.NoError(t, ev.DecodeErr)
					assert.False(t, ev.Known())
				}
			},
		},
		{
			name: "odd rows kept beside good ones",
			body: batch(
				`{"message_id":"m","itime":1,"future_kind":{"x":1}}`, // no known part
				`"just a string"`, // not an object
				`{"message_id":"m","itime":"yesterday","status":{"message_status":"sent"}}`,                             // wrong type
				`{"message_id":"m","status":"sent"}`,                                                                    // part of the wrong shape
				`{"message_id":"m","status":{"message_status":"sent"},"notification":{"event":"insufficient_balance"}}`, // two parts
				`{"message_id":"m","status":null,"notification":{"event":"insufficient_balance"}}`,                      // null ignored
				rowStatus,
			),
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				require.Len(t, evs, 7)
				kinds := make([]webhook.EngageLabKind, len(evs))
				for i, ev := range evs {
					kinds[i] = ev.Kind
					assert.NotEmpty(t, ev.Raw, "raw kept")
				}
				assert.Equal(t, []webhook.EngageLabKind{
					webhook.KindUnknown, webhook.KindUnknown, webhook.KindStatus, webhook.KindUnknown,
					webhook.KindUnknown, webhook.KindNotification, webhook.KindStatus,
				}, kinds)
				assert.JSONEq(t, `{"message_id":"m","itime":1,"future_kind":{"x":1}}`, string(evs[0].Raw))
				assert.NoError(t, evs[0].DecodeErr)
				assert.Equal(t, "m", evs[0].Row.MessageID)
				assert.ErrorIs(t, evs[1].DecodeErr, webhook.ErrMalformed)
				assert.Equal(t, `"just a string"`, string(evs[1].Raw))
				assert.Error(t, evs[2].DecodeErr, "itime of the wrong type")
				assert.Equal(t, otp.MessageStatusSent, evs[2].Row.Status.MessageStatus, "the rest still decoded")
				assert.False(t, evs[2].Known())
				assert.Error(t, evs[3].DecodeErr)
				assert.NoError(t, evs[6].DecodeErr)
				assert.True(t, evs[6].Known())
			},
		},
		{
			name: "an object without rows is kept whole",
			body: `{"event":"something_new","data":{"a":1}}`,
			check: func(t *testing.T, evs []webhook.EngageLabEvent) {
				require.Len(t, evs, 1)
				assert.Equal(t, webhook.KindUnknown, evs[0].Kind)
				assert.JSONEq(t, `{"event":"something_new","data":{"a":1}}`, string(evs[0].Raw))
				assert.ErrorIs(t, evs[0].DecodeErr, webhook.ErrMalformed)
			},
		},
		{
			name:  "total alone, or null rows, is nothing",
			body:  `{"total":0,"rows":null}`,
			check: func(t *testing.T, evs []webhook.EngageLabEvent) { assert.Empty(t, evs) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := webhook.ParseEngageLabPayload([]byte(tt.body))
			require.NoError(t, err)
			tt.check(t, evs)
		})
	}
}

func TestParseEngageLabPayloadRejects(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"rows":{}}`, `{"rows":"a"}`, `{`, `{} {}`} {
		_, err := webhook.ParseEngageLabPayload([]byte(body))
		assert.ErrorIs(t, err, webhook.ErrMalformed, "%q", body)
	}
}

func TestEngageLabEventMarshalsTheSpecsShape(t *testing.T) {
	// A row decoded and encoded again keeps the spec's field names. An
	// optional field is a plain value tagged omitzero (only the fields the
	// spec marks x-go-type-skip-optional-pointer: false are pointers), so a
	// zero error_code is left out on the way back; a non-zero one is kept.
	withoutZeroErrorCode := strings.Replace(rowStatus, `,"error_code":0`, ``, 1)
	require.NotEqual(t, rowStatus, withoutZeroErrorCode, "the fixture carries error_code 0")
	failed := strings.Replace(rowStatus, `"error_code":0`, `"error_code":4001`, 1)
	tests := []struct {
		name, row, want string
	}{
		{"zero error_code omitted", rowStatus, withoutZeroErrorCode},
		{"non-zero error_code kept", failed, failed},
		{"notification", rowNotification, rowNotification},
		{"response", rowResponse, rowResponse},
		{"system event", rowSystem, rowSystem},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := webhook.ParseEngageLabPayload([]byte(batch(tt.row)))
			require.NoError(t, err)
			require.Len(t, evs, 1)
			b, err := json.Marshal(evs[0].Row)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
}
