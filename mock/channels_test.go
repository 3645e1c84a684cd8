package mock_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/email"
	"github.com/verikit/verikit/gen/nxcloud/flashcall"
	"github.com/verikit/verikit/gen/nxcloud/numbercheck"
	"github.com/verikit/verikit/gen/nxcloud/sms"
	"github.com/verikit/verikit/gen/nxcloud/voice"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/webhook"
)

// channelClient is a keyless NXCloud client with the mock's application
// key pairs for e-mail, voice and flash call.
func channelClient(t *testing.T, m *mock.Running) *nxcloud.Client {
	t.Helper()
	var opts []option.Option
	for _, set := range []string{"email", "voice", "flashcall"} {
		key, secret := m.AppCredentials(set)
		opts = append(opts, option.WithAppCredentials(set, key, secret))
	}
	c, err := nxcloud.NewClient("", "", append(opts, option.WithBaseURL(m.URL))...)
	require.NoError(t, err)
	return c
}

// E-mail: a send makes a record the record query returns, and the mock
// delivers its receipt to the generated receiver.
func TestEmailFlow(t *testing.T) {
	m := mock.Start(t)
	c := channelClient(t, m)
	ctx := context.Background()

	sent, err := c.Email.Send(ctx, email.SendParams{From: "noreply@mail.example.com", To: "li.wei@example.com", TemplateName: "login-code"})
	require.NoError(t, err)
	require.NotEmpty(t, sent.Result)

	page, err := c.Email.ListRecords(ctx, email.ListRecordsParams{MessageID: sent.Result})
	require.NoError(t, err)
	require.Len(t, page.Result.Records, 1)
	assert.Equal(t, sent.Result, page.Result.Records[0].MessageID)
	assert.Equal(t, "li.wei@example.com", page.Result.Records[0].Receiver)

	var got []email.ReceiptCallback
	srv := httptest.NewServer(webhook.EmailReceiptHandler(func(_ context.Context, r email.ReceiptCallback) error {
		got = append(got, r)
		return nil
	}))
	defer srv.Close()
	require.NoError(t, m.SendEmailReceipt(ctx, srv.URL, sent.Result))
	require.Len(t, got, 1)
	assert.Equal(t, sent.Result, got[0].MessageID)
	assert.Equal(t, []string{"li.wei@example.com"}, got[0].Receiver)
	assert.Error(t, m.SendEmailReceipt(ctx, srv.URL, "never-sent"))
}

// Voice: a call's conversion is accepted once, and its receipt reaches the
// generated receiver.
func TestVoiceFlow(t *testing.T) {
	m := mock.Start(t)
	c := channelClient(t, m)
	ctx := context.Background()

	sent, err := c.Voice.Send(ctx, voice.SendParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "6221500123",
		Content: "Your verification code is 3-9-8-5-1-2", Lang: voice.LanguageEnglish})
	require.NoError(t, err)
	require.NotEmpty(t, sent.Messageid)

	now := time.Now()
	list, err := c.Voice.ListRecords(ctx, voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeVerificationOrNotification,
		StartTime: now.Add(-time.Minute).Format(time.DateTime), EndTime: now.Add(time.Minute).Format(time.DateTime), Page: 1, PageSize: 10})
	require.NoError(t, err, "the inverted code \"1\" is this query's success")
	require.Len(t, list.Info.Rows, 1)
	assert.Equal(t, sent.Messageid, list.Info.Rows[0].Messageid.String())
	assert.Equal(t, "6281234567890", list.Info.Rows[0].Phone)
	require.NoError(t, m.RejectNext("nxcloud/voice listRecords", mock.Rejection{Code: 0}))
	_, err = c.Voice.ListRecords(ctx, voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeVerificationOrNotification,
		StartTime: now.Add(-time.Minute).Format(time.DateTime), EndTime: now.Add(time.Minute).Format(time.DateTime), Page: 1, PageSize: 10})
	var failed *apierror.Error
	require.ErrorAs(t, err, &failed, "\"0\", send's success, is this query's failure")
	assert.Equal(t, 0, failed.Code)

	conv := voice.ReportConversionParams{Messageid: sent.Messageid, Status: voice.ReportConversionParamsStatusConverted}
	res, err := c.Voice.ReportConversion(ctx, conv)
	require.NoError(t, err)
	assert.Equal(t, voice.ReportConversionResultCodeSuccess, res.Code)
	_, err = c.Voice.ReportConversion(ctx, conv)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "a conversion is accepted once per call")

	var got []voice.ReceiptCallback
	srv := httptest.NewServer(webhook.VoiceReceiptHandler(func(_ context.Context, r voice.ReceiptCallback) error {
		got = append(got, r)
		return nil
	}))
	defer srv.Close()
	require.NoError(t, m.SendVoiceReceipt(ctx, srv.URL, sent.Messageid))
	require.Len(t, got, 1)
	assert.Equal(t, sent.Messageid, got[0].Messageid)
	assert.Equal(t, "6281234567890", got[0].Phone)
	assert.Equal(t, "62", got[0].CountryCode)
	assert.Error(t, m.SendVoiceReceipt(ctx, srv.URL, "never-sent"))
}

