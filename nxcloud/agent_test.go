package nxcloud_test

// The agent calls end to end against the mock: getToken with the approval
// application's key pair, makeCall with the token, which the mock lets
// expire after 1200 seconds by its own clock.

import (
	"context"
	"errors"
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

func makeCall(ctx context.Context, a *agent.Client, token string) (*agent.MakeCallResult, error) {
	return a.MakeCall(ctx, agent.MakeCallParams{Token: token, Username: mock.SIPPhones[0], Phone: "6281234567890", Orderid: "order42"})
}

// A token works until 1200 seconds have passed by the mock's clock, then
// makeCall answers 1201, an auth failure, until a new token is taken.
func TestAgentTokenLifetime(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)}
	m := mock.Start(t, mock.Config{Now: clock.Now})
	a := agentClient(t, m)
	ctx := context.Background()

	tok, err := a.GetToken(ctx, agent.GetTokenParams{})
	require.NoError(t, err)
	require.NotEmpty(t, tok.Token)
	assert.EqualValues(t, 1200, tok.Expireinterval, "NXCloud's default lifetime")
	assert.EqualValues(t, 0, tok.Code)

	call, err := makeCall(ctx, a, tok.Token)
	require.NoError(t, err)
	assert.NotEmpty(t, call.Sessionid)
	assert.Equal(t, "order42", call.Orderid, "the orderid comes back")

	clock.advance(1199 * time.Second)
	_, err = makeCall(ctx, a, tok.Token)
	require.NoError(t, err, "one second before it expires")

	clock.advance(time.Second)
	_, err = makeCall(ctx, a, tok.Token)
	assert.Equal(t, int(agent.ResultCodeTokenUnavailable), apiCode(t, err), "expired after 1200 seconds")
	assert.ErrorIs(t, err, apierror.ErrAuth, "an expired token is an auth failure")

	fresh, err := a.GetToken(ctx, agent.GetTokenParams{})
	require.NoError(t, err)
	assert.NotEqual(t, tok.Token, fresh.Token, "each getToken issues a new token")
	_, err = makeCall(ctx, a, fresh.Token)
	require.NoError(t, err, "a new token works")
	_, err = makeCall(ctx, a, tok.Token)
	assert.Error(t, err, "the old one stays expired")
}

// makeCall refuses what the mock never issued, and a phone it does not
// have; the token of the spec's example is the mock's from the start.
func TestAgentMakeCallRefusals(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)}
	m := mock.Start(t, mock.Config{Now: clock.Now})
	a := agentClient(t, m)
	ctx := context.Background()

	tests := []struct {
		name     string
		params   agent.MakeCallParams
		wantCode int
	}{
		{"the example's token", agent.MakeCallParams{Token: mock.DefaultAgentToken, Username: mock.SIPPhones[1], Phone: "6281234567890"}, 0},
		{"a token never issued", agent.MakeCallParams{Token: "0000000000000000000000000000000A", Username: mock.SIPPhones[0], Phone: "6281234567890"}, int(agent.ResultCodeTokenUnavailable)},
		{"a phone the account lacks", agent.MakeCallParams{Token: mock.DefaultAgentToken, Username: "1049999", Phone: "6281234567890"}, int(agent.ResultCodeUnknownUsername)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.MakeCall(ctx, tt.params)
			if tt.wantCode == 0 {
				require.NoError(t, err)
				assert.NotEmpty(t, res.Sessionid)
				assert.Empty(t, res.Orderid, "no orderid given, none returned")
				return
			}
			assert.Equal(t, tt.wantCode, apiCode(t, err))
		})
	}

	clock.advance(mock.AgentTokenLifetime)
	_, err := a.MakeCall(ctx, agent.MakeCallParams{Token: mock.DefaultAgentToken, Username: mock.SIPPhones[0], Phone: "6281234567890"})
	assert.Equal(t, int(agent.ResultCodeTokenUnavailable), apiCode(t, err), "the example's token expires like any other")

	_, err = a.MakeCall(ctx, agent.MakeCallParams{Token: mock.DefaultAgentToken, Username: mock.SIPPhones[0], Phone: "6281234567890", Orderid: "no spaces!"})
	var ve *apierror.ValidationError
	assert.ErrorAs(t, err, &ve, "an orderid of other characters is refused before sending")

	wrong := agentClient(t, m, option.WithAppCredentials("sip", "mock-sip-appkey", "wrong-secret"))
	_, err = wrong.GetToken(ctx, agent.GetTokenParams{})
	assert.Equal(t, int(agent.ResultCodeBadAppCredentials), apiCode(t, err))
	assert.ErrorIs(t, err, apierror.ErrAuth)
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
			_, err := makeCall(ctx, a, mock.DefaultAgentToken)
			assert.Equal(t, int(code), apiCode(t, err))
			auth := code == agent.ResultCodeBadAppCredentials || code == agent.ResultCodeTokenUnavailable
			assert.Equal(t, auth, errors.Is(err, apierror.ErrAuth))
		})
	}
	assert.Error(t, m.RejectNext("nxcloud/agent makeCall", mock.Rejection{Code: 0}), "0 is the success code")
}
