package sign

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors of callback verification, for [errors.Is]. Each tells which check
// failed; none ever carries a secret or the signature that was expected.
var (
	// ErrMissingHeader: a required authentication header is absent or empty.
	ErrMissingHeader = errors.New("sign: callback authentication header missing")
	// ErrMalformedHeader: an authentication header is present but cannot be
	// read (a ts that is not a number, an unknown algorithm, a header given
	// twice with different values, an X-CALLBACK-ID that breaks its syntax).
	ErrMalformedHeader = errors.New("sign: callback authentication header malformed")
	// ErrStale: the callback's timestamp is too far in the past or the future.
	ErrStale = errors.New("sign: callback timestamp outside the allowed window")
	// ErrTimestampOutOfRange: the callback's timestamp is so far from now
	// (about 292 years or more) that the distance does not fit a
	// time.Duration, such as a ts of 999999999999999999. Such an error
	// wraps ErrStale too, since the timestamp is outside every window.
	ErrTimestampOutOfRange = errors.New("sign: callback timestamp out of range")
	// ErrUnknownKey: the callback names an access key we have no secret for.
	ErrUnknownKey = errors.New("sign: callback from an unknown access key")
	// ErrUnexpectedOperation: the callback is correctly signed but its
	// bizType/action is not one the verifier accepts.
	ErrUnexpectedOperation = errors.New("sign: callback bizType/action not accepted")
	// ErrBadSignature: the signature does not match the request.
	ErrBadSignature = errors.New("sign: callback signature does not match")
)

// DefaultCallbackWindow is how far an NXCloud callback's ts may be from the
// receiver's clock: the 60 s NXCloud allows on requests sent to it.
const DefaultCallbackWindow = 60 * time.Second

// SecretLookup returns the access secret of an access key, and false for a
// key it does not know.
type SecretLookup func(accessKey string) (secret string, ok bool)

// Secrets is a [SecretLookup] over a fixed map of access keys to secrets.
func Secrets(keys map[string]string) SecretLookup {
	return func(accessKey string) (string, bool) {
		s, ok := keys[accessKey]
		return s, ok && s != ""
	}
}

// DIDCallback accepts the signed callbacks NXCloud documents: the DID SMS
// result push, bizType 4 with action "dr" (delivery receipt of a message
// you sent) or "mo" (a message your DID number received).
func DIDCallback(p Params) bool {
	return p.BizType == "4" && (p.Action == "dr" || p.Action == "mo")
}

// AnyOperation accepts every correctly signed request, whatever its
// bizType and action. See [CallbackVerifier.Accept] for the risk.
func AnyOperation(Params) bool { return true }

// CallbackVerifier checks a signed request that NXCloud sends to you (the
// DID SMS result callback): the same five headers as NXCloud's own API
// (accessKey, ts, bizType, action, sign, optionally algorithm), in any
// letter case, with the signature computed over the raw body with your
// account's secret. The zero value is not usable: Secret is required.
type CallbackVerifier struct {
	// Secret finds the secret of the callback's accessKey. Required.
	Secret SecretLookup
	// Window bounds the distance between ts and Now, in both directions.
	// Zero or negative means DefaultCallbackWindow.
	Window time.Duration
	// Accept decides which bizType/action pairs are taken. nil means
	// DIDCallback. Your own API requests are signed with the same secret,
	// so without this check one of them, captured and replayed at your
	// callback URL within the window, would pass as a callback.
	Accept func(Params) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks a callback's headers and raw body, in this order: every
// header present and readable (ErrMissingHeader, ErrMalformedHeader), ts
// within the window (ErrStale), access key known (ErrUnknownKey),
// signature (ErrBadSignature, compared in constant time), bizType/action
// accepted (ErrUnexpectedOperation). It returns the verified parameters,
// whose BizType and Action tell a delivery receipt ("dr") from an incoming
// message ("mo").
func (v *CallbackVerifier) Verify(h http.Header, body []byte) (Params, error) {
	if v.Secret == nil {
		return Params{}, errors.New("sign: CallbackVerifier.Secret is nil")
	}
	var p Params
	var missing []string
	var err error
	read := func(name string) string {
		val, dup := callbackHeader(h, name)
		switch {
		case dup && err == nil:
			err = fmt.Errorf("%w: %s is given more than once with different values", ErrMalformedHeader, name)
		case val == "":
			missing = append(missing, name)
		}
		return val
	}
	p.AccessKey = read(HeaderAccessKey)
	p.TS = read(HeaderTS)
	p.BizType = read(HeaderBizType)
	p.Action = read(HeaderAction)
	signature := read(HeaderSign)
	algHeader, dupAlg := callbackHeader(h, HeaderAlgorithm)
	if err != nil {
		return Params{}, err
	}
	if len(missing) > 0 {
		return Params{}, fmt.Errorf("%w: %s", ErrMissingHeader, strings.Join(missing, ", "))
	}
	if dupAlg {
		return Params{}, fmt.Errorf("%w: %s is given more than once with different values", ErrMalformedHeader, HeaderAlgorithm)
	}
	alg, aerr := ParseAlgorithm(algHeader)
	if aerr != nil {
		return Params{}, fmt.Errorf("%w: unknown algorithm (want %s or %s)", ErrMalformedHeader, MD5, SHA256)
	}
	ms, ok := parseDigits(p.TS)
	if !ok {
		return Params{}, fmt.Errorf("%w: ts is not Unix time in milliseconds", ErrMalformedHeader)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	window := v.Window
	if window <= 0 {
		window = DefaultCallbackWindow
	}
	if err := checkAge(now(), time.UnixMilli(ms), window); err != nil {
		return Params{}, err
	}
	secret, known := v.Secret(p.AccessKey)
	if !known {
		return Params{}, ErrUnknownKey
	}
	if !Verify(alg, p, body, secret, signature) {
		return Params{}, ErrBadSignature
	}
	accept := v.Accept
	if accept == nil {
		accept = DIDCallback
	}
	if !accept(p) {
		return Params{}, fmt.Errorf("%w: bizType %q, action %q", ErrUnexpectedOperation, clip(p.BizType), clip(p.Action))
	}
	return p, nil
}

// callbackHeader reads a header under any letter case. dup reports that
// it appears with more than one distinct value (under one spelling or
// several), which a verifier must refuse rather than pick one.
func callbackHeader(h http.Header, name string) (val string, dup bool) {
	for k, vs := range h {
		if !strings.EqualFold(k, name) {
			continue
		}
		for _, v := range vs {
			switch {
			case val == "":
				val = v
			case v != val:
				dup = true
			}
		}
	}
	return val, dup
}

// parseDigits parses a non-negative decimal integer made of ASCII digits
// only (no sign, no spaces), as timestamps are sent.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// checkAge reports ErrStale, saying how far off and in which direction,
// when t is more than window away from now. A distance too large for a
// time.Duration, which time.Time.Sub saturates (and whose negation would
// overflow), is ErrTimestampOutOfRange rather than a meaningless duration.
func checkAge(now, t time.Time, window time.Duration) error {
	d := now.Sub(t)
	switch {
	case d == math.MaxInt64 || d == math.MinInt64:
		return fmt.Errorf("%w (%w): it is about 292 years or more from now", ErrTimestampOutOfRange, ErrStale)
	case d > window:
		return fmt.Errorf("%w: %s old, at most %s allowed", ErrStale, d.Round(time.Second), window)
	case d < -window:
		return fmt.Errorf("%w: %s in the future, at most %s allowed", ErrStale, (-d).Round(time.Second), window)
	}
	return nil
}

// clip bounds a value echoed in an error message.
func clip(s string) string {
	const max = 32
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
