// Package engagelab is the entry point to EngageLab's APIs. NewClient wires
// the generated clients of gen/engagelab to HTTP Basic authentication
// (sign.BasicAuthTransport), to request checks against the spec, and to
// typed errors.
//
// EngageLab answers a failed call with HTTP 4xx/5xx and {code, message};
// the client turns that into an *apierror.Error, so a nil error means the
// call succeeded and the generated response's JSON200 is set. Template
// changes answer HTTP 200 with {code, message}; a non-zero code there is an
// *apierror.Error too. A wrong OTP code is a success with Verified false,
// not an error.
package engagelab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// Client holds one generated client per EngageLab product.
type Client struct {
	// OTP is one-time passwords (specs/engagelab/otp.yaml).
	OTP *otp.ClientWithResponses
}

// NewClient returns a client that authenticates with the developer key and
// secret from the EngageLab console.
func NewClient(devKey, devSecret string, opts ...option.Option) (*Client, error) {
	if devKey == "" || devSecret == "" {
		return nil, fmt.Errorf("engagelab: a dev key and a dev secret are required")
	}
	cfg, err := apiclient.NewConfig(opts)
	if err != nil {
		return nil, err
	}
	v := apiclient.Vendor{
		Auth: func(base http.RoundTripper) http.RoundTripper {
			return &sign.BasicAuthTransport{Base: base, DevKey: devKey, DevSecret: devSecret}
		},
		Check: checkStatus,
	}
	c := &Client{}
	withDoer := func(d otp.HttpRequestDoer) otp.ClientOption { return otp.WithHTTPClient(pathGuard{d}) }
	if c.OTP, err = apiclient.Build(cfg, "engagelab/otp", v, otp.NewClientWithResponses, withDoer); err != nil {
		return nil, err
	}
	return c, nil
}

// checkStatus accepts HTTP 200 (the only success status the spec lists, and
// the only one the generated parsers decode) with a JSON body that can be
// the operation's success (see fitsSuccess); anything else is an error
// carrying EngageLab's {code, message} when the body has them.
func checkStatus(op *specs.Operation, resp *http.Response, body []byte) error {
	// MarkJSON may rewrite the Content-Type, so it runs only once the
	// answer is known to be a success.
	if resp.StatusCode == http.StatusOK && json.Valid(body) && fitsSuccess(op, body) {
		apiclient.MarkJSON(resp)
		return nil
	}
	return apierror.FromResponse(op.FullName(), resp, body)
}

// fitsSuccess reports whether a valid JSON body can be the operation's
// success answer:
//   - its top-level value has the type of the spec's success schema, an
//     object or an array, so that a null or a stray error object is not
//     decoded into an empty result;
//   - when that schema is a result code ({code, message}: template create
//     and delete), code is the integer 0. EngageLab reports some failures
//     of those calls with HTTP 200 and a non-zero code.
func fitsSuccess(op *specs.Operation, body []byte) bool {
	schema := op.ResponseSchema(http.StatusOK)
	if schema == nil {
		return true
	}
	first := bytes.TrimLeft(body, " \t\r\n")[0] // valid JSON is never blank
	switch {
	case schema.Type.Is("array"):
		return first == '['
	case schema.Type.Is("object") && first != '{':
		return false
	}
	if _, coded := schema.Properties["code"]; !coded {
		return true
	}
	var reply struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &reply) != nil {
		return false
	}
	// Absent, null, a string, a non-zero number, or one the generated
	// int32 field cannot take (0.0): not a success.
	n, err := strconv.ParseInt(string(reply.Code), 10, 32)
	return err == nil && n == 0
}

// pathGuard refuses, before anything is sent, a request whose path ends in
// "/". The generated client builds such a path only from a path parameter
// that is empty or a dot segment ("" or "." for templateId, and ".." climbs
// out of the path), and the result would name another operation: an empty
// templateId turns getTemplate into the template list.
type pathGuard struct{ next otp.HttpRequestDoer }

func (g pathGuard) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/") {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &apierror.ValidationError{
			Operation: "engagelab/otp",
			Problems:  []string{`path parameter (templateId): must not be empty, "." or ".."`},
		}
	}
	return g.next.Do(req)
}
