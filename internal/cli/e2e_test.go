package cli_test

// End-to-end tests of the verikit binary: TestMain builds ./cmd/verikit once,
// and every test execs it with a minimal environment against a mock server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/internal/cli"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// verikitBin is the binary TestMain built.
var verikitBin string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "go.mod"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cli tests: cannot find the module root from the test's directory: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "verikit-cli-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "cli tests: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	verikitBin = filepath.Join(dir, "verikit")
	build := exec.Command("go", "build", "-o", verikitBin, "./cmd/verikit")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "cli tests: go build ./cmd/verikit: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// Secrets the tests hand to the binary or to the mocks. None may ever show
// up in what the binary prints.
const (
	wrongAccessSecret  = "wrong-access-secret-5be1f0"
	wrongDevSecret     = "wrong-dev-secret-77d2c4"
	vectorSecret       = "abciiiko2k3" // the signing fact sheet's secret
	customAccessSecret = "custom-access-secret-0a9e"
	customDevSecret    = "custom-dev-secret-3f61"
)

var secrets = []string{
	mock.DefaultAccessSecret, mock.DefaultDevSecret,
	wrongAccessSecret, wrongDevSecret, vectorSecret,
	customAccessSecret, customDevSecret,
	// EngageLab's Authorization header carries the pair in base64.
	base64.StdEncoding.EncodeToString([]byte(mock.DefaultDevKey + ":" + mock.DefaultDevSecret)),
	base64.StdEncoding.EncodeToString([]byte(mock.DefaultDevKey + ":" + wrongDevSecret)),
}

// assertNoSecrets checks one invocation's output. Every helper that runs
// the binary calls it, so it covers every case of this file.
func assertNoSecrets(t *testing.T, output string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, output, s, "a secret was printed")
	}
}

// result is what one run of the binary produced.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// commandEnv is a minimal environment: PATH, HOME and the given variables,
// so real NXCLOUD_* / ENGAGELAB_* variables of the developer never leak in.
func commandEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// runLimit only keeps a hung binary from hanging the test run; it is far
// above what any command needs and nothing asserts on durations.
const runLimit = 2 * time.Minute

// run execs the binary with stdin and the environment vars.
func run(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, verikitBin, args...)
	cmd.Env = commandEnv(vars)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "verikit %q did not finish", args)
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.code = exitErr.ExitCode()
	default:
		require.NoError(t, err, "running verikit %q", args)
	}
	assertNoSecrets(t, r.stdout+r.stderr)
	return r
}

// nxEnv and elEnv are the credential variables of each vendor.
func nxEnv(key, secret string) map[string]string {
	return map[string]string{"NXCLOUD_ACCESS_KEY": key, "NXCLOUD_ACCESS_SECRET": secret}
}

func elEnv(key, secret string) map[string]string {
	return map[string]string{"ENGAGELAB_DEV_KEY": key, "ENGAGELAB_DEV_SECRET": secret}
}

// defaultCreds has the mock's default credentials for both vendors.
func defaultCreds() map[string]string {
	env := nxEnv(mock.DefaultAccessKey, mock.DefaultAccessSecret)
	for k, v := range elEnv(mock.DefaultDevKey, mock.DefaultDevSecret) {
		env[k] = v
	}
	return env
}

// envelope is NXCloud's answer on the wire, as postRaw reads it. The CLI
// prints only its data (payloadOnly checks that).
type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "stdout is not the expected JSON:\n%s", r)
	return v
}

// payloadOnly checks that an NXCloud command printed the envelope's data,
// not the envelope: a JSON object without the envelope's code, msg and data
// fields, and decodes it.
func payloadOnly[T any](t *testing.T, r result) T {
	t.Helper()
	fields := decode[map[string]json.RawMessage](t, r)
	for _, k := range []string{"code", "msg", "message", "data"} {
		assert.NotContains(t, fields, k, "the envelope was printed, not its data:\n%s", r)
	}
	return decode[T](t, r)
}

// assertNothingReturned checks what an operation whose success carries
// nothing prints: an empty JSON object.
func assertNothingReturned(t *testing.T, r result, msgAndArgs ...any) {
	t.Helper()
	assert.JSONEq(t, `{}`, r.stdout, msgAndArgs...)
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func initArgs(base string, extra ...string) []string {
	args := append([]string{"--base-url", base}, extra...)
	return append(args, "nxcloud", "ota", "init", "--appkey", "a", "--phone", "8615800001795", "--user-ip", "203.0.113.7")
}

func TestOTAInitThenVerify(t *testing.T) {
	m := mock.Start(t)
	env := nxEnv(m.AccessKey, m.AccessSecret)

	r := run(t, env, "", initArgs(m.URL)...)
	require.Equal(t, 0, r.code, r)
	init := payloadOnly[ota.InitResult](t, r)
	require.Regexp(t, requestIDPattern, init.RequestID)
	assert.Contains(t, init.URL, init.RequestID)
	assert.Empty(t, r.stderr)

	tests := []struct {
		name     string
		global   []string // flags before the vendor command
		appkey   string
		wantCode int
		wantErr  string
	}{
		{name: "md5 by default", appkey: "a"},
		{name: "md5 named", global: []string{"--sign-algorithm", "md5"}, appkey: "a"},
		{name: "sha256", global: []string{"--sign-algorithm", "sha256"}, appkey: "a"},
		{name: "sha256 in upper case", global: []string{"--sign-algorithm", "SHA256"}, appkey: "a"},
		{name: "another app's request id", appkey: "b", wantCode: 1, wantErr: "code 2205"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--base-url", m.URL, "nxcloud"}, tt.global...)
			args = append(args, "ota", "verify", "--appkey", tt.appkey, "--request-id", init.RequestID)
			r := run(t, env, "", args...)
			require.Equal(t, tt.wantCode, r.code, r)
			if tt.wantCode != 0 {
				assert.Contains(t, r.stderr, tt.wantErr)
				assert.Empty(t, r.stdout)
				return
			}
			v := payloadOnly[ota.VerifyResult](t, r)
			assert.Equal(t, ota.VerificationStatusSuccess, v.Status)
			assert.Equal(t, init.RequestID, v.RequestID)
		})
	}
}

