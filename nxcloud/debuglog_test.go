package nxcloud_test

// The debug log, bodies included, must never carry a credential: neither
// the secrets, nor the Basic credential, nor a request's signature.

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

const (
	dbgWrongAccessSecret = "dbg-wrong-access-secret-7f3a"
	dbgWrongDevSecret    = "dbg-wrong-dev-secret-91c2"
	dbgOTPMessage        = "dbg-message-1"
	dbgOTPCode           = "667090"
	dbgRequestID         = "989d535f78338411f7de07c028ddee4b"
)

// dbgCapture sits under the SDK's authentication, so it sees each request
// as signed, and records the credentials that went out.
type dbgCapture struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []string // sign and Authorization values
}

func (c *dbgCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if v := sign.HeaderValue(r.Header, sign.HeaderSign); v != "" {
		c.sent = append(c.sent, v)
	}
	if v := r.Header.Get("Authorization"); v != "" {
		c.sent = append(c.sent, v)
	}
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *dbgCapture) credentials() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

// dbgStub answers NXCloud OTA verify with HTTP 429 first, then success.
func dbgStub(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"code":2206,"msg":"too frequent","data":null}`)
			return
		}
		_, _ = io.WriteString(w, `{"code":0,"msg":"Request successful","data":{"requestId":"`+dbgRequestID+`","status":"SUCCESS"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// dbgEnv is what one operation of the table runs with.
type dbgEnv struct {
	m    *mock.Running
	stub string // URL of the 429-then-success stub
	opts []option.Option
}

func (e dbgEnv) nx(t *testing.T, secret, baseURL string) *nxcloud.Client {
	t.Helper()
	c, err := nxcloud.NewClient(e.m.AccessKey, secret, append([]option.Option{option.WithBaseURL(baseURL)}, e.opts...)...)
	require.NoError(t, err)
	return c
}

func (e dbgEnv) el(t *testing.T, secret string) *engagelab.Client {
	t.Helper()
	c, err := engagelab.NewClient(e.m.DevKey, secret, append([]option.Option{option.WithBaseURL(e.m.URL)}, e.opts...)...)
	require.NoError(t, err)
	return c
}

func dbgELVerify(t *testing.T, c *engagelab.Client, code string) (*otp.VerifyResult, error) {
	t.Helper()
	return c.OTP.Verify(context.Background(), otp.VerifyParams{MessageID: dbgOTPMessage, VerifyCode: code})
}

type dbgOp struct {
	name string
	run  func(t *testing.T, e dbgEnv)
	// want are texts the log must hold, beyond the operation's name;
	// wantBodies those it must hold with WithLogBodies only.
	want, wantBodies []string
	op               string // the operation's name in the log
}

var dbgOps = []dbgOp{
	{
		name: "ota init", op: "nxcloud/ota init", want: []string{"attempt=1", "status=200"},
		run: func(t *testing.T, e dbgEnv) {
			res, err := e.nx(t, e.m.AccessSecret, e.m.URL).OTA.Init(context.Background(),
				ota.InitParams{Appkey: "pem28kje", Phone: "8613800000000", UserIP: "10.0.0.1"})
			require.NoError(t, err)
			assert.NotEmpty(t, res.RequestID)
		},
	},
	{
		name: "ota init then verify", op: "nxcloud/ota verify", want: []string{"attempt=1", "status=200"}, wantBodies: []string{"SUCCESS"},
		run: func(t *testing.T, e dbgEnv) {
			c := e.nx(t, e.m.AccessSecret, e.m.URL)
			res, err := c.OTA.Init(context.Background(),
				ota.InitParams{Appkey: "pem28kje", Phone: "8613800000000", UserIP: "10.0.0.1"})
			require.NoError(t, err)
			v, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "pem28kje", RequestID: res.RequestID})
			require.NoError(t, err)
			assert.Equal(t, ota.VerificationStatusSuccess, v.Status)
		},
	},
	{
		name: "wa getCode then checkCode", op: "nxcloud/wa-integrator checkCode", want: []string{"attempt=1", "status=200", "nxcloud/wa-integrator getCode"},
		wantBodies: []string{"18500000099"},
		run: func(t *testing.T, e dbgEnv) {
			c := e.nx(t, e.m.AccessSecret, e.m.URL)
			require.NoError(t, c.WhatsApp.GetCode(context.Background(),
				waintegrator.GetCodeParams{PhoneNumber: "18500000099", Method: waintegrator.CodeMethodSMS}))
			require.NoError(t, c.WhatsApp.CheckCode(context.Background(),
				waintegrator.CheckCodeParams{PhoneNumber: "18500000099", Code: mock.DefaultWhatsAppCode}))
		},
	},
	{
		name: "wa checkCode without getCode", op: "nxcloud/wa-integrator checkCode", want: []string{"attempt=1", "status=200", "error="},
		run: func(t *testing.T, e dbgEnv) {
			err := e.nx(t, e.m.AccessSecret, e.m.URL).WhatsApp.CheckCode(context.Background(),
				waintegrator.CheckCodeParams{PhoneNumber: "18500000099", Code: mock.DefaultWhatsAppCode})
			var ae *apierror.Error
			require.True(t, errors.As(err, &ae), "want *apierror.Error, got %v", err)
		},
	},
	{
		name: "wa login without a body", op: "nxcloud/wa-integrator login", want: []string{"attempt=1", "status=200"},
		wantBodies: []string{"token"},
		run: func(t *testing.T, e dbgEnv) {
			res, err := e.nx(t, e.m.AccessSecret, e.m.URL).WhatsApp.Login(context.Background())
			require.NoError(t, err)
			assert.NotEmpty(t, res.Token)
		},
	},
	{
		name: "engagelab verify: wrong, right, again", op: "engagelab/otp verify",
		want:       []string{"attempt=1", "status=200", "status=400", "error="},
		wantBodies: []string{"verified", dbgOTPMessage},
		run: func(t *testing.T, e dbgEnv) {
			c := e.el(t, e.m.DevSecret)
			res, err := dbgELVerify(t, c, "000000")
			require.NoError(t, err)
			assert.False(t, res.Verified)
			res, err = dbgELVerify(t, c, dbgOTPCode)
			require.NoError(t, err)
			assert.True(t, res.Verified)
			_, err = dbgELVerify(t, c, dbgOTPCode)
			require.ErrorIs(t, err, apierror.ErrAlreadyVerified)
		},
	},
	{
		name: "nxcloud with a wrong secret", op: "nxcloud/ota init", want: []string{"attempt=1", "status=200", "error="},
		run: func(t *testing.T, e dbgEnv) {
			_, err := e.nx(t, dbgWrongAccessSecret, e.m.URL).OTA.Init(context.Background(),
				ota.InitParams{Appkey: "pem28kje", Phone: "8613800000000", UserIP: "10.0.0.1"})
			require.ErrorIs(t, err, apierror.ErrAuth)
		},
	},
	{
		name: "engagelab with a wrong secret", op: "engagelab/otp verify", want: []string{"attempt=1", "status=401", "error="},
		run: func(t *testing.T, e dbgEnv) {
			_, err := dbgELVerify(t, e.el(t, dbgWrongDevSecret), dbgOTPCode)
			require.ErrorIs(t, err, apierror.ErrAuth)
		},
	},
	{
		name: "HTTP 429 then success", op: "nxcloud/ota verify",
		want: []string{"attempt=1", "status=429", "attempt=2", "status=200"},
		run: func(t *testing.T, e dbgEnv) {
			res, err := e.nx(t, e.m.AccessSecret, e.stub).OTA.Verify(context.Background(),
				ota.VerifyParams{Appkey: "pem28kje", RequestID: dbgRequestID})
			require.NoError(t, err)
			assert.Equal(t, dbgRequestID, res.RequestID)
		},
	},
}

