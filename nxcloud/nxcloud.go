// Package nxcloud is the entry point to NXCloud's APIs. NewClient wires the
// generated clients of gen/nxcloud to request signing (sign.NXCloudTransport,
// with each operation's bizType and action read from its spec), to request
// checks against the spec, and to typed errors.
//
// NXCloud answers a failed call with HTTP 200 and a non-zero result code;
// the client turns that into an *apierror.Error, so a nil error means the
// call succeeded and the generated response's JSON200 is set.
package nxcloud

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// Client holds one generated client per NXCloud product, all sharing the
// same credentials and options.
type Client struct {
	// OTA is one-tap phone authentication (specs/nxcloud/ota.yaml).
	OTA *ota.ClientWithResponses
	// WhatsApp is WhatsApp integrator registration
	// (specs/nxcloud/wa-integrator.yaml): login, getCode, checkCode,
	// createClient, createApp and phoneList.
	WhatsApp *waintegrator.ClientWithResponses
}

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
	v := apiclient.Vendor{
		Auth: func(base http.RoundTripper) http.RoundTripper {
			return &sign.NXCloudTransport{
				Base:         base,
				AccessKey:    accessKey,
				AccessSecret: accessSecret,
				Algorithm:    cfg.SignAlgorithm,
				Operation:    specs.SignedConstants,
			}
		},
		Check: checkEnvelope,
	}
	c := &Client{}
	if c.OTA, err = apiclient.Build(cfg, "nxcloud/ota", v, ota.NewClientWithResponses, ota.WithHTTPClient); err != nil {
		return nil, err
	}
	if c.WhatsApp, err = apiclient.Build(cfg, "nxcloud/wa-integrator", v, waintegrator.NewClientWithResponses, waintegrator.WithHTTPClient); err != nil {
		return nil, err
	}
	return c, nil
}

// checkEnvelope accepts only HTTP 200 with result code 0: every NXCloud
// product answers in a {code, msg|message, data} envelope.
func checkEnvelope(op *specs.Operation, resp *http.Response, body []byte) error {
	if isSuccess(op, resp, body) {
		apiclient.MarkJSON(resp)
		return nil
	}
	e := apierror.FromResponse(op.FullName(), resp, body)
	if resp.StatusCode != http.StatusOK || !e.HasCode || e.Code != 0 {
		return e
	}
	if promisesData(op) && !hasData(body) {
		e.Message = "the result code says success, but the envelope carries no data"
		return e
	}
	if !apiclient.AcceptJSON(resp, body) { // last: it may rewrite the header
		return e
	}
	return nil
}

// isSuccess is the common case in one decode: HTTP 200, a JSON object whose
// code is exactly 0, and data if the operation promises it. Anything else,
// including an unusual spelling of zero, takes the full path above, which
// decides the same way and builds the error.
func isSuccess(op *specs.Operation, resp *http.Response, body []byte) bool {
	if resp.StatusCode != http.StatusOK {
		return false
	}
	// The same fields as apierror.FromResponse decodes, so that a body it
	// cannot read (a msg that is not a string) is not a success here either.
	var env struct {
		Code    json.RawMessage `json:"code"`
		Msg     string          `json:"msg"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil || string(env.Code) != "0" {
		return false
	}
	return !promisesData(op) || (len(env.Data) > 0 && string(env.Data) != "null")
}

// promisesData reports whether the operation's success envelope must carry
// data: a data object with required fields (OTA init and verify, WhatsApp
// login and createApp), or a data array (WhatsApp phoneList, where an empty
// list is a valid answer but null is not). getCode's empty object and
// checkCode's null promise nothing. The envelope's data is nullable because
// failures share the HTTP 200 schema, so only this tells that success must
// carry it.
func promisesData(op *specs.Operation) bool {
	env := op.ResponseSchema(http.StatusOK)
	if env == nil || env.Properties["data"] == nil || env.Properties["data"].Value == nil {
		return false
	}
	data := env.Properties["data"].Value
	if len(data.Required) > 0 || data.Type.Is(openapi3.TypeArray) {
		return true
	}
	for _, member := range data.AllOf {
		if member.Value != nil && (len(member.Value.Required) > 0 || member.Value.Type.Is(openapi3.TypeArray)) {
			return true
		}
	}
	return false
}

func hasData(body []byte) bool {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	return json.Unmarshal(body, &env) == nil && len(env.Data) > 0 && string(env.Data) != "null"
}
