package mock_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/numbercheck"
	"github.com/verikit/verikit/gen/nxcloud/sms"
	"github.com/verikit/verikit/gen/nxcloud/smsv2"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/webhook"
)

// The SMS flow against the mock, through the typed client: a send makes a
// record that getRecord returns, its conversion is accepted once, and the
// mock delivers its receipt to the generated receiver.
func TestSMSFlow(t *testing.T) {
	m := mock.Start(t)
	c, err := nxcloud.NewClient("", "", option.WithBaseURL(m.URL),
		option.WithAppCredentials("sms", "mock-sms-appkey", "mock-sms-secret"))
	require.NoError(t, err)
	ctx := context.Background()

	sent, err := c.SMS.Send(ctx, sms.SendParams{Phone: "8615088888888", Content: "Your code is 398512", Ext: "order-1"})
	require.NoError(t, err)
	require.NotEmpty(t, sent.Messageid)

	rec, err := c.SMS.GetRecord(ctx, sms.GetRecordParams{Date: time.Now().Format("20060102"), Messageid: sent.Messageid})
	require.NoError(t, err)
	assert.Equal(t, sent.Messageid, rec.Row.Msgid)
	assert.Equal(t, "8615088888888", rec.Row.Phone)
	assert.Equal(t, "Your code is 398512", rec.Row.Body)

	second, err := c.SMS.Send(ctx, sms.SendParams{Phone: "8615088888889", Content: "Your code is 100200"})
	require.NoError(t, err)
	var listed []string
	for page := int32(1); page <= 2; page++ {
		list, err := c.SMS.ListRecords(ctx, sms.ListRecordsParams{Date: time.Now().Format("20060102"), Page: page, PageSize: 1})
		require.NoError(t, err)
		assert.EqualValues(t, 2, list.Info.Total, "the day's two messages")
		require.Len(t, list.Info.Rows, 1, "a page of one")
		listed = append(listed, list.Info.Rows[0].Msgid)
	}
	assert.ElementsMatch(t, []string{sent.Messageid, second.Messageid}, listed, "the record query returns what was sent")

	require.NoError(t, c.SMS.ReportConversion(ctx, sms.ReportConversionParams{Messageid: sent.Messageid, Status: "10"}))
	err = c.SMS.ReportConversion(ctx, sms.ReportConversionParams{Messageid: sent.Messageid, Status: "10"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "a conversion is accepted once per message")
	assert.Contains(t, ae.Reason, "not success")

	var got []sms.DeliveryReceiptCallback
	srv := httptest.NewServer(webhook.SMSDeliveryReceiptHandler(func(_ context.Context, r sms.DeliveryReceiptCallback) error {
		got = append(got, r)
		return nil
	}))
	defer srv.Close()
	require.NoError(t, m.SendSMSReceipt(ctx, srv.URL+"/sms-dr", sent.Messageid))
	require.Len(t, got, 1)
	assert.Equal(t, sent.Messageid, got[0].Messageid)
	assert.Equal(t, "8615088888888", got[0].Phone)
	assert.Equal(t, "order-1", got[0].Ext, "ext comes back as it was sent")

	assert.Error(t, m.SendSMSReceipt(ctx, srv.URL+"/sms-dr", "never-sent"))
}

// Number check against the mock: a check's results come back a page at a
// time through the generated iterator, and each number's result callback
// reaches the generated receiver.
func TestNumberCheckFlow(t *testing.T) {
	m := mock.Start(t)
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	ctx := context.Background()
	sub, err := c.NumberCheck.Check(ctx, numbercheck.CheckParams{Phone: "2348000012345,2348000012346,2348000012347", Appkey: "a1b2c3d4"})
	require.NoError(t, err)

	var phones []string
	pages := 0
	for page, err := range c.NumberCheck.ListRecordsPages(ctx, numbercheck.ListRecordsParams{Date: time.Now().Format(time.DateOnly), MessageID: sub.MessageID, PageSize: 2}) {
		require.NoError(t, err)
		pages++
		for _, r := range page.Result {
			phones = append(phones, r.Phone)
		}
	}
	assert.Equal(t, 2, pages, "3 results, 2 a page")
	assert.Equal(t, []string{"2348000012345", "2348000012346", "2348000012347"}, phones)

	stopped, cancel := context.WithCancel(ctx)
	cancel()
	for _, err := range c.NumberCheck.ListRecordsPages(stopped, numbercheck.ListRecordsParams{Date: time.Now().Format(time.DateOnly), MessageID: sub.MessageID}) {
		assert.ErrorIs(t, err, context.Canceled, "a done context ends the walk")
	}

	var got []numbercheck.NumberCheckCallback
	srv := httptest.NewServer(webhook.NumberCheckHandler(func(_ context.Context, r numbercheck.NumberCheckCallback) error {
		got = append(got, r)
		return nil
	}))
	defer srv.Close()
	require.NoError(t, m.SendNumberCheckResult(ctx, srv.URL, sub.MessageID))
	assert.Len(t, got, 3)
}

// smsClient is a client of the mock with its access key and its SMS
// application's key pair.
func smsClient(t *testing.T, m *mock.Running) *nxcloud.Client {
	t.Helper()
	key, secret := m.AppCredentials("sms")
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL), option.WithAppCredentials("sms", key, secret))
	require.NoError(t, err)
	return c
}

