package engagelab_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/apppush"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/upload"
	"github.com/verikit/verikit/webhook"
)

// The tests in this file run the App Push operations through the typed
// client against the mock, which checks each of its answers against the
// spec, behind a recorder of the Basic user each request carried.

const (
	regAndroid = "1104a89793af2cfc030" // the spec's example device
	regIOS     = "1a0018970af3c2b4d8e"
)

// appPushMock is the mock behind a recorder of what reached it.
type appPushMock struct {
	*mock.Running
	URL string

	mu    sync.Mutex
	users []string // the Basic user of each request, in order
	body  []byte   // the last request's body, content type and query
	ctype string
	query string
}

func (m *appPushMock) hits() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.users...)
}

// startAppPush returns a recorded mock and a client holding the mock's
// App Push pair and group pair, and nothing else: App Push needs no dev key.
func startAppPush(t *testing.T, opts ...option.Option) (*appPushMock, *engagelab.Client) {
	t.Helper()
	m := &appPushMock{Running: mock.Start(t)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		m.mu.Lock()
		m.users, m.body, m.ctype, m.query = append(m.users, user), b, r.Header.Get("Content-Type"), r.URL.RawQuery
		m.mu.Unlock()
		m.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	k, s := m.Server.AppCredentials("apppush")
	gk, gs := m.Server.AppCredentials("apppushgroup")
	base := []option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries(),
		option.WithAppCredentials("apppush", k, s), option.WithAppCredentials("apppushgroup", gk, gs)}
	c, err := engagelab.NewClient("", "", append(base, opts...)...)
	require.NoError(t, err)
	return m, c
}

// appPushErr asserts that err is the vendor's failure with code and HTTP
// status, and returns it.
func appPushErr(t *testing.T, err error, code apppush.ErrorCode, status int) *apierror.Error {
	t.Helper()
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode, "the failure carries EngageLab's code: %v", err)
	assert.Equal(t, int(code), ae.Code)
	assert.Equal(t, status, ae.StatusCode)
	return ae
}

func notification(text string) apppush.PushBody {
	return apppush.PushBody{Platform: apppush.AllPlatformsAll, Notification: apppush.Notification{Alert: text}}
}

