// Package webhook holds HTTP receivers for the callbacks NXCloud and
// EngageLab send to your server, so that a service can take them with a
// few lines of Go and hand on only what it can trust.
//
// There is one handler per kind of callback:
//
//   - [OTA] (or [OTAHandler]): NXCloud's one-tap login result, sent as a
//     POST with the values in the query string and no signature. It
//     answers the text "success" or "error", as NXCloud expects.
//   - [NXCloudSigned] (or [NXCloudSignedHandler]): NXCloud callbacks signed
//     like its API requests (the DID SMS result push). The signature is
//     checked over the raw body with [sign.CallbackVerifier]; the body is
//     handed on as raw JSON with the verified bizType and action.
//   - [EngageLab]: EngageLab's batched status, notification, reply and
//     system-event callbacks, optionally signed in X-CALLBACK-ID and
//     carrying a fixed Authorization value. Each row becomes an
//     [EngageLabEvent]; rows it does not recognise are kept, not refused.
//
// Every handler accepts only POST, bounds the body it reads, calls your
// function only for a callback that passed every check, and answers
// with these HTTP statuses:
//
//	200  accepted, and your function returned nil (or there was nothing to hand on)
//	400  the callback cannot be read (missing fields, malformed JSON)
//	401  authentication failed (signature, timestamp, Authorization)
//	405  not a POST
//	413  body larger than MaxBodyBytes
//	500  your function returned an error (the vendor may retry), or the
//	     handler lacks its Handle function or secret lookup
//
// The NXCloud handlers answer with the text "success" or "error", which
// is what NXCloud reads; EngageLab reads only the status, so its handler
// sends an empty 200 and otherwise just the status text.
//
// OnError, when set, is told why each refused callback was refused. No
// response and no error carries a secret or an expected signature.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxBodyBytes bounds the body a handler reads when its
// MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 1 << 20

// Errors the handlers report to OnError (wrapped with detail), for
// [errors.Is]. Authentication failures wrap the sign package's errors
// ([sign.ErrBadSignature], [sign.ErrStale], ...) or ErrUnauthorized.
var (
	// ErrMethod: the request is not a POST.
	ErrMethod = errors.New("webhook: only POST is accepted")
	// ErrTooLarge: the body is larger than the handler's MaxBodyBytes.
	ErrTooLarge = errors.New("webhook: callback body too large")
	// ErrMalformed: the callback cannot be read.
	ErrMalformed = errors.New("webhook: malformed callback")
	// ErrUnauthorized: a fixed credential (EngageLab's Authorization value
	// or callback username) is missing or wrong.
	ErrUnauthorized = errors.New("webhook: callback credentials refused")
	// ErrHandler wraps the error your function returned.
	ErrHandler = errors.New("webhook: callback handler failed")
	// ErrConfig: the handler lacks something it needs (a Handle function,
	// a secret lookup). It answers 500 and never calls anything.
	ErrConfig = errors.New("webhook: handler misconfigured")
)

// Texts NXCloud expects in answer to its callbacks.
const (
	replySuccess = "success"
	replyError   = "error"
)

// readBody reads at most limit bytes (DefaultMaxBodyBytes when limit is
// not positive) of the request body.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		return nil, fmt.Errorf("%w: reading the body: %v", ErrMalformed, err)
	}
	return b, nil
}

// writeText answers with a short plain-text body.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// statusOf maps a refusal to its HTTP status; authentication failures are
// decided by the caller, which knows them.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrHandler), errors.Is(err, ErrConfig):
		return http.StatusInternalServerError
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	}
	return http.StatusUnauthorized
}

// refuse reports err to onError and answers with its status and text.
func refuse(w http.ResponseWriter, r *http.Request, onError func(*http.Request, error), err error, text string) {
	if onError != nil {
		onError(r, err)
	}
	status := statusOf(err)
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	if text == "" {
		text = http.StatusText(status)
	}
	writeText(w, status, text)
}

// call runs the user's function and wraps its error in ErrHandler. A nil
// function is reported as ErrConfig rather than by a panic.
func call[T any](ctx context.Context, fn func(context.Context, T) error, v T) error {
	if fn == nil {
		return fmt.Errorf("%w: no Handle function", ErrConfig)
	}
	if err := fn(ctx, v); err != nil {
		return fmt.Errorf("%w: %w", ErrHandler, err)
	}
	return nil
}
