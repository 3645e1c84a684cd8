package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/sign"
)

// EngageLabKind tells what an EngageLab callback row reports.
type EngageLabKind string

// The kinds of row. A row's kind comes from which one of the keys status,
// notification, response and system_event it carries.
const (
	// KindStatus: a message's progress (Row.Status).
	KindStatus EngageLabKind = "status"
	// KindNotification: an account notice (Row.Notification).
	KindNotification EngageLabKind = "notification"
	// KindResponse: a reply from the recipient (Row.Response).
	KindResponse EngageLabKind = "response"
	// KindSystemEvent: an action on the account (Row.SystemEvent).
	KindSystemEvent EngageLabKind = "system_event"
	// KindUnknown: a row with none of those keys, more than one, or not an
	// object at all. Raw holds it.
	KindUnknown EngageLabKind = "unknown"
)

// EngageLabEvent is one row of an EngageLab callback.
type EngageLabEvent struct {
	Kind EngageLabKind
	// Row is the row decoded into the spec's type, as far as it fits.
	// Statuses and events the spec does not list are kept as they came
	// (their Valid method reports false).
	Row otp.CallbackRow
	// Raw is the row's JSON exactly as received, including any field the
	// spec does not know.
	Raw json.RawMessage
	// DecodeErr is non-nil when the row did not fully fit otp.CallbackRow
	// (a field of an unexpected type, or a row that is not an object);
	// Row then holds the fields that did.
	DecodeErr error
}

// Known reports whether the row is of a known kind with a status or event
// value the spec lists, and decoded cleanly.
func (e EngageLabEvent) Known() bool {
	if e.DecodeErr != nil {
		return false
	}
	r := e.Row
	switch e.Kind {
	case KindStatus:
		return r.Status != nil && r.Status.MessageStatus.Valid()
	case KindNotification:
		return r.Notification != nil && r.Notification.Event.Valid()
	case KindResponse:
		return r.Response != nil && r.Response.Event.Valid()
	case KindSystemEvent:
		return r.SystemEvent != nil && r.SystemEvent.Event.Valid()
	}
	return false
}

// EngageLab receives EngageLab's callbacks: a POST whose JSON body is
// {"total": n, "rows": [...]}, each row one event (see otp.CallbackPayload).
//
// The probe EngageLab sends when the address is saved in its console (an
// empty body or {}) is answered 200 at once, before any credential check,
// because EngageLab does not say whether the probe is signed and a refused
// probe stops the address from being saved; nothing is handed on for it.
//
// For any other delivery, in this order: a configured Authorization value
// must match exactly (constant-time), and with a Secret the X-CALLBACK-ID
// header must be present, well-formed, correctly signed, from Username if
// one is set, and no older than MaxAge if one is set (all 401). Then the
// body must be a JSON object whose rows, if present, are an array (else
// 400). With a Replay store, a header accepted before is refused (401). Every row becomes an [EngageLabEvent]; a row this SDK does not
// understand is kept as KindUnknown, never a reason to refuse the batch.
// Handle gets the whole batch at once; its error answers 500 so that
// EngageLab may deliver the batch again.
type EngageLab struct {
	// Secret is the callback secret set in EngageLab's console. When set,
	// every delivery must carry a valid X-CALLBACK-ID.
	Secret string
	// Username, if set, must be the username in X-CALLBACK-ID (it is part
	// of what is signed). It is only checked when Secret is set.
	Username string
	// MaxAge, if positive, bounds how far the X-CALLBACK-ID timestamp may
	// be from Now. It is only checked when Secret is set, since the
	// timestamp is only trustworthy when signed. The signature does not
	// cover the body, so a limit narrows replays.
	MaxAge time.Duration
	// Authorization, if set, is the fixed value the Authorization header
	// must hold, as configured in EngageLab's console.
	Authorization string
	// Replay, if set, refuses a second delivery of one X-CALLBACK-ID
	// (ErrReplayed, 401): each accepted header is remembered, keyed by its
	// timestamp, nonce and username (what its signature covers), until its
	// timestamp is MaxAge old. The header does not cover the body, so
	// without this guard a captured header passes with any body for as
	// long as MaxAge allows. It needs Secret and a positive MaxAge (else
	// every delivery is refused with ErrConfig, 500). See the package
	// documentation for what it does not protect.
	Replay ReplayStore
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds the body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Handle receives the events of each delivery that has at least one.
	// Required.
	Handle func(context.Context, []EngageLabEvent) error
	// OnError, if set, is told why a delivery was refused.
	OnError func(*http.Request, error)
}

