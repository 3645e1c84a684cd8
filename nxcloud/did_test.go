package nxcloud_test

// End-to-end tests of the DID product: the typed client against the mock
// (signed headers checked, requests validated, answers checked against
// the spec), the stateful text message whose receipt the mock pushes, and
// both SMS push formats received by their generated receivers.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/did"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

func didClient(t *testing.T, m *mock.Running, opts ...option.Option) *did.Client {
	t.Helper()
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{option.WithBaseURL(m.URL)}, opts...)...)
	require.NoError(t, err)
	return c.DID
}

// didReceived collects what a receiver was handed, with the signed
// action when there was one.
type didReceived[T any] struct {
	mu      sync.Mutex
	got     []T
	actions []string
}

func (r *didReceived[T]) handle(ctx context.Context, v T) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, v)
	if p, ok := webhook.SignedParams(ctx); ok {
		r.actions = append(r.actions, p.Action)
	}
	return nil
}

func (r *didReceived[T]) all() ([]T, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.got...), append([]string(nil), r.actions...)
}

// Each operation is signed with its own bizType and action.
func TestDIDSignsEachOperation(t *testing.T) {
	m := mock.Start(t)
	w := &viberWire{}
	d := didClient(t, m, option.WithHTTPClient(&http.Client{Transport: w}))
	ctx := context.Background()
	cases := []struct {
		name            string
		call            func() error
		bizType, action string
		body            map[string]any
	}{
		{"sendMessage", func() error {
			res, err := d.SendMessage(ctx, did.SendMessageParams{Sender: "8615088888888", Phone: "8618637616887", Content: "Your code is 482913"})
			if err == nil && res.MessageID == "" {
				err = errors.New("no messageId")
			}
			return err
		}, "4", "mtsend", map[string]any{"sender": "8615088888888", "phone": "8618637616887", "content": "Your code is 482913"}},
		{"listCallRecords", func() error {
			_, err := d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "2022-10-01", Page: 1, PageSize: 10})
			return err
		}, "4", "cdr", map[string]any{"date": "2022-10-01", "page": 1.0, "pageSize": 10.0}},
		{"listCallRecords, incoming only", func() error {
			_, err := d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "2022-10-01", Page: 1, PageSize: 10, Type: verikit.Ptr(did.CallTypeIncoming)})
			return err
		}, "4", "cdr", map[string]any{"date": "2022-10-01", "page": 1.0, "pageSize": 10.0, "type": 0.0}},
		{"dialOut", func() error {
			res, err := d.DialOut(ctx, did.DialOutParams{Did: "6289340013242", Callee: "6226780010001", ConnectNumber: "6590123439431", RingOrder: did.RingOrderAgentFirst})
			if err == nil && res.CallID == "" {
				err = errors.New("no callId")
			}
			return err
		}, "9", "didaws", map[string]any{"did": "6289340013242", "callee": "6226780010001", "connectNumber": "6590123439431", "ringOrder": "0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.call())
			h, body := w.last(t)
			assert.Equal(t, tc.bizType, sign.HeaderValue(h, sign.HeaderBizType))
			assert.Equal(t, tc.action, sign.HeaderValue(h, sign.HeaderAction))
			assert.Equal(t, tc.body, body)
		})
	}
}

func TestDIDCallRecords(t *testing.T) {
	m := mock.Start(t)
	d := didClient(t, m)
	ctx := context.Background()
	page, err := d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "2022-10-01", Page: 1, PageSize: 10, DidNumber: "6625001234"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, page.TotalRow)
	require.Len(t, page.List, 1)
	r := page.List[0]
	assert.Equal(t, "66812345678", r.CallNumber)
	assert.EqualValues(t, did.CallTypeIncoming, r.CallType)
	assert.EqualValues(t, 64, r.CallDuration)
	assert.Equal(t, did.FeeTypePerMinute, r.FeeType)
	assert.InDelta(t, 0.11, r.CallPrice, 1e-9)

	pages := 0
	for p, err := range d.ListCallRecordsPages(ctx, did.ListCallRecordsParams{Date: "2022-10-01", PageSize: 10}) {
		require.NoError(t, err)
		require.NotNil(t, p)
		pages++
	}
	assert.Equal(t, 1, pages, "the walk stops at totalPage")

	_, err = d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "01/10/2022", Page: 1, PageSize: 10})
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "a date not written yyyy-MM-dd")
	_, err = d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "2022-10-01", Page: 1, PageSize: 1000})
	require.ErrorAs(t, err, &ve, "pageSize is below 1000")
}

