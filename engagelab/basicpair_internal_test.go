package engagelab

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// A product with its own Basic pair and regional servers, as EngageLab
// e-mail; one operation takes the dev key instead, one adds a prefix.
const basicPairSpec = `
openapi: 3.0.3
info: {title: basic pair test, version: "1"}
servers:
  - {url: "https://sg.mail.invalid", x-region: sg}
  - {url: "https://tr.mail.invalid", x-region: tr}
x-success: {status: 200}
x-basic-credentials: {set: mail}
security: [{basic: []}]
paths:
  /v1/mail/send:
    post:
      operationId: send
      x-retry-class: unsafe
      responses: {"200": {description: ok}}
  /v1/group:
    post:
      operationId: group
      x-retry-class: unsafe
      x-basic-credentials: {set: group, user-prefix: "group-"}
      responses:
        "200": {description: ok}
        "401":
          description: refused
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /v1/dev:
    post:
      operationId: dev
      x-retry-class: unsafe
      x-basic-credentials: null
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
  schemas:
    ErrorCode: {type: integer, enum: [2001], x-enum-varnames: [AuthFailed]}
    Error:
      type: object
      required: [code, message]
      properties: {code: {type: integer}, message: {type: string}}
`

var registerBasicPair = sync.OnceValue(func() error {
	_, err := specs.Register("test/basicpair", []byte(basicPairSpec))
	return err
})

// recorder answers 200 to everything and keeps each request's URL and
// Basic credentials.
type recorder struct {
	mu   sync.Mutex
	urls []string
	auth [][2]string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, p, _ := req.BasicAuth()
	r.urls, r.auth = append(r.urls, req.URL.String()), append(r.auth, [2]string{u, p})
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader("{}")), Request: req}, nil
}

func basicPairService(t *testing.T, rec *recorder, devKey, devSecret string, opts ...option.Option) *apiclient.Service {
	t.Helper()
	require.NoError(t, registerBasicPair())
	cfg, err := apiclient.NewConfig(append([]option.Option{option.WithHTTPClient(&http.Client{Transport: rec}), option.WithoutRetries()}, opts...))
	require.NoError(t, err)
	return apiclient.NewService(cfg, "test/basicpair", func(base http.RoundTripper) http.RoundTripper {
		return &sign.BasicAuthTransport{Base: base, DevKey: devKey, DevSecret: devSecret, For: productPair(cfg)}
	})
}

func TestProductBasicPairAndRegion(t *testing.T) {
	pairs := []option.Option{option.WithAppCredentials("mail", "api-user", "api-key"), option.WithAppCredentials("group", "g1", "g-secret")}
	tests := []struct {
		name, op string
		opts     []option.Option
		url      string
		auth     [2]string
	}{
		{"the product's pair, first server", "send", pairs, "https://sg.mail.invalid/v1/mail/send", [2]string{"api-user", "api-key"}},
		{"another region", "send", append(pairs, option.WithRegion("tr")), "https://tr.mail.invalid/v1/mail/send", [2]string{"api-user", "api-key"}},
		{"a user prefix", "group", pairs, "https://sg.mail.invalid/v1/group", [2]string{"group-g1", "g-secret"}},
		{"an operation that turns the pair off takes the dev key", "dev", pairs, "https://sg.mail.invalid/v1/dev", [2]string{"dev-key", "dev-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			svc := basicPairService(t, rec, "dev-key", "dev-secret", tt.opts...)
			require.NoError(t, svc.Call(context.Background(), tt.op, nil, nil, nil, nil))
			require.Len(t, rec.urls, 1)
			assert.Equal(t, tt.url, rec.urls[0])
			assert.Equal(t, tt.auth, rec.auth[0])
		})
	}
}

func TestProductBasicPairRefusedBeforeSending(t *testing.T) {
	for name, opts := range map[string][]option.Option{
		"no pair configured":  nil,
		"a region it lacks":   {option.WithAppCredentials("mail", "u", "p"), option.WithRegion("hk")},
		"a user with a colon": {option.WithAppCredentials("mail", "u:x", "p")},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			err := basicPairService(t, rec, "dev-key", "dev-secret", opts...).Call(context.Background(), "send", nil, nil, nil, nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "dev-secret")
			assert.Empty(t, rec.urls, "nothing is sent")
			if name == "no pair configured" {
				var ve *apierror.ValidationError
				assert.ErrorAs(t, err, &ve)
				assert.Contains(t, err.Error(), `option.WithAppCredentials("mail"`)
			}
		})
	}
}

func TestNewClientWithoutDevKey(t *testing.T) {
	_, err := NewClient("", "")
	assert.Error(t, err, "no credential at all")
	_, err = NewClient("key", "")
	assert.Error(t, err, "half a dev key")
	_, err = NewClient("", "", option.WithAppCredentials("email", "api-user", "api-key"))
	assert.NoError(t, err, "a client for products with their own pair only")
}

// The mock takes a product's own pair (with its prefix) and refuses the
// dev key there.
func TestMockChecksTheProductPair(t *testing.T) {
	require.NoError(t, registerBasicPair())
	m := mock.Start(t)
	user, secret := m.Server.AppCredentials("group")
	for _, tt := range []struct {
		name string
		opts []option.Option
		ok   bool
	}{
		{"the pair", []option.Option{option.WithAppCredentials("group", user, secret)}, true},
		{"a wrong secret", []option.Option{option.WithAppCredentials("group", user, "nope")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := apiclient.NewConfig(append([]option.Option{option.WithBaseURL(m.URL), option.WithoutRetries()}, tt.opts...))
			require.NoError(t, err)
			svc := apiclient.NewService(cfg, "test/basicpair", func(base http.RoundTripper) http.RoundTripper {
				return &sign.BasicAuthTransport{Base: base, DevKey: mock.DefaultDevKey, DevSecret: mock.DefaultDevSecret, For: productPair(cfg)}
			})
			err = svc.Call(context.Background(), "group", nil, nil, nil, nil)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
		})
	}
}
