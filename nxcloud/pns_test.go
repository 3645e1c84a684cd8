package nxcloud_test

// End-to-end tests of NXCloud number privacy (PNS): the typed client
// (generated code, request checks against the spec, signing, x-path)
// against the mock, which checks every signature, validates every
// request, keeps the bindings and groups, and has each of its responses
// checked against the spec by mock.Start; and the two PNS callbacks
// received by their generated receivers.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/pns"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

// Numbers of one country (Hong Kong, 852), as on NXCloud's pages.
const (
	pnsA  = "85211111114"
	pnsB  = "85222222222"
	pnsG1 = "85235753351"
	pnsG2 = "85235753311"
	pnsX  = "85235757584" // a virtual number for extension bindings
)

// pnsSeen records what the client put on the wire.
type pnsSeen struct {
	mu   sync.Mutex
	reqs []*http.Request
	next http.RoundTripper
}

func (s *pnsSeen) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.Clone(r.Context()))
	s.mu.Unlock()
	return s.next.RoundTrip(r)
}

func (s *pnsSeen) all() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

// pnsClient is a PNS client for the mock's account, and what it sent.
func pnsClient(t *testing.T, m *mock.Running, opts ...option.Option) (*pns.Client, *pnsSeen) {
	t.Helper()
	seen := &pnsSeen{next: http.DefaultTransport}
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append([]option.Option{
		option.WithBaseURL(m.URL), option.WithHTTPClient(&http.Client{Transport: seen}),
	}, opts...)...)
	require.NoError(t, err)
	return c.PNS, seen
}

// pnsCode is the PNS result code of a failed call (0 for a nil error).
func pnsCode(t *testing.T, err error) pns.ResultCode {
	t.Helper()
	if err == nil {
		return 0
	}
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
	assert.True(t, ae.HasCode)
	assert.NotEmpty(t, ae.Message)
	return pns.ResultCode(ae.Code)
}

func pnsQuery(ctx context.Context, c *pns.Client, caller, did, ext string) (*pns.CallRoute, error) {
	return c.QueryBinding(ctx, pns.QueryBindingParams{Caller: caller, Did: did, Extension: ext})
}

// TestPNSEveryActionGoesToTheOneURL: each operation is a POST of JSON to
// /api/pns/, told apart only by its signed bizType 5 and action.
func TestPNSEveryActionGoesToTheOneURL(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, seen := pnsClient(t, m)

	b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB, ExpireSecond: 0})
	require.NoError(t, err)
	gid, err := c.CreateGroup(ctx, pns.CreateGroupParams{Phones: pnsG1})
	require.NoError(t, err)
	calls := []struct {
		action string
		call   func() error
	}{
		{"bindAXB", func() error { _, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsB, PhoneB: pnsA}); return err }},
		{"bindAXBExtension", func() error {
			_, err := c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsA, PhoneX: pnsX, Extension: "101"})
			return err
		}},
		{"bindAXG", func() error {
			_, err := c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsA, GroupID: *gid})
			return err
		}},
		{"queryAXB", func() error { _, err := pnsQuery(ctx, c, pnsB, b.Did, ""); return err }},
		{"getAXBList", func() error { _, err := c.ListBindings(ctx, pns.ListBindingsParams{Limit: 10}); return err }},
		{"unbindAXB", func() error { return c.Unbind(ctx, pns.UnbindParams{BindID: b.BindID}) }},
		{"createGroup", func() error { _, err := c.CreateGroup(ctx, pns.CreateGroupParams{Phones: pnsG2}); return err }},
		{"updateGroup", func() error {
			return c.UpdateGroup(ctx, pns.UpdateGroupParams{GroupID: *gid, OperateType: pns.GroupOperationAdd, Phones: pnsG2})
		}},
		{"listGroup", func() error { _, err := c.ListGroups(ctx, pns.ListGroupsParams{}); return err }},
		{"deleteGroup", func() error { return c.DeleteGroup(ctx, pns.DeleteGroupParams{GroupID: *gid}) }},
	}
	for _, tt := range calls {
		t.Run(tt.action, func(t *testing.T) {
			before := len(seen.all())
			require.NoError(t, tt.call())
			reqs := seen.all()
			require.Len(t, reqs, before+1)
			r := reqs[len(reqs)-1]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/api/pns/", r.URL.Path, "x-path: every action shares the URL")
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, "5", sign.HeaderValue(r.Header, sign.HeaderBizType))
			assert.Equal(t, tt.action, sign.HeaderValue(r.Header, sign.HeaderAction))
		})
	}
}

