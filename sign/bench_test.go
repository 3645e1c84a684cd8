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

// BenchmarkSign measures the full signature: header list, body and secret
// streamed into the hash, then hex-encoded into a string.
func BenchmarkSign(b *testing.B) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		for _, n := range benchSizes {
			body := benchBody(n)
			b.Run(string(alg)+"/"+sizeName(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					s, err := sign.Sign(alg, docParams, body, docSecret)
					if err != nil {
						b.Fatal(err)
					}
					sinkString = s
				}
			})
		}
	}
}

// BenchmarkSignFrom is the streaming variant used by the transport.
func BenchmarkSignFrom(b *testing.B) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		for _, n := range benchSizes {
			body := benchBody(n)
			b.Run(string(alg)+"/"+sizeName(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				r := bytes.NewReader(body)
				for b.Loop() {
					r.Reset(body)
					s, err := sign.SignFrom(alg, docParams, r, docSecret)
					if err != nil {
						b.Fatal(err)
					}
					sinkString = s
				}
			})
		}
	}
}

// BenchmarkHashOnly is the baseline: the one-shot digest of the body bytes
// alone, rendered to a hex string the same way Sign renders its result.
func BenchmarkHashOnly(b *testing.B) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		for _, n := range benchSizes {
			body := benchBody(n)
			b.Run(string(alg)+"/"+sizeName(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				var out [2 * sha256.Size]byte
				for b.Loop() {
					if alg == sign.SHA256 {
						sum := sha256.Sum256(body)
						sinkString = string(out[:hex.Encode(out[:], sum[:])])
					} else {
						sum := md5.Sum(body)
						sinkString = string(out[:hex.Encode(out[:], sum[:])])
					}
				}
			})
		}
	}
}