// Documented failures, through the mock: each keeps its code, and 1002 is
// an authentication failure except for the call records, whose page uses
// it for its own parameter errors.
func TestDIDFailures(t *testing.T) {
	ctx := context.Background()
	send := func(d *did.Client) error {
		_, err := d.SendMessage(ctx, did.SendMessageParams{Sender: "8615088888888", Phone: "8618637616887", Content: "hi"})
		return err
	}
	list := func(d *did.Client) error {
		_, err := d.ListCallRecords(ctx, did.ListCallRecordsParams{Date: "2022-10-01", Page: 1, PageSize: 10})
		return err
	}
	dial := func(d *did.Client) error {
		_, err := d.DialOut(ctx, did.DialOutParams{Did: "6289340013242", Callee: "6226780010001", ConnectNumber: "6590123439431"})
		return err
	}
	cases := []struct {
		name, op string
		call     func(*did.Client) error
		code     did.ResultCode
		auth     bool
		attempts int
	}{
		{"not your number", "sendMessage", send, did.ResultCodeNumberNotYours, false, 1},
		{"too long", "sendMessage", send, did.ResultCodeContentTooLong, false, 1},
		{"no balance", "sendMessage", send, did.ResultCodeInsufficientBalance, false, 1},
		{"send: 1002 is auth", "sendMessage", send, did.ResultCodeBadHeaderOrBody, true, 1},
		{"records: 1002 is a bad parameter", "listCallRecords", list, did.ResultCodeBadHeaderOrBody, false, 1},
		{"records: stale ts", "listCallRecords", list, did.ResultCodeTimestampExpired, true, 1},
		{"dial-out: bad parameter", "dialOut", dial, did.ResultCodeInvalidParameter, false, 1},
		{"dial-out: system error", "dialOut", dial, did.ResultCodeSystemError, false, 1},
	}
	m := mock.Start(t)
	d := didClient(t, m)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, m.RejectNext("nxcloud/did "+tc.op, mock.Rejection{Code: int(tc.code)}))
			err := tc.call(d)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(tc.code), ae.Code)
			assert.Equal(t, tc.auth, errors.Is(err, apierror.ErrAuth))
			assert.Equal(t, tc.attempts, ae.Attempts)
		})
	}

	_, err := d.SendMessage(ctx, did.SendMessageParams{Sender: "8615088888888", Phone: "8618637616887,8618637616888", Content: "hi"})
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "one recipient only")
	_, err = d.SendMessage(ctx, did.SendMessageParams{Sender: "8615088888888", Phone: "8618637616887", Content: strings.Repeat("x", 1001)})
	require.ErrorAs(t, err, &ve, "at most 1000 characters")
	_, err = d.DialOut(ctx, did.DialOutParams{Did: "6289340013242", Callee: "6226780010001", ConnectNumber: "6590123439431", RingOrder: "2"})
	require.ErrorAs(t, err, &ve, "ringOrder is 0 or 1")
}

