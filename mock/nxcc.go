package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// nxccHandlers: an AI outbound task (createCallTask) makes one finished
// call per number of its call list, which listRecords returns a page at a
// time (filtered as NXCC filters) and SendNXCCCallLog pushes as the
// call-log callback. Before any task, listRecords answers with the spec's
// example.
var nxccHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/nxcc createCallTask": nxccCreateCallTask,
	"nxcloud/nxcc listRecords":    nxccListRecords,
}

type nxccState struct {
	mu     sync.Mutex
	tasks  int
	nextID int64            // the next taskId, NXCC's 19-digit shape
	calls  []map[string]any // the records, in the order of their tasks' call lists
}

func newNXCCState() *nxccState { return &nxccState{nextID: 1688363452814331904} }

func (s *Server) nxcc() *nxccState { return stateOf(s, "nxcc", newNXCCState) }

// nxccCreateCallTask records the task's calls as NXCC reports an AI
// outbound call that was answered: direction 2 (AICC), the number called
// as the caller and the agent group's SIP address as the callee, as the
// page's own callback example shows them, started when the task was
// created.
func nxccCreateCallTask(s *Server, c *call) reply {
	st := s.nxcc()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.tasks++
	taskID := strconv.FormatInt(st.nextID, 10)
	st.nextID++
	start := s.cfg.Now().UnixMilli()
	list, _ := c.body["callList"].([]any)
	for i, it := range list {
		item, _ := it.(map[string]any)
		str := func(k string) string { v, _ := item[k].(string); return v }
		begin := start + int64(i)*time.Second.Milliseconds()
		st.calls = append(st.calls, map[string]any{
			"agentName": nil, "agentNickName": nil,
			"answered": true, "answerTime": begin + 2000, "callDuration": 8,
			"callee": c.str("agentGroupNo") + "@sip.nxcc.mock.invalid", "caller": str("userPhone"),
			"callId": newID(), "direction": 2, "dtmfKeys": nil,
			"endTime": begin + 10000, "hangupBy": 1, "hangupCode": 1001,
			"callStatus": "Normal termination", "hangupReason": "User hung up",
			"inQueueTime": 0, "outQueueTime": 0, "queueDuration": 0,
			"leaveMsgUrl": nil, "recordUrl": nil, "intent": nil,
			"orderId": str("orderID"), "other": str("other"),
			"ringDuration": 2, "ringTime": begin, "startTime": begin,
			"taskId": taskID, "totalCustomerPrice": 0.035,
		})
	}
	return ok(nil)
}

// nxccDirections maps the filter's direction (1 inbound, 2 outbound, 3
// AICC) to a record's (0, 1, 2).
var nxccDirections = map[int]int{1: 0, 2: 1, 3: 2}

func nxccListRecords(s *Server, c *call) reply {
	st := s.nxcc()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.tasks == 0 {
		return exampleReply(c.op) // no task yet: the spec's example
	}
	from, to := int64(intField(c, "startTime", 0)), int64(intField(c, "endTime", 0))
	answered, direction := intField(c, "answered", 0), intField(c, "direction", 0)
	var rows []map[string]any
	for _, r := range st.calls {
		secs := r["startTime"].(int64) / 1000
		switch {
		case secs < from || secs > to:
		case answered == 1 && r["answered"] == true, answered == 2 && r["answered"] != true:
		case direction != 0 && nxccDirections[direction] != r["direction"]:
		case !nxccMatches(c, r, "name", "agentName"), !nxccMatches(c, r, "caller", "caller"),
			!nxccMatches(c, r, "callee", "callee"), !nxccMatches(c, r, "callId", "callId"):
		default:
			rows = append(rows, r)
		}
	}
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "size", 100), 1)
	lo, hi := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(append([]map[string]any{}, rows[lo:hi]...))
}

// nxccMatches reports whether the record passes the filter field, if the
// request gives it.
func nxccMatches(c *call, r map[string]any, filter, field string) bool {
	want := c.str(filter)
	if want == "" {
		return true
	}
	got, _ := r[field].(string)
	return got == want
}

// SendNXCCCallLog pushes the record of the call a task made for orderID
// (the call list's orderID) to target, as NXCC's call-log callback (the
// nxcc spec's CallLogCallback). It returns an error unless the receiver
// acknowledged it.
func (s *Server) SendNXCCCallLog(ctx context.Context, target, orderID string) error {
	st := s.nxcc()
	st.mu.Lock()
	var raw []byte
	for _, r := range st.calls {
		if r["orderId"] == orderID {
			raw, _ = json.Marshal(r) // as JSON values: what the schema check reads
			break
		}
	}
	st.mu.Unlock()
	if raw == nil {
		return fmt.Errorf("mock: no NXCC task called orderID %q", orderID)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	return s.SendCallback(ctx, target, "nxcloud/nxcc", "CallLogCallback", rec)
}