// TestPNSBindQueryUnbind: a binding routes A's calls to B and B's to A
// until it is removed; then the lookup fails with 10013, as does a second
// unbind.
func TestPNSBindQueryUnbind(t *testing.T) {
	for _, by := range []string{"bindId", "customerBindId"} {
		t.Run("unbind by "+by, func(t *testing.T) {
			ctx := context.Background()
			m := mock.Start(t)
			c, _ := pnsClient(t, m)

			b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB, CustomerBindID: "order-42", Flag: pns.BindFlagRecord, ExpireSecond: 3600})
			require.NoError(t, err)
			require.NotEmpty(t, b.BindID)
			assert.True(t, strings.HasPrefix(b.Did, "852"), "a virtual number of A's country: %s", b.Did)

			for _, tt := range []struct{ caller, callee string }{
				{pnsB, pnsA},
				{pnsA, pnsB},
				{pnsB[3:], pnsA}, // the caller without its country code
			} {
				route, err := pnsQuery(ctx, c, tt.caller, b.Did, "")
				require.NoError(t, err, "caller %s", tt.caller)
				assert.Equal(t, tt.callee, route.Callee, "caller %s", tt.caller)
				assert.NotEmpty(t, route.CallID)
				assert.Equal(t, pns.BindFlagRecord, route.Flag)
				assert.Zero(t, route.BindType, "not an extension binding")
			}

			list, err := c.ListBindings(ctx, pns.ListBindingsParams{Limit: 10})
			require.NoError(t, err)
			require.Len(t, list.BindList, 1)
			assert.EqualValues(t, 1, list.Total)
			row := list.BindList[0]
			assert.Equal(t, b.BindID, row.BindID)
			assert.Equal(t, "order-42", row.CustomerBindID)
			assert.Equal(t, pnsA, row.PhoneA)
			assert.Equal(t, pnsB, row.PhoneB)
			assert.Equal(t, b.Did, row.Did)
			assert.Greater(t, row.ExpireAt, time.Now().Unix(), "expireAt is a point in time")

			params := pns.UnbindParams{BindID: b.BindID}
			if by == "customerBindId" {
				params = pns.UnbindParams{CustomerBindID: "order-42"}
			}
			require.NoError(t, c.Unbind(ctx, params))

			_, err = pnsQuery(ctx, c, pnsB, b.Did, "")
			assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err), "a query after unbind")
			assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, c.Unbind(ctx, params)), "a second unbind")
			list, err = c.ListBindings(ctx, pns.ListBindingsParams{})
			require.NoError(t, err)
			assert.Empty(t, list.BindList)
		})
	}
}

func TestPNSBindingsExpire(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Now()
	m := mock.Start(t, mock.Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	c, _ := pnsClient(t, m)

	b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB, ExpireSecond: 5})
	require.NoError(t, err)
	forever, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsB, PhoneB: pnsA, ExpireSecond: 0})
	require.NoError(t, err)
	_, err = pnsQuery(ctx, c, pnsB, b.Did, "")
	require.NoError(t, err)

	mu.Lock()
	now = now.Add(6 * time.Second) // within the signature's 60 s window
	mu.Unlock()
	_, err = pnsQuery(ctx, c, pnsB, b.Did, "")
	assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err), "an expired binding")
	_, err = pnsQuery(ctx, c, pnsA, forever.Did, "")
	assert.NoError(t, err, "expireSecond 0 never expires")
	list, err := c.ListBindings(ctx, pns.ListBindingsParams{})
	require.NoError(t, err)
	require.Len(t, list.BindList, 1)
	assert.Equal(t, forever.BindID, list.BindList[0].BindID)
	assert.Zero(t, list.BindList[0].ExpireAt)
}

