package mock_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

// cbNow is the mock's clock in the callback tests.
var cbNow = time.Date(2024, 4, 7, 2, 47, 24, 0, time.UTC)

func cbMock(t *testing.T) *mock.Server {
	t.Helper()
	s, err := mock.New(mock.Config{Now: func() time.Time { return cbNow }})
	require.NoError(t, err)
	return s
}

// collected gathers what a receiver handed on, safe for the server's
// goroutines.
type collected[T any] struct {
	mu  sync.Mutex
	got []T
}

func (c *collected[T]) add(v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, v)
}

func (c *collected[T]) all() []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]T(nil), c.got...)
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSendOTACallback(t *testing.T) {
	ev := ota.CallbackEvent{RequestID: "b308d94a73f94e6d84ae975c41f4b2a6", Phone: "6282167624806", Status: ota.VerificationStatusMismatch, DrTime: "2021-02-26 10:01:15"}
	tests := []struct {
		name      string
		ev        ota.CallbackEvent
		path      string
		handleErr error
		want      ota.CallbackEvent
		wantErr   bool
	}{
		{name: "delivered", ev: ev, path: "/ota/callback", want: ev},
		{name: "existing query kept", ev: ev, path: "/ota/callback?token=abc", want: ev},
		{
			name: "drTime from the mock's clock", path: "/ota/callback",
			ev:   ota.CallbackEvent{RequestID: "r", Phone: "p", Status: ota.VerificationStatusSuccess},
			want: ota.CallbackEvent{RequestID: "r", Phone: "p", Status: ota.VerificationStatusSuccess, DrTime: cbNow.Format(time.DateTime)},
		},
		{name: "unknown status still delivered", ev: ota.CallbackEvent{RequestID: "r", Phone: "p", Status: "LATER", DrTime: "2021-02-26 10:01:15"}, path: "/",
			want: ota.CallbackEvent{RequestID: "r", Phone: "p", Status: "LATER", DrTime: "2021-02-26 10:01:15"}},
		{name: "receiver answers error", ev: ev, path: "/ota/callback", handleErr: errors.New("busy"), want: ev, wantErr: true},
		{name: "receiver refuses a malformed callback", ev: ota.CallbackEvent{Phone: "p", Status: "SUCCESS"}, path: "/", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got collected[ota.CallbackEvent]
			var queries collected[string]
			h := webhook.OTAHandler(func(_ context.Context, ev ota.CallbackEvent) error {
				got.add(ev)
				return tt.handleErr
			})
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				queries.add(r.URL.RawQuery)
				h.ServeHTTP(w, r)
			}))
			err := cbMock(t).SendOTACallback(context.Background(), url+tt.path, tt.ev)
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, mock.ErrCallbackRefused)
				assert.Contains(t, err.Error(), `"error"`, "the receiver's answer is quoted")
			} else {
				require.NoError(t, err)
			}
			if tt.want != (ota.CallbackEvent{}) {
				assert.Equal(t, []ota.CallbackEvent{tt.want}, got.all())
			} else {
				assert.Empty(t, got.all())
			}
			q := queries.all()
			require.Len(t, q, 1)
			assert.Contains(t, q[0], "drtime=", "NXCloud's example spelling")
			if strings.Contains(tt.path, "token=abc") {
				assert.Contains(t, q[0], "token=abc")
			}
		})
	}
}

