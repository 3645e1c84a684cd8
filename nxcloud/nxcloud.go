// Package nxcloud is the entry point to NXCloud's APIs. NewClient returns
// a Client with one field per NXCloud product (client.OTA,
// client.WhatsApp, …), each with a typed method per operation, generated
// from specs/nxcloud:
//
//	client, err := nxcloud.NewClient(accessKey, accessSecret)
//	link, err := client.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", Phone: "8615800001795", UserIP: "203.0.113.7"})
//
// Every request is signed (sign.NXCloudTransport) over the exact bytes
// that are sent, with a fresh ts on each attempt and each operation's
// bizType and action read from its spec. NXCloud answers a failed call
// with HTTP 200 and a non-zero result code; the methods return that as an
// *apierror.Error, and return the envelope's data on success.
package nxcloud

import (
	"fmt"
	"net/http"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// NewClient returns a client that signs every request with the account's
// access key and secret.
func NewClient(accessKey, accessSecret string, opts ...option.Option) (*Client, error) {
	if accessKey == "" || accessSecret == "" {
		return nil, fmt.Errorf("nxcloud: an access key and an access secret are required")
	}
	cfg, err := apiclient.NewConfig(opts)
	if err != nil {
		return nil, err
	}
	return newClient(cfg, func(base http.RoundTripper) http.RoundTripper {
		return &sign.NXCloudTransport{
			Base:         base,
			AccessKey:    accessKey,
			AccessSecret: accessSecret,
			Algorithm:    cfg.SignAlgorithm,
			Operation:    specs.SignedConstants,
		}
	}), nil
}
