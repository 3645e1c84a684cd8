package verikit

import "fmt"

// Result unwraps a generated client call into its typed success payload or
// its error, so a call reads as one line:
//
//	env, err := verikit.Result(c.OTA.InitWithResponse(ctx, body))
//	// env is *ota.InitEnvelope; env.Data.URL is the link
//
// The vendor clients already turn every failed answer into an error; Result
// adds a guard for a response without a decoded JSON payload, so the value
// it returns with a nil error is never nil.
func Result[T any, R interface{ GetJSON200() *T }](r R, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	v := r.GetJSON200()
	if v == nil {
		return nil, fmt.Errorf("verikit: the response carried no JSON payload")
	}
	return v, nil
}
