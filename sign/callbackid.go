package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HeaderCallbackID is the header in which EngageLab signs its callbacks
// when a callback username and secret are configured in its console.
const HeaderCallbackID = "X-CALLBACK-ID"

// CallbackID is a parsed X-CALLBACK-ID header:
//
//	X-CALLBACK-ID: timestamp={ts};nonce={nonce};username={username};signature={sig}
//
// where sig is the lower-case hex HMAC-SHA256, keyed with the callback
// secret, of ts+nonce+username. The body is not signed.
type CallbackID struct {
	// Timestamp is the value as sent (decimal digits).
	Timestamp string
	Nonce     string
	Username  string
	// Signature is the hex signature as sent.
	Signature string
}

// callbackIDKeys are the parts of the header, all required.
var callbackIDKeys = [...]string{"timestamp", "nonce", "username", "signature"}

// ParseCallbackID parses an X-CALLBACK-ID header value. It is strict about
// what it needs: every one of timestamp, nonce, username and signature
// exactly once and non-empty, a decimal timestamp, and a signature of 64
// hex digits. Parts are separated by ";" (white space around a part is
// ignored), key names are matched ignoring case, and parts with other
// names are ignored so that an added field does not break receivers.
// Errors wrap [ErrMissingHeader] or [ErrMalformedHeader] and never quote
// the header's values.
func ParseCallbackID(header string) (CallbackID, error) {
	if strings.TrimSpace(header) == "" {
		return CallbackID{}, fmt.Errorf("%w: %s is empty", ErrMissingHeader, HeaderCallbackID)
	}
	var vals [len(callbackIDKeys)]string
	var seen [len(callbackIDKeys)]bool
	for i, part := range strings.Split(header, ";") {
		part = strings.TrimSpace(part)
		key, val, hasEq := strings.Cut(part, "=")
		if part == "" || !hasEq || key == "" {
			return CallbackID{}, fmt.Errorf("%w: %s part %d is not key=value", ErrMalformedHeader, HeaderCallbackID, i+1)
		}
		for j, name := range callbackIDKeys {
			if !strings.EqualFold(key, name) {
				continue
			}
			if seen[j] {
				return CallbackID{}, fmt.Errorf("%w: %s has %s more than once", ErrMalformedHeader, HeaderCallbackID, name)
			}
			seen[j], vals[j] = true, val
		}
	}
	var missing []string
	for j, name := range callbackIDKeys {
		if vals[j] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return CallbackID{}, fmt.Errorf("%w: %s lacks %s", ErrMalformedHeader, HeaderCallbackID, strings.Join(missing, ", "))
	}
	id := CallbackID{Timestamp: vals[0], Nonce: vals[1], Username: vals[2], Signature: vals[3]}
	if _, ok := parseDigits(id.Timestamp); !ok {
		return CallbackID{}, fmt.Errorf("%w: %s timestamp is not a decimal Unix time", ErrMalformedHeader, HeaderCallbackID)
	}
	if len(id.Signature) != 2*sha256.Size {
		return CallbackID{}, fmt.Errorf("%w: %s signature is not %d hex digits", ErrMalformedHeader, HeaderCallbackID, 2*sha256.Size)
	}
	if _, err := hex.DecodeString(id.Signature); err != nil {
		return CallbackID{}, fmt.Errorf("%w: %s signature is not hex", ErrMalformedHeader, HeaderCallbackID)
	}
	return id, nil
}

// Time is the timestamp as a time. EngageLab does not document its unit:
// a value of 13 digits or more is read as Unix milliseconds, a shorter one
// as Unix seconds. It is zero when Timestamp is not a decimal number.
func (c CallbackID) Time() time.Time {
	n, ok := parseDigits(c.Timestamp)
	switch {
	case !ok:
		return time.Time{}
	case len(c.Timestamp) >= 13:
		return time.UnixMilli(n)
	default:
		return time.Unix(n, 0)
	}
}

// String formats the header value, in EngageLab's order.
func (c CallbackID) String() string {
	return "timestamp=" + c.Timestamp + ";nonce=" + c.Nonce + ";username=" + c.Username + ";signature=" + c.Signature
}

// CallbackSignature computes the X-CALLBACK-ID signature: lower-case hex
// HMAC-SHA256 of timestamp+nonce+username, keyed with secret.
func CallbackSignature(secret, timestamp, nonce, username string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte(nonce))
	m.Write([]byte(username))
	return hex.EncodeToString(m.Sum(nil))
}

// NewCallbackID returns a signed CallbackID for t (as Unix seconds), as
// EngageLab would send it. It is for tests and mocks.
func NewCallbackID(secret, username, nonce string, t time.Time) CallbackID {
	ts := strconv.FormatInt(t.Unix(), 10)
	return CallbackID{
		Timestamp: ts,
		Nonce:     nonce,
		Username:  username,
		Signature: CallbackSignature(secret, ts, nonce, username),
	}
}

// Verify reports whether the signature matches secret, comparing the
// digests in constant time. It returns nil or an error wrapping
// [ErrBadSignature] or [ErrMalformedHeader].
func (c CallbackID) Verify(secret string) error {
	got := make([]byte, sha256.Size)
	if len(c.Signature) != 2*sha256.Size {
		return fmt.Errorf("%w: %s signature is not %d hex digits", ErrMalformedHeader, HeaderCallbackID, 2*sha256.Size)
	}
	if _, err := hex.Decode(got, []byte(c.Signature)); err != nil {
		return fmt.Errorf("%w: %s signature is not hex", ErrMalformedHeader, HeaderCallbackID)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(c.Timestamp))
	m.Write([]byte(c.Nonce))
	m.Write([]byte(c.Username))
	if !hmac.Equal(m.Sum(nil), got) {
		return ErrBadSignature
	}
	return nil
}

// VerifyCallbackID parses an X-CALLBACK-ID header value and checks it:
// the signature against secret, then, when maxAge is positive, that the
// timestamp is no more than maxAge away from now in either direction
// ([ErrStale]; a timestamp too far off for a time.Duration, such as
// 999999999999999999, is [ErrTimestampOutOfRange], which wraps ErrStale).
// A forged header is thus reported as a bad signature, not as stale.
func VerifyCallbackID(header, secret string, maxAge time.Duration, now time.Time) (CallbackID, error) {
	id, err := ParseCallbackID(header)
	if err != nil {
		return CallbackID{}, err
	}
	if err := id.Verify(secret); err != nil {
		return CallbackID{}, err
	}
	if maxAge > 0 {
		if err := checkAge(now, id.Time(), maxAge); err != nil {
			return CallbackID{}, err
		}
	}
	return id, nil
}