// One push of each kind: each answers with what its spec promises, and
// each went out with the pair its spec names (group push: "group-" and the
// group's key).
func TestAppPushEachKindOfPush(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *engagelab.Client) (string, error) // the msg_id(s) the answer carries
		user func(m *appPushMock) string
	}{
		{"push to registration IDs", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.Push(ctx, apppush.PushParams{
				From: "push", RequestID: "req-1",
				To: apppush.Audience{RegistrationID: []string{regAndroid}},
				Body: apppush.PushBody{
					Platform:     apppush.PlatformList{apppush.PlatformAndroid, apppush.PlatformIOS},
					Notification: apppush.Notification{Android: apppush.AndroidNotification{Alert: "Hi", Title: "Verikit"}, Ios: apppush.IOSNotification{Alert: "Hi", Badge: "+1"}},
					Options:      apppush.PushOptions{TimeToLive: verikit.Ptr(int32(0)), ApnsProduction: verikit.Ptr(false)},
				},
			})
			if err != nil {
				return "", err
			}
			assert.Equal(t, "req-1", res.RequestID, "the request_id is echoed")
			return res.MsgID, nil
		}, appKey},
		{"broadcast custom message", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
				Body: apppush.PushBody{Platform: apppush.AllPlatformsAll, Message: apppush.CustomMessage{MsgContent: "refresh"}}})
			if err != nil {
				return "", err
			}
			return res.MsgID, nil
		}, appKey},
		{"dry run", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.ValidatePush(ctx, apppush.ValidatePushParams{To: apppush.Audience{Tag: []string{"vip"}}, Body: notification("Sale")})
			if err != nil {
				return "", err
			}
			return res.MsgID, nil
		}, appKey},
		{"group push", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.GroupPush(ctx, apppush.GroupPushParams{To: apppush.BroadcastAll, Body: notification("New version")})
			if err != nil {
				return "", err
			}
			require.NotEmpty(t, res.GroupMsgid)
			require.Len(t, res.AdditionalProperties, 1, "one result per application of the group")
			for _, app := range res.AdditionalProperties {
				assert.Zero(t, app.Error)
				return app.MsgID, nil
			}
			return "", nil
		}, func(m *appPushMock) string {
			k, _ := m.Server.AppCredentials("apppushgroup")
			return "group-" + k
		}},
		{"batch by registration ID", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.BatchPushByRegistrationID(ctx, apppush.BatchPushByRegistrationIDParams{Requests: []apppush.BatchPushRequest{
				{Target: regAndroid, Platform: apppush.BatchPlatformAndroid, Notification: apppush.Notification{Alert: "Shipped"}},
				{Target: regIOS, Platform: apppush.BatchPlatformIOS, Message: apppush.CustomMessage{MsgContent: "refresh"}},
			}})
			if err != nil {
				return "", err
			}
			require.Len(t, res.Results, 2)
			for _, target := range []string{regAndroid, regIOS} {
				assert.True(t, res.Results[target].Success, target)
				assert.Equal(t, target, res.Results[target].Target)
			}
			assert.NotEqual(t, res.Results[regAndroid].MsgID, res.Results[regIOS].MsgID, "one push each")
			return strconv.FormatInt(res.Results[regIOS].MsgID, 10), nil
		}, appKey},
		{"batch by alias, one entry refused", func(c *engagelab.Client) (string, error) {
			res, err := c.AppPush.BatchPushByAlias(ctx, apppush.BatchPushByAliasParams{Requests: []apppush.BatchPushRequest{
				{Target: "user-1", Platform: apppush.BatchPlatformAll, Notification: apppush.Notification{Alert: "Hi"}},
				{Target: "user-2", Platform: apppush.BatchPlatformAll, Notification: apppush.Notification{Alert: "Hi"}, Message: apppush.CustomMessage{MsgContent: "x"}},
			}})
			if err != nil {
				return "", err
			}
			assert.True(t, res.Results["user-1"].Success)
			bad := res.Results["user-2"]
			assert.False(t, bad.Success, "a notification and a message in one entry")
			assert.Equal(t, int32(apppush.ErrorCodeNotificationAndMessage), bad.Error.Code)
			return "1", nil
		}, appKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startAppPush(t)
			id, err := tt.call(c)
			require.NoError(t, err)
			assert.NotEmpty(t, id)
			require.Len(t, m.hits(), 1)
			assert.Equal(t, tt.user(m), m.hits()[0], "the Basic user the spec names")
		})
	}
}

func appKey(m *appPushMock) string {
	k, _ := m.Server.AppCredentials("apppush")
	return k
}

// A push can be withdrawn once: the second withdrawal, and one of a push
// that does not exist, fail with 21003.
func TestAppPushWithdrawOnce(t *testing.T) {
	ctx := context.Background()
	_, c := startAppPush(t)
	sent, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll, RequestID: "r-9", Body: notification("Oops")})
	require.NoError(t, err)

	got, err := c.AppPush.WithdrawMessage(ctx, sent.MsgID)
	require.NoError(t, err)
	assert.Equal(t, sent.MsgID, got.MsgID)
	assert.Equal(t, "r-9", got.RequestID)

	for name, id := range map[string]string{"again": sent.MsgID, "unknown": "999999"} {
		t.Run(name, func(t *testing.T) {
			_, err := c.AppPush.WithdrawMessage(ctx, id)
			appPushErr(t, err, apppush.ErrorCodeInvalidParameter, http.StatusBadRequest)
		})
	}
}

