package mock

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verikit/verikit/specs"
)

// EngageLab App Push in the mock (specs/engagelab/apppush.yaml):
//
//   - push, groupPush and the batch pushes check what EngageLab checks
//     beyond the schema: exactly one kind of content (21054, 21057,
//     21306; a batch entry 21306), Live Activity and VoIP for iOS only
//     (21056, 21058), attributes-type to start a Live Activity (21052),
//     no override_msg_id in a group push (21003), each batch target once
//     (21003). Each accepted push gets a new msg_id and is kept, with its
//     options.plan_id.
//   - withdrawMessage withdraws a kept push once; an unknown msg_id, or a
//     second withdrawal, is 21003. The withdrawal example's msg_id is kept
//     from the start, so the example succeeds once on a new Server.
//   - validatePush checks as push does, but keeps nothing: its msg_id
//     cannot be withdrawn.
//   - Plans: createPushPlan creates or renames a plan (made through the
//     API: send_source 0); listPushPlans pages them by plan_id, filtered by
//     send_source and search_description, each with the number of kept
//     pushes naming it; listPlanMessages lists those pushes' msg_ids,
//     sent between start_date and end_date.
//   - Schedules: createSchedule keeps the schedule under a new
//     schedule_id; getSchedule, updateSchedule (which replaces the fields
//     given) and deleteSchedule answer 21003 for an unknown one. A new
//     Server keeps the schedule of getSchedule's example, and another
//     under deleteSchedule's example ID.
//   - Devices: setDevice adds and removes tags and sets or clears the
//     alias (more than 100 tags is 21003); the mock does not know which
//     devices registered, so it takes any registration ID there.
//     getDevice and deleteDevice answer 21003 for a device it does not
//     keep; countTags counts the kept devices with the tag (the mock keeps
//     no platform). A new Server keeps the device of getDevice's example,
//     and another under deleteDevice's example ID.
//   - Everything else (statistics, OPPO images, voices) answers its
//     success example.

// appPushSpec names the spec the handlers read their seeds from.
const appPushSpec = "engagelab/apppush"

// firstAppPushMsgID is the docs' example msg_id; the mock's own follow it.
const firstAppPushMsgID = 1828256757

// appPushMaxTags is how many tags a device keeps at most.
const appPushMaxTags = 100

var appPushHandlers = map[string]func(*Server, *call) reply{
	"engagelab/apppush push":                      appPushPush,
	"engagelab/apppush validatePush":              appPushValidate,
	"engagelab/apppush groupPush":                 appPushGroupPush,
	"engagelab/apppush batchPushByRegistrationId": appPushBatch,
	"engagelab/apppush batchPushByAlias":          appPushBatch,
	"engagelab/apppush withdrawMessage":           appPushWithdraw,
	"engagelab/apppush createPushPlan":            appPushCreatePlan,
	"engagelab/apppush listPushPlans":             appPushListPlans,
	"engagelab/apppush listPlanMessages":          appPushPlanMessages,
	"engagelab/apppush createSchedule":            appPushCreateSchedule,
	"engagelab/apppush getSchedule":               appPushGetSchedule,
	"engagelab/apppush updateSchedule":            appPushUpdateSchedule,
	"engagelab/apppush deleteSchedule":            appPushDeleteSchedule,
	"engagelab/apppush setDevice":                 appPushSetDevice,
	"engagelab/apppush getDevice":                 appPushGetDevice,
	"engagelab/apppush deleteDevice":              appPushDeleteDevice,
	"engagelab/apppush countTags":                 appPushCountTags,
}

// appPushMessage is one push the mock accepted.
type appPushMessage struct {
	requestID string
	planID    string
	sent      time.Time
	withdrawn bool
}

// appPushPlan is one push plan.
type appPushPlan struct {
	description string
	created     time.Time
	lastUsed    time.Time // zero until a push names it
}

// appPushDevice is one device's tags and alias.
type appPushDevice struct {
	tags  []string // sorted
	alias string
}

// appPushState is a Server's App Push state.
type appPushState struct {
	mu        sync.Mutex
	seq       uint64 // msg_ids handed out after firstAppPushMsgID
	schedSeq  uint64
	messages  map[string]*appPushMessage // by msg_id
	plans     map[string]*appPushPlan    // by plan_id
	schedules map[string]map[string]any  // by schedule_id, as getSchedule shows it
	devices   map[string]*appPushDevice  // by registration_id
}

// appPush returns the server's App Push state, seeded from the spec's
// examples on first use.
func (s *Server) appPush() *appPushState {
	return stateOf(s, "apppush", func() *appPushState { return newAppPushState(s.cfg.Now()) })
}

