package nxcloud_test

// End-to-end tests of the NXCC (contact center) operations and call-log
// callback: the typed client against the mock (which checks every
// signature and request, keeps the tasks' calls, and has each answer
// checked against the spec by mock.Start), and the generated receiver.

import (
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
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/nxcc"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

// wireLog records the requests a client sends (after signing) and passes
// them on.
type wireLog struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (w *wireLog) RoundTrip(r *http.Request) (*http.Response, error) {
	var b []byte
	if r.Body != nil {
		b, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
	}
	w.mu.Lock()
	w.reqs, w.body = append(w.reqs, r.Clone(r.Context())), append(w.body, b)
	w.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (w *wireLog) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.reqs)
}

func (w *wireLog) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NotEmpty(t, w.reqs, "nothing was sent")
	return w.reqs[len(w.reqs)-1], w.body[len(w.body)-1]
}

// nxClient is a client for the mock's account whose requests go through
// log (when given).
func nxClient(t *testing.T, m *mock.Running, log *wireLog) *nxcloud.Client {
	t.Helper()
	opts := []option.Option{option.WithBaseURL(m.URL), option.WithoutRetries()}
	if log != nil {
		opts = append(opts, option.WithHTTPClient(&http.Client{Transport: log}))
	}
	c, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, opts...)
	require.NoError(t, err)
	return c
}

// assertSigned checks that the request carries bizType and action and a
// signature over the bytes sent.
func assertSigned(t *testing.T, m *mock.Running, req *http.Request, body []byte, bizType, action string) {
	t.Helper()
	h := func(name string) string { return sign.HeaderValue(req.Header, name) } // NXCloud's spelling, not Go's canonical one
	p := sign.Params{AccessKey: h(sign.HeaderAccessKey), TS: h(sign.HeaderTS), BizType: h(sign.HeaderBizType), Action: h(sign.HeaderAction)}
	assert.Equal(t, m.AccessKey, p.AccessKey)
	assert.Equal(t, bizType, p.BizType)
	assert.Equal(t, action, p.Action)
	assert.True(t, sign.Verify(sign.MD5, p, body, m.AccessSecret, h(sign.HeaderSign)), "the signature covers the bytes sent")
}

func nxccTask(orders ...string) nxcc.CreateCallTaskParams {
	p := nxcc.CreateCallTaskParams{
		Country: "HK", TaskName: "Renewal reminders", StrategyName: "Default Strategy",
		DispatchType: nxcc.DispatchTypePlain, AgentGroupNo: "NX09445G000025",
		PredictCallRate: 1, RatioCallRate: 1, StartCount: 1, StartupType: nxcc.StartupTypeImmediate,
	}
	for i, o := range orders {
		p.CallList = append(p.CallList, nxcc.CallListItem{OrderID: o, UserPhone: fmt.Sprintf("8523575758%d", i), Other: "data-" + o})
	}
	return p
}

// nxccRange is a listRecords request for the hour around now.
func nxccRange() nxcc.ListRecordsParams {
	now := time.Now().Unix()
	return nxcc.ListRecordsParams{StartTime: now - 3600, EndTime: now + 3600, Size: 100, Page: 1}
}

func TestNXCCOperationsAreSignedWithBizType8AndActionCC(t *testing.T) {
	m := mock.Start(t)
	log := &wireLog{}
	c := nxClient(t, m, log)
	ctx := context.Background()

	require.NoError(t, c.NXCC.CreateCallTask(ctx, nxccTask("o-1")))
	req, body := log.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/saas/cc/openapi/ai/createandcall", req.URL.Path)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assertSigned(t, m, req, body, "8", "cc")
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.EqualValues(t, 0, sent["dispatchType"], "a required zero is sent")
	assert.NotContains(t, sent, "taskDesc", "an optional field left empty is not sent")

	_, err := c.NXCC.ListRecords(ctx, nxccRange())
	require.NoError(t, err)
	req, body = log.last(t)
	assert.Equal(t, "/saas/cc/openapi/cdr/page", req.URL.Path)
	assertSigned(t, m, req, body, "8", "cc")
}