// A schedule is created, read, changed and deleted; once deleted it is
// gone.
func TestAppPushScheduleLifecycle(t *testing.T) {
	ctx := context.Background()
	_, c := startAppPush(t)
	created, err := c.AppPush.CreateSchedule(ctx, apppush.CreateScheduleParams{
		Name: "weekly", Enabled: true,
		Trigger: apppush.ScheduleTrigger{Periodical: &apppush.PeriodicalTrigger{
			Start: "2030-01-01 00:00:00", End: "2030-12-31 23:59:59", Time: "09:00:00",
			TimeUnit: apppush.TimeUnitWeek, Point: []string{"MON"},
		}},
		Push: apppush.PushParams{To: apppush.BroadcastAll, Body: notification("Weekly digest")},
	})
	require.NoError(t, err)
	require.NotEmpty(t, created.ScheduleID)
	assert.Equal(t, "weekly", created.Name)

	got, err := c.AppPush.GetSchedule(ctx, created.ScheduleID)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "weekly", got[0].Name)
	assert.True(t, got[0].Enabled)
	require.NotNil(t, got[0].Trigger)
	require.NotNil(t, got[0].Trigger.Periodical)
	assert.Equal(t, apppush.TimeUnitWeek, got[0].Trigger.Periodical.TimeUnit)

	updated, err := c.AppPush.UpdateSchedule(ctx, created.ScheduleID, apppush.UpdateScheduleParams{
		Enabled: verikit.Ptr(false),
		Trigger: &apppush.ScheduleTrigger{Single: &apppush.SingleTrigger{Time: "2030-06-01 08:00:00"}},
	})
	require.NoError(t, err)
	assert.False(t, updated.Enabled, "disabled")
	assert.Equal(t, "weekly", updated.Name, "a field not given is kept")
	require.NotNil(t, updated.Trigger.Single)
	assert.Nil(t, updated.Trigger.Periodical, "the trigger is replaced whole")

	require.NoError(t, c.AppPush.DeleteSchedule(ctx, created.ScheduleID))
	_, err = c.AppPush.GetSchedule(ctx, created.ScheduleID)
	appPushErr(t, err, apppush.ErrorCodeInvalidParameter, http.StatusBadRequest)
	err = c.AppPush.DeleteSchedule(ctx, created.ScheduleID)
	appPushErr(t, err, apppush.ErrorCodeInvalidParameter, http.StatusBadRequest)
}

// A device's tags and alias are set, read, counted, changed and deleted.
func TestAppPushDeviceLifecycle(t *testing.T) {
	ctx := context.Background()
	_, c := startAppPush(t)
	const reg = "18071adc030f8a5d6a0"
	require.NoError(t, c.AppPush.SetDevice(ctx, reg, apppush.SetDeviceParams{
		Tags: &apppush.TagChanges{Add: []string{"vip", "beta"}}, Alias: verikit.Ptr("user-7"),
	}))
	dev, err := c.AppPush.GetDevice(ctx, reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"beta", "vip"}, dev.Tags)
	assert.Equal(t, "user-7", dev.Alias)

	counts, err := c.AppPush.CountTags(ctx, apppush.CountTagsParams{Tags: "vip", Platform: apppush.PlatformAndroid})
	require.NoError(t, err)
	assert.Equal(t, int64(2), counts.TagsCount["vip"], "this device and the mock's example device")

	require.NoError(t, c.AppPush.SetDevice(ctx, reg, apppush.SetDeviceParams{
		Tags: &apppush.TagChanges{Remove: []string{"vip"}}, Alias: verikit.Ptr(""),
	}))
	dev, err = c.AppPush.GetDevice(ctx, reg)
	require.NoError(t, err)
	assert.Equal(t, []string{"beta"}, dev.Tags)
	assert.Empty(t, dev.Alias, "an empty alias removes it")

	require.NoError(t, c.AppPush.DeleteDevice(ctx, reg))
	_, err = c.AppPush.GetDevice(ctx, reg)
	appPushErr(t, err, apppush.ErrorCodeInvalidParameter, http.StatusBadRequest)
	appPushErr(t, c.AppPush.DeleteDevice(ctx, reg), apppush.ErrorCodeInvalidParameter, http.StatusBadRequest)
}

