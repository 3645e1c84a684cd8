package drafttest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// The draft number-check spec (issue 12): two signed JSON operations with
// the same bizType and action, the code/msg/data envelope, and a paginated
// query.
var numbercheckDraft = &nxchDraft{name: "nxcloud/numbercheck"}

func TestNumbercheckOperationsAreSignedAndAnswerTheirData(t *testing.T) {
	for _, opID := range []string{"check", "listRecords"} {
		t.Run(opID, func(t *testing.T) {
			env := nxchStart(t, numbercheckDraft, "", false)
			op := numbercheckDraft.op(t, opID)
			var out map[string]any
			require.NoError(t, env.svc.Call(context.Background(), opID, nil, nxchRequestExample(t, op), &out, nil))
			// The result is the envelope's data: the mock's own state
			// (a new check's messageId; no results for an unknown batch),
			// in the example's shape.
			want, _ := nxchSuccessExample(t, op).(map[string]any)
			for k := range want {
				assert.Contains(t, out, k, "the result is the envelope's data")
			}

			req, body := env.wire.last(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, op.Path, req.URL.Path)
			assert.Equal(t, specs.MediaJSON, req.Header.Get("Content-Type"))
			p := sign.Params{
				AccessKey: req.Header.Get(sign.HeaderAccessKey), TS: req.Header.Get(sign.HeaderTS),
				BizType: req.Header.Get(sign.HeaderBizType), Action: req.Header.Get(sign.HeaderAction),
			}
			assert.Equal(t, "1", p.BizType)
			assert.Equal(t, "numbercheck", p.Action)
			assert.True(t, sign.Verify(sign.MD5, p, body, mock.DefaultAccessSecret, req.Header.Get(sign.HeaderSign)), "the signature covers the bytes sent")
		})
	}
	assert.Equal(t, specs.Safe, numbercheckDraft.op(t, "listRecords").Retry, "a query only reads")
	assert.Equal(t, specs.Unsafe, numbercheckDraft.op(t, "check").Retry, "each check is billed")
}

func TestNumbercheckABadSignatureIsAnAuthFailure(t *testing.T) {
	env := nxchStart(t, numbercheckDraft, "not-the-access-secret", false)
	err := env.svc.Call(context.Background(), "check", nil, nxchRequestExample(t, numbercheckDraft.op(t, "check")), new(map[string]any), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	code, _ := numbercheckDraft.register(t).Code("BadSignature")
	assert.Equal(t, 1003, code)
	assert.Equal(t, code, ae.Code)
	assert.ErrorIs(t, err, apierror.ErrAuth, "x-error-kinds: auth [1001…1005]")
}

func TestNumbercheckParamsAreCheckedBeforeSending(t *testing.T) {
	env := nxchStart(t, numbercheckDraft, "", false)
	check := nxchRequestExample(t, numbercheckDraft.op(t, "check"))
	list := nxchRequestExample(t, numbercheckDraft.op(t, "listRecords"))
	for name, c := range map[string]struct {
		opID    string
		params  map[string]any
		problem string
	}{
		"no phone":              {"check", nxchWithout(check, "phone"), "phone"},
		"no appkey":             {"check", nxchWithout(check, "appkey"), "appkey"},
		"an undocumented level": {"check", nxchWith(check, "checkLevel", 2), "checkLevel"},
		"a batchNo over 64":     {"check", nxchWith(check, "batchNo", "b-123456789012345678901234567890123456789012345678901234567890123"), "batchNo"},
		"pages of 101":          {"listRecords", nxchWith(list, "pageSize", 101), "pageSize"},
		"page 0":                {"listRecords", nxchWith(list, "page", 0), "page"},
		"a date as yyyyMMdd":    {"listRecords", nxchWith(list, "date", "20230812"), "date"},
	} {
		err := env.svc.Call(context.Background(), c.opID, nil, c.params, new(map[string]any), nil)
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Contains(t, nxchJoin(ve.Problems), c.problem, name)
		}
	}
	assert.Zero(t, env.wire.count(), "a request was sent")
}

func TestNumbercheckTheMockRefusesWhatTheSpecRefuses(t *testing.T) {
	// Sent past the client's own check, signed but without a phone, the
	// body is refused by the mock with the catalogue's InvalidParameter.
	env := nxchStart(t, numbercheckDraft, "", false)
	code, ok := numbercheckDraft.register(t).Code("InvalidParameter")
	require.True(t, ok)
	assert.Equal(t, 201, code, "the page's 'parameter error or empty'")

	hc := &http.Client{Transport: &sign.NXCloudTransport{AccessKey: mock.DefaultAccessKey, AccessSecret: mock.DefaultAccessSecret,
		Operation: func(*http.Request) (string, string, error) { return "1", "numbercheck", nil }}}
	resp, err := hc.Post(env.url+"/api/number/check", specs.MediaJSON, strings.NewReader(`{"appkey":"a1b2c3d4"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var answer struct {
		Code int            `json:"code"`
		Msg  string         `json:"msg"`
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "NXCloud fails with HTTP 200")
	assert.Equal(t, 201, answer.Code)
	assert.Contains(t, answer.Msg, "phone")
	assert.Nil(t, answer.Data)
}

func TestNumbercheckResultCallbackArrivesAsJSON(t *testing.T) {
	rcv := nxchReceive(t, numbercheckDraft, "NumberCheckCallback")
	result := nxchCallbackExample(t, numbercheckDraft, "NumberCheckCallback")
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	require.NoError(t, m.SendCallback(context.Background(), rcv.url, numbercheckDraft.name, "NumberCheckCallback", result))
	// A number whose check failed comes without data and cost.
	failed := map[string]any{"messageId": "cc5ef7d6-62be-42c9-abdf-b6ea9d6ed5e6", "code": float64(114), "msg": "Invalid number format", "batchNo": "700337042751", "phone": "18617"}
	require.NoError(t, m.SendCallback(context.Background(), rcv.url, numbercheckDraft.name, "NumberCheckCallback", failed))

	got := rcv.received()
	require.Len(t, got, 2)
	assert.Equal(t, result, got[0])
	assert.Equal(t, failed, got[1])

	// A result of an undocumented level's shape is refused, with an error status.
	bad := nxchWith(result, "data", map[string]any{"basic": map[string]any{"preCheck": "MAYBE"}})
	b, err := json.Marshal(bad)
	require.NoError(t, err)
	status, _ := nxchPost(t, rcv.url, specs.MediaJSON, string(b))
	assert.Equal(t, http.StatusBadRequest, status, "an error status has NXCloud push it again")
}
