package sign_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/sign"
)

func TestBasicAuthTransport(t *testing.T) {
	var count atomic.Int32
	var gotAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		gotAuth.Store(r.Header.Get("Authorization"))
		body, _ := io.ReadAll(r.Body)
		w.Write(body) // echo
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		key      string
		secret   string
		wantAuth string
		wantErr  bool
	}{
		{"documented example", "jiguangdev", "dev_secret", "Basic amlndWFuZ2RldjpkZXZfc2VjcmV0", false},
		{"empty key", "", "dev_secret", "", true},
		{"empty secret", "jiguangdev", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count.Load()
			tr := &sign.BasicAuthTransport{Base: srv.Client().Transport, DevKey: tt.key, DevSecret: tt.secret}
			const body = `{"message_id":"1725407449772531712","verify_code":"667090"}`
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/verifications", strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			tracked := &closeTracker{Reader: req.Body}
			req.Body = tracked

			resp, err := tr.RoundTrip(req)
			if tt.wantErr {
				require.Error(t, err)
				assert.Nil(t, resp)
				assert.True(t, strings.HasPrefix(err.Error(), "sign: "), err.Error())
				assert.NotContains(t, err.Error(), "dev_secret")
				assert.True(t, tracked.closed.Load(), "body closed on error")
				assert.Equal(t, before, count.Load(), "nothing sent")
				return
			}
			require.NoError(t, err)
			echoed, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, before+1, count.Load())
			assert.Equal(t, tt.wantAuth, gotAuth.Load())
			assert.Equal(t, body, string(echoed))
			assert.Empty(t, req.Header.Get("Authorization"), "caller's request not mutated")
		})
	}
}

func TestBasicAuthTransportReplacesExistingAuthorization(t *testing.T) {
	var gotAuth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Values("Authorization")
	}))
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer stale")
	resp, err := (&http.Client{Transport: &sign.BasicAuthTransport{DevKey: "jiguangdev", DevSecret: "dev_secret"}}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"Basic amlndWFuZ2RldjpkZXZfc2VjcmV0"}, gotAuth)
	assert.Equal(t, "Bearer stale", req.Header.Get("Authorization"))
}
