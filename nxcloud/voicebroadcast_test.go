package nxcloud_test

// The voice product's group and notification calls and audio files,
// through the typed client against the mock: what goes on the wire (a
// form with the voice key pair, or with the platform login for
// listFiles), the documented failures, the stateful flow (upload, list,
// play, receipts) and the receipts' generated receiver.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/shortlink"
	"github.com/verikit/verikit/gen/nxcloud/sipcdr"
	"github.com/verikit/verikit/gen/nxcloud/voice"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
	"github.com/verikit/verikit/webhook"
)

// vsRequest is one request the recording proxy passed to the mock.
type vsRequest struct {
	path, contentType string
	body              []byte
}

// vsProxy records every request on its way to the mock.
type vsProxy struct {
	next http.Handler
	mu   sync.Mutex
	reqs []vsRequest
}

func (p *vsProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.reqs = append(p.reqs, vsRequest{path: r.URL.Path, contentType: r.Header.Get("Content-Type"), body: body})
	p.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.next.ServeHTTP(w, r)
}

func (p *vsProxy) last(t *testing.T) vsRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.NotEmpty(t, p.reqs, "no request reached the mock")
	return p.reqs[len(p.reqs)-1]
}

func (p *vsProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.reqs)
}

// vsSets are the key-pair sets these tests give the client.
var vsSets = []string{"voice", "platform", "sms", "sip"}

// vsStart serves a fresh mock behind a recording proxy and returns a
// client with the mock's key pair of every set of vsSets, except those
// override names: its pair instead, or none for an empty one.
func vsStart(t *testing.T, cfg mock.Config, override map[string][2]string) (*mock.Running, *nxcloud.Client, *vsProxy) {
	t.Helper()
	m := mock.Start(t, cfg)
	p := &vsProxy{next: m.Server}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	opts := []option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries()}
	for _, set := range vsSets {
		key, secret := m.AppCredentials(set)
		if o, ok := override[set]; ok {
			key, secret = o[0], o[1]
		}
		if key != "" {
			opts = append(opts, option.WithAppCredentials(set, key, secret))
		}
	}
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, opts...)
	require.NoError(t, err)
	return m, c, p
}

func vsForm(t *testing.T, r vsRequest) url.Values {
	t.Helper()
	assert.Equal(t, specs.MediaForm, r.contentType)
	form, err := url.ParseQuery(string(r.body))
	require.NoError(t, err)
	return form
}

func vsClient(t *testing.T, cfg mock.Config) (*mock.Running, *nxcloud.Client, *vsProxy) {
	t.Helper()
	return vsStart(t, cfg, nil)
}

// A sample of an audio file's bytes (an ID3 header).
var vsAudio = []byte("ID3\x04\x00\x00\x00\x00\x00#TSSE\x00\x00\x00\x0fLavf58.76.100")

