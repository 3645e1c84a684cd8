package sign_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/verikit/verikit/sign"
)

// fuzzSignSeeds are the documented test vectors of
// /work/shared/reference/nxcloud-signing.md (common inputs: accessKey
// fme2na3kdi3ki, ts 1655710885431, bizType 1, action send, secret
// abciiiko2k3), with the published signature of each body.
var fuzzSignSeeds = []struct {
	body, md5, sha256 string
}{
	{`{"name":"牛小信","id":10001}`, "87c3560d3331ae23f1021e2025722354", "e0eec2c99ef80f269a82795e2223f618ebfc0616c8b6c8c7d438021ec38ad0eb"},
	{`{"id":10001,"name":"牛小信"}`, "7750759da06333f20d0640be09355e34", "d04863619d46121592cdb312ec0a91c148a1f5daea64930ad0e1fb31a04dc808"},
	{`{"id": 10001, "name": "牛小信"}`, "d0c24a9886c629330d7f3f2056c65bc2", ""},
	{``, "884afe159e39b6c88a0d6102ca97d704", "921e82155cc02cdf78da934307c33cdca3f412d35ddb5b965482a2e029e900f4"},
}

// fuzzRefSign is the signature computed the slow, obvious way: hash the
// whole string-to-sign.
func fuzzRefSign(alg sign.Algorithm, p sign.Params, body []byte, secret string) string {
	s := []byte(sign.StringToSign(p, body, secret))
	if alg == sign.SHA256 {
		sum := sha256.Sum256(s)
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum(s)
	return hex.EncodeToString(sum[:])
}

// fuzzFlipDigit returns sig with the hex digit at i replaced by another
// value (not merely another case of the same value).
func fuzzFlipDigit(sig string, i int, by byte) string {
	const digits = "0123456789abcdef"
	b := []byte(strings.ToLower(sig))
	v := strings.IndexByte(digits, b[i])
	b[i] = digits[(v+1+int(by%15))%16]
	return string(b)
}

// FuzzVerify: Verify never panics on any input, including any claimed
// signature; for both algorithms it accepts exactly the signature Sign
// computes (in either case), which is the hash of StringToSign, and
// rejects it once any one hex digit differs. HeaderValue finds each
// signed header whatever the case of its name.
func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSignSeeds {
		f.Add("fme2na3kdi3ki", "1655710885431", "1", "send", []byte(s.body), "abciiiko2k3", s.md5)
		if s.sha256 != "" {
			f.Add("fme2na3kdi3ki", "1655710885431", "1", "send", []byte(s.body), "abciiiko2k3", s.sha256)
		}
	}
	// The endpoint pages' placeholder signature, which signs nothing.
	f.Add("fme2na3kdi3ki", "1655710885431", "6", "verify", []byte(`{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}`), "abciiiko2k3", "6e9506557d1f289501d333ee2c365826")
	f.Add("", "", "", "", []byte(nil), "", "")
	f.Add("k", "1", "2", "checkCode", []byte(`{}`), "s", "ZZ")

	f.Fuzz(func(t *testing.T, accessKey, ts, bizType, action string, body []byte, secret, signature string) {
		p := sign.Params{AccessKey: accessKey, TS: ts, BizType: bizType, Action: action}
		for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
			sig, err := sign.Sign(alg, p, body, secret)
			if err != nil {
				t.Fatalf("Sign(%s): %v", alg, err)
			}
			if ref := fuzzRefSign(alg, p, body, secret); sig != ref {
				t.Fatalf("Sign(%s) = %s, the hash of StringToSign is %s", alg, sig, ref)
			}
			if !sign.Verify(alg, p, body, secret, sig) {
				t.Fatalf("Verify(%s) refused Sign's own signature %s", alg, sig)
			}
			if !sign.Verify(alg, p, body, secret, strings.ToUpper(sig)) {
				t.Fatalf("Verify(%s) refused the upper-case signature", alg)
			}
			i := len(signature) % len(sig)
			var by byte
			if len(body) > 0 {
				by = body[0]
			}
			if bad := fuzzFlipDigit(sig, i, by); sign.Verify(alg, p, body, secret, bad) {
				t.Fatalf("Verify(%s) accepted %s, one digit off %s", alg, bad, sig)
			}
			if got := sign.Verify(alg, p, body, secret, signature); got != strings.EqualFold(signature, sig) {
				t.Fatalf("Verify(%s, %q) = %v, Sign gives %s", alg, signature, got, sig)
			}
		}
		// A signature of one algorithm never passes for the other.
		md5Sig, _ := sign.Sign(sign.MD5, p, body, secret)
		if sign.Verify(sign.SHA256, p, body, secret, md5Sig) {
			t.Fatal("Verify(sha256) accepted an MD5 signature")
		}
		// Unknown algorithms never verify.
		if sign.Verify(sign.Algorithm("sha1"), p, body, secret, md5Sig) {
			t.Fatal("Verify accepted an unknown algorithm")
		}

		// Callback headers may arrive in any case.
		h := http.Header{}
		for name, v := range map[string]string{sign.HeaderAccessKey: accessKey, sign.HeaderTS: ts, sign.HeaderBizType: bizType, sign.HeaderAction: action} {
			h[strings.ToLower(name)] = []string{v}
		}
		got := sign.Params{
			AccessKey: sign.HeaderValue(h, sign.HeaderAccessKey),
			TS:        sign.HeaderValue(h, sign.HeaderTS),
			BizType:   sign.HeaderValue(h, sign.HeaderBizType),
			Action:    sign.HeaderValue(h, sign.HeaderAction),
		}
		if got != p {
			t.Fatalf("HeaderValue read %+v from lower-case headers, want %+v", got, p)
		}
	})
}

