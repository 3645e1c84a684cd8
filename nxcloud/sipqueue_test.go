package nxcloud_test

// The SIP queue operations end to end: the typed client (generated code,
// request checks, the approval application's key pair in the form)
// against the mock, which keeps the queues, validates every request and
// has each of its responses checked against the spec by mock.Start.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/sipqueue"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/webhook"
)

// sipClient is a client with the mock's sip pair (or the one given).
func sipClient(t *testing.T, m *mock.Running, opts ...option.Option) *nxcloud.Client {
	t.Helper()
	key, secret := m.AppCredentials("sip")
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret,
		append([]option.Option{option.WithBaseURL(m.URL), option.WithAppCredentials("sip", key, secret)}, opts...)...)
	require.NoError(t, err)
	return c
}

func addQueue(ctx context.Context, t *testing.T, q *sipqueue.Client, mobiles string) *sipqueue.AddResult {
	t.Helper()
	res, err := q.Add(ctx, sipqueue.AddParams{
		Name: "Renewals", Code: "62", MobileNames: mobiles, EffectiveNumber: "6221500123",
		Phones: "6281234567890,6281234567891",
	})
	require.NoError(t, err)
	require.NotEmpty(t, res.Queueid)
	require.NotEmpty(t, res.Callid)
	return res
}

func queueState(ctx context.Context, t *testing.T, q *sipqueue.Client, id string) sipqueue.QueueState {
	t.Helper()
	res, err := q.QueryState(ctx, sipqueue.QueryStateParams{Queueid: id})
	require.NoError(t, err)
	return res.State
}

// apiCode is the vendor code of a failed call.
func apiCode(t *testing.T, err error) int {
	t.Helper()
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.True(t, ae.HasCode, "%v", err)
	return ae.Code
}

// A queue's life: created not calling, phones join only once it calls and
// only if it lists them, its state reads back as set, a change of its
// phones holds, and the dialer's events reach the generated receiver.
func TestSIPQueueFlow(t *testing.T) {
	m := mock.Start(t)
	q := sipClient(t, m).SIPQueue
	ctx := context.Background()

	created := addQueue(ctx, t, q, "1049001,1049002")
	other := addQueue(ctx, t, q, "1049002")
	assert.NotEqual(t, created.Queueid, other.Queueid, "each queue has its own ID")
	assert.NotEqual(t, created.Callid, other.Callid, "and its own access number")
	assert.Equal(t, sipqueue.QueueStateNotStarted, queueState(ctx, t, q, created.Queueid), "a new queue has not started")

	join := func(phone string) error {
		return q.MakeCall(ctx, sipqueue.MakeCallParams{Callid: created.Callid, MobileName: phone})
	}
	assert.Equal(t, int(sipqueue.ResultCodeInvalidParameter), apiCode(t, join("1049001")), "a queue that is not calling takes no phone")

	set, err := q.ModifyState(ctx, sipqueue.ModifyStateParams{Queueid: created.Queueid, State: sipqueue.QueueStateCalling})
	require.NoError(t, err)
	assert.Equal(t, sipqueue.QueueStateCalling, set.State, "modifyState answers the new state")
	assert.Equal(t, sipqueue.QueueStateCalling, queueState(ctx, t, q, created.Queueid), "queryState reads it back")
	assert.Equal(t, sipqueue.QueueStateNotStarted, queueState(ctx, t, q, other.Queueid), "the other queue is untouched")

	assert.Equal(t, int(sipqueue.ResultCodeInvalidParameter), apiCode(t, join("1049003")), "a phone the queue does not list")
	require.NoError(t, join("1049001"))

	require.NoError(t, q.Modify(ctx, sipqueue.ModifyParams{Queueid: created.Queueid, Name: "Renewals 2", MobileNames: "1049002", EffectiveNumber: "6221500124"}))
	assert.Error(t, join("1049001"), "the queue no longer lists 1049001")
	require.NoError(t, join("1049002"))

	var mu sync.Mutex
	var events []sipqueue.CallEventCallback
	srv := httptest.NewServer(webhook.SIPQueueCallEventHandler(func(_ context.Context, e sipqueue.CallEventCallback) error {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
		return nil
	}))
	defer srv.Close()
	require.NoError(t, m.SendQueueEvents(ctx, srv.URL+"/queue-events", created.Callid))
	mu.Lock()
	got := append([]sipqueue.CallEventCallback(nil), events...)
	mu.Unlock()
	require.Len(t, got, 12, "six events for each of the queue's two numbers")
	wantKinds := []struct {
		typ   sipqueue.CallEventType
		state sipqueue.CallEventState
	}{
		{sipqueue.CallEventTypeAgentEvent, sipqueue.CallEventStateAgentReady},
		{sipqueue.CallEventTypeCallEvent, sipqueue.CallEventStateCallPlaced},
		{sipqueue.CallEventTypeCallEvent, sipqueue.CallEventStateCallAnswered},
		{sipqueue.CallEventTypeAgentEvent, sipqueue.CallEventStateCallAnswered},
		{sipqueue.CallEventTypeCallEvent, sipqueue.CallEventStateCallHungUp},
		{sipqueue.CallEventTypeAgentEvent, sipqueue.CallEventStateCallHungUp},
	}
	for i, e := range got {
		want := wantKinds[i%len(wantKinds)]
		assert.Equal(t, want.typ, e.Type, "event %d", i)
		assert.Equal(t, want.state, e.State, "event %d", i)
		assert.Equal(t, created.Callid, e.Callid, "event %d names its queue", i)
		assert.Regexp(t, `^[0-9]{16}$`, e.Time, "event %d: microseconds", i)
		if e.Type == sipqueue.CallEventTypeAgentEvent {
			assert.Equal(t, "1049002", e.Username, "event %d: the phone that joined", i)
			assert.NotEmpty(t, e.Agentid)
		}
	}
	assert.Equal(t, "6281234567890", got[1].Callphone)
	assert.Equal(t, "6281234567891", got[7].Callphone)
	require.NotEmpty(t, got[1].UUID)
	assert.Equal(t, got[1].UUID, got[4].UUID, "a call keeps its uuid")

	// kill takes the uuid of a call or an agent's ID.
	require.NoError(t, q.Kill(ctx, sipqueue.KillParams{Sessionid: got[1].UUID}))
	require.NoError(t, q.Kill(ctx, sipqueue.KillParams{Sessionid: got[0].Agentid}))

	_, err = q.ModifyState(ctx, sipqueue.ModifyStateParams{Queueid: created.Queueid, State: sipqueue.QueueStatePaused})
	require.NoError(t, err)
	assert.Equal(t, sipqueue.QueueStatePaused, queueState(ctx, t, q, created.Queueid))
	assert.Error(t, join("1049002"), "a paused queue takes no phone")

	assert.Error(t, m.SendQueueEvents(ctx, srv.URL, other.Callid), "no phone joined the other queue")
	assert.Error(t, m.SendQueueEvents(ctx, srv.URL, "1"), "no such queue")
}

