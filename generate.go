// Package verikit is the root of a Go SDK for the NXCloud and EngageLab
// messaging and verification APIs.
//
// Start from a vendor package: nxcloud.NewClient or engagelab.NewClient
// returns a client with one field per product (client.OTA, client.OTP, …),
// whose typed methods are generated from the OpenAPI specs in specs/. See
// README.md.
//
// Regenerate everything after adding or editing a spec:
//
//	go generate ./...
package verikit

//go:generate go run ./codegen
