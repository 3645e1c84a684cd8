package apiclient

import (
	"fmt"
	"net/http"
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
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || r == ':' {
			return false
		}
	}
	for _, r := range v {
		if r == '\r' || r == '\n' || r == 0 {
			return false
		}
	}
	return true
}
