package nxcloud_test

// SIP call records through the typed client against the mock: the
// approval's key pair (a form for listRecords, a JSON body for
// listByOrderId), the two reads' opposite success codes, the stateful
// flow (calls added to the mock are read back and pushed), and the CDR
// push's generated receiver.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/sipcdr"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

func TestSIPCDRReadsOnTheWire(t *testing.T) {
	ctx := context.Background()
	t.Run("listRecords: a form, success code 1", func(t *testing.T) {
		_, c, p := vsClient(t, mock.Config{})
		var raw option.RawResponse
		res, err := c.SIPCDR.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2019-01-25 12:00:00", EndTime: "2019-01-25 13:00:00",
			Direction: sipcdr.CallDirectionIncoming, Page: 1, PageSize: 10}, option.WithRawResponse(&raw))
		require.NoError(t, err)
		assert.Equal(t, "1", res.Code, "1 is this query's success")
		assert.NotEmpty(t, res.Info.Rows, "with no call added, the spec's example")
		r := p.last(t)
		assert.Equal(t, "/api/voiceSms/getSipCdr", r.path)
		form := vsForm(t, r)
		assert.Equal(t, "mock-sip-appkey", form.Get("appkey"))
		assert.Equal(t, "mock-sip-secret", form.Get("secretkey"))
		assert.Equal(t, "0", form.Get("direction"))
		assert.Equal(t, "10", form.Get("page_size"))
		assert.False(t, form.Has("username"), "an optional field left out is not sent")
	})
	t.Run("listByOrderId: JSON, success code 0", func(t *testing.T) {
		_, c, p := vsClient(t, mock.Config{})
		res, err := c.SIPCDR.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: "1000001,10000002"})
		require.NoError(t, err)
		assert.Equal(t, "0", res.Code, "0 is this query's success")
		assert.NotEmpty(t, res.Row)
		r := p.last(t)
		assert.Equal(t, "/api/voiceSms/getSipCdrByOrderid", r.path)
		assert.Equal(t, specs.MediaJSON, r.contentType)
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.body, &body))
		assert.Equal(t, map[string]any{"appkey": "mock-sip-appkey", "secretkey": "mock-sip-secret", "orderid": "1000001,10000002"}, body)
	})
}

// Each read's failure code is the other's success code, and neither tells
// an auth failure or rate limiting from the rest: the error carries
// NXCloud's text.
func TestSIPCDRFailures(t *testing.T) {
	ctx := context.Background()
	list := func(c *sipcdr.Client) error {
		_, err := c.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2019-01-25 12:00:00", EndTime: "2019-01-25 13:00:00", Page: 1, PageSize: 10})
		return err
	}
	byOrder := func(c *sipcdr.Client) error {
		_, err := c.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: "1000001"})
		return err
	}
	tests := []struct {
		name     string
		op       string
		code     sipcdr.ResultCode
		message  string
		call     func(*sipcdr.Client) error
		rejectOK bool // RejectNext refuses the code: it is the operation's success
	}{
		{"listRecords fails with 0", "nxcloud/sipcdr listRecords", sipcdr.ResultCodeListRecordsFailed, "mobile no exist", list, false},
		{"listByOrderId fails with 1", "nxcloud/sipcdr listByOrderId", sipcdr.ResultCodeListByOrderIDFailed, "appkey access rate limit", byOrder, false},
		{"1 is listRecords' success", "nxcloud/sipcdr listRecords", sipcdr.ResultCodeListByOrderIDFailed, "", list, true},
		{"0 is listByOrderId's success", "nxcloud/sipcdr listByOrderId", sipcdr.ResultCodeListRecordsFailed, "", byOrder, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c, _ := vsClient(t, mock.Config{})
			err := m.RejectNext(tt.op, mock.Rejection{Code: int(tt.code), Message: tt.message})
			if tt.rejectOK {
				assert.ErrorIs(t, err, mock.ErrConfig)
				return
			}
			require.NoError(t, err)
			err = tt.call(c.SIPCDR)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.True(t, ae.HasCode)
			assert.Equal(t, int(tt.code), ae.Code)
			assert.Equal(t, tt.message, ae.Message, "the reason is in info")
			assert.NotErrorIs(t, err, apierror.ErrTooFrequent, "the code does not say rate limit")
			assert.NotErrorIs(t, err, apierror.ErrAuth, "the code does not say auth")
		})
	}

	t.Run("a wrong key pair", func(t *testing.T) {
		_, c, p := vsStart(t, mock.Config{}, map[string][2]string{"sip": {"mock-sip-appkey", "wrong-sip-secret-4d2e"}})
		for _, tc := range []struct {
			call func(*sipcdr.Client) error
			code sipcdr.ResultCode
		}{{list, sipcdr.ResultCodeListRecordsFailed}, {byOrder, sipcdr.ResultCodeListByOrderIDFailed}} {
			err := tc.call(c.SIPCDR)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(tc.code), ae.Code, "the operation's own failure code, not the other's success")
			assert.Equal(t, 1, ae.Attempts, "a failure in the body is not retried")
			assert.NotContains(t, err.Error(), "wrong-sip-secret-4d2e")
		}
		assert.Equal(t, 2, p.count())
	})
}

