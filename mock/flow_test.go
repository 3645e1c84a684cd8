package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

func nxClient(t *testing.T, m *mock.Running, opts ...option.Option) *nxcloud.Client {
	t.Helper()
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{option.WithBaseURL(m.URL)}, opts...)...)
	require.NoError(t, err)
	return c
}

func elClient(t *testing.T, m *mock.Running) *engagelab.Client {
	t.Helper()
	c, err := engagelab.NewClient(m.DevKey, m.DevSecret, option.WithBaseURL(m.URL))
	require.NoError(t, err)
	return c
}

// apiError asserts that err is an *apierror.Error and returns it.
func apiError(t *testing.T, err error) *apierror.Error {
	t.Helper()
	require.Error(t, err)
	var e *apierror.Error
	require.True(t, errors.As(err, &e), "want *apierror.Error, got %T: %v", err, err)
	return e
}

// otaInit starts a login and checks the mock's whole answer: the method
// returns the envelope's data, and the raw envelope around it has code 0
// and a message.
func otaInit(t *testing.T, c *nxcloud.Client, appkey string) string {
	t.Helper()
	var raw option.RawResponse
	res, err := c.OTA.Init(context.Background(), ota.InitParams{Appkey: appkey, Phone: "8613800000000", UserIP: "10.0.0.1"},
		option.WithRawResponse(&raw))
	require.NoError(t, err)
	require.NotNil(t, res)
	assert.NotEmpty(t, res.URL)
	require.NotEmpty(t, res.RequestID)

	assert.Equal(t, http.StatusOK, raw.StatusCode)
	var env ota.InitEnvelope
	require.NoError(t, json.Unmarshal(raw.Body, &env), "body: %s", raw.Body)
	assert.EqualValues(t, ota.ResultCodeSuccess, env.Code)
	assert.NotEmpty(t, env.Msg)
	assert.Equal(t, *res, env.Data, "the method returns the envelope's data")
	return res.RequestID
}

func otaVerify(c *nxcloud.Client, appkey, id string) (ota.VerificationStatus, error) {
	res, err := c.OTA.Verify(context.Background(), ota.VerifyParams{Appkey: appkey, RequestID: id})
	if err != nil {
		return "", err
	}
	if res == nil {
		return "", errors.New("verify returned neither a result nor an error")
	}
	if res.RequestID != id {
		return "", fmt.Errorf("verify answered for %q, asked for %q", res.RequestID, id)
	}
	return res.Status, nil
}

func TestFlowOTA(t *testing.T) {
	for _, alg := range []sign.Algorithm{sign.MD5, sign.SHA256} {
		t.Run(string(alg), func(t *testing.T) {
			m := mock.Start(t)
			c := nxClient(t, m, option.WithSignAlgorithm(alg))
			id := otaInit(t, c, "app1")

			for range 2 { // verify only reads: asking again changes nothing
				st, err := otaVerify(c, "app1", id)
				require.NoError(t, err)
				assert.Equal(t, ota.VerificationStatusSuccess, st)
			}
			assert.NotEqual(t, id, otaInit(t, c, "app1"), "every init is a new login")
		})
	}
}

func TestFlowOTAStatus(t *testing.T) {
	m := mock.Start(t, mock.Config{OTAStatus: "PENDING"})
	c := nxClient(t, m)
	id := otaInit(t, c, "app1")
	other := otaInit(t, c, "app1")

	st, err := otaVerify(c, "app1", id)
	require.NoError(t, err)
	assert.Equal(t, ota.VerificationStatusPending, st, "Config.OTAStatus sets a new login's status")

	require.True(t, m.SetOTAStatus(id, "MISMATCH"))
	st, err = otaVerify(c, "app1", id)
	require.NoError(t, err)
	assert.Equal(t, ota.VerificationStatusMismatch, st)

	st, err = otaVerify(c, "app1", other)
	require.NoError(t, err)
	assert.Equal(t, ota.VerificationStatusPending, st, "SetOTAStatus changes one login only")

	assert.False(t, m.SetOTAStatus("no-such-request", "SUCCESS"), "SetOTAStatus reports an unknown login")
}

func TestFlowOTAVerifyRejected(t *testing.T) {
	m := mock.Start(t)
	c := nxClient(t, m)
	id := otaInit(t, c, "app1")

	cases := []struct {
		name, appkey, id string
	}{
		{"unknown requestId", "app1", "0123456789abcdef0123456789abcdef"},
		{"requestId of another appkey", "app2", id},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := otaVerify(c, tc.appkey, tc.id)
			e := apiError(t, err)
			assert.Equal(t, http.StatusOK, e.StatusCode)
			assert.True(t, e.HasCode)
			assert.Equal(t, 2205, e.Code)
			assert.Equal(t, int(ota.ResultCodeRecordNotFound), e.Code)
			assert.NotEmpty(t, e.Message, "read from the envelope's msg")
		})
	}
}

