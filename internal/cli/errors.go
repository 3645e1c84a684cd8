package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/verikit/verikit/apierror"
)

// Values of --error-format.
const (
	errorFormatText = "text"
	errorFormatJSON = "json"
)

// Kinds of failure in a JSON error report.
const (
	kindAuth            = "auth"
	kindTooFrequent     = "too_frequent"
	kindAlreadyVerified = "already_verified"
	kindOutcomeUnknown  = "outcome_unknown"
	kindValidation      = "validation"
	kindTransport       = "transport"
	kindAPI             = "api"
	kindUsage           = "usage"
	kindRuntime         = "runtime"
)

// annotationOperation names, on an operation command, the spec operation
// it calls ("nxcloud/ota init"), for error reports.
const annotationOperation = "verikit/operation"

// errorReport is the JSON object --error-format json prints for a
// failure. Every key is always present; status and code are null when
// there was no answer or no code. It holds nothing but these fields: no
// header, no body beyond what the message quotes, never a credential.
type errorReport struct {
	Operation string `json:"operation"`
	Kind      string `json:"kind"`
	Status    *int   `json:"status"`
	Code      *int   `json:"code"`
	Message   string `json:"message"`
	Attempts  int    `json:"attempts"`
}

// classify reads an error into a report and the exit code it gives.
func classify(err error) (errorReport, int) {
	r := errorReport{Message: clipMessage(err.Error())}
	var (
		ue usageError
		ve *apierror.ValidationError
		ae *apierror.Error
		te *apierror.TransportError
		re runtimeError
	)
	switch {
	case errors.As(err, &ve):
		r.Kind, r.Operation = kindValidation, ve.Operation
		return r, ExitUsage
	case errors.As(err, &ue):
		r.Kind = kindUsage
		return r, ExitUsage
	case errors.As(err, &ae):
		r.Operation, r.Attempts = ae.Operation, ae.Attempts
		status := ae.StatusCode
		r.Status = &status
		if ae.HasCode {
			code := ae.Code
			r.Code = &code
		}
		switch {
		case errors.Is(err, apierror.ErrAuth):
			r.Kind = kindAuth
		case errors.Is(err, apierror.ErrTooFrequent):
			r.Kind = kindTooFrequent
		case errors.Is(err, apierror.ErrAlreadyVerified):
			r.Kind = kindAlreadyVerified
		case errors.Is(err, apierror.ErrOutcomeUnknown):
			r.Kind = kindOutcomeUnknown
		default:
			r.Kind = kindAPI
		}
		return r, ExitAPI
	case errors.As(err, &te):
		r.Operation, r.Attempts = te.Operation, te.Attempts
		r.Kind = kindTransport
		if errors.Is(err, apierror.ErrOutcomeUnknown) {
			r.Kind = kindOutcomeUnknown
		}
		return r, ExitAPI
	case errors.As(err, &re):
		r.Kind = kindRuntime
		return r, ExitAPI
	}
	// Not marked: cobra's own errors from parsing the command line.
	r.Kind = kindUsage
	return r, ExitUsage
}

// writeError prints a failure on stderr in the chosen format.
func writeError(w io.Writer, format string, r errorReport) {
	if format == errorFormatJSON {
		b, err := json.Marshal(r)
		if err == nil {
			fmt.Fprintf(w, "%s\n", b)
			return
		}
	}
	fmt.Fprintln(w, "error:", oneLine(r.Message))
}

// errorFormatFromArgs finds --error-format on a command line that cobra
// did not get to parse, the last one winning as with a parsed flag; an
// unknown value, or none, is text.
func errorFormatFromArgs(args []string) string {
	format := errorFormatText
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		switch {
		case a == "--"+flagErrorFormat && i+1 < len(args):
			format = args[i+1]
			i++
		case strings.HasPrefix(a, "--"+flagErrorFormat+"="):
			format = strings.TrimPrefix(a, "--"+flagErrorFormat+"=")
		}
	}
	if format != errorFormatJSON {
		return errorFormatText
	}
	return format
}

// boundFlagError rewrites pflag's errors so that a value is quoted as a
// bounded excerpt: pflag quotes it whole, and its cause (strconv's,
// time's) quotes it again.
func boundFlagError(err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) {
		v := iv.GetValue()
		cause := "not a valid " + iv.GetFlag().Value.Type()
		if c := errors.Unwrap(iv); c != nil {
			cause = strings.ReplaceAll(c.Error(), v, "…")
		}
		return fmt.Errorf("--%s: invalid value %s: %s", iv.GetFlag().Name, quoteExcerpt(v), clipMessage(cause))
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) && len(err.Error()) > 2*excerptLen {
		return fmt.Errorf("unknown flag %s", quoteExcerpt(ne.GetSpecifiedName()))
	}
	return err
}
