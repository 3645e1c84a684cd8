// Package option configures the SDK's clients, in the style of
// functional options:
//
//	client, err := nxcloud.NewClient(key, secret,
//		option.WithBaseURL("http://127.0.0.1:8080"),
//		option.WithTimeout(10*time.Second),
//	)
package option

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/sign"
)

// Option changes one setting of a client.
type Option func(*apiclient.Config) error

// WithBaseURL sends requests to baseURL instead of the vendor's production
// host (the first `servers` entry of the spec). A path in baseURL is kept as
// a prefix of every operation's path.
func WithBaseURL(baseURL string) Option {
	return func(c *apiclient.Config) error {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("option: base URL %q is not an absolute http(s) URL", baseURL)
		}
		c.BaseURL = baseURL
		return nil
	}
}

// WithHTTPClient sends requests through hc. The client is not modified: the
// SDK uses a copy whose Transport adds authentication on top of hc's.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *apiclient.Config) error {
		if hc == nil {
			return fmt.Errorf("option: nil *http.Client")
		}
		c.HTTPClient = hc
		return nil
	}
}

// WithTimeout bounds each call whose context has no deadline of its own.
// The default is 30 seconds; 0 means no SDK-imposed bound.
func WithTimeout(d time.Duration) Option {
	return func(c *apiclient.Config) error {
		if d < 0 {
			return fmt.Errorf("option: negative timeout %s", d)
		}
		c.Timeout = d
		return nil
	}
}

// WithMaxResponseBytes caps how much of a response body is read; a larger
// body is an error. The default is 1 MiB.
func WithMaxResponseBytes(n int64) Option {
	return func(c *apiclient.Config) error {
		if n <= 0 {
			return fmt.Errorf("option: response size cap must be positive, got %d", n)
		}
		c.MaxResponseBytes = n
		return nil
	}
}

// WithSignAlgorithm chooses the NXCloud signature hash: sign.MD5 (the
// default) or sign.SHA256. EngageLab clients ignore it.
func WithSignAlgorithm(a sign.Algorithm) Option {
	return func(c *apiclient.Config) error {
		if _, err := sign.ParseAlgorithm(string(a)); err != nil {
			return fmt.Errorf("option: %w", err)
		}
		c.SignAlgorithm = a
		return nil
	}
}
