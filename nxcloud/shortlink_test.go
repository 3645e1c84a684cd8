package nxcloud_test

// Short links through the typed client against the mock: the SMS key pair
// in a form, the documented failures, and the stateful flow (a generated
// link is listed for its long address).

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/shortlink"
	"github.com/verikit/verikit/mock"
)

const vsLongURL = "https://shop.example.com/orders/20240318-0001?utm_source=sms&lang=id"

func TestShortLinkOnTheWire(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(*testing.T, *shortlink.Client) error
		path string
		want map[string]string
	}{
		{"generate", func(t *testing.T, c *shortlink.Client) error {
			res, err := c.Generate(ctx, shortlink.GenerateParams{URL: vsLongURL, Remark: "order 1"})
			if err == nil {
				assert.Equal(t, "0", res.Code)
				assert.Regexp(t, `^https://`, res.Info)
			}
			return err
		}, "/api/shortLink/linkLong2Short", map[string]string{"url": vsLongURL, "remark": "order 1"}},
		{"list", func(t *testing.T, c *shortlink.Client) error {
			res, err := c.List(ctx, shortlink.ListParams{URL: vsLongURL})
			if err == nil {
				assert.Equal(t, "0", res.Code)
				assert.NotNil(t, res.Row)
			}
			return err
		}, "/api/shortLink/shortLinks", map[string]string{"url": vsLongURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, p := vsClient(t, mock.Config{})
			require.NoError(t, tt.call(t, c.ShortLink))
			r := p.last(t)
			assert.Equal(t, tt.path, r.path)
			form := vsForm(t, r)
			for k, v := range tt.want {
				assert.Equal(t, v, form.Get(k), k)
			}
			// The SMS application's pair, as the SMS product sends it.
			assert.Equal(t, "mock-sms-appkey", form.Get("appkey"))
			assert.Equal(t, "mock-sms-secret", form.Get("secretkey"))
		})
	}
}

func TestShortLinkGenerateThenList(t *testing.T) {
	ctx := context.Background()
	_, c, _ := vsClient(t, mock.Config{})

	first, err := c.ShortLink.Generate(ctx, shortlink.GenerateParams{URL: vsLongURL})
	require.NoError(t, err)
	second, err := c.ShortLink.Generate(ctx, shortlink.GenerateParams{URL: vsLongURL, Remark: "again"})
	require.NoError(t, err)
	assert.NotEqual(t, first.Info, second.Info, "each call makes a new link")
	elsewhere, err := c.ShortLink.Generate(ctx, shortlink.GenerateParams{URL: "www.example.org/a"})
	require.NoError(t, err, "an address without a scheme, as the page's example gives one")

	tests := []struct {
		url  string
		want []string
	}{
		{vsLongURL, []string{first.Info, second.Info}},
		{"www.example.org/a", []string{elsewhere.Info}},
		{"https://never.example/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			list, err := c.ShortLink.List(ctx, shortlink.ListParams{URL: tt.url})
			require.NoError(t, err)
			var got []string
			for _, l := range list.Row {
				got = append(got, l.ShortLink)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShortLinkFailures(t *testing.T) {
	ctx := context.Background()
	generate := func(c *shortlink.Client) error {
		_, err := c.Generate(ctx, shortlink.GenerateParams{URL: vsLongURL})
		return err
	}
	list := func(c *shortlink.Client) error {
		_, err := c.List(ctx, shortlink.ListParams{URL: vsLongURL})
		return err
	}
	tests := []struct {
		name string
		op   string
		code shortlink.ResultCode
		call func(*shortlink.Client) error
		kind error
	}{
		{"generate: not enabled", "nxcloud/shortlink generate", shortlink.ResultCodeNotEnabled, generate, nil},
		{"generate: no balance", "nxcloud/shortlink generate", shortlink.ResultCodeInsufficientBalance, generate, nil},
		{"list: IP not allowed", "nxcloud/shortlink list", shortlink.ResultCodeIPNotAllowed, list, nil},
		{"list: wrong key pair", "nxcloud/shortlink list", shortlink.ResultCodeBadAppCredentials, list, apierror.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c, _ := vsClient(t, mock.Config{})
			require.NoError(t, m.RejectNext(tt.op, mock.Rejection{Code: int(tt.code)}))
			err := tt.call(c.ShortLink)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.True(t, ae.HasCode)
			assert.Equal(t, int(tt.code), ae.Code)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			}
		})
	}

	// A real wrong pair: the mock refuses it with code 1, an auth failure.
	_, c, _ := vsStart(t, mock.Config{}, map[string][2]string{"sms": {"mock-sms-appkey", "wrong-sms-secret-91ab"}})
	err := generate(c.ShortLink)
	require.ErrorIs(t, err, apierror.ErrAuth)
	assert.NotContains(t, err.Error(), "wrong-sms-secret-91ab")

	// An empty address is refused before anything is sent.
	_, c, p := vsClient(t, mock.Config{})
	_, err = c.ShortLink.Generate(ctx, shortlink.GenerateParams{})
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Zero(t, p.count())
}
