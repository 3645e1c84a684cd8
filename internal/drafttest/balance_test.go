package drafttest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The draft NXCloud balance spec (issue 12): a form body that holds
// nothing but an SMS application's key pair (the sms set, shared with the
// SMS product), on api.nxcloud.com, with a text result code.
const balanceSpec = "nxcloud/balance"

var balanceSMSPair = option.WithAppCredentials("sms", "mock-sms-appkey", "mock-sms-secret")

type balanceResult struct {
	Code          string `json:"code"`
	Balance       string `json:"balance"`
	CreditBalance string `json:"credit_balance"`
}

func TestBalanceSendsOnlyTheSMSKeyPair(t *testing.T) {
	op, ok := specs.MustLoad(balanceSpec).Operation("get")
	require.True(t, ok)
	assert.Equal(t, "https://api.nxcloud.com", op.Doc.ServerURL(), "the legacy host, not api2")
	assert.Equal(t, specs.Safe, op.Retry, "a pure read")

	svc, w := draftStart(t, balanceSpec, balanceSMSPair)
	// The request example holds the pair and nothing else: the params are
	// empty.
	var out balanceResult
	require.NoError(t, svc.Call(context.Background(), "get", nil, map[string]any{}, &out, nil))
	assert.Equal(t, balanceResult{Code: "0", Balance: "3788.32", CreditBalance: "500"}, out)

	req, body := w.last(t)
	assert.Equal(t, "/api/common/getBalance", req.URL.Path)
	assert.Equal(t, specs.MediaForm, req.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, url.Values{"appkey": {"mock-sms-appkey"}, "secretkey": {"mock-sms-secret"}}, form)
	for _, h := range []string{"accessKey", "sign", "ts", "Authorization"} {
		assert.Empty(t, req.Header.Get(h), "%s sent where no signature is due", h)
	}

	// nil params are the same call.
	require.NoError(t, svc.Call(context.Background(), "get", nil, nil, &out, nil))
	assert.Equal(t, "3788.32", out.Balance)
}

func TestBalanceAWrongKeyPairIsAnAuthFailure(t *testing.T) {
	svc, _ := draftStart(t, balanceSpec, option.WithAppCredentials("sms", "mock-sms-appkey", "not-the-secret-XYZ"))
	err := svc.Call(context.Background(), "get", nil, nil, new(balanceResult), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode)
	assert.Equal(t, 1, ae.Code, "the text code \"1\" is read as 1")
	assert.ErrorIs(t, err, apierror.ErrAuth, "x-error-kinds: auth [1]")
	assert.NotEmpty(t, ae.Message, "the failure is described in result")
	assert.NotContains(t, err.Error(), "not-the-secret-XYZ")
}

// The call takes no params, so what can be invalid is the missing pair
// (refused before sending) and an answer that breaks the success schema.
func TestBalanceInvalidRequestsAndAnswersAreRefused(t *testing.T) {
	svc, w := draftStart(t, balanceSpec, option.WithAppCredentials("voice", "mock-voice-appkey", "mock-voice-secret"))
	err := svc.Call(context.Background(), "get", nil, nil, new(balanceResult), nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "only the sms pair will do")
	assert.Contains(t, strings.Join(ve.Problems, "; "), `option.WithAppCredentials("sms"`)
	assert.Zero(t, w.count(), "a request was sent")

	for body, reason := range map[string]string{
		`{"code":"0","balance":3788.32,"credit_balance":"500"}`: "balance",       // a number, not text
		`{"balance":"3788.32","credit_balance":"500"}`:          "unexpected",    // no code at all
		`{"code":0,"balance":"3788.32","credit_balance":"500"}`: "",              // a numeric 0 is not the text "0"
		`{"code":"1","result":"Application unavailable"}`:       "unavailable",   // the vendor's failure
		`{"code":"2","result":"Parameter error or empty"}`:      "Parameter err", // ditto
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}))
		err := draftService(t, balanceSpec, srv.URL, balanceSMSPair).Call(context.Background(), "get", nil, nil, new(balanceResult), nil)
		srv.Close()
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, body)
		assert.Contains(t, err.Error(), reason, body)
	}
}
