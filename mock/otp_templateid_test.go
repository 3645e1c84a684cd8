package mock_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
)

// getTemplate and deleteTemplate over raw HTTP: the template ID comes from
// the path, escaped.
func TestOTPGetDeleteTemplateRaw(t *testing.T) {
	m := mock.Start(t)
	const id = "Login Code ü?#%" // escaped in the path, decoded by the mock
	path := "/v1/template-configs/" + url.PathEscape(id)

	status, v := otpRaw(t, m, http.MethodGet, path, "", true)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))

	status, _ = otpRaw(t, m, http.MethodPost, "/v1/template-configs", `{"template_id":"Login Code ü?#%","send_channel_strategy":"email"}`, true)
	require.Equal(t, http.StatusOK, status)
	status, v = otpRaw(t, m, http.MethodGet, path, "", true)
	require.Equal(t, http.StatusOK, status, "%v", v)
	assert.Equal(t, id, otpField(t, v, "template_id"))
	assert.Equal(t, "email", otpField(t, v, "send_channel_strategy"))
	assert.EqualValues(t, 2, otpField(t, v, "status"))

	for range 2 { // the second delete finds nothing
		status, v = otpRaw(t, m, http.MethodDelete, path, "", true)
		if status == http.StatusOK {
			assert.EqualValues(t, 0, otpField(t, v, "code"))
			continue
		}
		assert.Equal(t, http.StatusBadRequest, status)
		assert.EqualValues(t, 4001, otpField(t, v, "code"))
	}
	status, _ = otpRaw(t, m, http.MethodGet, path, "", true)
	assert.Equal(t, http.StatusBadRequest, status)
}

// The seed template can be deleted like any other; sends with it then get
// 4001, and codes sent before can still be verified.
func TestOTPDeleteSeedTemplate(t *testing.T) {
	m := mock.Start(t)
	status, v := otpSendRaw(t, m, "+1", mock.DefaultOTPTemplateID)
	require.Equal(t, http.StatusOK, status)
	id := otpField(t, v, "message_id").(string)

	status, _ = otpRaw(t, m, http.MethodDelete, "/v1/template-configs/"+mock.DefaultOTPTemplateID, "", true)
	require.Equal(t, http.StatusOK, status)
	status, v = otpSendRaw(t, m, "+2", mock.DefaultOTPTemplateID)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 4001, otpField(t, v, "code"))

	status, v = otpVerifyRaw(t, m, id, mock.DefaultOTPCode)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, true, otpField(t, v, "verified"))

	_, v = otpRaw(t, m, http.MethodGet, "/v1/template-configs", "", true)
	assert.Equal(t, []any{}, v, "an empty list is [], not null")
}
