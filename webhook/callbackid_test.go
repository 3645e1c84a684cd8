package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/webhook"
)

type pushStatus struct {
	MsgID string `json:"msg_id"`
}

func pushReceiver(t *testing.T, v *webhook.CallbackIDVerifier) (*httptest.Server, *[]pushStatus) {
	t.Helper()
	require.NoError(t, registerCallbackSpec())
	var got []pushStatus
	h := &webhook.Callback[pushStatus]{Spec: "test/callbacks", Schema: "PushStatusCallback", CallbackID: v,
		Handle: func(_ context.Context, p pushStatus) error { got = append(got, p); return nil }}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestCallbackIDSpecCallback(t *testing.T) {
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	ctx := context.Background()
	good := &webhook.CallbackIDVerifier{Secret: mock.DefaultCallbackSecret, Username: mock.DefaultCallbackUsername}

	srv, got := pushReceiver(t, good)
	require.NoError(t, m.SendCallback(ctx, srv.URL, "test/callbacks", "PushStatusCallback", map[string]any{"msg_id": "42"}))
	assert.Equal(t, []pushStatus{{"42"}}, *got)
	require.NoError(t, m.SendCallbackProbe(ctx, srv.URL, "test/callbacks", "PushStatusCallback"), "the address probe is echoed")
	assert.Len(t, *got, 1, "a probe reaches no one")

	for name, v := range map[string]*webhook.CallbackIDVerifier{
		"another secret":   {Secret: "other", Username: mock.DefaultCallbackUsername},
		"another username": {Secret: mock.DefaultCallbackSecret, Username: "someone"},
	} {
		t.Run(name, func(t *testing.T) {
			srv, got := pushReceiver(t, v)
			assert.Error(t, m.SendCallback(ctx, srv.URL, "test/callbacks", "PushStatusCallback", map[string]any{"msg_id": "42"}))
			assert.Empty(t, *got)
		})
	}

	t.Run("unsigned delivery to a verifying receiver", func(t *testing.T) {
		srv, got := pushReceiver(t, good)
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"msg_id":"1"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Empty(t, *got)
	})
	t.Run("a zero verifier takes it unauthenticated", func(t *testing.T) {
		srv, got := pushReceiver(t, &webhook.CallbackIDVerifier{})
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"msg_id":"1"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Len(t, *got, 1)
	})
	t.Run("no verifier is a configuration error", func(t *testing.T) {
		srv, _ := pushReceiver(t, nil)
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"msg_id":"1"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	})
	t.Run("a probe holding control characters is not echoed", func(t *testing.T) {
		srv, _ := pushReceiver(t, good)
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"echostr":"a\u001b[31m"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}
