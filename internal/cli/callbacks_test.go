package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
)

// Credentials of the callback tests; none may appear in any output.
const (
	cbAccessKey    = "cb-access-key-7731"
	cbAccessSecret = "cb-access-secret-5501"
	cbELSecret     = "cb-engagelab-secret-9042"
	cbELUser       = "acme"
	cbELAuth       = "Bearer cb-fixed-token-3317"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines. It
// reports the address of the first "listening on" line.
type syncBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan string
}

var listeningLine = regexp.MustCompile(`listening on (http://\S+)`)

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.listening != nil {
		if m := listeningLine.FindSubmatch(p); m != nil {
			b.listening <- string(m[1])
			b.listening = nil
		}
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hangGuard bounds waits that would otherwise hang a broken test; it is not
// an assertion on speed.
const hangGuard = 30 * time.Second

type callbacksRun struct {
	url            string
	stdout, stderr *syncBuffer
	stop           func() int
}

// startCallbacks runs `callbacks serve` in-process on a free port.
func startCallbacks(t *testing.T, vars map[string]string, args ...string) *callbacksRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	run := &callbacksRun{stdout: &syncBuffer{}, stderr: &syncBuffer{listening: listening}}
	env := Env{
		Stdin:  strings.NewReader(""),
		Stdout: run.stdout,
		Stderr: run.stderr,
		Getenv: func(k string) string { return vars[k] },
	}
	exit := make(chan int, 1)
	go func() {
		exit <- Run(ctx, append([]string{"callbacks", "serve", "--addr", "127.0.0.1:0"}, args...), env)
	}()
	stopped, code := false, 0
	run.stop = func() int {
		if !stopped {
			stopped = true
			cancel()
			select {
			case code = <-exit:
			case <-time.After(hangGuard):
				t.Fatal("callbacks serve did not stop when its context was cancelled")
			}
		}
		return code
	}
	t.Cleanup(func() { run.stop() })
	select {
	case run.url = <-listening:
	case code = <-exit:
		stopped = true
		t.Fatalf("callbacks serve exited with %d before listening: %s", code, run.stderr.String())
	case <-time.After(hangGuard):
		t.Fatal("callbacks serve printed no listening line")
	}
	return run
}

func assertNoCallbackSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{cbAccessSecret, cbELSecret, cbELAuth, "cb-fixed-token-3317", cbAccessKey} {
		assert.NotContains(t, out, s)
	}
}

func allCallbackVars() map[string]string {
	return map[string]string{
		EnvAccessKey:                      cbAccessKey,
		EnvAccessSecret:                   cbAccessSecret,
		EnvEngageLabCallbackSecret:        cbELSecret,
		EnvEngageLabCallbackUsername:      cbELUser,
		EnvEngageLabCallbackAuthorization: cbELAuth,
	}
}

type printedLine struct {
	Vendor  string          `json:"vendor"`
	Kind    string          `json:"kind"`
	BizType string          `json:"bizType"`
	Action  string          `json:"action"`
	Known   *bool           `json:"known"`
	Event   json.RawMessage `json:"event"`
}

