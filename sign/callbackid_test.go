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
	elSecret   = "engagelab-callback-secret"
	elUser     = "acme"
	elNonce    = "8837726"
	elTS       = "1725407449"
	elHexShape = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// elSig is the signature of elTS+elNonce+elUser under elSecret.
var elSig = sign.CallbackSignature(elSecret, elTS, elNonce, elUser)

func TestCallbackSignature(t *testing.T) {
	// Computed independently with Python's hmac module:
	// hmac.new(b"engagelab-callback-secret", b"1725407449"+b"8837726"+b"acme", hashlib.sha256).hexdigest()
	assert.Equal(t, "e678d36947efdfa06ca450aeed3bd8102c885e3e233f6bc10d41bf40c4ceb39b", elSig)
	// Only the concatenation is signed, so moving a boundary keeps it.
	assert.Equal(t, elSig, sign.CallbackSignature(elSecret, "17254", "074498837726", elUser))
	assert.NotEqual(t, elSig, sign.CallbackSignature(elSecret+"x", elTS, elNonce, elUser))
}

func TestParseCallbackID(t *testing.T) {
	valid := sign.CallbackID{Timestamp: elTS, Nonce: elNonce, Username: elUser, Signature: elSig}
	tests := []struct {
		name    string
		header  string
		want    sign.CallbackID
		wantErr error
		// errHas is a fragment the error must contain.
		errHas string
	}{
		{name: "documented order", header: "timestamp=" + elTS + ";nonce=" + elNonce + ";username=" + elUser + ";signature=" + elSig, want: valid},
		{name: "any order, spaces, key case", header: " Signature=" + elSig + " ; USERNAME=" + elUser + ";nonce=" + elNonce + " ;timestamp=" + elTS + " ", want: valid},
		{name: "an added part is ignored", header: valid.String() + ";version=2", want: valid},
		{name: "username containing '='", header: "timestamp=1;nonce=2;username=a=b;signature=" + elHexShape,
			want: sign.CallbackID{Timestamp: "1", Nonce: "2", Username: "a=b", Signature: elHexShape}},
		{name: "upper-case hex", header: "timestamp=1;nonce=2;username=u;signature=" + strings.ToUpper(elHexShape),
			want: sign.CallbackID{Timestamp: "1", Nonce: "2", Username: "u", Signature: strings.ToUpper(elHexShape)}},

		{name: "empty", header: "", wantErr: sign.ErrMissingHeader},
		{name: "blank", header: "  ", wantErr: sign.ErrMissingHeader},
		{name: "not key=value", header: "garbage", wantErr: sign.ErrMalformedHeader, errHas: "part 1 is not key=value"},
		{name: "empty part", header: "timestamp=1;;nonce=2;username=u;signature=" + elHexShape, wantErr: sign.ErrMalformedHeader, errHas: "part 2"},
		{name: "trailing separator", header: valid.String() + ";", wantErr: sign.ErrMalformedHeader, errHas: "part 5"},
		{name: "empty key", header: "=1;" + valid.String(), wantErr: sign.ErrMalformedHeader},
		{name: "missing signature", header: "timestamp=1;nonce=2;username=u", wantErr: sign.ErrMalformedHeader, errHas: "lacks signature"},
		{name: "missing everything known", header: "a=b", wantErr: sign.ErrMalformedHeader, errHas: "lacks timestamp, nonce, username, signature"},
		{name: "empty nonce", header: "timestamp=1;nonce=;username=u;signature=" + elHexShape, wantErr: sign.ErrMalformedHeader, errHas: "lacks nonce"},
		{name: "duplicate key", header: valid.String() + ";nonce=" + elNonce, wantErr: sign.ErrMalformedHeader, errHas: "nonce more than once"},
		{name: "duplicate key in another case", header: valid.String() + ";TimeStamp=" + elTS, wantErr: sign.ErrMalformedHeader, errHas: "timestamp more than once"},
		{name: "timestamp not decimal", header: "timestamp=2024-09-04;nonce=2;username=u;signature=" + elHexShape, wantErr: sign.ErrMalformedHeader, errHas: "timestamp"},
		{name: "negative timestamp", header: "timestamp=-1;nonce=2;username=u;signature=" + elHexShape, wantErr: sign.ErrMalformedHeader, errHas: "timestamp"},
		{name: "timestamp too long", header: "timestamp=1234567890123456789;nonce=2;username=u;signature=" + elHexShape, wantErr: sign.ErrMalformedHeader, errHas: "timestamp"},
		{name: "signature not hex", header: "timestamp=1;nonce=2;username=u;signature=" + strings.Repeat("zz", 32), wantErr: sign.ErrMalformedHeader, errHas: "not hex"},
		{name: "signature too short", header: "timestamp=1;nonce=2;username=u;signature=abcd", wantErr: sign.ErrMalformedHeader, errHas: "64 hex digits"},
		{name: "signature base64", header: "timestamp=1;nonce=2;username=u;signature=G6Guj+Ojpj2LP06Msm5rWxscNvHkD15NfHzJikS2w70=", wantErr: sign.ErrMalformedHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sign.ParseCallbackID(tt.header)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.errHas)
				assert.NotContains(t, err.Error(), elSig, "values are never quoted")
				assert.NotContains(t, err.Error(), elHexShape)
				assert.Equal(t, sign.CallbackID{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestVerifyCallbackID(t *testing.T) {
	at := time.Unix(1725407449, 0)
	valid := sign.CallbackID{Timestamp: elTS, Nonce: elNonce, Username: elUser, Signature: elSig}
	msID := sign.CallbackID{Timestamp: "1725407449000", Nonce: elNonce, Username: elUser,
		Signature: sign.CallbackSignature(elSecret, "1725407449000", elNonce, elUser)}
	tests := []struct {
		name    string
		header  string
		secret  string
		maxAge  time.Duration
		now     time.Time
		wantErr error
	}{
		{name: "valid", header: valid.String(), secret: elSecret, maxAge: time.Minute, now: at},
		{name: "valid, upper-case hex", header: strings.Replace(valid.String(), elSig, strings.ToUpper(elSig), 1), secret: elSecret, now: at},
		{name: "valid, no age limit", header: valid.String(), secret: elSecret, now: at.Add(24 * time.Hour)},
		{name: "valid, milliseconds", header: msID.String(), secret: elSecret, maxAge: time.Minute, now: at.Add(30 * time.Second)},
		{name: "wrong secret", header: valid.String(), secret: "other", now: at, wantErr: sign.ErrBadSignature},
		{name: "empty secret", header: valid.String(), secret: "", now: at, wantErr: sign.ErrBadSignature},
		{name: "username swapped", header: strings.Replace(valid.String(), "username="+elUser, "username=evil", 1), secret: elSecret, now: at, wantErr: sign.ErrBadSignature},
		{name: "one digit off", header: strings.Replace(valid.String(), elSig, flipFirst(elSig), 1), secret: elSecret, now: at, wantErr: sign.ErrBadSignature},
		{name: "stale", header: valid.String(), secret: elSecret, maxAge: time.Minute, now: at.Add(61 * time.Second), wantErr: sign.ErrStale},
		{name: "from the future", header: valid.String(), secret: elSecret, maxAge: time.Minute, now: at.Add(-61 * time.Second), wantErr: sign.ErrStale},
		{name: "forged and stale is a bad signature", header: valid.String(), secret: "other", maxAge: time.Minute, now: at.Add(time.Hour), wantErr: sign.ErrBadSignature},
		{name: "malformed", header: "timestamp=1", secret: elSecret, now: at, wantErr: sign.ErrMalformedHeader},
		{name: "missing", header: "", secret: elSecret, now: at, wantErr: sign.ErrMissingHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sign.VerifyCallbackID(tt.header, tt.secret, tt.maxAge, tt.now)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), elSecret)
				assert.NotContains(t, err.Error(), elSig)
				return
			}
			require.NoError(t, err)
			parsed, perr := sign.ParseCallbackID(tt.header)
			require.NoError(t, perr)
			assert.Equal(t, parsed, got)
		})
	}
}

