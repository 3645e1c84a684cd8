package mock

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// The mock holds its own answers to the spec's x-success as the client
// does: a success code with a declared payload must carry it.
func TestSuccessRuleHolds(t *testing.T) {
	op := func(spec, id string) *specs.Operation {
		o, ok := specs.MustLoad(spec).Operation(id)
		require.True(t, ok)
		return o
	}
	tests := []struct {
		name   string
		op     *specs.Operation
		status int
		body   string
		ok     bool
	}{
		{"success with data", op("nxcloud/ota", "init"), 200, `{"code":0,"msg":"ok","data":{"requestId":"r","url":"u"}}`, true},
		{"success without data", op("nxcloud/ota", "init"), 200, `{"code":0,"msg":"ok"}`, false},
		{"success with null data", op("nxcloud/ota", "init"), 200, `{"code":0,"msg":"ok","data":null}`, false},
		{"a failure carries no data", op("nxcloud/ota", "init"), 200, `{"code":2206,"msg":"slow down","data":null}`, true},
		{"nothing to carry", op("nxcloud/wa-integrator", "checkCode"), 200, `{"code":0,"message":"ok","data":null}`, true},
		{"EngageLab: the status decides", op("engagelab/otp", "sendMessage"), 200, `{"message_id":"1","send_channel":"sms"}`, true},
		{"another status", op("nxcloud/ota", "init"), 500, `{"code":0}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := successRuleHolds(tt.op, tt.status, []byte(tt.body))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "x-success")
			}
		})
	}
}