func TestCallbacksServe(t *testing.T) {
	run := startCallbacks(t, allCallbackVars())
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	ctx := context.Background()

	// Accepted: one of each vendor's callbacks.
	otaEv := ota.CallbackEvent{RequestID: "b308d94a73f94e6d84ae975c41f4b2a6", Phone: "6282167624806", Status: ota.VerificationStatusSuccess, DrTime: "2021-02-26 10:01:15"}
	require.NoError(t, m.SendOTACallback(ctx, run.url+PathOTACallback, otaEv))
	did := []byte("{\n  \"messageId\": \"fcf3432fd1834ccdac807a7cfb2d1fdf\",\n  \"smsStatus\": \"DELIVRD\"\n}")
	require.NoError(t, m.SendSignedCallback(ctx, run.url+PathNXCloudSigned, cbAccessKey, cbAccessSecret, "4", "dr", did))
	el := mock.EngageLabCallback{Secret: cbELSecret, Username: cbELUser, Authorization: cbELAuth, Payload: otp.CallbackPayload{Total: 2, Rows: []otp.CallbackRow{
		{MessageID: "1725407449772531712", To: "+8613800138000", Server: "otp", Channel: "sms", Itime: 1712458844, Status: &otp.CallbackStatus{MessageStatus: otp.MessageStatusDelivered}},
		{MessageID: "1725407449772531712", Server: "otp", Itime: 1712458845, Status: &otp.CallbackStatus{MessageStatus: "read"}},
	}}}
	require.NoError(t, m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, el))
	require.NoError(t, m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, mock.EngageLabCallback{Raw: []byte(`{}`)}), "the probe")

	// Refused: each is reported on stderr and printed nowhere else.
	refusals := []struct {
		name string
		send func() error
		want string // in stderr
	}{
		{"OTA without drTime", func() error {
			return m.SendOTACallback(ctx, run.url+PathOTACallback+"?x=1", ota.CallbackEvent{RequestID: "r", Phone: "p", Status: "SUCCESS", DrTime: " "})
		}, "refused NXCloud OTA callback from 127.0.0.1:"},
		{"signed with the wrong secret", func() error {
			return m.SendSignedCallback(ctx, run.url+PathNXCloudSigned, cbAccessKey, "guess", "4", "dr", did)
		}, "sign: callback signature does not match"},
		{"signed by another account", func() error {
			return m.SendSignedCallback(ctx, run.url+PathNXCloudSigned, "other-key", cbAccessSecret, "4", "mo", did)
		}, "sign: callback from an unknown access key"},
		{"EngageLab with the wrong secret", func() error {
			bad := el
			bad.Secret = "guess"
			return m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, bad)
		}, "refused EngageLab callback from 127.0.0.1:"},
		{"EngageLab without Authorization", func() error {
			bad := el
			bad.Authorization = ""
			return m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, bad)
		}, "webhook: callback credentials refused: the Authorization header is missing or wrong"},
		{"EngageLab malformed JSON", func() error {
			bad := el
			bad.Raw = []byte(`{"rows":[`)
			return m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, bad)
		}, "webhook: malformed callback: the body is not a JSON object"},
	}
	for _, r := range refusals {
		err := r.send()
		assert.ErrorIs(t, err, mock.ErrCallbackRefused, r.name)
	}

	assert.Equal(t, 0, run.stop())
	stdout, stderr := run.stdout.String(), run.stderr.String()
	assertNoCallbackSecrets(t, stdout)
	assertNoCallbackSecrets(t, stderr)

	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 4, "stdout:\n%s", stdout)
	var got []printedLine
	for _, l := range lines {
		var p printedLine
		require.NoError(t, json.Unmarshal([]byte(l), &p), l)
		got = append(got, p)
	}
	assert.Equal(t, "nxcloud", got[0].Vendor)
	assert.Equal(t, "ota", got[0].Kind)
	assert.JSONEq(t, `{"requestId":"b308d94a73f94e6d84ae975c41f4b2a6","phone":"6282167624806","status":"SUCCESS","drTime":"2021-02-26 10:01:15"}`, string(got[0].Event))

	assert.Equal(t, "nxcloud", got[1].Vendor)
	assert.Equal(t, "signed", got[1].Kind)
	assert.Equal(t, "4", got[1].BizType)
	assert.Equal(t, "dr", got[1].Action)
	assert.JSONEq(t, string(did), string(got[1].Event), "the pretty body printed on one line")

	for i, wantKnown := range []bool{true, false} {
		l := got[2+i]
		assert.Equal(t, "engagelab", l.Vendor)
		assert.Equal(t, "status", l.Kind)
		require.NotNil(t, l.Known)
		assert.Equal(t, wantKnown, *l.Known, "an unknown status is printed, marked unknown")
	}
	assert.Contains(t, string(got[3].Event), `"message_status":"read"`)

	errLines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	assert.Regexp(t, `^callbacks: listening on http://127\.0\.0\.1:\d+ `, errLines[0])
	for _, r := range refusals {
		assert.Contains(t, stderr, r.want, r.name)
	}
	assert.Equal(t, len(refusals), strings.Count(stderr, "callbacks: refused "), stderr)
}