// TestWhatsAppRegistration walks the embedded registration: login, a code
// by SMS (MD5) or voice (SHA-256), a wrong code, the right one, the code
// used up, then the client, an app and the phone list.
func TestWhatsAppRegistration(t *testing.T) {
	m := mock.Start(t)
	env := nxEnv(m.AccessKey, m.AccessSecret)
	for _, alg := range []string{"md5", "sha256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			phone := map[string]string{"md5": "8618500000001", "sha256": "8618500000002"}[alg]
			wa := func(args ...string) result {
				return run(t, env, "", append([]string{"--base-url", m.URL, "nxcloud", "--sign-algorithm", alg, "wa"}, args...)...)
			}
			r := wa("login")
			require.Equal(t, 0, r.code, r)
			assert.NotEmpty(t, payloadOnly[waintegrator.LoginResult](t, r).Token, r)

			r = wa("check-code", "--phone-number", phone, "--code", mock.DefaultWhatsAppCode)
			require.Equal(t, 1, r.code, "no code was requested yet: %s", r)
			assert.Contains(t, r.stderr, "code -1")

			method := map[string]string{"md5": "sms", "sha256": "voice"}[alg]
			r = wa("get-code", "--phone-number", phone, "--method", method)
			require.Equal(t, 0, r.code, r)
			assertNothingReturned(t, r)

			steps := []struct {
				code     string
				wantExit int
				wantErr  string
			}{
				{code: "0000", wantExit: 1, wantErr: "code -1"},
				{code: mock.DefaultWhatsAppCode},
				{code: mock.DefaultWhatsAppCode, wantExit: 1, wantErr: "code -1"}, // used up
			}
			for i, s := range steps {
				r := wa("check-code", "--phone-number", phone, "--code", s.code)
				require.Equal(t, s.wantExit, r.code, "step %d: %s", i, r)
				if s.wantExit != 0 {
					assert.Contains(t, r.stderr, s.wantErr, "step %d", i)
					assert.Empty(t, r.stdout, "step %d", i)
					continue
				}
				assertNothingReturned(t, r, "step %d", i)
			}

			r = wa("create-client", "--phone-number", phone)
			require.Equal(t, 0, r.code, r)
			assertNothingReturned(t, r)
			r = wa("create-app", "--app-name", "demo "+alg, "--webhook", "https://example.com/wa")
			require.Equal(t, 0, r.code, r)
			app := payloadOnly[waintegrator.CreateAppResult](t, r)
			require.NotEmpty(t, app.AppKey, r)
			assert.Equal(t, "demo "+alg, app.AppName)
			r = wa("phone-list", "--appkey", app.AppKey)
			require.Equal(t, 0, r.code, r)
			phones := decode[[]waintegrator.PhoneNumber](t, r) // the data array, not the envelope
			require.NotEmpty(t, phones, r)
			assert.Contains(t, r.stdout, phone)

			r = wa("phone-list", "--appkey", "no-such-app")
			require.Equal(t, 1, r.code, r)
			assert.Contains(t, r.stderr, "code 9008")
		})
	}
}

// TestEngageLabSendVerifyAndTemplates sends a code and verifies it, then
// runs a template through create, list, get and delete; the template id
// travels as a path parameter (--template-id).
func TestEngageLabSendVerifyAndTemplates(t *testing.T) {
	m := mock.Start(t)
	env := elEnv(m.DevKey, m.DevSecret)
	otp := func(args ...string) result {
		return run(t, env, "", append([]string{"--base-url", m.URL, "engagelab", "otp"}, args...)...)
	}

	r := otp("send-message", "--to", "+8613800138000", "--template", `{"id":"`+mock.DefaultOTPTemplateID+`"}`)
	require.Equal(t, 0, r.code, r)
	sent := decode[struct {
		MessageID string `json:"message_id"`
	}](t, r)
	require.NotEmpty(t, sent.MessageID, r)

	r = otp("send-message", "--to", "+8613800138000", "--template", `{"id":"`+mock.DefaultOTPTemplateID+`"}`)
	require.Equal(t, 1, r.code, "a live code exists: %s", r)
	assert.Contains(t, r.stderr, "3004")

	r = otp("verify", "--message-id", sent.MessageID, "--verify-code", mock.DefaultOTPCode)
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stdout, `"verified": true`)

	const id = "cli-e2e-template"
	// nothing is what create-template and delete-template print: their
	// success carries no payload (x-success payload: null).
	const nothing = "{}"
	steps := []struct {
		args     []string
		wantExit int
		want     string // in stdout on success (all of it for nothing), in stderr on failure
	}{
		{[]string{"create-template", "--template-id", id, "--send-channel-strategy", "sms",
			"--verify-code-config", `{"verify_code_type":1,"verify_code_len":6,"verify_code_ttl":5}`,
			"--sms-config", `{"template_type":1}`}, 0, nothing},
		{[]string{"list-templates"}, 0, `"template_id": "` + id + `"`},
		{[]string{"get-template", "--template-id", id}, 0, `"template_id": "` + id + `"`},
		{[]string{"delete-template", "--template-id", id}, 0, nothing},
		{[]string{"get-template", "--template-id", id}, 1, "code 4001"},
		{[]string{"delete-template", "--template-id", id}, 1, "code 4001"},
		{[]string{"get-template", "--template-id", ""}, 2, "--template-id"},
		{[]string{"create-template", "--template-id", id, "--send-channel-strategy", "sms",
			"--verify-code-config", `{"verify_code_type":1,"verify_code_len":11,"verify_code_ttl":5}`}, 2, "verify_code_len: number must be at most 10"},
	}
	for i, s := range steps {
		r := otp(s.args...)
		require.Equal(t, s.wantExit, r.code, "step %d %v: %s", i, s.args, r)
		if s.wantExit != 0 {
			assert.Contains(t, r.stderr, s.want, "step %d", i)
			continue
		}
		if s.want == nothing {
			assertNothingReturned(t, r, "step %d", i)
			continue
		}
		assert.Contains(t, r.stdout, s.want, "step %d", i)
	}
}