// A message sent through the mock comes back as its delivery receipt, in
// either push format, to the generated receivers; a signed push is
// verified with the account's secret first.
func TestDIDMessageReceipts(t *testing.T) {
	m := mock.Start(t)
	d := didClient(t, m)
	ctx := context.Background()
	sent, err := d.SendMessage(ctx, did.SendMessageParams{Sender: "8615088888888", Phone: "8618637616887", Content: "Your code is 482913"})
	require.NoError(t, err)
	require.NotEmpty(t, sent.MessageID)

	t.Run("form", func(t *testing.T) {
		var rec didReceived[did.MessageCallback]
		srv := httptest.NewServer(webhook.DIDMessageHandler(rec.handle))
		defer srv.Close()
		require.NoError(t, m.SendDIDReceipt(ctx, srv.URL, sent.MessageID, false))
		got, actions := rec.all()
		require.Len(t, got, 1)
		r := got[0]
		assert.Equal(t, sent.MessageID, r.MessageID)
		assert.Equal(t, did.MessageDirectionSent, r.Type, "a receipt is downstream")
		assert.Equal(t, "8618637616887", r.ToPhone, "a receipt goes to the recipient")
		assert.Equal(t, "8615088888888", r.FromPhone, "from the DID number")
		assert.Equal(t, "Your code is 482913", r.Content)
		assert.Equal(t, did.MessageStatusDelivered, r.SmsStatus)
		assert.Equal(t, "1", r.Size)
		assert.Empty(t, actions, "the form push is not signed")
	})

	t.Run("signed JSON", func(t *testing.T) {
		var rec didReceived[did.SignedMessageCallback]
		srv := httptest.NewServer(webhook.DIDSignedMessageHandler(m.AccessKey, m.AccessSecret, rec.handle))
		defer srv.Close()
		require.NoError(t, m.SendDIDReceipt(ctx, srv.URL, sent.MessageID, true))
		got, actions := rec.all()
		require.Len(t, got, 1)
		assert.Equal(t, sent.MessageID, got[0].MessageID)
		assert.Equal(t, "8618637616887", got[0].ToPhone)
		assert.Equal(t, []string{"dr"}, actions, "a receipt is signed with action dr")
	})

	t.Run("signed with another secret", func(t *testing.T) {
		var rec didReceived[did.SignedMessageCallback]
		srv := httptest.NewServer(webhook.DIDSignedMessageHandler(m.AccessKey, "not-the-secret", rec.handle))
		defer srv.Close()
		assert.Error(t, m.SendDIDReceipt(ctx, srv.URL, sent.MessageID, true))
		got, _ := rec.all()
		assert.Empty(t, got, "a push whose signature fails is not handed on")
	})

	t.Run("unknown message", func(t *testing.T) {
		srv := httptest.NewServer(webhook.DIDMessageHandler(func(context.Context, did.MessageCallback) error { return nil }))
		defer srv.Close()
		assert.Error(t, m.SendDIDReceipt(ctx, srv.URL, "never-sent", false))
	})
}

// Messages a DID number receives arrive at the same address: the form
// push (with or without type, as the pages' examples differ), and the
// signed one with action mo.
func TestDIDReceivedMessages(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()
	inbound := map[string]any{
		"messageId": "fcf3432fd1834ccdac807a7cfb2d1fdf", "toPhone": "18184505018", "fromPhone": "12347200160",
		"content": "See you at 6", "size": "1", "price": "0.0360", "receiveTime": "2021-02-07 14:54:00", "smsStatus": "DELIVRD",
	}
	withType := map[string]any{"type": "0"}
	for k, v := range inbound {
		withType[k] = v
	}

	var form didReceived[did.MessageCallback]
	formSrv := httptest.NewServer(webhook.DIDMessageHandler(form.handle))
	defer formSrv.Close()
	for _, fields := range []map[string]any{inbound, withType} {
		require.NoError(t, m.SendCallback(ctx, formSrv.URL, "nxcloud/did", "MessageCallback", fields))
	}
	got, _ := form.all()
	require.Len(t, got, 2)
	assert.Empty(t, got[0].Type, "a push without type is taken")
	assert.Equal(t, did.MessageDirectionReceived, got[1].Type)
	assert.Equal(t, "See you at 6", got[1].Content)

	var signed didReceived[did.SignedMessageCallback]
	signedSrv := httptest.NewServer(webhook.DIDSignedMessageHandler(m.AccessKey, m.AccessSecret, signed.handle))
	defer signedSrv.Close()
	require.NoError(t, m.SendCallbackAs(ctx, signedSrv.URL, "nxcloud/did", "SignedMessageCallback", "mo", inbound))
	assert.Error(t, m.SendCallbackAs(ctx, signedSrv.URL, "nxcloud/did", "SignedMessageCallback", "mtsend", inbound),
		"the header example's mtsend is not an action of the push")
	sgot, actions := signed.all()
	require.Len(t, sgot, 1)
	assert.Equal(t, "12347200160", sgot[0].FromPhone)
	assert.Equal(t, []string{"mo"}, actions)

	bad := map[string]any{}
	for k, v := range inbound {
		bad[k] = v
	}
	delete(bad, "messageId")
	assert.Error(t, m.SendCallback(ctx, formSrv.URL, "nxcloud/did", "MessageCallback", bad), "messageId is required")
}
