package engagelab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/webpush"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// The tests in this file run the Web Push operations through the real
// client against the mock, which checks each of its answers against the
// spec, or against a recording transport where the wire is the point.

// basicAuthRecorder forwards each request to next (or, without one,
// answers 200 with answer) and keeps its URL and Basic credentials.
type basicAuthRecorder struct {
	next   http.RoundTripper
	answer string

	mu    sync.Mutex
	urls  []string
	users []string
}

func (r *basicAuthRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	user, _, _ := req.BasicAuth()
	r.mu.Lock()
	r.urls, r.users = append(r.urls, req.URL.String()), append(r.users, user)
	r.mu.Unlock()
	if r.next != nil {
		return r.next.RoundTrip(req)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(r.answer)), Request: req}, nil
}

func (r *basicAuthRecorder) seen() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...), append([]string(nil), r.users...)
}

// webPushClient is a client with only the Web Push pairs (no dev key),
// the mock's defaults unless pairs says otherwise, sending through rec.
func webPushClient(t *testing.T, m *mock.Running, rec *basicAuthRecorder, opts ...option.Option) *engagelab.Client {
	t.Helper()
	k, s := m.Server.AppCredentials("webpush")
	gk, gs := m.Server.AppCredentials("webpushgroup")
	base := []option.Option{
		option.WithBaseURL(m.URL), option.WithoutRetries(),
		option.WithAppCredentials("webpush", k, s),
		option.WithAppCredentials("webpushgroup", gk, gs),
	}
	if rec != nil {
		rec.next = http.DefaultTransport
		base = append(base, option.WithHTTPClient(&http.Client{Transport: rec}))
	}
	c, err := engagelab.NewClient("", "", append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// notification is a valid browser notification body.
func webNotification(alert string) webpush.PushBody {
	return webpush.PushBody{
		Platform:     webpush.PlatformWeb,
		Notification: webpush.Notification{Web: webpush.WebNotification{Alert: alert, URL: "https://shop.example.com/orders/1001"}},
	}
}

func TestWebPushSends(t *testing.T) {
	m := mock.Start(t)
	appKey, _ := m.Server.AppCredentials("webpush")
	groupKey, _ := m.Server.AppCredentials("webpushgroup")
	tests := []struct {
		name     string
		send     func(context.Context, *engagelab.Client) (msgIDs []string, err error)
		wantUser string
	}{
		{
			name: "push to every browser",
			send: func(ctx context.Context, c *engagelab.Client) ([]string, error) {
				res, err := c.WebPush.Push(ctx, webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("Hello"), RequestID: "req-1"})
				if err != nil {
					return nil, err
				}
				if res.RequestID != "req-1" {
					return nil, errors.New("the request_id did not come back: " + res.RequestID)
				}
				return []string{res.MsgID}, nil
			},
			wantUser: appKey,
		},
		{
			name: "push a message to an audience",
			send: func(ctx context.Context, c *engagelab.Client) ([]string, error) {
				res, err := c.WebPush.Push(ctx, webpush.PushParams{
					To: webpush.Audience{Tag: []string{"vip"}, TagNot: []string{"unsubscribed"}},
					Body: webpush.PushBody{Platform: webpush.PlatformWeb, Message: webpush.Message{MsgContent: "Your cart is waiting."},
						Options: webpush.Options{TimeToLive: verikit.Ptr[int32](0), Cid: "cart-77"}},
				})
				if err != nil {
					return nil, err
				}
				return []string{res.MsgID}, nil
			},
			wantUser: appKey,
		},
		{
			name: "batch by registration ID",
			send: func(ctx context.Context, c *engagelab.Client) ([]string, error) {
				res, err := c.WebPush.BatchPushByRegistrationID(ctx, webpush.BatchPushByRegistrationIDParams{Requests: []webpush.BatchPushRequest{
					{Target: "reg-1", Platform: webpush.PlatformWeb, Notification: webNotification("one").Notification},
					{Target: "reg-2", Platform: webpush.PlatformWeb, Message: webpush.Message{MsgContent: "two"}},
				}})
				if err != nil {
					return nil, err
				}
				return batchIDs(res, "reg-1", "reg-2")
			},
			wantUser: appKey,
		},
		{
			name: "batch by alias",
			send: func(ctx context.Context, c *engagelab.Client) ([]string, error) {
				res, err := c.WebPush.BatchPushByAlias(ctx, webpush.BatchPushByAliasParams{Requests: []webpush.BatchPushRequest{
					{Target: "user-42", Platform: webpush.PlatformWeb, Notification: webNotification("hi").Notification},
				}})
				if err != nil {
					return nil, err
				}
				return batchIDs(res, "user-42")
			},
			wantUser: appKey,
		},
		{
			name: "group push, as the group",
			send: func(ctx context.Context, c *engagelab.Client) ([]string, error) {
				res, err := c.WebPush.GroupPush(ctx, webpush.GroupPushParams{To: webpush.BroadcastAll, Body: webNotification("Sale"), RequestID: "g-1"})
				if err != nil {
					return nil, err
				}
				app, found := res.Get(appKey)
				if !found || app.RequestID != "g-1" {
					return nil, errors.New("no outcome for the application")
				}
				return []string{res.GroupMsgid, app.MsgID}, nil
			},
			wantUser: "group-" + groupKey,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &basicAuthRecorder{}
			c := webPushClient(t, m, rec)
			ids, err := tt.send(context.Background(), c)
			require.NoError(t, err)
			for _, id := range ids {
				assert.NotEmpty(t, id)
			}
			_, users := rec.seen()
			assert.Equal(t, []string{tt.wantUser}, users, "the Basic user sent")
		})
	}
}

