package webhook_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// EngageLab's callback examples (otp/api/callback.mdx in
// DevEngageLab/engagelab-otp-docs), copied as data. The notification
// example carries two JavaScript comments, which are not JSON; they are
// left out here.
const (
	docSent = `{
  "total": 1,
  "rows": [
    {
      "message_id": "123456789",
      "to": "+6598765432",
      "server": "sms",
      "channel": "sms",
      "itime": 1701234567,
      "custom_args": {
        "order_id": "ORDER123",
        "user_id": "USER456"
      },
      "status": {
        "message_status": "sent",
        "status_data": {
          "msg_time": 1701234560,
          "message_id": "123456789",
          "current_send_channel": "CHANNEL_A",
          "template_key": "verify_code",
          "business_id": "1001"
        },
        "billing": {
          "cost": 0.005,
          "currency": "USD"
        },
        "error_code": 0
      }
    }
  ]
}`
	docSendFailed = `{
  "total": 1,
  "rows": [
    {
      "message_id": "123456790",
      "to": "+6598765433",
      "server": "sms",
      "channel": "sms",
      "itime": 1701234568,
      "status": {
        "message_status": "sent_fail",
        "status_data": {
          "msg_time": 1701234561,
          "message_id": "123456790",
          "current_send_channel": "CHANNEL_B",
          "template_key": "verify_code",
          "business_id": "1001"
        },
        "error_code": 4001,
        "error_detail": {
          "message": "Invalid phone number"
        }
      }
    }
  ]
}`
	docLowBalance = `{
  "total": 1,
  "rows": [{
    "server": "otp",
    "itime": 1712458844,
    "notification": {
      "event": "insufficient_balance",
      "notification_data": {
        "business_id": "1744569418236633088",
        "remain_balance": -0.005,
        "balance_threshold": 2
      }
    }
  }]
}`
	docUplink = `{
  "total": 1,
  "rows": [
    {
      "server": "otp",
      "itime": 1741083306,
      "message_id": "0",
      "business_id": "0",
      "response": {
        "event": "uplink_message",
        "response_data": {
          "message_sid": "SM1234567890",
          "account_sid": "AC1234567890",
          "from": "+1234567890",
          "to": "+0987654321",
          "body": "Hello, it's time to struggle!"
        }
      }
    }
  ]
}`
	docSystemEvent = `{
  "total": 1,
  "rows": [
    {
      "server": "otp",
      "itime": 1694012345,
      "system_event": {
        "event": "account_login",
        "data": {
          "business_id": "123",
          "org_id": "org-abc",
          "operator": {
            "email": "foo@example.com",
            "api_key": "api-xxxx",
            "ip_address": "1.2.3.4"
          },
          "account_login": {
            "action": "login_success"
          }
        }
      }
    }
  ]
}`
)

// The system-event examples of callback.mdx are system_event objects
// alone, one per event kind.
const (
	docAccountLogin = `{
  "event": "account_login",
  "data": {
    "business_id": "123",
    "org_id": "org-abc",
    "operator": {
      "email": "foo@example.com",
      "ip_address": "1.2.3.4"
    },
    "account_login": {
      "action": "login_success"
    }
  }
}`
	docTemplateManage = `{
  "event": "template_manage",
  "data": {
    "business_id": "123",
    "org_id": "org-abc",
    "operator": {
      "email": "foo@example.com",
      "ip_address": "1.2.3.4"
    },
    "template_manage": {
      "action": "update template",
      "template_id": "tmpl-456",
      "template_name": "Verification Code"
    }
  }
}`
	docKeyManage = `{
  "event": "key_manage",
  "data": {
    "business_id": "123",
    "org_id": "org-abc",
    "operator": {
      "email": "foo@example.com",
      "ip_address": "1.2.3.4"
    },
    "key_manage": {
      "action": "create",
      "api_key": "apikey-789",
      "description": "New API key created"
    }
  }
}`
	docAPICall = `{
  "event": "api_call",
  "data": {
    "business_id": "123",
    "org_id": "org-abc",
    "operator": {
      "api_key": "apikey-789",
      "ip_address": "1.2.3.4"
    },
    "api_call": {
      "api_path": "/api/v1/messages/send",
      "method": "POST"
    }
  }
}`
)

// otpSchema is the named component schema of the OTP spec.
func otpSchema(t *testing.T, name string) *openapi3.Schema {
	t.Helper()
	ref := specs.MustLoad("engagelab/otp").OpenAPI.Components.Schemas[name]
	require.NotNil(t, ref, name)
	return ref.Value
}

// strictDecode decodes raw into v refusing any field v's type lacks: a
// field the SDK's types do not model fails the test.
func strictDecode(t *testing.T, raw string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v))
}

