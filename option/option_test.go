package option_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

func TestNewConfigDefaults(t *testing.T) {
	cfg, err := apiclient.NewConfig[option.Option](nil)
	require.NoError(t, err)
	assert.Equal(t, &apiclient.Config{
		Timeout:          30 * time.Second,
		MaxResponseBytes: 1 << 20,
		SignAlgorithm:    sign.MD5,
		Retry:            apiclient.Retry{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second},
	}, cfg)
	assert.Equal(t, apiclient.DefaultRetry, cfg.Retry)
	assert.Equal(t, apiclient.DefaultTimeout, cfg.Timeout)
	assert.EqualValues(t, apiclient.DefaultMaxResponseBytes, cfg.MaxResponseBytes)
}

func TestNewConfigSkipsNilOptions(t *testing.T) {
	cfg, err := apiclient.NewConfig([]option.Option{nil, option.WithTimeout(time.Second), nil})
	require.NoError(t, err)
	assert.Equal(t, time.Second, cfg.Timeout)
}

func TestOptionsSetTheConfig(t *testing.T) {
	hc := &http.Client{}
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name  string
		opt   option.Option
		check func(t *testing.T, c *apiclient.Config)
	}{
		{"http base URL", option.WithBaseURL("http://127.0.0.1:8080"), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, "http://127.0.0.1:8080", c.BaseURL)
		}},
		{"https base URL with a path", option.WithBaseURL("https://proxy.example/nx/"), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, "https://proxy.example/nx/", c.BaseURL)
		}},
		{"HTTP client", option.WithHTTPClient(hc), func(t *testing.T, c *apiclient.Config) {
			assert.Same(t, hc, c.HTTPClient)
		}},
		{"timeout", option.WithTimeout(5 * time.Second), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, 5*time.Second, c.Timeout)
		}},
		{"zero timeout disables the bound", option.WithTimeout(0), func(t *testing.T, c *apiclient.Config) {
			assert.Zero(t, c.Timeout)
		}},
		{"max response bytes", option.WithMaxResponseBytes(10), func(t *testing.T, c *apiclient.Config) {
			assert.EqualValues(t, 10, c.MaxResponseBytes)
		}},
		{"SHA-256", option.WithSignAlgorithm(sign.SHA256), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, sign.SHA256, c.SignAlgorithm)
		}},
		{"MD5", option.WithSignAlgorithm(sign.MD5), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, sign.MD5, c.SignAlgorithm)
		}},
		{"max attempts", option.WithMaxAttempts(5), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, 5, c.Retry.MaxAttempts)
			assert.Equal(t, apiclient.DefaultRetry.BaseDelay, c.Retry.BaseDelay)
		}},
		{"without retries", option.WithoutRetries(), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, 1, c.Retry.MaxAttempts)
		}},
		{"retry backoff", option.WithRetryBackoff(time.Millisecond, time.Second), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, time.Millisecond, c.Retry.BaseDelay)
			assert.Equal(t, time.Second, c.Retry.MaxDelay)
			assert.Equal(t, apiclient.DefaultRetry.MaxAttempts, c.Retry.MaxAttempts)
		}},
		{"retry backoff without spread", option.WithRetryBackoff(time.Second, time.Second), func(t *testing.T, c *apiclient.Config) {
			assert.Equal(t, time.Second, c.Retry.BaseDelay)
			assert.Equal(t, time.Second, c.Retry.MaxDelay)
		}},
		{"logger", option.WithLogger(logger), func(t *testing.T, c *apiclient.Config) {
			assert.Same(t, logger, c.Logger)
			assert.False(t, c.LogBodies, "bodies are opt-in")
		}},
		{"log bodies", option.WithLogBodies(), func(t *testing.T, c *apiclient.Config) {
			assert.True(t, c.LogBodies)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := apiclient.NewConfig([]option.Option{tt.opt})
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestOptionsLaterWins(t *testing.T) {
	cfg, err := apiclient.NewConfig([]option.Option{
		option.WithTimeout(time.Second),
		option.WithTimeout(2 * time.Second),
	})
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, cfg.Timeout)
}

func TestOptionValidation(t *testing.T) {
	tests := []struct {
		name    string
		opt     option.Option
		wantErr string
	}{
		{"relative base URL", option.WithBaseURL("/api"), "not an absolute http(s) URL"},
		{"host without scheme", option.WithBaseURL("api2.nxcloud.com"), "not an absolute http(s) URL"},
		{"ftp scheme", option.WithBaseURL("ftp://api2.nxcloud.com"), "not an absolute http(s) URL"},
		{"no host", option.WithBaseURL("http://"), "not an absolute http(s) URL"},
		{"empty base URL", option.WithBaseURL(""), "not an absolute http(s) URL"},
		{"unparsable base URL", option.WithBaseURL("http://[::1"), "not an absolute http(s) URL"},
		{"nil HTTP client", option.WithHTTPClient(nil), "nil *http.Client"},
		{"negative timeout", option.WithTimeout(-time.Second), "negative timeout"},
		{"zero max bytes", option.WithMaxResponseBytes(0), "must be positive"},
		{"negative max bytes", option.WithMaxResponseBytes(-1), "must be positive"},
		{"unknown algorithm", option.WithSignAlgorithm(sign.Algorithm("crc32")), "crc32"},
		{"zero max attempts", option.WithMaxAttempts(0), "at least 1"},
		{"negative max attempts", option.WithMaxAttempts(-3), "at least 1"},
		{"zero backoff", option.WithRetryBackoff(0, time.Second), "0 < base <= max"},
		{"negative backoff", option.WithRetryBackoff(-time.Millisecond, time.Second), "0 < base <= max"},
		{"cap below base", option.WithRetryBackoff(time.Second, time.Millisecond), "0 < base <= max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := apiclient.NewConfig([]option.Option{tt.opt})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Nil(t, cfg)
		})
	}
}

func TestOptionErrorStopsNewConfig(t *testing.T) {
	var called bool
	later := option.Option(func(*apiclient.Config) error { called = true; return nil })
	_, err := apiclient.NewConfig([]option.Option{option.WithTimeout(-1), later})
	require.Error(t, err)
	assert.False(t, called, "options after a failing one are not applied")
}