// batchIDs are the message IDs of a batch's targets, all pushed to.
func batchIDs(res *webpush.BatchPushResult, targets ...string) ([]string, error) {
	var ids []string
	for _, target := range targets {
		r, found := res.Results[target]
		if !found || !r.Success || r.MsgID == 0 {
			return nil, errors.New("target " + target + " was not pushed to")
		}
		ids = append(ids, target)
	}
	if len(res.Results) != len(targets) {
		return nil, errors.New("the batch answered other targets")
	}
	return ids, nil
}

func TestWebPushCredentials(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()
	push := func(c *engagelab.Client) error {
		_, err := c.WebPush.Push(ctx, webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("x")})
		return err
	}
	group := func(c *engagelab.Client) error {
		_, err := c.WebPush.GroupPush(ctx, webpush.GroupPushParams{To: webpush.BroadcastAll, Body: webNotification("x")})
		return err
	}
	k, s := m.Server.AppCredentials("webpush")
	gk, gs := m.Server.AppCredentials("webpushgroup")
	tests := []struct {
		name    string
		opts    []option.Option
		call    func(*engagelab.Client) error
		refused bool // the server said no (401), rather than the client before sending
	}{
		{"push without the webpush pair", []option.Option{option.WithAppCredentials("webpushgroup", gk, gs)}, push, false},
		{"group push without the group pair", []option.Option{option.WithAppCredentials("webpush", k, s)}, group, false},
		{"push with a wrong master secret", []option.Option{option.WithAppCredentials("webpush", k, "wrong")}, push, true},
		{"group push with the application's pair", []option.Option{option.WithAppCredentials("webpushgroup", k, s)}, group, true},
		{"group push with a wrong group secret", []option.Option{option.WithAppCredentials("webpushgroup", gk, "wrong")}, group, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := engagelab.NewClient("", "", append([]option.Option{option.WithBaseURL(m.URL), option.WithoutRetries()}, tt.opts...)...)
			require.NoError(t, err)
			err = tt.call(c)
			require.Error(t, err)
			var ae *apierror.Error
			if !tt.refused {
				var ve *apierror.ValidationError
				assert.ErrorAs(t, err, &ve, "refused before sending")
				assert.Contains(t, err.Error(), "nothing was sent")
				return
			}
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
			assert.Equal(t, int(webpush.ErrorCodeAuthFailed), ae.Code)
			assert.ErrorIs(t, err, apierror.ErrAuth)
		})
	}
}

