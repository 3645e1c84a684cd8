package drafttest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// The SMS record reads of the draft SMS spec (issue 12): form bodies with
// the SMS application's key pair whose result codes mean other things than
// send's. The spec is sms_test.go's file, registered under a name of its
// own: "nxcloud/sms" is sms_test.go's (and may be embedded already).
var smsrecordsDraft = &nxchDraft{name: "nxcloud/sms"}

var smsrecordsReads = []string{"getRecord", "listRecords", "getReport"}

func TestSMSRecordsReadsPostAFormWithTheKeyPair(t *testing.T) {
	for _, opID := range smsrecordsReads {
		t.Run(opID, func(t *testing.T) {
			env := nxchStart(t, smsrecordsDraft, "", false, mockPair)
			op := smsrecordsDraft.op(t, opID)
			params := nxchRequestExample(t, op)
			if opID == "getRecord" {
				params["date"] = time.Now().Format("20060102") // the example's 2021 day is past the 31 days the read keeps
			}
			var out map[string]any
			require.NoError(t, env.svc.Call(context.Background(), opID, nil, params, &out, nil))
			assert.Equal(t, env.wire.lastAnswer(t), any(out), "the whole flat answer is the result")
			assert.Equal(t, specs.Safe, op.Retry, "a read is safe to repeat")

			req, body := env.wire.last(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, op.Path, req.URL.Path)
			assert.Equal(t, specs.MediaForm, req.Header.Get("Content-Type"))
			form, err := url.ParseQuery(string(body))
			require.NoError(t, err)
			assert.Equal(t, "mock-sms-appkey", form.Get("appkey"))
			assert.Equal(t, "mock-sms-secret", form.Get("secretkey"))
			for k := range params {
				assert.NotEmpty(t, form.Get(k), "form field %s", k)
			}
		})
	}
}

func TestSMSRecordsListSendsItsPageAsFormText(t *testing.T) {
	env := nxchStart(t, smsrecordsDraft, "", false, mockPair)
	params := nxchRequestExample(t, smsrecordsDraft.op(t, "listRecords"))
	require.NoError(t, env.svc.Call(context.Background(), "listRecords", nil, params, new(map[string]any), nil))
	_, body := env.wire.last(t)
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, "2", form.Get("page_size"))
	assert.Equal(t, "1", form.Get("page"))
	assert.Equal(t, "20190615", form.Get("date"))
}

func TestSMSRecordsReadsWithAWrongKeyPairAreAuthFailures(t *testing.T) {
	for _, opID := range smsrecordsReads {
		t.Run(opID, func(t *testing.T) {
			env := nxchStart(t, smsrecordsDraft, "", true, option.WithAppCredentials("sms", "mock-sms-appkey", "not-the-secret-XYZ"))
			err := env.svc.Call(context.Background(), opID, nil, nxchRequestExample(t, smsrecordsDraft.op(t, opID)), new(map[string]any), nil)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.ErrorIs(t, err, apierror.ErrAuth)
			assert.NotContains(t, err.Error(), "not-the-secret-XYZ")
			if bad := env.invalidAnswers(); len(bad) > 0 {
				t.Errorf("the mock's rejection broke its spec: %s", nxchFirstLine(bad[0]))
			}
		})
	}
}

func TestSMSRecordsParamsAreCheckedBeforeSending(t *testing.T) {
	env := nxchStart(t, smsrecordsDraft, "", false, mockPair)
	get := nxchRequestExample(t, smsrecordsDraft.op(t, "getRecord"))
	list := nxchRequestExample(t, smsrecordsDraft.op(t, "listRecords"))
	report := nxchRequestExample(t, smsrecordsDraft.op(t, "getReport"))
	for name, c := range map[string]struct {
		opID    string
		params  map[string]any
		problem string
	}{
		"a dashed date":    {"getRecord", nxchWith(get, "date", "2021-06-28"), "date"},
		"no messageid":     {"getRecord", nxchWithout(get, "messageid"), "messageid"},
		"pages of 1000":    {"listRecords", nxchWith(list, "page_size", 1000), "page_size"},
		"page 0":           {"listRecords", nxchWith(list, "page", 0), "page"},
		"an unknown order": {"listRecords", nxchWith(list, "sort_type", "2"), "sort_type"},
		"no end date":      {"getReport", nxchWithout(report, "end_date"), "end_date"},
		"an undashed date": {"getReport", nxchWith(report, "start_date", "20230202"), "start_date"},
	} {
		err := env.svc.Call(context.Background(), c.opID, nil, c.params, new(map[string]any), nil)
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Contains(t, nxchJoin(ve.Problems), c.problem, name)
		}
	}
	assert.Zero(t, env.wire.count(), "a request was sent")
}

// The reads number their failures differently from send: 2 is the wrong
// key pair and 5 too frequent there (operation x-error-kinds), and 1 a bad
// parameter.
func TestSMSRecordsCodesAreReadPerOperation(t *testing.T) {
	smsrecordsDraft.register(t)
	kindOf := func(opID, code string) error {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"code":"`+code+`"}`)
		}))
		defer srv.Close()
		cfg, err := apiclient.NewConfig([]option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries(), mockPair})
		require.NoError(t, err)
		svc := apiclient.NewService(cfg, smsrecordsDraft.name, func(b http.RoundTripper) http.RoundTripper { return b })
		err = svc.Call(context.Background(), opID, nil, nxchRequestExample(t, smsrecordsDraft.op(t, opID)), new(map[string]any), nil)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, "%s %s", opID, code)
		return err
	}
	for _, opID := range smsrecordsReads {
		assert.ErrorIs(t, kindOf(opID, "2"), apierror.ErrAuth, "%s: 2 is the wrong key pair", opID)
	}
	for _, opID := range []string{"listRecords", "getReport"} {
		assert.ErrorIs(t, kindOf(opID, "5"), apierror.ErrTooFrequent, "%s: 5 is too frequent", opID)
	}
	assert.ErrorIs(t, kindOf("send", "1"), apierror.ErrAuth, "send's 1 is the wrong key pair")
	assert.NotErrorIs(t, kindOf("getRecord", "1"), apierror.ErrAuth, "the reads' 1 is a bad parameter, not the key pair (x-error-kinds none)")
}

func TestSMSRecordsDeliveryReceiptArrivesInTheQueryOrAForm(t *testing.T) {
	rcv := nxchReceive(t, smsrecordsDraft, "DeliveryReceiptCallback")
	receipt := nxchCallbackExample(t, smsrecordsDraft, "DeliveryReceiptCallback")
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	// The mock sends it the first way the spec names: the query string of
	// the accounts registered before May 2023.
	require.NoError(t, m.SendCallback(context.Background(), rcv.url, smsrecordsDraft.name, "DeliveryReceiptCallback", receipt))
	// Later accounts get a form body.
	form := url.Values{}
	for k, v := range receipt {
		form.Set(k, v.(string))
	}
	form.Set("ext", "order-20261202-0001")
	status, reply := nxchPost(t, rcv.url, specs.MediaForm, form.Encode())
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "success", reply, "NXCloud expects the text success")

	got := rcv.received()
	require.Len(t, got, 2)
	assert.Equal(t, receipt, got[0])
	assert.Equal(t, nxchWith(receipt, "ext", "order-20261202-0001"), got[1])

	// A receipt without its messageid is refused with the text error.
	status, reply = nxchPost(t, rcv.url+"?"+url.Values{"phone": {"6282167624806"}, "status": {"2"}}.Encode(), "", "")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "error", reply)
	assert.Len(t, rcv.received(), 2)
}
