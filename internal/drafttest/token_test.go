package drafttest

import (
	"bytes"
	"context"
	"fmt"
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

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// An agent API in small: getToken issues a token for a key pair; call
// (unsafe) and status (safe) send it, and 1201 means it expired.
const tokenSpec = `
openapi: 3.0.3
info: {title: token test, version: "1"}
servers: [{url: "https://agent.invalid"}]
x-success: {status: 200, code: {field: code, values: [0]}}
x-app-credentials: null
security: []
paths:
  /token:
    post:
      operationId: getToken
      x-retry-class: unsafe
      x-app-credentials: {set: agent, key: appkey, secret: secretkey}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              allOf:
                - {$ref: "#/components/schemas/Pair"}
                - {$ref: "#/components/schemas/GetTokenParams"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Issued"}
  /call:
    post:
      operationId: call
      x-retry-class: unsafe
      x-token: {from: getToken, result: token, field: token, lifetime: 1200, expired: [1201]}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              allOf:
                - {$ref: "#/components/schemas/Token"}
                - {$ref: "#/components/schemas/CallParams"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Answer"}
  /status:
    post:
      operationId: status
      x-retry-class: safe
      x-token: {from: getToken, result: token, field: token, lifetime: 1200, expired: [1201]}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              allOf:
                - {$ref: "#/components/schemas/Token"}
                - {$ref: "#/components/schemas/CallParams"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Answer"}
components:
  schemas:
    Pair:
      type: object
      required: [appkey, secretkey]
      properties: {appkey: {type: string}, secretkey: {type: string}}
    GetTokenParams: {type: object, properties: {}}
    Token:
      type: object
      required: [token]
      properties: {token: {type: string, minLength: 1}}
    CallParams:
      type: object
      required: [phone]
      properties: {phone: {type: string, pattern: "^[0-9]+$"}}
    Issued:
      type: object
      required: [code]
      properties: {code: {type: integer}, token: {type: string}, expireinterval: {type: integer}}
    Answer:
      type: object
      required: [code]
      properties: {code: {type: integer}, info: {type: string}}
`

var registerTokenSpec = sync.OnceValue(func() error {
	_, err := specs.Register("test/token", []byte(tokenSpec))
	return err
})

// agentServer issues numbered tokens and takes only the latest; expire
// makes it refuse the current one with 1201.
type agentServer struct {
	mu      sync.Mutex
	issued  int
	current string
	expired bool
	calls   map[string]int // by path
	tokens  []string       // each call's token
}

func (a *agentServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls[r.URL.Path]++
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/token":
		if r.PostForm.Get("appkey") != "k" || r.PostForm.Get("secretkey") != "s" {
			fmt.Fprint(w, `{"code":1001,"info":"bad key"}`)
			return
		}
		a.issued++
		a.current, a.expired = fmt.Sprintf("tok-%d", a.issued), false
		fmt.Fprintf(w, `{"code":0,"token":%q,"expireinterval":1200}`, a.current)
	default:
		tok := r.PostForm.Get("token")
		a.tokens = append(a.tokens, tok)
		if tok != a.current || a.expired {
			fmt.Fprint(w, `{"code":1201,"info":"token expired"}`)
			return
		}
		fmt.Fprint(w, `{"code":0,"info":"ok"}`)
	}
}

func (a *agentServer) expire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.expired = true
}

func (a *agentServer) count(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[path]
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func tokenService(t *testing.T, opts ...option.Option) (*apiclient.Service, *agentServer, *clock) {
	t.Helper()
	require.NoError(t, registerTokenSpec())
	a := &agentServer{calls: map[string]int{}}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	cfg, err := apiclient.NewConfig(append([]option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries(), option.WithAppCredentials("agent", "k", "s")}, opts...))
	require.NoError(t, err)
	c := &clock{now: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)}
	cfg.Now = c.Now
	return apiclient.NewService(cfg, "test/token", func(b http.RoundTripper) http.RoundTripper { return b }), a, c
}

type callParams struct {
	Phone string `json:"phone"`
}

