package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/verikit/verikit/gen/nxcloud/ota"
)

// OTA receives NXCloud's one-tap login result (the spec's CallbackEvent):
// a POST whose query string carries requestId, phone, status and drTime.
// It answers "success" (HTTP 200) when Handle returns nil, and "error"
// otherwise, with the statuses listed in the package documentation.
//
// NXCloud documents no signature for this callback, so anyone who knows
// the URL can call it: use an unguessable path, restrict the source
// addresses, or confirm the result with the OTA verify call before acting
// on it.
type OTA struct {
	// Handle receives each well-formed callback. Required.
	Handle func(context.Context, ota.CallbackEvent) error
	// MaxBodyBytes bounds a form body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// OnError, if set, is told why a callback was refused.
	OnError func(*http.Request, error)
}

// OTAHandler returns an [OTA] handler that hands each result to fn.
func OTAHandler(fn func(context.Context, ota.CallbackEvent) error) http.Handler {
	return &OTA{Handle: fn}
}

// ServeHTTP implements [http.Handler].
func (h *OTA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		refuse(w, r, h.OnError, fmt.Errorf("%w: got %s", ErrMethod, clip(r.Method, 16)), replyError)
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	ev, err := parseOTA(r, limit)
	if err == nil {
		err = call(r.Context(), h.Handle, ev)
	}
	if err != nil {
		refuse(w, r, h.OnError, err, replyError)
		return
	}
	writeText(w, http.StatusOK, replySuccess)
}

// otaFields maps the lower-cased parameter names to the event's fields.
// drtime covers both NXCloud spellings, drTime (its table) and drtime
// (its example).
var otaFields = [...]string{"requestid", "phone", "status", "drtime"}

// otaNames are the spec's spellings, for error messages.
var otaNames = [...]string{"requestId", "phone", "status", "drTime"}

// ParseOTACallback reads a one-tap login result from a request: the query
// string, and also an application/x-www-form-urlencoded body of at most
// DefaultMaxBodyBytes if there is one. Parameter names are matched
// ignoring case, so drTime and drtime (both used by NXCloud) are the same
// parameter. Values are trimmed of surrounding white space.
//
// All four fields are required. A parameter given twice with different
// values is an error, since there is no telling which one is right. The
// values are not checked further: a status this SDK does not know
// (ota.VerificationStatus.Valid reports false) or a drTime in another
// layout reaches the caller instead of being refused, because refusing a
// result loses it. Errors wrap [ErrMalformed] or [ErrTooLarge].
func ParseOTACallback(r *http.Request) (ota.CallbackEvent, error) {
	return parseOTA(r, DefaultMaxBodyBytes)
}

func parseOTA(r *http.Request, limit int64) (ota.CallbackEvent, error) {
	var vals [len(otaFields)]string
	var conflict string
	add := func(v url.Values) {
		for k, vs := range v {
			i := otaIndex(k)
			if i < 0 {
				continue
			}
			for _, s := range vs {
				s = strings.TrimSpace(s)
				switch {
				case s == "":
				case vals[i] == "":
					vals[i] = s
				case vals[i] != s && conflict == "":
					conflict = otaNames[i]
				}
			}
		}
	}
	// A pair that does not decode (a bad %-escape, a ';') is skipped, not
	// fatal: it matters only if it was a required field, and then the
	// error below says why the field is missing.
	var skipped []string
	if r.URL != nil {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			skipped = append(skipped, "query string: "+err.Error())
		}
		add(q)
	}
	if r.Body != nil && isForm(r.Header.Get("Content-Type")) {
		b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig), int64(len(b)) > limit:
			return ota.CallbackEvent{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		case err != nil:
			return ota.CallbackEvent{}, fmt.Errorf("%w: reading the body: %v", ErrMalformed, err)
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			skipped = append(skipped, "form body: "+err.Error())
		}
		add(form)
	}
	if conflict != "" {
		return ota.CallbackEvent{}, fmt.Errorf("%w: %s is given twice with different values", ErrMalformed, conflict)
	}
	var missing []string
	for i, v := range vals {
		if v == "" {
			missing = append(missing, otaNames[i])
		}
	}
	if len(missing) > 0 {
		err := fmt.Errorf("%w: missing %s", ErrMalformed, strings.Join(missing, ", "))
		if len(skipped) > 0 {
			err = fmt.Errorf("%w (undecodable parameters skipped: %s)", err, clip(strings.Join(skipped, "; "), 120))
		}
		return ota.CallbackEvent{}, err
	}
	return ota.CallbackEvent{
		RequestID: vals[0],
		Phone:     vals[1],
		Status:    ota.VerificationStatus(vals[2]),
		DrTime:    vals[3],
	}, nil
}

func otaIndex(name string) int {
	for i, f := range otaFields {
		if strings.EqualFold(name, f) {
			return i
		}
	}
	return -1
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// DRTimeLayout is the layout of an OTA callback's drTime, yyyy-MM-dd
// HH:mm:ss, for [time.ParseInLocation].
const DRTimeLayout = time.DateTime

// ParseDRTime parses an OTA callback's drTime in loc. NXCloud's
// documentation names no time zone for it, so the caller must choose one
// (the zone of the NXCloud account, most likely); a nil loc is an error
// rather than a silent guess.
func ParseDRTime(drTime string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		return time.Time{}, errors.New("webhook: ParseDRTime needs a time zone: NXCloud does not document drTime's")
	}
	t, err := time.ParseInLocation(DRTimeLayout, strings.TrimSpace(drTime), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("webhook: drTime is not yyyy-MM-dd HH:mm:ss: %w", err)
	}
	return t, nil
}

// clip bounds a request-controlled text echoed in an error.
func clip(s string, max int) string {
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