// conformsToSpec checks raw against the named schema of the OTP spec.
func conformsToSpec(t *testing.T, raw, schema string) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(raw), &v))
	assert.NoError(t, otpSchema(t, schema).VisitJSON(v, append(specs.SchemaValidationOptions(), openapi3.MultiErrors())...))
}

// roundTrips checks that v encodes back to raw: every value survived, in
// the spec's field names. A zero error_code is left out on the way back
// (an optional field tagged omitzero), so it is dropped from raw first.
func roundTrips(t *testing.T, raw string, v any) {
	t.Helper()
	want := strings.Replace(compact(t, raw), `,"error_code":0`, "", 1)
	got, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(got))
}

func compact(t *testing.T, raw string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, []byte(raw)))
	return b.String()
}

// Every payload EngageLab's callback page shows decodes into the SDK's
// types with no field left over, validates against the spec, becomes a
// known event of the right kind, and encodes back unchanged.
func TestEngageLabDocumentedPayloads(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		kind  webhook.EngageLabKind
		check func(t *testing.T, r otp.CallbackRow)
	}{
		{
			name: "message sent", raw: docSent, kind: webhook.KindStatus,
			check: func(t *testing.T, r otp.CallbackRow) {
				assert.Equal(t, "123456789", r.MessageID)
				assert.Equal(t, "+6598765432", r.To)
				assert.Equal(t, "sms", r.Server)
				assert.Equal(t, "ORDER123", r.CustomArgs["order_id"])
				assert.Equal(t, otp.MessageStatusSent, r.Status.MessageStatus)
				assert.Equal(t, "CHANNEL_A", r.Status.StatusData.CurrentSendChannel)
				assert.Equal(t, "1001", r.Status.StatusData.BusinessID)
				assert.InDelta(t, 0.005, r.Status.Billing.Cost, 1e-12)
				assert.Equal(t, "USD", r.Status.Billing.Currency)
				assert.Zero(t, r.Status.ErrorCode)
			},
		},
		{
			name: "message send failed: sent_fail and error_code 4001", raw: docSendFailed, kind: webhook.KindStatus,
			check: func(t *testing.T, r otp.CallbackRow) {
				assert.Equal(t, otp.MessageStatusSentFail, r.Status.MessageStatus)
				assert.True(t, r.Status.MessageStatus.Valid(), "the example's spelling is a known constant")
				assert.EqualValues(t, 4001, r.Status.ErrorCode, "kept as it came, whatever ErrorCode says 4001 means")
				assert.Equal(t, "Invalid phone number", r.Status.ErrorDetail.Message)
				assert.Empty(t, r.CustomArgs)
			},
		},
		{
			name: "low balance notification", raw: docLowBalance, kind: webhook.KindNotification,
			check: func(t *testing.T, r otp.CallbackRow) {
				assert.Empty(t, r.MessageID, "a notification names no message")
				assert.Equal(t, otp.NotificationEventInsufficientBalance, r.Notification.Event)
				d := r.Notification.NotificationData
				assert.Equal(t, "1744569418236633088", d.BusinessID)
				assert.InDelta(t, -0.005, d.RemainBalance, 1e-12)
				assert.InDelta(t, 2, d.BalanceThreshold, 1e-12)
			},
		},
		{
			name: "uplink message", raw: docUplink, kind: webhook.KindResponse,
			check: func(t *testing.T, r otp.CallbackRow) {
				assert.Equal(t, "0", r.MessageID)
				assert.Equal(t, "0", r.BusinessID)
				assert.Empty(t, r.To, "the reply's addresses are in response_data")
				assert.Equal(t, otp.ResponseEventUplinkMessage, r.Response.Event)
				assert.Equal(t, "Hello, it's time to struggle!", r.Response.ResponseData.Body)
				assert.Equal(t, "+1234567890", r.Response.ResponseData.From)
			},
		},
		{
			name: "system event", raw: docSystemEvent, kind: webhook.KindSystemEvent,
			check: func(t *testing.T, r otp.CallbackRow) {
				assert.Equal(t, otp.SystemEventTypeAccountLogin, r.SystemEvent.Event)
				d := r.SystemEvent.Data
				assert.Equal(t, "org-abc", d.OrgID)
				assert.Equal(t, otp.EventOperator{Email: "foo@example.com", APIKey: "api-xxxx", IPAddress: "1.2.3.4"}, d.Operator)
				assert.Equal(t, otp.LoginActionLoginSuccess, d.AccountLogin.Action)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p otp.CallbackPayload
			strictDecode(t, tt.raw, &p)
			require.Len(t, p.Rows, 1)
			assert.EqualValues(t, 1, p.Total)
			conformsToSpec(t, tt.raw, "CallbackPayload")
			roundTrips(t, tt.raw, p)

			evs, err := webhook.ParseEngageLabPayload([]byte(tt.raw))
			require.NoError(t, err)
			require.Len(t, evs, 1)
			assert.NoError(t, evs[0].DecodeErr)
			assert.Equal(t, tt.kind, evs[0].Kind)
			assert.True(t, evs[0].Known())
			assert.Equal(t, p.Rows[0], evs[0].Row, "the receiver's row is the payload's")
			tt.check(t, evs[0].Row)
		})
	}
}

