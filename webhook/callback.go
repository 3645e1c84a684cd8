package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// Callback receives one kind of callback that a spec declares
// (x-callback): it reads the fields where the spec says they arrive (the
// query string, a form body or a JSON body), checks them against the
// callback's schema, decodes them into T (the generated type), calls
// Handle, and answers with the reply text the vendor expects. The typed
// constructors (SMSDeliveryReceiptHandler, …) are generated in
// callbacks.gen.go; the shared logic is here once.
//
// Like the other handlers it takes only POST, bounds the body, and calls
// Handle only for a callback that passed every check: 200 accepted, 400
// unreadable, 500 Handle failed.
//
// A callback the spec marks signed (x-callback signed) also needs
// Verifier: its headers are verified over the raw body first (401 when
// they fail), only the spec's bizType and actions are taken unless
// Verifier.Accept says otherwise, and Handle finds the verified
// parameters with [SignedParams].
//
// With a Replay store, a callback is accepted once: see the Replay field.
type Callback[T any] struct {
	// Spec and Schema name the callback: "nxcloud/sms", "DeliveryReceiptCallback".
	Spec, Schema string
	Handle       func(context.Context, T) error
	MaxBodyBytes int64
	OnError      func(*http.Request, error)
	// Verifier checks a signed callback's headers; required for those,
	// unused for the others.
	Verifier *sign.CallbackVerifier
	// CallbackID checks the X-CALLBACK-ID of a callback whose spec says
	// it may carry one (x-callback callback-id); required for those
	// (a zero one takes deliveries unauthenticated, as EngageLab allows).
	CallbackID *CallbackIDVerifier
	// Replay, if set, refuses a second delivery of one signed callback
	// (ErrReplayed, 401, with the callback's failure reply), as
	// [NXCloudSigned] and [EngageLab] do: each accepted callback is
	// remembered, keyed by what its signature covers, until its window
	// closes. For a signed callback that is the accessKey, ts, bizType,
	// action and raw body, until ts leaves Verifier's window; for one with
	// X-CALLBACK-ID it is the header's timestamp, nonce and username (not
	// the body, which the header does not cover), until the timestamp is
	// CallbackID.MaxAge old. Only callbacks that passed every check are
	// remembered, and one whose Handle failed is forgotten again. A
	// callback with nothing signed to key on cannot be guarded: Replay on
	// an unsigned callback, or on an X-CALLBACK-ID one without
	// CallbackID.Secret and a positive MaxAge, refuses every delivery with
	// ErrConfig (500). Parse does not use it. See the package
	// documentation for what it does not protect.
	Replay ReplayStore
}

// replayMark is what a verified callback is remembered by: the key over
// what its signature covers, and until when. A zero key: nothing signed.
type replayMark struct {
	key   string
	until time.Time
}

type signedParamsKey struct{}

// SignedParams returns the verified signed headers of the callback whose
// Handle got ctx (the action tells a receipt, dr, from an incoming
// message, mo); false for a callback that is not signed.
func SignedParams(ctx context.Context) (sign.Params, bool) {
	p, ok := ctx.Value(signedParamsKey{}).(sign.Params)
	return p, ok
}