// TestPNSBindExtension: one virtual number serves several bindings, one
// per extension.
func TestPNSBindExtension(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)

	first, err := c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsA, PhoneB: pnsB, PhoneX: pnsX, Extension: "101", ExpireSecond: 60})
	require.NoError(t, err)
	assert.Equal(t, pnsX, first.Did, "the virtual number asked for")
	second, err := c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsG1, PhoneX: pnsX, Extension: "102"})
	require.NoError(t, err)
	assert.NotEqual(t, first.BindID, second.BindID)

	for _, tt := range []struct{ caller, ext, callee string }{
		{pnsB, "101", pnsA},
		{pnsA, "101", pnsB},
		{pnsB, "102", pnsG1}, // anyone dialling 102 reaches its A
	} {
		route, err := pnsQuery(ctx, c, tt.caller, pnsX, tt.ext)
		require.NoError(t, err, "%s dialling %s", tt.caller, tt.ext)
		assert.Equal(t, tt.callee, route.Callee)
		assert.Equal(t, tt.ext, route.Extension)
		assert.Equal(t, pns.BindTypeExtension, route.BindType)
	}
	_, err = pnsQuery(ctx, c, pnsB, pnsX, "103")
	assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err), "an extension nobody bound")
	_, err = pnsQuery(ctx, c, pnsB, pnsX, "")
	assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err), "an extension binding needs its extension")

	_, err = c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsG2, PhoneX: pnsX, Extension: "101"})
	assert.Equal(t, pns.ResultCodeBindingFailed, pnsCode(t, err), "extension 101 of X is taken")

	list, err := c.ListBindings(ctx, pns.ListBindingsParams{Limit: 1, Offset: 1})
	require.NoError(t, err)
	require.Len(t, list.BindList, 1, "limit and offset pick the second binding")
	assert.Equal(t, second.BindID, list.BindList[0].BindID)
	assert.Equal(t, "102", list.BindList[0].Extension)
	assert.Empty(t, list.BindList[0].PhoneB)
	_, err = c.ListBindings(ctx, pns.ListBindingsParams{Offset: 3})
	assert.Equal(t, pns.ResultCodeBadListOffset, pnsCode(t, err))
}