func TestEngageLabOTPVerifiesOnce(t *testing.T) {
	m := mock.Start(t)
	m.AddOTPMessage("m1", "123456")
	env := elEnv(m.DevKey, m.DevSecret)
	// The steps share the message's state, so they run in order.
	steps := []struct {
		name         string
		code         string
		wantExit     int
		wantVerified bool
		wantErr      string
	}{
		{name: "wrong code", code: "000000", wantExit: 0, wantVerified: false},
		{name: "right code", code: "123456", wantExit: 0, wantVerified: true},
		{name: "again after success", code: "123456", wantExit: 1, wantErr: "3003"},
	}
	for _, s := range steps {
		r := run(t, env, "", "--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", "m1", "--verify-code", s.code)
		require.Equal(t, s.wantExit, r.code, "%s: %s", s.name, r)
		if s.wantExit != 0 {
			assert.Contains(t, r.stderr, s.wantErr, s.name)
			assert.Empty(t, r.stdout, s.name)
			continue
		}
		v := decode[struct {
			MessageID string `json:"message_id"`
			Verified  *bool  `json:"verified"`
		}](t, r)
		require.NotNil(t, v.Verified, "%s: no verified field: %s", s.name, r)
		assert.Equal(t, s.wantVerified, *v.Verified, s.name)
		assert.Equal(t, "m1", v.MessageID, s.name)
	}
}

// TestRejectionCodes reaches each rejection the mock produces for a
// correctly signing client through the CLI.
func TestRejectionCodes(t *testing.T) {
	m := mock.Start(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"1003 wrong access secret", nxEnv(m.AccessKey, wrongAccessSecret), initArgs(m.URL), "code 1003"},
		{"1003 wrong access secret, sha256", nxEnv(m.AccessKey, wrongAccessSecret),
			[]string{"--base-url", m.URL, "nxcloud", "--sign-algorithm", "sha256", "ota", "init",
				"--appkey", "a", "--phone", "8615800001795", "--user-ip", "203.0.113.7"}, "code 1003"},
		{"1005 unknown access key", nxEnv("no-such-key", m.AccessSecret), initArgs(m.URL), "code 1005"},
		{"2205 unknown request id", nxEnv(m.AccessKey, m.AccessSecret),
			[]string{"--base-url", m.URL, "nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "00000000000000000000000000000000"}, "code 2205"},
		{"2001 wrong dev secret", elEnv(m.DevKey, wrongDevSecret),
			[]string{"--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", "m1", "--verify-code", "1"}, "code 2001"},
		{"2001 unknown dev key", elEnv("no-such-dev-key", m.DevSecret),
			[]string{"--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", "m1", "--verify-code", "1"}, "code 2001"},
		{"4001 unknown message", elEnv(m.DevKey, m.DevSecret),
			[]string{"--base-url", m.URL, "engagelab", "otp", "verify", "--message-id", "no-such-message", "--verify-code", "1"}, "code 4001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tt.env, "", tt.args...)
			require.Equal(t, 1, r.code, r)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, r.stdout)
		})
	}
}

