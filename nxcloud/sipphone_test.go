package nxcloud_test

// The SIP phone operations end to end against the mock: the console
// login (set platform) and the approval application's key pair (set sip)
// in the form, answers whose code is a word, and the passwords the mock
// keeps per phone.

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/sipphone"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// phoneClient has the mock's console login and sip pair, or those given
// after them.
func phoneClient(t *testing.T, m *mock.Running, opts ...option.Option) *sipphone.Client {
	t.Helper()
	user, password := m.AppCredentials("platform")
	key, secret := m.AppCredentials("sip")
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{
		option.WithBaseURL(m.URL),
		option.WithAppCredentials("platform", user, password),
		option.WithAppCredentials("sip", key, secret),
	}, opts...)...)
	require.NoError(t, err)
	return c.SIPPhone
}

// passwords reads every phone's password through queryMobs.
func passwords(ctx context.Context, t *testing.T, p *sipphone.Client) map[string]string {
	t.Helper()
	res, err := p.QueryMobs(ctx, sipphone.QueryMobsParams{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, ph := range res.Info.Rows {
		out[ph.Username] = ph.MonilePassword
	}
	return out
}

// The mock's approval application and its two phones, as the console
// login lists them, a page at a time.
func TestSIPPhoneLists(t *testing.T) {
	m := mock.Start(t)
	p := phoneClient(t, m)
	ctx := context.Background()
	key, secret := m.AppCredentials("sip")

	apps, err := p.QueryApps(ctx, sipphone.QueryAppsParams{})
	require.NoError(t, err)
	require.Len(t, apps.Row, 1)
	assert.Equal(t, key, apps.Row[0].Appkey)
	assert.Equal(t, secret, apps.Row[0].Secretkey, "the typed client returns the secret key as sent")

	all, err := p.QueryMobs(ctx, sipphone.QueryMobsParams{})
	require.NoError(t, err)
	assert.EqualValues(t, len(mock.SIPPhones), all.Info.Total)
	assert.EqualValues(t, 1, all.Info.Page, "page 1 by default")
	assert.EqualValues(t, 10, all.Info.PageSize, "10 a page by default")
	require.Len(t, all.Info.Rows, len(mock.SIPPhones))
	for i, ph := range all.Info.Rows {
		assert.Equal(t, mock.SIPPhones[i], ph.Username)
		assert.Equal(t, key, ph.Appkey)
		assert.Equal(t, secret, ph.Secretkey)
		assert.NotEmpty(t, ph.MonilePassword)
		require.NotNil(t, ph.Status)
		assert.Equal(t, sipphone.PhoneStatusEnabled, *ph.Status)
	}

	tests := []struct {
		name   string
		params sipphone.QueryMobsParams
		want   []string
	}{
		{"second page of one", sipphone.QueryMobsParams{Page: 2, PageSize: 1}, mock.SIPPhones[1:]},
		{"past the end", sipphone.QueryMobsParams{Page: 3, PageSize: 1}, nil},
		{"this application", sipphone.QueryMobsParams{Appkey: key}, mock.SIPPhones},
		{"another application", sipphone.QueryMobsParams{Appkey: "someone-else"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.QueryMobs(ctx, tt.params)
			require.NoError(t, err)
			var got []string
			for _, ph := range res.Info.Rows {
				got = append(got, ph.Username)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// updatePassword's rules for new_password (none, one for all, one each),
// each checked by reading the passwords back with queryMobs.
func TestSIPPhoneUpdatePassword(t *testing.T) {
	a, b := mock.SIPPhones[0], mock.SIPPhones[1]
	tests := []struct {
		name      string
		params    sipphone.UpdatePasswordParams
		want      map[string]string // the passwords afterwards; "" = a new random one
		wantError bool
	}{
		{name: "one phone, one password", params: sipphone.UpdatePasswordParams{Username: a, NewPassword: "p4ss-one"},
			want: map[string]string{a: "p4ss-one"}},
		{name: "two phones, one password", params: sipphone.UpdatePasswordParams{Username: a + "," + b, NewPassword: "shared-9"},
			want: map[string]string{a: "shared-9", b: "shared-9"}},
		{name: "two phones, one password each", params: sipphone.UpdatePasswordParams{Username: a + "," + b, NewPassword: "first-1,second-2"},
			want: map[string]string{a: "first-1", b: "second-2"}},
		{name: "no password: random ones", params: sipphone.UpdatePasswordParams{Username: a + "," + b},
			want: map[string]string{a: "", b: ""}},
		{name: "three passwords for two phones", params: sipphone.UpdatePasswordParams{Username: a + "," + b, NewPassword: "x1,x2,x3"}, wantError: true},
		{name: "a phone the account lacks", params: sipphone.UpdatePasswordParams{Username: a + ",1049999", NewPassword: "x1"}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mock.Start(t)
			p := phoneClient(t, m)
			ctx := context.Background()
			before := passwords(ctx, t, p)

			res, err := p.UpdatePassword(ctx, tt.params)
			if tt.wantError {
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				assert.False(t, ae.HasCode, "a word answer carries no code number")
				assert.Equal(t, before, passwords(ctx, t, p), "a refused change changes nothing")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "success", res.Code)
			require.Len(t, res.Row, len(tt.want), "the answer lists each changed phone")
			after := passwords(ctx, t, p)
			for phone, want := range tt.want {
				if want == "" {
					assert.Regexp(t, `^[0-9]{6}$`, res.Row[phone])
					assert.NotEqual(t, before[phone], res.Row[phone], "a new password")
					want = res.Row[phone]
				}
				assert.Equal(t, want, res.Row[phone], "the answer's password of %s", phone)
				assert.Equal(t, want, after[phone], "queryMobs shows the new password of %s", phone)
			}
			for phone, pw := range before {
				if _, changed := tt.want[phone]; !changed {
					assert.Equal(t, pw, after[phone], "%s keeps its password", phone)
				}
			}
		})
	}
}

// A wrong login or key pair, and each documented failure (a word, no
// number), come back as *apierror.Error.
func TestSIPPhoneFailures(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()
	wrongLogin := phoneClient(t, m, option.WithAppCredentials("platform", "mock-platform-appkey", "wrong-password"))
	wrongPair := phoneClient(t, m, option.WithAppCredentials("sip", "mock-sip-appkey", "wrong-secret"))
	good := phoneClient(t, m)
	calls := map[string]func(*sipphone.Client) error{
		"queryApps": func(p *sipphone.Client) error {
			_, err := p.QueryApps(ctx, sipphone.QueryAppsParams{})
			return err
		},
		"queryMobs": func(p *sipphone.Client) error {
			_, err := p.QueryMobs(ctx, sipphone.QueryMobsParams{})
			return err
		},
		"updatePassword": func(p *sipphone.Client) error {
			_, err := p.UpdatePassword(ctx, sipphone.UpdatePasswordParams{Username: mock.SIPPhones[0]})
			return err
		},
	}
	tests := []struct {
		name   string
		op     string
		client *sipphone.Client
		reject bool
	}{
		{"queryApps, wrong password", "queryApps", wrongLogin, false},
		{"queryMobs, wrong password", "queryMobs", wrongLogin, false},
		{"updatePassword, wrong secret key", "updatePassword", wrongPair, false},
		{"queryApps, refused", "queryApps", good, true},
		{"queryMobs, refused", "queryMobs", good, true},
		{"updatePassword, refused", "updatePassword", good, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reject {
				require.NoError(t, m.RejectNext("nxcloud/sipphone "+tt.op, mock.Rejection{Code: int(sipphone.ResultCodeInvalidParameter), Message: "parameters are incorrect"}))
			}
			err := calls[tt.op](tt.client)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.False(t, ae.HasCode)
			assert.Equal(t, "failed", ae.CodeText, "NXCloud's failure word")
			assert.NotEmpty(t, ae.Message)
			if tt.reject {
				assert.Equal(t, "parameters are incorrect", ae.Message, "the reason is the error's message")
				assert.NoError(t, calls[tt.op](tt.client), "the rejection answered one call")
			}
		})
	}
	// The login works for the login's calls only: updatePassword takes the
	// application's key pair.
	require.NoError(t, calls["updatePassword"](wrongLogin))
	require.NoError(t, calls["queryMobs"](wrongPair))
}
