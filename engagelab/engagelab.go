// Package engagelab is the entry point to EngageLab's APIs. NewClient
// returns a Client with one field per EngageLab product (client.OTP, …),
// each with a typed method per operation, generated from specs/engagelab:
//
//	client, err := engagelab.NewClient(devKey, devSecret)
//	sent, err := client.OTP.SendMessage(ctx, otp.SendMessageParams{To: "+8613800138000", Template: otp.MessageTemplate{ID: "verify-login"}})
//
// Every request uses HTTP Basic authentication (sign.BasicAuthTransport),
// with the dev key or, for a product that has its own, the product's pair.
// EngageLab answers a failed call with HTTP 4xx/5xx and {code, message};
// the methods return that as an *apierror.Error. A wrong OTP code is a
// success with Verified false, not an error.
package engagelab

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// NewClient returns a client that authenticates with the developer key and
// secret from the EngageLab console. A product with its own pair (e-mail's
// api_user and api_key: x-basic-credentials in its spec) sends that pair
// instead, given once with option.WithAppCredentials; a client for such
// products only may leave the dev key and secret both empty.
func NewClient(devKey, devSecret string, opts ...option.Option) (*Client, error) {
	if (devKey == "") != (devSecret == "") {
		return nil, fmt.Errorf("engagelab: a dev key and a dev secret are required")
	}
	// Basic auth separates the user name from the password with the first
	// colon: a key holding one would be sent as another user.
	if strings.Contains(devKey, ":") {
		return nil, fmt.Errorf("engagelab: the dev key must not contain ':'")
	}
	cfg, err := apiclient.NewConfig(opts)
	if err != nil {
		return nil, err
	}
	if devKey == "" && len(cfg.AppCredentials) == 0 {
		return nil, fmt.Errorf("engagelab: a dev key and a dev secret are required")
	}
	return newClient(cfg, func(base http.RoundTripper) http.RoundTripper {
		return &sign.BasicAuthTransport{Base: base, DevKey: devKey, DevSecret: devSecret, For: productPair(cfg)}
	}), nil
}

// productPair gives an operation whose spec names its own Basic pair
// (x-basic-credentials) that pair; apiclient has checked it is there.
func productPair(cfg *apiclient.Config) func(*http.Request) (string, string, bool) {
	return func(r *http.Request) (string, string, bool) {
		op, ok := specs.OperationFrom(r.Context())
		if !ok || op.BasicCredentials == nil {
			return "", "", false
		}
		p := cfg.AppCredentials[op.BasicCredentials.Set]
		return op.BasicCredentials.UserPrefix + p.Key, p.Secret, true
	}
}