// Flash call: a call makes a record the single and list queries return,
// with the token send gave; its conversion is accepted once.
func TestFlashCallFlow(t *testing.T) {
	m := mock.Start(t)
	c := channelClient(t, m)
	ctx := context.Background()
	before := time.Now().Add(-time.Minute).Format(time.DateTime)

	sent, err := c.FlashCall.Send(ctx, flashcall.SendParams{Msisdn: "628618628952558"})
	require.NoError(t, err)
	require.NotEmpty(t, sent.RequestID)
	require.Len(t, sent.Token, 4)

	rec, err := c.FlashCall.GetRecord(ctx, flashcall.GetRecordParams{RequestID: sent.RequestID})
	require.NoError(t, err)
	assert.Equal(t, sent.RequestID, rec.Cdr.RequestID)
	assert.Equal(t, "628618628952558", rec.Cdr.Msisdn)
	assert.Equal(t, sent.Token, rec.Cdr.Token)

	list, err := c.FlashCall.ListRecords(ctx, flashcall.ListRecordsParams{Start: before, End: time.Now().Add(time.Minute).Format(time.DateTime)})
	require.NoError(t, err)
	require.Len(t, list.Cdrs, 1)
	assert.Equal(t, sent.RequestID, list.Cdrs[0].RequestID)

	conv := flashcall.ReportConversionParams{RequestID: sent.RequestID, Action: flashcall.ReportConversionParamsActionConverted}
	require.NoError(t, c.FlashCall.ReportConversion(ctx, conv))
	err = c.FlashCall.ReportConversion(ctx, conv)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "a conversion is accepted once per call")
}

// A record query for what the mock never sent finds nothing, the way each
// page describes it (an empty list, a null record), never the spec's
// example of some other message.
func TestRecordQueriesForUnknownIDs(t *testing.T) {
	m := mock.Start(t)
	c := channelClient(t, m)
	sc := smsClient(t, m)
	ctx := context.Background()
	now := time.Now()
	const unknown = "00000000000000000000000000000000"
	day := now.Format("20060102")
	from, to := now.Add(-time.Hour).Format(time.DateTime), now.Add(time.Hour).Format(time.DateTime)
	for _, tc := range []struct {
		name  string
		query func() (found int, err error)
	}{
		{"sms getRecord", func() (int, error) {
			r, err := sc.SMS.GetRecord(ctx, sms.GetRecordParams{Date: day, Messageid: unknown})
			if err != nil || r.Row.Msgid == "" {
				return 0, err
			}
			return 1, nil
		}},
		{"sms listRecords", func() (int, error) {
			r, err := sc.SMS.ListRecords(ctx, sms.ListRecordsParams{Date: day, Page: 1, PageSize: 10})
			if err != nil {
				return 0, err
			}
			return len(r.Info.Rows) + int(r.Info.Total), nil
		}},
		{"email listRecords", func() (int, error) {
			r, err := c.Email.ListRecords(ctx, email.ListRecordsParams{MessageID: unknown})
			if err != nil {
				return 0, err
			}
			return len(r.Result.Records) + int(r.Result.Total), nil
		}},
		{"voice listRecords", func() (int, error) {
			r, err := c.Voice.ListRecords(ctx, voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeVerificationOrNotification,
				Messageid: unknown, StartTime: from, EndTime: to, Page: 1, PageSize: 10})
			if err != nil {
				return 0, err
			}
			return len(r.Info.Rows) + int(r.Info.Total), nil
		}},
		{"flashcall getRecord", func() (int, error) {
			r, err := c.FlashCall.GetRecord(ctx, flashcall.GetRecordParams{RequestID: unknown})
			if err != nil || r.Cdr.RequestID == "" {
				return 0, err
			}
			return 1, nil
		}},
		{"flashcall listRecords", func() (int, error) {
			r, err := c.FlashCall.ListRecords(ctx, flashcall.ListRecordsParams{Start: from, End: to})
			if err != nil {
				return 0, err
			}
			return len(r.Cdrs), nil
		}},
		{"numbercheck listRecords", func() (int, error) {
			nc, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
			if err != nil {
				return 0, err
			}
			r, err := nc.NumberCheck.ListRecords(ctx, numbercheck.ListRecordsParams{Date: now.Format(time.DateOnly), MessageID: unknown, Page: 1, PageSize: 10})
			if err != nil {
				return 0, err
			}
			return len(r.Result) + int(r.TotalSize), nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := tc.query()
			require.NoError(t, err, "nothing found is a success")
			assert.Zero(t, found)
		})
	}
}