func TestVoiceBroadcastOperationsOnTheWire(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		call       func(*nxcloud.Client) error
		path       string
		wantFields map[string]string
		key        [2]string // the credential fields sent: names, then values below
		pair       [2]string
	}{
		{
			name: "sendBroadcast",
			call: func(c *nxcloud.Client) error {
				res, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890,6281234567891", CountryCode: "62",
					ShowPhone: "6221500123", URL: "https://nxcloud.com/1963370420.m4a", TaskTime: "2030-01-02 09:00:00", TimeZone: "7"})
				if err == nil {
					assert.Regexp(t, "^[0-9a-f]{32}$", res.Messageid)
				}
				return err
			},
			path:       "/api/voiceSms/gpsend",
			wantFields: map[string]string{"phone": "6281234567890,6281234567891", "url": "https://nxcloud.com/1963370420.m4a", "task_time": "2030-01-02 09:00:00", "time_zone": "7"},
			key:        [2]string{"appkey", "secretkey"}, pair: [2]string{"mock-voice-appkey", "mock-voice-secret"},
		},
		{
			name: "sendNotification",
			call: func(c *nxcloud.Client) error {
				res, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "6281234567890", CountryCode: "62",
					ShowPhone: "6221500123", Content: "Your parcel arrives today", Lang: voice.LanguageIndonesian})
				if err == nil {
					assert.Equal(t, "0", res.Code)
				}
				return err
			},
			path:       "/api/voiceSms/notsend",
			wantFields: map[string]string{"content": "Your parcel arrives today", "lang": "id", "country_code": "62"},
			key:        [2]string{"appkey", "secretkey"}, pair: [2]string{"mock-voice-appkey", "mock-voice-secret"},
		},
		{
			name: "uploadFile",
			call: func(c *nxcloud.Client) error {
				res, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "welcome.mp3", Content: upload.File{Body: bytes.NewReader(vsAudio)}})
				if err == nil {
					assert.Equal(t, "success", res.Code)
					assert.Regexp(t, `^https://.+\.mp3$`, res.Info)
				}
				return err
			},
			path:       "/api/voiceSms/uploadVoiceFile",
			wantFields: map[string]string{"filename": "welcome.mp3", "content": base64.StdEncoding.EncodeToString(vsAudio)},
			key:        [2]string{"appkey", "secretkey"}, pair: [2]string{"mock-voice-appkey", "mock-voice-secret"},
		},
		{
			name: "listFiles",
			call: func(c *nxcloud.Client) error {
				res, err := c.Voice.ListFiles(ctx, voice.ListFilesParams{Page: 1, PageSize: 10})
				if err == nil {
					assert.Equal(t, voice.ListFilesResultCodeSuccess, res.Code)
					assert.NotEmpty(t, res.Info.Rows, "with no file stored, the spec's example")
				}
				return err
			},
			path:       "/api/voiceSms/getUserFileUrl",
			wantFields: map[string]string{"page": "1", "page_size": "10"},
			// The platform login, not the voice pair.
			key: [2]string{"account", "password"}, pair: [2]string{"mock-platform-appkey", "mock-platform-secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, p := vsClient(t, mock.Config{})
			require.NoError(t, tt.call(c))
			r := p.last(t)
			assert.Equal(t, tt.path, r.path)
			form := vsForm(t, r)
			for k, v := range tt.wantFields {
				assert.Equal(t, v, form.Get(k), k)
			}
			assert.Equal(t, tt.pair[0], form.Get(tt.key[0]))
			assert.Equal(t, tt.pair[1], form.Get(tt.key[1]))
			if tt.key[0] == "account" {
				assert.False(t, form.Has("appkey") || form.Has("secretkey"), "listFiles sends the platform login only")
			}
		})
	}
}

// Each operation's documented failures come back as *apierror.Error.
func TestVoiceBroadcastFailures(t *testing.T) {
	ctx := context.Background()
	upload := func(c *nxcloud.Client) error {
		_, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "a.mp3", Content: upload.File{Body: bytes.NewReader(vsAudio)}})
		return err
	}
	list := func(c *nxcloud.Client) error {
		_, err := c.Voice.ListFiles(ctx, voice.ListFilesParams{Page: 1, PageSize: 10})
		return err
	}
	broadcast := func(c *nxcloud.Client) error {
		_, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", URL: "https://a.example/x.mp3"})
		return err
	}
	notify := func(c *nxcloud.Client) error {
		_, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", Content: "hi", Lang: voice.LanguageEnglish})
		return err
	}
	tests := []struct {
		name     string
		op       string
		code     int
		call     func(*nxcloud.Client) error
		wantCode bool
		kind     error
	}{
		{"broadcast: unknown audio address", "nxcloud/voice sendBroadcast", int(voice.ResultCodeURLNotFound), broadcast, true, nil},
		{"broadcast: wrong key pair", "nxcloud/voice sendBroadcast", int(voice.ResultCodeBadAppCredentials), broadcast, true, apierror.ErrAuth},
		{"notification: no balance", "nxcloud/voice sendNotification", int(voice.ResultCodeInsufficientBalance), notify, true, nil},
		{"upload: account disabled", "nxcloud/voice uploadFile", int(voice.ResultCodeAccountDisabled), upload, true, nil},
		{"listFiles: failed", "nxcloud/voice listFiles", 0, list, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c, _ := vsClient(t, mock.Config{})
			require.NoError(t, m.RejectNext(tt.op, mock.Rejection{Code: tt.code}))
			err := tt.call(c)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.op, ae.Operation)
			assert.Equal(t, tt.wantCode, ae.HasCode)
			if tt.wantCode {
				assert.Equal(t, tt.code, ae.Code)
			}
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			} else {
				assert.NotErrorIs(t, err, apierror.ErrAuth)
			}
			require.NoError(t, tt.call(c), "the rejection was for one call only")
		})
	}
}