// TestPNSGroups: create → list → bind A to it → update → delete.
func TestPNSGroups(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)

	gid, err := c.CreateGroup(ctx, pns.CreateGroupParams{Phones: pnsG1 + "," + pnsG2, GroupName: "drivers", Remark: "night shift"})
	require.NoError(t, err)
	require.NotNil(t, gid)
	require.NotEmpty(t, *gid)
	unnamed, err := c.CreateGroup(ctx, pns.CreateGroupParams{Phones: pnsB})
	require.NoError(t, err)

	groups := func() map[string]pns.NumberGroup {
		t.Helper()
		list, err := c.ListGroups(ctx, pns.ListGroupsParams{})
		require.NoError(t, err)
		assert.EqualValues(t, len(list.Groups), list.Total)
		out := map[string]pns.NumberGroup{}
		for _, g := range list.Groups {
			out[g.GroupID] = g
		}
		return out
	}
	got := groups()
	require.Len(t, got, 2)
	assert.Equal(t, "drivers", got[*gid].GroupName)
	assert.Equal(t, "night shift", got[*gid].Remark)
	assert.Equal(t, pnsG1+","+pnsG2, got[*gid].Phones)
	assert.Equal(t, *unnamed, got[*unnamed].GroupName, "an unnamed group is named after its ID")

	// AXG: the group's numbers reach A; A reaches B, one of the group.
	b, err := c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsA, PhoneB: pnsG1, GroupID: *gid, ExpireSecond: 60})
	require.NoError(t, err)
	for _, tt := range []struct{ caller, callee string }{{pnsG2, pnsA}, {pnsG1, pnsA}, {pnsA, pnsG1}} {
		route, err := pnsQuery(ctx, c, tt.caller, b.Did, "")
		require.NoError(t, err, tt.caller)
		assert.Equal(t, tt.callee, route.Callee, tt.caller)
	}
	_, err = c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsA, PhoneB: pnsB, GroupID: *gid})
	assert.Equal(t, pns.ResultCodeInvalidParameter, pnsCode(t, err), "phoneB must be of the group")
	withX, err := c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsB, PhoneX: pnsX, GroupID: *gid})
	require.NoError(t, err)
	assert.Equal(t, pnsX, withX.Did)
	_, err = pnsQuery(ctx, c, pnsB, withX.Did, "")
	assert.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err), "without phoneB, A cannot call out")

	for _, tt := range []struct {
		op     pns.GroupOperation
		phones string
		want   string
	}{
		{pns.GroupOperationAdd, pnsB + "," + pnsG1, pnsG1 + "," + pnsG2 + "," + pnsB},
		{pns.GroupOperationRemove, pnsG1, pnsG2 + "," + pnsB},
		{pns.GroupOperationReplace, pnsA, pnsA},
	} {
		require.NoError(t, c.UpdateGroup(ctx, pns.UpdateGroupParams{GroupID: *gid, OperateType: tt.op, Phones: tt.phones}))
		assert.Equal(t, tt.want, groups()[*gid].Phones, "operateType %d", tt.op)
	}

	require.NoError(t, c.DeleteGroup(ctx, pns.DeleteGroupParams{GroupID: *gid}))
	got = groups()
	assert.NotContains(t, got, *gid)
	assert.Contains(t, got, *unnamed)
	for name, err := range map[string]error{
		"delete again": c.DeleteGroup(ctx, pns.DeleteGroupParams{GroupID: *gid}),
		"update":       c.UpdateGroup(ctx, pns.UpdateGroupParams{GroupID: *gid, OperateType: pns.GroupOperationAdd, Phones: pnsB}),
		"bind":         func() error { _, err := c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsA, GroupID: *gid}); return err }(),
	} {
		assert.Equal(t, pns.ResultCodeDataReadFailed, pnsCode(t, err), "%s a deleted group", name)
	}
}

// TestPNSBindRefusals: the mock's binding rules, in NXCloud's codes.
func TestPNSBindRefusals(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)
	_, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB, CustomerBindID: "taken"})
	require.NoError(t, err)
	for name, tt := range map[string]struct {
		params pns.BindParams
		code   pns.ResultCode
	}{
		"A and B the same":       {pns.BindParams{PhoneA: pnsA, PhoneB: pnsA}, pns.ResultCodeSameBindingNumbers},
		"a customerBindId taken": {pns.BindParams{PhoneA: pnsG1, PhoneB: pnsG2, CustomerBindID: "taken"}, pns.ResultCodeBindingFailed},
	} {
		_, err := c.Bind(ctx, tt.params)
		assert.Equal(t, tt.code, pnsCode(t, err), name)
	}
}