func TestSIPCDRNothingIsSentWithBadParams(t *testing.T) {
	ctx := context.Background()
	_, c, p := vsClient(t, mock.Config{})
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"a page size above 1000", func() error {
			_, err := c.SIPCDR.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2019-01-25 12:00:00", EndTime: "2019-01-25 13:00:00", Page: 1, PageSize: 1001})
			return err
		}, "page_size"},
		{"a date without a time", func() error {
			_, err := c.SIPCDR.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2019-01-25", EndTime: "2019-01-25 13:00:00", Page: 1, PageSize: 10})
			return err
		}, "start_time"},
		{"a direction of 2", func() error {
			_, err := c.SIPCDR.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2019-01-25 12:00:00", EndTime: "2019-01-25 13:00:00", Direction: "2", Page: 1, PageSize: 10})
			return err
		}, "direction"},
		{"21 orders", func() error {
			ids := "1"
			for i := 2; i <= 21; i++ {
				ids += "," + string(rune('a'+i))
			}
			_, err := c.SIPCDR.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: ids})
			return err
		}, "orderid"},
		{"an empty order in the list", func() error {
			_, err := c.SIPCDR.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: "1,,2"})
			return err
		}, "orderid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ve *apierror.ValidationError
			require.ErrorAs(t, tt.call(), &ve)
			assert.Contains(t, ve.Problems[0]+" "+ve.Operation, tt.field)
		})
	}
	assert.Zero(t, p.count(), "a request was sent")
}

// The stateful flow: calls added to the mock are listed by period, phone,
// direction and page, read back by order, and pushed as CDRs.
func TestSIPCDRFlow(t *testing.T) {
	ctx := context.Background()
	m, c, _ := vsClient(t, mock.Config{})
	at := time.Date(2024, 3, 18, 9, 0, 0, 0, time.UTC)
	out := m.AddSIPCall(mock.SIPCall{OrderID: "order-1", Username: "6282215699804", MobileName: "front desk", Phone: "81314382782",
		CountryCode: "62", ShowPhone: "6282215699804", Start: at, Answer: at.Add(5 * time.Second), End: at.Add(65 * time.Second),
		RecordURL: "https://as01.nxcloud.com/record/abc"})
	in := m.AddSIPCall(mock.SIPCall{OrderID: "order-2", Username: "6282215699803", Phone: "878828666", CountryCode: "62",
		ShowPhone: "878828666", Incoming: true, Start: at.Add(time.Hour), End: at.Add(time.Hour), HangupCause: "NO_ANSWER"})
	require.NotEqual(t, out, in)

	period := func(p sipcdr.ListRecordsParams) sipcdr.ListRecordsParams {
		p.StartTime, p.EndTime = "2024-03-18 08:00:00", "2024-03-18 20:00:00"
		if p.Page == 0 {
			p.Page, p.PageSize = 1, 10
		}
		return p
	}
	tests := []struct {
		name  string
		p     sipcdr.ListRecordsParams
		total int64
		want  []int64
	}{
		{"the period", period(sipcdr.ListRecordsParams{}), 2, []int64{out, in}},
		{"one phone", period(sipcdr.ListRecordsParams{Username: "6282215699803"}), 1, []int64{in}},
		{"outgoing", period(sipcdr.ListRecordsParams{Direction: sipcdr.CallDirectionOutgoing}), 1, []int64{out}},
		{"page 2 of 1", period(sipcdr.ListRecordsParams{Page: 2, PageSize: 1}), 2, []int64{in}},
		{"another day", sipcdr.ListRecordsParams{StartTime: "2024-03-19 00:00:00", EndTime: "2024-03-19 23:59:59", Page: 1, PageSize: 10}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.SIPCDR.ListRecords(ctx, tt.p)
			require.NoError(t, err)
			assert.Equal(t, tt.total, res.Info.Total)
			var ids []int64
			for _, r := range res.Info.Rows {
				ids = append(ids, r.ID)
			}
			assert.Equal(t, tt.want, ids)
		})
	}

	res, err := c.SIPCDR.ListRecords(ctx, period(sipcdr.ListRecordsParams{Username: "6282215699804"}))
	require.NoError(t, err)
	require.Len(t, res.Info.Rows, 1)
	row := res.Info.Rows[0]
	assert.Equal(t, sipcdr.CallDirectionOutgoing, row.Direction)
	assert.EqualValues(t, 60, row.Duration, "from the answer to the end")
	assert.Equal(t, "front desk", row.MobileName)
	assert.Equal(t, "6281314382782", row.EffectiveCalledNumber)
	assert.Equal(t, "https://as01.nxcloud.com/record/abc", row.RecordURL)
	assert.Equal(t, sipcdr.HangupCauseNormalClearing, row.HangupCause)

	// More than 24 hours is refused, as NXCloud does.
	_, err = c.SIPCDR.ListRecords(ctx, sipcdr.ListRecordsParams{StartTime: "2024-03-17 08:00:00", EndTime: "2024-03-18 20:00:00", Page: 1, PageSize: 10})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int(sipcdr.ResultCodeListRecordsFailed), ae.Code)
	assert.Equal(t, "time invalid", ae.Message)

	byOrder, err := c.SIPCDR.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: "order-2,order-9"})
	require.NoError(t, err)
	require.Len(t, byOrder.Row, 1)
	assert.Equal(t, in, byOrder.Row[0].ID)
	assert.Equal(t, sipcdr.CallDirectionIncoming, byOrder.Row[0].Direction)
	assert.Empty(t, byOrder.Row[0].RecordURL, "record_url null: not recorded")
	assert.Equal(t, sipcdr.HangupCauseNoAnswer, byOrder.Row[0].HangupCause)

	// The CDR push, through the generated receiver.
	var mu sync.Mutex
	var pushed []sipcdr.RecordCallback
	hook := httptest.NewServer(webhook.SIPCDRRecordHandler(func(_ context.Context, r sipcdr.RecordCallback) error {
		mu.Lock()
		defer mu.Unlock()
		pushed = append(pushed, r)
		return nil
	}))
	defer hook.Close()
	require.NoError(t, m.SendSIPCDR(ctx, hook.URL, "order-1"))
	require.NoError(t, m.SendSIPCDR(ctx, hook.URL, "order-2"))
	assert.Error(t, m.SendSIPCDR(ctx, hook.URL, "order-9"), "no call under that order")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, pushed, 2)
	assert.Equal(t, sipcdr.RecordCallbackDirectionOutgoing, pushed[0].Direction)
	assert.Equal(t, sipcdr.RecordCallbackRecordRecorded, pushed[0].Record)
	assert.Equal(t, "https://as01.nxcloud.com/record/abc", pushed[0].RecordURL)
	assert.Equal(t, "62", pushed[0].Code, "the country code")
	assert.Equal(t, "1710752400", pushed[0].StartTime, "a Unix timestamp in text")
	assert.EqualValues(t, 60, pushed[0].Duration)
	assert.Equal(t, sipcdr.RecordCallbackDirectionIncoming, pushed[1].Direction)
	assert.Equal(t, sipcdr.RecordCallbackRecordNotRecorded, pushed[1].Record)
	assert.NotEqual(t, pushed[0].Sessionid, pushed[1].Sessionid)
}

