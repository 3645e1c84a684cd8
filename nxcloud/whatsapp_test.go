package nxcloud_test

// End-to-end tests of the WhatsApp integrator operations: the real client
// (generated code, request checks against the spec, signing) against the
// mock, which checks every signature, validates every request, keeps the
// registration state and has each of its responses checked against the
// spec by mock.Start.

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

// waClient is a client for the mock's first account.
func waClient(t *testing.T, m *mock.Running, opts ...option.Option) *waintegrator.Client {
	t.Helper()
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{option.WithBaseURL(m.URL)}, opts...)...)
	require.NoError(t, err)
	return c.WhatsApp
}

func waGetCode(ctx context.Context, wa *waintegrator.Client, phone string) error {
	return wa.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: phone, Method: waintegrator.CodeMethodSMS})
}

func waCheckCode(ctx context.Context, wa *waintegrator.Client, phone, code string) error {
	return wa.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: phone, Code: code})
}

func waCreateClient(ctx context.Context, wa *waintegrator.Client, phone string) error {
	return wa.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: phone})
}

func waCreateApp(ctx context.Context, wa *waintegrator.Client) (*waintegrator.CreateAppResult, error) {
	return wa.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Shop", Webhook: "https://hooks.example/wa"})
}

func waPhoneList(ctx context.Context, wa *waintegrator.Client, appkey string) ([]waintegrator.PhoneNumber, error) {
	list, err := wa.PhoneList(ctx, waintegrator.PhoneListParams{Appkey: appkey})
	if err == nil && list == nil {
		return nil, errors.New("phoneList succeeded without a list")
	}
	return list, err
}

