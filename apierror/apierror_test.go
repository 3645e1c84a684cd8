package apierror_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
)

const op = "nxcloud/ota init"

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *apierror.Error
		want string
	}{
		{
			name: "code with HTTP 200",
			err:  &apierror.Error{Operation: op, StatusCode: 200, HasCode: true, Code: 2206, Message: "requests too frequent"},
			want: "nxcloud/ota init: code 2206: requests too frequent",
		},
		{
			name: "code without message",
			err:  &apierror.Error{Operation: op, StatusCode: 200, HasCode: true, Code: 88},
			want: "nxcloud/ota init: code 88",
		},
		{
			name: "code with another status",
			err:  &apierror.Error{Operation: "engagelab/otp verify", StatusCode: 400, HasCode: true, Code: 3003, Message: "verify code has expired"},
			want: "engagelab/otp verify: code 3003: verify code has expired (HTTP 400)",
		},
		{
			name: "code zero from a failed status",
			err:  &apierror.Error{Operation: op, StatusCode: 502, HasCode: true, Code: 0},
			want: "nxcloud/ota init: code 0 (HTTP 502)",
		},
		{
			name: "HTML body",
			err:  &apierror.Error{Operation: op, StatusCode: 502, Body: []byte("<html><body>Bad Gateway</body></html>")},
			want: `nxcloud/ota init: unexpected HTTP 502 response: "<html><body>Bad Gateway</body></html>"`,
		},
		{
			name: "empty body",
			err:  &apierror.Error{Operation: op, StatusCode: 200},
			want: "nxcloud/ota init: unexpected HTTP 200 response with an empty body",
		},
		{
			name: "control characters are quoted",
			err:  &apierror.Error{Operation: op, StatusCode: 500, Body: []byte("line1\nline2")},
			want: `nxcloud/ota init: unexpected HTTP 500 response: "line1\nline2"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorIsFoundByErrorsAs(t *testing.T) {
	var err error = fmt.Errorf("wrapped: %w", &apierror.Error{Operation: op, StatusCode: 200, HasCode: true, Code: 1003})
	var apiErr *apierror.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 1003, apiErr.Code)

	var valErr *apierror.ValidationError
	assert.False(t, errors.As(err, &valErr))
}

func response(status int) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
}

func TestFromResponse(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode *int // nil = HasCode false
		wantMsg  string
		wantBody string
		wantWord string // CodeText
	}{
		{name: "OTA envelope (msg)", status: 200, body: `{"code":2206,"msg":"requests too frequent","data":null}`, wantCode: ptr(2206), wantMsg: "requests too frequent"},
		{name: "WA envelope (message)", status: 200, body: `{"code":9007,"message":"not an integrator","data":null}`, wantCode: ptr(9007), wantMsg: "not an integrator"},
		{name: "msg wins over message", status: 200, body: `{"code":1,"msg":"a","message":"b"}`, wantCode: ptr(1), wantMsg: "a"},
		{name: "empty msg falls back to message", status: 200, body: `{"code":1,"msg":"","message":"b"}`, wantCode: ptr(1), wantMsg: "b"},
		{name: "negative code", status: 200, body: `{"code":-1,"message":"Request failed"}`, wantCode: ptr(-1), wantMsg: "Request failed"},
		{name: "code zero", status: 200, body: `{"code":0,"msg":"ok"}`, wantCode: ptr(0), wantMsg: "ok"},
		{name: "code without message", status: 500, body: `{"code":1000}`, wantCode: ptr(1000)},
		{name: "EngageLab error", status: 400, body: `{"code":3003,"message":"verify code has expired"}`, wantCode: ptr(3003), wantMsg: "verify code has expired"},
		{name: "EngageLab push error, nested", status: 400, body: `{"error":{"code":21004,"message":"auth failed"}}`, wantCode: ptr(21004), wantMsg: "auth failed"},
		{name: "a flat code wins over a nested one", status: 400, body: `{"code":1,"message":"a","error":{"code":2,"message":"b"}}`, wantCode: ptr(1), wantMsg: "a"},
		{name: "error that is not an object", status: 400, body: `{"error":"nope"}`, wantBody: `{"error":"nope"}`},
		{name: "a word for a code", status: 200, body: `{"code":"failed","info":"messageid not exist"}`, wantWord: "failed", wantMsg: "messageid not exist"},
		{name: "a word for a code, no message", status: 200, body: `{"code":"failed"}`, wantWord: "failed", wantBody: `{"code":"failed"}`},
		{name: "a string code that is no word", status: 200, body: `{"code":"a b","msg":"x"}`, wantBody: `{"code":"a b","msg":"x"}`},
		{name: "fractional code", status: 200, body: `{"code":1.5,"msg":"x"}`, wantBody: `{"code":1.5,"msg":"x"}`},
		{name: "null code", status: 200, body: `{"code":null,"msg":"x"}`, wantBody: `{"code":null,"msg":"x"}`},
		{name: "no code", status: 200, body: `{"msg":"x"}`, wantBody: `{"msg":"x"}`},
		{name: "JSON array", status: 200, body: `[1,2]`, wantBody: `[1,2]`},
		{name: "HTML", status: 502, body: "<html>Bad Gateway</html>\n", wantBody: "<html>Bad Gateway</html>"},
		{name: "truncated JSON", status: 200, body: `{"code":0,"msg":"o`, wantBody: `{"code":0,"msg":"o`},
		{name: "empty body", status: 200, body: ``},
		{name: "blank body", status: 503, body: " \r\n\t "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := response(tt.status)
			e := apierror.FromResponse(op, resp, []byte(tt.body))
			require.NotNil(t, e)
			assert.Equal(t, op, e.Operation)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, resp.Header, e.Header)
			if tt.wantCode != nil {
				assert.True(t, e.HasCode)
				assert.Equal(t, *tt.wantCode, e.Code)
				assert.Equal(t, tt.wantMsg, e.Message)
				assert.Empty(t, e.Body, "no excerpt when the body had a code")
				return
			}
			assert.False(t, e.HasCode)
			assert.Zero(t, e.Code)
			assert.Equal(t, tt.wantWord, e.CodeText)
			assert.Equal(t, tt.wantMsg, e.Message)
			assert.Equal(t, tt.wantBody, string(e.Body))
			if tt.wantWord != "" {
				assert.Contains(t, e.Error(), fmt.Sprintf("code %q", tt.wantWord))
				if tt.wantMsg != "" {
					assert.Contains(t, e.Error(), tt.wantMsg)
				}
				return
			}
			assert.Contains(t, e.Error(), fmt.Sprintf("HTTP %d", tt.status))
		})
	}
}

func TestFromResponseCopiesTheBody(t *testing.T) {
	body := []byte("<html>oops</html>")
	e := apierror.FromResponse(op, response(502), body)
	copy(body, "XXXXXX")
	assert.Equal(t, "<html>oops</html>", string(e.Body))
}

func TestFromResponseCutsLongBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"ASCII", strings.Repeat("a", 10*apierror.ExcerptLen)},
		// 3-byte runes: ExcerptLen (256) is not a multiple of 3.
		{"CJK", strings.Repeat("牛小信", apierror.ExcerptLen)},
		// 4-byte runes, shifted by one so no cut falls on a rune start.
		{"emoji", "x" + strings.Repeat("😀", apierror.ExcerptLen)},
		{"two-byte", strings.Repeat("é", apierror.ExcerptLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := apierror.FromResponse(op, response(502), []byte(tt.body))
			require.NotEmpty(t, e.Body)
			assert.True(t, utf8.Valid(e.Body), "excerpt %q is not valid UTF-8", e.Body)

			kept, ok := bytes.CutSuffix(e.Body, []byte("…"))
			require.True(t, ok, "a cut excerpt ends with an ellipsis")
			assert.LessOrEqual(t, len(kept), apierror.ExcerptLen)
			assert.Greater(t, len(kept), apierror.ExcerptLen-utf8.UTFMax, "cut no earlier than the rune boundary needs")
			assert.True(t, strings.HasPrefix(tt.body, string(kept)), "the excerpt is the start of the body")
			assert.True(t, utf8.Valid([]byte(e.Error())))
		})
	}
}

func TestFromResponseKeepsShortBodiesWhole(t *testing.T) {
	body := strings.Repeat("牛", apierror.ExcerptLen/3) // 255 bytes
	e := apierror.FromResponse(op, response(500), []byte(body))
	assert.Equal(t, body, string(e.Body))

	exact := strings.Repeat("a", apierror.ExcerptLen)
	e = apierror.FromResponse(op, response(500), []byte(exact))
	assert.Equal(t, exact, string(e.Body))
}

func TestValidationErrorText(t *testing.T) {
	e := &apierror.ValidationError{Operation: op, Problems: []string{"phone: must not be empty", "userIp: is required"}}
	assert.Equal(t, "nxcloud/ota init: invalid request, nothing was sent: phone: must not be empty; userIp: is required", e.Error())

	var err error = fmt.Errorf("call: %w", e)
	var got *apierror.ValidationError
	require.ErrorAs(t, err, &got)
	assert.Equal(t, e.Problems, got.Problems)
}

func ptr(n int) *int { return &n }

func TestErrorKinds(t *testing.T) {
	kinds := []error{apierror.ErrAuth, apierror.ErrTooFrequent, apierror.ErrAlreadyVerified, apierror.ErrOutcomeUnknown}
	tests := []struct {
		name string
		err  error
		want error // the one kind errors.Is matches; nil = none
	}{
		{"auth", &apierror.Error{Operation: op, HasCode: true, Code: 1003, Kind: apierror.ErrAuth}, apierror.ErrAuth},
		{"too frequent", &apierror.Error{Operation: op, HasCode: true, Code: 2206, Kind: apierror.ErrTooFrequent}, apierror.ErrTooFrequent},
		{"already verified", &apierror.Error{Operation: op, HasCode: true, Code: 3003, Kind: apierror.ErrAlreadyVerified}, apierror.ErrAlreadyVerified},
		{"no kind", &apierror.Error{Operation: op, HasCode: true, Code: 88}, nil},
		{"outcome unknown", &apierror.TransportError{Operation: op, OutcomeUnknown: true, Err: errors.New("reset")}, apierror.ErrOutcomeUnknown},
		{"transport, outcome known", &apierror.TransportError{Operation: op, Err: errors.New("refused")}, nil},
		{"wrapped", fmt.Errorf("login: %w", &apierror.Error{Operation: op, Kind: apierror.ErrAuth}), apierror.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range kinds {
				assert.Equal(t, k == tt.want, errors.Is(tt.err, k), "errors.Is(%v, %v)", tt.err, k)
			}
		})
	}
}

func TestTransportError(t *testing.T) {
	cause := &url.Error{Op: "Post", URL: "https://api2.nxcloud.com/api/ota/init", Err: context.DeadlineExceeded}
	tests := []struct {
		name    string
		unknown bool
		want    string
	}{
		{"outcome known", false, `nxcloud/ota init: Post "https://api2.nxcloud.com/api/ota/init": context deadline exceeded`},
		{"outcome unknown", true, `nxcloud/ota init: Post "https://api2.nxcloud.com/api/ota/init": context deadline exceeded (outcome unknown: the request may have been processed, so it was not retried)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = &apierror.TransportError{Operation: op, Attempts: 1, OutcomeUnknown: tt.unknown, Err: cause}
			assert.Equal(t, tt.want, err.Error())
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			assert.Same(t, cause, ue)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			var ae *apierror.Error
			assert.False(t, errors.As(err, &ae), "a transport failure is not a vendor answer")
		})
	}
}