// The CDR push's receiver takes the page's own example and refuses a
// record that breaks the schema, answering NXCloud's failure text.
func TestSIPCDRRecordReceiver(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	var got []sipcdr.RecordCallback
	var mu sync.Mutex
	hook := httptest.NewServer(webhook.SIPCDRRecordHandler(func(_ context.Context, r sipcdr.RecordCallback) error {
		mu.Lock()
		defer mu.Unlock()
		if r.Orderid == "refuse-me" {
			return errors.New("not now")
		}
		got = append(got, r)
		return nil
	}))
	defer hook.Close()
	example := map[string]any{
		"show_phone": "6298881888", "direction": 0, "end_time": "1555484089", "record": 1, "answer_time": "1555484086",
		"sipid": "1049002", "code": "86", "start_time": "1555484075", "duration": 3, "phone": "4444", "username": "6298881888",
		"mobile_name": "first mobile", "orderid": "1001233", "record_url": "https://as01.nxcloud.com/record/bf1b9043-cb9f-048f-cc97-0f939dc94609",
		"hangup_cause": "NORMAL_CLEARING", "sessionid": "bf1b9043-cb9f-048f-cc97-0f939dc94609",
	}
	tests := []struct {
		name   string
		edit   func(map[string]any)
		wantOK bool
	}{
		{"the page's example", func(map[string]any) {}, true},
		{"an unlisted hang-up cause is kept", func(f map[string]any) { f["hangup_cause"] = "SOMETHING_NEW" }, true},
		{"a direction as text is refused", func(f map[string]any) { f["direction"] = "0" }, false},
		{"a record without its session is refused", func(f map[string]any) { delete(f, "sessionid") }, false},
		{"a receiver that refuses it", func(f map[string]any) { f["orderid"] = "refuse-me" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]any{}
			for k, v := range example {
				fields[k] = v
			}
			tt.edit(fields)
			// Posted as NXCloud posts it, past the mock's own schema check.
			body, err := json.Marshal(fields)
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			reply, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.wantOK {
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "success", strings.TrimSpace(string(reply)))
			} else {
				assert.NotEqual(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "error", strings.TrimSpace(string(reply)))
			}
		})
	}
	// The mock itself sends only what the schema allows.
	assert.Error(t, m.SendCallback(ctx, hook.URL, "nxcloud/sipcdr", "RecordCallback", map[string]any{"direction": "0"}))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, "first mobile", got[0].MobileName)
	assert.Equal(t, sipcdr.HangupCause("SOMETHING_NEW"), got[1].HangupCause)

	// The unavailable call-state push is a type only: no receiver.
	_, err := specs.MustLoad("nxcloud/sipcdr").Callback("CallStatusPush")
	assert.Error(t, err, "CallStatusPush has no x-callback")
	assert.Equal(t, sipcdr.CallStatusPushStateHungUp, sipcdr.CallStatusPushState(4))
}