func TestWebPushRegions(t *testing.T) {
	const answer = `{"msg_id":"1"}`
	tests := []struct {
		name string
		opts []option.Option
		want string
	}{
		{"Singapore by default", nil, "https://webpushapi-sgp.engagelab.com/v4/push"},
		{"Hong Kong", []option.Option{option.WithRegion("hk")}, "https://webpushapi-hk.engagelab.com/v4/push"},
		{"Singapore by name", []option.Option{option.WithRegion("sgp")}, "https://webpushapi-sgp.engagelab.com/v4/push"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &basicAuthRecorder{answer: answer}
			opts := append([]option.Option{option.WithHTTPClient(&http.Client{Transport: rec}), option.WithoutRetries(),
				option.WithAppCredentials("webpush", "app-key", "master-secret")}, tt.opts...)
			c, err := engagelab.NewClient("", "", opts...)
			require.NoError(t, err)
			res, err := c.WebPush.Push(context.Background(), webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("x")})
			require.NoError(t, err)
			assert.Equal(t, "1", res.MsgID)
			urls, users := rec.seen()
			assert.Equal(t, []string{tt.want}, urls)
			assert.Equal(t, []string{"app-key"}, users)
		})
	}
}

// A payload the spec refuses is never sent.
func TestWebPushRefusesBadPayloads(t *testing.T) {
	m := mock.Start(t)
	var hits int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		m.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	k, s := m.Server.AppCredentials("webpush")
	gk, gs := m.Server.AppCredentials("webpushgroup")
	c, err := engagelab.NewClient("", "", option.WithBaseURL(srv.URL), option.WithoutRetries(),
		option.WithAppCredentials("webpush", k, s), option.WithAppCredentials("webpushgroup", gk, gs))
	require.NoError(t, err)
	ctx := context.Background()
	push := func(p webpush.PushParams) func() error {
		return func() error { _, err := c.WebPush.Push(ctx, p); return err }
	}
	both := webNotification("x")
	both.Message = webpush.Message{MsgContent: "y"}
	noURL := webNotification("x")
	noURL.Notification.Web.URL = ""
	longTTL := webNotification("x")
	longTTL.Options.TimeToLive = verikit.Ptr[int32](15*86400 + 1)
	threeButtons := webNotification("x")
	threeButtons.Options.WebButtons = []webpush.WebButton{{ID: "a", Text: "A"}, {ID: "b", Text: "B"}, {ID: "c", Text: "C"}}
	badChannel := webNotification("x")
	badChannel.Options.ThirdPartyChannel = webpush.ThirdPartyChannel{W3Push: webpush.W3Push{Distribution: "fcm"}}
	override := webNotification("x")
	override.Options.OverrideMsgID = 1828256757
	tooMany := make([]string, 1001)
	for i := range tooMany {
		tooMany[i] = "user"
	}
	tests := []struct {
		name, field string
		call        func() error
	}{
		{"no target", "to", push(webpush.PushParams{Body: webNotification("x")})},
		{"an unknown broadcast", "to", push(webpush.PushParams{To: "everyone", Body: webNotification("x")})},
		{"an empty audience", "to", push(webpush.PushParams{To: webpush.Audience{}, Body: webNotification("x")})},
		{"over 1000 aliases", "to", push(webpush.PushParams{To: webpush.Audience{Alias: tooMany}, Body: webNotification("x")})},
		{"neither notification nor message", "body", push(webpush.PushParams{To: webpush.BroadcastAll, Body: webpush.PushBody{Platform: webpush.PlatformWeb}})},
		{"both notification and message", "body", push(webpush.PushParams{To: webpush.BroadcastAll, Body: both})},
		{"a notification without its url", "body.notification.web.url", push(webpush.PushParams{To: webpush.BroadcastAll, Body: noURL})},
		{"another platform", "body.platform", push(webpush.PushParams{To: webpush.BroadcastAll, Body: webpush.PushBody{Platform: "android", Notification: webNotification("x").Notification}})},
		{"more than 15 days offline", "body.options.time_to_live", push(webpush.PushParams{To: webpush.BroadcastAll, Body: longTTL})},
		{"three buttons", "body.options.web_buttons", push(webpush.PushParams{To: webpush.BroadcastAll, Body: threeButtons})},
		{"an unknown distribution", "body.options.third_party_channel.w3push.distribution", push(webpush.PushParams{To: webpush.BroadcastAll, Body: badChannel})},
		{"a group push overriding a message", "body.options.override_msg_id", func() error {
			_, err := c.WebPush.GroupPush(ctx, webpush.GroupPushParams{To: webpush.BroadcastAll, Body: override})
			return err
		}},
		{"an empty batch", "requests", func() error {
			_, err := c.WebPush.BatchPushByAlias(ctx, webpush.BatchPushByAliasParams{Requests: []webpush.BatchPushRequest{}})
			return err
		}},
		{"a trigger of two kinds", "trigger", func() error {
			_, err := c.WebPush.CreateSchedule(ctx, webpush.CreateScheduleParams{Name: "x", Enabled: true,
				Trigger: webpush.ScheduleTrigger{Single: webpush.SingleTrigger{Time: "2026-06-01 10:00:00"}, Intelligent: webpush.IntelligentTrigger{BackupTime: "now"}},
				Push:    webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("x")}})
			return err
		}},
		{"a time that is not a time", "trigger.single.time", func() error {
			_, err := c.WebPush.CreateSchedule(ctx, webpush.CreateScheduleParams{Name: "x", Enabled: true,
				Trigger: webpush.ScheduleTrigger{Single: webpush.SingleTrigger{Time: "tomorrow"}},
				Push:    webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("x")}})
			return err
		}},
		{"more than 100 message IDs", "message_ids", func() error {
			_, err := c.WebPush.GetMessageDetails(ctx, webpush.GetMessageDetailsParams{MessageIds: strings.Repeat("1,", 100) + "1"})
			return err
		}},
		{"a device change of nothing", "", func() error {
			return c.WebPush.SetDevice(ctx, "reg-1", webpush.SetDeviceParams{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Contains(t, err.Error(), "nothing was sent")
			assert.Contains(t, err.Error(), tt.field)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, hits, "a refused payload reached the server")
}

func TestWebPushScheduleFlow(t *testing.T) {
	m := mock.Start(t)
	c := webPushClient(t, m, nil)
	ctx := context.Background()

	created, err := c.WebPush.CreateSchedule(ctx, webpush.CreateScheduleParams{
		Name: "weekly-digest", Enabled: true,
		Trigger: webpush.ScheduleTrigger{Periodical: webpush.PeriodicalTrigger{
			Start: "2026-01-05 00:00:00", End: "2026-12-28 00:00:00", Time: "09:30:00",
			TimeUnit: webpush.TimeUnitWeek, Point: []string{"MON", "THU"},
		}},
		Push: webpush.PushParams{To: webpush.Audience{Tag: []string{"newsletter"}}, Body: webNotification("Digest")},
	})
	require.NoError(t, err)
	require.NotEmpty(t, created.ScheduleID)
	assert.Equal(t, "weekly-digest", created.Name)

	got, err := c.WebPush.GetSchedule(ctx, created.ScheduleID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	task := got[0]
	assert.Equal(t, created.ScheduleID, task.ScheduleID)
	assert.True(t, task.Enabled)
	assert.Equal(t, []string{"MON", "THU"}, task.Trigger.Periodical.Point)
	assert.Equal(t, "Digest", task.Push.Body.Notification.Web.Alert)
	assert.Equal(t, map[string]any{"tag": []any{"newsletter"}}, task.Push.To, "an audience decodes as its fields")

	updated, err := c.WebPush.UpdateSchedule(ctx, created.ScheduleID, webpush.UpdateScheduleParams{
		Enabled: verikit.Ptr(false),
		Trigger: webpush.ScheduleTrigger{Single: webpush.SingleTrigger{Time: "2026-06-01 10:00:00"}},
	})
	require.NoError(t, err)
	assert.False(t, updated.Enabled)
	assert.Equal(t, "weekly-digest", updated.Name, "a field left out stays")
	assert.Equal(t, "2026-06-01 10:00:00", updated.Trigger.Single.Time)
	assert.Empty(t, updated.Trigger.Periodical.Start, "the trigger was replaced")

	got, err = c.WebPush.GetSchedule(ctx, created.ScheduleID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.False(t, got[0].Enabled, "get sees the update")

	require.NoError(t, c.WebPush.DeleteSchedule(ctx, created.ScheduleID))
	for name, call := range map[string]func() error{
		"get": func() error { _, err := c.WebPush.GetSchedule(ctx, created.ScheduleID); return err },
		"update": func() error {
			_, err := c.WebPush.UpdateSchedule(ctx, created.ScheduleID, webpush.UpdateScheduleParams{Name: "x"})
			return err
		},
		"delete": func() error { return c.WebPush.DeleteSchedule(ctx, created.ScheduleID) },
	} {
		t.Run(name+" after delete", func(t *testing.T) {
			var ae *apierror.Error
			require.ErrorAs(t, call(), &ae)
			assert.Equal(t, http.StatusNotFound, ae.StatusCode)
			assert.Equal(t, int(webpush.ErrorCodeInvalidParameter), ae.Code)
		})
	}
}

func TestWebPushDeviceFlow(t *testing.T) {
	m := mock.Start(t)
	c := webPushClient(t, m, nil)
	ctx := context.Background()
	const reg, other = "1a0018970aa0e0b9", "1a0018970aa0e0c0"

	dev, err := c.WebPush.GetDevice(ctx, reg)
	require.NoError(t, err)
	assert.Empty(t, dev.Tags, "a browser starts with no tags")
	assert.Empty(t, dev.Alias)

	require.NoError(t, c.WebPush.SetDevice(ctx, reg, webpush.SetDeviceParams{Tags: webpush.TagChanges{Add: []string{"vip", "trial"}}, Alias: "user-42"}))
	require.NoError(t, c.WebPush.SetDevice(ctx, reg, webpush.SetDeviceParams{Tags: webpush.TagChanges{Remove: []string{"trial"}}}))
	require.NoError(t, c.WebPush.SetDevice(ctx, other, webpush.SetDeviceParams{Tags: webpush.TagChanges{Add: []string{"vip"}}}))

	dev, err = c.WebPush.GetDevice(ctx, reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"vip"}, dev.Tags)
	assert.Equal(t, "user-42", dev.Alias, "a change without an alias keeps it")

	counts, err := c.WebPush.CountTags(ctx, webpush.CountTagsParams{Tags: "vip", Platform: webpush.PlatformWeb})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"vip": 2}, counts.TagsCount)

	tooMany := make([]string, 100) // beside vip: 101
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("t%03d", i)
	}
	err = c.WebPush.SetDevice(ctx, reg, webpush.SetDeviceParams{Tags: webpush.TagChanges{Add: tooMany}})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "101 tags on one browser")
	assert.Equal(t, int(webpush.ErrorCodeInvalidParameter), ae.Code)

	require.NoError(t, c.WebPush.DeleteDevice(ctx, reg))
	counts, err = c.WebPush.CountTags(ctx, webpush.CountTagsParams{Tags: "vip", Platform: webpush.PlatformWeb})
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"vip": 1}, counts.TagsCount, "a deleted browser's tags are gone")

	res, err := c.WebPush.BatchPushByRegistrationID(ctx, webpush.BatchPushByRegistrationIDParams{Requests: []webpush.BatchPushRequest{
		{Target: reg, Platform: webpush.PlatformWeb, Notification: webNotification("x").Notification},
		{Target: other, Platform: webpush.PlatformWeb, Notification: webNotification("x").Notification},
	}})
	require.NoError(t, err)
	assert.False(t, res.Results[reg].Success, "a deleted browser fails alone")
	assert.Equal(t, int32(webpush.ErrorCodeInvalidRegistrationID), res.Results[reg].Error.Code)
	assert.True(t, res.Results[other].Success)

	for name, call := range map[string]func() error{
		"get":    func() error { _, err := c.WebPush.GetDevice(ctx, reg); return err },
		"set":    func() error { return c.WebPush.SetDevice(ctx, reg, webpush.SetDeviceParams{Alias: "again"}) },
		"delete": func() error { return c.WebPush.DeleteDevice(ctx, reg) },
	} {
		t.Run(name+" after delete", func(t *testing.T) {
			var ae *apierror.Error
			require.ErrorAs(t, call(), &ae)
			assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
			assert.Equal(t, int(webpush.ErrorCodeInvalidRegistrationID), ae.Code)
		})
	}
}