func waGetCode(c *nxcloud.Client, phone string) error {
	return c.WhatsApp.GetCode(context.Background(),
		waintegrator.GetCodeParams{PhoneNumber: phone, Method: waintegrator.CodeMethodSMS})
}

// waCheckCode checks a code. Its success carries nothing, so the raw
// answer is checked too: code 0, a message, and data null.
func waCheckCode(c *nxcloud.Client, phone, code string) error {
	var raw option.RawResponse
	err := c.WhatsApp.CheckCode(context.Background(),
		waintegrator.CheckCodeParams{PhoneNumber: phone, Code: code}, option.WithRawResponse(&raw))
	if err != nil {
		return err
	}
	var env struct {
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw.Body, &env) != nil || env.Code == nil || *env.Code != 0 || env.Message == "" || string(env.Data) != "null" {
		return fmt.Errorf("checkCode answered an unexpected success: %s", raw.Body)
	}
	return nil
}

func TestFlowWhatsAppCheckCode(t *testing.T) {
	const phone = "18500000099"
	cases := []struct {
		name      string
		cfg       mock.Config
		getCode   bool   // call getCode for the phone first
		code      string // the code checked
		wantCode  int    // 0: no error
		wantAgain int    // the same check again: a code is consumed by a success
	}{
		{"default code", mock.Config{}, true, mock.DefaultWhatsAppCode, 0, -1},
		{"wrong code", mock.Config{}, true, "0000", -1, -1},
		{"configured code", mock.Config{WhatsAppCode: "987654"}, true, "987654", 0, -1},
		{"default code when another is configured", mock.Config{WhatsAppCode: "987654"}, true, mock.DefaultWhatsAppCode, -1, -1},
		{"no getCode", mock.Config{}, false, mock.DefaultWhatsAppCode, -1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t, tc.cfg)
			c := nxClient(t, m)
			if tc.getCode {
				require.NoError(t, waGetCode(c, phone))
			}
			for i, want := range []int{tc.wantCode, tc.wantAgain} {
				err := waCheckCode(c, phone, tc.code)
				if want == 0 {
					require.NoError(t, err, "check %d", i+1)
					continue
				}
				e := apiError(t, err)
				assert.Equal(t, http.StatusOK, e.StatusCode)
				assert.Equal(t, want, e.Code, "check %d", i+1)
				assert.Equal(t, int(waintegrator.ResultCodeRequestFailed), e.Code)
				assert.NotEmpty(t, e.Message, "read from the envelope's message")
			}
		})
	}
}

// TestFlowWhatsAppCodeScope checks what a pending code belongs to: one phone
// number of one account, re-armed by another getCode, and kept after a
// wrong code.
func TestFlowWhatsAppCodeScope(t *testing.T) {
	m := mock.Start(t, mock.Config{NXCloudKeys: map[string]string{"nx-a": "secret-a", "nx-b": "secret-b"}})
	a := nxClient(t, m)
	b, err := nxcloud.NewClient("nx-b", "secret-b", option.WithBaseURL(m.URL))
	require.NoError(t, err)
	code := mock.DefaultWhatsAppCode

	require.NoError(t, waGetCode(a, "111"))
	assert.Equal(t, -1, apiError(t, waCheckCode(a, "222", code)).Code, "another number of the same account")
	assert.Equal(t, -1, apiError(t, waCheckCode(b, "111", code)).Code, "the same number of another account")
	assert.Equal(t, -1, apiError(t, waCheckCode(a, "111", "0000")).Code, "a wrong code")
	require.NoError(t, waCheckCode(a, "111", code), "the code is still pending after a wrong one")
	assert.Equal(t, -1, apiError(t, waCheckCode(a, "111", code)).Code, "consumed")

	require.NoError(t, waGetCode(a, "111"))
	require.NoError(t, waCheckCode(a, "111", code), "getCode again sends a new code")
}

