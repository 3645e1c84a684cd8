package nxcloud_test

// End-to-end tests of the Viber product: the typed client (signed with
// bizType 7 and action mt) against the mock, which checks the signature
// and validates each request, and the two callbacks delivered by the mock
// to their generated receivers.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/viber"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

func viberClient(t *testing.T, m *mock.Running, opts ...option.Option) *viber.Client {
	t.Helper()
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{option.WithBaseURL(m.URL)}, opts...)...)
	require.NoError(t, err)
	return c.Viber
}

// viberWire records the headers and body of each request on its way to
// the mock.
type viberWire struct {
	mu      sync.Mutex
	headers []http.Header
	bodies  [][]byte
}

func (w *viberWire) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	w.mu.Lock()
	w.headers = append(w.headers, r.Header.Clone())
	w.bodies = append(w.bodies, b)
	w.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (w *viberWire) last(t *testing.T) (http.Header, map[string]any) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.headers, "nothing was sent")
	var body map[string]any
	require.NoError(t, json.Unmarshal(w.bodies[len(w.bodies)-1], &body))
	return w.headers[len(w.headers)-1], body
}

func TestViberSendsEachKind(t *testing.T) {
	const videoLink, thumb = "https://example.com/v.mp4", "https://example.com/v.jpeg"
	cases := []struct {
		name string
		kind viber.FunctionType
		data viber.MessageData
		want map[string]any // messageData as sent
	}{
		{"text", viber.FunctionTypeText,
			viber.MessageData{RateType: viber.RateTypeTransactional, Text: "Your code is 989724."},
			map[string]any{"rateType": "Transactional", "text": "Your code is 989724."}},
		{"image", viber.FunctionTypeImage,
			viber.MessageData{RateType: viber.RateTypeSession, Image: "https://example.com/a.jpeg"},
			map[string]any{"rateType": "Session", "image": "https://example.com/a.jpeg"}},
		{"text and button", viber.FunctionTypeTextButton,
			viber.MessageData{RateType: viber.RateTypePromotional, Text: "Sale", ButtonText: "Open", ButtonLink: "https://example.com/shop"},
			map[string]any{"rateType": "Promotional", "text": "Sale", "buttonText": "Open", "buttonLink": "https://example.com/shop"}},
		{"file", viber.FunctionTypeFile,
			viber.MessageData{RateType: viber.RateTypeTransactional, FileName: "invoice.pdf", FileLink: "https://example.com/invoice.pdf", FileType: viber.FileTypePdf},
			map[string]any{"rateType": "Transactional", "fileName": "invoice.pdf", "fileLink": "https://example.com/invoice.pdf", "fileType": "pdf"}},
		{"video, text and button", viber.FunctionTypeVideoTextButton,
			viber.MessageData{RateType: viber.RateTypePromotional, Thumbnail: thumb, VideoLink: videoLink, VideoSize: 882472, Duration: 15, Text: "Watch", ButtonText: "More"},
			map[string]any{"rateType": "Promotional", "thumbnail": thumb, "videoLink": videoLink, "videoSize": 882472.0, "duration": 15.0, "text": "Watch", "buttonText": "More"}},
	}
	m := mock.Start(t)
	w := &viberWire{}
	vb := viberClient(t, m, option.WithHTTPClient(&http.Client{Transport: w}))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := vb.Send(context.Background(), viber.SendParams{Appkey: "TexxxP6", Phone: "79161234730", FunctionType: tc.kind, MessageData: tc.data})
			require.NoError(t, err)
			assert.NotEmpty(t, res.RequestID)

			h, body := w.last(t)
			assert.Equal(t, "7", sign.HeaderValue(h, sign.HeaderBizType), "Viber's bizType")
			assert.Equal(t, "mt", sign.HeaderValue(h, sign.HeaderAction))
			assert.NotEmpty(t, sign.HeaderValue(h, sign.HeaderSign))
			assert.Equal(t, "TexxxP6", body["appkey"], "the appkey is a body parameter")
			assert.Equal(t, string(tc.kind), body["functionType"])
			assert.Equal(t, tc.want, body["messageData"], "only the kind's fields are sent")
		})
	}
}