// Plans are created (and renamed), listed a page at a time with the
// number of pushes naming them, and give their pushes' msg_ids.
func TestAppPushPlans(t *testing.T) {
	ctx := context.Background()
	_, c := startAppPush(t)
	list, err := c.AppPush.ListPushPlans(ctx, apppush.ListPushPlansParams{PageIndex: 1, PageSize: 10})
	require.NoError(t, err)
	assert.Zero(t, list.Total, "a new mock has no plan")

	for _, p := range []apppush.CreatePushPlanParams{
		{PlanID: "spring-sale", PlanDescription: "Spring"},
		{PlanID: "welcome", PlanDescription: "Welcome series"},
		{PlanID: "spring-sale", PlanDescription: "Spring sale reminders"}, // renames
	} {
		res, err := c.AppPush.CreatePushPlan(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, p.PlanID, res.PlanID)
	}
	sent, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
		Body: apppush.PushBody{Platform: apppush.AllPlatformsAll, Notification: apppush.Notification{Alert: "Sale"}, Options: apppush.PushOptions{PlanID: "spring-sale"}}})
	require.NoError(t, err)

	tests := []struct {
		name   string
		params apppush.ListPushPlansParams
		want   []string
		total  int32
	}{
		{"first page", apppush.ListPushPlansParams{PageIndex: 1, PageSize: 1}, []string{"spring-sale"}, 2},
		{"second page", apppush.ListPushPlansParams{PageIndex: 2, PageSize: 1}, []string{"welcome"}, 2},
		{"by description", apppush.ListPushPlansParams{PageIndex: 1, PageSize: 10, SearchDescription: "series"}, []string{"welcome"}, 1},
		{"made in the console", apppush.ListPushPlansParams{PageIndex: 1, PageSize: 10, SendSource: verikit.Ptr(apppush.PlanSourceConsole)}, nil, 0},
		{"made through the API", apppush.ListPushPlansParams{PageIndex: 1, PageSize: 10, SendSource: verikit.Ptr(apppush.PlanSourceAPI)}, []string{"spring-sale", "welcome"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AppPush.ListPushPlans(ctx, tt.params)
			require.NoError(t, err)
			assert.Equal(t, tt.total, got.Total)
			var ids []string
			for _, p := range got.PushPlanInfo {
				ids = append(ids, p.PlanID)
				if p.PlanID == "spring-sale" {
					assert.Equal(t, "Spring sale reminders", p.PlanDescription)
					assert.Equal(t, int32(1), p.Count)
				}
			}
			assert.Equal(t, tt.want, ids)
		})
	}

	today := time.Now().UTC().Format(time.DateOnly)
	msgs, err := c.AppPush.ListPlanMessages(ctx, apppush.ListPlanMessagesParams{PlanIds: "spring-sale,welcome", StartDate: today, EndDate: today})
	require.NoError(t, err)
	assert.Equal(t, []string{sent.MsgID}, (*msgs)["spring-sale"].MsgIds)
	assert.Empty(t, (*msgs)["welcome"].MsgIds)
}