func TestSendOTAResultCallback(t *testing.T) {
	m := mock.Start(t, mock.Config{Now: func() time.Time { return cbNow }, OTAStatus: "MISMATCH"})
	// Start a login on the mock, as a client would.
	client := &http.Client{Transport: &sign.NXCloudTransport{
		AccessKey: m.AccessKey, AccessSecret: m.AccessSecret,
		Operation: func(*http.Request) (string, string, error) { return "6", "init", nil },
		Now:       func() time.Time { return cbNow },
	}}
	resp, err := client.Post(m.URL+"/api/ota/init", "application/json", strings.NewReader(`{"appkey":"app1","phone":"8613800000000","userIp":"10.0.0.1"}`))
	require.NoError(t, err)
	var env struct {
		Code int `json:"code"`
		Data struct {
			RequestID string `json:"requestId"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	resp.Body.Close()
	require.Equal(t, 0, env.Code)

	var got collected[ota.CallbackEvent]
	url := serve(t, webhook.OTAHandler(func(_ context.Context, ev ota.CallbackEvent) error {
		got.add(ev)
		return nil
	}))
	require.NoError(t, m.SendOTAResult(context.Background(), url, env.Data.RequestID))
	assert.Equal(t, []ota.CallbackEvent{{
		RequestID: env.Data.RequestID, Phone: "8613800000000", Status: ota.VerificationStatusMismatch, DrTime: "2024-04-07 02:47:24",
	}}, got.all())

	err = m.SendOTAResult(context.Background(), url, "no-such-login")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no OTA login")
}

func TestSendSignedCallback(t *testing.T) {
	const body = `{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","toPhone":"18184505018","fromPhone":"12347200160","content":"sunt non nisi","size":"1","price":"0.0360","receiveTime":"2021-02-07 14:54:00","smsStatus":"DELIVRD"}`
	tests := []struct {
		name         string
		key, secret  string
		action       string
		body         string
		receiverTime time.Time
		wantErr      error // from the receiver, via OnError; nil: delivered
	}{
		{name: "delivery receipt", key: "kGp5uFHN", secret: "s3cret", action: "dr", body: body, receiverTime: cbNow.Add(time.Second)},
		{name: "incoming message", key: "kGp5uFHN", secret: "s3cret", action: "mo", body: `{"smsStatus":"UNKNOWN_NEW"}`, receiverTime: cbNow},
		{name: "wrong secret", key: "kGp5uFHN", secret: "guess", action: "dr", body: body, receiverTime: cbNow, wantErr: sign.ErrBadSignature},
		{name: "unknown key", key: "other", secret: "s3cret", action: "dr", body: body, receiverTime: cbNow, wantErr: sign.ErrUnknownKey},
		{name: "stale by the receiver's clock", key: "kGp5uFHN", secret: "s3cret", action: "dr", body: body, receiverTime: cbNow.Add(61 * time.Second), wantErr: sign.ErrStale},
		{name: "not a DID action", key: "kGp5uFHN", secret: "s3cret", action: "mtsend", body: body, receiverTime: cbNow, wantErr: sign.ErrUnexpectedOperation},
		{name: "not JSON", key: "kGp5uFHN", secret: "s3cret", action: "dr", body: "smsStatus=DELIVRD", receiverTime: cbNow, wantErr: webhook.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got collected[webhook.NXCloudCallback]
			var refusals collected[error]
			url := serve(t, &webhook.NXCloudSigned{
				Verifier: sign.CallbackVerifier{
					Secret: sign.Secrets(map[string]string{"kGp5uFHN": "s3cret"}),
					Now:    func() time.Time { return tt.receiverTime },
				},
				Handle: func(_ context.Context, cb webhook.NXCloudCallback) error {
					got.add(cb)
					return nil
				},
				OnError: func(_ *http.Request, err error) { refusals.add(err) },
			})
			err := cbMock(t).SendSignedCallback(context.Background(), url, tt.key, tt.secret, "4", tt.action, []byte(tt.body))
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, mock.ErrCallbackRefused)
				assert.Empty(t, got.all())
				errs := refusals.all()
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, got.all(), 1)
			cb := got.all()[0]
			assert.Equal(t, sign.Params{AccessKey: tt.key, TS: "1712458044000", BizType: "4", Action: tt.action}, cb.Params)
			assert.Equal(t, tt.body, string(cb.Body))
		})
	}
}

func TestSendSignedCallbackWritesLowerCaseNames(t *testing.T) {
	// net/http canonicalises names on the way in, so read the raw request
	// off a bare TCP listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	head := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			head <- ""
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
			lines = append(lines, strings.TrimRight(line, "\r\n"))
		}
		head <- strings.Join(lines, "\n")
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess")
	}()
	require.NoError(t, cbMock(t).SendSignedCallback(context.Background(), "http://"+l.Addr().String()+"/did", "k", "s", "4", "dr", []byte(`{}`)))
	got := <-head
	for _, line := range []string{"accesskey: k", "ts: 1712458044000", "biztype: 4", "action: dr"} {
		assert.Contains(t, strings.Split(got, "\n"), line)
	}
	assert.Regexp(t, `(?m)^sign: [0-9a-f]{32}$`, got)
}

