package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// pnsHandlers: NXCloud number privacy (PNS). The account's bindings (AXB,
// AXB with an extension, AXG) and number groups live in the mock: a
// binding is found by queryBinding until it is removed or expires, lists
// show what exists, and a group must exist to be bound, changed or
// deleted. A binding, virtual number or group the mock removed (or saw
// expire) fails with its PNS code (10013 for a binding); one the mock
// never issued gets the spec's success example, as every operation
// without state does, so that a call built from the spec's examples
// works. Every PNS action shares the one URL /api/pns/; the mock picks
// the operation by the signed action header (x-path).
var pnsHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/pns bind":          pnsBind,
	"nxcloud/pns bindExtension": pnsBindExtension,
	"nxcloud/pns bindGroup":     pnsBindGroup,
	"nxcloud/pns unbind":        pnsUnbind,
	"nxcloud/pns queryBinding":  pnsQueryBinding,
	"nxcloud/pns listBindings":  pnsListBindings,
	"nxcloud/pns createGroup":   pnsCreateGroup,
	"nxcloud/pns updateGroup":   pnsUpdateGroup,
	"nxcloud/pns deleteGroup":   pnsDeleteGroup,
	"nxcloud/pns listGroups":    pnsListGroups,
}

// The mock's PNS account.
const (
	pnsCustomerID = "cus_mock"
	pnsBusinessID = "busi_mock"
	// pnsBindTypeExtension is the bindType of an extension binding.
	pnsBindTypeExtension = 4
	// pnsListMax is the most a list answers (limit 0 asks for it).
	pnsListMax = 1000
)

type pnsBinding struct {
	bindID, customerBindID string
	phoneA, phoneB, did    string
	extension, groupID     string
	flag                   int
	expireAt               int64 // Unix seconds; 0 never
}

type pnsGroup struct {
	id, name, remark string
	phones           []string
}

// pnsCall is a call the mock routed (queryBinding), for its call record.
type pnsCall struct {
	callID, caller, callee string
	b                      pnsBinding
	at                     time.Time
}

// pnsLookup is a lookup the mock refused for want of a binding.
type pnsLookup struct {
	caller, did string
	at          time.Time
}

type pnsState struct {
	mu       sync.Mutex
	bindings []*pnsBinding // in binding order
	groups   []*pnsGroup   // in creation order
	calls    map[string]*pnsCall
	unbound  []pnsLookup
	// What the mock ever issued, removed since or not: bind IDs (and
	// "own:"+customerBindId), virtual numbers bound, group IDs.
	issued   map[string]bool
	nextDID  int
	nextCall int64
}

func newPNSState() *pnsState {
	return &pnsState{calls: map[string]*pnsCall{}, issued: map[string]bool{}, nextCall: 1602233475636793344}
}

func (s *Server) pns() *pnsState { return stateOf(s, "pns", newPNSState) }

// pnsCode is the PNS catalogue's code of a name.
func (s *Server) pnsCode(name string) (int, bool) {
	for _, d := range s.docs {
		if d.Name == "nxcloud/pns" {
			return d.Code(name)
		}
	}
	return 0, false
}

func pnsReject(c *call, codeName, msg string) reply {
	return reject(c.op, http.StatusOK, codeName, msg)
}

// live reports whether a binding has not expired at now.
func (b *pnsBinding) live(now time.Time) bool {
	return b.expireAt == 0 || now.Unix() < b.expireAt
}

