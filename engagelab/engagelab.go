// Package engagelab is the entry point to EngageLab's APIs. NewClient
// returns a Client with one field per EngageLab product (client.OTP, …),
// each with a typed method per operation, generated from specs/engagelab:
//
//	client, err := engagelab.NewClient(devKey, devSecret)
//	sent, err := client.OTP.SendMessage(ctx, otp.SendMessageParams{To: "+8613800138000", Template: otp.MessageTemplate{ID: "verify-login"}})
//
// Every request uses HTTP Basic authentication (sign.BasicAuthTransport).
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
)

// NewClient returns a client that authenticates with the developer key and
// secret from the EngageLab console.
func NewClient(devKey, devSecret string, opts ...option.Option) (*Client, error) {
	if devKey == "" || devSecret == "" {
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
	return newClient(cfg, func(base http.RoundTripper) http.RoundTripper {
		return &sign.BasicAuthTransport{Base: base, DevKey: devKey, DevSecret: devSecret}
	}), nil
}