func TestCallbackIDTime(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
	}{
		{"1725407449", time.Unix(1725407449, 0)},
		{"1725407449123", time.UnixMilli(1725407449123)},
		{"0", time.Unix(0, 0)},
		{"", time.Time{}},
		{"x", time.Time{}},
	}
	for _, tt := range tests {
		assert.True(t, tt.want.Equal(sign.CallbackID{Timestamp: tt.ts}.Time()), "%q", tt.ts)
	}
}

func TestNewCallbackIDVerifies(t *testing.T) {
	at := time.Unix(1725407449, 0)
	id := sign.NewCallbackID(elSecret, elUser, elNonce, at)
	assert.Equal(t, sign.CallbackID{Timestamp: elTS, Nonce: elNonce, Username: elUser, Signature: elSig}, id)
	got, err := sign.VerifyCallbackID(id.String(), elSecret, time.Second, at)
	require.NoError(t, err)
	assert.Equal(t, id, got)
}

func TestCallbackIDVerifyRejectsMalformedSignature(t *testing.T) {
	id := sign.CallbackID{Timestamp: elTS, Nonce: elNonce, Username: elUser}
	for _, s := range []string{"", "abc", strings.Repeat("g", 64)} {
		id.Signature = s
		assert.ErrorIs(t, id.Verify(elSecret), sign.ErrMalformedHeader, "%q", s)
	}
}