// newBinding checks and records a binding of any kind; st.mu is held.
func (st *pnsState) newBinding(s *Server, c *call, b *pnsBinding) reply {
	if b.phoneB != "" && b.phoneA == b.phoneB {
		return pnsReject(c, "SameBindingNumbers", "A and B are the same number")
	}
	now := s.cfg.Now()
	for _, o := range st.bindings {
		if !o.live(now) {
			continue
		}
		if b.customerBindID != "" && o.customerBindID == b.customerBindID {
			return pnsReject(c, "BindingFailed", "customerBindId "+clipText(b.customerBindID, 64)+" is taken")
		}
		if b.extension != "" && o.did == b.did && o.extension == b.extension {
			return pnsReject(c, "BindingFailed", "extension "+b.extension+" of "+b.did+" is taken")
		}
	}
	b.bindID = newID()
	if b.did == "" {
		b.did = st.allocate(b.phoneA)
	}
	b.flag = intField(c, "flag", 0)
	if secs := intField(c, "expireSecond", 0); secs > 0 {
		b.expireAt = now.Unix() + int64(secs)
	}
	st.bindings = append(st.bindings, b)
	st.issued[b.bindID], st.issued["did:"+b.did] = true, true
	if b.customerBindID != "" {
		st.issued["own:"+b.customerBindID] = true
	}
	return ok(map[string]any{"bindId": b.bindID, "did": b.did})
}

// allocate hands out a virtual number of A's country (the mock takes the
// first three digits for the country).
func (st *pnsState) allocate(phoneA string) string {
	st.nextDID++
	cc := phoneA
	if len(cc) > 3 {
		cc = cc[:3]
	}
	return fmt.Sprintf("%s3575%04d", cc, st.nextDID)
}

func pnsBind(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.newBinding(s, c, &pnsBinding{customerBindID: c.str("customerBindId"), phoneA: c.str("phoneA"), phoneB: c.str("phoneB")})
}

func pnsBindExtension(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.newBinding(s, c, &pnsBinding{customerBindID: c.str("customerBindId"), phoneA: c.str("phoneA"), phoneB: c.str("phoneB"),
		did: c.str("phoneX"), extension: c.str("extension")})
}

func pnsBindGroup(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.group(c.str("groupId"))
	if g == nil {
		return st.gone(c, "group:"+c.str("groupId"), "DataReadFailed", "no number group "+clipText(c.str("groupId"), 64))
	}
	if b := c.str("phoneB"); b != "" && !pnsContains(g.phones, b) {
		return pnsReject(c, "InvalidParameter", "phoneB must be a number of the group")
	}
	return st.newBinding(s, c, &pnsBinding{customerBindID: c.str("customerBindId"), phoneA: c.str("phoneA"), phoneB: c.str("phoneB"),
		did: c.str("phoneX"), groupID: g.id})
}

func pnsUnbind(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	id, own := c.str("bindId"), c.str("customerBindId")
	for i, b := range st.bindings {
		if (id != "" && b.bindID == id) || (id == "" && own != "" && b.customerBindID == own) {
			st.bindings = append(st.bindings[:i], st.bindings[i+1:]...)
			return ok(nil)
		}
	}
	key := "own:" + own
	if id != "" {
		key = id
	}
	return st.gone(c, key, "BindingNotFound", "binding not exist")
}

// gone answers for something the mock does not have: the failure
// codeName if the mock issued it (then removed it, or it expired), else
// the spec's success example.
func (st *pnsState) gone(c *call, key, codeName, msg string) reply {
	if st.issued[key] {
		return pnsReject(c, codeName, msg)
	}
	return exampleReply(c.op)
}

// pnsSamePhone compares a number given with or without its country code
// (queryBinding's caller) with a full one.
func pnsSamePhone(given, full string) bool {
	return given != "" && full != "" && strings.HasSuffix(full, given)
}