// waEnvelope is the envelope of a raw answer (option.WithRawResponse), for
// the operations whose typed method returns nothing of it.
type waEnvelope struct {
	Code    *int            `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

func decodeEnvelope(t *testing.T, raw option.RawResponse) waEnvelope {
	t.Helper()
	assert.Equal(t, http.StatusOK, raw.StatusCode)
	var env waEnvelope
	require.NoError(t, json.Unmarshal(raw.Body, &env), "body: %s", raw.Body)
	require.NotNil(t, env.Code, "body: %s", raw.Body)
	return env
}

// TestWhatsAppRegistration runs every operation of the family once, in the
// order of an embedded registration.
func TestWhatsAppRegistration(t *testing.T) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		t.Run(string(alg), func(t *testing.T) {
			m := mock.Start(t)
			wa := waClient(t, m, option.WithSignAlgorithm(alg))
			ctx := context.Background()
			const phone = "8618500000099"

			login, err := wa.Login(ctx)
			require.NoError(t, err)
			assert.NotEmpty(t, login.Token)
			again, err := wa.Login(ctx)
			require.NoError(t, err)
			assert.NotEqual(t, login.Token, again.Token, "every login issues a new token")

			// getCode, checkCode and createClient return only an error; the
			// raw answer shows the envelope behind a success.
			var raw option.RawResponse
			require.NoError(t, wa.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: phone, Method: waintegrator.CodeMethodVoice}, option.WithRawResponse(&raw)))
			sent := decodeEnvelope(t, raw)
			assert.EqualValues(t, waintegrator.ResultCodeSuccess, *sent.Code)
			assert.Equal(t, "Request successful", sent.Message)
			assert.JSONEq(t, "{}", string(sent.Data), "getCode's success carries an empty object")

			require.NoError(t, wa.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: phone, Code: mock.DefaultWhatsAppCode}, option.WithRawResponse(&raw)))
			checked := decodeEnvelope(t, raw)
			assert.EqualValues(t, waintegrator.ResultCodeSuccess, *checked.Code)
			assert.JSONEq(t, "null", string(checked.Data))

			require.NoError(t, wa.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: phone}, option.WithRawResponse(&raw)))
			created := decodeEnvelope(t, raw)
			assert.EqualValues(t, waintegrator.ResultCodeSuccess, *created.Code)
			assert.JSONEq(t, "null", string(created.Data))

			app, err := waCreateApp(ctx, wa)
			require.NoError(t, err)
			assert.EqualValues(t, 1000, app.AppID, "the first app_id, as in NXCloud's example")
			assert.Equal(t, "Shop", app.AppName)
			assert.Len(t, app.AppKey, 8)

			list, err := waPhoneList(ctx, wa, app.AppKey)
			require.NoError(t, err)
			require.Len(t, list, 1)
			p := list[0]
			assert.Equal(t, "+"+phone, p.DisplayPhoneNumber)
			assert.Equal(t, waintegrator.CodeVerificationStatusVerified, p.CodeVerificationStatus)
			assert.Equal(t, waintegrator.RegisterStatusRegistered, p.RegisterStatus)
			assert.Equal(t, waintegrator.PhoneStatusConnected, p.Status)
			assert.Equal(t, waintegrator.MessagingLimitTier250, p.CurrentLimit)
			assert.Equal(t, waintegrator.QualityRatingUnknown, p.QualityRating)
			assert.True(t, p.QualityRating.Valid() && p.NameStatus.Valid() && p.RegisterStatus.Valid() &&
				p.Status.Valid() && p.CurrentLimit.Valid() && p.CodeVerificationStatus.Valid(), "every enum is a documented value: %+v", p)
			assert.NotEmpty(t, p.VerifiedName)
			assert.NotEmpty(t, p.WabaID)
			assert.NotEmpty(t, p.WabaName)
		})
	}
}

// TestWhatsAppPhoneListFollowsRegistration checks what phoneList shows of
// the numbers at each step: nothing before checkCode, a number being
// created after it, a registered one after createClient, in the order the
// numbers were confirmed, and each number once.
func TestWhatsAppPhoneListFollowsRegistration(t *testing.T) {
	m := mock.Start(t)
	wa := waClient(t, m)
	ctx := context.Background()
	app, err := waCreateApp(ctx, wa)
	require.NoError(t, err)
	other, err := waCreateApp(ctx, wa)
	require.NoError(t, err)
	assert.Equal(t, app.AppID+1, other.AppID, "app_ids count up")
	assert.NotEqual(t, app.AppKey, other.AppKey)

	type row struct {
		phone  string
		reg    waintegrator.RegisterStatus
		status waintegrator.PhoneStatus
		limit  waintegrator.MessagingLimit
	}
	creating := func(phone string) row {
		return row{"+" + phone, waintegrator.RegisterStatusCreating, waintegrator.PhoneStatusPending, waintegrator.MessagingLimitNotReported}
	}
	registered := func(phone string) row {
		return row{"+" + phone, waintegrator.RegisterStatusRegistered, waintegrator.PhoneStatusConnected, waintegrator.MessagingLimitTier250}
	}
	steps := []struct {
		name string
		do   func() error
		want []row
	}{
		{"no number yet", func() error { return nil }, []row{}},
		{"code sent to 111", func() error { return waGetCode(ctx, wa, "111") }, []row{}},
		{"111 confirmed", func() error { return waCheckCode(ctx, wa, "111", mock.DefaultWhatsAppCode) }, []row{creating("111")}},
		{"222 confirmed", func() error {
			if err := waGetCode(ctx, wa, "222"); err != nil {
				return err
			}
			return waCheckCode(ctx, wa, "222", mock.DefaultWhatsAppCode)
		}, []row{creating("111"), creating("222")}},
		{"222's local client", func() error { return waCreateClient(ctx, wa, "222") }, []row{creating("111"), registered("222")}},
		{"222's local client again", func() error { return waCreateClient(ctx, wa, "222") }, []row{creating("111"), registered("222")}},
		{"111 confirmed again", func() error {
			if err := waGetCode(ctx, wa, "111"); err != nil {
				return err
			}
			return waCheckCode(ctx, wa, "111", mock.DefaultWhatsAppCode)
		}, []row{creating("111"), registered("222")}},
	}
	for _, s := range steps {
		require.NoError(t, s.do(), s.name)
		for _, key := range []string{app.AppKey, other.AppKey} {
			list, err := waPhoneList(ctx, wa, key)
			require.NoError(t, err, s.name)
			got := []row{}
			for _, p := range list {
				assert.Equal(t, waintegrator.CodeVerificationStatusVerified, p.CodeVerificationStatus, s.name)
				got = append(got, row{p.DisplayPhoneNumber, p.RegisterStatus, p.Status, p.CurrentLimit})
			}
			assert.Equal(t, s.want, got, "%s: app %s", s.name, key)
		}
	}
}

// TestWhatsAppFailures drives a documented failure of every operation
// through the client: each is an *apierror.Error with HTTP 200, the
// product's code and its message.
func TestWhatsAppFailures(t *testing.T) {
	const otherKey, otherSecret = "nx-other-key", "nx-other-secret"
	type env struct {
		m     *mock.Running
		wa    *waintegrator.Client // the first account
		other *waintegrator.Client // another account of the mock
	}
	// run makes its preparatory calls with require, so that only the call
	// under test can produce the error checked.
	tests := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, e env) error
		code waintegrator.ResultCode
		kind error // an apierror kind, or nil
	}{
		{
			name: "login with a wrong secret",
			run: func(t *testing.T, ctx context.Context, e env) error {
				c, err := nxcloud.NewClient(e.m.AccessKey, "not-the-secret", option.WithBaseURL(e.m.URL))
				require.NoError(t, err)
				_, err = c.WhatsApp.Login(ctx)
				return err
			},
			code: waintegrator.ResultCodeBadSignature, kind: apierror.ErrAuth,
		},
		{
			name: "getCode with an unknown access key",
			run: func(t *testing.T, ctx context.Context, e env) error {
				c, err := nxcloud.NewClient("someone-else", e.m.AccessSecret, option.WithBaseURL(e.m.URL))
				require.NoError(t, err)
				return waGetCode(ctx, c.WhatsApp, "111")
			},
			code: waintegrator.ResultCodeAccessDenied, kind: apierror.ErrAuth,
		},
		{
			name: "checkCode before getCode",
			run: func(t *testing.T, ctx context.Context, e env) error {
				return waCheckCode(ctx, e.wa, "111", mock.DefaultWhatsAppCode)
			},
			code: waintegrator.ResultCodeRequestFailed,
		},
		{
			name: "checkCode with a wrong code",
			run: func(t *testing.T, ctx context.Context, e env) error {
				require.NoError(t, waGetCode(ctx, e.wa, "111"))
				return waCheckCode(ctx, e.wa, "111", "0000")
			},
			code: waintegrator.ResultCodeRequestFailed,
		},
		{
			name: "checkCode of a code already used",
			run: func(t *testing.T, ctx context.Context, e env) error {
				require.NoError(t, waGetCode(ctx, e.wa, "111"))
				require.NoError(t, waCheckCode(ctx, e.wa, "111", mock.DefaultWhatsAppCode))
				return waCheckCode(ctx, e.wa, "111", mock.DefaultWhatsAppCode)
			},
			code: waintegrator.ResultCodeRequestFailed,
		},
		{
			name: "checkCode of a code another account requested",
			run: func(t *testing.T, ctx context.Context, e env) error {
				require.NoError(t, waGetCode(ctx, e.other, "111"))
				return waCheckCode(ctx, e.wa, "111", mock.DefaultWhatsAppCode)
			},
			code: waintegrator.ResultCodeRequestFailed,
		},
		{
			name: "createClient of a number checkCode did not confirm",
			run: func(t *testing.T, ctx context.Context, e env) error {
				require.NoError(t, waGetCode(ctx, e.wa, "111"))
				return waCreateClient(ctx, e.wa, "111")
			},
			code: waintegrator.ResultCodeRequestFailed,
		},
		{
			name: "phoneList of an unknown appkey",
			run: func(t *testing.T, ctx context.Context, e env) error {
				_, err := waPhoneList(ctx, e.wa, "jh42xxxd434")
				return err
			},
			code: waintegrator.ResultCodeAppKeyNotFound,
		},
		{
			name: "phoneList of another account's appkey",
			run: func(t *testing.T, ctx context.Context, e env) error {
				app, err := waCreateApp(ctx, e.other)
				require.NoError(t, err)
				_, err = waPhoneList(ctx, e.wa, app.AppKey)
				return err
			},
			code: waintegrator.ResultCodeAppKeyNotOwned,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.Start(t, mock.Config{NXCloudKeys: map[string]string{
				mock.DefaultAccessKey: mock.DefaultAccessSecret,
				otherKey:              otherSecret,
			}})
			other, err := nxcloud.NewClient(otherKey, otherSecret, option.WithBaseURL(m.URL))
			require.NoError(t, err)
			err = tt.run(t, context.Background(), env{m: m, wa: waClient(t, m), other: other.WhatsApp})

			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
			assert.True(t, ae.HasCode)
			assert.Equal(t, int(tt.code), ae.Code)
			assert.NotEmpty(t, ae.Message, "read from the envelope's message")
			assert.Contains(t, ae.Operation, "nxcloud/wa-integrator ")
			assert.Equal(t, 1, ae.Attempts, "a vendor failure is answered once")
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			} else {
				assert.NotErrorIs(t, err, apierror.ErrAuth)
			}
			assert.NotErrorIs(t, err, apierror.ErrOutcomeUnknown, "the vendor answered")
		})
	}
}

// TestWhatsAppAppLimit creates the documented maximum of 1000 applications:
// the next createApp fails with 9009, and the limit is the account's.
func TestWhatsAppAppLimit(t *testing.T) {
	const limit = 1000 // createApp's 9009, from NXCloud's documentation
	const otherKey, otherSecret = "nx-other-key", "nx-other-secret"
	m := mock.Start(t, mock.Config{NXCloudKeys: map[string]string{
		mock.DefaultAccessKey: mock.DefaultAccessSecret,
		otherKey:              otherSecret,
	}})
	wa := waClient(t, m)
	ctx := context.Background()

	const workers = 8
	keys := make([][]string, workers) // one slice per worker: no sharing
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < limit; i += workers {
				app, err := waCreateApp(ctx, wa)
				if !assert.NoError(t, err, "application %d", i+1) {
					return
				}
				keys[w] = append(keys[w], app.AppKey)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, ks := range keys {
		for _, k := range ks {
			assert.False(t, seen[k], "app_key %s issued twice", k)
			seen[k] = true
		}
	}
	require.Len(t, seen, limit)

	_, err := waCreateApp(ctx, wa)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, int(waintegrator.ResultCodeAppLimitReached), ae.Code)
	assert.Equal(t, 9009, ae.Code)

	other, err := nxcloud.NewClient(otherKey, otherSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	_, err = waCreateApp(ctx, other.WhatsApp)
	assert.NoError(t, err, "another account still has room")
}

// sentRequest is one request as it left the SDK, signed.
type sentRequest struct {
	header http.Header
	body   []byte
	length int64
}

// captureTransport sits under the SDK's signing transport and records what
// is sent.
type captureTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []sentRequest
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		r.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	c.mu.Lock()
	c.sent = append(c.sent, sentRequest{header: r.Header.Clone(), body: body, length: r.ContentLength})
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *captureTransport) last(t *testing.T) sentRequest {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotEmpty(t, c.sent)
	return c.sent[len(c.sent)-1]
}

// TestWhatsAppLoginIsSignedWithoutBody follows login, which has no request
// body, down the whole path: the generated client sends no body and no
// Content-Type, the request checks let it through, the signature covers the
// headers and the secret with no "&body=" part, and the mock verifies it.
// getCode is the contrast: its signature covers "&body=" and the exact
// bytes sent.
func TestWhatsAppLoginIsSignedWithoutBody(t *testing.T) {
	type call func(context.Context, *waintegrator.Client) error
	login := func(ctx context.Context, wa *waintegrator.Client) error {
		_, err := wa.Login(ctx)
		return err
	}
	getCode := func(ctx context.Context, wa *waintegrator.Client) error {
		return waGetCode(ctx, wa, "8618500000099")
	}
	tests := []struct {
		name     string
		alg      sign.Algorithm
		call     call
		action   string
		withBody bool
	}{
		{"login, MD5", sign.MD5, login, "login", false},
		{"login, SHA-256", sign.SHA256, login, "login", false},
		{"getCode, MD5", sign.MD5, getCode, "getCode", true},
		{"getCode, SHA-256", sign.SHA256, getCode, "getCode", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.Start(t)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			capture := &captureTransport{base: tr}
			wa := waClient(t, m, option.WithSignAlgorithm(tt.alg), option.WithHTTPClient(&http.Client{Transport: capture}))

			require.NoError(t, tt.call(context.Background(), wa), "the mock verified the signature")

			sent := capture.last(t)
			h := func(name string) string { return sign.HeaderValue(sent.header, name) }
			p := sign.Params{AccessKey: h(sign.HeaderAccessKey), TS: h(sign.HeaderTS), BizType: h(sign.HeaderBizType), Action: h(sign.HeaderAction)}
			assert.Equal(t, m.AccessKey, p.AccessKey)
			assert.Equal(t, "2", p.BizType)
			assert.Equal(t, tt.action, p.Action)
			assert.Len(t, p.TS, 13, "ts in Unix milliseconds")

			// The string-to-sign written out from the rule.
			want := "accessKey=" + p.AccessKey + "&action=" + tt.action + "&bizType=2&ts=" + p.TS
			if tt.withBody {
				require.NotEmpty(t, sent.body)
				assert.Equal(t, "application/json", sent.header.Get("Content-Type"))
				want += "&body=" + string(sent.body)
			} else {
				assert.Empty(t, sent.body, "login sends no body")
				assert.Zero(t, sent.length)
				assert.Empty(t, sent.header.Get("Content-Type"), "no Content-Type without a body")
			}
			want += "&accessSecret=" + m.AccessSecret
			assert.Equal(t, want, sign.StringToSign(p, sent.body, m.AccessSecret))
			assert.Equal(t, tt.withBody, strings.Contains(sign.StringToSign(p, sent.body, m.AccessSecret), "&body="))

			var sum []byte
			if tt.alg == sign.SHA256 {
				s := sha256.Sum256([]byte(want))
				sum = s[:]
				assert.Equal(t, "sha256", h(sign.HeaderAlgorithm))
			} else {
				s := md5.Sum([]byte(want))
				sum = s[:]
				assert.Empty(t, h(sign.HeaderAlgorithm), "MD5 is announced by no header")
			}
			assert.Equal(t, hex.EncodeToString(sum), h(sign.HeaderSign))
		})
	}
}

// TestWhatsAppPhoneListData checks how the client takes phoneList's data
// array: an empty array is a success with no numbers; null, a missing
// data, an object in its place, or numbers that break the success schema
// are errors (with the Reason the SDK refused them), never a nil error
// without the list.
func TestWhatsAppPhoneListData(t *testing.T) {
	const row = `{"display_phone_number":"+1 xxx99","quality_rating":"UNKNOW","verified_name":"V","name_status":"NONE","register_status":3,` +
		`"status":"PENDING","current_limit":"","code_verification_status":"NOT_VERIFIED","waba_id":"1","waba_name":"W"}`
	envelope := func(data string) string { return `{"code":0,"data":` + data + `,"message":"Request successful"}` }
	tests := []struct {
		name       string
		body       string
		wantLen    int    // -1: an error
		wantReason string // in the error's Reason
	}{
		{"empty array", envelope(`[]`), 0, ""},
		{"one number", envelope(`[` + row + `]`), 1, ""},
		{"two numbers", envelope(`[` + row + `,` + row + `]`), 2, ""},
		// The response enums are closed: a value the spec does not list
		// fails the success schema instead of reaching the caller.
		{"a value the enums do not list", envelope(`[` + strings.Replace(row, `"UNKNOW"`, `"PURPLE"`, 1) + `]`), -1, "quality_rating: value is not one of the allowed values"},
		{"a register_status the enum does not list", envelope(`[` + strings.Replace(row, `"register_status":3`, `"register_status":9`, 1) + `]`), -1, "register_status"},
		{"a number without its required fields", envelope(`[{"quality_rating":"GREEN"}]`), -1, "display_phone_number: is required"},
		{"null", envelope(`null`), -1, "carries no data"},
		{"no data", `{"code":0,"message":"Request successful"}`, -1, "carries no data"},
		{"an object", envelope(`{"display_phone_number":"+1 xxx99"}`), -1, "success schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(stub.Close)
			c, err := nxcloud.NewClient("k", "s", option.WithBaseURL(stub.URL))
			require.NoError(t, err)

			list, err := waPhoneList(context.Background(), c.WhatsApp, "jh42xxxd434")
			if tt.wantLen < 0 {
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				assert.Contains(t, ae.Reason, tt.wantReason, "the SDK says why it took the answer for a failure")
				assert.False(t, ae.HasCode, "the vendor's code said success: it is not the failure's code")
				assert.NotContains(t, err.Error(), "code 0")
				assert.Nil(t, list)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, list)
			assert.Len(t, list, tt.wantLen)
		})
	}
}