func TestDebugLogKeepsCredentials(t *testing.T) {
	for _, bodies := range []bool{true, false} {
		for _, op := range dbgOps {
			name := op.name + "/headers only"
			if bodies {
				name = op.name + "/with bodies"
			}
			t.Run(name, func(t *testing.T) {
				m := mock.Start(t)
				m.AddOTPMessage(dbgOTPMessage, dbgOTPCode)
				stub, _ := dbgStub(t)
				var buf lockedBuffer
				tr := http.DefaultTransport.(*http.Transport).Clone()
				t.Cleanup(tr.CloseIdleConnections)
				capture := &dbgCapture{base: tr}
				opts := []option.Option{
					option.WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))),
					option.WithHTTPClient(&http.Client{Transport: capture}),
					option.WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
				}
				if bodies {
					opts = append(opts, option.WithLogBodies())
				}

				op.run(t, dbgEnv{m: m, stub: stub.URL, opts: opts})

				log := buf.String()
				require.NotEmpty(t, log, "debug records were written")
				assert.Contains(t, log, "op=\""+op.op+"\"")
				for _, w := range op.want {
					assert.Contains(t, log, w)
				}
				if bodies {
					for _, w := range op.wantBodies {
						assert.Contains(t, log, w)
					}
					assert.Contains(t, log, "body=", "bodies are logged")
					assert.Contains(t, log, "***", "credential headers are logged masked")
				} else {
					assert.NotContains(t, log, "body=", "no bodies without WithLogBodies")
					assert.NotContains(t, log, "pem28kje", "no request body without WithLogBodies")
					assert.NotContains(t, log, "verify_code", "no request body without WithLogBodies")
				}

				sent := capture.credentials()
				require.NotEmpty(t, sent, "the capture saw the credentials sent")
				secrets := append([]string{
					m.AccessSecret, m.DevSecret, dbgWrongAccessSecret, dbgWrongDevSecret,
					base64.StdEncoding.EncodeToString([]byte(m.DevKey + ":" + m.DevSecret)),
					base64.StdEncoding.EncodeToString([]byte(m.DevKey + ":" + dbgWrongDevSecret)),
				}, sent...)
				for _, s := range secrets {
					require.NotEmpty(t, s)
					assert.NotContains(t, log, s, "the debug log gives a credential away")
				}
			})
		}
	}
}
