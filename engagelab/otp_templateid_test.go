package engagelab_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
)

// getTemplate and deleteTemplate: the operations with a path parameter.

func TestOTPGetAndDeleteTemplate(t *testing.T) {
	m, c := startMock(t)
	ctx := t.Context()
	tmpl := newTemplate("to-delete", "sms", 2)
	require.NoError(t, c.OTP.CreateTemplate(ctx, tmpl))

	got, err := c.OTP.GetTemplate(ctx, "to-delete")
	require.NoError(t, err)
	assert.Equal(t, "to-delete", got.TemplateID)
	assert.Equal(t, tmpl.VerifyCodeConfig, got.VerifyCodeConfig)
	assert.Equal(t, otp.TemplateStatusApproved, got.Status)

	seed, err := c.OTP.GetTemplate(ctx, mock.DefaultOTPTemplateID)
	require.NoError(t, err)
	assert.Equal(t, "whatsapp|sms", seed.SendChannelStrategy)

	require.NoError(t, c.OTP.DeleteTemplate(ctx, "to-delete"))

	hits := m.hits.Load()
	_, err = c.OTP.GetTemplate(ctx, "to-delete")
	ae := apiErr(t, err, otp.ErrorCodeNotFound)
	assert.Equal(t, "engagelab/otp getTemplate", ae.Operation)
	err = c.OTP.DeleteTemplate(ctx, "to-delete")
	ae = apiErr(t, err, otp.ErrorCodeNotFound)
	assert.Equal(t, "engagelab/otp deleteTemplate", ae.Operation)
	assert.Equal(t, hits+2, m.hits.Load(), "a 4xx is not retried")

	_, err = sendMessage(ctx, c, recipient, "to-delete")
	apiErr(t, err, otp.ErrorCodeNotFound)

	list, err := c.OTP.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, mock.DefaultOTPTemplateID, list[0].TemplateID)

	// The ID is free again.
	require.NoError(t, c.OTP.CreateTemplate(ctx, tmpl))
}

// Template IDs are escaped into the path, and IDs that would change which
// operation the path names are refused before anything is sent.
func TestOTPTemplateIDInPath(t *testing.T) {
	tests := []struct {
		name, id string
		sent     bool // false: refused by the client
	}{
		{"empty", "", false},
		{"dot", ".", false},
		{"dot dot", "..", false},
		{"slash", "a/b", true},
		{"slash and space", "login/eu west", true},
		{"space and unicode", "Login Code ü", true},
		{"query and fragment characters", "a?b#c", true},
		{"percent", "100%", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startMock(t)
			ctx := t.Context()
			if tt.sent {
				require.NoError(t, c.OTP.CreateTemplate(ctx, newTemplate(tt.id, "sms", 5)))
			}
			hits := m.hits.Load()
			got, getErr := c.OTP.GetTemplate(ctx, tt.id)
			delErr := c.OTP.DeleteTemplate(ctx, tt.id)
			noSecret(t, getErr)
			noSecret(t, delErr)
			if tt.sent {
				require.NoError(t, getErr)
				assert.Equal(t, tt.id, got.TemplateID, "the mock saw the ID unchanged")
				require.NoError(t, delErr)
				assert.Equal(t, hits+2, m.hits.Load())
				return
			}
			assert.Nil(t, got)
			for op, err := range map[string]error{"getTemplate": getErr, "deleteTemplate": delErr} {
				var ae *apierror.Error
				assert.False(t, errors.As(err, &ae), "no request reached the server: %v", err)
				var ve *apierror.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "engagelab/otp "+op, ve.Operation)
				assert.Equal(t, []string{`path parameter templateId: must not be empty, "." or ".."`}, ve.Problems)
			}
			assert.Equal(t, hits, m.hits.Load(), "the mock received a request")
		})
	}
}

// getTemplate only reads and is retried after a 5xx; deleteTemplate is
// never sent twice.
func TestOTPTemplateIDRetryClasses(t *testing.T) {
	tests := []struct {
		name      string
		call      func(*engagelab.Client) error
		wantTries int32
	}{
		{"getTemplate", func(c *engagelab.Client) error {
			_, err := c.OTP.GetTemplate(context.Background(), "t-1")
			return err
		}, 3},
		{"deleteTemplate", func(c *engagelab.Client) error {
			return c.OTP.DeleteTemplate(context.Background(), "t-1")
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stub{status: http.StatusServiceUnavailable, body: `{"code":1000,"message":"internal error"}`}
			err := tt.call(stubClient(t, s))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(tt.wantTries), ae.Attempts)
			assert.Equal(t, tt.wantTries, s.n.Load())
		})
	}

	t.Run("deleteTemplate HTTP 200 with a failure code", func(t *testing.T) {
		s := &stub{status: http.StatusOK, body: `{"code":4001,"message":"template does not exist"}`}
		err := stubClient(t, s).OTP.DeleteTemplate(context.Background(), "t-1")
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusOK, ae.StatusCode)
		assert.Equal(t, int(otp.ErrorCodeNotFound), ae.Code)
	})
}
