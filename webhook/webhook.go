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
//	401  authentication failed (signature, timestamp, Authorization), or
//	     a replay that the handler's Replay store caught
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
//
// # Replays
//
// A signature and a timestamp window prove that the vendor signed a
// callback recently; they do not prove that this is the first time the
// callback arrives. Anyone who captured one (a proxy's log, a leaked
// request) can send it again while its timestamp is inside the window,
// and EngageLab's X-CALLBACK-ID does not even cover the body, so within
// the window a captured header passes with any body at all.
//
// The signed handlers ([EngageLab] with a Secret, [NXCloudSigned], and a
// [Callback] whose spec marks it signed or carrying X-CALLBACK-ID) take an
// opt-in guard in their Replay field: a [ReplayStore] that remembers each
// accepted callback, keyed by what its signature covers, until its window
// closes. A second delivery with the same signed values is then refused
// (401, [ErrReplayed]) and never reaches Handle. [MemoryReplayStore] is
// the bounded in-memory store:
//
//	h := &webhook.EngageLab{Secret: s, MaxAge: 5 * time.Minute,
//		Replay: webhook.NewMemoryReplayStore(0), Handle: fn}
//
// What the guard does not do:
//   - It is per process: a MemoryReplayStore knows only what its own
//     process accepted, so behind a load balancer or across a restart a
//     replay can still pass. Give every instance one shared ReplayStore.
//   - It refuses a repeat of the same signed values, including a repeat
//     the vendor itself sends with an unchanged signature; such a repeat
//     of a callback that was handled is refused, not handed on twice. A
//     callback whose Handle function failed is forgotten, so that the
//     vendor's next delivery of it is taken.
//   - For EngageLab it catches a second use of one X-CALLBACK-ID, but it
//     cannot tell which body was the genuine one: whichever comes first
//     is taken. The body is not signed; only the Authorization value and
//     your own checks (confirm a status with the API) can vouch for it.
//   - It works only with a bounded window: EngageLab needs a positive
//     MaxAge (without one a header is valid forever and no store could
//     remember it long enough), and NXCloud's window is the verifier's.
//   - The unsigned callbacks ([OTA], and a [Callback] its spec does not
//     mark signed or carrying X-CALLBACK-ID) have nothing signed to key
//     on and take no guard; a [Callback] given one anyway refuses every
//     delivery as misconfigured rather than seem protected.
//   - One store may serve several handlers: the keys of NXCloud and
//     EngageLab callbacks cannot collide, and a signed callback accepted
//     by one handler is refused by another that shares the store.
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
	// ErrReplayed: the handler's Replay store has already seen this signed
	// callback (the same signed values) within its verification window.
	// It answers 401, like any other authentication failure.
	ErrReplayed = errors.New("webhook: callback replayed")
	// ErrReplayStore: the Replay store failed. The handler answers 500,
	// so that the vendor delivers the callback again, and hands nothing on.
	ErrReplayStore = errors.New("webhook: replay store failed")
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
	case errors.Is(err, ErrHandler), errors.Is(err, ErrConfig), errors.Is(err, ErrReplayStore):
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