func (h *Callback[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb, err := h.callback()
	if err != nil {
		refuse(w, r, h.OnError, fmt.Errorf("%w: %v", ErrConfig, err), replyError)
		return
	}
	if r.Method != http.MethodPost {
		refuse(w, r, h.OnError, fmt.Errorf("%w: got %s", ErrMethod, clip(r.Method, 16)), cb.Failure)
		return
	}
	if cb.Echo != "" {
		echo, err := h.echo(w, r, cb.Echo)
		if err != nil {
			refuse(w, r, h.OnError, err, cb.Failure)
			return
		}
		if echo != "" { // the address probe: nothing to hand on
			writeText(w, http.StatusOK, echo)
			return
		}
	}
	if h.Replay != nil {
		if err := h.canGuard(cb); err != nil {
			refuse(w, r, h.OnError, err, cb.Failure)
			return
		}
	}
	v, params, mark, err := h.parse(w, r, cb)
	// After every check, so that a refused delivery does not use up the
	// signed values; before Handle, so that a replay never reaches it.
	var forget func() error
	if err == nil && h.Replay != nil {
		forget, err = checkReplay(r.Context(), h.Replay, mark.key, mark.until)
	}
	if err == nil {
		ctx := r.Context()
		if cb.Signed != nil {
			ctx = context.WithValue(ctx, signedParamsKey{}, params)
		}
		err = handleOnce(ctx, h.Handle, v, forget)
	}
	if err != nil {
		refuse(w, r, h.OnError, err, cb.Failure)
		return
	}
	writeText(w, http.StatusOK, cb.Success)
}

// canGuard reports whether the callback carries signed values a Replay
// store can key on.
func (h *Callback[T]) canGuard(cb *specs.Callback) error {
	switch {
	case cb.Signed != nil:
		return nil
	case cb.CallbackID:
		if h.CallbackID == nil || h.CallbackID.Secret == "" || h.CallbackID.MaxAge <= 0 {
			return fmt.Errorf("%w: Replay on %s needs CallbackID with a Secret and a positive MaxAge", ErrConfig, cb.Name)
		}
		return nil
	}
	return fmt.Errorf("%w: Replay on %s: the callback is not signed, so there is nothing to key on", ErrConfig, cb.Name)
}

func (h *Callback[T]) callback() (*specs.Callback, error) {
	d, err := specs.Load(h.Spec)
	if err != nil {
		return nil, err
	}
	return d.Callback(h.Schema)
}

// Parse reads a callback request into T as ServeHTTP does, without
// answering it.
func (h *Callback[T]) Parse(r *http.Request) (T, error) {
	var zero T
	cb, err := h.callback()
	if err != nil {
		return zero, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	v, _, _, err := h.parse(nil, r, cb)
	return v, err
}

// echo reads the body and, when it is the address probe (a JSON object
// holding only the field, a string), returns that value; otherwise ""
// with the body left readable again.
func (h *Callback[T]) echo(w http.ResponseWriter, r *http.Request, field string) (string, error) {
	b, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		return "", err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil || len(probe) != 1 {
		return "", nil
	}
	var v string
	if json.Unmarshal(probe[field], &v) != nil {
		return "", nil
	}
	// Echoed as text: keep it to what a probe holds.
	if v == "" || len(v) > 64 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", fmt.Errorf("%w: the %s probe holds no short printable value", ErrMalformed, field)
	}
	return v, nil
}

// verify checks a signed callback's headers over its raw body, and leaves
// the body readable again for the fields. It returns the verified headers
// and the body's replay mark.
func (h *Callback[T]) verify(w http.ResponseWriter, r *http.Request, cb *specs.Callback) (sign.Params, replayMark, error) {
	if h.Verifier == nil || h.Verifier.Secret == nil {
		return sign.Params{}, replayMark{}, fmt.Errorf("%w: %s is signed: Verifier with a Secret is required", ErrConfig, cb.Name)
	}
	b, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		return sign.Params{}, replayMark{}, err
	}
	v := *h.Verifier
	if v.Accept == nil {
		v.Accept = func(p sign.Params) bool { return cb.Signed.Accepts(p.BizType, p.Action) }
	}
	p, err := v.Verify(r.Header, b)
	if err != nil {
		return sign.Params{}, replayMark{}, err
	}
	until, err := signedUntil(p, v.Window)
	if err != nil {
		return sign.Params{}, replayMark{}, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return p, replayMark{signedKey(p, b), until}, nil
}

// parse checks and decodes the callback; the mark is what a Replay store
// remembers it by (zero when nothing signed it).
func (h *Callback[T]) parse(w http.ResponseWriter, r *http.Request, cb *specs.Callback) (T, sign.Params, replayMark, error) {
	var zero T
	var params sign.Params
	var mark replayMark
	if cb.CallbackID {
		if h.CallbackID == nil {
			return zero, params, mark, fmt.Errorf("%w: %s may carry X-CALLBACK-ID: CallbackID is required", ErrConfig, cb.Name)
		}
		id, err := h.CallbackID.Verify(r)
		if err != nil {
			return zero, params, mark, err
		}
		if h.CallbackID.Secret != "" && h.CallbackID.MaxAge > 0 {
			mark = replayMark{callbackIDKey(id), id.Time().Add(h.CallbackID.MaxAge)}
		}
	}
	if cb.Signed != nil {
		var err error
		if params, mark, err = h.verify(w, r, cb); err != nil {
			return zero, params, mark, err
		}
	}
	v, err := h.fields(w, r, cb)
	return v, params, mark, err
}

func (h *Callback[T]) fields(w http.ResponseWriter, r *http.Request, cb *specs.Callback) (T, error) {
	var zero T
	fields := map[string]any{}
	if slices.Contains(cb.In, "query") && r.URL != nil {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return zero, fmt.Errorf("%w: query string: %v", ErrMalformed, err)
		}
		mergeFields(fields, specs.FormObject(cb.Schema, canonical(cb.Schema, q)))
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case mt == specs.MediaForm && slices.Contains(cb.In, "form"):
		b, err := readBody(w, r, h.MaxBodyBytes)
		if err != nil {
			return zero, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return zero, fmt.Errorf("%w: form body: %v", ErrMalformed, err)
		}
		mergeFields(fields, specs.FormObject(cb.Schema, canonical(cb.Schema, form)))
	case slices.Contains(cb.In, "json") && (mt == specs.MediaJSON || strings.HasSuffix(mt, "+json")):
		b, err := readBody(w, r, h.MaxBodyBytes)
		if err != nil {
			return zero, err
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			return zero, fmt.Errorf("%w: the body is not a JSON object", ErrMalformed)
		}
		mergeFields(fields, obj)
	}
	if err := cb.Schema.VisitJSON(map[string]any(fields), append(specs.SchemaValidationOptions(), openapi3.MultiErrors())...); err != nil {
		return zero, fmt.Errorf("%w: %s", ErrMalformed, clip(strings.Join(specs.Describe(err), "; "), 300))
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return zero, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return zero, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return v, nil
}

// canonical renames fields to the schema's spelling when they differ only
// in case (NXCloud sends drTime and drtime alike), and drops empty values.
func canonical(s *openapi3.Schema, v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		name := k
		if _, exact := s.Properties[k]; !exact {
			for p := range s.Properties {
				if strings.EqualFold(p, k) {
					name = p
					break
				}
			}
		}
		for _, x := range vs {
			if x = strings.TrimSpace(x); x != "" {
				out.Add(name, x)
			}
		}
	}
	return out
}

// mergeFields adds src to dst; the first place a field appears wins.
func mergeFields(dst, src map[string]any) {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
}