func TestSendEngageLabCallback(t *testing.T) {
	msgID := "1725407449772531712"
	payload := otp.CallbackPayload{Total: 3, Rows: []otp.CallbackRow{
		{MessageID: msgID, To: "+8613800138000", Server: "otp", Channel: "sms", Itime: cbNow.Unix(),
			Status: &otp.CallbackStatus{MessageStatus: otp.MessageStatusVerified}},
		{Server: "otp", Itime: cbNow.Unix(), Notification: &otp.CallbackNotification{Event: "a_new_notice"}},
		{Server: "otp", Itime: cbNow.Unix(), SystemEvent: &otp.CallbackSystemEvent{Event: otp.SystemEventTypeAPICall}},
	}}
	const secret, user, auth = "el-secret", "acme", "Bearer token-123"
	tests := []struct {
		name         string
		cb           mock.EngageLabCallback
		receiverTime time.Time
		wantKinds    []webhook.EngageLabKind
		wantErr      error
	}{
		{
			name:         "signed batch",
			cb:           mock.EngageLabCallback{Secret: secret, Username: user, Authorization: auth, Payload: payload},
			receiverTime: cbNow.Add(2 * time.Second),
			wantKinds:    []webhook.EngageLabKind{webhook.KindStatus, webhook.KindNotification, webhook.KindSystemEvent},
		},
		{name: "the probe", cb: mock.EngageLabCallback{Raw: []byte(`{}`)}, receiverTime: cbNow},
		{
			name:         "an unknown row shape",
			cb:           mock.EngageLabCallback{Secret: secret, Username: user, Authorization: auth, Raw: []byte(`{"total":1,"rows":[{"poll":{"answer":"yes"}}]}`)},
			receiverTime: cbNow,
			wantKinds:    []webhook.EngageLabKind{webhook.KindUnknown},
		},
		{name: "wrong secret", cb: mock.EngageLabCallback{Secret: "guess", Username: user, Authorization: auth, Payload: payload}, receiverTime: cbNow, wantErr: sign.ErrBadSignature},
		{name: "unsigned", cb: mock.EngageLabCallback{Authorization: auth, Payload: payload}, receiverTime: cbNow, wantErr: sign.ErrMissingHeader},
		{name: "stale", cb: mock.EngageLabCallback{Secret: secret, Username: user, Authorization: auth, Payload: payload}, receiverTime: cbNow.Add(10 * time.Minute), wantErr: sign.ErrStale},
		{name: "wrong Authorization", cb: mock.EngageLabCallback{Secret: secret, Username: user, Authorization: "Bearer nope", Payload: payload}, receiverTime: cbNow, wantErr: webhook.ErrUnauthorized},
		{name: "malformed JSON", cb: mock.EngageLabCallback{Secret: secret, Username: user, Authorization: auth, Raw: []byte(`{"rows":[`)}, receiverTime: cbNow, wantErr: webhook.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got collected[[]webhook.EngageLabEvent]
			var refusals collected[error]
			url := serve(t, &webhook.EngageLab{
				Secret: secret, Username: user, Authorization: auth, MaxAge: 5 * time.Minute,
				Now: func() time.Time { return tt.receiverTime },
				Handle: func(_ context.Context, evs []webhook.EngageLabEvent) error {
					got.add(evs)
					return nil
				},
				OnError: func(_ *http.Request, err error) { refusals.add(err) },
			})
			err := cbMock(t).SendEngageLabCallback(context.Background(), url, tt.cb)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, mock.ErrCallbackRefused)
				assert.Contains(t, err.Error(), "HTTP 40")
				assert.NotContains(t, err.Error(), secret)
				errs := refusals.all()
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], tt.wantErr)
				assert.Empty(t, got.all())
				return
			}
			require.NoError(t, err)
			assert.Empty(t, refusals.all())
			if tt.wantKinds == nil {
				assert.Empty(t, got.all(), "the probe is not handed on")
				return
			}
			require.Len(t, got.all(), 1)
			evs := got.all()[0]
			var kinds []webhook.EngageLabKind
			for _, ev := range evs {
				kinds = append(kinds, ev.Kind)
			}
			assert.Equal(t, tt.wantKinds, kinds)
			if tt.wantKinds[0] == webhook.KindStatus {
				assert.Equal(t, msgID, evs[0].Row.MessageID)
				assert.Equal(t, otp.MessageStatusVerified, evs[0].Row.Status.MessageStatus)
				assert.Equal(t, otp.NotificationEvent("a_new_notice"), evs[1].Row.Notification.Event, "an unknown event is kept")
				assert.False(t, evs[1].Known())
			}
		})
	}
}

func TestSendCallbackToNowhere(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := cbMock(t).SendEngageLabCallback(context.Background(), url, mock.EngageLabCallback{Raw: []byte(`{}`)})
	require.Error(t, err)
	assert.NotErrorIs(t, err, mock.ErrCallbackRefused, "nobody answered")

	err = cbMock(t).SendOTACallback(context.Background(), "http://[::1", ota.CallbackEvent{})
	require.Error(t, err)
}

func TestSendCallbackDoesNotFollowRedirects(t *testing.T) {
	target := serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "success") }))
	url := serve(t, http.RedirectHandler(target, http.StatusTemporaryRedirect))
	err := cbMock(t).SendOTACallback(context.Background(), url, ota.CallbackEvent{RequestID: "r", Phone: "p", Status: "SUCCESS"})
	assert.ErrorIs(t, err, mock.ErrCallbackRefused)
}