// TestSigningLayerCodesRaw covers 1001, 1002 and 1004, which the CLI cannot
// produce because it always signs correctly, with hand-signed requests to
// the mock. The first case checks the hand signing itself.
func TestSigningLayerCodesRaw(t *testing.T) {
	m := mock.Start(t)
	body := []byte(`{"appkey":"a","phone":"8615800001795","userIp":"203.0.113.7"}`)
	now := time.Now().UnixMilli()
	tests := []struct {
		name    string
		ts      int64
		bizType string
		action  string
		drop    string // a header to leave out
		want    int
	}{
		{name: "correct", ts: now, bizType: "6", action: "init", want: 0},
		{name: "1001 no sign header", ts: now, bizType: "6", action: "init", drop: sign.HeaderSign, want: 1001},
		{name: "1001 no ts header", ts: now, bizType: "6", action: "init", drop: sign.HeaderTS, want: 1001},
		{name: "1002 other action", ts: now, bizType: "6", action: "verify", want: 1002},
		{name: "1002 other bizType", ts: now, bizType: "2", action: "init", want: 1002},
		{name: "1004 ts ten minutes old", ts: now - 10*60*1000, bizType: "6", action: "init", want: 1004},
		{name: "1004 ts ten minutes ahead", ts: now + 10*60*1000, bizType: "6", action: "init", want: 1004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sign.Params{AccessKey: m.AccessKey, TS: fmt.Sprint(tt.ts), BizType: tt.bizType, Action: tt.action}
			sig, err := sign.Sign(sign.MD5, p, body, m.AccessSecret)
			require.NoError(t, err)
			h := http.Header{"Content-Type": {"application/json"}}
			for name, v := range map[string]string{
				sign.HeaderAccessKey: p.AccessKey, sign.HeaderTS: p.TS, sign.HeaderBizType: p.BizType,
				sign.HeaderAction: p.Action, sign.HeaderSign: sig,
			} {
				if name != tt.drop {
					h[name] = []string{v}
				}
			}
			assert.Equal(t, tt.want, postRaw(t, m.URL+"/api/ota/init", h, body).Code)
		})
	}
}

// postRaw sends body with exactly the header h and decodes the envelope.
func postRaw(t *testing.T, url string, h http.Header, body []byte) envelope {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var env envelope
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return env
}

// recorded is one request a recordingMock saw, as it arrived.
type recorded struct {
	path   string
	header http.Header
	body   []byte
}

// recordingMock is a mock server that keeps every request it receives.
type recordingMock struct {
	URL string
	mu  sync.Mutex
	log []recorded
}

func startRecordingMock(t *testing.T) *recordingMock {
	t.Helper()
	s, err := mock.New(mock.Config{OnInvalidResponse: func(op string, err error) {
		t.Errorf("mock: %s sent a response its spec does not allow: %v", op, err)
	}})
	require.NoError(t, err)
	rm := &recordingMock{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rm.mu.Lock()
		rm.log = append(rm.log, recorded{path: r.URL.Path, header: r.Header.Clone(), body: body})
		rm.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rm.URL = srv.URL
	return rm
}

func (rm *recordingMock) requests() []recorded {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return append([]recorded(nil), rm.log...)
}

// TestSignCommandMatchesClient checks that `verikit sign`, given the bytes
// and headers the client actually sent, prints the signature the client
// sent (which the mock accepted).
func TestSignCommandMatchesClient(t *testing.T) {
	for _, alg := range []string{"md5", "sha256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			rm := startRecordingMock(t)
			env := nxEnv(mock.DefaultAccessKey, mock.DefaultAccessSecret)
			r := run(t, env, "", "--base-url", rm.URL, "nxcloud", "--sign-algorithm", alg,
				"ota", "init", "--appkey", "a", "--phone", "8615800001795", "--user-ip", "203.0.113.7")
			require.Equal(t, 0, r.code, r)
			id := payloadOnly[ota.InitResult](t, r).RequestID
			r = run(t, env, "", "--base-url", rm.URL, "nxcloud", "--sign-algorithm", alg,
				"ota", "verify", "--appkey", "a", "--request-id", id)
			require.Equal(t, 0, r.code, r)

			reqs := rm.requests()
			require.Len(t, reqs, 2)
			for _, req := range reqs {
				h := func(name string) string { return sign.HeaderValue(req.header, name) }
				if alg == "sha256" {
					assert.Equal(t, "sha256", h(sign.HeaderAlgorithm), req.path)
				} else {
					assert.Empty(t, h(sign.HeaderAlgorithm), req.path)
				}
				out := run(t, map[string]string{"NXCLOUD_ACCESS_SECRET": mock.DefaultAccessSecret}, string(req.body),
					"sign", "--algorithm", alg, "--access-key", h(sign.HeaderAccessKey), "--ts", h(sign.HeaderTS),
					"--biz-type", h(sign.HeaderBizType), "--action", h(sign.HeaderAction))
				require.Equal(t, 0, out.code, out)
				assert.Contains(t, out.stdout, "sign: "+h(sign.HeaderSign)+"\n", req.path)
				assert.Contains(t, out.stdout, "&body="+string(req.body)+"&accessSecret=********\n", req.path)
				assert.Empty(t, out.stderr, req.path)
			}
		})
	}
}