func pnsQueryBinding(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	caller, did, ext := c.str("caller"), c.str("did"), c.str("extension")
	now := s.cfg.Now()
	for _, b := range st.bindings {
		if !b.live(now) || b.did != did || b.extension != ext {
			continue
		}
		var callee string
		switch {
		case pnsSamePhone(caller, b.phoneA):
			callee = b.phoneB // empty: A cannot call out through this binding
		case pnsSamePhone(caller, b.phoneB):
			callee = b.phoneA
		case b.groupID != "" && st.inGroup(b.groupID, caller):
			callee = b.phoneA
		case b.extension != "":
			callee = b.phoneA // anyone who dials the extension reaches A
		}
		if callee == "" {
			continue
		}
		st.nextCall++
		cl := &pnsCall{callID: fmt.Sprint(st.nextCall), caller: caller, callee: callee, b: *b, at: now}
		st.calls[cl.callID] = cl
		route := map[string]any{"callee": callee, "callId": cl.callID, "flag": b.flag, "audioWhenCallFail": ""}
		if b.extension != "" {
			route["extension"] = b.extension
			route["bindType"] = pnsBindTypeExtension
		}
		return ok(route)
	}
	if !st.issued["did:"+did] {
		return exampleReply(c.op) // a virtual number the mock never bound
	}
	st.unbound = append(st.unbound, pnsLookup{caller: caller, did: did, at: now})
	return pnsReject(c, "BindingNotFound", "binding not exist")
}

// pnsWindow is the slice [offset, offset+limit) of n items, limit 0 meaning
// the most; false for an offset past the end.
func pnsWindow(c *call, n int) (from, to int, found bool) {
	limit, offset := intField(c, "limit", 0), intField(c, "offset", 0)
	if limit == 0 || limit > pnsListMax {
		limit = pnsListMax
	}
	if offset > n {
		return 0, 0, false
	}
	return offset, min(offset+limit, n), true
}

func pnsListBindings(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	now := s.cfg.Now()
	var live []*pnsBinding
	for _, b := range st.bindings {
		if b.live(now) {
			live = append(live, b)
		}
	}
	from, to, found := pnsWindow(c, len(live))
	if !found {
		return pnsReject(c, "BadListOffset", "offset is past the last binding")
	}
	rows := []map[string]any{}
	for _, b := range live[from:to] {
		row := map[string]any{"customerId": pnsCustomerID, "businessId": pnsBusinessID, "bindId": b.bindID,
			"customerBindId": b.customerBindID, "phoneA": b.phoneA, "did": b.did, "flag": b.flag, "expireAt": b.expireAt}
		if b.phoneB != "" {
			row["phoneB"] = b.phoneB
		}
		if b.extension != "" {
			row["extension"] = b.extension
		}
		rows = append(rows, row)
	}
	return ok(map[string]any{"bindList": rows, "total": len(rows)})
}

func (st *pnsState) group(id string) *pnsGroup {
	for _, g := range st.groups {
		if g.id == id {
			return g
		}
	}
	return nil
}

func (st *pnsState) inGroup(id, phone string) bool {
	if g := st.group(id); g != nil {
		for _, p := range g.phones {
			if pnsSamePhone(phone, p) {
				return true
			}
		}
	}
	return false
}

