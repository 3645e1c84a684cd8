package sign_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/verikit/verikit/sign"
)

var benchSizes = []int{0, 200, 4 << 10, 64 << 10}

func sizeName(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

func benchBody(n int) []byte {
	return bytes.Repeat([]byte(`{"k":"v"}`), n/9+1)[:n]
}

var sinkString string

// BenchmarkSign compares, per algorithm and body size, the floor — the
// one-shot digest of the exact string-to-sign, rendered to hex the way a
// signature is (impl=tosign) — with the digest of the body alone
// (impl=hash, below the floor: it skips what the rule adds), and the full
// signature over a byte slice (Sign) and over a stream (SignFrom, what the
// transport uses). The impl key puts the
// three side by side for benchstat (-col /impl) and bench/ratios.
func BenchmarkSign(b *testing.B) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		for _, n := range benchSizes {
			body := benchBody(n)
			prefix := fmt.Sprintf("alg=%s/size=%s/impl=", alg, sizeName(n))
			run := func(impl string, f func()) {
				b.Run(prefix+impl, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(n))
					for b.Loop() {
						f()
					}
				})
			}
			var out [2 * sha256.Size]byte
			// The fair floor: the one-shot digest of the exact
			// string-to-sign, which the rule makes about 95 bytes longer
			// than the body.
			toSign := []byte(sign.StringToSign(docParams, body, docSecret))
			run("tosign", func() {
				if alg == sign.SHA256 {
					sum := sha256.Sum256(toSign)
					sinkString = string(out[:hex.Encode(out[:], sum[:])])
				} else {
					sum := md5.Sum(toSign)
					sinkString = string(out[:hex.Encode(out[:], sum[:])])
				}
			})
			run("hash", func() {
				if alg == sign.SHA256 {
					sum := sha256.Sum256(body)
					sinkString = string(out[:hex.Encode(out[:], sum[:])])
				} else {
					sum := md5.Sum(body)
					sinkString = string(out[:hex.Encode(out[:], sum[:])])
				}
			})
			run("sign", func() {
				s, err := sign.Sign(alg, docParams, body, docSecret)
				if err != nil {
					b.Fatal(err)
				}
				sinkString = s
			})
			r := bytes.NewReader(body)
			run("signfrom", func() {
				r.Reset(body)
				s, err := sign.SignFrom(alg, docParams, r, docSecret)
				if err != nil {
					b.Fatal(err)
				}
				sinkString = s
			})
		}
	}
}