// TestUsageErrors runs each usage error against its own recording mock and
// checks that nothing reached it.
func TestUsageErrors(t *testing.T) {
	all := defaultCreds
	without := func(name string) map[string]string {
		env := all()
		delete(env, name)
		return env
	}
	empty := func(name string) map[string]string {
		env := all()
		env[name] = ""
		return env
	}
	otp := []string{"engagelab", "otp", "verify", "--message-id", "m1", "--verify-code", "1"}
	ota := []string{"nxcloud", "ota", "init", "--appkey", "a", "--phone", "8615800001795", "--user-ip", "203.0.113.7"}
	with := func(base []string, extra ...string) []string { return append(append([]string{}, base...), extra...) }

	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string // substrings of stderr
	}{
		{"no NXCLOUD_ACCESS_KEY", without("NXCLOUD_ACCESS_KEY"), ota, []string{"NXCLOUD_ACCESS_KEY"}},
		{"no NXCLOUD_ACCESS_SECRET", without("NXCLOUD_ACCESS_SECRET"), ota, []string{"NXCLOUD_ACCESS_SECRET"}},
		{"no ENGAGELAB_DEV_KEY", without("ENGAGELAB_DEV_KEY"), otp, []string{"ENGAGELAB_DEV_KEY"}},
		{"no ENGAGELAB_DEV_SECRET", without("ENGAGELAB_DEV_SECRET"), otp, []string{"ENGAGELAB_DEV_SECRET"}},
		{"empty ENGAGELAB_DEV_KEY", empty("ENGAGELAB_DEV_KEY"), otp, []string{"ENGAGELAB_DEV_KEY"}},
		{"empty NXCLOUD_ACCESS_SECRET", empty("NXCLOUD_ACCESS_SECRET"), ota, []string{"NXCLOUD_ACCESS_SECRET"}},
		{"missing --phone", all(), []string{"nxcloud", "ota", "init", "--appkey", "a", "--user-ip", "203.0.113.7"}, []string{`"phone"`}},
		{"missing --request-id", all(), []string{"nxcloud", "ota", "verify", "--appkey", "a"}, []string{`"request-id"`}},
		{"missing --code", all(), []string{"nxcloud", "wa", "check-code", "--phone-number", "1"}, []string{`"code"`}},
		{"missing both otp flags", all(), []string{"engagelab", "otp", "verify"}, []string{`"message-id"`, `"verify-code"`}},
		{"empty --phone", all(), []string{"nxcloud", "ota", "init", "--appkey", "a", "--phone", "", "--user-ip", "203.0.113.7"},
			[]string{"phone: must not be empty", "nothing was sent"}},
		{"empty --verify-code", all(), with(otp[:5], "--verify-code", ""), []string{"verify_code: must not be empty", "nothing was sent"}},
		{"unknown top-level command", all(), []string{"bogus"}, []string{`unknown command "bogus"`}},
		{"unknown vendor subcommand", all(), []string{"nxcloud", "bogus"}, []string{`unknown command "bogus"`}},
		{"unknown operation", all(), []string{"nxcloud", "ota", "initx"}, []string{`unknown command "initx"`}},
		{"stray argument", all(), with(ota, "extra"), []string{`"extra"`}},
		{"unknown flag", all(), with(ota, "--bogus"), []string{"unknown flag: --bogus"}},
		{"flag of another operation", all(), with(ota, "--phone-number", "1"), []string{"--phone-number"}},
		{"sign algorithm crc32", all(), with([]string{"nxcloud", "--sign-algorithm", "crc32"}, ota[1:]...), []string{"crc32"}},
		{"sign algorithm on engagelab", all(), with([]string{"engagelab", "--sign-algorithm", "md5"}, otp[1:]...), []string{"--sign-algorithm"}},
		{"base URL not http", all(), with([]string{"--base-url", "ftp://x"}, ota...), []string{"ftp://x"}},
		{"timeout not a duration", all(), with([]string{"--timeout", "abc"}, ota...), []string{"--timeout"}},
		{"negative timeout", all(), with([]string{"--timeout", "-1s"}, ota...), []string{"timeout"}},
		{"max attempts not a number", all(), with([]string{"--max-attempts", "abc"}, ota...), []string{"--max-attempts"}},
		{"max attempts zero", all(), with([]string{"--max-attempts", "0"}, ota...), []string{"attempts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rm := startRecordingMock(t)
			r := run(t, tt.env, "", with([]string{"--base-url", rm.URL}, tt.args...)...)
			require.Equal(t, 2, r.code, r)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.True(t, strings.HasPrefix(r.stderr, "error: "), "stderr: %q", r.stderr)
			assert.Empty(t, r.stdout)
			assert.Empty(t, rm.requests(), "a usage error sent a request")
		})
	}
}

func TestTransportError(t *testing.T) {
	env := nxEnv(mock.DefaultAccessKey, mock.DefaultAccessSecret)
	tests := []struct {
		name string
		args []string
	}{
		{"unsafe operation (no retry)", initArgs("http://127.0.0.1:1")},
		{"safe operation, one attempt", []string{"--base-url", "http://127.0.0.1:1", "--max-attempts", "1",
			"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, env, "", tt.args...)
			require.Equal(t, 1, r.code, r)
			assert.Contains(t, r.stderr, "127.0.0.1:1")
			assert.Empty(t, r.stdout)
		})
	}
}

// TestDebugLogsMaskCredentials runs calls with --debug-bodies: the log
// shows up on stderr, and the output check of run() finds no secret.
func TestDebugLogsMaskCredentials(t *testing.T) {
	m := mock.Start(t)
	m.AddOTPMessage("m1", "123456")
	tests := []struct {
		name     string
		args     []string
		wantExit int
	}{
		{"nxcloud", initArgs(m.URL, "--debug", "--debug-bodies"), 0},
		{"nxcloud sha256", []string{"--base-url", m.URL, "--debug-bodies", "nxcloud", "--sign-algorithm", "sha256",
			"wa", "get-code", "--phone-number", "1", "--method", "sms"}, 0},
		{"engagelab", []string{"--base-url", m.URL, "--debug", "--debug-bodies", "engagelab", "otp", "verify",
			"--message-id", "m1", "--verify-code", "000000"}, 0},
		{"engagelab failure", []string{"--base-url", m.URL, "--debug", "--debug-bodies", "engagelab", "otp", "verify",
			"--message-id", "nope", "--verify-code", "000000"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, defaultCreds(), "", tt.args...)
			require.Equal(t, tt.wantExit, r.code, r)
			assert.Contains(t, r.stderr, "verikit request")
		})
	}
}