// ServeHTTP implements [http.Handler]. Refusals carry only the status
// text, so a caller learns nothing about which check failed.
func (h *EngageLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		refuse(w, r, h.OnError, fmt.Errorf("%w: got %s", ErrMethod, clip(r.Method, 16)), "")
		return
	}
	body, err := readBody(w, r, h.MaxBodyBytes)
	if err != nil {
		refuse(w, r, h.OnError, err, "")
		return
	}
	if isProbe(body) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if h.Replay != nil && (h.Secret == "" || h.MaxAge <= 0) {
		refuse(w, r, h.OnError, fmt.Errorf("%w: Replay needs Secret and a positive MaxAge", ErrConfig), "")
		return
	}
	id, err := h.authenticate(r)
	if err != nil {
		refuse(w, r, h.OnError, err, "")
		return
	}
	events, err := ParseEngageLabPayload(body)
	if err != nil {
		refuse(w, r, h.OnError, err, "")
		return
	}
	// After the body was read, so that a malformed delivery does not use
	// up the header; before Handle, so that a replay never reaches it.
	var forget func() error
	if h.Replay != nil {
		if forget, err = checkReplay(r.Context(), h.Replay, callbackIDKey(id), id.Time().Add(h.MaxAge)); err != nil {
			refuse(w, r, h.OnError, err, "")
			return
		}
	}
	if len(events) > 0 {
		if err := handleOnce(r.Context(), h.Handle, events, forget); err != nil {
			refuse(w, r, h.OnError, err, "")
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// authenticate checks the credentials and returns the verified
// X-CALLBACK-ID (zero without a Secret).
func (h *EngageLab) authenticate(r *http.Request) (sign.CallbackID, error) {
	v := CallbackIDVerifier{Secret: h.Secret, Username: h.Username, MaxAge: h.MaxAge, Authorization: h.Authorization, Now: h.Now}
	return v.Verify(r)
}

// CallbackIDVerifier checks what EngageLab may put on a callback: a fixed
// Authorization value, and the X-CALLBACK-ID header signed with the
// callback secret (HMAC-SHA256 over timestamp, nonce and username), both
// as configured in EngageLab's console. EngageLab makes both optional: a
// verifier with neither takes every delivery, unauthenticated.
type CallbackIDVerifier struct {
	// Secret, when set, requires a valid X-CALLBACK-ID on every delivery.
	Secret string
	// Username, if set, must be the header's username (only with Secret).
	Username string
	// MaxAge, if positive, bounds the header's age (only with Secret).
	MaxAge time.Duration
	// Authorization, if set, is the exact Authorization header required.
	Authorization string
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
}

// Verify checks r's headers and returns the verified X-CALLBACK-ID (zero
// without a Secret). Its errors wrap ErrUnauthorized or the sign
// package's header errors, which answer 401.
func (v *CallbackIDVerifier) Verify(r *http.Request) (sign.CallbackID, error) {
	if v.Authorization != "" {
		got := r.Header.Values("Authorization")
		if len(got) != 1 || !equalSecret(got[0], v.Authorization) {
			return sign.CallbackID{}, fmt.Errorf("%w: the Authorization header is missing or wrong", ErrUnauthorized)
		}
	}
	if v.Secret == "" {
		return sign.CallbackID{}, nil
	}
	ids := r.Header.Values(sign.HeaderCallbackID)
	switch len(ids) {
	case 0:
		return sign.CallbackID{}, fmt.Errorf("%w: %s", sign.ErrMissingHeader, sign.HeaderCallbackID)
	case 1:
	default:
		return sign.CallbackID{}, fmt.Errorf("%w: %s is given %d times", sign.ErrMalformedHeader, sign.HeaderCallbackID, len(ids))
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	id, err := sign.VerifyCallbackID(ids[0], v.Secret, v.MaxAge, now())
	if err != nil {
		return sign.CallbackID{}, err
	}
	if v.Username != "" && id.Username != v.Username {
		return sign.CallbackID{}, fmt.Errorf("%w: the X-CALLBACK-ID username is not the configured one", ErrUnauthorized)
	}
	return id, nil
}

// equalSecret compares two secrets in constant time, hashing them first so
// that not even their lengths leak.
func equalSecret(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// isProbe reports whether body is EngageLab's console probe: empty, or an
// empty JSON object.
func isProbe(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return true
	}
	if b[0] != '{' {
		return false
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && len(m) == 0
}

// ParseEngageLabPayload decodes the body of an EngageLab callback into
// events, one per row. The body must be a JSON object and its rows, if
// present, an array (else an error wrapping [ErrMalformed]). Rows
// themselves never make it fail: each is kept, as KindUnknown with
// DecodeErr when it does not fit. An object without rows that holds
// anything but total (a shape this SDK does not know) becomes a single
// KindUnknown event holding the whole body. An empty object yields no
// events.
func ParseEngageLabPayload(body []byte) ([]EngageLabEvent, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w: the body is not a JSON object", ErrMalformed)
	}
	// Keys are matched as encoding/json matches them into a struct (case
	// folded, the last duplicate wins), so that what is found here is what
	// a caller decoding the same body into a struct would find.
	var batch struct {
		Rows json.RawMessage `json:"rows"`
	}
	_ = json.Unmarshal(body, &batch) // the body is an object: cannot fail on a RawMessage
	if batch.Rows == nil || isNull(batch.Rows) {
		for k := range top {
			if !strings.EqualFold(k, "total") && !strings.EqualFold(k, "rows") {
				return []EngageLabEvent{{
					Kind:      KindUnknown,
					Raw:       json.RawMessage(bytes.Clone(body)),
					DecodeErr: fmt.Errorf("%w: the body has no rows", ErrMalformed),
				}}, nil
			}
		}
		return nil, nil
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(batch.Rows, &rows); err != nil {
		return nil, fmt.Errorf("%w: rows is not an array", ErrMalformed)
	}
	events := make([]EngageLabEvent, 0, len(rows))
	for _, raw := range rows {
		events = append(events, parseRow(raw))
	}
	return events, nil
}

// rowKinds are the keys that give a row its kind.
var rowKinds = [...]EngageLabKind{KindStatus, KindNotification, KindResponse, KindSystemEvent}

// rowParts holds the parts that give a row its kind, in rowKinds' order,
// matched by encoding/json's own key rules.
type rowParts struct {
	Status       json.RawMessage `json:"status"`
	Notification json.RawMessage `json:"notification"`
	Response     json.RawMessage `json:"response"`
	SystemEvent  json.RawMessage `json:"system_event"`
}

func parseRow(raw json.RawMessage) EngageLabEvent {
	ev := EngageLabEvent{Kind: KindUnknown, Raw: raw}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		ev.DecodeErr = fmt.Errorf("%w: the row is not a JSON object", ErrMalformed)
		return ev
	}
	var parts rowParts
	_ = json.Unmarshal(raw, &parts) // the row is an object: cannot fail on RawMessages
	found := 0
	for i, v := range [...]json.RawMessage{parts.Status, parts.Notification, parts.Response, parts.SystemEvent} {
		if v == nil || isNull(v) {
			continue
		}
		ev.Kind = rowKinds[i]
		found++
		// A part that is not an object ("status": "sent") is a shape
		// this SDK does not know.
		if !isObject(v) {
			found = -1
			break
		}
	}
	if found != 1 {
		ev.Kind = KindUnknown
	}
	// encoding/json keeps decoding past a field of the wrong type and
	// reports the first one, so Row keeps every field that fits.
	if err := json.Unmarshal(raw, &ev.Row); err != nil {
		ev.DecodeErr = fmt.Errorf("%w: row: %v", ErrMalformed, err)
	}
	return ev
}

func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}