// fuzzChunkReader hides any io.WriterTo and returns at most n bytes per
// Read, with an empty read now and then, to drive SignFrom's copy path.
type fuzzChunkReader struct {
	r     io.Reader
	n     int
	reads int
}

func (c *fuzzChunkReader) Read(p []byte) (int, error) {
	c.reads++
	if c.reads%3 == 0 {
		return 0, nil
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// FuzzSignFromMatchesSign: SignFrom over a body stream gives exactly what
// Sign gives over the same bytes, for any algorithm string (both fail
// together on an unknown one), whether the reader is a *bytes.Reader
// (hashed in place through io.WriterTo) or a plain reader delivering small
// chunks; a nil reader is an empty body.
func FuzzSignFromMatchesSign(f *testing.F) {
	for _, s := range fuzzSignSeeds {
		f.Add("md5", "fme2na3kdi3ki", "1655710885431", "1", "send", []byte(s.body), "abciiiko2k3", uint8(7))
		f.Add("sha256", "fme2na3kdi3ki", "1655710885431", "1", "send", []byte(s.body), "abciiiko2k3", uint8(1))
	}
	f.Add("", "k", "1", "6", "init", []byte(`{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"xxx.xxx.xxx.xxx"}`), "s", uint8(0))
	f.Add(" SHA256 ", "k", "1", "2", "checkCode", []byte(`{"phone_number":"185xxx99","code":"1541"}`), "s", uint8(200))
	f.Add("sha1", "k", "1", "2", "checkCode", []byte(`{}`), "s", uint8(3))

	f.Fuzz(func(t *testing.T, alg, accessKey, ts, bizType, action string, body []byte, secret string, chunk uint8) {
		a := sign.Algorithm(alg)
		p := sign.Params{AccessKey: accessKey, TS: ts, BizType: bizType, Action: action}
		want, werr := sign.Sign(a, p, body, secret)

		got, err := sign.SignFrom(a, p, bytes.NewReader(body), secret)
		if (err != nil) != (werr != nil) || got != want {
			t.Fatalf("alg %q: SignFrom(*bytes.Reader) = %q, %v; Sign = %q, %v", alg, got, err, want, werr)
		}
		cr := &fuzzChunkReader{r: bytes.NewReader(body), n: int(chunk%64) + 1}
		got, err = sign.SignFrom(a, p, cr, secret)
		if (err != nil) != (werr != nil) || got != want {
			t.Fatalf("alg %q: SignFrom(chunks of %d) = %q, %v; Sign = %q, %v", alg, cr.n, got, err, want, werr)
		}
		if len(body) == 0 {
			got, err = sign.SignFrom(a, p, nil, secret)
			if (err != nil) != (werr != nil) || got != want {
				t.Fatalf("alg %q: SignFrom(nil) = %q, %v; Sign(empty) = %q, %v", alg, got, err, want, werr)
			}
		}
		if werr == nil {
			parsed, perr := sign.ParseAlgorithm(alg)
			if perr != nil {
				t.Fatalf("Sign accepted algorithm %q that ParseAlgorithm refuses: %v", alg, perr)
			}
			if ref := fuzzRefSign(parsed, p, body, secret); want != ref {
				t.Fatalf("alg %q: Sign = %s, the hash of StringToSign is %s", alg, want, ref)
			}
		}
	})
}
