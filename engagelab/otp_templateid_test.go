package engagelab_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
)

// getTemplate and deleteTemplate: the operations with a path parameter.

func getTemplate(ctx context.Context, c *engagelab.Client, id string) (*otp.Template, error) {
	return verikit.Result(c.OTP.GetTemplateWithResponse(ctx, id))
}

func deleteTemplate(ctx context.Context, c *engagelab.Client, id string) (*otp.OperationResult, error) {
	return verikit.Result(c.OTP.DeleteTemplateWithResponse(ctx, id))
}

func TestOTPGetAndDeleteTemplate(t *testing.T) {
	m, c := startMock(t)
	ctx := t.Context()
	tmpl := newTemplate("to-delete", "sms", 2)
	_, err := verikit.Result(c.OTP.CreateTemplateWithResponse(ctx, tmpl))
	require.NoError(t, err)

	got, err := getTemplate(ctx, c, "to-delete")
	require.NoError(t, err)
	assert.Equal(t, "to-delete", got.TemplateID)
	assert.Equal(t, tmpl.VerifyCodeConfig, got.VerifyCodeConfig)
	assert.Equal(t, otp.TemplateStatusApproved, got.Status)

	seed, err := getTemplate(ctx, c, mock.DefaultOTPTemplateID)
	require.NoError(t, err)
	assert.Equal(t, "whatsapp|sms", seed.SendChannelStrategy)

	done, err := deleteTemplate(ctx, c, "to-delete")
	require.NoError(t, err)
	assert.Zero(t, done.Code)

	hits := m.hits.Load()
	_, err = getTemplate(ctx, c, "to-delete")
	ae := apiErr(t, err, otp.ErrorCodeNotFound)
	assert.Equal(t, "engagelab/otp getTemplate", ae.Operation)
	_, err = deleteTemplate(ctx, c, "to-delete")
	ae = apiErr(t, err, otp.ErrorCodeNotFound)
	assert.Equal(t, "engagelab/otp deleteTemplate", ae.Operation)
	assert.Equal(t, hits+2, m.hits.Load(), "a 4xx is not retried")

	_, err = sendMessage(ctx, c, recipient, "to-delete")
	apiErr(t, err, otp.ErrorCodeNotFound)

	list, err := verikit.Result(c.OTP.ListTemplatesWithResponse(ctx))
	require.NoError(t, err)
	require.Len(t, *list, 1)
	assert.Equal(t, mock.DefaultOTPTemplateID, (*list)[0].TemplateID)

	// The ID is free again.
	_, err = verikit.Result(c.OTP.CreateTemplateWithResponse(ctx, tmpl))
	require.NoError(t, err)
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
				_, err := verikit.Result(c.OTP.CreateTemplateWithResponse(ctx, newTemplate(tt.id, "sms", 5)))
				require.NoError(t, err)
			}
			hits := m.hits.Load()
			got, getErr := getTemplate(ctx, c, tt.id)
			_, delErr := deleteTemplate(ctx, c, tt.id)
			noSecret(t, getErr)
			noSecret(t, delErr)
			if tt.sent {
				require.NoError(t, getErr)
				assert.Equal(t, tt.id, got.TemplateID, "the mock saw the ID unchanged")
				require.NoError(t, delErr)
				assert.Equal(t, hits+2, m.hits.Load())
				return
			}
			for _, err := range []error{getErr, delErr} {
				require.Error(t, err)
				var ae *apierror.Error
				assert.False(t, errors.As(err, &ae), "no request reached the server: %v", err)
			}
			assert.Equal(t, hits, m.hits.Load(), "the mock received a request")
		})
	}

	t.Run("empty is a ValidationError", func(t *testing.T) {
		_, c := startMock(t)
		_, err := getTemplate(t.Context(), c, "")
		var ve *apierror.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, ve.Problems[0], "templateId")
	})
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
			_, err := c.OTP.GetTemplateWithResponse(context.Background(), "t-1")
			return err
		}, 3},
		{"deleteTemplate", func(c *engagelab.Client) error {
			_, err := c.OTP.DeleteTemplateWithResponse(context.Background(), "t-1")
			return err
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
		_, err := deleteTemplate(context.Background(), stubClient(t, s), "t-1")
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusOK, ae.StatusCode)
		assert.Equal(t, int(otp.ErrorCodeNotFound), ae.Code)
	})
}
