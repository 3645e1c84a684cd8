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
	"slices"
	"strings"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// NewClient returns a client that signs every signed operation's request
// with the account's access key and secret. Operations that send an
// application's key pair instead take it from option.WithAppCredentials; a
// client for those only may leave both access arguments empty.
func NewClient(accessKey, accessSecret string, opts ...option.Option) (*Client, error) {
	if (accessKey == "") != (accessSecret == "") {
		return nil, fmt.Errorf("nxcloud: give both the access key and the access secret, or neither")
	}
	cfg, err := apiclient.NewConfig(opts)
	if err != nil {
		return nil, err
	}
	for set := range cfg.AppCredentials {
		if !slices.Contains(appCredentialSets, set) {
			return nil, fmt.Errorf("nxcloud: no NXCloud operation sends %q application credentials (known: %s)", set, strings.Join(appCredentialSets, ", "))
		}
	}
	return newClient(cfg, func(base http.RoundTripper) http.RoundTripper {
		signer := &sign.NXCloudTransport{
			Base:         base,
			AccessKey:    accessKey,
			AccessSecret: accessSecret,
			Algorithm:    cfg.SignAlgorithm,
			Operation:    specs.SignedConstants,
		}
		return bySpec{signed: signer, unsigned: base, keyless: accessKey == ""}
	}), nil
}

// bySpec signs the operations whose spec says they are signed, and sends
// the others (application key pairs in the request, or nothing) as they
// are: the account's access key goes only where a signature is due.
type bySpec struct {
	signed, unsigned http.RoundTripper
	keyless          bool // NewClient was given no access key
}

// Refuse fails a signed operation on a client without the access key,
// before anything is sent.
func (t bySpec) Refuse(op *specs.Operation) error {
	if t.keyless && op.Signed() {
		return fmt.Errorf("%s is signed, but the client has no access key: give nxcloud.NewClient the account's access key and secret", op.FullName())
	}
	return nil
}

func (t bySpec) RoundTrip(req *http.Request) (*http.Response, error) {
	if op, ok := specs.OperationFrom(req.Context()); ok && !op.Signed() {
		return t.unsigned.RoundTrip(req)
	}
	return t.signed.RoundTrip(req)
}