// TestPNSDocumentedFailures: every operation returns a documented failure
// code as an *apierror.Error with that code; the signing codes are auth
// failures, 1002 (PNS's parameter error) is not.
func TestPNSDocumentedFailures(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(c *pns.Client) error{
		"bind": func(c *pns.Client) error {
			_, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB})
			return err
		},
		"bindExtension": func(c *pns.Client) error {
			_, err := c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsA, PhoneX: pnsX, Extension: "101"})
			return err
		},
		"bindGroup": func(c *pns.Client) error {
			_, err := c.BindGroup(ctx, pns.BindGroupParams{PhoneA: pnsA, GroupID: "g"})
			return err
		},
		"unbind":       func(c *pns.Client) error { return c.Unbind(ctx, pns.UnbindParams{BindID: "b"}) },
		"queryBinding": func(c *pns.Client) error { _, err := pnsQuery(ctx, c, pnsB, pnsX, ""); return err },
		"listBindings": func(c *pns.Client) error { _, err := c.ListBindings(ctx, pns.ListBindingsParams{}); return err },
		"createGroup": func(c *pns.Client) error {
			_, err := c.CreateGroup(ctx, pns.CreateGroupParams{Phones: pnsA})
			return err
		},
		"updateGroup": func(c *pns.Client) error {
			return c.UpdateGroup(ctx, pns.UpdateGroupParams{GroupID: "g", OperateType: pns.GroupOperationReplace, Phones: pnsA})
		},
		"deleteGroup": func(c *pns.Client) error { return c.DeleteGroup(ctx, pns.DeleteGroupParams{GroupID: "g"}) },
		"listGroups":  func(c *pns.Client) error { _, err := c.ListGroups(ctx, pns.ListGroupsParams{}); return err },
	}
	for _, tt := range []struct {
		op   string
		code pns.ResultCode
		auth bool
	}{
		{"bind", pns.ResultCodeVirtualNumbersExhausted, false},
		{"bind", pns.ResultCodeCountryPrefixMismatch, false},
		{"bindExtension", pns.ResultCodeVirtualNumberNoPrefix, false},
		{"bindGroup", pns.ResultCodeNoVirtualNumber, false},
		{"unbind", pns.ResultCodeBindingNotFound, false},
		{"queryBinding", pns.ResultCodeBindingNotFound, false},
		{"listBindings", pns.ResultCodeBadListLimit, false},
		{"listBindings", pns.ResultCodeAccessDenied, true},
		{"createGroup", pns.ResultCodeUserNotFound, false},
		{"updateGroup", pns.ResultCodeInvalidParameter, false},
		{"deleteGroup", pns.ResultCodeTimestampExpired, true},
		{"listGroups", pns.ResultCodeBadListOffset, false},
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.op, tt.code), func(t *testing.T) {
			m := mock.Start(t)
			c, seen := pnsClient(t, m)
			require.NoError(t, m.RejectNext("nxcloud/pns "+tt.op, mock.Rejection{Code: int(tt.code)}))
			err := calls[tt.op](c)
			assert.Equal(t, tt.code, pnsCode(t, err))
			assert.Equal(t, tt.auth, errors.Is(err, apierror.ErrAuth), "auth kind")
			assert.NotErrorIs(t, err, apierror.ErrOutcomeUnknown, "the vendor answered")
			assert.Len(t, seen.all(), 1, "a vendor failure is answered once, safe or not")
		})
	}
}

// TestPNSSignatureFailures: the mock's signing checks, in the PNS codes.
func TestPNSSignatureFailures(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	for name, tt := range map[string]struct {
		key, secret string
		code        pns.ResultCode
	}{
		"a wrong secret":       {m.AccessKey, "not-the-secret", pns.ResultCodeBadSignature},
		"an unknown accessKey": {"someone-else", m.AccessSecret, pns.ResultCodeAccessDenied},
	} {
		c, err := nxcloud.NewClient(tt.key, tt.secret, option.WithBaseURL(m.URL))
		require.NoError(t, err)
		_, err = c.PNS.ListGroups(ctx, pns.ListGroupsParams{})
		assert.Equal(t, tt.code, pnsCode(t, err), name)
		assert.ErrorIs(t, err, apierror.ErrAuth, name)
	}
}