func newAppPushState(now time.Time) *appPushState {
	st := &appPushState{
		messages:  map[string]*appPushMessage{},
		plans:     map[string]*appPushPlan{},
		schedules: map[string]map[string]any{},
		devices:   map[string]*appPushDevice{},
	}
	d, err := specs.Load(appPushSpec)
	if err != nil {
		return st
	}
	if id := pathExample(d, "withdrawMessage"); id != "" {
		st.messages[id] = &appPushMessage{sent: now}
	}
	if sched, ok := successExample(d, "getSchedule").([]any); ok && len(sched) > 0 {
		if first, ok := sched[0].(map[string]any); ok {
			if id := pathExample(d, "getSchedule"); id != "" {
				st.schedules[id] = withField(first, "schedule_id", id)
			}
			if id := pathExample(d, "deleteSchedule"); id != "" {
				st.schedules[id] = withField(first, "schedule_id", id)
			}
		}
	}
	if dev, ok := successExample(d, "getDevice").(map[string]any); ok {
		if id := pathExample(d, "getDevice"); id != "" {
			st.devices[id] = deviceFrom(dev)
		}
	}
	if id := pathExample(d, "deleteDevice"); id != "" {
		st.devices[id] = &appPushDevice{}
	}
	return st
}

// pathExample is the example of an operation's one path parameter.
func pathExample(d *specs.Document, opID string) string {
	op, found := d.Operation(opID)
	if !found {
		return ""
	}
	for _, p := range op.Spec.Parameters {
		if p.Value != nil && p.Value.In == "path" && p.Value.Example != nil {
			return fmt.Sprint(p.Value.Example)
		}
	}
	return ""
}

// successExample is an operation's 200 "success" example, as JSON decodes it.
func successExample(d *specs.Document, opID string) any {
	op, found := d.Operation(opID)
	if !found {
		return nil
	}
	return namedExample(op, "success")
}

