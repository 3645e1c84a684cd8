package mock_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// loadRT counts the round trips of one worker and the ones that got an
// HTTP response.
type loadRT struct {
	base     http.RoundTripper
	trips    atomic.Int64
	answered atomic.Int64
}

func (l *loadRT) RoundTrip(r *http.Request) (*http.Response, error) {
	l.trips.Add(1)
	resp, err := l.base.RoundTrip(r)
	if err == nil {
		l.answered.Add(1)
	}
	return resp, err
}

// loadTally is what one worker saw. Each worker writes only its own.
type loadTally struct {
	calls    int // API calls made
	answered int // calls the mock answered (a result or a vendor error)
	otaFlows int // init → verify flows that ended in SUCCESS
	otpFlows int // wrong → right → again flows on the worker's own message
	problems []string
	// shared[k] is the outcome of this worker's verify of shared message k:
	// "verified", "already" or a problem.
	shared []string
}

func (l *loadTally) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// record counts a call; an error that is no vendor answer is a lost call.
func (l *loadTally) record(err error) {
	l.calls++
	var ae *apierror.Error
	if err == nil || errors.As(err, &ae) {
		l.answered++
	}
}

// TestLoad runs workers concurrently against one mock, each with its own
// signed NXCloud and EngageLab clients, mixing OTA init → verify flows,
// EngageLab verify-once flows on the worker's own messages and verifies of
// messages every worker races for. Nothing may be lost: every call is
// answered and every flow is consistent.
func TestLoad(t *testing.T) {
	workers, iterations := 16, 40
	if testing.Short() {
		workers, iterations = 4, 12
	}
	// Iteration i runs flow i%3: 0 OTA, 1 own OTP message, 2 a shared one.
	nShared := 0
	for i := range iterations {
		if i%3 == 2 {
			nShared++
		}
	}
	require.Positive(t, nShared)

	m := mock.Start(t)
	for w := range workers {
		for i := range iterations {
			if i%3 == 1 {
				m.AddOTPMessage(loadOwnID(w, i), loadOwnCode(w, i))
			}
		}
	}
	for k := range nShared {
		m.AddOTPMessage(loadSharedID(k), "424242")
	}

	tallies := make([]*loadTally, workers)
	rts := make([]*loadRT, workers)
	transports := make([]*http.Transport, workers)
	nxs := make([]*nxcloud.Client, workers)
	els := make([]*engagelab.Client, workers)
	for w := range workers {
		transports[w] = http.DefaultTransport.(*http.Transport).Clone()
		rts[w] = &loadRT{base: transports[w]}
		opts := []option.Option{
			option.WithBaseURL(m.URL),
			option.WithHTTPClient(&http.Client{Transport: rts[w]}),
			option.WithoutRetries(), // every call is sent exactly once, so the counts add up
		}
		var err error
		nxs[w], err = nxcloud.NewClient(m.AccessKey, m.AccessSecret, opts...)
		require.NoError(t, err)
		els[w], err = engagelab.NewClient(m.DevKey, m.DevSecret, opts...)
		require.NoError(t, err)
		tallies[w] = &loadTally{shared: make([]string, nShared)}
	}
	t.Cleanup(func() {
		for _, tr := range transports {
			tr.CloseIdleConnections()
		}
	})

	start := time.Now()
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			loadWorker(w, iterations, nShared, nxs[w], els[w], tallies[w])
		}()
	}
	for range workers { // every worker ends: each call is bounded by the client's timeout
		<-done
	}
	t.Logf("%d workers × %d iterations: %s", workers, iterations, time.Since(start))

	otaPer, otpPer := 0, 0
	for i := range iterations {
		switch i % 3 {
		case 0:
			otaPer++
		case 1:
			otpPer++
		}
	}
	wantCalls := 2*otaPer + 3*otpPer + nShared
	for w, l := range tallies {
		assert.Empty(t, l.problems, "worker %d", w)
		assert.Equal(t, wantCalls, l.calls, "worker %d: calls made", w)
		assert.Equal(t, l.calls, l.answered, "worker %d: every call answered", w)
		assert.Equal(t, otaPer, l.otaFlows, "worker %d: OTA flows", w)
		assert.Equal(t, otpPer, l.otpFlows, "worker %d: own OTP flows", w)
		assert.EqualValues(t, l.calls, rts[w].trips.Load(), "worker %d: one round trip per call", w)
		assert.Equal(t, rts[w].trips.Load(), rts[w].answered.Load(), "worker %d: every round trip got a response", w)
	}
	for k := range nShared {
		verified, already := 0, 0
		for w, l := range tallies {
			switch l.shared[k] {
			case "verified":
				verified++
			case "already":
				already++
			default:
				assert.Fail(t, "unexpected outcome", "worker %d, %s: %s", w, loadSharedID(k), l.shared[k])
			}
		}
		assert.Equal(t, 1, verified, "%s is verified exactly once", loadSharedID(k))
		assert.Equal(t, workers-1, already, "%s: every other verify is ErrAlreadyVerified", loadSharedID(k))
	}
}