// Each system-event example decodes into the SDK's system_event type and
// validates against it, and as a row of a delivery it is a known event.
func TestEngageLabDocumentedSystemEvents(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		event otp.SystemEventType
		check func(t *testing.T, d otp.SystemEventData)
	}{
		{
			name: "account login", raw: docAccountLogin, event: otp.SystemEventTypeAccountLogin,
			check: func(t *testing.T, d otp.SystemEventData) {
				assert.Equal(t, otp.LoginActionLoginSuccess, d.AccountLogin.Action)
				assert.Empty(t, d.AccountLogin.FailReason)
				assert.Equal(t, "foo@example.com", d.Operator.Email)
			},
		},
		{
			name: "template management", raw: docTemplateManage, event: otp.SystemEventTypeTemplateManage,
			check: func(t *testing.T, d otp.SystemEventData) {
				assert.Equal(t, otp.TemplateManageEvent{Action: "update template", TemplateID: "tmpl-456", TemplateName: "Verification Code"}, d.TemplateManage)
			},
		},
		{
			name: "key management: the example's create, not the table's create api_key", raw: docKeyManage, event: otp.SystemEventTypeKeyManage,
			check: func(t *testing.T, d otp.SystemEventData) {
				assert.Equal(t, otp.KeyAction("create"), d.KeyManage.Action, "an unlisted action is kept")
				assert.False(t, d.KeyManage.Action.Valid())
				assert.True(t, otp.KeyActionCreateAPIKey.Valid())
				assert.Equal(t, "apikey-789", d.KeyManage.APIKey)
				assert.Equal(t, "New API key created", d.KeyManage.Description)
			},
		},
		{
			name: "API call", raw: docAPICall, event: otp.SystemEventTypeAPICall,
			check: func(t *testing.T, d otp.SystemEventData) {
				assert.Equal(t, otp.APICallEvent{APIPath: "/api/v1/messages/send", Method: "POST"}, d.APICall)
				assert.Equal(t, otp.EventOperator{APIKey: "apikey-789", IPAddress: "1.2.3.4"}, d.Operator)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ev otp.CallbackSystemEvent
			strictDecode(t, tt.raw, &ev)
			conformsToSpec(t, tt.raw, "CallbackSystemEvent")
			roundTrips(t, tt.raw, ev)
			assert.Equal(t, tt.event, ev.Event)
			assert.True(t, ev.Event.Valid())
			assert.Equal(t, "123", ev.Data.BusinessID)
			assert.Equal(t, "org-abc", ev.Data.OrgID)
			tt.check(t, ev.Data)

			row := `{"server":"otp","itime":1694012345,"system_event":` + tt.raw + `}`
			conformsToSpec(t, row, "CallbackRow")
			evs, err := webhook.ParseEngageLabPayload([]byte(batch(row)))
			require.NoError(t, err)
			require.Len(t, evs, 1)
			assert.NoError(t, evs[0].DecodeErr)
			assert.Equal(t, webhook.KindSystemEvent, evs[0].Kind)
			assert.True(t, evs[0].Known())
			assert.Equal(t, ev, *evs[0].Row.SystemEvent)
		})
	}
}

// The rows only a status carries are optional: a notification, reply or
// system-event row without message_id, to and channel is valid, and a row
// still needs server and itime.
func TestEngageLabRowRequirements(t *testing.T) {
	tests := []struct {
		name  string
		row   string
		valid bool
	}{
		{"notification without message fields", `{"server":"otp","itime":1,"notification":{"event":"insufficient_balance"}}`, true},
		{"system event without message fields", `{"server":"otp","itime":1,"system_event":{"event":"api_call"}}`, true},
		{"no server", `{"itime":1,"notification":{"event":"insufficient_balance"}}`, false},
		{"no itime", `{"server":"otp","notification":{"event":"insufficient_balance"}}`, false},
		{"operator of the wrong shape", `{"server":"otp","itime":1,"system_event":{"event":"api_call","data":{"operator":"admin"}}}`, false},
		{"balance of the wrong type", `{"server":"otp","itime":1,"notification":{"event":"insufficient_balance","notification_data":{"remain_balance":"low"}}}`, false},
	}
	schema := otpSchema(t, "CallbackRow")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			require.NoError(t, json.Unmarshal([]byte(tt.row), &v))
			err := schema.VisitJSON(v, specs.SchemaValidationOptions()...)
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}
