package specs

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// kin-openapi checks a schema's `format` only when a validator is
// registered for it, and silently accepts any value otherwise: without
// these, `format: uri` on a field would allow "not a url". This file is
// the one place that says how each format the specs use is enforced. The
// client's request check (Operation.ValidateBody) and the mock's request
// and response validation both take SchemaValidationOptions; a test fails
// when a spec uses a format that is not listed here.

var (
	stringFormats = map[string]openapi3.StringFormatValidator{
		"uri": openapi3.NewCallbackValidator(validateURI),
		// A multipart body's file part: the client sends an upload.File
		// and the mock reads a part with a file name, so what a schema
		// check sees in its place is the file's name, any text.
		"binary": openapi3.NewCallbackValidator(func(string) error { return nil }),
		// A form body's file as Base64 text (the standard, padded alphabet).
		"byte": openapi3.NewCallbackValidator(validateBase64),
	}
	numberFormats = map[string]openapi3.NumberFormatValidator{
		"double": openapi3.NewRangeFormatValidator(-math.MaxFloat64, math.MaxFloat64),
		"float":  openapi3.NewRangeFormatValidator(-math.MaxFloat32, math.MaxFloat32),
	}
	integerFormats = map[string]openapi3.IntegerFormatValidator{
		"int32": openapi3.NewRangeFormatValidator(int64(math.MinInt32), int64(math.MaxInt32)),
		"int64": openapi3.NewRangeFormatValidator(int64(math.MinInt64), int64(math.MaxInt64)),
	}
)

// SchemaValidationOptions are the kin-openapi options that enforce every
// format the specs use. They are per validation, so the SDK changes no
// global kin-openapi state of the program it is part of.
func SchemaValidationOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(stringFormats),
		openapi3.WithNumberFormatValidators(numberFormats),
		openapi3.WithIntegerFormatValidators(integerFormats),
	}
}

// KnownFormat reports whether a format of the given JSON type ("string",
// "number" or "integer") is enforced by SchemaValidationOptions.
func KnownFormat(typ, format string) bool {
	switch typ {
	case openapi3.TypeString:
		_, ok := stringFormats[format]
		return ok
	case openapi3.TypeNumber:
		_, ok := numberFormats[format]
		return ok
	case openapi3.TypeInteger:
		_, ok := integerFormats[format]
		return ok
	}
	return false
}

// validateURI accepts an absolute URI with a scheme and, for http and
// https, a host: what a vendor can deliver to. The error never quotes the
// value.
func validateURI(s string) error {
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n") {
		return errors.New("not a URI: it contains white space")
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URI")
	}
	switch {
	case u.Scheme == "":
		return errors.New("not an absolute URI: it has no scheme")
	case u.Opaque != "" && (u.Scheme == "http" || u.Scheme == "https"):
		return fmt.Errorf("not a URI: %s needs //host", u.Scheme)
	case (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() == "":
		return errors.New("not a URI: it has no host")
	}
	return nil
}

// validateBase64 accepts standard, padded Base64. The error never quotes
// the value.
func validateBase64(s string) error {
	if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil {
		return errors.New("not Base64 (the standard alphabet, padded)")
	}
	return nil
}
