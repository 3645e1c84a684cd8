// Package engagelab is the entry point to EngageLab's APIs. NewClient wires
// the generated clients of gen/engagelab to HTTP Basic authentication
// (sign.BasicAuthTransport), to request checks against the spec, and to
// typed errors.
//
// EngageLab answers a failed call with HTTP 4xx/5xx and {code, message};
// the client turns that into an *apierror.Error, so a nil error means the
// call succeeded and the generated response's JSON200 is set. A wrong OTP
// code is a success with Verified false, not an error.
package engagelab

import (
	"fmt"
	"net/http"

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
	if c.OTP, err = apiclient.Build(cfg, "engagelab/otp", v, otp.NewClientWithResponses, otp.WithHTTPClient); err != nil {
		return nil, err
	}
	return c, nil
}

// checkStatus accepts HTTP 200 (the only success status the spec lists, and
// the only one the generated parsers decode) with a JSON body; anything else
// is an error carrying EngageLab's {code, message} when the body has them.
func checkStatus(op *specs.Operation, resp *http.Response, body []byte) error {
	if resp.StatusCode == http.StatusOK && apiclient.AcceptJSON(resp, body) {
		return nil
	}
	return apierror.FromResponse(op.FullName(), resp, body)
}