func TestVoiceFilesWrongPlatformLogin(t *testing.T) {
	_, c, _ := vsStart(t, mock.Config{}, map[string][2]string{"platform": {"mock-platform-appkey", "not-the-password-7c1f"}})
	_, err := c.Voice.ListFiles(context.Background(), voice.ListFilesParams{Page: 1, PageSize: 10})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.HasCode, "the answer is the word failed, no number")
	assert.NotContains(t, err.Error(), "not-the-password-7c1f")

	// The voice pair does not stand in for the platform login.
	_, c, p := vsStart(t, mock.Config{}, map[string][2]string{"platform": {}})
	_, err = c.Voice.ListFiles(context.Background(), voice.ListFilesParams{Page: 1, PageSize: 10})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `option.WithAppCredentials("platform"`)
	assert.Zero(t, p.count(), "nothing is sent without the platform login")
}

// The client refuses, before sending, what the spec does not allow.
func TestVoiceBroadcastNothingIsSentWithBadParams(t *testing.T) {
	ctx := context.Background()
	_, c, p := vsClient(t, mock.Config{})
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"notification without a language", func() error {
			_, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", Content: "hi"})
			return err
		}, "lang"},
		{"notification with spaces in the batch", func() error {
			_, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "6281234567890, 6281234567891", CountryCode: "62", ShowPhone: "1", Content: "hi", Lang: voice.LanguageEnglish})
			return err
		}, "phone"},
		{"broadcast to an address without a scheme", func() error {
			_, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", URL: "nxcloud.com/a.m4a"})
			return err
		}, "url"},
		{"broadcast with a time zone name", func() error {
			_, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", URL: "https://a.example/x.mp3", TaskTime: "2030-01-02 09:00:00", TimeZone: "Asia/Jakarta"})
			return err
		}, "time_zone"},
		{"upload without a file", func() error {
			_, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "a.mp3"})
			return err
		}, "content"},
		{"files page 0", func() error {
			_, err := c.Voice.ListFiles(ctx, voice.ListFilesParams{Page: 0, PageSize: 10})
			return err
		}, "page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, strings.Join(ve.Problems, "; "), tt.field)
		})
	}
	assert.Zero(t, p.count(), "a request was sent")
}