// flipFirst changes the first hex digit of s to another value.
func flipFirst(s string) string {
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}

// TestTimestampOutOfRange: a timestamp so far from now that the distance
// overflows a time.Duration is reported as out of range (and stale), never
// as a saturated, negated duration such as "-2562047h47m16.854775808s in
// the future".
func TestTimestampOutOfRange(t *testing.T) {
	now := time.Unix(1725407449, 0)
	signedID := func(ts string) string {
		return sign.CallbackID{Timestamp: ts, Nonce: elNonce, Username: elUser,
			Signature: sign.CallbackSignature(elSecret, ts, elNonce, elUser)}.String()
	}
	nxcloud := func(ts string) error {
		p := sign.Params{AccessKey: cbKey, TS: ts, BizType: "4", Action: "dr"}
		sig, err := sign.Sign(sign.MD5, p, cbBody, cbSecret)
		require.NoError(t, err)
		h := http.Header{"accesskey": {p.AccessKey}, "ts": {p.TS}, "biztype": {p.BizType}, "action": {p.Action}, "sign": {sig}}
		v := sign.CallbackVerifier{Secret: sign.Secrets(map[string]string{cbKey: cbSecret}), Now: func() time.Time { return now }}
		_, err = v.Verify(h, cbBody)
		return err
	}
	tests := []struct {
		name       string
		verify     func() error
		outOfRange bool // else: an ordinary ErrStale with a real duration
	}{
		{name: "X-CALLBACK-ID, 18-digit milliseconds", outOfRange: true, verify: func() error {
			_, err := sign.VerifyCallbackID(signedID("999999999999999999"), elSecret, 5*time.Minute, now)
			return err
		}},
		{name: "X-CALLBACK-ID, 12-digit seconds (year 33658)", outOfRange: true, verify: func() error {
			_, err := sign.VerifyCallbackID(signedID("999999999999"), elSecret, 5*time.Minute, now)
			return err
		}},
		{name: "X-CALLBACK-ID, a day late", verify: func() error {
			_, err := sign.VerifyCallbackID(signedID("1725321049"), elSecret, 5*time.Minute, now)
			return err
		}},
		{name: "NXCloud ts, 18-digit milliseconds", outOfRange: true, verify: func() error { return nxcloud("999999999999999999") }},
		{name: "NXCloud ts, an hour ahead", verify: func() error { return nxcloud("1725411049000") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.verify()
			require.Error(t, err)
			assert.ErrorIs(t, err, sign.ErrStale)
			assert.Equal(t, tt.outOfRange, errors.Is(err, sign.ErrTimestampOutOfRange), "%v", err)
			assert.NotContains(t, err.Error(), "2562047h", "an overflowed duration")
			assert.NotContains(t, err.Error(), "-", "a negative distance")
		})
	}
}
