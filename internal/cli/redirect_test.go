package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// recorder is an origin a redirect points at: it remembers every request,
// with the credential headers it carried.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Header.Clone())
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"code":0,"msg":"ok","data":{"requestId":"r","status":"SUCCESS"}}`))
}

func (r *recorder) requests() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.seen...)
}

// TestRedirectsCarryNoCredentials: whatever origin a redirect names —
// another port, another host name, another scheme, or the same origin —
// the SDK of either vendor and the CLI do not follow it, so no credential
// reaches it, and the call fails naming the redirect; a caller's http.Client
// whose CheckRedirect would follow changes nothing.
func TestRedirectsCarryNoCredentials(t *testing.T) {
	elsewhere := &recorder{}
	elsewhere.srv = httptest.NewServer(elsewhere)
	t.Cleanup(elsewhere.srv.Close)
	otherHost := strings.Replace(elsewhere.srv.URL, "127.0.0.1", "localhost", 1)

	// redirector answers every request with a 307 to target(itself).
	type redirector struct {
		url    string
		client *http.Client // trusts the server's certificate, for TLS
	}
	start := func(t *testing.T, tls bool, target func(self string) string) redirector {
		var self string
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", target(self))
			w.WriteHeader(http.StatusTemporaryRedirect)
		})
		var srv *httptest.Server
		if tls {
			srv = httptest.NewTLSServer(h)
		} else {
			srv = httptest.NewServer(h)
		}
		t.Cleanup(srv.Close)
		self = srv.URL
		return redirector{url: srv.URL, client: srv.Client()}
	}
	follow := func(*http.Request, []*http.Request) error { return nil } // a caller's client that would follow

	cases := []struct {
		name   string
		tls    bool
		target func(self string) string
	}{
		{"another port", false, func(string) string { return elsewhere.srv.URL + "/stolen" }},
		{"another host", false, func(string) string { return otherHost + "/stolen" }},
		{"https to plain http", true, func(string) string { return elsewhere.srv.URL + "/stolen" }},
		{"the same origin", false, func(self string) string { return self + "/elsewhere" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, tc.tls, tc.target)
			hc := *r.client
			hc.CheckRedirect = follow
			before := len(elsewhere.requests())

			nx, err := nxcloud.NewClient("nx-key", "nx-secret-NEVER-SENT", option.WithBaseURL(r.url), option.WithHTTPClient(&hc))
			require.NoError(t, err)
			_, err = nx.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: "a", RequestID: "r"})
			assertRedirectRefused(t, err)

			el, err := engagelab.NewClient("el-key", "el-secret-NEVER-SENT", option.WithBaseURL(r.url), option.WithHTTPClient(&hc))
			require.NoError(t, err)
			_, err = el.OTP.GetTemplate(context.Background(), "verify-login")
			assertRedirectRefused(t, err)
			_, err = el.OTP.SendMessage(context.Background(), otp.SendMessageParams{To: "+8613800138000", Template: otp.MessageTemplate{ID: "verify-login"}})
			assertRedirectRefused(t, err)

			if !tc.tls { // the CLI takes no client of the caller's
				for _, args := range [][]string{
					{"nxcloud", "ota", "verify", "--appkey", "a", "--request-id", "r"},
					{"engagelab", "otp", "get-template", "--template-id", "verify-login"},
				} {
					code, stdout, stderr := runCLI(t, nil, append([]string{"--base-url", r.url}, args...)...)
					assert.Equal(t, ExitAPI, code, "%s\n%s", stdout, stderr)
					assert.Empty(t, stdout)
					assert.Contains(t, stderr, "not followed")
				}
			}
			assert.Len(t, elsewhere.requests(), before, "a request reached the redirect's target")
			for _, h := range elsewhere.requests() {
				for _, k := range []string{"Authorization", "Sign", "Accesskey"} {
					assert.Empty(t, h.Get(k), "%s reached another origin", k)
				}
			}
		})
	}
}

func assertRedirectRefused(t *testing.T, err error) {
	t.Helper()
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTemporaryRedirect, ae.StatusCode)
	assert.Contains(t, ae.Reason, "not followed")
	assert.NotContains(t, err.Error(), "NEVER-SENT")
}
