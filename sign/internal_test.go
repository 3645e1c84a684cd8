package sign

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderValueHelper(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		key  string
		want string
	}{
		{"raw key", http.Header{"bizType": {"3"}}, "bizType", "3"},
		{"canonical key", http.Header{"Biztype": {"3"}}, "bizType", "3"},
		{"raw preferred", http.Header{"bizType": {"raw"}, "Biztype": {"canon"}}, "bizType", "raw"},
		{"lower-case not found by the cheap helper", http.Header{"biztype": {"3"}}, "bizType", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, headerValue(tt.h, tt.key))
		})
	}
}

func TestSetExact(t *testing.T) {
	h := http.Header{
		"Accesskey": {"canonical"},
		"ACCESSKEY": {"upper"},
		"accesskey": {"lower"},
		"Other":     {"kept"},
	}
	setExact(h, HeaderAccessKey, []string{"new"})
	assert.Equal(t, http.Header{"accessKey": {"new"}, "Other": {"kept"}}, h)

	deleteAnyCase(h, "OTHER")
	assert.Equal(t, http.Header{"accessKey": {"new"}}, h)
}

func TestDigestDoesNotAllocate(t *testing.T) {
	body := []byte(`{"name":"x","id":10001}`)
	p := Params{AccessKey: "fme2na3kdi3ki", TS: "1655710885431", BizType: "1", Action: "send"}
	for _, alg := range []Algorithm{MD5, SHA256} {
		allocs := testing.AllocsPerRun(100, func() {
			_, _, _ = digest(alg, p, body, "abciiiko2k3")
		})
		assert.Zero(t, allocs, "digest(%s) allocations", alg)
		allocs = testing.AllocsPerRun(100, func() {
			_, _ = Sign(alg, p, body, "abciiiko2k3")
		})
		assert.LessOrEqual(t, allocs, 1.0, "Sign(%s) allocations (only the result string)", alg)
	}
}

// lyingReader announces a length other than what it holds, to prove that
// SignFrom's one-shot path signs what the reader delivers, not what its
// Len says.
type lyingReader struct {
	r   *bytes.Reader
	len int
}

func (l *lyingReader) Read(p []byte) (int, error) { return l.r.Read(p) }
func (l *lyingReader) Len() int                   { return l.len }

func TestSignFromOneShotAndStreamAgree(t *testing.T) {
	p := Params{AccessKey: "fme2na3kdi3ki", TS: "1655710885431", BizType: "1", Action: "send"}
	const secret = "abciiiko2k3"
	// The string-to-sign's fixed part for these params, so that sizes land
	// on either side of the one-shot bound.
	fixed := len(StringToSign(p, []byte("x"), secret)) - 1
	sizes := []int{0, 1, 200, oneShotMax - fixed - 1, oneShotMax - fixed, oneShotMax - fixed + 1, 4 << 10}
	for _, alg := range []Algorithm{MD5, SHA256} {
		for _, n := range sizes {
			body := bytes.Repeat([]byte("b"), n)
			want, err := Sign(alg, p, body, secret)
			require.NoError(t, err)
			readers := map[string]io.Reader{
				"bytes.Reader":   bytes.NewReader(body),
				"strings.Reader": strings.NewReader(string(body)),
				"unsized":        io.MultiReader(bytes.NewReader(body)),
				"len too small":  &lyingReader{r: bytes.NewReader(body), len: n / 2},
				"len too large":  &lyingReader{r: bytes.NewReader(body), len: n + 7},
			}
			for name, r := range readers {
				got, err := SignFrom(alg, p, r, secret)
				require.NoError(t, err, "%s %d %s", alg, n, name)
				assert.Equal(t, want, got, "%s, %d bytes, %s", alg, n, name)
			}
		}
	}
}

func TestSignFromLeavesNoSecretInThePool(t *testing.T) {
	p := Params{AccessKey: "k", TS: "1", BizType: "1", Action: "a"}
	const secret = "pool-secret-value"
	st := streamStates.Get().(*streamState)
	streamStates.Put(st)
	_, err := st.signShort(MD5, p, bytes.NewReader([]byte(`{}`)), secret)
	require.NoError(t, err)
	assert.NotContains(t, string(st.small[:]), secret)
}