// Reading and changing a queue's state are one URL, /api/queue/state
// (x-path): each operation is sent there, and the mock tells them apart
// by the state field.
func TestSIPQueueStateSharesOneURL(t *testing.T) {
	m := mock.Start(t)
	var mu sync.Mutex
	var paths []string
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		m.ServeHTTP(w, r)
	}))
	defer front.Close()
	q := sipClient(t, m, option.WithBaseURL(front.URL)).SIPQueue
	ctx := context.Background()

	created := addQueue(ctx, t, q, "1049001")
	set, err := q.ModifyState(ctx, sipqueue.ModifyStateParams{Queueid: created.Queueid, State: sipqueue.QueueStateCompleted})
	require.NoError(t, err)
	assert.Equal(t, sipqueue.QueueStateCompleted, set.State)
	assert.Equal(t, sipqueue.QueueStateCompleted, queueState(ctx, t, q, created.Queueid), "the query was not taken for a change")

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"POST /api/queue/sto_save", "POST /api/queue/state", "POST /api/queue/state"}, paths)
}

// Each operation's documented failures come back as *apierror.Error with
// the code, and a wrong key pair is an auth failure.
func TestSIPQueueFailures(t *testing.T) {
	m := mock.Start(t)
	q := sipClient(t, m).SIPQueue
	ctx := context.Background()
	calls := map[string]func() error{
		"add": func() error {
			_, err := q.Add(ctx, sipqueue.AddParams{Name: "n", Code: "62", MobileNames: "1049001", EffectiveNumber: "1", Phones: "2"})
			return err
		},
		"modify": func() error {
			return q.Modify(ctx, sipqueue.ModifyParams{Queueid: "197", Name: "n", MobileNames: "1049001", EffectiveNumber: "1"})
		},
		"queryState": func() error {
			_, err := q.QueryState(ctx, sipqueue.QueryStateParams{Queueid: "197"})
			return err
		},
		"modifyState": func() error {
			_, err := q.ModifyState(ctx, sipqueue.ModifyStateParams{Queueid: "197", State: sipqueue.QueueStateCancelled})
			return err
		},
		"makeCall": func() error {
			return q.MakeCall(ctx, sipqueue.MakeCallParams{Callid: "104969", MobileName: "1049001"})
		},
		"kill": func() error { return q.Kill(ctx, sipqueue.KillParams{Sessionid: "5c6f5869"}) },
	}
	tests := []struct {
		code int
		auth bool
	}{
		{int(sipqueue.ResultCodeBadAppCredentials), true},
		{int(sipqueue.ResultCodeInvalidParameter), false},
	}
	for id, call := range calls {
		for _, tt := range tests {
			t.Run(id+"/"+strconv.Itoa(tt.code), func(t *testing.T) {
				require.NoError(t, m.RejectNext("nxcloud/sipqueue "+id, mock.Rejection{Code: tt.code}))
				err := call()
				assert.Equal(t, tt.code, apiCode(t, err))
				assert.Equal(t, tt.auth, errors.Is(err, apierror.ErrAuth))
				assert.NoError(t, call(), "the rejection answered one call")
			})
		}
	}

	wrong := sipClient(t, m, option.WithAppCredentials("sip", "mock-sip-appkey", "not-the-secret"))
	_, err := wrong.SIPQueue.QueryState(ctx, sipqueue.QueryStateParams{Queueid: "197"})
	assert.Equal(t, int(sipqueue.ResultCodeBadAppCredentials), apiCode(t, err))
	assert.ErrorIs(t, err, apierror.ErrAuth)

	_, err = q.ModifyState(ctx, sipqueue.ModifyStateParams{Queueid: "197", State: "9"})
	var ve *apierror.ValidationError
	assert.ErrorAs(t, err, &ve, "a state outside the list is refused before sending")
}