// A payload the spec refuses is never sent: the call fails with a
// validation error and the mock sees nothing.
func TestAppPushRefusesBadPayloadsBeforeSending(t *testing.T) {
	ctx := context.Background()
	tooMany := make([]apppush.BatchPushRequest, 501)
	for i := range tooMany {
		tooMany[i] = apppush.BatchPushRequest{Target: "t", Platform: apppush.BatchPlatformAll, Notification: apppush.Notification{Alert: "x"}}
	}
	tests := []struct {
		name string
		call func(c *engagelab.Client) error
	}{
		{"no audience", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{Body: notification("x")})
			return err
		}},
		{"an empty audience", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.Audience{}, Body: notification("x")})
			return err
		}},
		{"to is neither all nor an audience", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: "everyone", Body: notification("x")})
			return err
		}},
		{"an unknown platform", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
				Body: apppush.PushBody{Platform: apppush.PlatformList{"windows"}, Notification: apppush.Notification{Alert: "x"}}})
			return err
		}},
		{"a tag over 40 characters", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.Audience{Tag: []string{strings.Repeat("t", 41)}}, Body: notification("x")})
			return err
		}},
		{"big_push_duration over 1440", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
				Body: apppush.PushBody{Platform: apppush.AllPlatformsAll, Notification: apppush.Notification{Alert: "x"}, Options: apppush.PushOptions{BigPushDuration: 1441}}})
			return err
		}},
		{"a Live Activity event that is not start, update or end", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
				Body: apppush.PushBody{Platform: apppush.PlatformList{apppush.PlatformIOS},
					LiveActivity: apppush.LiveActivity{Ios: apppush.LiveActivityIOS{Event: "pause", ContentState: map[string]any{"eta": 5}}}}})
			return err
		}},
		{"a badge that is not a number", func(c *engagelab.Client) error {
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll,
				Body: apppush.PushBody{Platform: apppush.AllPlatformsAll, Notification: apppush.Notification{Ios: apppush.IOSNotification{Alert: "x", Badge: "one"}}}})
			return err
		}},
		{"a batch of 501", func(c *engagelab.Client) error {
			_, err := c.AppPush.BatchPushByRegistrationID(ctx, apppush.BatchPushByRegistrationIDParams{Requests: tooMany})
			return err
		}},
		{"a schedule with two triggers", func(c *engagelab.Client) error {
			_, err := c.AppPush.CreateSchedule(ctx, apppush.CreateScheduleParams{Name: "x", Enabled: true,
				Trigger: apppush.ScheduleTrigger{Single: &apppush.SingleTrigger{Time: "2030-01-01 00:00:00"}, Intelligent: &apppush.IntelligentTrigger{BackupTime: "now"}},
				Push:    apppush.PushParams{To: apppush.BroadcastAll, Body: notification("x")}})
			return err
		}},
		{"a schedule time in another format", func(c *engagelab.Client) error {
			_, err := c.AppPush.CreateSchedule(ctx, apppush.CreateScheduleParams{Name: "x", Enabled: true,
				Trigger: apppush.ScheduleTrigger{Single: &apppush.SingleTrigger{Time: "2030-01-01T00:00:00Z"}},
				Push:    apppush.PushParams{To: apppush.BroadcastAll, Body: notification("x")}})
			return err
		}},
		{"a schedule update that changes nothing", func(c *engagelab.Client) error {
			_, err := c.AppPush.UpdateSchedule(ctx, "0eac1b80-c2ac-4b69-948b-c65b34b96512", apppush.UpdateScheduleParams{})
			return err
		}},
		{"more than 100 tags to add", func(c *engagelab.Client) error {
			return c.AppPush.SetDevice(ctx, regAndroid, apppush.SetDeviceParams{Tags: &apppush.TagChanges{Add: make([]string, 101)}})
		}},
		{"both OPPO pictures at once", func(c *engagelab.Client) error {
			_, err := c.AppPush.UploadOppoImage(ctx, apppush.UploadOppoImageParams{BigPictureURL: "https://example.com/b.png", SmallPictureURL: "https://example.com/s.png"})
			return err
		}},
		{"an OPPO picture that is not a URL", func(c *engagelab.Client) error {
			_, err := c.AppPush.UploadOppoImage(ctx, apppush.UploadOppoImageParams{BigPictureURL: "banner.png"})
			return err
		}},
		{"more than 100 message IDs", func(c *engagelab.Client) error {
			_, err := c.AppPush.GetMessageDetail(ctx, apppush.GetMessageDetailParams{MessageIds: strings.Repeat("1,", 100) + "1"})
			return err
		}},
		{"a plan date in another format", func(c *engagelab.Client) error {
			_, err := c.AppPush.ListPlanMessages(ctx, apppush.ListPlanMessagesParams{PlanIds: "p", StartDate: "01/04/2024", EndDate: "2024-04-07"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, c := startAppPush(t)
			err := tt.call(c)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve, "%v", err)
			assert.Empty(t, m.hits(), "nothing was sent")
		})
	}
}

// What the schema cannot say, EngageLab (and the mock) refuses with its
// documented code.
func TestAppPushContentRules(t *testing.T) {
	ctx := context.Background()
	ios := apppush.PlatformList{apppush.PlatformIOS}
	tests := []struct {
		name string
		body apppush.PushBody
		code apppush.ErrorCode
	}{
		{"notification and message", apppush.PushBody{Platform: apppush.AllPlatformsAll, Notification: apppush.Notification{Alert: "x"}, Message: apppush.CustomMessage{MsgContent: "y"}}, apppush.ErrorCodeNotificationAndMessage},
		{"voip with a notification", apppush.PushBody{Platform: ios, Notification: apppush.Notification{Alert: "x"}, Voip: apppush.VoIPPayload{"caller": "Alice"}}, apppush.ErrorCodeVoIPCombined},
		{"voip to Android", apppush.PushBody{Platform: apppush.AllPlatformsAll, Voip: apppush.VoIPPayload{"caller": "Alice"}}, apppush.ErrorCodeVoIPNotIOS},
		{"a Live Activity to every platform", apppush.PushBody{Platform: apppush.AllPlatformsAll, LiveActivity: apppush.LiveActivity{Ios: apppush.LiveActivityIOS{Event: apppush.LiveActivityEventUpdate, ContentState: map[string]any{"eta": 5}}}}, apppush.ErrorCodeLiveActivityNotIOS},
		{"a Live Activity started without its type", apppush.PushBody{Platform: ios, LiveActivity: apppush.LiveActivity{Ios: apppush.LiveActivityIOS{Event: apppush.LiveActivityEventStart, ContentState: map[string]any{"eta": 5}}}}, apppush.ErrorCodeLiveActivityNoAttributesType},
		{"no content", apppush.PushBody{Platform: apppush.AllPlatformsAll}, apppush.ErrorCodeMissingParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := startAppPush(t)
			_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll, Body: tt.body})
			appPushErr(t, err, tt.code, http.StatusBadRequest)
		})
	}
	t.Run("a Live Activity update to iOS passes", func(t *testing.T) {
		_, c := startAppPush(t)
		_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.Audience{LiveActivityID: "LiveActivity-1"},
			Body: apppush.PushBody{Platform: ios, LiveActivity: apppush.LiveActivity{Ios: apppush.LiveActivityIOS{Event: apppush.LiveActivityEventUpdate, ContentState: map[string]any{"eta": 5}}}}})
		require.NoError(t, err)
	})
}

