package apiclient

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// Retry is the retry policy. Which failures are retried depends on the
// operation's retry class in its spec (x-retry-class):
//
//   - any operation: a failure before a connection was made (DNS, dial),
//     since the request cannot have reached the server;
//   - safe operations also: a transport failure after that, HTTP 5xx, HTTP
//     429 and the vendor's "too frequent" codes.
//
// Unsafe operations are never sent again once the request may have reached
// the server; such a failure is reported as apierror.ErrOutcomeUnknown.
type Retry struct {
	// MaxAttempts counts the first attempt too; 1 turns retries off.
	MaxAttempts int
	// BaseDelay is the wait before the second attempt; it doubles for each
	// further one, up to MaxDelay, with jitter.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// DefaultRetry is the policy of a client given no retry option.
var DefaultRetry = Retry{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second}

// outcome is the result of one attempt.
type outcome struct {
	resp    *http.Response
	raw     []byte // the response body as read
	err     error  // *apierror.Error, or a transport failure
	reached bool   // a connection was made: the request may have reached the server
	wait    time.Duration
}

// retryable decides whether another attempt may follow this one.
func retryable(ctx context.Context, op *specs.Operation, o outcome) bool {
	if ctx.Err() != nil {
		return false
	}
	if errors.Is(o.err, errTooLarge) {
		return false
	}
	var ae *apierror.Error
	if !errors.As(o.err, &ae) { // a transport failure
		return !o.reached || op.Retry == specs.Safe
	}
	if op.Retry != specs.Safe {
		return false
	}
	return ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests || errors.Is(ae, apierror.ErrTooFrequent)
}

// delay is the wait before attempt n+1: the server's Retry-After when it
// gave one, else capped exponential backoff with jitter (between half and
// all of the step).
func (s *Service) delay(n int, o outcome) time.Duration {
	if o.resp != nil {
		if ra, ok := retryAfter(o.resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(ra, s.cfg.Retry.MaxDelay)
		}
	}
	step := s.cfg.Retry.BaseDelay << (n - 1)
	if step <= 0 || step > s.cfg.Retry.MaxDelay {
		step = s.cfg.Retry.MaxDelay
	}
	if step <= 1 {
		return step
	}
	half := step / 2
	return half + rand.N(step-half+1)
}

// retryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		// Clamp before multiplying: a huge value must not overflow into a
		// negative wait. The caller caps the wait anyway.
		const maxSecs = int(math.MaxInt64 / int64(time.Second))
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits d unless ctx ends first or the wait would end past ctx's
// deadline; it reports whether the next attempt may go ahead.
func sleep(ctx context.Context, d time.Duration) bool {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// kindOf classifies a vendor failure: by the spec's x-error-kinds for its
// code, else by the HTTP status.
func kindOf(op *specs.Operation, e *apierror.Error) error {
	if e.HasCode {
		switch op.ErrorKind(e.Code) {
		case specs.KindAuth:
			return apierror.ErrAuth
		case specs.KindTooFrequent:
			return apierror.ErrTooFrequent
		case specs.KindAlreadyVerified:
			return apierror.ErrAlreadyVerified
		}
	}
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return apierror.ErrAuth
	case http.StatusTooManyRequests:
		return apierror.ErrTooFrequent
	}
	return nil
}
