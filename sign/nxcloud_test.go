package sign_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/sign"
)

// Common inputs of the NXCloud documentation vectors.
var docParams = sign.Params{
	AccessKey: "fme2na3kdi3ki",
	TS:        "1655710885431",
	BizType:   "1",
	Action:    "send",
}

const (
	docSecret     = "abciiiko2k3"
	docHeadersStr = "accessKey=fme2na3kdi3ki&action=send&bizType=1&ts=1655710885431"
)

type vector struct {
	name string
	alg  sign.Algorithm
	body string
	want string
}

// vectors are the published NXCloud examples (MD5) plus the values derived
// from the rule in the fact sheet (empty body, SHA-256).
var vectors = []vector{
	{"md5/name-first", sign.MD5, `{"name":"牛小信","id":10001}`, "87c3560d3331ae23f1021e2025722354"},
	{"md5/id-first", sign.MD5, `{"id":10001,"name":"牛小信"}`, "7750759da06333f20d0640be09355e34"},
	{"md5/id-first-spaced", sign.MD5, `{"id": 10001, "name": "牛小信"}`, "d0c24a9886c629330d7f3f2056c65bc2"},
	{"md5/empty", sign.MD5, ``, "884afe159e39b6c88a0d6102ca97d704"},
	{"sha256/name-first", sign.SHA256, `{"name":"牛小信","id":10001}`, "e0eec2c99ef80f269a82795e2223f618ebfc0616c8b6c8c7d438021ec38ad0eb"},
	{"sha256/id-first", sign.SHA256, `{"id":10001,"name":"牛小信"}`, "d04863619d46121592cdb312ec0a91c148a1f5daea64930ad0e1fb31a04dc808"},
	{"sha256/empty", sign.SHA256, ``, "921e82155cc02cdf78da934307c33cdca3f412d35ddb5b965482a2e029e900f4"},
}

// refDigest is an independent, deliberately naive implementation of the
// rule (full string concatenation + one-shot hash), used as an oracle.
func refDigest(alg string, p sign.Params, body []byte, secret string) string {
	s := "accessKey=" + p.AccessKey + "&action=" + p.Action + "&bizType=" + p.BizType + "&ts=" + p.TS
	if len(body) > 0 {
		s += "&body=" + string(body)
	}
	s += "&accessSecret=" + secret
	if alg == "sha256" {
		d := sha256.Sum256([]byte(s))
		return hex.EncodeToString(d[:])
	}
	d := md5.Sum([]byte(s))
	return hex.EncodeToString(d[:])
}

func TestSignVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			body := []byte(v.body)
			require.True(t, strings.Contains(v.body, " ") == (v.name == "md5/id-first-spaced"),
				"only the spaced vector may contain spaces")

			got, err := sign.Sign(v.alg, docParams, body, docSecret)
			require.NoError(t, err)
			assert.Equal(t, v.want, got, "Sign")

			got, err = sign.SignFrom(v.alg, docParams, bytes.NewReader(body), docSecret)
			require.NoError(t, err)
			assert.Equal(t, v.want, got, "SignFrom(*bytes.Reader)")

			// A reader without WriteTo, delivering one byte per Read, takes the
			// buffered copy path and splits the UTF-8 sequences.
			got, err = sign.SignFrom(v.alg, docParams, iotest.OneByteReader(strings.NewReader(v.body)), docSecret)
			require.NoError(t, err)
			assert.Equal(t, v.want, got, "SignFrom(one byte at a time)")

			// StringToSign hashed by hand gives the same value.
			s := sign.StringToSign(docParams, body, docSecret)
			assert.Equal(t, v.want, hashHex(v.alg, []byte(s)), "hash(StringToSign)")
			assert.Equal(t, refDigest(string(v.alg), docParams, body, docSecret), got, "reference implementation")
		})
	}
}

func hashHex(alg sign.Algorithm, b []byte) string {
	if alg == sign.SHA256 {
		d := sha256.Sum256(b)
		return hex.EncodeToString(d[:])
	}
	d := md5.Sum(b)
	return hex.EncodeToString(d[:])
}

func TestStringToSign(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{
			name: "documented worked example",
			body: []byte(`{"name":"牛小信","id":10001}`),
			want: docHeadersStr + `&body={"name":"牛小信","id":10001}` + "&accessSecret=abciiiko2k3",
		},
		{
			name: "empty object is a body",
			body: []byte(`{}`),
			want: docHeadersStr + "&body={}&accessSecret=abciiiko2k3",
		},
		{
			name: "nil body has no body part",
			body: nil,
			want: docHeadersStr + "&accessSecret=abciiiko2k3",
		},
		{
			name: "zero-length body has no body part",
			body: []byte{},
			want: docHeadersStr + "&accessSecret=abciiiko2k3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sign.StringToSign(docParams, tt.body, docSecret))
		})
	}
}

