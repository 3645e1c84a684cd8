package engagelab_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/elemail"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
)

// The tests in this file run EngageLab e-mail's send through the real
// client against the mock, which checks the api_user:api_key pair and
// each of its answers against the spec.

const emailOp = "engagelab/email send"

// emailMock is a mock with a clock the test moves, and a counter of the
// requests that reach it.
type emailMock struct {
	*mock.Running
	URL  string
	hits atomic.Int32
	mu   sync.Mutex
	now  time.Time
}

func (m *emailMock) advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

func startEmailMock(t *testing.T) *emailMock {
	t.Helper()
	em := &emailMock{now: time.Date(2024, 4, 7, 10, 0, 0, 0, time.UTC)}
	em.Running = mock.Start(t, mock.Config{Now: func() time.Time {
		em.mu.Lock()
		defer em.mu.Unlock()
		return em.now
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		em.hits.Add(1)
		em.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	em.URL = srv.URL
	return em
}

// emailClient is a client for the mock's e-mail pair only: no dev key.
func emailClient(t *testing.T, m *emailMock, opts ...option.Option) *engagelab.Client {
	t.Helper()
	user, key := m.Server.AppCredentials("email")
	base := []option.Option{option.WithBaseURL(m.URL), option.WithAppCredentials("email", user, key), option.WithoutRetries()}
	c, err := engagelab.NewClient("", "", append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// mail is a valid message to the recipients.
func mail(to ...string) elemail.SendParams {
	return elemail.SendParams{
		From: "Verikit <no-reply@mail.verikit.example>",
		To:   to,
		Body: elemail.MailBody{
			Subject: "Welcome %name%",
			Content: elemail.MailContent{HTML: "<p>Hello %name%</p>", Text: "Hello %name%", PreviewText: "Hello"},
			Vars:    map[string][]string{"name": []string{"Ada", "Grace"}[:min(len(to), 2)]},
		},
	}
}

func TestEmailSend(t *testing.T) {
	addressList := elemail.SendModeAddressList
	regular := elemail.SendModeRegular
	tests := []struct {
		name      string
		params    func() elemail.SendParams
		wantIDs   []string // suffixes: "$" and the bare address
		wantTasks int
	}{
		{
			name:    "one ID per recipient, named by its bare address",
			params:  func() elemail.SendParams { return mail("ada@example.com", "Grace Hopper <grace@example.com>") },
			wantIDs: []string{"$ada@example.com", "$grace@example.com"},
		},
		{
			name: "every documented field",
			params: func() elemail.SendParams {
				p := mail("ada@example.com")
				p.Body.Cc = []string{"accounts@example.com"}
				p.Body.Bcc = []string{"Archive <archive@example.com>"}
				p.Body.ReplyTo = []string{"support@verikit.example"}
				p.Body.DynamicVars = []map[string]string{{"name": "Ada"}}
				p.Body.LabelID = "100233"
				p.Body.LabelName = "welcome"
				p.Body.Headers = map[string]string{"X-Order-Region": "eu"}
				p.Body.Attachments = []elemail.Attachment{
					{Content: base64.StdEncoding.EncodeToString([]byte("%PDF-1.4")), Filename: "invoice.pdf", Type: "application/pdf", Disposition: elemail.AttachmentDispositionAttachment},
					{Content: base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'}), Filename: "logo.png", Disposition: elemail.AttachmentDispositionInline, ContentID: "logo"},
				}
				p.Body.Settings = elemail.MailSettings{
					SendMode: &regular, ReturnEmailID: verikit.Ptr(true), Sandbox: verikit.Ptr(true), Notification: verikit.Ptr(false),
					OpenTracking: verikit.Ptr(true), ClickTracking: verikit.Ptr(false), UnsubscribeTracking: verikit.Ptr(true),
					UnsubscribePageID: []int64{1, 2},
				}
				p.CustomArgs = map[string]any{"campaign": "welcome"}
				p.RequestID = "welcome-ada"
				return p
			},
			wantIDs: []string{"$ada@example.com"},
		},
		{
			name: "return_email_id false: no IDs",
			params: func() elemail.SendParams {
				p := mail("ada@example.com")
				p.Body.Settings.ReturnEmailID = verikit.Ptr(false)
				return p
			},
		},
		{
			name: "address lists: a task",
			params: func() elemail.SendParams {
				p := mail("users@maillist.verikit.example")
				p.Body.Settings.SendMode = &addressList
				return p
			},
			wantTasks: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startEmailMock(t)
			c := emailClient(t, m)
			p := tt.params()
			res, err := c.Email.Send(t.Context(), p)
			require.NoError(t, err)
			require.Len(t, res.EmailIDs, len(tt.wantIDs))
			for i, suffix := range tt.wantIDs {
				assert.True(t, strings.HasSuffix(res.EmailIDs[i], suffix), "%q ends in %q", res.EmailIDs[i], suffix)
			}
			assert.Len(t, res.TaskID, tt.wantTasks)
			assert.Equal(t, p.RequestID, res.RequestID)
		})
	}
}

// Each send makes new IDs; a repeated request_id gets the first answer
// again for an hour, then sends anew.
func TestEmailSendStateful(t *testing.T) {
	m := startEmailMock(t)
	c := emailClient(t, m)
	ctx := t.Context()

	first, err := c.Email.Send(ctx, mail("ada@example.com"))
	require.NoError(t, err)
	second, err := c.Email.Send(ctx, mail("ada@example.com"))
	require.NoError(t, err)
	require.Len(t, first.EmailIDs, 1)
	require.Len(t, second.EmailIDs, 1)
	assert.NotEqual(t, first.EmailIDs[0], second.EmailIDs[0], "every send makes a new e-mail")

	withID := mail("ada@example.com")
	withID.RequestID = "order-1001"
	steps := []struct {
		name    string
		advance time.Duration
		same    bool // the answer is the first one's
	}{
		{"first", 0, false},
		{"repeated at once", time.Minute, true},
		{"repeated before the hour is up", 58 * time.Minute, true},
		{"repeated after the hour", 2 * time.Minute, false},
	}
	var kept []string
	for _, st := range steps {
		m.advance(st.advance)
		res, err := c.Email.Send(ctx, withID)
		require.NoError(t, err, st.name)
		require.Len(t, res.EmailIDs, 1, st.name)
		assert.Equal(t, "order-1001", res.RequestID, st.name)
		if st.same {
			assert.Equal(t, kept, res.EmailIDs, st.name)
		} else {
			assert.NotEqual(t, kept, res.EmailIDs, st.name)
			kept = res.EmailIDs
		}
	}

	// Another api_user's request_id is its own.
	other := startEmailMock(t)
	res, err := emailClient(t, other).Email.Send(ctx, withID)
	require.NoError(t, err)
	assert.NotEmpty(t, res.EmailIDs)

	// Address-list tasks count up from EngageLab's example.
	lists := mail("users@maillist.verikit.example")
	mode := elemail.SendModeAddressList
	lists.Body.Settings.SendMode = &mode
	for i := range 2 {
		res, err := c.Email.Send(ctx, lists)
		require.NoError(t, err)
		assert.Equal(t, []int64{mock.ElEmailFirstTaskID + int64(i)}, res.TaskID)
	}
}

func TestEmailSendFailures(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(*emailMock) error
		params   func() elemail.SendParams
		opts     []option.Option
		status   int
		code     elemail.ErrorCode
		kind     error // an errors.Is kind, when the code has one
		attempts int
	}{
		{
			name: "a documented refusal",
			setup: func(m *emailMock) error {
				return m.RejectNext(emailOp, mock.Rejection{Code: 30801, Status: http.StatusBadRequest})
			},
			params: func() elemail.SendParams { return mail("ada@example.com") },
			status: http.StatusBadRequest, code: elemail.ErrorCodeFromEmpty, attempts: 1,
		},
		{
			name: "a header EngageLab sets itself",
			params: func() elemail.SendParams {
				p := mail("ada@example.com")
				p.Body.Headers = map[string]string{"reply-TO": "x@example.com"}
				return p
			},
			status: http.StatusBadRequest, code: elemail.ErrorCodeReservedHeader, attempts: 1,
		},
		{
			name:   "a wrong api_key",
			params: func() elemail.SendParams { return mail("ada@example.com") },
			opts:   []option.Option{option.WithAppCredentials("email", "mock-email-appkey", "wrong")},
			status: http.StatusUnauthorized, code: elemail.ErrorCodeAuthFailed, kind: apierror.ErrAuth, attempts: 1,
		},
		{
			name:   "the dev key instead of the pair",
			params: func() elemail.SendParams { return mail("ada@example.com") },
			opts:   []option.Option{option.WithAppCredentials("email", mock.DefaultDevKey, mock.DefaultDevSecret)},
			status: http.StatusUnauthorized, code: elemail.ErrorCodeAuthFailed, kind: apierror.ErrAuth, attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startEmailMock(t)
			if tt.setup != nil {
				require.NoError(t, tt.setup(m))
			}
			_, err := emailClient(t, m, tt.opts...).Email.Send(t.Context(), tt.params())
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, int(tt.code), ae.Code)
			assert.Equal(t, tt.attempts, ae.Attempts)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			}
			assert.NotContains(t, err.Error(), "mock-email-secret", "the api_key never shows")
		})
	}
}

// A message the spec refuses is never sent.
func TestEmailSendValidation(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = "user@example.com"
	}
	tests := []struct {
		name   string
		mutate func(*elemail.SendParams)
		want   string // in the error
	}{
		{"no recipient", func(p *elemail.SendParams) { p.To = nil }, "to"},
		{"101 recipients", func(p *elemail.SendParams) { p.To = many; p.Body.Vars = nil }, "to"},
		{"not an address", func(p *elemail.SendParams) { p.To = []string{"ada"} }, "to"},
		{"a sender without an address", func(p *elemail.SendParams) { p.From = "Verikit" }, "from"},
		{"no subject", func(p *elemail.SendParams) { p.Body.Subject = "" }, "subject"},
		{"a subject of 257 characters", func(p *elemail.SendParams) { p.Body.Subject = strings.Repeat("s", 257) }, "subject"},
		{"four reply-to addresses", func(p *elemail.SendParams) {
			p.Body.ReplyTo = []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"}
		}, "reply_to"},
		{"a label ID that is not digits", func(p *elemail.SendParams) { p.Body.LabelID = "welcome" }, "label_id"},
		{"an attachment that is not base64", func(p *elemail.SendParams) {
			p.Body.Attachments = []elemail.Attachment{{Content: "not base64!", Filename: "a.txt"}}
		}, "content"},
		{"an inline image without content_id", func(p *elemail.SendParams) {
			p.Body.Attachments = []elemail.Attachment{{Content: "aGk=", Filename: "a.png", Disposition: elemail.AttachmentDispositionInline}}
		}, "content_id"},
		{"an unknown send mode", func(p *elemail.SendParams) {
			mode := elemail.SendMode(3)
			p.Body.Settings.SendMode = &mode
		}, "send_mode"},
		{"a request_id of 129 characters", func(p *elemail.SendParams) { p.RequestID = strings.Repeat("r", 129) }, "request_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startEmailMock(t)
			p := mail("ada@example.com")
			tt.mutate(&p)
			_, err := emailClient(t, m).Email.Send(t.Context(), p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Zero(t, m.hits.Load(), "nothing was sent")
		})
	}
}

