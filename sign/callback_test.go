package sign_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/sign"
)

const (
	cbKey    = "kGp5uFHN"
	cbSecret = "did-callback-secret"
	cbTS     = 1690361994834 // the DID page's push example
)

var cbBody = []byte(`{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","toPhone":"18184505018","fromPhone":"12347200160","content":"sunt non nisi","size":"1","price":"0.0360","receiveTime":"2021-02-07 14:54:00","smsStatus":"DELIVRD"}`)

// cbHeaders signs body as NXCloud would and returns the headers with
// lower-cased names, as the DID page's example shows them.
func cbHeaders(t *testing.T, alg sign.Algorithm, p sign.Params, body []byte, secret string) http.Header {
	t.Helper()
	sig, err := sign.Sign(alg, p, body, secret)
	require.NoError(t, err)
	h := http.Header{
		"accesskey": {p.AccessKey},
		"ts":        {p.TS},
		"biztype":   {p.BizType},
		"action":    {p.Action},
		"sign":      {sig},
	}
	if alg == sign.SHA256 {
		h["algorithm"] = []string{"sha256"}
	}
	return h
}

func cbParams(action string) sign.Params {
	return sign.Params{AccessKey: cbKey, TS: "1690361994834", BizType: "4", Action: action}
}

func TestCallbackVerifier(t *testing.T) {
	now := time.UnixMilli(cbTS)
	dr := cbParams("dr")

	tests := []struct {
		name string
		// headers builds the request headers; body defaults to cbBody.
		headers func(t *testing.T) http.Header
		body    []byte
		v       sign.CallbackVerifier
		want    sign.Params
		wantErr error
	}{
		{
			name:    "valid dr, md5, lower-case names",
			headers: func(t *testing.T) http.Header { return cbHeaders(t, sign.MD5, dr, cbBody, cbSecret) },
			want:    dr,
		},
		{
			name:    "valid mo, sha256",
			headers: func(t *testing.T) http.Header { return cbHeaders(t, sign.SHA256, cbParams("mo"), cbBody, cbSecret) },
			want:    cbParams("mo"),
		},
		{
			name: "canonical and upper-case names, upper-case hex",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				return http.Header{
					"Accesskey": h["accesskey"], "TS": h["ts"], "BIZTYPE": h["biztype"],
					"Action": h["action"], "Sign": {strings.ToUpper(h["sign"][0])},
				}
			},
			want: dr,
		},
		{
			name: "same value repeated is fine",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["Ts"] = h["ts"]
				return h
			},
			want: dr,
		},
		{
			name: "ts at the edge of the window",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.TS = "1690361934834" // exactly 60 s old
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			want: sign.Params{AccessKey: cbKey, TS: "1690361934834", BizType: "4", Action: "dr"},
		},
		{
			name:    "empty body",
			headers: func(t *testing.T) http.Header { return cbHeaders(t, sign.MD5, dr, nil, cbSecret) },
			body:    []byte{},
			want:    dr,
		},
		{
			name: "missing sign",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				delete(h, "sign")
				return h
			},
			wantErr: sign.ErrMissingHeader,
		},
		{
			name:    "no headers at all",
			headers: func(*testing.T) http.Header { return http.Header{} },
			wantErr: sign.ErrMissingHeader,
		},
		{
			name: "empty accessKey",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["accesskey"] = []string{""}
				return h
			},
			wantErr: sign.ErrMissingHeader,
		},
		{
			name: "two different ts values",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["Ts"] = []string{"1690361994835"}
				return h
			},
			wantErr: sign.ErrMalformedHeader,
		},
		{
			name: "ts not a number",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.TS = "+1690361994834"
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			wantErr: sign.ErrMalformedHeader,
		},
		{
			name: "unknown algorithm",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["algorithm"] = []string{"sha1"}
				return h
			},
			wantErr: sign.ErrMalformedHeader,
		},
		{
			name: "stale ts",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.TS = "1690361934833" // 60.001 s old
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			wantErr: sign.ErrStale,
		},
		{
			name: "ts in the future",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.TS = "1690362094834" // 100 s ahead
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			wantErr: sign.ErrStale,
		},
		{
			name: "a wider window accepts an older ts",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.TS = "1690361894834" // 100 s old
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			v:    sign.CallbackVerifier{Window: 2 * time.Minute},
			want: sign.Params{AccessKey: cbKey, TS: "1690361894834", BizType: "4", Action: "dr"},
		},
		{
			name: "unknown access key",
			headers: func(t *testing.T) http.Header {
				p := dr
				p.AccessKey = "someone-else"
				return cbHeaders(t, sign.MD5, p, cbBody, cbSecret)
			},
			wantErr: sign.ErrUnknownKey,
		},
		{
			name:    "wrong secret",
			headers: func(t *testing.T) http.Header { return cbHeaders(t, sign.MD5, dr, cbBody, "not-the-secret") },
			wantErr: sign.ErrBadSignature,
		},
		{
			name:    "body changed after signing",
			headers: func(t *testing.T) http.Header { return cbHeaders(t, sign.MD5, dr, cbBody, cbSecret) },
			body:    append(append([]byte{}, cbBody...), ' '),
			wantErr: sign.ErrBadSignature,
		},
		{
			name: "action changed after signing",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["action"] = []string{"mo"}
				return h
			},
			wantErr: sign.ErrBadSignature,
		},
		{
			name: "sha256 signature announced as md5",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.SHA256, dr, cbBody, cbSecret)
				delete(h, "algorithm")
				return h
			},
			wantErr: sign.ErrBadSignature,
		},
		{
			name: "the placeholder signature of the docs",
			headers: func(t *testing.T) http.Header {
				h := cbHeaders(t, sign.MD5, dr, cbBody, cbSecret)
				h["sign"] = []string{"6e9506557d1f289501d333ee2c365826"}
				return h
			},
			wantErr: sign.ErrBadSignature,
		},
		{
			name: "a replayed API request is not a DID callback",
			headers: func(t *testing.T) http.Header {
				return cbHeaders(t, sign.MD5, sign.Params{AccessKey: cbKey, TS: "1690361994834", BizType: "6", Action: "init"}, cbBody, cbSecret)
			},
			wantErr: sign.ErrUnexpectedOperation,
		},
		{
			name: "AnyOperation takes it",
			headers: func(t *testing.T) http.Header {
				return cbHeaders(t, sign.MD5, sign.Params{AccessKey: cbKey, TS: "1690361994834", BizType: "6", Action: "init"}, cbBody, cbSecret)
			},
			v:    sign.CallbackVerifier{Accept: sign.AnyOperation},
			want: sign.Params{AccessKey: cbKey, TS: "1690361994834", BizType: "6", Action: "init"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			v.Secret = sign.Secrets(map[string]string{cbKey: cbSecret})
			v.Now = func() time.Time { return now }
			h := tt.headers(t)
			body := tt.body
			if body == nil {
				body = cbBody
			}
			got, err := v.Verify(h, body)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, sign.Params{}, got)
				assert.NotContains(t, err.Error(), cbSecret)
				// Neither the expected nor the received signature is echoed.
				for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
					want, _ := sign.Sign(alg, cbParams("dr"), body, cbSecret)
					assert.NotContains(t, err.Error(), want)
				}
				if s := sign.HeaderValue(h, "sign"); s != "" {
					assert.NotContains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCallbackVerifierErrorsAreDistinct(t *testing.T) {
	all := []error{sign.ErrMissingHeader, sign.ErrMalformedHeader, sign.ErrStale, sign.ErrTimestampOutOfRange, sign.ErrUnknownKey, sign.ErrUnexpectedOperation, sign.ErrBadSignature}
	for i, a := range all {
		for j, b := range all {
			assert.Equal(t, i == j, errors.Is(a, b), "%v vs %v", a, b)
		}
	}
}

func TestCallbackVerifierDefaultsToTheRealClock(t *testing.T) {
	p := cbParams("dr")
	p.TS = "1690361994834" // 2023: long stale by the real clock
	v := sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{cbKey: cbSecret})}
	_, err := v.Verify(cbHeaders(t, sign.MD5, p, cbBody, cbSecret), cbBody)
	assert.ErrorIs(t, err, sign.ErrStale)
}

func TestCallbackVerifierWithoutSecretLookup(t *testing.T) {
	var v sign.CallbackVerifier
	_, err := v.Verify(cbHeaders(t, sign.MD5, cbParams("dr"), cbBody, cbSecret), cbBody)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Secret is nil")
}

func TestSecretsRefusesEmptySecrets(t *testing.T) {
	look := sign.Secrets(map[string]string{"a": "s", "b": ""})
	s, ok := look("a")
	assert.True(t, ok)
	assert.Equal(t, "s", s)
	_, ok = look("b")
	assert.False(t, ok, "an empty secret would let anyone sign")
	_, ok = look("c")
	assert.False(t, ok)
}

func TestDIDCallback(t *testing.T) {
	tests := []struct {
		bizType, action string
		want            bool
	}{
		{"4", "dr", true},
		{"4", "mo", true},
		{"4", "mtsend", false},
		{"4", "DR", false},
		{"6", "dr", false},
		{"", "", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sign.DIDCallback(sign.Params{BizType: tt.bizType, Action: tt.action}), "%s/%s", tt.bizType, tt.action)
	}
}
