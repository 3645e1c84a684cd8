// Package verikit is the root of a Go SDK for the NXCloud and EngageLab
// messaging and verification APIs.
//
// The typed clients in gen/ are generated from the OpenAPI specs in specs/;
// the packages nxcloud and engagelab wire them to the signing and
// authentication in sign/ and give them typed errors. See README.md.
//
// Regenerate everything after editing a spec:
//
//	go generate ./...
package verikit

//go:generate go tool oapi-codegen -config codegen/nxcloud-ota.yaml specs/nxcloud/ota.yaml
//go:generate go tool oapi-codegen -config codegen/nxcloud-wa-integrator.yaml specs/nxcloud/wa-integrator.yaml
//go:generate go tool oapi-codegen -config codegen/engagelab-otp.yaml specs/engagelab/otp.yaml
