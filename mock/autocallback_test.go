package mock_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/numbercheck"
	"github.com/verikit/verikit/gen/nxcloud/sms"
	"github.com/verikit/verikit/gen/nxcloud/smsv2"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/webhook"
)

// seen records what a receiver got: the decoded callbacks and where their
// fields were (the query string, or the body's Content-Type).
type seen[T any] struct {
	mu     sync.Mutex
	got    []T
	places []string
}

func (s *seen[T]) server(t *testing.T, handler func(func(context.Context, T) error) *webhook.Callback[T]) *httptest.Server {
	t.Helper()
	h := handler(func(_ context.Context, v T) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.got = append(s.got, v)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		place := r.Header.Get("Content-Type")
		if r.URL.RawQuery != "" {
			place = "query"
		}
		s.mu.Lock()
		s.places = append(s.places, place)
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (s *seen[T]) snapshot() ([]T, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]T(nil), s.got...), append([]string(nil), s.places...)
}

// A send that names its receipt's address, and a number check that names
// its results', get them pushed there by the mock itself, as a real
// callback; the SMS receipt in the query string or, for the accounts that
// get one, in a form body.
func TestCallbacksGoToTheAddressARequestNames(t *testing.T) {
	for _, tc := range []struct {
		in, place string
	}{
		{"", "query"}, // the spec's first place
		{"query", "query"},
		{"form", "application/x-www-form-urlencoded"},
	} {
		t.Run("sms receipt in "+tc.place, func(t *testing.T) {
			m := mock.Start(t, mock.Config{CallbackIn: tc.in})
			c := smsClient(t, m)
			var rec seen[sms.DeliveryReceiptCallback]
			srv := rec.server(t, webhook.SMSDeliveryReceiptHandler)
			key, _ := m.AppCredentials("sms")
			v1, err := c.SMS.Send(context.Background(), sms.SendParams{Phone: "8615088888888", Content: "Your code is 1", DrURL: srv.URL + "/dr", Ext: "e1"})
			require.NoError(t, err)
			v2, err := c.SMSv2.Send(context.Background(), smsv2.SendParams{AppKey: key, Phone: "8615088888889", Content: "Your code is 2", DrURL: srv.URL + "/dr"})
			require.NoError(t, err)
			require.Eventually(t, func() bool { got, _ := rec.snapshot(); return len(got) == 2 }, 5*time.Second, 10*time.Millisecond)
			got, places := rec.snapshot()
			ids := []string{got[0].Messageid, got[1].Messageid}
			assert.ElementsMatch(t, []string{v1.Messageid, v2.Messageid}, ids)
			assert.Equal(t, []string{tc.place, tc.place}, places)
		})
	}

	t.Run("number check results", func(t *testing.T) {
		m := mock.Start(t)
		c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL))
		require.NoError(t, err)
		var rec seen[numbercheck.NumberCheckCallback]
		srv := rec.server(t, webhook.NumberCheckHandler)
		sub, err := c.NumberCheck.Check(context.Background(), numbercheck.CheckParams{Phone: "2348000012345,2348000012346", Appkey: "a1b2c3d4", DrURL: srv.URL + "/nc"})
		require.NoError(t, err)
		require.Eventually(t, func() bool { got, _ := rec.snapshot(); return len(got) == 2 }, 5*time.Second, 10*time.Millisecond)
		got, _ := rec.snapshot()
		assert.Equal(t, sub.BatchNo, got[0].BatchNo)
	})
}

// No callback is pushed when Config turns them off, for a send to several
// recipients (whose dr_url the page says is ignored), or to the
// documentation's example hosts.
func TestNoCallbackWhereNoneIsDue(t *testing.T) {
	var rec seen[sms.DeliveryReceiptCallback]
	srv := rec.server(t, webhook.SMSDeliveryReceiptHandler)
	for _, tc := range []struct {
		name   string
		cfg    mock.Config
		params sms.SendParams
	}{
		{"turned off", mock.Config{NoAutoCallbacks: true}, sms.SendParams{Phone: "8615088888888", Content: "hi", DrURL: srv.URL}},
		{"several recipients", mock.Config{}, sms.SendParams{Phone: "8615088888888,8615088888889", Content: "hi", DrURL: srv.URL}},
		{"no address", mock.Config{}, sms.SendParams{Phone: "8615088888888", Content: "hi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t, tc.cfg)
			_, err := smsClient(t, m).SMS.Send(context.Background(), tc.params)
			require.NoError(t, err)
		})
	}
	time.Sleep(300 * time.Millisecond) // longer than the mock's delay before a push
	got, _ := rec.snapshot()
	assert.Empty(t, got)
}

func TestCallbackInMustBeAPlace(t *testing.T) {
	_, err := mock.New(mock.Config{CallbackIn: "header"})
	require.ErrorIs(t, err, mock.ErrConfig)
}