func TestEmptyObjectBodyIsSigned(t *testing.T) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		t.Run(string(alg), func(t *testing.T) {
			withObj, err := sign.Sign(alg, docParams, []byte("{}"), docSecret)
			require.NoError(t, err)
			empty, err := sign.Sign(alg, docParams, nil, docSecret)
			require.NoError(t, err)

			assert.Equal(t, hashHex(alg, []byte(docHeadersStr+"&body={}&accessSecret="+docSecret)), withObj)
			assert.Equal(t, hashHex(alg, []byte(docHeadersStr+"&accessSecret="+docSecret)), empty)
			assert.NotEqual(t, withObj, empty)

			fromEmpty, err := sign.SignFrom(alg, docParams, strings.NewReader(""), docSecret)
			require.NoError(t, err)
			assert.Equal(t, empty, fromEmpty, "empty reader")
			fromNil, err := sign.SignFrom(alg, docParams, nil, docSecret)
			require.NoError(t, err)
			assert.Equal(t, empty, fromNil, "nil reader")
			fromObj, err := sign.SignFrom(alg, docParams, iotest.HalfReader(strings.NewReader("{}")), docSecret)
			require.NoError(t, err)
			assert.Equal(t, withObj, fromObj, "{} through a plain reader")
		})
	}
}

func TestSignLongParams(t *testing.T) {
	// Parameters longer than the internal scratch buffer must still work.
	p := sign.Params{
		AccessKey: strings.Repeat("k", 300),
		TS:        "1655710885431",
		BizType:   "3",
		Action:    strings.Repeat("a", 100),
	}
	secret := strings.Repeat("s", 400)
	body := []byte(`{"x":1}`)
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		got, err := sign.Sign(alg, p, body, secret)
		require.NoError(t, err)
		assert.Equal(t, refDigest(string(alg), p, body, secret), got, alg)
	}
}

func TestSignAlgorithmHandling(t *testing.T) {
	body := []byte(vectors[0].body)
	tests := []struct {
		name    string
		alg     sign.Algorithm
		want    string
		wantErr bool
	}{
		{"empty means md5", "", vectors[0].want, false},
		{"upper-case MD5", "MD5", vectors[0].want, false},
		{"upper-case SHA256", "SHA256", vectors[4].want, false},
		{"unknown", "sha1", "", true},
		{"hyphenated", "sha-256", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sign.Sign(tt.alg, docParams, body, docSecret)
			gotFrom, errFrom := sign.SignFrom(tt.alg, docParams, bytes.NewReader(body), docSecret)
			if tt.wantErr {
				assert.Error(t, err)
				assert.Error(t, errFrom)
				assert.Empty(t, got)
				assert.False(t, sign.Verify(tt.alg, docParams, body, docSecret, vectors[0].want))
				return
			}
			require.NoError(t, err)
			require.NoError(t, errFrom)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want, gotFrom)
		})
	}
}

func TestSignFromReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := sign.SignFrom(sign.MD5, docParams, io.MultiReader(strings.NewReader("{"), iotest.ErrReader(boom)), docSecret)
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	assert.True(t, strings.HasPrefix(err.Error(), "sign: "), err.Error())
	assert.NotContains(t, err.Error(), docSecret)
}

func TestVerify(t *testing.T) {
	body := []byte(`{"name":"牛小信","id":10001}`)
	md5Sig := "87c3560d3331ae23f1021e2025722354"
	shaSig := "e0eec2c99ef80f269a82795e2223f618ebfc0616c8b6c8c7d438021ec38ad0eb"
	tests := []struct {
		name   string
		alg    sign.Algorithm
		body   []byte
		secret string
		sig    string
		want   bool
	}{
		{"md5 right", sign.MD5, body, docSecret, md5Sig, true},
		{"md5 right upper-case hex", sign.MD5, body, docSecret, strings.ToUpper(md5Sig), true},
		{"md5 right mixed-case hex", sign.MD5, body, docSecret, "87C3560d3331AE23f1021e2025722354", true},
		{"sha256 right", sign.SHA256, body, docSecret, shaSig, true},
		{"sha256 right upper-case hex", sign.SHA256, body, docSecret, strings.ToUpper(shaSig), true},
		{"empty alg is md5", "", body, docSecret, md5Sig, true},
		{"md5 wrong signature", sign.MD5, body, docSecret, "7750759da06333f20d0640be09355e34", false},
		{"md5 one digit off", sign.MD5, body, docSecret, "87c3560d3331ae23f1021e2025722355", false},
		{"md5 wrong secret", sign.MD5, body, "abciiiko2k4", md5Sig, false},
		{"sha256 wrong secret", sign.SHA256, body, "abciiiko2k4", shaSig, false},
		{"md5 body changed", sign.MD5, []byte(`{"id":10001,"name":"牛小信"}`), docSecret, md5Sig, false},
		{"sha256 sig checked as md5", sign.MD5, body, docSecret, shaSig, false},
		{"md5 sig checked as sha256", sign.SHA256, body, docSecret, md5Sig, false},
		{"empty signature", sign.MD5, body, docSecret, "", false},
		{"truncated", sign.MD5, body, docSecret, md5Sig[:31], false},
		{"not hex", sign.MD5, body, docSecret, "zz" + md5Sig[2:], false},
		{"unknown algorithm", "sha1", body, docSecret, md5Sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sign.Verify(tt.alg, docParams, tt.body, tt.secret, tt.sig))
		})
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in      string
		want    sign.Algorithm
		wantErr bool
	}{
		{"", sign.MD5, false},
		{"md5", sign.MD5, false},
		{"MD5", sign.MD5, false},
		{"Md5", sign.MD5, false},
		{" md5 ", sign.MD5, false},
		{"sha256", sign.SHA256, false},
		{"SHA256", sign.SHA256, false},
		{"Sha256", sign.SHA256, false},
		{"sha-256", "", true},
		{"sha1", "", true},
		{"hmac-sha256", "", true},
		{"md", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := sign.ParseAlgorithm(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "sign: ")
				assert.Contains(t, err.Error(), tt.in, "error names the bad value")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