func TestSignCommand(t *testing.T) {
	const (
		vector     = `{"name":"牛小信","id":10001}`
		headersStr = "accessKey=fme2na3kdi3ki&action=send&bizType=1&ts=1655710885431"
	)
	secret := map[string]string{"NXCLOUD_ACCESS_SECRET": vectorSecret}
	vectorArgs := []string{"sign", "--access-key", "fme2na3kdi3ki", "--ts", "1655710885431", "--biz-type", "1", "--action", "send"}
	with := func(extra ...string) []string { return append(append([]string{}, vectorArgs...), extra...) }
	tests := []struct {
		name       string
		env        map[string]string
		stdin      string
		args       []string
		wantExit   int
		wantStdout []string
		wantStderr []string
	}{
		{name: "documented vector", env: secret, stdin: vector, args: vectorArgs, wantStdout: []string{
			"string-to-sign: " + headersStr + "&body=" + vector + "&accessSecret=********\n",
			"algorithm: md5\n", "ts: 1655710885431\n", "sign: 87c3560d3331ae23f1021e2025722354\n"}},
		{name: "keys in the other order", env: secret, stdin: `{"id":10001,"name":"牛小信"}`, args: vectorArgs,
			wantStdout: []string{"sign: 7750759da06333f20d0640be09355e34\n"}},
		{name: "with spaces", env: secret, stdin: `{"id": 10001, "name": "牛小信"}`, args: vectorArgs,
			wantStdout: []string{"sign: d0c24a9886c629330d7f3f2056c65bc2\n"}},
		{name: "sha256", env: secret, stdin: vector, args: with("--algorithm", "sha256"), wantStdout: []string{
			"algorithm: sha256\n", "sign: e0eec2c99ef80f269a82795e2223f618ebfc0616c8b6c8c7d438021ec38ad0eb\n"}},
		{name: "sha256, other order", env: secret, stdin: `{"id":10001,"name":"牛小信"}`, args: with("--algorithm", "sha256"),
			wantStdout: []string{"sign: d04863619d46121592cdb312ec0a91c148a1f5daea64930ad0e1fb31a04dc808\n"}},
		{name: "empty body", env: secret, stdin: "", args: vectorArgs, wantStdout: []string{
			"string-to-sign: " + headersStr + "&accessSecret=********\n", "sign: 884afe159e39b6c88a0d6102ca97d704\n"}},
		{name: "empty body, sha256", env: secret, stdin: "", args: with("--algorithm", "sha256"),
			wantStdout: []string{"sign: 921e82155cc02cdf78da934307c33cdca3f412d35ddb5b965482a2e029e900f4\n"}},
		{name: "trailing newline is signed, with a note", env: secret, stdin: vector + "\n", args: vectorArgs,
			wantStdout: []string{"&body=" + vector + "\n&accessSecret=********\n"}, wantStderr: []string{"note:", "newline"}},
		{name: "no secret", env: nil, stdin: vector, args: vectorArgs, wantExit: 2, wantStderr: []string{"NXCLOUD_ACCESS_SECRET"}},
		{name: "ts not a number", env: secret, stdin: vector, args: with("--ts", "abc"), wantExit: 2, wantStderr: []string{"--ts", `"abc"`}},
		{name: "unknown algorithm", env: secret, stdin: vector, args: with("--algorithm", "crc32"), wantExit: 2, wantStderr: []string{"crc32"}},
		{name: "no --action", env: secret, stdin: vector, args: vectorArgs[:len(vectorArgs)-2], wantExit: 2, wantStderr: []string{`"action"`}},
		{name: "stray argument", env: secret, stdin: vector, args: with("extra"), wantExit: 2, wantStderr: []string{`"extra"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tt.env, tt.stdin, tt.args...)
			require.Equal(t, tt.wantExit, r.code, r)
			for _, w := range tt.wantStdout {
				assert.Contains(t, r.stdout, w)
			}
			for _, w := range tt.wantStderr {
				assert.Contains(t, r.stderr, w)
			}
			if tt.wantExit != 0 {
				assert.Empty(t, r.stdout)
			}
			if len(tt.wantStderr) == 0 {
				assert.Empty(t, r.stderr)
			}
		})
	}

	t.Run("ts defaults to now", func(t *testing.T) {
		t.Parallel()
		r := run(t, secret, vector, "sign", "--access-key", "k", "--biz-type", "6", "--action", "init")
		require.Equal(t, 0, r.code, r)
		assert.Regexp(t, `(?m)^ts: \d{13}$`, r.stdout)
		assert.Regexp(t, `(?m)^sign: [0-9a-f]{32}$`, r.stdout)
	})
}

func TestDemo(t *testing.T) {
	r := run(t, nil, "", "demo")
	require.Equal(t, 0, r.code, r)
	assert.Contains(t, r.stderr, "behaved as expected")
	assert.NotContains(t, r.stderr, "FAIL")
	assert.Empty(t, r.stdout)
	paths := cli.CommandPaths()
	require.NotEmpty(t, paths)
	for _, p := range paths { // every operation of every spec, in a flow or the sweep
		assert.Contains(t, r.stderr, "  ok   "+p+" ", "the demo never calls %s", p)
	}
	kinds, err := cli.CallbackKinds()
	require.NoError(t, err)
	require.NotEmpty(t, kinds)
	for _, k := range kinds { // every callback a spec declares
		assert.Contains(t, r.stderr, "  ok   "+k+" callback", "the demo never delivers %s", k)
	}
	assert.NotContains(t, r.stderr, "mock-email-appkey", "an echoed application key prints as ***")
}

func TestSpecsCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		return p
	}
	good, err := specs.Raw("engagelab/otp")
	require.NoError(t, err)
	require.Contains(t, string(good), "x-retry-class:")
	goodPath := write("good.yaml", good)
	brokenPath := write("broken.yaml", []byte("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n"))
	noRetryClass := write("no-retry-class.yaml", bytes.ReplaceAll(good, []byte("x-retry-class:"), []byte("x-retry-klass:")))
	notYAML := write("not-yaml.yaml", []byte("{{{"))

	tests := []struct {
		name     string
		args     []string
		wantExit int
		want     []string
	}{
		{name: "embedded specs", wantExit: 0},
		{name: "a good file", args: []string{goodPath}, want: []string{"ok   " + goodPath}},
		{name: "invalid OpenAPI", args: []string{brokenPath}, wantExit: 1, want: []string{"FAIL " + brokenPath}},
		{name: "convention broken", args: []string{noRetryClass}, wantExit: 1, want: []string{"FAIL " + noRetryClass}},
		{name: "not YAML", args: []string{notYAML}, wantExit: 1, want: []string{"FAIL " + notYAML}},
		{name: "good and broken", args: []string{goodPath, brokenPath}, wantExit: 1,
			want: []string{"ok   " + goodPath, "FAIL " + brokenPath}},
	}
	for _, n := range specs.Names() {
		tests[0].want = append(tests[0].want, "ok   "+n+" (")
	}
	require.NotEmpty(t, tests[0].want, "no embedded specs")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, nil, "", append([]string{"specs", "check"}, tt.args...)...)
			require.Equal(t, tt.wantExit, r.code, r)
			for _, w := range tt.want {
				assert.Contains(t, r.stdout, w)
			}
			if tt.wantExit != 0 {
				assert.Contains(t, r.stderr, "failed")
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, "", "specs", "check", filepath.Join(dir, "no-such.yaml"))
		require.Equal(t, 2, r.code, r)
		assert.Contains(t, r.stderr, "no-such.yaml")
	})
}

// servingLine is what `verikit mock` prints once it listens.
var servingLine = regexp.MustCompile(`^mock: serving .* on (http://\S+) `)

// startMockCommand runs `verikit mock` and returns its base URL and a stop
// function that interrupts it and returns its exit code and stderr.
func startMockCommand(t *testing.T, vars map[string]string, args ...string) (string, func() (int, string)) {
	t.Helper()
	cmd := exec.Command(verikitBin, append([]string{"mock", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = commandEnv(vars)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	require.NoError(t, cmd.Start())

	firstLine := make(chan string, 1)
	var rest bytes.Buffer
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stderr)
		first := true
		for sc.Scan() {
			if first {
				firstLine <- sc.Text()
				first = false
			}
			rest.WriteString(sc.Text() + "\n")
		}
		if first {
			close(firstLine)
		}
	}()
	exited := make(chan struct{})
	var waitErr error
	stopped := false
	stop := func() (int, string) {
		if !stopped {
			stopped = true
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
		}
		select {
		case <-exited:
		case <-time.After(runLimit): // a bound against hanging, not an assertion on speed
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("verikit mock did not stop on SIGINT")
		}
		out := rest.String() + stdout.String()
		assertNoSecrets(t, out)
		code := 0
		var exitErr *exec.ExitError
		if errors.As(waitErr, &exitErr) {
			code = exitErr.ExitCode()
		} else {
			require.NoError(t, waitErr)
		}
		return code, out
	}
	go func() {
		<-readDone // read everything before Wait closes the pipe
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	var line string
	select {
	case line = <-firstLine:
	case <-time.After(runLimit):
		t.Fatalf("verikit mock printed nothing")
	}
	match := servingLine.FindStringSubmatch(line)
	require.NotNil(t, match, "unexpected first line from verikit mock: %q", line)
	return match[1], stop
}

func TestMockCommand(t *testing.T) {
	type step struct {
		args     []string // {id} is replaced by the last requestId printed
		env      map[string]string
		wantExit int
		want     string // in stdout on success ("{}": all of it), in stderr on failure
	}
	defaults := defaultCreds()
	custom := nxEnv("custom-key", customAccessSecret)
	for k, v := range elEnv("custom-dev-key", customDevSecret) {
		custom[k] = v
	}
	otaInit := []string{"nxcloud", "ota", "init", "--appkey", "a", "--phone", "8615800001795", "--user-ip", "203.0.113.7"}
	otp := []string{"engagelab", "otp", "verify", "--message-id", "m", "--verify-code", "1"}
	tests := []struct {
		name    string
		mockEnv map[string]string
		args    []string
		steps   []step
	}{
		{name: "default credentials", steps: []step{
			{args: otaInit, env: defaults, want: `"requestId"`},
			{args: []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "{id}"}, env: defaults, want: `"SUCCESS"`},
			{args: otp, env: defaults, wantExit: 1, want: "code 4001"},
		}},
		{name: "credentials from the environment", mockEnv: custom, steps: []step{
			{args: otaInit, env: custom, want: `"requestId"`},
			{args: otaInit, env: defaults, wantExit: 1, want: "code 1005"},
			{args: otp, env: custom, wantExit: 1, want: "code 4001"},
			{args: otp, env: defaults, wantExit: 1, want: "code 2001"},
		}},
		{name: "flags", args: []string{"--whatsapp-code", "9999", "--ota-status", "PENDING"}, steps: []step{
			{args: []string{"nxcloud", "wa", "get-code", "--phone-number", "1", "--method", "sms"}, env: defaults, want: "{}"},
			{args: []string{"nxcloud", "wa", "check-code", "--phone-number", "1", "--code", mock.DefaultWhatsAppCode}, env: defaults, wantExit: 1, want: "code -1"},
			{args: []string{"nxcloud", "wa", "check-code", "--phone-number", "1", "--code", "9999"}, env: defaults, want: "{}"},
			{args: otaInit, env: defaults, want: `"requestId"`},
			{args: []string{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "{id}"}, env: defaults, want: `"PENDING"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, stop := startMockCommand(t, tt.mockEnv, tt.args...)
			var id string
			for i, s := range tt.steps {
				args := append([]string{"--base-url", url}, s.args...)
				for j, a := range args {
					args[j] = strings.ReplaceAll(a, "{id}", id)
				}
				r := run(t, s.env, "", args...)
				require.Equal(t, s.wantExit, r.code, "step %d: %s", i, r)
				if s.wantExit != 0 {
					assert.Contains(t, r.stderr, s.want, "step %d", i)
					continue
				}
				if s.want == "{}" {
					assertNothingReturned(t, r, "step %d", i)
					continue
				}
				assert.Contains(t, r.stdout, s.want, "step %d", i)
				var res ota.InitResult // what init prints: the envelope's data
				if json.Unmarshal([]byte(r.stdout), &res) == nil && res.RequestID != "" {
					id = res.RequestID
				}
			}
			code, _ := stop()
			assert.Equal(t, 0, code, "verikit mock exit code after SIGINT")
		})
	}

	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		r := run(t, nil, "", "mock", "--addr", l.Addr().String())
		require.Equal(t, 2, r.code, r)
		assert.Contains(t, r.stderr, "cannot listen")
	})
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args      []string
		wantFlags []string
	}{
		{args: []string{"--help"}, wantFlags: []string{"--base-url", "--timeout"}},
		{args: []string{"help"}},
		{args: []string{"nxcloud", "--help"}, wantFlags: []string{"--sign-algorithm"}},
		{args: []string{"nxcloud"}}, // a bare group shows its help
		{args: []string{"engagelab", "--help"}},
		{args: []string{"nxcloud", "ota", "--help"}},
		{args: []string{"nxcloud", "wa", "--help"}},
		{args: []string{"engagelab", "otp", "--help"}},
		{args: []string{"nxcloud", "ota", "init", "--help"}, wantFlags: []string{"--appkey", "--phone", "--user-ip", "--sign-algorithm", "--base-url"}},
		{args: []string{"help", "nxcloud", "ota", "init"}, wantFlags: []string{"--appkey", "--phone", "--user-ip"}},
		{args: []string{"nxcloud", "ota", "verify", "--help"}, wantFlags: []string{"--appkey", "--request-id"}},
		{args: []string{"nxcloud", "wa", "check-code", "--help"}, wantFlags: []string{"--phone-number", "--code"}},
		{args: []string{"engagelab", "otp", "verify", "--help"}, wantFlags: []string{"--message-id", "--verify-code"}},
		{args: []string{"sign", "--help"}, wantFlags: []string{"--access-key", "--ts", "--biz-type", "--action", "--algorithm"}},
		{args: []string{"mock", "--help"}, wantFlags: []string{"--addr", "--whatsapp-code", "--ota-status", "--no-callbacks", "--callback-in"}},
		{args: []string{"demo", "--help"}},
		{args: []string{"specs", "--help"}},
		{args: []string{"specs", "check", "--help"}},
		{args: []string{"-h"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := run(t, nil, "", tt.args...)
			require.Equal(t, 0, r.code, r)
			assert.Contains(t, r.stdout, "Usage:")
			assert.Empty(t, r.stderr)
			for _, f := range tt.wantFlags {
				listed := regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(f) + `\b`)
				assert.Regexp(t, listed, r.stdout, "flag %s not listed", f)
			}
		})
	}
}

// TestOperationHelpShowsFlagTypes checks the value placeholder of each
// operation flag. pflag takes a `back-quoted` word of a flag's usage as its
// placeholder, and the spec descriptions quote field names that way.
func TestOperationHelpShowsFlagTypes(t *testing.T) {
	tests := []struct {
		args  []string
		flags []string
	}{
		{[]string{"nxcloud", "ota", "init"}, []string{"--appkey", "--phone", "--user-ip"}},
		{[]string{"nxcloud", "ota", "verify"}, []string{"--appkey", "--request-id"}},
		{[]string{"nxcloud", "wa", "check-code"}, []string{"--phone-number", "--code"}},
		{[]string{"engagelab", "otp", "verify"}, []string{"--message-id", "--verify-code"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, nil, "", append(tt.args, "--help")...)
			require.Equal(t, 0, r.code, r)
			for _, f := range tt.flags {
				line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + ` (\S+)`).FindStringSubmatch(r.stdout)
				require.NotNil(t, line, "flag %s not listed", f)
				// bodyFields strips the back quotes from the descriptions.
				assert.Equal(t, "string", line[1], "flag %s shows a placeholder taken from its description", f)
			}
		})
	}
}