// A conversion report is accepted once per message the mock sent: one
// for an unknown message, and a second one, are refused in the vendor's
// own shape (SMS and flash call a plain text other than their success
// word, voice the word failed with the page's message).
func TestConversionReportedOncePerMessage(t *testing.T) {
	m := mock.Start(t)
	c := channelClient(t, m)
	sc := smsClient(t, m)
	ctx := context.Background()
	const unknown = "00000000000000000000000000000000"

	smsSent, err := sc.SMS.Send(ctx, sms.SendParams{Phone: "8615088888888", Content: "Your code is 398512"})
	require.NoError(t, err)
	voiceSent, err := c.Voice.Send(ctx, voice.SendParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "6221500123",
		Content: "1-2-3-4-5-6", Lang: voice.LanguageEnglish})
	require.NoError(t, err)
	call, err := c.FlashCall.Send(ctx, flashcall.SendParams{Msisdn: "628618628952558"})
	require.NoError(t, err)

	for _, tc := range []struct {
		name    string
		report  func(id string, raw *option.RawResponse) error
		sent    string
		refusal string // the body of a refusal
	}{
		{"sms", func(id string, raw *option.RawResponse) error {
			return sc.SMS.ReportConversion(ctx, sms.ReportConversionParams{Messageid: id}, option.WithRawResponse(raw))
		}, smsSent.Messageid, "fail"},
		{"voice", func(id string, raw *option.RawResponse) error {
			_, err := c.Voice.ReportConversion(ctx, voice.ReportConversionParams{Messageid: id, Status: voice.ReportConversionParamsStatusConverted}, option.WithRawResponse(raw))
			return err
		}, voiceSent.Messageid, `{"code":"failed","info":"messageid not exist"}`},
		{"flashcall", func(id string, raw *option.RawResponse) error {
			return c.FlashCall.ReportConversion(ctx, flashcall.ReportConversionParams{RequestID: id, Action: flashcall.ReportConversionParamsActionConverted}, option.WithRawResponse(raw))
		}, call.RequestID, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw option.RawResponse
			var ae *apierror.Error
			require.ErrorAs(t, tc.report(unknown, &raw), &ae, "a message the mock did not send")
			if strings.HasPrefix(tc.refusal, "{") {
				assert.JSONEq(t, tc.refusal, string(raw.Body))
			} else {
				assert.Equal(t, tc.refusal, string(raw.Body))
			}
			require.NoError(t, tc.report(tc.sent, &raw), "the first report")
			require.ErrorAs(t, tc.report(tc.sent, &raw), &ae, "a second report")
			if !strings.HasPrefix(tc.refusal, "{") {
				assert.Equal(t, tc.refusal, string(raw.Body))
			}
		})
	}
}