func TestViberRefusesBadParamsBeforeSending(t *testing.T) {
	cases := []struct {
		name    string
		params  viber.SendParams
		problem string
	}{
		{"no rate type", viber.SendParams{Appkey: "k", Phone: "79161234730", FunctionType: viber.FunctionTypeText, MessageData: viber.MessageData{Text: "hi"}}, "rateType"},
		{"a plus sign", viber.SendParams{Appkey: "k", Phone: "+79161234730", FunctionType: viber.FunctionTypeText, MessageData: viber.MessageData{RateType: viber.RateTypeSession, Text: "hi"}}, "phone"},
		{"two numbers", viber.SendParams{Appkey: "k", Phone: "79161234730,79161234731", FunctionType: viber.FunctionTypeText, MessageData: viber.MessageData{RateType: viber.RateTypeSession, Text: "hi"}}, "phone"},
		{"unknown kind", viber.SendParams{Appkey: "k", Phone: "79161234730", FunctionType: "sticker", MessageData: viber.MessageData{RateType: viber.RateTypeSession}}, "functionType"},
		{"video too long", viber.SendParams{Appkey: "k", Phone: "79161234730", FunctionType: viber.FunctionTypeVideo,
			MessageData: viber.MessageData{RateType: viber.RateTypePromotional, Thumbnail: "t", VideoLink: "v", VideoSize: 1, Duration: 601}}, "duration"},
		{"no appkey", viber.SendParams{Phone: "79161234730", FunctionType: viber.FunctionTypeText, MessageData: viber.MessageData{RateType: viber.RateTypeSession, Text: "hi"}}, "appkey"},
	}
	m := mock.Start(t)
	w := &viberWire{}
	vb := viberClient(t, m, option.WithHTTPClient(&http.Client{Transport: w}))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := vb.Send(context.Background(), tc.params)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, strings.Join(ve.Problems, "; "), tc.problem)
		})
	}
	assert.Empty(t, w.headers, "an invalid message was sent")
}

func TestViberFailures(t *testing.T) {
	cases := []struct {
		name string
		code viber.ResultCode
		auth bool
	}{
		{"failure", viber.ResultCodeFailed, false},
		{"bad phone", viber.ResultCodeInvalidPhone, false},
		{"no balance", viber.ResultCodeInsufficientBalance, false},
		{"no route", viber.ResultCodeAppNoRoute, false},
		{"bad signature", viber.ResultCodeBadSignature, true},
	}
	m := mock.Start(t)
	vb := viberClient(t, m)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, m.RejectNext("nxcloud/viber send", mock.Rejection{Code: int(tc.code)}))
			_, err := vb.Send(context.Background(), viber.SendParams{Appkey: "TexxxP6", Phone: "79161234730", FunctionType: viber.FunctionTypeText,
				MessageData: viber.MessageData{RateType: viber.RateTypeTransactional, Text: "Your code is 989724."}})
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, int(tc.code), ae.Code)
			assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
			assert.Equal(t, tc.auth, errors.Is(err, apierror.ErrAuth))
			assert.Equal(t, 1, ae.Attempts, "a send is never repeated")
		})
	}

	other, err := nxcloud.NewClient(m.AccessKey, "not-the-secret", option.WithBaseURL(m.URL))
	require.NoError(t, err)
	_, err = other.Viber.Send(context.Background(), viber.SendParams{Appkey: "TexxxP6", Phone: "79161234730", FunctionType: viber.FunctionTypeText,
		MessageData: viber.MessageData{RateType: viber.RateTypeTransactional, Text: "hi"}})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.EqualValues(t, viber.ResultCodeBadSignature, ae.Code, "the mock checks the signature")
	assert.ErrorIs(t, err, apierror.ErrAuth)
}

