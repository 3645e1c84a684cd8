package mock_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
)

func TestHTTPServerLimits(t *testing.T) {
	h := http.NotFoundHandler()
	srv := mock.HTTPServer("127.0.0.1:8080", h)
	require.NotNil(t, srv)

	assert.Equal(t, "127.0.0.1:8080", srv.Addr)
	assert.NotNil(t, srv.Handler)
	cases := []struct {
		name string
		got  int64
		want int64
	}{
		{"ReadHeaderTimeout", int64(srv.ReadHeaderTimeout), int64(mock.ReadHeaderTimeout)},
		{"ReadTimeout", int64(srv.ReadTimeout), int64(mock.ReadTimeout)},
		{"WriteTimeout", int64(srv.WriteTimeout), int64(mock.WriteTimeout)},
		{"IdleTimeout", int64(srv.IdleTimeout), int64(mock.IdleTimeout)},
		{"MaxHeaderBytes", int64(srv.MaxHeaderBytes), int64(mock.MaxHeaderBytes)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Positive(t, tc.got)
			assert.Equal(t, tc.want, tc.got)
		})
	}
	assert.LessOrEqual(t, srv.ReadHeaderTimeout, srv.ReadTimeout, "headers are part of the read")
}

func TestServe(t *testing.T) {
	s, err := mock.New(mock.Config{})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- mock.Serve(ctx, l, s) }()

	// The listener is open before Serve runs, so the request cannot race it.
	client := &http.Client{}
	req, err := http.NewRequest(http.MethodPost, "http://"+l.Addr().String()+"/v1/verifications",
		strings.NewReader(`{"message_id":"m","verify_code":"1"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(mock.DefaultDevKey, mock.DefaultDevSecret)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "unknown message: the mock answered")
	client.CloseIdleConnections()

	cancel()
	assert.NoError(t, <-done, "Serve returns nil after its context is cancelled")

	_, err = client.Get("http://" + l.Addr().String() + "/")
	assert.Error(t, err, "the listener is closed after Serve returns")
}

func TestServeCancelledBeforeStart(t *testing.T) {
	s, err := mock.New(mock.Config{})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	assert.NoError(t, mock.Serve(ctx, l, s))
	_, err = (&http.Client{}).Get("http://" + l.Addr().String() + "/")
	assert.Error(t, err, "the listener is closed after Serve returns")
}

func TestServeListenerError(t *testing.T) {
	s, err := mock.New(mock.Config{})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, l.Close())

	// The context is never cancelled: Serve must return the accept error.
	assert.Error(t, mock.Serve(context.Background(), l, s))
}

// invalidLog collects OnInvalidResponse calls.
type invalidLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *invalidLog) record(op string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf("%s: %v", op, err))
}

func (l *invalidLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// TestOnInvalidResponse provokes a response the spec forbids: an OTA status
// outside the VerificationStatus enum, set through SetOTAStatus (New
// refuses such a Config.OTAStatus). Valid answers, success or rejection,
// are never reported.
func TestOnInvalidResponse(t *testing.T) {
	var log invalidLog
	s, err := mock.New(mock.Config{OnInvalidResponse: log.record})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	defer srv.Close()
	m := &mock.Running{Server: s, URL: srv.URL,
		AccessKey: mock.DefaultAccessKey, AccessSecret: mock.DefaultAccessSecret,
		DevKey: mock.DefaultDevKey, DevSecret: mock.DefaultDevSecret}
	c := nxClient(t, m)

	id := otaInit(t, c, "app1")
	_, err = otaVerify(c, "app2", id) // 2205: a valid rejection
	apiError(t, err)
	_, err = elVerify(elClient(t, m), "unknown", "1") // 4001: a valid rejection
	apiError(t, err)
	require.Empty(t, log.get(), "valid responses are not reported")

	cases := []struct {
		name   string
		status string
	}{
		{"SetOTAStatus outside the enum", "NOT-A-STATUS"},
		{"SetOTAStatus in the wrong case", "success"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status != "" {
				require.True(t, s.SetOTAStatus(id, tc.status))
			}
			// Both sides check the answer against the spec: the mock
			// reports it, and the client refuses a "success" that breaks the
			// operation's success schema.
			res, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "app1", RequestID: id})
			assert.Nil(t, res)
			e := apiError(t, err)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.Contains(t, e.Reason, "success schema")
			assert.Contains(t, e.Reason, "allowed values")
			assert.Equal(t, 1, e.Attempts, "a refused success is not sent again")
			calls := log.get()
			require.Len(t, calls, i+1)
			assert.Contains(t, calls[i], "nxcloud/ota verify")
			assert.Contains(t, calls[i], "allowed values", "the status enum is what is broken")
		})
	}

	t.Run("a valid status again is not reported", func(t *testing.T) {
		require.True(t, s.SetOTAStatus(id, string(ota.VerificationStatusFailure)))
		st, err := otaVerify(c, "app1", id)
		require.NoError(t, err)
		assert.Equal(t, ota.VerificationStatusFailure, st)
		assert.Len(t, log.get(), len(cases))
	})
}

// recordingTB is a testing.TB whose Errorf is recorded instead of failing
// the test; everything else goes to the real test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// TestStartReportsInvalidResponses checks that Start turns a response that
// breaks its spec into a test error, and leaves a caller's own hook alone.
func TestStartReportsInvalidResponses(t *testing.T) {
	t.Run("default hook reports to the test", func(t *testing.T) {
		rec := &recordingTB{TB: t}
		m := mock.Start(rec)
		c := nxClient(t, m)
		id := otaInit(t, c, "app1")
		require.True(t, m.SetOTAStatus(id, "NOT-A-STATUS"))
		require.Empty(t, rec.got())
		_, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "app1", RequestID: id})
		assert.Contains(t, apiError(t, err).Reason, "success schema", "the client refuses it too")
		errs := rec.got()
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "nxcloud/ota verify")
	})
	t.Run("caller's hook is kept", func(t *testing.T) {
		rec := &recordingTB{TB: t}
		var log invalidLog
		m := mock.Start(rec, mock.Config{OnInvalidResponse: log.record})
		c := nxClient(t, m)
		id := otaInit(t, c, "app1")
		require.True(t, m.SetOTAStatus(id, "NOT-A-STATUS"))
		_, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "app1", RequestID: id})
		assert.Contains(t, apiError(t, err).Reason, "success schema", "the client refuses it too")
		assert.Empty(t, rec.got())
		assert.Len(t, log.get(), 1)
	})
}

// TestConfigMustFitTheSpec: New refuses a Config value that would make the
// mock answer against its own spec, naming the allowed values read from
// the spec.
func TestConfigMustFitTheSpec(t *testing.T) {
	tests := []struct {
		name    string
		cfg     mock.Config
		wantErr string // "" accepted
	}{
		{name: "defaults", cfg: mock.Config{}},
		{name: "every OTA status of the spec", cfg: mock.Config{OTAStatus: "MISMATCH"}},
		{name: "an OTA status outside the enum", cfg: mock.Config{OTAStatus: "BOGUS"}, wantErr: `OTAStatus "BOGUS" is not allowed by nxcloud/ota VerificationStatus: value is not one of the allowed values ["SUCCESS","PENDING","MISMATCH","FAILURE","UNKNOWN"]`},
		{name: "an OTA status in lower case", cfg: mock.Config{OTAStatus: "success"}, wantErr: "OTAStatus"},
		{name: "a WhatsApp code", cfg: mock.Config{WhatsAppCode: "9999"}},
		{name: "an OTP code", cfg: mock.Config{OTPCode: "8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mock.New(tt.cfg)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, mock.ErrConfig)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
	statuses := mock.OTAStatuses()
	assert.Equal(t, []string{"SUCCESS", "PENDING", "MISMATCH", "FAILURE", "UNKNOWN"}, statuses, "read from the spec")
	for _, st := range statuses {
		_, err := mock.New(mock.Config{OTAStatus: st})
		assert.NoError(t, err, st)
	}
}
