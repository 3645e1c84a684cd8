package webhook_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// TestEverySpecCallbackRoundTrips sends every callback the specs declare
// (x-callback), with its schema's example, from the mock as the vendor
// would, to a receiver built on the shared machinery: the receiver takes
// it, and gets the fields the mock sent.
func TestEverySpecCallbackRoundTrips(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	m, err := mock.New(mock.Config{})
	require.NoError(t, err)
	n := 0
	for _, d := range docs {
		cbs, err := d.Callbacks()
		require.NoError(t, err)
		for _, cb := range cbs {
			n++
			t.Run(d.Name+"#"+cb.Name, func(t *testing.T) {
				example, ok := cb.Schema.Example.(map[string]any)
				require.True(t, ok, "a callback schema needs an example object")
				var got []map[string]any
				h := &webhook.Callback[map[string]any]{Spec: d.Name, Schema: cb.Name, Handle: func(_ context.Context, v map[string]any) error {
					got = append(got, v)
					return nil
				}}
				if cb.Signed != nil { // the mock signs with its default account
					h.Verifier = &sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{mock.DefaultAccessKey: mock.DefaultAccessSecret})}
				}
				if cb.CallbackID {
					h.CallbackID = &webhook.CallbackIDVerifier{Secret: mock.DefaultCallbackSecret, Username: mock.DefaultCallbackUsername}
				}
				srv := httptest.NewServer(h)
				defer srv.Close()
				require.NoError(t, m.SendCallback(context.Background(), srv.URL+"/cb", d.Name, cb.Name, example))
				require.Len(t, got, 1)
				for k := range example {
					assert.Contains(t, got[0], k)
				}
			})
		}
	}
	assert.GreaterOrEqual(t, n, 4, "the specs declare callbacks")
}
