package apiclient

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CallConfig is what the per-call options (option.RequestOption) set for
// one call, starting from the client's settings.
type CallConfig struct {
	MaxAttempts int
	Timeout     time.Duration
	Header      http.Header
	Raw         *RawResponse
}

// RequestOption changes one setting of a single call.
type RequestOption func(*CallConfig) error

// RawResponse is the last answer of a call, as received.
type RawResponse struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// SetHeader adds a header to the call; the vendor's credential headers,
// set by the authenticating transport, always win.
func (c *CallConfig) SetHeader(k, v string) error {
	if k == "" || !validHeader(k, v) {
		return fmt.Errorf("option: invalid header %q", k)
	}
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(k, v)
	return nil
}

func validHeader(k, v string) bool {
	// A field name is an RFC 9110 token; Go's client refuses anything else
	// only when sending, which would look like a transport failure.
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 || (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
