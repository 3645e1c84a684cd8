package apiclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// logBuffer collects JSON log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.text()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		out = append(out, r)
	}
	return out
}

func newLogger(level slog.Level) (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level})), b
}

// flaky answers HTTP 503 to the first n requests, then ok.
func flaky(t *testing.T, n int32, ok string) string {
	t.Helper()
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=vendor-cookie-secret")
		if seen.Add(1) <= n {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"code":99,"msg":"busy"}`)
			return
		}
		io.WriteString(w, ok)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// One debug record per attempt, with the operation, method, path, status,
// attempt, duration and error; no bodies, no headers, no credentials.
func TestLoggerRecordsEveryAttempt(t *testing.T) {
	logger, buf := newLogger(slog.LevelDebug)
	c, err := nxcloud.NewClient(testAccessKey, testAccessSecret,
		option.WithBaseURL(flaky(t, 2, otaVerifyOK)),
		option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		option.WithLogger(logger))
	require.NoError(t, err)
	_, err = c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "pem28kje", RequestID: "req-in-body"})
	require.NoError(t, err)

	recs := buf.records(t)
	require.Len(t, recs, 3)
	for i, r := range recs {
		assert.Equal(t, "verikit call", r["msg"])
		assert.Equal(t, "DEBUG", r["level"])
		assert.Equal(t, "nxcloud/ota verify", r["op"])
		assert.Equal(t, http.MethodPost, r["method"])
		assert.Equal(t, "/api/ota/verify", r["path"])
		assert.EqualValues(t, i+1, r["attempt"])
		assert.Contains(t, r, "duration")
		if i < 2 {
			assert.EqualValues(t, http.StatusServiceUnavailable, r["status"])
			assert.Contains(t, r["error"], "code 99")
		} else {
			assert.EqualValues(t, http.StatusOK, r["status"])
			assert.NotContains(t, r, "error")
		}
		assert.NotContains(t, r, "body")
		assert.NotContains(t, r, "header")
	}
	text := buf.text()
	for _, secret := range []string{testAccessSecret, testAccessKey, "req-in-body", "vendor-cookie-secret"} {
		assert.NotContains(t, text, secret)
	}
}

func TestLoggerRecordsTransportFailures(t *testing.T) {
	logger, buf := newLogger(slog.LevelDebug)
	c, err := nxcloud.NewClient(testAccessKey, testAccessSecret,
		option.WithBaseURL("http://127.0.0.1:1"), option.WithoutRetries(), option.WithLogger(logger))
	require.NoError(t, err)
	_, err = c.OTA.Init(context.Background(), initParams)
	require.Error(t, err)
	recs := buf.records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "nxcloud/ota init", recs[0]["op"])
	assert.NotContains(t, recs[0], "status", "no answer, no status")
	assert.Contains(t, recs[0]["error"], "connection refused")
}

func TestLoggerBelowDebugLogsNothing(t *testing.T) {
	logger, buf := newLogger(slog.LevelInfo)
	c, err := nxcloud.NewClient(testAccessKey, testAccessSecret,
		option.WithBaseURL(flaky(t, 0, otaVerifyOK)), option.WithLogger(logger), option.WithLogBodies())
	require.NoError(t, err)
	_, err = c.OTA.Verify(context.Background(), verifyParams)
	require.NoError(t, err)
	assert.Empty(t, buf.text())
}

// WithLogBodies adds the request and response of every attempt, with the
// headers that were sent, credentials masked.
func TestLogBodiesMasksCredentials(t *testing.T) {
	t.Run("NXCloud", func(t *testing.T) {
		logger, buf := newLogger(slog.LevelDebug)
		c, err := nxcloud.NewClient(testAccessKey, testAccessSecret,
			option.WithBaseURL(flaky(t, 1, otaVerifyOK)),
			option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
			option.WithLogger(logger), option.WithLogBodies())
		require.NoError(t, err)
		_, err = c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "pem28kje", RequestID: "req-in-body"},
			option.WithHeader("Cookie", "caller-cookie-secret"))
		require.NoError(t, err)

		var requests, responses []map[string]any
		for _, r := range buf.records(t) {
			switch r["msg"] {
			case "verikit request":
				requests = append(requests, r)
			case "verikit response":
				responses = append(responses, r)
			}
		}
		require.Len(t, requests, 2, "one per attempt")
		require.Len(t, responses, 2)
		for i, r := range requests {
			assert.EqualValues(t, i+1, r["attempt"])
			assert.Contains(t, r["body"], "req-in-body", "the body as sent")
			h, _ := r["header"].(map[string]any)
			require.NotNil(t, h, "the headers sent")
			for _, name := range []string{"Sign", "Accesskey", "Cookie"} {
				assert.Equal(t, []any{"***"}, headerAnyCase(h, name), name)
			}
			assert.NotEmpty(t, headerAnyCase(h, "Ts"), "other headers are kept")
			assert.Equal(t, []any{"6"}, headerAnyCase(h, "Biztype"))
		}
		assert.Contains(t, responses[0]["body"], `"busy"`)
		assert.Equal(t, otaVerifyOK, responses[1]["body"])
		h, _ := responses[0]["header"].(map[string]any)
		assert.Equal(t, []any{"***"}, headerAnyCase(h, "Set-Cookie"))

		text := buf.text()
		for _, secret := range []string{testAccessSecret, testAccessKey, "caller-cookie-secret", "vendor-cookie-secret"} {
			assert.NotContains(t, text, secret)
		}
	})
	t.Run("EngageLab", func(t *testing.T) {
		logger, buf := newLogger(slog.LevelDebug)
		c, err := engagelab.NewClient(testDevKey, testDevSecret,
			option.WithBaseURL(flaky(t, 0, `{"message_id":"1","verify_code":"2","verified":true}`)),
			option.WithLogger(logger), option.WithLogBodies())
		require.NoError(t, err)
		_, err = c.OTP.Verify(context.Background(), otp.VerifyParams{MessageID: "1", VerifyCode: "2"})
		require.NoError(t, err)
		var sawAuth bool
		for _, r := range buf.records(t) {
			if r["msg"] == "verikit request" {
				h, _ := r["header"].(map[string]any)
				assert.Equal(t, []any{"***"}, headerAnyCase(h, "Authorization"))
				sawAuth = true
			}
		}
		assert.True(t, sawAuth)
		assert.NotContains(t, buf.text(), testDevSecret)
		assert.NotContains(t, buf.text(), "dGVzdC1kZXYta2V5", "the base64 of the Basic credentials")
	})
}

func headerAnyCase(h map[string]any, name string) any {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// A body record carries at most 4 KiB of the body.
func TestLogBodiesCapsTheBody(t *testing.T) {
	big := `{"code":0,"msg":"` + strings.Repeat("x", 10_000) + `","data":{"requestId":"r","status":"SUCCESS"}}`
	logger, buf := newLogger(slog.LevelDebug)
	c, err := nxcloud.NewClient(testAccessKey, testAccessSecret,
		option.WithBaseURL(flaky(t, 0, big)), option.WithLogger(logger), option.WithLogBodies())
	require.NoError(t, err)
	_, err = c.OTA.Verify(context.Background(), verifyParams)
	require.NoError(t, err, "the call itself reads the whole body")
	var found bool
	for _, r := range buf.records(t) {
		if r["msg"] == "verikit response" {
			found = true
			body, _ := r["body"].(string)
			assert.Len(t, body, 4<<10)
			assert.True(t, strings.HasPrefix(big, body))
		}
	}
	assert.True(t, found)
}
