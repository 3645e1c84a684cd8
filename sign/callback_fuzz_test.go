package sign_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/verikit/verikit/sign"
)

// FuzzParseCallbackID: ParseCallbackID never panics; it either fails with
// one of its two sentinel errors, or returns four non-empty parts with a
// decimal timestamp and a 64-digit hex signature, which format back
// (String) to a header that parses to the same value. A header re-signed
// with a secret verifies under that secret only.
func FuzzParseCallbackID(f *testing.F) {
	valid := sign.NewCallbackID("s3cret", "acme", "8837726", time.Unix(1725407449, 0))
	f.Add(valid.String(), "s3cret")
	f.Add(" Signature="+valid.Signature+" ; USERNAME=acme;nonce=8837726 ;timestamp=1725407449 ", "s3cret")
	f.Add(valid.String()+";version=2", "")
	f.Add(valid.String()+";nonce=1", "s3cret")
	f.Add("timestamp=1;nonce=2;username=a=b;signature="+strings.Repeat("AB", 32), "k")
	f.Add("timestamp=1;;nonce=2", "k")
	f.Add("", "")
	f.Add("garbage", "k")
	f.Add("timestamp=-1;nonce=2;username=u;signature="+strings.Repeat("0", 64), "k")
	f.Add("timestamp=1;nonce=2;username=u;signature="+strings.Repeat("g", 64), "k")

	f.Fuzz(func(t *testing.T, header, secret string) {
		id, err := sign.ParseCallbackID(header)
		if err != nil {
			if !errors.Is(err, sign.ErrMalformedHeader) && !errors.Is(err, sign.ErrMissingHeader) {
				t.Fatalf("ParseCallbackID(%q): error %v wraps neither sentinel", header, err)
			}
			if id != (sign.CallbackID{}) {
				t.Fatalf("ParseCallbackID(%q) failed but returned %+v", header, id)
			}
			return
		}
		if id.Timestamp == "" || id.Nonce == "" || id.Username == "" || id.Signature == "" {
			t.Fatalf("ParseCallbackID(%q) = %+v with an empty part", header, id)
		}
		if strings.Trim(id.Timestamp, "0123456789") != "" {
			t.Fatalf("timestamp %q is not decimal", id.Timestamp)
		}
		if b, err := hex.DecodeString(id.Signature); err != nil || len(b) != 32 {
			t.Fatalf("signature %q is not 64 hex digits", id.Signature)
		}
		// Parts with a ';' or surrounding white space cannot round-trip,
		// and ParseCallbackID never returns such parts.
		again, err := sign.ParseCallbackID(id.String())
		if err != nil {
			t.Fatalf("String() of %+v does not parse: %v", id, err)
		}
		if again != id {
			t.Fatalf("round trip: %+v became %+v", id, again)
		}
		// Whatever the claimed signature, Verify agrees with
		// CallbackSignature, and a re-signed header verifies.
		want := sign.CallbackSignature(secret, id.Timestamp, id.Nonce, id.Username)
		if got := id.Verify(secret) == nil; got != strings.EqualFold(want, id.Signature) {
			t.Fatalf("Verify = %v, but CallbackSignature gives %s for %s", got, want, id.Signature)
		}
		id.Signature = want
		if err := id.Verify(secret); err != nil {
			t.Fatalf("re-signed %+v does not verify: %v", id, err)
		}
		if err := id.Verify(secret + "x"); !errors.Is(err, sign.ErrBadSignature) {
			t.Fatalf("re-signed header verified under another secret: %v", err)
		}
	})
}