// The stateful flow: upload a file, find it in the list, play it to two
// numbers, and receive a group-call receipt per number; a notification's
// receipt is a verification-or-notification one.
func TestVoiceBroadcastFlow(t *testing.T) {
	ctx := context.Background()
	m, c, _ := vsClient(t, mock.Config{})

	up, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "welcome.mp3", Content: upload.File{Body: bytes.NewReader(vsAudio)}})
	require.NoError(t, err)
	other, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "reminder.m4a", Content: upload.File{Body: bytes.NewReader(vsAudio)}})
	require.NoError(t, err)
	assert.NotEqual(t, up.Info, other.Info, "each upload is a new file")

	today := time.Now().Format(time.DateOnly)
	tests := []struct {
		name   string
		params voice.ListFilesParams
		want   []string // file names, newest first
	}{
		{"all", voice.ListFilesParams{Page: 1, PageSize: 10}, []string{"reminder.m4a", "welcome.mp3"}},
		{"by name", voice.ListFilesParams{Page: 1, PageSize: 10, QueryName: "welcome"}, []string{"welcome.mp3"}},
		{"a page of one", voice.ListFilesParams{Page: 2, PageSize: 1}, []string{"welcome.mp3"}},
		{"today", voice.ListFilesParams{Page: 1, PageSize: 10, StartTime: today, EndTime: today}, []string{"reminder.m4a", "welcome.mp3"}},
		{"before today", voice.ListFilesParams{Page: 1, PageSize: 10, EndTime: "2019-01-01"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := c.Voice.ListFiles(ctx, tt.params)
			require.NoError(t, err)
			var names []string
			for _, f := range list.Info.Rows {
				names = append(names, f.FileName)
				if f.FileName == "welcome.mp3" {
					assert.Equal(t, up.Info, f.URL, "the listed address is the one the upload returned")
				}
			}
			assert.Equal(t, tt.want, names)
		})
	}

	var mu sync.Mutex
	var receipts []voice.ReceiptCallback
	hook := httptest.NewServer(webhook.VoiceReceiptHandler(func(_ context.Context, r voice.ReceiptCallback) error {
		mu.Lock()
		defer mu.Unlock()
		receipts = append(receipts, r)
		return nil
	}))
	defer hook.Close()

	group, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890,6281234567891", CountryCode: "62", ShowPhone: "6221500123", URL: up.Info})
	require.NoError(t, err)
	require.NoError(t, m.SendVoiceGroupReceipt(ctx, hook.URL, group.Messageid))
	note, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "6281234567892", CountryCode: "62", ShowPhone: "6221500123", Content: "hello", Lang: voice.LanguageEnglish})
	require.NoError(t, err)
	require.NoError(t, m.SendVoiceReceipt(ctx, hook.URL, note.Messageid))
	assert.Error(t, m.SendVoiceGroupReceipt(ctx, hook.URL, note.Messageid), "a notification is not a group call")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, receipts, 3)
	for i, phone := range []string{"6281234567890", "6281234567891"} {
		r := receipts[i]
		assert.Equal(t, group.Messageid, r.Messageid)
		assert.Equal(t, phone, r.Phone)
		assert.Equal(t, voice.ReceiptCallbackVoiceTypeGroupCall, r.VoiceType)
		assert.NotEmpty(t, r.BasicPrice, "a group-call receipt has basic_price")
		assert.Equal(t, "1", r.IvrResult)
	}
	assert.Equal(t, note.Messageid, receipts[2].Messageid)
	assert.Equal(t, voice.ReceiptCallbackVoiceTypeVerification, receipts[2].VoiceType, "voice_type 1 covers notifications")

	// The notification call is in the verification-and-notification records.
	recs, err := c.Voice.ListRecords(ctx, voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeVerificationOrNotification,
		StartTime: time.Now().Add(-time.Hour).Format(time.DateTime), EndTime: time.Now().Add(time.Hour).Format(time.DateTime), Page: 1, PageSize: 10})
	require.NoError(t, err)
	var ids []string
	for _, r := range recs.Info.Rows {
		ids = append(ids, r.Messageid.String())
	}
	assert.Contains(t, ids, note.Messageid)
}

// A receiver that refuses a receipt makes the mock's push fail: the
// generated receiver answers NXCloud's failure text.
func TestVoiceGroupReceiptRefused(t *testing.T) {
	ctx := context.Background()
	m, c, _ := vsClient(t, mock.Config{})
	group, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "6281234567890", CountryCode: "62", ShowPhone: "1", URL: "https://a.example/x.mp3"})
	require.NoError(t, err)
	hook := httptest.NewServer(webhook.VoiceReceiptHandler(func(context.Context, voice.ReceiptCallback) error {
		return errors.New("not now")
	}))
	defer hook.Close()
	assert.Error(t, m.SendVoiceGroupReceipt(ctx, hook.URL, group.Messageid))
}

// listRecords' success code is the catalogue's BadAppCredentials code
// ("1"): a wrong key pair must come back as its documented failure ("0"),
// not as a success.
func TestVoiceRecordsWrongKeyPairIsAFailure(t *testing.T) {
	_, c, _ := vsStart(t, mock.Config{}, map[string][2]string{"voice": {"mock-voice-appkey", "wrong-voice-secret-61d0"}})
	_, err := c.Voice.ListRecords(context.Background(), voice.ListRecordsParams{VoiceType: voice.ListRecordsParamsVoiceTypeGroupCall,
		StartTime: "2019-09-09 09:00:01", EndTime: "2019-09-09 09:00:11", Page: 1, PageSize: 10})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode)
	assert.Equal(t, 0, ae.Code)
}

