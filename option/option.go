// Package option configures the SDK's clients and their calls, in the
// style of functional options. An Option sets up a client:
//
//	client, err := nxcloud.NewClient(key, secret,
//		option.WithBaseURL("http://127.0.0.1:8080"),
//		option.WithTimeout(10*time.Second),
//	)
//
// A RequestOption changes one call only:
//
//	var raw option.RawResponse
//	res, err := client.OTA.Verify(ctx, params,
//		option.WithCallMaxAttempts(1), option.WithRawResponse(&raw))
package option

import (
	"fmt"
	"log/slog"
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

// WithRegion sends each product that has regional servers (EngageLab
// e-mail: sg, tr; App Push: sgp, hk, defra, usva) to its server in region
// instead of its first; products without regions are unaffected. A call
// to a product that has regions, but not this one, fails before anything
// is sent. WithBaseURL overrides it.
func WithRegion(region string) Option {
	return func(c *apiclient.Config) error {
		if region == "" {
			return fmt.Errorf("option: empty region")
		}
		c.Region = region
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
// The default is 30 seconds; 0 means no SDK-imposed bound. The bound covers
// the whole call, retries included: to give a safe operation time for
// another attempt after a slow one, also bound each attempt, e.g. with the
// http.Client's Timeout or the transport's ResponseHeaderTimeout
// (WithHTTPClient).
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

// WithMaxAttempts sets how many times a call may be sent in all (default 3).
// Only failures that are safe to retry are retried; see WithRetryBackoff.
// 1 turns retries off.
func WithMaxAttempts(n int) Option {
	return func(c *apiclient.Config) error {
		if n < 1 {
			return fmt.Errorf("option: max attempts must be at least 1, got %d", n)
		}
		c.Retry.MaxAttempts = n
		return nil
	}
}

// WithoutRetries sends every call once.
func WithoutRetries() Option { return WithMaxAttempts(1) }

// WithRetryBackoff sets the wait before the second attempt (doubling for
// each further one, with jitter) and its cap (defaults 250 ms and 5 s).
// A server's Retry-After takes precedence, up to the cap; no wait runs past
// the call's deadline.
//
// What is retried depends on the operation's x-retry-class in its spec:
// any operation after a failure to connect (the request never left);
// safe operations (reads) also after a transport failure, HTTP 5xx, 429
// or the vendor's "too frequent" code. Unsafe operations (sends, verifies,
// creates, deletes) are never re-sent once the request may have reached
// the server.
func WithRetryBackoff(base, maxDelay time.Duration) Option {
	return func(c *apiclient.Config) error {
		if base <= 0 || maxDelay < base {
			return fmt.Errorf("option: backoff needs 0 < base <= max, got %s and %s", base, maxDelay)
		}
		c.Retry.BaseDelay, c.Retry.MaxDelay = base, maxDelay
		return nil
	}
}

// WithAppCredentials gives the client one application's key pair, for
// the operations whose spec sends that set (x-app-credentials: set). NXCloud
// issues a pair per SMS, voice, e-mail and flash-call application; each is
// set once here, never per call, and sent only to the configured base URL.
// The vendor's NewClient refuses a set none of its specs names.
func WithAppCredentials(set, appKey, secret string) Option {
	return func(c *apiclient.Config) error {
		if set == "" || appKey == "" || secret == "" {
			return fmt.Errorf("option: application credentials need a set name, a key and a secret")
		}
		if c.AppCredentials == nil {
			c.AppCredentials = map[string]apiclient.AppPair{}
		}
		c.AppCredentials[set] = apiclient.AppPair{Key: appKey, Secret: secret}
		return nil
	}
}

// WithLogger logs one debug record per attempt — operation, method, path,
// status, attempt, duration, error — to l. Credentials and bodies are never
// logged, unless WithLogBodies asks for bodies.
func WithLogger(l *slog.Logger) Option {
	return func(c *apiclient.Config) error {
		c.Logger = l
		return nil
	}
}

// WithLogBodies adds request and response bodies, and the headers that
// were sent, to the debug log, with sign, accessKey and Authorization
// masked. It has no effect without WithLogger.
func WithLogBodies() Option {
	return func(c *apiclient.Config) error {
		c.LogBodies = true
		return nil
	}
}

// RequestOption changes one setting of a single call; every generated
// method takes them last.
type RequestOption = apiclient.RequestOption

// RawResponse is the last answer a call received: status, header and body
// as read (see WithRawResponse).
type RawResponse = apiclient.RawResponse

// WithCallMaxAttempts overrides the client's WithMaxAttempts for one call;
// it must be at least 1.
func WithCallMaxAttempts(n int) RequestOption {
	return func(c *apiclient.CallConfig) error {
		if n < 1 {
			return fmt.Errorf("option: max attempts must be at least 1, got %d", n)
		}
		c.MaxAttempts = n
		return nil
	}
}

// WithCallTimeout overrides the client's WithTimeout for one call whose
// context has no deadline; 0 means no SDK-imposed bound.
func WithCallTimeout(d time.Duration) RequestOption {
	return func(c *apiclient.CallConfig) error {
		if d < 0 {
			return fmt.Errorf("option: negative timeout %s", d)
		}
		c.Timeout = d
		return nil
	}
}

// WithHeader adds a header to one call. The vendor's authentication
// headers (NXCloud's signature headers, EngageLab's Authorization) are set
// after it and always win; Content-Type is the spec's.
func WithHeader(key, value string) RequestOption {
	return func(c *apiclient.CallConfig) error { return c.SetHeader(key, value) }
}

// WithRawResponse stores the call's last answer in dst: its status, header
// and body as received, for a success and for a vendor failure alike. It is
// left zero when no answer arrived.
func WithRawResponse(dst *RawResponse) RequestOption {
	return func(c *apiclient.CallConfig) error {
		if dst == nil {
			return fmt.Errorf("option: nil *RawResponse")
		}
		c.Raw = dst
		return nil
	}
}
