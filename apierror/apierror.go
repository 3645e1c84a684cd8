// Package apierror defines the errors the SDK's clients return, so a caller
// can tell them apart with errors.As:
//
//   - *Error: the vendor answered, and the answer is a failure. NXCloud
//     reports failures with HTTP 200 and a non-zero result code; EngageLab
//     with an HTTP 4xx/5xx status. Both end up here, with the code, message
//     and HTTP status, and an excerpt of any body that was not the vendor's
//     error shape (an HTML page from a proxy, an empty body).
//
//   - *ValidationError: the request broke its spec (a required field missing
//     or empty, a wrong type); nothing was sent.
//
//   - *TransportError: no answer was read (DNS, connection refused or
//     reset, timeout). It wraps the cause, so errors.As reaches *url.Error
//     and errors.Is reaches context.DeadlineExceeded.
//
// Failures that call for their own handling are reachable with errors.Is,
// whichever of the types above carries them: ErrAuth, ErrTooFrequent,
// ErrAlreadyVerified and ErrOutcomeUnknown. Which vendor codes belong to
// which kind is declared in the specs (x-error-kinds).
package apierror

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Kinds of failure, for errors.Is.
var (
	// ErrAuth: the credentials or the signature were refused (NXCloud
	// 1000–1005, EngageLab 2001–2004, or HTTP 401/403). Retrying will not help.
	ErrAuth = errors.New("authentication failed")
	// ErrTooFrequent: the vendor asks the caller to slow down (NXCloud 2206,
	// EngageLab 3004, HTTP 429).
	ErrTooFrequent = errors.New("requests too frequent")
	// ErrAlreadyVerified: the code was verified before (EngageLab 3003 on
	// verify). A repeated verify after an uncertain failure ends here.
	ErrAlreadyVerified = errors.New("already verified")
	// ErrOutcomeUnknown: an operation that is not safe to repeat failed
	// after its request may have reached the server (a timeout or reset
	// after the connection was made), or its answer looked like a success
	// (the success status and code) but broke the success schema, so the
	// server may well have done it. It was not retried; find out what
	// happened before trying again.
	ErrOutcomeUnknown = errors.New("outcome unknown")
)

// ExcerptLen is how much of an unexpected response body an Error keeps.
const ExcerptLen = 256

// Error is a failure reported by the vendor's API.
type Error struct {
	// Operation names the call: "nxcloud/ota init".
	Operation string
	// StatusCode is the HTTP status (200 for NXCloud's result-code failures).
	StatusCode int
	// HasCode reports whether the body carried a vendor result code.
	HasCode bool
	// Code is the vendor's result code: compare it with the ResultCode or
	// ErrorCode constants of the operation's gen/ package.
	Code int
	// CodeText is the vendor's result code when it is a word, not a
	// number: "failed" from NXCloud's voice conversion report. HasCode is
	// false then.
	CodeText string
	// Message is the vendor's description of the failure.
	Message string
	// Body is the start of the response body when it carried no result
	// code: at most ExcerptLen bytes, plus "…" when it was cut.
	Body []byte
	// Header is the response's header.
	Header http.Header
	// Kind is ErrAuth, ErrTooFrequent, ErrAlreadyVerified or nil.
	Kind error
	// Attempts is how many times the request was sent.
	Attempts int
	// Reason says why the SDK took the answer for a failure when the
	// vendor's own code did not say so: a redirect it refused to follow,
	// or a body that breaks the operation's success schema.
	Reason string
	// Data is what a coded failure carried in the field a success keeps
	// its result in (NXCloud's data), as sent; nil when absent or null.
	// NXCloud WhatsApp's 9099 puts Meta's error there: decode it into
	// the operation's result type (whatsapp.SendMessageResult's Error).
	Data json.RawMessage
}

// Is makes errors.Is(err, ErrTooFrequent) and the like work.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Operation)
	b.WriteString(": ")
	if e.Reason != "" {
		b.WriteString(e.Reason)
		b.WriteString("; ")
	}
	if e.HasCode || e.CodeText != "" {
		if e.HasCode {
			fmt.Fprintf(&b, "code %d", e.Code)
		} else {
			fmt.Fprintf(&b, "code %q", e.CodeText)
		}
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
		if e.StatusCode != http.StatusOK {
			fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "unexpected HTTP %d response", e.StatusCode)
	if len(e.Body) == 0 {
		b.WriteString(" with an empty body")
	} else {
		fmt.Fprintf(&b, ": %q", e.Body)
	}
	return b.String()
}

// FromResponse builds an Error from a response whose body has been read.
// It reads the vendor result shape — {"code": n, "msg"|"message": "…"} —
// when the body has one, and otherwise keeps an excerpt of the body.
func FromResponse(operation string, resp *http.Response, body []byte) *Error {
	return fromResponse(operation, resp, body, "", false)
}

// FromMalformedAnswer builds an Error for an answer that has the form of a
// success (the success status, and the success code where there is one)
// but breaks the operation's success schema: reason says how. It claims no
// vendor code, since the vendor reported none, and keeps an excerpt of the
// body.
func FromMalformedAnswer(operation string, resp *http.Response, body []byte, reason string) *Error {
	return &Error{Operation: operation, StatusCode: resp.StatusCode, Header: resp.Header, Reason: reason, Body: excerpt(body)}
}