// A signed v2 send makes the same records as the form send: the record
// queries return it and the statement counts it, by the days asked.
func TestSMSV2SendMakesRecords(t *testing.T) {
	m := mock.Start(t)
	c := smsClient(t, m)
	ctx := context.Background()
	key, _ := m.AppCredentials("sms")

	v2, err := c.SMSv2.Send(ctx, smsv2.SendParams{AppKey: key, Phone: "8615088888881,8615088888882", Content: "Your code is 111222"})
	require.NoError(t, err)
	require.NotEmpty(t, v2.Messageid)
	v1, err := c.SMS.Send(ctx, sms.SendParams{Phone: "8615088888883", Content: "Your code is 333444"})
	require.NoError(t, err)

	today := time.Now()
	rec, err := c.SMS.GetRecord(ctx, sms.GetRecordParams{Date: today.Format("20060102"), Messageid: v2.Messageid})
	require.NoError(t, err)
	assert.Equal(t, v2.Messageid, rec.Row.Msgid)
	assert.Equal(t, "Your code is 111222", rec.Row.Body)

	list, err := c.SMS.ListRecords(ctx, sms.ListRecordsParams{Date: today.Format("20060102"), Page: 1, PageSize: 10})
	require.NoError(t, err)
	assert.EqualValues(t, 3, list.Info.Total, "two v2 recipients and one form send")
	var ids []string
	for _, r := range list.Info.Rows {
		ids = append(ids, r.Msgid)
	}
	assert.Contains(t, ids, v2.Messageid)
	assert.Contains(t, ids, v1.Messageid)

	for _, tc := range []struct {
		name      string
		from, to  time.Time
		submitted int64
	}{
		{"today", today, today, 3},
		{"a range around today", today.AddDate(0, 0, -3), today.AddDate(0, 0, 1), 3},
		{"days before any send", today.AddDate(0, 0, -10), today.AddDate(0, 0, -2), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := c.SMS.GetReport(ctx, sms.GetReportParams{StartDate: tc.from.Format(time.DateOnly), EndDate: tc.to.Format(time.DateOnly)})
			require.NoError(t, err)
			require.Len(t, rep.Row, 1)
			assert.Equal(t, tc.submitted, rep.Row[0].SubmitSize)
			assert.Equal(t, tc.submitted, rep.Row[0].SuccessSize)
			assert.Equal(t, tc.submitted, rep.Row[0].PriceSize)
		})
	}
}