func TestWebPushBatchTargetsMustDiffer(t *testing.T) {
	m := mock.Start(t)
	c := webPushClient(t, m, nil)
	_, err := c.WebPush.BatchPushByAlias(context.Background(), webpush.BatchPushByAliasParams{Requests: []webpush.BatchPushRequest{
		{Target: "user-42", Platform: webpush.PlatformWeb, Notification: webNotification("a").Notification},
		{Target: "user-42", Platform: webpush.PlatformWeb, Notification: webNotification("b").Notification},
	}})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
	assert.Equal(t, int(webpush.ErrorCodeInvalidParameter), ae.Code)
	assert.Contains(t, ae.Message, "user-42")
}

func TestWebPushDocumentedFailures(t *testing.T) {
	m := mock.Start(t)
	c := webPushClient(t, m, nil)
	ctx := context.Background()
	tests := []struct {
		op     string
		status int
		code   webpush.ErrorCode
		kind   error
		call   func() error
	}{
		{"push", http.StatusBadRequest, webpush.ErrorCodeTooFrequent, apierror.ErrTooFrequent, func() error {
			_, err := c.WebPush.Push(ctx, webpush.PushParams{To: webpush.BroadcastAll, Body: webNotification("x")})
			return err
		}},
		{"push", http.StatusBadRequest, webpush.ErrorCodeNoTargets, nil, func() error {
			_, err := c.WebPush.Push(ctx, webpush.PushParams{To: webpush.Audience{Tag: []string{"nobody"}}, Body: webNotification("x")})
			return err
		}},
		{"groupPush", http.StatusUnauthorized, webpush.ErrorCodeCredentialsMissing, apierror.ErrAuth, func() error {
			_, err := c.WebPush.GroupPush(ctx, webpush.GroupPushParams{To: webpush.BroadcastAll, Body: webNotification("x")})
			return err
		}},
		{"getMessageDetails", http.StatusServiceUnavailable, webpush.ErrorCodeServiceTimeout, nil, func() error {
			_, err := c.WebPush.GetMessageDetails(ctx, webpush.GetMessageDetailsParams{MessageIds: "1828256757"})
			return err
		}},
		{"deleteDevice", http.StatusBadRequest, webpush.ErrorCodeUnknownError, nil, func() error {
			return c.WebPush.DeleteDevice(ctx, "1a0018970aa0e0b9")
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.op, " ", int(tt.code)), func(t *testing.T) {
			require.NoError(t, m.Server.RejectNext("engagelab/webpush "+tt.op, mock.Rejection{Code: int(tt.code), Status: tt.status}))
			err := tt.call()
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, int(tt.code), ae.Code)
			if tt.kind != nil {
				assert.ErrorIs(t, err, tt.kind)
			}
		})
	}
}