// FromTextCodeResponse is FromResponse for a product whose result codes are
// integers written as JSON text ({"code": "1"}, NXCloud's form-based
// products): such a code is read too.
func FromTextCodeResponse(operation string, resp *http.Response, body []byte) *Error {
	return fromResponse(operation, resp, body, "", true)
}

// FromReply is FromResponse (FromTextCodeResponse when textCodes is set)
// for an operation whose success keeps its result in the field payload
// (NXCloud's "data"): what a failure carries there becomes Data, read in
// the same pass over the body.
func FromReply(operation string, resp *http.Response, body []byte, payload string, textCodes bool) *Error {
	return fromResponse(operation, resp, body, payload, textCodes)
}

func fromResponse(operation string, resp *http.Response, body []byte, payload string, textCodes bool) *Error {
	e := &Error{Operation: operation, StatusCode: resp.StatusCode, Header: resp.Header}
	// Keys are matched exactly, as the specs name them: encoding/json
	// would also take "Code" for code, and a body holding both could pass
	// off one as the other.
	var reply map[string]json.RawMessage
	if json.Unmarshal(body, &reply) == nil {
		if d := reply[payload]; payload != "" && len(d) > 0 && string(d) != "null" {
			e.Data = bytes.Clone(d)
		}
		// EngageLab's push APIs wrap theirs: {"error": {"code", "message"}}.
		if _, flat := reply["code"]; !flat {
			var nested map[string]json.RawMessage
			if json.Unmarshal(reply["error"], &nested) == nil && nested != nil {
				reply = nested
			}
		}
		// A code is a JSON integer, or, for products that write their
		// codes as text ("1"), an integer written as text.
		code := reply["code"]
		if textCodes && len(code) > 1 && code[0] == '"' {
			var text string
			if json.Unmarshal(code, &text) == nil && isDigits(text) {
				code = json.RawMessage(text)
			}
		}
		if len(code) > 0 && code[0] != '"' {
			if n, err := json.Number(code).Int64(); err == nil {
				e.HasCode, e.Code = true, int(n)
				if msg, ok := message(reply); ok {
					e.Message = msg
					return e
				}
				e.HasCode, e.Code = false, 0
			}
		} else if word, ok := wordCode(code); ok {
			// A word for a code ({"code": "failed", "info": "…"}).
			if msg, ok := message(reply); ok && msg != "" {
				e.CodeText, e.Message = word, msg
				return e
			}
			e.CodeText = word
		}
	}
	e.Body = excerpt(body)
	return e
}

// message is the first non-empty text of the fields vendors describe a
// result with; false when one of them is there but not text.
func message(reply map[string]json.RawMessage) (string, bool) {
	var first string
	for _, k := range []string{"msg", "message", "result", "info"} {
		raw, present := reply[k]
		if !present || string(raw) == "null" {
			continue
		}
		var text string
		if json.Unmarshal(raw, &text) != nil {
			if k == "msg" || k == "message" {
				return "", false
			}
			continue // result and info are data in some answers
		}
		if first == "" {
			first = text
		}
	}
	return first, true
}

// wordCode reads a code written as a short word of letters, digits, '_'
// and '-' (not a number: that is a text code, read above).
func wordCode(raw json.RawMessage) (string, bool) {
	var w string
	if len(raw) < 2 || raw[0] != '"' || json.Unmarshal(raw, &w) != nil || w == "" || len(w) > 32 || isDigits(w) {
		return "", false
	}
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", false
		}
	}
	return w, true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if i == 0 && s[i] == '-' && len(s) > 1 {
				continue
			}
			return false
		}
	}
	return true
}

// excerpt copies the start of body, cut on a UTF-8 boundary.
func excerpt(body []byte) []byte {
	body = bytes.TrimSpace(body)
	if len(body) <= ExcerptLen {
		return bytes.Clone(body)
	}
	cut := ExcerptLen
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return append(bytes.Clone(body[:cut]), "…"...)
}

// TransportError is a call that got no answer it could read.
type TransportError struct {
	// Operation names the call: "nxcloud/ota init".
	Operation string
	// Attempts is how many times the request was sent.
	Attempts int
	// OutcomeUnknown reports that the request may have reached the server
	// and the operation is not safe to repeat; see ErrOutcomeUnknown.
	OutcomeUnknown bool
	// Err is the cause: a *url.Error, context.DeadlineExceeded, …
	Err error
}

func (e *TransportError) Error() string {
	msg := e.Operation + ": " + e.Err.Error()
	if e.OutcomeUnknown {
		msg += " (outcome unknown: the request may have been processed, so it was not retried)"
	}
	return msg
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOutcomeUnknown) work.
func (e *TransportError) Is(target error) bool {
	return e.OutcomeUnknown && target == ErrOutcomeUnknown
}

// ValidationError reports a request that breaks its spec. Nothing was sent.
type ValidationError struct {
	// Operation names the call: "nxcloud/ota init".
	Operation string
	// Problems lists what is wrong, one field each: "phone: must not be empty".
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: invalid request, nothing was sent: %s", e.Operation, strings.Join(e.Problems, "; "))
}