// The page's own examples of the event callback reach the generated
// receiver as typed values; one that breaks the schema is refused with
// the failure text.
func TestSIPQueueCallEventReceiver(t *testing.T) {
	tests := []struct {
		name, body string
		wantOK     bool
		check      func(t *testing.T, e sipqueue.CallEventCallback)
	}{
		{name: "agent ready", wantOK: true,
			body: `{"info":"Seats ready","time":"1558677726435364","callid":"104906","type":1,"agentid":"88e64026-d56b-4dc5-829c-7a7a9f2a1485","state":2,"sipid":"1049002","username":"6122312312"}`,
			check: func(t *testing.T, e sipqueue.CallEventCallback) {
				assert.Equal(t, sipqueue.CallEventTypeAgentEvent, e.Type)
				assert.Equal(t, sipqueue.CallEventStateAgentReady, e.State)
				assert.Equal(t, "1049002", e.Sipid)
				assert.Equal(t, "6122312312", e.Username)
			}},
		{name: "call hung up", wantOK: true,
			body: `{"info":"Phone hungup","time":"1558678152815399","callphone":"812345613","callid":"104906","type":2,"uuid":"5c6f5869-752d-46fd-8ac0-797f83222279","state":4}`,
			check: func(t *testing.T, e sipqueue.CallEventCallback) {
				assert.Equal(t, sipqueue.CallEventTypeCallEvent, e.Type)
				assert.Equal(t, sipqueue.CallEventStateCallHungUp, e.State)
				assert.Equal(t, "812345613", e.Callphone)
				assert.Equal(t, "5c6f5869-752d-46fd-8ac0-797f83222279", e.UUID)
			}},
		{name: "unknown type", body: `{"info":"x","time":"1","callid":"104906","type":3,"state":1}`},
		{name: "no state", body: `{"info":"x","time":"1","callid":"104906","type":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []sipqueue.CallEventCallback
			h := webhook.SIPQueueCallEventHandler(func(_ context.Context, e sipqueue.CallEventCallback) error {
				got = append(got, e)
				return nil
			})
			req := httptest.NewRequest(http.MethodPost, "/queue-events", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if !tt.wantOK {
				assert.NotEqual(t, http.StatusOK, rec.Code)
				assert.Equal(t, "error", rec.Body.String())
				assert.Empty(t, got)
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Equal(t, "success", rec.Body.String())
			require.Len(t, got, 1)
			assert.Equal(t, "104906", got[0].Callid)
			tt.check(t, got[0])
		})
	}
}
