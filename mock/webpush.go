package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/verikit/verikit/specs"
)

// EngageLab Web Push in the mock:
//
//   - push and groupPush answer a new msg_id (counting up from the docs'
//     example) with the request's request_id; groupPush reports one
//     application, the mock's "webpush" AppKey.
//   - The batch pushes answer each target apart, with a new msg_id; a
//     target given twice is refused (21003), a rule the schema cannot
//     state. By registration ID, a deleted browser's request fails alone
//     (20101).
//   - Schedules: createSchedule keeps the task under a new schedule_id;
//     getSchedule answers it (as a list of one, as EngageLab does),
//     updateSchedule replaces the fields given, deleteSchedule removes it;
//     an unknown schedule_id is HTTP 404 with 21003. A new Server already
//     holds the tasks that getSchedule's and deleteSchedule's path
//     examples name, each the spec's createSchedule example, so that each
//     operation's spec example works.
//   - Devices: every registration ID is a browser (the mock cannot know
//     which ones subscribed), with no tags and no alias at first.
//     setDevice adds and removes tags (at most 100 a browser: 21003) and
//     sets the alias; getDevice answers them; countTags counts the
//     browsers carrying a tag. deleteDevice forgets the browser: from then
//     on every call naming it gets 20101.
var webPushHandlers = map[string]func(*Server, *call) reply{
	"engagelab/webpush push":                      webPushPush,
	"engagelab/webpush groupPush":                 webPushGroupPush,
	"engagelab/webpush batchPushByRegistrationId": webPushBatch,
	"engagelab/webpush batchPushByAlias":          webPushBatch,
	"engagelab/webpush createSchedule":            webPushCreateSchedule,
	"engagelab/webpush getSchedule":               webPushGetSchedule,
	"engagelab/webpush updateSchedule":            webPushUpdateSchedule,
	"engagelab/webpush deleteSchedule":            webPushDeleteSchedule,
	"engagelab/webpush getDevice":                 webPushGetDevice,
	"engagelab/webpush setDevice":                 webPushSetDevice,
	"engagelab/webpush deleteDevice":              webPushDeleteDevice,
	"engagelab/webpush countTags":                 webPushCountTags,
}

const (
	webPushSpec = "engagelab/webpush"
	// firstWebPushMsgID is the docs' example msg_id; the mock's count up
	// from it.
	firstWebPushMsgID = 1828256757
	// webPushMaxTags is how many tags a browser may carry.
	webPushMaxTags = 100
)

// webPushState is a Server's Web Push state.
type webPushState struct {
	mu        sync.Mutex
	seq       uint64                    // the last msg_id handed out, past firstWebPushMsgID
	schedules map[string]map[string]any // by schedule_id: name, enabled, trigger, push
	devices   map[string]*webPushDevice // by registration ID, once a call named it
	err       error                     // the spec's seed could not be read
}

// webPushDevice is one browser: its tags, its alias, and whether it was
// deleted.
type webPushDevice struct {
	tags    map[string]bool
	alias   string
	deleted bool
}

func (s *Server) webPush() *webPushState {
	return stateOf(s, "webpush", func() *webPushState {
		st := &webPushState{schedules: map[string]map[string]any{}, devices: map[string]*webPushDevice{}}
		st.err = st.seedSchedules()
		return st
	})
}

// seedSchedules stores, under the schedule_id each of getSchedule's and
// deleteSchedule's path examples names, the spec's createSchedule
// example: the spec says them once.
func (st *webPushState) seedSchedules() error {
	d := specs.MustLoad(webPushSpec)
	create, found := d.Operation("createSchedule")
	if !found {
		return fmt.Errorf("mock: %s has no createSchedule", webPushSpec)
	}
	for _, id := range []string{"getSchedule", "deleteSchedule"} {
		op, found := d.Operation(id)
		if !found {
			return fmt.Errorf("mock: %s has no %s", webPushSpec, id)
		}
		var scheduleID string
		if p := op.Spec.Parameters.GetByInAndName("path", "schedule_id"); p != nil {
			scheduleID, _ = p.Example.(string)
		}
		if scheduleID == "" {
			return fmt.Errorf("mock: %s %s has no schedule_id example", webPushSpec, id)
		}
		task, err := copyObject(create.RequestExample())
		if err != nil {
			return err
		}
		st.schedules[scheduleID] = task
	}
	return nil
}

// copyObject is a JSON round trip of an object the spec gives: the mock's
// own copy, typed as a decoded request body is.
func copyObject(v any) (map[string]any, error) {
	var out map[string]any
	if err := json.Unmarshal(mustJSON(v), &out); err != nil || out == nil {
		return nil, fmt.Errorf("mock: %s: an example is not an object", webPushSpec)
	}
	return out, nil
}

// newMsgID hands out the next message ID. st.mu must be held.
func (st *webPushState) newMsgID() uint64 {
	st.seq++
	return firstWebPushMsgID + st.seq
}

// device is the browser a registration ID names, made on first use.
// st.mu must be held.
func (st *webPushState) device(regID string) *webPushDevice {
	d, found := st.devices[regID]
	if !found {
		d = &webPushDevice{tags: map[string]bool{}}
		st.devices[regID] = d
	}
	return d
}

// broken answers a state whose seed failed, which is a bug in the spec.
func (st *webPushState) broken(c *call) *reply {
	if st.err == nil {
		return nil
	}
	rp := reject(c.op, http.StatusInternalServerError, "MemoryError", st.err.Error())
	return &rp
}