// withField is a copy of m with one field set.
func withField(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

func deviceFrom(m map[string]any) *appPushDevice {
	dev := &appPushDevice{}
	dev.alias, _ = m["alias"].(string)
	for _, t := range anyList(m["tags"]) {
		if s, ok := t.(string); ok {
			dev.tags = append(dev.tags, s)
		}
	}
	sort.Strings(dev.tags)
	return dev
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

func anyMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// newMsgID hands out the next msg_id; the caller holds st.mu.
func (st *appPushState) newMsgID() string {
	st.seq++
	return strconv.FormatUint(firstAppPushMsgID+st.seq, 10)
}

// platforms lists a push's platforms: nil means all of them.
func platforms(v any) []string {
	var out []string
	switch p := v.(type) {
	case string:
		if p != "all" {
			out = append(out, p)
		}
	case []any:
		for _, x := range p {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// iOSOnly reports whether a platform selection names iOS and nothing else.
func iOSOnly(v any) bool {
	p := platforms(v)
	return len(p) > 0 && !slices.ContainsFunc(p, func(s string) bool { return s != "ios" })
}

// checkContent applies the rules of a push body the schema cannot say: one
// kind of content, iOS-only kinds, a Live Activity start's type.
func checkContent(c *call, body map[string]any) *reply {
	present := func(k string) bool { _, ok := body[k]; return ok }
	notification, message, live, voip := present("notification"), present("message"), present("live_activity"), present("voip")
	fail := func(name, msg string) *reply {
		rp := reject(c.op, http.StatusBadRequest, name, msg)
		return &rp
	}
	switch {
	case voip && (notification || message || live):
		return fail("VoIPCombined", "voip cannot be combined with notification, message or live_activity")
	case live && (notification || message):
		return fail("ContentCombined", "notification, message and live_activity cannot coexist")
	case notification && message:
		return fail("NotificationAndMessage", "a notification and a custom message cannot be pushed together")
	case !notification && !message && !live && !voip:
		return fail("MissingParameter", "the body needs one of notification, message, live_activity and voip")
	case voip && !iOSOnly(body["platform"]):
		return fail("VoIPNotIOS", "voip is for the ios platform only")
	case live && !iOSOnly(body["platform"]):
		return fail("LiveActivityNotIOS", "live_activity is for the ios platform only")
	}
	if live {
		ios := anyMap(anyMap(body["live_activity"])["ios"])
		if ios["event"] == "start" && ios["attributes-type"] == nil {
			return fail("LiveActivityNoAttributesType", "starting a live activity needs attributes-type")
		}
	}
	return nil
}

// keep records an accepted push and returns its msg_id; the caller holds
// st.mu.
func (st *appPushState) keep(now time.Time, requestID string, options map[string]any) string {
	id := st.newMsgID()
	m := &appPushMessage{requestID: requestID, sent: now}
	if plan, _ := options["plan_id"].(string); plan != "" {
		m.planID = plan
		if p := st.plans[plan]; p != nil {
			p.lastUsed = now
		}
	}
	st.messages[id] = m
	return id
}

func pushResult(requestID, msgID string) map[string]any {
	out := map[string]any{"msg_id": msgID}
	if requestID != "" {
		out["request_id"] = requestID
	}
	return out
}

func appPushPush(s *Server, c *call) reply {
	body := anyMap(c.body["body"])
	if rp := checkContent(c, body); rp != nil {
		return *rp
	}
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	id := st.keep(s.cfg.Now(), c.str("request_id"), anyMap(body["options"]))
	return ok(pushResult(c.str("request_id"), id))
}

func appPushValidate(s *Server, c *call) reply {
	if rp := checkContent(c, anyMap(c.body["body"])); rp != nil {
		return *rp
	}
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	return ok(pushResult(c.str("request_id"), st.newMsgID())) // not kept: nothing was sent
}

func appPushGroupPush(s *Server, c *call) reply {
	body := anyMap(c.body["body"])
	if rp := checkContent(c, body); rp != nil {
		return *rp
	}
	options := anyMap(body["options"])
	if _, set := options["override_msg_id"]; set {
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", "override_msg_id is not supported for group push")
	}
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.cfg.Now()
	id := st.keep(now, c.str("request_id"), options)
	// The group holds one application: the mock's App Push application.
	appKey, _ := s.AppCredentials("apppush")
	return ok(map[string]any{"group_msgid": id + "001", appKey: pushResult(c.str("request_id"), id)})
}

// appPushBatch answers both batch pushes: each entry is pushed or refused
// on its own, and a target named twice refuses the batch.
func appPushBatch(s *Server, c *call) reply {
	requests := anyList(c.body["requests"])
	seen := map[string]bool{}
	for _, r := range requests {
		target, _ := anyMap(r)["target"].(string)
		if seen[target] {
			return reject(c.op, http.StatusBadRequest, "InvalidParameter", "target "+strconv.Quote(clipText(target, 64))+" appears twice in the batch")
		}
		seen[target] = true
	}
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.cfg.Now()
	results := map[string]any{}
	for _, r := range requests {
		req := anyMap(r)
		target, _ := req["target"].(string)
		_, notification := req["notification"]
		_, message := req["message"]
		res := map[string]any{"target": target}
		refuse := func(name, msg string) {
			code, _ := c.op.Doc.Code(name)
			res["success"], res["error"] = false, map[string]any{"code": code, "message": msg}
		}
		switch {
		case notification && message:
			refuse("NotificationAndMessage", "a notification and a custom message cannot be pushed together")
		case !notification && !message:
			refuse("MissingParameter", "each push of a batch carries a notification or a message")
		default:
			id, _ := strconv.ParseInt(st.keep(now, "", anyMap(req["options"])), 10, 64)
			res["success"], res["msg_id"] = true, id
		}
		results[target] = res
	}
	return ok(map[string]any{"results": results})
}

func appPushWithdraw(s *Server, c *call) reply {
	id := c.params["msg_id"]
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.messages[id]
	switch {
	case m == nil:
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", "msg_id does not exist")
	case m.withdrawn:
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", "the message was withdrawn already")
	}
	m.withdrawn = true
	return ok(pushResult(m.requestID, id))
}

func appPushCreatePlan(s *Server, c *call) reply {
	id := c.str("plan_id")
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.plans[id]
	if p == nil {
		p = &appPushPlan{created: s.cfg.Now()}
		st.plans[id] = p
	}
	p.description = c.str("plan_description")
	return ok(map[string]any{"plan_id": id})
}

func appPushListPlans(s *Server, c *call) reply {
	q := c.r.URL.Query()
	index, _ := strconv.Atoi(q.Get("page_index"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	index = max(index, 1) // pages count from 1; 0 is the first too
	search := q.Get("search_description")
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	var ids []string
	if q.Get("send_source") != "1" { // every plan of the mock was made through the API
		for id, p := range st.plans {
			if strings.Contains(p.description, search) {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	page := []any{}
	for i := (index - 1) * size; i < len(ids) && i < index*size; i++ {
		p := st.plans[ids[i]]
		row := map[string]any{"plan_id": ids[i], "plan_description": p.description, "count": st.planCount(ids[i]), "create_time": p.created.UnixMilli()}
		if !p.lastUsed.IsZero() {
			row["last_used_time"] = p.lastUsed.UnixMilli()
		}
		page = append(page, row)
	}
	return ok(map[string]any{"total": len(ids), "push_plan_info": page})
}

// planCount is how many kept pushes name the plan; the caller holds st.mu.
func (st *appPushState) planCount(plan string) int {
	n := 0
	for _, m := range st.messages {
		if m.planID == plan {
			n++
		}
	}
	return n
}

func appPushPlanMessages(s *Server, c *call) reply {
	q := c.r.URL.Query()
	from, errFrom := time.Parse(time.DateOnly, q.Get("start_date"))
	to, errTo := time.Parse(time.DateOnly, q.Get("end_date"))
	if errFrom != nil || errTo != nil || to.Before(from) || to.Sub(from) > 31*24*time.Hour {
		return reject(c.op, http.StatusBadRequest, "ReportInvalidParameter", "start_date and end_date must be days at most 31 days apart, the end not before the start")
	}
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]any{}
	for _, plan := range strings.Split(q.Get("plan_ids"), ",") {
		ids := []string{}
		for id, m := range st.messages {
			day := m.sent.UTC().Truncate(24 * time.Hour)
			if m.planID == plan && !day.Before(from) && !day.After(to) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		out[plan] = map[string]any{"msg_ids": ids}
	}
	return ok(out)
}

func appPushCreateSchedule(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.schedSeq++
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", s.cfg.Now().Unix()&0xffffffff, st.schedSeq)
	sched := map[string]any{"schedule_id": id}
	for _, k := range []string{"name", "enabled", "trigger", "push"} {
		sched[k] = c.body[k]
	}
	st.schedules[id] = sched
	return ok(map[string]any{"schedule_id": id, "name": c.str("name")})
}

// schedule is the kept schedule of the call's path, or a rejection.
func (st *appPushState) schedule(c *call) (map[string]any, *reply) {
	sched := st.schedules[c.params["schedule_id"]]
	if sched == nil {
		rp := reject(c.op, http.StatusBadRequest, "InvalidParameter", "schedule does not exist")
		return nil, &rp
	}
	return sched, nil
}

func appPushGetSchedule(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	sched, rp := st.schedule(c)
	if rp != nil {
		return *rp
	}
	return ok([]any{sched})
}

func appPushUpdateSchedule(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	sched, rp := st.schedule(c)
	if rp != nil {
		return *rp
	}
	for _, k := range []string{"name", "enabled", "trigger", "push"} {
		if v, given := c.body[k]; given {
			sched[k] = v
		}
	}
	return ok(sched)
}

func appPushDeleteSchedule(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, rp := st.schedule(c); rp != nil {
		return *rp
	}
	delete(st.schedules, c.params["schedule_id"])
	return ok(map[string]any{})
}

func appPushSetDevice(s *Server, c *call) reply {
	id := c.params["registration_id"]
	tags := anyMap(c.body["tags"])
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	dev := st.devices[id]
	if dev == nil {
		dev = &appPushDevice{}
	}
	next := slices.Clone(dev.tags)
	for _, t := range anyList(tags["add"]) {
		if s, ok := t.(string); ok && !slices.Contains(next, s) {
			next = append(next, s)
		}
	}
	for _, t := range anyList(tags["remove"]) {
		next = slices.DeleteFunc(next, func(s string) bool { return s == t })
	}
	if len(next) > appPushMaxTags {
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("a device keeps at most %d tags", appPushMaxTags))
	}
	sort.Strings(next)
	dev.tags = next
	if alias, given := c.body["alias"].(string); given {
		dev.alias = alias
	}
	st.devices[id] = dev
	return ok(map[string]any{})
}

// device is the kept device of the call's path, or a rejection.
func (st *appPushState) device(c *call) (*appPushDevice, *reply) {
	dev := st.devices[c.params["registration_id"]]
	if dev == nil {
		rp := reject(c.op, http.StatusBadRequest, "InvalidParameter", "registration_id does not exist")
		return nil, &rp
	}
	return dev, nil
}

func appPushGetDevice(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	dev, rp := st.device(c)
	if rp != nil {
		return *rp
	}
	out := map[string]any{"tags": append([]string{}, dev.tags...)}
	if dev.alias != "" {
		out["alias"] = dev.alias
	}
	return ok(out)
}

func appPushDeleteDevice(s *Server, c *call) reply {
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, rp := st.device(c); rp != nil {
		return *rp
	}
	delete(st.devices, c.params["registration_id"])
	return ok(map[string]any{})
}

func appPushCountTags(s *Server, c *call) reply {
	tag := c.r.URL.Query().Get("tags")
	st := s.appPush()
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, dev := range st.devices {
		if slices.Contains(dev.tags, tag) {
			n++
		}
	}
	return ok(map[string]any{"tagsCount": map[string]any{tag: n}})
}