func TestFromReplyKeepsTheFailuresPayload(t *testing.T) {
	tests := []struct {
		name, body, payload string
		textCodes           bool
		wantCode            int
		wantData            string
	}{
		{name: "data carried", body: `{"code":9099,"msg":"meta","data":{"error":{"code":131026}}}`, payload: "data", wantCode: 9099, wantData: `{"error":{"code":131026}}`},
		{name: "data null", body: `{"code":88,"msg":"failed","data":null}`, payload: "data", wantCode: 88},
		{name: "data absent", body: `{"code":88,"msg":"failed"}`, payload: "data", wantCode: 88},
		{name: "no payload field asked for", body: `{"code":88,"msg":"failed","data":{"a":1}}`, wantCode: 88},
		{name: "a code written as text", body: `{"code":"3","msg":"bad range","data":[1]}`, payload: "data", textCodes: true, wantCode: 3, wantData: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			e := apierror.FromReply(op, response(200), body, tt.payload, tt.textCodes)
			require.True(t, e.HasCode)
			assert.Equal(t, tt.wantCode, e.Code)
			if tt.wantData == "" {
				assert.Nil(t, e.Data)
				return
			}
			assert.JSONEq(t, tt.wantData, string(e.Data))
			copy(body, bytes.Repeat([]byte("X"), len(body))) // Data is a copy
			assert.JSONEq(t, tt.wantData, string(e.Data))
		})
	}
}