func TestTokenIsFetchedOnceSharedAndRenewedBeforeExpiry(t *testing.T) {
	svc, a, clk := tokenService(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if svc.Call(ctx, "call", nil, callParams{Phone: "123"}, nil, nil) != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, 1, a.count("/token"), "concurrent calls share one fetch")
	assert.Equal(t, 16, a.count("/call"))

	clk.add(1100 * time.Second) // still valid, but within the renewal margin soon
	require.NoError(t, svc.Call(ctx, "call", nil, callParams{Phone: "123"}, nil, nil))
	assert.Equal(t, 1, a.count("/token"))
	clk.add(61 * time.Second) // 1161 s: less than the margin (60 s) before 1200 s
	require.NoError(t, svc.Call(ctx, "call", nil, callParams{Phone: "123"}, nil, nil))
	assert.Equal(t, 2, a.count("/token"), "renewed before it ran out")
}

func TestExpiredTokenIsRenewedAndASafeCallRetriedOnce(t *testing.T) {
	svc, a, _ := tokenService(t)
	ctx := context.Background()
	require.NoError(t, svc.Call(ctx, "status", nil, callParams{Phone: "1"}, nil, nil))
	a.expire()
	require.NoError(t, svc.Call(ctx, "status", nil, callParams{Phone: "1"}, nil, nil), "a safe call: renewed and sent again")
	assert.Equal(t, 2, a.count("/token"))
	assert.Equal(t, 3, a.count("/status"))

	a.expire()
	err := svc.Call(ctx, "call", nil, callParams{Phone: "1"}, nil, nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "an unsafe call is not sent again")
	assert.Equal(t, 1201, ae.Code)
	assert.Equal(t, 1, a.count("/call"))
	require.NoError(t, svc.Call(ctx, "call", nil, callParams{Phone: "1"}, nil, nil), "its next call gets a new token")
	assert.Equal(t, 3, a.count("/token"))
}

func TestTokenRefusals(t *testing.T) {
	t.Run("bad params: no token fetched, nothing sent", func(t *testing.T) {
		svc, a, _ := tokenService(t)
		err := svc.Call(context.Background(), "call", nil, callParams{Phone: "not digits"}, nil, nil)
		var ve *apierror.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Zero(t, a.count("/token")+a.count("/call"))
	})
	t.Run("the token cannot be had", func(t *testing.T) {
		svc, a, _ := tokenService(t, option.WithAppCredentials("agent", "k", "wrong"))
		err := svc.Call(context.Background(), "call", nil, callParams{Phone: "1"}, nil, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "obtaining a token with getToken")
		assert.NotContains(t, err.Error(), "wrong", "the secret stays out of the error")
		assert.Zero(t, a.count("/call"))
	})
}

func TestTokenNeverReachesTheLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, _, _ := tokenService(t, option.WithLogger(logger), option.WithLogBodies())
	require.NoError(t, svc.Call(context.Background(), "call", nil, callParams{Phone: "1"}, nil, nil))
	out := buf.String()
	require.Contains(t, out, "phone=1", "the bodies are logged")
	assert.NotContains(t, out, "tok-1", "neither the issued token nor the one sent")
	assert.NotContains(t, out, "secretkey=s")
}

func TestXTokenIsChecked(t *testing.T) {
	for name, bad := range map[string]string{
		"no such issuer": `{from: nothing, result: token, field: token, lifetime: 1200}`,
		"no lifetime":    `{from: getToken, result: token, field: token}`,
		"an unknown key": `{from: getToken, result: token, field: token, lifetime: 1, renew: 2}`,
		"no such result": `{from: getToken, result: nope, field: token, lifetime: 1200}`,
	} {
		t.Run(name, func(t *testing.T) {
			spec := strings.Replace(tokenSpec, "x-token: {from: getToken, result: token, field: token, lifetime: 1200, expired: [1201]}\n      requestBody:\n        required: true\n        content:\n          application/x-www-form-urlencoded:\n            schema:\n              allOf:\n                - {$ref: \"#/components/schemas/Token\"}\n                - {$ref: \"#/components/schemas/CallParams\"}\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Answer\"}\n  /status:",
				"x-token: "+bad+"\n      requestBody:\n        required: true\n        content:\n          application/x-www-form-urlencoded:\n            schema:\n              allOf:\n                - {$ref: \"#/components/schemas/Token\"}\n                - {$ref: \"#/components/schemas/CallParams\"}\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Answer\"}\n  /status:", 1)
			require.NotEqual(t, tokenSpec, spec)
			_, err := specs.Parse("test/badtoken", []byte(spec))
			assert.ErrorContains(t, err, "x-token")
		})
	}
}