// vsTransport answers every request with body, recording its URL: the
// production hosts, without the network.
type vsTransport struct {
	mu   sync.Mutex
	urls []string
	body string
}

func (tr *vsTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tr.mu.Lock()
	tr.urls = append(tr.urls, r.URL.String())
	tr.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(tr.body)), Request: r}, nil
}

// Without a base URL, each operation goes to its documented host over
// HTTPS: the voice product's api.nxcloud.com calls by their own servers
// entry, the rest of it to api2.
func TestVoiceSIPAndShortLinkHosts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, body, want string
		call             func(*nxcloud.Client) error
	}{
		{"sendBroadcast", `{"code":"0","result":"ok","messageid":"m"}`, "https://api.nxcloud.com/api/voiceSms/gpsend", func(c *nxcloud.Client) error {
			_, err := c.Voice.SendBroadcast(ctx, voice.SendBroadcastParams{Phone: "1", CountryCode: "62", ShowPhone: "1", URL: "https://a.example/x.mp3"})
			return err
		}},
		{"sendNotification", `{"code":"0","result":"ok","messageid":"m"}`, "https://api.nxcloud.com/api/voiceSms/notsend", func(c *nxcloud.Client) error {
			_, err := c.Voice.SendNotification(ctx, voice.SendNotificationParams{Phone: "1", CountryCode: "62", ShowPhone: "1", Content: "hi", Lang: voice.LanguageEnglish})
			return err
		}},
		{"listFiles", `{"code":"success","info":{"total":0,"page":1,"pageSize":10,"rows":[]}}`, "https://api.nxcloud.com/api/voiceSms/getUserFileUrl", func(c *nxcloud.Client) error {
			_, err := c.Voice.ListFiles(ctx, voice.ListFilesParams{Page: 1, PageSize: 10})
			return err
		}},
		{"uploadFile", `{"code":"success","info":"https://f.example/a.mp3"}`, "https://api2.nxcloud.com/api/voiceSms/uploadVoiceFile", func(c *nxcloud.Client) error {
			_, err := c.Voice.UploadFile(ctx, voice.UploadFileParams{Filename: "a.mp3", Content: upload.File{Body: strings.NewReader("ID3\x04")}})
			return err
		}},
		{"send", `{"code":"0","result":"ok","messageid":"m"}`, "https://api2.nxcloud.com/api/voiceSms/versend", func(c *nxcloud.Client) error {
			_, err := c.Voice.Send(ctx, voice.SendParams{Phone: "1", CountryCode: "62", ShowPhone: "1", Content: "1-2-3", Lang: voice.LanguageEnglish})
			return err
		}},
		{"short-link generate", `{"code":"0","info":"https://s.example/a"}`, "https://api.nxcloud.com/api/shortLink/linkLong2Short", func(c *nxcloud.Client) error {
			_, err := c.ShortLink.Generate(ctx, shortlink.GenerateParams{URL: "https://a.example/"})
			return err
		}},
		{"sip-cdr listByOrderId", `{"code":"0","row":[]}`, "https://api.nxcloud.com/api/voiceSms/getSipCdrByOrderid", func(c *nxcloud.Client) error {
			_, err := c.SIPCDR.ListByOrderID(ctx, sipcdr.ListByOrderIDParams{Orderid: "1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &vsTransport{body: tt.body}
			opts := []option.Option{option.WithHTTPClient(&http.Client{Transport: tr}), option.WithoutRetries()}
			for _, set := range vsSets {
				opts = append(opts, option.WithAppCredentials(set, set+"-key", set+"-secret"))
			}
			c, err := nxcloud.NewClient("k", "s", opts...)
			require.NoError(t, err)
			require.NoError(t, tt.call(c))
			require.Len(t, tr.urls, 1)
			assert.Equal(t, tt.want, tr.urls[0])
		})
	}
}
