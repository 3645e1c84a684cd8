// Command verikit calls the NXCloud and EngageLab verification APIs from a
// shell, serves a mock of them, and debugs NXCloud signatures.
//
//	go run ./cmd/verikit demo     # every operation against an in-process mock
//	go run ./cmd/verikit --help
package main

import (
	"os"

	"github.com/verikit/verikit/internal/cli"
)

func main() { os.Exit(cli.Main()) }