// TestPNSParamsAreCheckedBeforeSending: the spec's constraints refuse a
// call before it leaves.
func TestPNSParamsAreCheckedBeforeSending(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, seen := pnsClient(t, m)
	for name, tt := range map[string]struct {
		call    func() error
		problem string
	}{
		"an extension of two digits": {func() error {
			_, err := c.BindExtension(ctx, pns.BindExtensionParams{PhoneA: pnsA, PhoneX: pnsX, Extension: "10"})
			return err
		}, "extension"},
		"no phoneB for bind": {func() error { _, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA}); return err }, "phoneB"},
		"a limit over 1000": {func() error {
			_, err := c.ListBindings(ctx, pns.ListBindingsParams{Limit: 1001})
			return err
		}, "limit"},
		"a negative offset":        {func() error { _, err := c.ListGroups(ctx, pns.ListGroupsParams{Offset: -1}); return err }, "offset"},
		"unbind naming no binding": {func() error { return c.Unbind(ctx, pns.UnbindParams{}) }, "properties"},
		"an undocumented operateType": {func() error {
			return c.UpdateGroup(ctx, pns.UpdateGroupParams{GroupID: "g", OperateType: 3, Phones: pnsA})
		}, "operateType"},
		"createGroup without phones": {func() error { _, err := c.CreateGroup(ctx, pns.CreateGroupParams{}); return err }, "phones"},
	} {
		err := tt.call()
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Contains(t, strings.Join(ve.Problems, "; "), tt.problem, name)
		}
	}
	assert.Empty(t, seen.all(), "nothing was sent")
}

// TestPNSConcurrentBindings: bindings made at once each get their own ID
// and virtual number, and the list has them all.
func TestPNSConcurrentBindings(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB})
			if assert.NoError(t, err) {
				ids[i] = b.BindID
			}
		}()
	}
	wg.Wait()
	list, err := c.ListBindings(ctx, pns.ListBindingsParams{})
	require.NoError(t, err)
	require.Len(t, list.BindList, n)
	seen := map[string]bool{}
	dids := map[string]bool{}
	for _, b := range list.BindList {
		seen[b.BindID] = true
		dids[b.Did] = true
	}
	for _, id := range ids {
		assert.True(t, seen[id], id)
	}
	assert.Len(t, dids, n, "each binding has its own virtual number")
}

// pnsReceiver serves a generated receiver and keeps what it got.
func pnsReceiver[T any](t *testing.T, h func(func(context.Context, T) error) *webhook.Callback[T]) (string, func() []T) {
	t.Helper()
	var mu sync.Mutex
	var got []T
	srv := httptest.NewServer(h(func(_ context.Context, v T) error {
		mu.Lock()
		got = append(got, v)
		mu.Unlock()
		return nil
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []T {
		mu.Lock()
		defer mu.Unlock()
		return append([]T(nil), got...)
	}
}

// TestPNSCallRecordCallback: the record of a call the mock routed reaches
// the generated receiver, typed.
func TestPNSCallRecordCallback(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)
	url, got := pnsReceiver(t, webhook.PNSCallRecordHandler)

	for _, tt := range []struct {
		name      string
		flag      pns.BindFlag
		duration  time.Duration
		recording bool
	}{
		{"recorded", pns.BindFlagRecord, 6 * time.Second, true},
		{"not recorded", pns.BindFlagNone, 95 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB, CustomerBindID: "ride-" + tt.name, Flag: tt.flag})
			require.NoError(t, err)
			route, err := pnsQuery(ctx, c, pnsB, b.Did, "")
			require.NoError(t, err)
			before := len(got())
			require.NoError(t, m.SendPNSCallRecord(ctx, url, route.CallID, tt.duration))

			all := got()
			require.Len(t, all, before+1)
			rec := all[len(all)-1]
			assert.Equal(t, route.CallID, rec.CallID)
			assert.Equal(t, b.BindID, rec.BindID)
			assert.Equal(t, "ride-"+tt.name, rec.CustomerBindID)
			assert.Equal(t, b.Did, rec.Did)
			assert.Equal(t, pnsB, rec.Caller)
			assert.Equal(t, pnsA, rec.Callee)
			assert.Equal(t, pns.CallStatusNormal, rec.CallStatus)
			assert.Equal(t, pns.HangupPartyCaller, rec.Hangup)
			assert.EqualValues(t, tt.duration/time.Second, rec.Duration)
			assert.Equal(t, rec.StartAt+rec.Duration, rec.HangupAt)
			assert.Equal(t, tt.recording, rec.RecordFile != "", "recordFile %q", rec.RecordFile)
		})
	}
	assert.Error(t, m.SendPNSCallRecord(ctx, url, "no-such-call", time.Second), "a call the mock never routed")

	// A record that breaks the schema is refused with an error status, so
	// that NXCloud pushes it again.
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"id":1,"bindId":"b","callId":"c","did":"d","caller":"1","callee":"2","callStatus":7,"duration":1,"startAt":1,"hangupAt":2}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.GreaterOrEqual(t, resp.StatusCode, 400)
}