func webPushPush(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	return ok(webPushSent(c.str("request_id"), st.newMsgID()))
}

// webPushSent is a push's answer: its msg_id as text, and the request's
// request_id when it had one.
func webPushSent(requestID string, msgID uint64) map[string]any {
	out := map[string]any{"msg_id": strconv.FormatUint(msgID, 10)}
	if requestID != "" {
		out["request_id"] = requestID
	}
	return out
}

func webPushGroupPush(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	group := st.newMsgID()
	appKey, _ := s.AppCredentials("webpush")
	return ok(map[string]any{
		"group_msgid": strconv.FormatUint(group, 10),
		appKey:        webPushSent(c.str("request_id"), st.newMsgID()),
	})
}

func webPushBatch(s *Server, c *call) reply {
	requests, _ := c.body["requests"].([]any)
	byRegID := c.op.ID == "batchPushByRegistrationId"
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	results := map[string]any{}
	for _, r := range requests {
		item, _ := r.(map[string]any)
		target, _ := item["target"].(string)
		if _, twice := results[target]; twice {
			return reject(c.op, http.StatusBadRequest, "InvalidParameter", "requests: the target "+clipText(target, 64)+" is given twice")
		}
		if d, known := st.devices[target]; byRegID && known && d.deleted {
			results[target] = map[string]any{"target": target, "success": false,
				"error": map[string]any{"code": 20101, "message": "the registration ID was deleted"}}
			continue
		}
		results[target] = map[string]any{"target": target, "success": true, "msg_id": st.newMsgID()}
	}
	return ok(map[string]any{"results": results})
}

// scheduleFields are a task's fields that create and update take.
var scheduleFields = []string{"name", "enabled", "trigger", "push"}

func webPushCreateSchedule(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	if rp := st.broken(c); rp != nil {
		return *rp
	}
	id := newScheduleID()
	task := map[string]any{}
	for _, f := range scheduleFields {
		task[f] = c.body[f]
	}
	st.schedules[id] = task
	return ok(map[string]any{"schedule_id": id, "name": task["name"]})
}

// newScheduleID is a new random ID in the shape of EngageLab's (a UUID).
func newScheduleID() string {
	h := newID()
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// schedule is the task c's path names, or the answer for an unknown one.
// st.mu must be held.
func (st *webPushState) schedule(c *call) (map[string]any, *reply) {
	if rp := st.broken(c); rp != nil {
		return nil, rp
	}
	task, found := st.schedules[c.params["schedule_id"]]
	if !found {
		rp := reject(c.op, http.StatusNotFound, "InvalidParameter", "the schedule does not exist")
		return nil, &rp
	}
	return task, nil
}

// scheduleView is a task as get and update answer it.
func scheduleView(id string, task map[string]any) map[string]any {
	v := map[string]any{"schedule_id": id}
	for k, f := range task {
		v[k] = f
	}
	return v
}

func webPushGetSchedule(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	task, rp := st.schedule(c)
	if rp != nil {
		return *rp
	}
	return ok([]any{scheduleView(c.params["schedule_id"], task)})
}

func webPushUpdateSchedule(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	task, rp := st.schedule(c)
	if rp != nil {
		return *rp
	}
	for _, f := range scheduleFields {
		if v, given := c.body[f]; given {
			task[f] = v
		}
	}
	return ok(scheduleView(c.params["schedule_id"], task))
}

func webPushDeleteSchedule(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, rp := st.schedule(c); rp != nil {
		return *rp
	}
	delete(st.schedules, c.params["schedule_id"])
	return ok(map[string]any{})
}

// liveDevice is the browser c's path names, or 20101 for a deleted one.
// st.mu must be held.
func (st *webPushState) liveDevice(c *call) (*webPushDevice, *reply) {
	d := st.device(c.params["registration_id"])
	if d.deleted {
		rp := reject(c.op, http.StatusBadRequest, "InvalidRegistrationID", "the registration ID was deleted")
		return nil, &rp
	}
	return d, nil
}

func webPushGetDevice(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	d, rp := st.liveDevice(c)
	if rp != nil {
		return *rp
	}
	tags := make([]string, 0, len(d.tags)) // [] rather than null when empty
	for t := range d.tags {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return ok(map[string]any{"tags": tags, "alias": d.alias})
}

func webPushSetDevice(s *Server, c *call) reply {
	changes, _ := c.body["tags"].(map[string]any)
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	d, rp := st.liveDevice(c)
	if rp != nil {
		return *rp
	}
	tags := make(map[string]bool, len(d.tags))
	for t := range d.tags {
		tags[t] = true
	}
	for _, t := range asStrings(changes["add"]) {
		tags[t] = true
	}
	for _, t := range asStrings(changes["remove"]) {
		delete(tags, t)
	}
	if len(tags) > webPushMaxTags {
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("a browser carries at most %d tags", webPushMaxTags))
	}
	d.tags = tags
	if alias, given := c.body["alias"].(string); given {
		d.alias = alias
	}
	return ok(map[string]any{})
}

func webPushDeleteDevice(s *Server, c *call) reply {
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	d, rp := st.liveDevice(c)
	if rp != nil {
		return *rp
	}
	*d = webPushDevice{deleted: true}
	return ok(map[string]any{})
}

func webPushCountTags(s *Server, c *call) reply {
	tag := c.str("tags")
	st := s.webPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, d := range st.devices {
		if d.tags[tag] {
			n++
		}
	}
	return ok(map[string]any{"tagsCount": map[string]any{tag: n}})
}

// asStrings is a decoded JSON array's strings.
func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