// Without the e-mail pair the call fails before anything is sent, even
// with a dev key.
func TestEmailSendNeedsThePair(t *testing.T) {
	m := startEmailMock(t)
	c, err := engagelab.NewClient(m.DevKey, m.DevSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	_, err = c.Email.Send(t.Context(), mail("ada@example.com"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "email")
	assert.Zero(t, m.hits.Load())
}

// hostRecorder answers every request with a success and keeps its host
// and Basic credentials.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
	users []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	user, pass, _ := r.BasicAuth()
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host)
	h.users = append(h.users, user+":"+pass)
	h.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"email_ids":["1_1-inbound0$ada@example.com"],"request_id":null}`)), Request: r,
	}, nil
}

// The Singapore host is the default; WithRegion("tr") picks Turkey's; the
// Basic pair is api_user:api_key, not the dev key.
func TestEmailRegions(t *testing.T) {
	tests := []struct {
		region   string
		wantHost string
		wantErr  bool
	}{
		{"", "email.api.engagelab.cc", false},
		{"sg", "email.api.engagelab.cc", false},
		{"tr", "emailapi-tr.engagelab.com", false},
		{"hk", "", true},
	}
	for _, tt := range tests {
		t.Run("region "+tt.region, func(t *testing.T) {
			rec := &hostRecorder{}
			opts := []option.Option{
				option.WithHTTPClient(&http.Client{Transport: rec}),
				option.WithAppCredentials("email", "api-user", "api-key"),
			}
			if tt.region != "" {
				opts = append(opts, option.WithRegion(tt.region))
			}
			c, err := engagelab.NewClient("dev-key", "dev-secret", opts...)
			require.NoError(t, err)
			res, err := c.Email.Send(context.Background(), mail("ada@example.com"))
			if tt.wantErr {
				require.Error(t, err)
				assert.Empty(t, rec.hosts, "nothing was sent")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{tt.wantHost}, rec.hosts)
			assert.Equal(t, []string{"api-user:api-key"}, rec.users)
			assert.Empty(t, res.RequestID, "a null request_id")
			assert.Len(t, res.EmailIDs, 1)
		})
	}
}

// A request from another client (raw JSON, the pair set by hand) is
// answered as the spec says, and the catalogue knows every documented code.
func TestEmailRawRequest(t *testing.T) {
	m := startEmailMock(t)
	user, key := m.Server.AppCredentials("email")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, m.URL+"/v1/mail/send", strings.NewReader(`{
		"from": "Verikit <no-reply@mail.verikit.example>",
		"to": ["ada@example.com"],
		"body": {"subject": "Hi", "content": {"text": "Hi"}, "dynamic_vars": [{"name": "Ada"}], "label_id": "100233"},
		"custom_args": {"campaign": "x"}
	}`))
	require.NoError(t, err)
	req.SetBasicAuth(user, key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `"email_ids"`)

	for _, code := range []elemail.ErrorCode{elemail.ErrorCodeAuthFailed, elemail.ErrorCodeFromEmpty, elemail.ErrorCodeReservedHeader, elemail.ErrorCodeCustomArgsNotJSON} {
		assert.True(t, code.Valid(), "%d", code)
	}
	assert.False(t, elemail.ErrorCode(1000).Valid())
}