func pnsSplitPhones(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !pnsContains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func pnsContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func pnsCreateGroup(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := &pnsGroup{id: newID()[:19], name: c.str("groupName"), remark: c.str("remark"), phones: pnsSplitPhones(c.str("phones"))}
	if g.name == "" {
		g.name = g.id // the page: an unnamed group is named after its ID
	}
	st.groups = append(st.groups, g)
	st.issued["group:"+g.id] = true
	return ok(g.id)
}

// Group operations (updateGroup's operateType).
const (
	pnsGroupAdd = iota
	pnsGroupRemove
	pnsGroupReplace
)

func pnsUpdateGroup(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	g := st.group(c.str("groupId"))
	if g == nil {
		return st.gone(c, "group:"+c.str("groupId"), "DataReadFailed", "no number group "+clipText(c.str("groupId"), 64))
	}
	phones := pnsSplitPhones(c.str("phones"))
	switch intField(c, "operateType", -1) {
	case pnsGroupAdd:
		for _, p := range phones {
			if !pnsContains(g.phones, p) {
				g.phones = append(g.phones, p)
			}
		}
	case pnsGroupRemove:
		var kept []string
		for _, p := range g.phones {
			if !pnsContains(phones, p) {
				kept = append(kept, p)
			}
		}
		g.phones = kept
	case pnsGroupReplace:
		g.phones = phones
	}
	return ok(nil)
}

func pnsDeleteGroup(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, g := range st.groups {
		if g.id == c.str("groupId") {
			st.groups = append(st.groups[:i], st.groups[i+1:]...)
			return ok(nil)
		}
	}
	return st.gone(c, "group:"+c.str("groupId"), "DataReadFailed", "no number group "+clipText(c.str("groupId"), 64))
}

func pnsListGroups(s *Server, c *call) reply {
	st := s.pns()
	st.mu.Lock()
	defer st.mu.Unlock()
	from, to, found := pnsWindow(c, len(st.groups))
	if !found {
		return pnsReject(c, "BadListOffset", "offset is past the last group")
	}
	rows := []map[string]any{}
	for _, g := range st.groups[from:to] {
		rows = append(rows, map[string]any{"customerId": pnsCustomerID, "groupName": g.name, "groupId": g.id,
			"phones": strings.Join(g.phones, ","), "remark": g.remark})
	}
	return ok(map[string]any{"groups": rows, "total": len(rows)})
}

// SendPNSCallRecord pushes the record of a call the mock routed (by the
// callId queryBinding answered) to target, as NXCloud's call-record
// callback (the PNS spec's CallRecordCallback): answered at once, lasting
// duration, ended normally by the caller. It returns an error unless the
// receiver acknowledged it.
func (s *Server) SendPNSCallRecord(ctx context.Context, target, callID string, duration time.Duration) error {
	st := s.pns()
	st.mu.Lock()
	cl, found := st.calls[callID]
	var rec map[string]any
	if found {
		start := cl.at.Unix()
		secs := int64(duration / time.Second)
		rec = map[string]any{
			"id": len(st.calls), "businessId": pnsBusinessID, "customerBindId": cl.b.customerBindID, "bindId": cl.b.bindID,
			"callId": cl.callID, "did": cl.b.did, "caller": cl.caller, "callee": cl.callee,
			"callStatus": 1, "callStatusMsg": "", "duration": secs,
			"startAt": start, "answerAt": start, "hangupAt": start + secs,
			"hangupCause": "", "hangupCode": 0, "hangup": 0, "recordFile": "",
		}
		if cl.b.flag&1 != 0 {
			rec["recordFile"] = "https://record.mock.invalid/pns/" + cl.callID + ".mp3"
		}
	}
	st.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no PNS call %q was routed", callID)
	}
	return s.SendCallback(ctx, target, "nxcloud/pns", "CallRecordCallback", rec)
}

// SendPNSUnboundCall pushes a call the mock refused for want of a binding
// (a queryBinding of caller and did answered 10013) to target, as
// NXCloud's unbound-call callback (the PNS spec's UnboundCallCallback).
// It returns an error unless the receiver acknowledged it.
func (s *Server) SendPNSUnboundCall(ctx context.Context, target, caller, did string) error {
	st := s.pns()
	st.mu.Lock()
	var l *pnsLookup
	for i := range st.unbound {
		if st.unbound[i].caller == caller && st.unbound[i].did == did {
			l = &st.unbound[i]
		}
	}
	var push map[string]any
	if l != nil {
		code, _ := s.pnsCode("BindingNotFound")
		push = map[string]any{
			"code": code, "msg": "binding not exist", "requestId": newID(),
			"data": map[string]any{
				"action":         "queryAXB",
				"requestParams":  map[string]any{"caller": l.caller, "did": l.did},
				"occurrenceTime": l.at.Format(time.DateTime),
			},
		}
	}
	st.mu.Unlock()
	if l == nil {
		return fmt.Errorf("mock: no PNS lookup of %s to %s was refused", caller, did)
	}
	return s.SendCallback(ctx, target, "nxcloud/pns", "UnboundCallCallback", push)
}