func TestWebPushStatusCallback(t *testing.T) {
	m := mock.Start(t)
	ctx := context.Background()
	row := map[string]any{
		"total": 1,
		"rows": []any{map[string]any{
			"message_id": "1828256757", "from": "push", "to": "1a0018970aa0e0b9", "server": "webpush",
			"channel": "chrome", "itime": 1767225600, "custom_args": map[string]any{"campaign": "summer"},
			"status": map[string]any{"message_status": "click"},
		}},
	}
	receiver := func(t *testing.T, v webhook.CallbackIDVerifier) (string, func() []webpush.MessageStatusCallback) {
		var mu sync.Mutex
		var got []webpush.MessageStatusCallback
		srv := httptest.NewServer(webhook.WebPushMessageStatusHandler(v, func(_ context.Context, cb webpush.MessageStatusCallback) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, cb)
			return nil
		}))
		t.Cleanup(srv.Close)
		return srv.URL, func() []webpush.MessageStatusCallback {
			mu.Lock()
			defer mu.Unlock()
			return append([]webpush.MessageStatusCallback(nil), got...)
		}
	}
	good := webhook.CallbackIDVerifier{Secret: mock.DefaultCallbackSecret, Username: mock.DefaultCallbackUsername}

	t.Run("a signed delivery and the address probe", func(t *testing.T) {
		url, got := receiver(t, good)
		require.NoError(t, m.Server.SendCallbackProbe(ctx, url, "engagelab/webpush", "MessageStatusCallback"), "the probe is echoed")
		assert.Empty(t, got(), "a probe reaches no handler")
		require.NoError(t, m.Server.SendCallback(ctx, url, "engagelab/webpush", "MessageStatusCallback", row))
		require.Len(t, got(), 1)
		cb := got()[0]
		assert.Equal(t, int32(1), cb.Total)
		require.Len(t, cb.Rows, 1)
		assert.Equal(t, "1828256757", cb.Rows[0].MessageID)
		assert.Equal(t, "chrome", cb.Rows[0].Channel)
		assert.Equal(t, int64(1767225600), cb.Rows[0].Itime)
		assert.Equal(t, "summer", cb.Rows[0].CustomArgs["campaign"])
		assert.Equal(t, "click", cb.Rows[0].Status["message_status"])
	})
	for name, v := range map[string]webhook.CallbackIDVerifier{
		"another secret":   {Secret: "other", Username: mock.DefaultCallbackUsername},
		"another username": {Secret: mock.DefaultCallbackSecret, Username: "someone"},
	} {
		t.Run(name, func(t *testing.T) {
			url, got := receiver(t, v)
			assert.Error(t, m.Server.SendCallback(ctx, url, "engagelab/webpush", "MessageStatusCallback", row))
			assert.Empty(t, got())
		})
	}
	t.Run("a delivery the spec refuses", func(t *testing.T) {
		url, got := receiver(t, webhook.CallbackIDVerifier{})
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"total":1,"rows":[{"itime":1}]}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a row without message_id")
		assert.Empty(t, got())
	})
}

// Web Push shares its paths with other EngageLab products on other hosts
// (App Push has the same /v4 API): the mock, which serves every product on
// one URL, must still answer each Web Push request example with the Web
// Push operation.
func TestWebPushExamplesReachWebPush(t *testing.T) {
	m := mock.Start(t)
	d := specs.MustLoad("engagelab/webpush")
	for _, op := range d.Operations {
		t.Run(op.ID, func(t *testing.T) {
			path := op.SendPath
			for _, p := range op.Spec.Parameters {
				if p.Value.In == "path" {
					path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", fmt.Sprint(p.Value.Example))
				}
			}
			var body io.Reader = http.NoBody
			if ex := op.RequestExample(); ex != nil && op.Spec.RequestBody != nil {
				b, err := json.Marshal(ex)
				require.NoError(t, err)
				body = bytes.NewReader(b)
			}
			req, err := http.NewRequest(op.Method, m.URL+path, body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			// App Push shares the paths: the credentials tell them apart.
			user, secret := m.Server.AppCredentials(op.BasicCredentials.Set)
			req.SetBasicAuth(op.BasicCredentials.UserPrefix+user, secret)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, op.FullName(), resp.Header.Get(mock.HeaderOperation), "%s %s", op.Method, path)
		})
	}
}
