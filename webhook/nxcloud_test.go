package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

const (
	nxKey    = "kGp5uFHN"
	nxSecret = "nx-callback-secret"
)

var nxNow = time.UnixMilli(1690361994834)

// didBody is the DID page's push example.
const didBody = `{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","toPhone":"18184505018","fromPhone":"12347200160","content":"sunt non nisi","size":"1","price":"0.0360","receiveTime":"2021-02-07 14:54:00","smsStatus":"DELIVRD"}`

// signedRequest builds a POST signed as NXCloud signs its DID callbacks,
// with lower-cased header names.
func signedRequest(t *testing.T, p sign.Params, body, secret string) *http.Request {
	t.Helper()
	sig, err := sign.Sign(sign.MD5, p, []byte(body), secret)
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/nxcloud/signed", strings.NewReader(body))
	r.Header["accesskey"] = []string{p.AccessKey}
	r.Header["ts"] = []string{p.TS}
	r.Header["biztype"] = []string{p.BizType}
	r.Header["action"] = []string{p.Action}
	r.Header["sign"] = []string{sig}
	r.Header.Set("Content-Type", "application/json")
	return r
}

func didParams(action string, at time.Time) sign.Params {
	return sign.Params{AccessKey: nxKey, TS: strconv.FormatInt(at.UnixMilli(), 10), BizType: "4", Action: action}
}

func TestNXCloudSigned(t *testing.T) {
	failing := errors.New("queue full")
	tests := []struct {
		name       string
		req        func(t *testing.T) *http.Request
		handleErr  error
		wantStatus int
		wantBody   string
		want       *webhook.NXCloudCallback
		wantErr    error
	}{
		{
			name:       "delivery receipt",
			req:        func(t *testing.T) *http.Request { return signedRequest(t, didParams("dr", nxNow), didBody, nxSecret) },
			wantStatus: 200, wantBody: "success",
			want: &webhook.NXCloudCallback{Params: didParams("dr", nxNow), Body: []byte(didBody)},
		},
		{
			name: "incoming message, ts 30 s old",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, didParams("mo", nxNow.Add(-30*time.Second)), didBody, nxSecret)
			},
			wantStatus: 200, wantBody: "success",
			want: &webhook.NXCloudCallback{Params: didParams("mo", nxNow.Add(-30*time.Second)), Body: []byte(didBody)},
		},
		{
			name: "unknown smsStatus is the receiver's business",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, didParams("dr", nxNow), `{"smsStatus":"EXPIRED"}`, nxSecret)
			},
			wantStatus: 200, wantBody: "success",
			want: &webhook.NXCloudCallback{Params: didParams("dr", nxNow), Body: []byte(`{"smsStatus":"EXPIRED"}`)},
		},
		{
			name: "bad signature",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, didParams("dr", nxNow), didBody, nxSecret)
				r.Header["sign"] = []string{"6e9506557d1f289501d333ee2c365826"}
				return r
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrBadSignature,
		},
		{
			name:       "signed with another secret",
			req:        func(t *testing.T) *http.Request { return signedRequest(t, didParams("dr", nxNow), didBody, "guess") },
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrBadSignature,
		},
		{
			name: "stale ts",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, didParams("dr", nxNow.Add(-2*time.Minute)), didBody, nxSecret)
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrStale,
		},
		{
			name: "missing header",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, didParams("dr", nxNow), didBody, nxSecret)
				delete(r.Header, "ts")
				return r
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrMissingHeader,
		},
		{
			name: "malformed ts",
			req: func(t *testing.T) *http.Request {
				p := didParams("dr", nxNow)
				p.TS = "yesterday"
				return signedRequest(t, p, didBody, nxSecret)
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrMalformedHeader,
		},
		{
			name: "unknown access key",
			req: func(t *testing.T) *http.Request {
				p := didParams("dr", nxNow)
				p.AccessKey = "other"
				return signedRequest(t, p, didBody, nxSecret)
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrUnknownKey,
		},
		{
			name: "a replayed OTA request",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, sign.Params{AccessKey: nxKey, TS: "1690361994834", BizType: "6", Action: "init"}, `{"appkey":"a","phone":"1","userIp":"x"}`, nxSecret)
			},
			wantStatus: 401, wantBody: "error", wantErr: sign.ErrUnexpectedOperation,
		},
		{
			name: "signed body that is not JSON",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, didParams("dr", nxNow), "messageId=1", nxSecret)
			},
			wantStatus: 400, wantBody: "error", wantErr: webhook.ErrMalformed,
		},
		{
			name:       "handler fails",
			req:        func(t *testing.T) *http.Request { return signedRequest(t, didParams("dr", nxNow), didBody, nxSecret) },
			handleErr:  failing,
			wantStatus: 500, wantBody: "error", wantErr: failing,
			want: &webhook.NXCloudCallback{Params: didParams("dr", nxNow), Body: []byte(didBody)},
		},
		{
			name: "GET",
			req: func(t *testing.T) *http.Request {
				r := signedRequest(t, didParams("dr", nxNow), "", nxSecret)
				r.Method = http.MethodGet
				return r
			},
			wantStatus: 405, wantBody: "error", wantErr: webhook.ErrMethod,
		},
		{
			name: "body over the bound",
			req: func(t *testing.T) *http.Request {
				return signedRequest(t, didParams("dr", nxNow), `{"content":"`+strings.Repeat("x", 2048)+`"}`, nxSecret)
			},
			wantStatus: 413, wantBody: "error", wantErr: webhook.ErrTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []webhook.NXCloudCallback
			var rec recorder
			h := &webhook.NXCloudSigned{
				Verifier: sign.CallbackVerifier{
					Secret: sign.Secrets(map[string]string{nxKey: nxSecret}),
					Now:    func() time.Time { return nxNow },
				},
				Handle: func(_ context.Context, cb webhook.NXCloudCallback) error {
					got = append(got, cb)
					return tt.handleErr
				},
				MaxBodyBytes: 1024,
				OnError:      rec.onError,
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req(t))

			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, tt.wantBody, w.Body.String())
			if tt.want != nil {
				require.Len(t, got, 1)
				assert.Equal(t, tt.want.Params, got[0].Params)
				assert.JSONEq(t, string(tt.want.Body), string(got[0].Body))
				assert.True(t, bytes.Equal(tt.want.Body, got[0].Body), "the raw bytes, as signed")
			} else {
				assert.Empty(t, got, "Handle is not called")
			}
			errs := rec.all()
			if tt.wantErr == nil {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tt.wantErr)
			assert.NotContains(t, errs[0].Error(), nxSecret)
			assert.NotContains(t, w.Body.String(), nxSecret)
		})
	}
}

