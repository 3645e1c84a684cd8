package mock

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Running is a mock served on loopback, with the credentials it accepts.
type Running struct {
	*Server
	// URL is the base URL to give both vendors' clients (option.WithBaseURL).
	URL          string
	AccessKey    string // NXCloud
	AccessSecret string // NXCloud
	DevKey       string // EngageLab
	DevSecret    string // EngageLab
}

// Start serves a new mock on loopback until the test ends. Responses are
// checked against the specs; one that breaks its spec fails the test.
// cfg is optional; its first key pairs become the returned credentials.
//
//	m := mock.Start(t)
//	c, _ := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
func Start(t testing.TB, cfg ...Config) *Running {
	t.Helper()
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	if c.OnInvalidResponse == nil {
		c.OnInvalidResponse = func(op string, err error) {
			t.Errorf("mock: %s sent a response its spec does not allow: %v", op, err)
		}
	}
	s, err := New(c)
	if err != nil {
		t.Fatalf("mock: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	r := &Running{Server: s, URL: ts.URL}
	r.AccessKey, r.AccessSecret = firstPair(s.cfg.NXCloudKeys)
	r.DevKey, r.DevSecret = firstPair(s.cfg.EngageLabKeys)
	return r
}

func firstPair(m map[string]string) (string, string) {
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return best, m[best]
}

// Server timeouts and limits of HTTPServer.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second
	WriteTimeout      = 15 * time.Second
	IdleTimeout       = 60 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// HTTPServer wraps h in an http.Server with bounded timeouts and header
// size, for serving the mock on a real address.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Serve serves h (a *Server, or any handler such as webhook receivers
// beside it) on the listener with HTTPServer's limits until ctx is done,
// then shuts down gracefully (in-flight requests get up to 5 seconds).
func Serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := HTTPServer(l.Addr().String(), h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdownCtx)
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		return err
	}
}