// Documented failures come back as *apierror.Error with EngageLab's code,
// and the catalogue's kinds reach errors.Is.
func TestAppPushFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("rate limited", func(t *testing.T) {
		m, c := startAppPush(t)
		require.NoError(t, m.Server.RejectNext("engagelab/apppush push", mock.Rejection{Code: int(apppush.ErrorCodeTooFrequent), Status: http.StatusBadRequest}))
		_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll, Body: notification("x")})
		appPushErr(t, err, apppush.ErrorCodeTooFrequent, http.StatusBadRequest)
		assert.True(t, errors.Is(err, apierror.ErrTooFrequent))
	})
	t.Run("no target", func(t *testing.T) {
		m, c := startAppPush(t)
		require.NoError(t, m.Server.RejectNext("engagelab/apppush push", mock.Rejection{Code: int(apppush.ErrorCodeNoTarget), Status: http.StatusBadRequest}))
		_, err := c.AppPush.Push(ctx, apppush.PushParams{To: apppush.Audience{Alias: []string{"nobody"}}, Body: notification("x")})
		appPushErr(t, err, apppush.ErrorCodeNoTarget, http.StatusBadRequest)
		assert.False(t, errors.Is(err, apierror.ErrAuth))
	})
	t.Run("a wrong master secret", func(t *testing.T) {
		m, _ := startAppPush(t)
		k, _ := m.Server.AppCredentials("apppush")
		c, err := engagelab.NewClient("", "", option.WithBaseURL(m.URL), option.WithAppCredentials("apppush", k, "wrong"))
		require.NoError(t, err)
		_, err = c.AppPush.GetDevice(ctx, regAndroid)
		appPushErr(t, err, apppush.ErrorCodeAuthFailed, http.StatusUnauthorized)
		assert.True(t, errors.Is(err, apierror.ErrAuth))
	})
	t.Run("the group pair sent for a plain push", func(t *testing.T) {
		m, _ := startAppPush(t)
		gk, gs := m.Server.AppCredentials("apppushgroup")
		c, err := engagelab.NewClient("", "", option.WithBaseURL(m.URL), option.WithAppCredentials("apppush", "group-"+gk, gs))
		require.NoError(t, err)
		_, err = c.AppPush.Push(ctx, apppush.PushParams{To: apppush.BroadcastAll, Body: notification("x")})
		appPushErr(t, err, apppush.ErrorCodeAuthFailed, http.StatusUnauthorized)
	})
	t.Run("no group pair: nothing is sent", func(t *testing.T) {
		m, _ := startAppPush(t)
		k, s := m.Server.AppCredentials("apppush")
		c, err := engagelab.NewClient("", "", option.WithBaseURL(m.URL), option.WithAppCredentials("apppush", k, s))
		require.NoError(t, err)
		_, err = c.AppPush.GroupPush(ctx, apppush.GroupPushParams{To: apppush.BroadcastAll, Body: notification("x")})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "apppushgroup")
		var ae *apierror.Error
		assert.False(t, errors.As(err, &ae), "refused before sending, not by EngageLab")
	})
}

