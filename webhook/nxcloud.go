package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/verikit/verikit/sign"
)

// NXCloudCallback is a verified signed callback from NXCloud.
type NXCloudCallback struct {
	// Params are the verified signing headers. BizType and Action say what
	// the body is: for the DID SMS push, bizType "4" with action "dr" (a
	// delivery receipt) or "mo" (an incoming message).
	Params sign.Params
	// Body is the raw JSON body exactly as signed. Its shape depends on
	// bizType and action and is not described by this SDK's specs.
	Body json.RawMessage
}

// NXCloudSigned receives NXCloud callbacks that are signed like its API
// requests (the DID SMS result push). It reads the body (bounded),
// verifies the headers and the signature over the raw bytes with
// Verifier, checks that the body is JSON, and hands it to Handle. It
// answers "success" (HTTP 200) when Handle returns nil and "error"
// otherwise: 401 for any verification failure (and, with a Replay store,
// for a callback accepted before), 400 for a body that is not JSON, and
// the other statuses listed in the package documentation.
type NXCloudSigned struct {
	// Verifier checks the signature; its Secret lookup is required. By
	// default it takes only the DID callbacks (bizType 4, action dr or
	// mo) within 60 s of its clock; see [sign.CallbackVerifier].
	Verifier sign.CallbackVerifier
	// Handle receives each verified callback. Required.
	Handle func(context.Context, NXCloudCallback) error
	// MaxBodyBytes bounds the body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// OnError, if set, is told why a callback was refused.
	OnError func(*http.Request, error)
	// Replay, if set, refuses a second delivery of one signed callback
	// (ErrReplayed, 401): each accepted callback is remembered, keyed by
	// what its signature covers (accessKey, ts, bizType, action and the
	// raw body), until its ts leaves the verifier's window. Without it, a
	// captured callback passes again and again for as long as its ts is
	// inside the window. See the package documentation for what it does
	// not protect.
	Replay ReplayStore
}

// NXCloudSignedHandler returns an [NXCloudSigned] handler for one account
// with the default verifier settings.
func NXCloudSignedHandler(accessKey, accessSecret string, fn func(context.Context, NXCloudCallback) error) http.Handler {
	return &NXCloudSigned{
		Verifier: sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{accessKey: accessSecret})},
		Handle:   fn,
	}
}

// ServeHTTP implements [http.Handler].
func (h *NXCloudSigned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		refuse(w, r, h.OnError, fmt.Errorf("%w: got %s", ErrMethod, clip(r.Method, 16)), replyError)
		return
	}
	body, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		refuse(w, r, h.OnError, err, replyError)
		return
	}
	if h.Verifier.Secret == nil {
		refuse(w, r, h.OnError, fmt.Errorf("%w: Verifier.Secret is nil", ErrConfig), replyError)
		return
	}
	// Authentication errors come from the sign package and map to 401.
	p, err := h.Verifier.Verify(r.Header, body)
	if err != nil {
		refuse(w, r, h.OnError, err, replyError)
		return
	}
	if !json.Valid(body) {
		refuse(w, r, h.OnError, fmt.Errorf("%w: the body is not JSON", ErrMalformed), replyError)
		return
	}
	var forget func() error
	if h.Replay != nil {
		until, err := signedUntil(p, h.Verifier.Window)
		if err == nil {
			forget, err = checkReplay(r.Context(), h.Replay, signedKey(p, body), until)
		}
		if err != nil {
			refuse(w, r, h.OnError, err, replyError)
			return
		}
	}
	if err := handleOnce(r.Context(), h.Handle, NXCloudCallback{Params: p, Body: body}, forget); err != nil {
		refuse(w, r, h.OnError, err, replyError)
		return
	}
	writeText(w, http.StatusOK, replySuccess)
}
