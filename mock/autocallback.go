package mock

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"
)

// Automatic callbacks: a request that names the address of its callback
// (the field its spec marks x-callback-url: an SMS send's dr_url, a number
// check's drUrl) has the mock push the callback there by itself, as
// NXCloud does, shortly after it answered.
// Bounded: at most autoCallbackSlots deliveries at once (more are
// dropped), each within autoCallbackTimeout, never to the documentation's
// example hosts, and none at all with Config.NoAutoCallbacks.
const (
	autoCallbackSlots   = 4
	autoCallbackTimeout = 5 * time.Second
	// autoCallbackDelay lets the caller read the answer (and the ID in
	// it) before the callback arrives, as with the vendor.
	autoCallbackDelay = 20 * time.Millisecond
)

// autoCallbackSlot is shared by every Server of the process: the bound is
// on the goroutines the mock starts, whoever owns them.
var autoCallbackSlot = make(chan struct{}, autoCallbackSlots)

// autoCallback delivers one callback to target in the background, unless
// automatic callbacks are off or target is not an address to push to.
// A failure is dropped: NXCloud does not push again either.
func (s *Server) autoCallback(target string, deliver func(ctx context.Context, target string) error) {
	if s.cfg.NoAutoCallbacks || !pushable(target) {
		return
	}
	select {
	case autoCallbackSlot <- struct{}{}:
	default:
		return // busy: drop rather than pile up goroutines
	}
	go func() {
		defer func() { <-autoCallbackSlot }()
		time.Sleep(autoCallbackDelay)
		ctx, cancel := context.WithTimeout(context.Background(), autoCallbackTimeout)
		defer cancel()
		_ = deliver(ctx, target)
	}()
}

// pushable reports whether target is an http(s) URL the mock may call: not
// one of the hosts the documentation and the specs use as examples
// (example.com and the other reserved example names, .invalid, the
// number-check page's my.callback.url), which no test listens on.
func pushable(target string) bool {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if net.ParseIP(host) != nil || host == "localhost" {
		return true
	}
	for _, example := range []string{"example.com", "example.net", "example.org", "my.callback.url"} {
		if host == example || strings.HasSuffix(host, "."+example) {
			return false
		}
	}
	for _, tld := range []string{".example", ".invalid", ".test"} {
		if strings.HasSuffix(host, tld) {
			return false
		}
	}
	return true
}