// TestConcurrentWhatsAppSharedCode has every worker check the same pending
// codes at once: each code is accepted exactly once, every other check
// fails with -1.
func TestConcurrentWhatsAppSharedCode(t *testing.T) {
	m := mock.Start(t)
	c := nxClient(t, m)
	for i := range rounds {
		require.NoError(t, waGetCode(c, fmt.Sprintf("1850000%04d", i)))
	}

	accepted := make([][]int, workers) // [worker][number]
	var wg sync.WaitGroup
	for w := range workers {
		accepted[w] = make([]int, rounds)
		wg.Go(func() {
			for i := range rounds {
				err := waCheckCode(c, fmt.Sprintf("1850000%04d", i), mock.DefaultWhatsAppCode)
				var e *apierror.Error
				switch {
				case err == nil:
					accepted[w][i]++
				case errors.As(err, &e) && e.Code == -1:
				default:
					assert.Fail(t, "unexpected answer", "number %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	for i := range rounds {
		n := 0
		for w := range workers {
			n += accepted[w][i]
		}
		assert.Equal(t, 1, n, "number %d accepted %d times", i, n)
	}
}

func elVerify(c *engagelab.Client, id, code string) (*otp.VerifyResult, error) {
	res, err := c.OTP.Verify(context.Background(), otp.VerifyParams{MessageID: id, VerifyCode: code})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("verify returned neither a result nor an error")
	}
	return res, nil
}

func TestFlowEngageLabVerifyOnce(t *testing.T) {
	m := mock.Start(t)
	c := elClient(t, m)
	m.AddOTPMessage("msg-1", "667090")

	res, err := elVerify(c, "msg-1", "000000")
	require.NoError(t, err, "a wrong code is an answer, not an error")
	assert.False(t, res.Verified)
	assert.Equal(t, "msg-1", res.MessageID)
	assert.Equal(t, "000000", res.VerifyCode)

	res, err = elVerify(c, "msg-1", "667090")
	require.NoError(t, err)
	assert.True(t, res.Verified)
	assert.Equal(t, "667090", res.VerifyCode)

	for _, code := range []string{"667090", "000000"} {
		_, err = elVerify(c, "msg-1", code)
		e := apiError(t, err)
		assert.Equal(t, http.StatusBadRequest, e.StatusCode)
		assert.Equal(t, 3003, e.Code)
		assert.Equal(t, int(otp.ErrorCodeCodeExpiredOrVerified), e.Code)
	}

	t.Run("unknown message", func(t *testing.T) {
		_, err := elVerify(c, "no-such-message", "667090")
		e := apiError(t, err)
		assert.Equal(t, http.StatusBadRequest, e.StatusCode)
		assert.Equal(t, 4001, e.Code)
		assert.NotEmpty(t, e.Message)
	})

	t.Run("AddOTPMessage again re-arms the message", func(t *testing.T) {
		m.AddOTPMessage("msg-1", "111111")
		res, err := elVerify(c, "msg-1", "111111")
		require.NoError(t, err)
		assert.True(t, res.Verified)
	})
}

// TestFlowCustomCredentials checks that Config's keys are the ones accepted,
// that Start returns the first of them, and that the defaults then are not.
func TestFlowCustomCredentials(t *testing.T) {
	m := mock.Start(t, mock.Config{
		NXCloudKeys:   map[string]string{"nx-key-b": "nx-secret-b", "nx-key-a": "nx-secret-a"},
		EngageLabKeys: map[string]string{"el-key": "el-secret"},
	})
	require.Equal(t, "nx-key-a", m.AccessKey)
	require.Equal(t, "nx-secret-a", m.AccessSecret)
	require.Equal(t, "el-key", m.DevKey)
	require.Equal(t, "el-secret", m.DevSecret)
	m.AddOTPMessage("msg-1", "1234")

	nxCases := []struct {
		name, key, secret string
		wantCode          int // 0: no error
	}{
		{"returned pair", m.AccessKey, m.AccessSecret, 0},
		{"second pair", "nx-key-b", "nx-secret-b", 0},
		{"key with another key's secret", "nx-key-a", "nx-secret-b", 1003},
		{"default credentials", mock.DefaultAccessKey, mock.DefaultAccessSecret, 1005},
	}
	for _, tc := range nxCases {
		t.Run("nxcloud "+tc.name, func(t *testing.T) {
			c, err := nxcloud.NewClient(tc.key, tc.secret, option.WithBaseURL(m.URL))
			require.NoError(t, err)
			_, err = c.OTA.Init(context.Background(), ota.InitParams{Appkey: "app1", Phone: "8613800000000", UserIP: "10.0.0.1"})
			if tc.wantCode == 0 {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, tc.wantCode, apiError(t, err).Code)
		})
	}

	elCases := []struct {
		name, key, secret string
		wantStatus        int // 0: no error
	}{
		{"returned pair", m.DevKey, m.DevSecret, 0},
		{"default credentials", mock.DefaultDevKey, mock.DefaultDevSecret, http.StatusUnauthorized},
	}
	for _, tc := range elCases {
		t.Run("engagelab "+tc.name, func(t *testing.T) {
			c, err := engagelab.NewClient(tc.key, tc.secret, option.WithBaseURL(m.URL))
			require.NoError(t, err)
			res, err := elVerify(c, "msg-1", "0000") // a wrong code: repeatable
			if tc.wantStatus == 0 {
				require.NoError(t, err)
				assert.False(t, res.Verified)
				return
			}
			e := apiError(t, err)
			assert.Equal(t, tc.wantStatus, e.StatusCode)
			assert.Equal(t, 2001, e.Code)
		})
	}
}

const (
	workers = 8
	rounds  = 25
)

// TestConcurrentOTA runs many init → verify flows at once through one
// client: each must see its own login.
func TestConcurrentOTA(t *testing.T) {
	m := mock.Start(t)
	c := nxClient(t, m)

	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	okFlows := 0
	for w := range workers {
		wg.Go(func() {
			appkey := fmt.Sprintf("app-%d", w)
			for range rounds {
				res, err := c.OTA.Init(context.Background(), ota.InitParams{Appkey: appkey, Phone: "8613800000000", UserIP: "10.0.0.1"})
				if !assert.NoError(t, err) || !assert.NotNil(t, res) || !assert.NotEmpty(t, res.RequestID) {
					continue
				}
				id := res.RequestID
				st, err := otaVerify(c, appkey, id)
				if !assert.NoError(t, err) || !assert.Equal(t, ota.VerificationStatusSuccess, st) {
					continue
				}
				// Another worker's appkey never sees this login.
				_, err = otaVerify(c, appkey+"-other", id)
				var e *apierror.Error
				if !assert.ErrorAs(t, err, &e) || !assert.Equal(t, 2205, e.Code) {
					continue
				}
				mu.Lock()
				assert.False(t, ids[id], "requestId %s issued twice", id)
				ids[id] = true
				okFlows++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, workers*rounds, okFlows)
	assert.Len(t, ids, workers*rounds)
}

// TestConcurrentEngageLabOwnMessages runs verify-once flows at once, each
// worker on its own messages: wrong, right, then 3003.
func TestConcurrentEngageLabOwnMessages(t *testing.T) {
	m := mock.Start(t)
	c := elClient(t, m)
	for w := range workers {
		for i := range rounds {
			m.AddOTPMessage(fmt.Sprintf("w%d-m%d", w, i), fmt.Sprintf("%06d", w*1000+i))
		}
	}

	var wg sync.WaitGroup
	successes := make([]int, workers) // one slot per worker: no sharing
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				id, code := fmt.Sprintf("w%d-m%d", w, i), fmt.Sprintf("%06d", w*1000+i)
				res, err := elVerify(c, id, "wrong")
				if !assert.NoError(t, err) || !assert.False(t, res.Verified, id) {
					continue
				}
				res, err = elVerify(c, id, code)
				if !assert.NoError(t, err) || !assert.True(t, res.Verified, id) {
					continue
				}
				_, err = elVerify(c, id, code)
				var e *apierror.Error
				if !assert.ErrorAs(t, err, &e) || !assert.Equal(t, 3003, e.Code, id) {
					continue
				}
				successes[w]++
			}
		})
	}
	wg.Wait()
	for w, n := range successes {
		assert.Equal(t, rounds, n, "worker %d", w)
	}
}

// TestConcurrentEngageLabSharedMessages has every worker verify the same
// messages with the right code at once: each message is verified exactly
// once, and every other attempt gets 3003.
func TestConcurrentEngageLabSharedMessages(t *testing.T) {
	m := mock.Start(t)
	c := elClient(t, m)
	for i := range rounds {
		m.AddOTPMessage(fmt.Sprintf("shared-%d", i), "424242")
	}

	type tally struct{ verified, expired, other int }
	results := make([][]tally, workers) // [worker][message]
	var wg sync.WaitGroup
	for w := range workers {
		results[w] = make([]tally, rounds)
		wg.Go(func() {
			for i := range rounds {
				res, err := elVerify(c, fmt.Sprintf("shared-%d", i), "424242")
				var e *apierror.Error
				switch {
				case err == nil && res.Verified:
					results[w][i].verified++
				case errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && e.Code == 3003:
					results[w][i].expired++
				default:
					results[w][i].other++
					assert.Fail(t, "unexpected answer", "message %d: %+v, %v", i, res, err)
				}
			}
		})
	}
	wg.Wait()
	for i := range rounds {
		var sum tally
		for w := range workers {
			sum.verified += results[w][i].verified
			sum.expired += results[w][i].expired
			sum.other += results[w][i].other
		}
		assert.Equal(t, tally{verified: 1, expired: workers - 1}, sum, "message shared-%d", i)
	}
}