// The two callbacks, delivered by the mock to the generated receivers.
func TestViberCallbacks(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()
	res, err := viberClient(t, m).Send(ctx, viber.SendParams{Appkey: "TexxxP6", Phone: "79161234730", FunctionType: viber.FunctionTypeText,
		MessageData: viber.MessageData{RateType: viber.RateTypeTransactional, Text: "Your code is 989724."}})
	require.NoError(t, err)

	t.Run("receipts", func(t *testing.T) {
		var got []viber.DeliveryReceiptCallback
		srv := httptest.NewServer(webhook.ViberDeliveryReceiptHandler(func(_ context.Context, r viber.DeliveryReceiptCallback) error {
			got = append(got, r)
			return nil
		}))
		defer srv.Close()
		states := []struct {
			status  string
			code    viber.ResultCode
			message string
		}{
			{"delivered", viber.ResultCodeReceiptDelivered, "Viber message has delivered"},
			{"seen", viber.ResultCodeReceiptSeen, "Viber message has seen"},
			{"failed", viber.ResultCodeInsufficientBalance, "Insufficient balance"},
			{"recalled", viber.ResultCodeReceiptExpired, "a state the list does not name yet"},
		}
		for _, s := range states {
			require.NoError(t, m.SendCallback(ctx, srv.URL, "nxcloud/viber", "DeliveryReceiptCallback", map[string]any{
				"status": s.status, "requestId": res.RequestID, "code": int(s.code), "message": s.message, "sendTime": "2023-07-13 15:12:11",
			}), s.status)
		}
		require.Len(t, got, len(states))
		for i, s := range states {
			assert.Equal(t, res.RequestID, got[i].RequestID)
			assert.Equal(t, viber.ReceiptStatus(s.status), got[i].Status)
			assert.EqualValues(t, s.code, got[i].Code)
		}
		assert.True(t, got[0].Status.Valid())
		assert.False(t, got[3].Status.Valid(), "an unlisted state is kept, not refused")

		err := m.SendCallback(ctx, srv.URL, "nxcloud/viber", "DeliveryReceiptCallback", map[string]any{"status": "seen", "code": 11002, "message": "m", "sendTime": "2023-07-13 15:12:11"})
		assert.Error(t, err, "a receipt without requestId breaks the spec")
		assert.Len(t, got, len(states))
	})

	t.Run("replies", func(t *testing.T) {
		var got []viber.ReplyCallback
		srv := httptest.NewServer(webhook.ViberReplyHandler(func(_ context.Context, r viber.ReplyCallback) error {
			got = append(got, r)
			return nil
		}))
		defer srv.Close()
		replies := []map[string]any{
			{"text": "Thanks"},
			{"media": "https://media.example.com/a.jpeg", "fileName": "a.jpeg"},
		}
		for _, msg := range replies {
			require.NoError(t, m.SendCallback(ctx, srv.URL, "nxcloud/viber", "ReplyCallback", map[string]any{
				"phone": "79161234730", "appkey": "TexxxP6", "traceRequestId": res.RequestID, "message": msg, "sendTime": "2023-07-17 14:40:50",
			}))
		}
		require.Len(t, got, 2)
		assert.Equal(t, res.RequestID, got[0].TraceRequestID, "the reply names the message it answers")
		assert.Equal(t, "Thanks", got[0].Message.Text)
		assert.Equal(t, "https://media.example.com/a.jpeg", got[1].Message.Media)
		assert.Equal(t, "a.jpeg", got[1].Message.FileName)

		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"phone":"79161234730","appkey":"TexxxP6","message":{"text":"x"},"sendTime":"2023-07-17 14:40:50"}`))
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a reply without traceRequestId is refused")
		assert.Equal(t, "error", strings.TrimSpace(string(b)))
		assert.Len(t, got, 2)
	})
}
