package sign

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
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