func loadOwnID(w, i int) string   { return fmt.Sprintf("load-w%d-i%d", w, i) }
func loadOwnCode(w, i int) string { return fmt.Sprintf("%06d", w*1000+i) }
func loadSharedID(k int) string   { return fmt.Sprintf("load-shared-%d", k) }

func loadWorker(w, iterations, nShared int, nx *nxcloud.Client, el *engagelab.Client, l *loadTally) {
	ctx := context.Background()
	appkey := fmt.Sprintf("load-app-%d", w)
	for i := range iterations {
		switch i % 3 {
		case 0: // OTA init → verify
			ir, err := nx.OTA.Init(ctx, ota.InitParams{Appkey: appkey, Phone: "8613800000000", UserIP: "10.0.0.1"})
			l.record(err)
			if err != nil || ir == nil || ir.RequestID == "" {
				l.problem("iteration %d: init: %+v, %v", i, ir, err)
				continue
			}
			id := ir.RequestID
			vr, err := nx.OTA.Verify(ctx, ota.VerifyParams{Appkey: appkey, RequestID: id})
			l.record(err)
			switch {
			case err != nil:
				l.problem("iteration %d: verify %s: %v", i, id, err)
			case vr == nil:
				l.problem("iteration %d: verify %s: no result", i, id)
			case vr.RequestID != id || vr.Status != ota.VerificationStatusSuccess:
				l.problem("iteration %d: verify %s answered %+v", i, id, *vr)
			default:
				l.otaFlows++
			}
		case 1: // own message: wrong code, right code, again
			id, code := loadOwnID(w, i), loadOwnCode(w, i)
			wrong, err := loadVerify(ctx, el, id, "999999x")
			l.record(err)
			if err != nil || wrong.Verified {
				l.problem("iteration %d: wrong code for %s: %+v, %v", i, id, wrong, err)
				continue
			}
			right, err := loadVerify(ctx, el, id, code)
			l.record(err)
			if err != nil || !right.Verified || right.MessageID != id {
				l.problem("iteration %d: right code for %s: %+v, %v", i, id, right, err)
				continue
			}
			_, err = loadVerify(ctx, el, id, code)
			l.record(err)
			if !errors.Is(err, apierror.ErrAlreadyVerified) {
				l.problem("iteration %d: repeated verify of %s: %v", i, id, err)
				continue
			}
			l.otpFlows++
		case 2: // a shared message, visited in a different order by each worker
			k := (i/3 + w) % nShared
			res, err := loadVerify(ctx, el, loadSharedID(k), "424242")
			l.record(err)
			switch {
			case err == nil && res.Verified:
				l.shared[k] = "verified"
			case errors.Is(err, apierror.ErrAlreadyVerified):
				l.shared[k] = "already"
			default:
				l.shared[k] = fmt.Sprintf("%+v, %v", res, err)
			}
		}
	}
}

func loadVerify(ctx context.Context, el *engagelab.Client, id, code string) (*otp.VerifyResult, error) {
	res, err := el.OTP.Verify(ctx, otp.VerifyParams{MessageID: id, VerifyCode: code})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("verify returned neither a result nor an error")
	}
	return res, nil
}