func TestNXCloudSignedMisconfigured(t *testing.T) {
	tests := []struct {
		name string
		h    *webhook.NXCloudSigned
	}{
		{"no secret lookup", &webhook.NXCloudSigned{Handle: func(context.Context, webhook.NXCloudCallback) error { return nil }}},
		{"no Handle", &webhook.NXCloudSigned{Verifier: sign.CallbackVerifier{
			Secret: sign.Secrets(map[string]string{nxKey: nxSecret}),
			Now:    func() time.Time { return nxNow },
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			tt.h.OnError = rec.onError
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, signedRequest(t, didParams("dr", nxNow), didBody, nxSecret))
			assert.Equal(t, 500, w.Code)
			assert.Equal(t, "error", w.Body.String())
			require.Len(t, rec.all(), 1)
			assert.ErrorIs(t, rec.all()[0], webhook.ErrConfig)
		})
	}
}

func TestNXCloudSignedHandlerUsesTheRealClock(t *testing.T) {
	var called bool
	h := webhook.NXCloudSignedHandler(nxKey, nxSecret, func(context.Context, webhook.NXCloudCallback) error {
		called = true
		return nil
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest(t, didParams("dr", time.Now()), didBody, nxSecret))
	assert.Equal(t, 200, w.Code)
	assert.True(t, called)

	called = false
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest(t, didParams("dr", nxNow), didBody, nxSecret))
	assert.Equal(t, 401, w.Code, "a 2023 timestamp is stale today")
	assert.False(t, called)
}
