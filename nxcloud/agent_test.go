package nxcloud_test

// The agent calls end to end against the mock: makeCall with the token
// the client takes from getToken itself (x-token), which the mock lets
// expire after 1200 seconds by its own clock.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/agent"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func agentClient(t *testing.T, m *mock.Running, opts ...option.Option) *agent.Client {
	t.Helper()
	key, secret := m.AppCredentials("sip")
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret,
		append([]option.Option{option.WithBaseURL(m.URL), option.WithAppCredentials("sip", key, secret)}, opts...)...)
	require.NoError(t, err)
	return c.Agent
}

// counting counts the requests by path; the agent tests see the token
// calls the client makes itself.
type counting struct {
	mu     sync.Mutex
	byPath map[string]int
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.byPath[r.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *counting) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byPath[path]
}

func countingAgent(t *testing.T, m *mock.Running, opts ...option.Option) (*agent.Client, *counting) {
	t.Helper()
	rt := &counting{byPath: map[string]int{}}
	return agentClient(t, m, append([]option.Option{option.WithHTTPClient(&http.Client{Transport: rt})}, opts...)...), rt
}

func makeCall(ctx context.Context, a *agent.Client) (*agent.MakeCallResult, error) {
	return a.MakeCall(ctx, agent.MakeCallParams{Username: mock.SIPPhones[0], Phone: "6281234567890", Orderid: "order42"})
}

// The client takes the token itself and shares it; once the mock's clock
// has run its 1200 seconds out, makeCall (unsafe: not re-sent) answers
// 1201, an auth failure, and the next call takes a new token.
func TestAgentTokenIsTheClients(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)}
	m := mock.Start(t, mock.Config{Now: clock.Now})
	a, rt := countingAgent(t, m)
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call, err := makeCall(ctx, a)
			if assert.NoError(t, err) {
				assert.NotEmpty(t, call.Sessionid)
				assert.Equal(t, "order42", call.Orderid, "the orderid comes back")
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, rt.count("/v1/call/token"), "one token for all the calls")
	assert.Equal(t, 8, rt.count("/v1/call/makecall"))

	clock.advance(1199 * time.Second)
	_, err := makeCall(ctx, a)
	require.NoError(t, err, "one second before it expires")

	clock.advance(time.Second)
	_, err = makeCall(ctx, a)
	assert.Equal(t, int(agent.ResultCodeTokenUnavailable), apiCode(t, err), "expired after 1200 seconds")
	assert.ErrorIs(t, err, apierror.ErrAuth, "an expired token is an auth failure")
	assert.Equal(t, 10, rt.count("/v1/call/makecall"), "a call is not placed twice")

	_, err = makeCall(ctx, a)
	require.NoError(t, err, "the next call takes a new token")
	assert.Equal(t, 2, rt.count("/v1/call/token"))

	tok, err := a.GetToken(ctx, agent.GetTokenParams{})
	require.NoError(t, err, "getToken stays callable")
	assert.EqualValues(t, 1200, tok.Expireinterval, "NXCloud's default lifetime")
}

// makeCall refuses a phone the account lacks; bad params are refused
// before any token is taken; a wrong key pair fails the token, as an auth
// failure, and nothing is called.
func TestAgentMakeCallRefusals(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()

	a, rt := countingAgent(t, m)
	_, err := a.MakeCall(ctx, agent.MakeCallParams{Username: "1049999", Phone: "6281234567890"})
	assert.Equal(t, int(agent.ResultCodeUnknownUsername), apiCode(t, err))

	b, rt := countingAgent(t, m)
	_, err = b.MakeCall(ctx, agent.MakeCallParams{Username: mock.SIPPhones[0], Phone: "6281234567890", Orderid: "no spaces!"})
	var ve *apierror.ValidationError
	assert.ErrorAs(t, err, &ve, "an orderid of other characters is refused before sending")
	assert.Zero(t, rt.count("/v1/call/token")+rt.count("/v1/call/makecall"), "nothing is sent, not even for a token")

	wrong, rt := countingAgent(t, m, option.WithAppCredentials("sip", "mock-sip-appkey", "wrong-secret"))
	_, err = wrong.GetToken(ctx, agent.GetTokenParams{})
	assert.Equal(t, int(agent.ResultCodeBadAppCredentials), apiCode(t, err))
	_, err = makeCall(ctx, wrong)
	assert.ErrorIs(t, err, apierror.ErrAuth)
	assert.NotContains(t, err.Error(), "wrong-secret")
	assert.Zero(t, rt.count("/v1/call/makecall"))
}

// Every code of the page's table comes back from makeCall as the typed
// error's code; 1101 and 1201 are auth failures, the others are not.
func TestAgentMakeCallCodes(t *testing.T) {
	m := mock.Start(t)
	a := agentClient(t, m)
	ctx := context.Background()
	codes := []agent.ResultCode{
		agent.ResultCodeReloadToken, agent.ResultCodeUnknownUsername, agent.ResultCodeUsernameLocked,
		agent.ResultCodeNotRegistered, agent.ResultCodeNotRegistered1004, agent.ResultCodeNotRegistered1005,
		agent.ResultCodeUnknownUsername1006, agent.ResultCodeBadOrderID, agent.ResultCodeOrderIDTooLong,
		agent.ResultCodeDataError, agent.ResultCodeBadAppCredentials, agent.ResultCodeInvalidParameter,
		agent.ResultCodeTokenUnavailable, agent.ResultCodeUnknownError,
	}
	for _, code := range codes {
		t.Run(strconv.Itoa(int(code)), func(t *testing.T) {
			require.NoError(t, m.RejectNext("nxcloud/agent makeCall", mock.Rejection{Code: int(code)}))
			_, err := makeCall(ctx, a)
			assert.Equal(t, int(code), apiCode(t, err))
			auth := code == agent.ResultCodeBadAppCredentials || code == agent.ResultCodeTokenUnavailable
			assert.Equal(t, auth, errors.Is(err, apierror.ErrAuth))
		})
	}
	assert.Error(t, m.RejectNext("nxcloud/agent makeCall", mock.Rejection{Code: 0}), "0 is the success code")
}