// With no base URL, each region's calls go to its own host.
func TestAppPushRegions(t *testing.T) {
	for region, host := range map[string]string{
		"":      "pushapi-sgp.engagelab.com",
		"hk":    "pushapi-hk.engagelab.com",
		"defra": "pushapi-defra.engagelab.com",
		"usva":  "pushapi-usva.engagelab.com",
	} {
		t.Run(host, func(t *testing.T) {
			var got string
			hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				got = r.URL.Host
				return nil, errors.New("stop here")
			})}
			opts := []option.Option{option.WithHTTPClient(hc), option.WithoutRetries(), option.WithAppCredentials("apppush", "k", "s")}
			if region != "" {
				opts = append(opts, option.WithRegion(region))
			}
			c, err := engagelab.NewClient("", "", opts...)
			require.NoError(t, err)
			_, err = c.AppPush.ListVoices(context.Background())
			require.Error(t, err)
			assert.Equal(t, host, got)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The status callback is decoded by its generated receiver; the address
// probe that comes to the same URL is answered with its echostr, and a
// body without rows is refused.
func TestAppPushMessageStatusCallback(t *testing.T) {
	ctx := context.Background()
	m := mock.Start(t)
	var mu sync.Mutex
	var got []apppush.MessageStatusCallback
	h := webhook.AppPushMessageStatusHandler(func(_ context.Context, cb apppush.MessageStatusCallback) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, cb)
		return nil
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	report := map[string]any{
		"total": 1,
		"rows": []any{map[string]any{
			"message_id": "1828256757", "to": regAndroid, "server": "AppPush", "channel": "fcm",
			"itime": 1712458844, "custom_args": map[string]any{"order": "A-1001"},
			"status": map[string]any{"message_status": "click"}, "new_field": true,
		}},
	}
	require.NoError(t, m.Server.SendCallback(ctx, srv.URL, "engagelab/apppush", "MessageStatusCallback", report))
	require.NoError(t, m.Server.SendCallbackProbe(ctx, srv.URL, "engagelab/apppush", "MessageStatusCallback"))

	mu.Lock()
	require.Len(t, got, 1, "the probe is not handed on")
	cb := got[0]
	mu.Unlock()
	assert.Equal(t, int32(1), cb.Total)
	require.Len(t, cb.Rows, 1)
	row := cb.Rows[0]
	assert.Equal(t, "1828256757", row.MessageID)
	assert.Equal(t, regAndroid, row.To)
	assert.Equal(t, int64(1712458844), row.Itime)
	assert.Equal(t, "A-1001", row.CustomArgs["order"])
	assert.Equal(t, "click", row.Status["message_status"])
	assert.Equal(t, true, row.AdditionalProperties["new_field"], "an unknown field is kept")

	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"total": 0}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a report without rows")
}

// The voice upload goes as a multipart form: the language as a field, the
// zip as a file part, whole; a bad one is refused before sending.
func TestAppPushVoiceUpload(t *testing.T) {
	ctx := context.Background()
	zip := bytes.Repeat([]byte("PK\x03\x04mp3"), 512)
	m, c := startAppPush(t)
	got, err := c.AppPush.UploadVoice(ctx, apppush.UploadVoiceParams{Language: apppush.VoiceLanguageZhHans,
		File: upload.File{Name: "voices-zh.zip", ContentType: "application/zip", Body: bytes.NewReader(zip)}})
	require.NoError(t, err)
	assert.NotEmpty(t, got.FileURL)

	m.mu.Lock()
	body, ctype := m.body, m.ctype
	m.mu.Unlock()
	mt, mp, err := mime.ParseMediaType(ctype)
	require.NoError(t, err)
	assert.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
	parts, names := map[string][]byte{}, map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, _ := io.ReadAll(part)
		parts[part.FormName()], names[part.FormName()] = b, part.FileName()
	}
	assert.Equal(t, "zh-Hans", string(parts["language"]))
	assert.Equal(t, zip, parts["file"], "the file went whole")
	assert.Equal(t, "voices-zh.zip", names["file"])

	for name, params := range map[string]apppush.UploadVoiceParams{
		"no file":               {Language: apppush.VoiceLanguageEn},
		"a language not listed": {Language: "fr", File: upload.File{Name: "v.zip", Body: strings.NewReader("zip")}},
	} {
		t.Run(name, func(t *testing.T) {
			m, c := startAppPush(t)
			_, err := c.AppPush.UploadVoice(ctx, params)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve, "%v", err)
			assert.Empty(t, m.hits(), "nothing was sent")
		})
	}

	list, err := c.AppPush.ListVoices(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, list)
	require.NoError(t, c.AppPush.DeleteVoice(ctx, apppush.DeleteVoiceParams{Language: apppush.VoiceLanguageEn}))
	assert.Equal(t, "language=en", lastQuery(t, m))
}

// lastQuery is the query of the last request the recorder saw.
func lastQuery(t *testing.T, m *appPushMock) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.query
}
