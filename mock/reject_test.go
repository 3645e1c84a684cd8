package mock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

func TestRejectNextRefusesWhatTheSpecWouldNotAnswer(t *testing.T) {
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	tests := []struct {
		name, op string
		r        mock.Rejection
		ok       bool
	}{
		{"a listed NXCloud code", "nxcloud/ota verify", mock.Rejection{Code: 2206}, true},
		{"a listed code of a text-code product", "nxcloud/sms send", mock.Rejection{Code: 4}, true},
		{"EngageLab with its status", "engagelab/otp verify", mock.Rejection{Code: 3003, Status: 400}, true},
		{"unknown operation", "nxcloud/ota nope", mock.Rejection{Code: 2206}, false},
		{"unlisted code", "nxcloud/ota verify", mock.Rejection{Code: 123456}, false},
		{"the success code", "nxcloud/ota verify", mock.Rejection{Code: 0}, false},
		{"the text success code", "nxcloud/sms send", mock.Rejection{Code: 0}, false},
		{"NXCloud fails with 200 only", "nxcloud/ota verify", mock.Rejection{Code: 2206, Status: 500}, false},
		{"EngageLab needs a failure status", "engagelab/otp verify", mock.Rejection{Code: 3003}, false},
		{"EngageLab status out of range", "engagelab/otp verify", mock.Rejection{Code: 3003, Status: 302}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.RejectNext(tt.op, tt.r)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, mock.ErrConfig)
		})
	}
}