// TestNXCCListRecordsBeforeAnyTask: with no task yet, the mock answers
// with the spec's example, decoded into the typed records.
func TestNXCCListRecordsBeforeAnyTask(t *testing.T) {
	m := mock.Start(t)
	recs, err := nxClient(t, m, nil).NXCC.ListRecords(context.Background(), nxcc.ListRecordsParams{StartTime: 1688140800, EndTime: 1690819200, Size: 100, Page: 1})
	require.NoError(t, err)
	require.Len(t, recs, 2)
	missed, taken := recs[0], recs[1]
	assert.False(t, missed.Answered)
	assert.Empty(t, missed.AgentName, "null reads as empty")
	assert.Equal(t, nxcc.CallDirectionInbound, missed.Direction)
	assert.Equal(t, nxcc.HangupByUser, missed.HangupBy)
	assert.True(t, taken.Answered)
	assert.Equal(t, "NX094450006938", taken.AgentName)
	assert.Equal(t, nxcc.HangupByAgent, taken.HangupBy)
	assert.InDelta(t, 0.035, taken.TotalCustomerPrice, 1e-9)
	assert.EqualValues(t, 1690423237704, taken.StartTime)
}

// TestNXCCTaskCallsAreListed: the calls of the tasks created come back
// from listRecords, filtered and paged as the request says.
func TestNXCCTaskCallsAreListed(t *testing.T) {
	m := mock.Start(t)
	c := nxClient(t, m, nil)
	ctx := context.Background()
	require.NoError(t, c.NXCC.CreateCallTask(ctx, nxccTask("a-1", "a-2", "a-3")))
	require.NoError(t, c.NXCC.CreateCallTask(ctx, nxccTask("b-1")))

	all, err := c.NXCC.ListRecords(ctx, nxccRange())
	require.NoError(t, err)
	require.Len(t, all, 4)
	orders := []string{}
	for _, r := range all {
		orders = append(orders, r.OrderID)
		assert.Equal(t, "data-"+r.OrderID, r.Other, "the call list's pass-through field")
		assert.Equal(t, nxcc.CallDirectionAICC, r.Direction)
		assert.True(t, r.Answered)
		assert.NotEmpty(t, r.CallID)
		assert.NotEmpty(t, r.TaskID)
		assert.True(t, r.Direction.Valid() && r.HangupBy.Valid())
		assert.GreaterOrEqual(t, r.EndTime, r.StartTime)
	}
	assert.Equal(t, []string{"a-1", "a-2", "a-3", "b-1"}, orders, "in the order of the tasks' call lists")
	assert.Equal(t, all[0].TaskID, all[2].TaskID, "one task")
	assert.NotEqual(t, all[0].TaskID, all[3].TaskID, "another task")
	assert.Equal(t, "85235757581", all[1].Caller, "the number called, as the page's AICC example shows it")

	with := func(f func(*nxcc.ListRecordsParams)) nxcc.ListRecordsParams {
		p := nxccRange()
		f(&p)
		return p
	}
	cases := []struct {
		name   string
		params nxcc.ListRecordsParams
		want   []string
	}{
		{"AICC calls", with(func(p *nxcc.ListRecordsParams) { p.Direction = nxcc.CallDirectionFilterAICC }), []string{"a-1", "a-2", "a-3", "b-1"}},
		{"inbound calls", with(func(p *nxcc.ListRecordsParams) { p.Direction = nxcc.CallDirectionFilterInbound }), nil},
		{"outbound calls", with(func(p *nxcc.ListRecordsParams) { p.Direction = nxcc.CallDirectionFilterOutbound }), nil},
		{"answered calls", with(func(p *nxcc.ListRecordsParams) { p.Answered = nxcc.AnsweredFilterAnswered }), []string{"a-1", "a-2", "a-3", "b-1"}},
		{"unanswered calls", with(func(p *nxcc.ListRecordsParams) { p.Answered = nxcc.AnsweredFilterUnanswered }), nil},
		{"one caller", with(func(p *nxcc.ListRecordsParams) { p.Caller = all[2].Caller }), []string{"a-3"}},
		{"one call", with(func(p *nxcc.ListRecordsParams) { p.CallID = all[3].CallID }), []string{"b-1"}},
		{"an agent that took none", with(func(p *nxcc.ListRecordsParams) { p.Name = "NX0001" }), nil},
		{"a range in the past", with(func(p *nxcc.ListRecordsParams) { p.StartTime, p.EndTime = 1688140800, 1690819200 }), nil},
		{"page 1 of 3", with(func(p *nxcc.ListRecordsParams) { p.Size = 3 }), []string{"a-1", "a-2", "a-3"}},
		{"page 2 of 3", with(func(p *nxcc.ListRecordsParams) { p.Size, p.Page = 3, 2 }), []string{"b-1"}},
		{"past the last page", with(func(p *nxcc.ListRecordsParams) { p.Size, p.Page = 3, 3 }), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := c.NXCC.ListRecords(ctx, tc.params)
			require.NoError(t, err)
			require.NotNil(t, recs, "a success is a list, if empty")
			var got []string
			for _, r := range recs {
				got = append(got, r.OrderID)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestNXCCFailures(t *testing.T) {
	cases := []struct {
		name string
		op   string
		code int
		call func(context.Context, *nxcloud.Client) error
		auth bool
	}{
		{"a task with a missing parameter", "nxcloud/nxcc createCallTask", int(nxcc.ResultCodeInvalidParameter), func(ctx context.Context, c *nxcloud.Client) error {
			return c.NXCC.CreateCallTask(ctx, nxccTask("o-1"))
		}, false},
		{"a task refused for its signature", "nxcloud/nxcc createCallTask", int(nxcc.ResultCodeBadSignature), func(ctx context.Context, c *nxcloud.Client) error {
			return c.NXCC.CreateCallTask(ctx, nxccTask("o-1"))
		}, true},
		{"a failed query", "nxcloud/nxcc listRecords", int(nxcc.ResultCodeRequestFailed), func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.NXCC.ListRecords(ctx, nxccRange())
			return err
		}, false},
		{"a query without permission", "nxcloud/nxcc listRecords", int(nxcc.ResultCodeAccessDenied), func(ctx context.Context, c *nxcloud.Client) error {
			_, err := c.NXCC.ListRecords(ctx, nxccRange())
			return err
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mock.Start(t)
			require.NoError(t, m.RejectNext(tc.op, mock.Rejection{Code: tc.code}))
			err := tc.call(context.Background(), nxClient(t, m, nil))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, http.StatusOK, ae.StatusCode, "NXCloud fails with HTTP 200")
			assert.Equal(t, tc.auth, errors.Is(err, apierror.ErrAuth), "x-error-kinds auth: 1000–1005")
		})
	}
}

// TestNXCCWrongBizTypeIsRefused: the mock takes only bizType 8 and
// action cc for NXCC, so a request signed with the example column's 6
// fails with 1002.
func TestNXCCWrongBizTypeIsRefused(t *testing.T) {
	m := mock.Start(t)
	hc := &http.Client{Transport: &sign.NXCloudTransport{AccessKey: m.AccessKey, AccessSecret: m.AccessSecret,
		Operation: func(*http.Request) (string, string, error) { return "6", "cc", nil }}}
	body := `{"startTime":1688140800,"endTime":1690819200,"size":100,"page":1}`
	resp, err := hc.Post(m.URL+"/saas/cc/openapi/cdr/page", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var env struct {
		Code int             `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	assert.Equal(t, int(nxcc.ResultCodeBadHeaderOrBody), env.Code)
	assert.JSONEq(t, "null", string(env.Data))
}

func TestNXCCParamsAreCheckedBeforeSending(t *testing.T) {
	m := mock.Start(t)
	log := &wireLog{}
	c := nxClient(t, m, log)
	ctx := context.Background()
	task := func(f func(*nxcc.CreateCallTaskParams)) error {
		p := nxccTask("o-1")
		f(&p)
		return c.NXCC.CreateCallTask(ctx, p)
	}
	list := func(f func(*nxcc.ListRecordsParams)) error {
		p := nxccRange()
		f(&p)
		_, err := c.NXCC.ListRecords(ctx, p)
		return err
	}
	cases := []struct {
		name    string
		err     error
		problem string
	}{
		{"a lower-case country", task(func(p *nxcc.CreateCallTaskParams) { p.Country = "hk" }), "country"},
		{"no number to call", task(func(p *nxcc.CreateCallTaskParams) { p.CallList = nil }), "callList"},
		{"an undocumented dispatch type", task(func(p *nxcc.CreateCallTaskParams) { p.DispatchType = 3 }), "dispatchType"},
		{"a number without its orderID", task(func(p *nxcc.CreateCallTaskParams) { p.CallList[0].OrderID = "" }), "orderID"},
		{"pages of 101", list(func(p *nxcc.ListRecordsParams) { p.Size = 101 }), "size"},
		{"page 0", list(func(p *nxcc.ListRecordsParams) { p.Page = 0 }), "page"},
		{"an answered filter the table does not list", list(func(p *nxcc.ListRecordsParams) { p.Answered = 3 }), "answered"},
		{"the record's direction numbering", list(func(p *nxcc.ListRecordsParams) { p.Direction = 4 }), "direction"},
	}
	for _, tc := range cases {
		var ve *apierror.ValidationError
		if assert.ErrorAs(t, tc.err, &ve, tc.name) {
			assert.Contains(t, strings.Join(ve.Problems, "; "), tc.problem, tc.name)
		}
	}
	assert.Zero(t, log.count(), "a refused request was sent")
}

// tokenKey carries the push's token header to the callback handler.
type tokenKey struct{}

// TestNXCCCallLogCallback: the generated receiver takes the call-log push
// (the mock's record of a task's call, and the spec's example), and a
// wrapper reads the token header, which the receiver itself leaves alone.
func TestNXCCCallLogCallback(t *testing.T) {
	var mu sync.Mutex
	var got []nxcc.CallLogCallback
	var tokens []string
	rcv := webhook.NXCCCallLogHandler(func(ctx context.Context, cb nxcc.CallLogCallback) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, cb)
		tok, _ := ctx.Value(tokenKey{}).(string)
		tokens = append(tokens, tok)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rcv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, r.Header.Get("token"))))
	}))
	t.Cleanup(srv.Close)

	m := mock.Start(t)
	c := nxClient(t, m, nil)
	ctx := context.Background()
	require.NoError(t, c.NXCC.CreateCallTask(ctx, nxccTask("o-1", "o-2")))
	require.NoError(t, m.SendNXCCCallLog(ctx, srv.URL, "o-2"))
	require.Error(t, m.SendNXCCCallLog(ctx, srv.URL, "no-such-order"))

	example := map[string]any{
		"agentName": "agent.one@example.com", "answerTime": float64(1691372192000), "callDuration": float64(7),
		"callId": "b1920376-5e15-4f22-9996-6233f297685e", "callee": "NX09445G000025@43.134.225.234:5060",
		"caller": "85235757581", "direction": float64(2), "endTime": float64(1691372213000),
		"orderId": "ORDER_ID", "other": "OTHER", "startTime": float64(1691372191000), "taskId": "1688363452814331904",
	}
	require.NoError(t, m.SendCallback(ctx, srv.URL, "nxcloud/nxcc", "CallLogCallback", example))

	// As NXCC sends it, with its token header.
	b, err := json.Marshal(example)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(string(b)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", "cc-push-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A record that breaks the schema (a direction no table lists) is
	// refused with an error status, so NXCC counts the push as failed.
	bad := strings.Replace(string(b), `"direction":2`, `"direction":5`, 1)
	require.NotEqual(t, string(b), bad)
	resp, err = http.Post(srv.URL, "application/json", strings.NewReader(bad))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	recs, err := c.NXCC.ListRecords(ctx, nxccRange())
	require.NoError(t, err)
	require.Len(t, recs, 2)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 3, "three pushes taken, the refused one reached nobody")
	assert.Equal(t, recs[1], nxcc.CallRecord(got[0]), "the push is the call's record")
	assert.Equal(t, "o-2", got[0].OrderID)
	assert.Equal(t, nxcc.CallDirectionAICC, got[1].Direction)
	assert.Equal(t, "agent.one@example.com", got[1].AgentName)
	assert.EqualValues(t, 7, got[1].CallDuration)
	assert.Equal(t, []string{"", "", "cc-push-token"}, tokens, "the header reaches a wrapper; the mock sends none")
}