// TestPNSUnboundCallCallback: a lookup the mock refused for want of a
// binding (after unbind) reaches the generated receiver, typed.
func TestPNSUnboundCallCallback(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	c, _ := pnsClient(t, m)
	url, got := pnsReceiver(t, webhook.PNSUnboundCallHandler)

	b, err := c.Bind(ctx, pns.BindParams{PhoneA: pnsA, PhoneB: pnsB})
	require.NoError(t, err)
	require.Error(t, m.SendPNSUnboundCall(ctx, url, pnsB, b.Did), "nothing was refused yet")
	require.NoError(t, c.Unbind(ctx, pns.UnbindParams{BindID: b.BindID}))
	_, err = pnsQuery(ctx, c, pnsB, b.Did, "")
	require.Equal(t, pns.ResultCodeBindingNotFound, pnsCode(t, err))

	require.NoError(t, m.SendPNSUnboundCall(ctx, url, pnsB, b.Did))
	all := got()
	require.Len(t, all, 1)
	push := all[0]
	assert.EqualValues(t, pns.ResultCodeBindingNotFound, push.Code)
	assert.NotEmpty(t, push.Msg)
	assert.Equal(t, "queryAXB", push.Data.Action)
	assert.Equal(t, pnsB, push.Data.RequestParams.Caller)
	assert.Equal(t, b.Did, push.Data.RequestParams.Did)
	_, err = time.Parse(time.DateTime, push.Data.OccurrenceTime)
	assert.NoError(t, err, "occurrenceTime is yyyy-MM-dd HH:mm:ss")

	resp, err := http.Post(url, "application/json", strings.NewReader(`{"code":10013,"msg":"x","data":{"action":"queryAXB","requestParams":{"caller":"1","did":"2"},"occurrenceTime":"29/03/2023"}}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.GreaterOrEqual(t, resp.StatusCode, 400, "a time not written as yyyy-MM-dd HH:mm:ss")
}

// TestPNSWrongHeadersAreAParameterError: a request signed with another
// bizType, or with an action PNS does not have, is refused with 1002, the
// one parameter code of PNS (for the headers and the body alike).
func TestPNSWrongHeadersAreAParameterError(t *testing.T) {
	m := mock.Start(t)
	for _, tt := range []struct{ bizType, action string }{
		{"4", "bindAXB"},
		{"5", "bindAXY"},
	} {
		hc := &http.Client{Transport: &sign.NXCloudTransport{AccessKey: m.AccessKey, AccessSecret: m.AccessSecret,
			Operation: func(*http.Request) (string, string, error) { return tt.bizType, tt.action, nil }}}
		resp, err := hc.Post(m.URL+"/api/pns/", "application/json", strings.NewReader(`{"phoneA":"85211111114","phoneB":"85222222222","expireSecond":0}`))
		require.NoError(t, err)
		var answer struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "bizType %s action %s", tt.bizType, tt.action)
		assert.EqualValues(t, pns.ResultCodeInvalidParameter, answer.Code, "bizType %s action %s", tt.bizType, tt.action)
		assert.Contains(t, answer.Msg, "bizType or action")
	}
}