func TestCallbacksServeWithoutCredentials(t *testing.T) {
	run := startCallbacks(t, nil)
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	ctx := context.Background()

	err = m.SendSignedCallback(ctx, run.url+PathNXCloudSigned, "k", "s", "4", "dr", []byte(`{}`))
	require.ErrorIs(t, err, mock.ErrCallbackRefused)
	assert.Contains(t, err.Error(), "HTTP 404", "the path is off")

	// Without EngageLab credentials any delivery is taken, with a warning at start.
	require.NoError(t, m.SendEngageLabCallback(ctx, run.url+PathEngageLabCallback, mock.EngageLabCallback{
		Raw: []byte(`{"total":1,"rows":[{"message_id":"m","notification":{"event":"insufficient_balance"}}]}`),
	}))
	assert.Equal(t, 0, run.stop())
	assert.Contains(t, run.stderr.String(), "NXCloud signed callbacks off: set NXCLOUD_ACCESS_KEY and NXCLOUD_ACCESS_SECRET")
	assert.Contains(t, run.stderr.String(), "NOT authenticated")
	assert.JSONEq(t, `{"vendor":"engagelab","kind":"notification","known":true,"event":{"message_id":"m","notification":{"event":"insufficient_balance"}}}`, run.stdout.String())
}

func TestCallbacksServeUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"only the access key", map[string]string{EnvAccessKey: cbAccessKey}, nil, "set both NXCLOUD_ACCESS_KEY and NXCLOUD_ACCESS_SECRET, or neither"},
		{"only the access secret", map[string]string{EnvAccessSecret: cbAccessSecret}, nil, "set both"},
		{"zero window", nil, []string{"--nxcloud-window", "0s"}, "--nxcloud-window must be positive"},
		{"negative max age", nil, []string{"--engagelab-max-age", "-1s"}, "--engagelab-max-age must not be negative"},
		{"bad address", nil, []string{"--addr", "127.0.0.1:notaport"}, "cannot listen on 127.0.0.1:notaport"},
		{"stray argument", nil, []string{"extra"}, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return tt.vars[k] }}
			code := Run(context.Background(), append([]string{"callbacks", "serve", "--addr", "127.0.0.1:0"}, tt.args...), env)
			assert.Equal(t, ExitUsage, code)
			assert.Contains(t, stderr.String(), tt.want)
			assert.Empty(t, stdout.String())
			assertNoCallbackSecrets(t, stderr.String())
		})
	}
}

// TestCallbacksServeSpecCallbacks: every callback a spec declares has a
// route, takes its example from the mock, prints it as one line, and
// refuses one that lacks a required field.
func TestCallbacksServeSpecCallbacks(t *testing.T) {
	routes, err := specCallbackRoutes()
	require.NoError(t, err)
	require.NotEmpty(t, routes)
	// With the mock's account, so that the signed spec callbacks (the DID
	// SMS push) are served and verified too.
	run := startCallbacks(t, map[string]string{EnvAccessKey: mock.DefaultAccessKey, EnvAccessSecret: mock.DefaultAccessSecret})
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	ctx := context.Background()
	for _, r := range routes {
		example, ok := r.cb.Schema.Example.(map[string]any)
		require.True(t, ok, "%s needs an example", r.path)
		require.NoError(t, m.SendCallback(ctx, run.url+r.path, r.cb.Doc.Name, r.cb.Name, example), r.path)
		require.NotEmpty(t, r.cb.Schema.Required, r.path)
		resp, err := http.PostForm(run.url+r.path, url.Values{"unrelated": {"1"}})
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.NotEqual(t, http.StatusOK, resp.StatusCode, "%s takes a callback without its required fields", r.path)
	}
	assert.Equal(t, 0, run.stop())

	lines := strings.Split(strings.TrimSuffix(run.stdout.String(), "\n"), "\n")
	require.Len(t, lines, len(routes), run.stdout.String())
	for i, r := range routes {
		var p printedLine
		require.NoError(t, json.Unmarshal([]byte(lines[i]), &p), lines[i])
		assert.Equal(t, r.vendor, p.Vendor)
		assert.Equal(t, r.kind, p.Kind)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(p.Event, &ev))
		for k := range r.cb.Schema.Example.(map[string]any) {
			assert.Contains(t, ev, k, r.path)
		}
		assert.Contains(t, run.stderr.String(), "on POST "+r.path)
	}
	assert.Equal(t, len(routes), strings.Count(run.stderr.String(), "callbacks: refused "), run.stderr.String())
	assert.Contains(t, run.stderr.String(), "/nxcloud/sms/delivery-receipt")
}
