package mock

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// sipHandlers are the stateful operations of NXCloud's SIP products:
//
//   - queues (nxcloud/sipqueue): add creates a queue, which modify changes
//     and the state calls read and set; makeCall puts a phone into a
//     calling queue (one that lists it), and SendQueueEvents pushes the
//     calls of that queue as the predictive dialer's events;
//   - phones (nxcloud/sipphone): two SIP phones of the mock's sip
//     application (SIPPhones), whose passwords updatePassword changes and
//     queryMobs lists; queryApps lists that application with its key pair;
//   - agent tokens (nxcloud/agent): getToken issues a token valid for
//     AgentTokenLifetime by the mock's clock, and makeCall refuses an
//     unknown or expired one with 1201 (and a phone the mock does not
//     have with 1001). DefaultAgentToken, the token of the spec's
//     example, is issued when the mock first needs its tokens.
//
// A queue, a call or a phone the mock does not know is answered with the
// spec's example, as the other families do, so that any documented
// request succeeds on a fresh mock.
var sipHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/sipqueue add":            queueAdd,
	"nxcloud/sipqueue modify":         queueModify,
	"nxcloud/sipqueue queryState":     queueQueryState,
	"nxcloud/sipqueue modifyState":    queueModifyState,
	"nxcloud/sipqueue makeCall":       queueMakeCall,
	"nxcloud/sipphone queryApps":      phoneQueryApps,
	"nxcloud/sipphone queryMobs":      phoneQueryMobs,
	"nxcloud/sipphone updatePassword": phoneUpdatePassword,
	"nxcloud/agent getToken":          agentGetToken,
	"nxcloud/agent makeCall":          agentMakeCall,
}

// SIPPhones are the accounts of the SIP phones the mock starts with, both
// of its sip application (Server.AppCredentials("sip")).
var SIPPhones = []string{"1049001", "1049002"}

// The agent token the mock has issued from the start (the token of the
// agent spec's example, so that its makeCall example succeeds), and how
// long a token lasts: NXCloud's documented default.
const (
	DefaultAgentToken  = "05804537D2A6693DC7E6CC5E0ADA09B9"
	AgentTokenLifetime = 1200 * time.Second
)

// The first queue ID and access number add hands out: not those of the
// spec's examples (197, 104969), so that the examples of the other queue
// calls name a queue the mock does not know, whatever ran before, and get
// the spec's answer.
const (
	firstQueueID = 301
	firstCallID  = 105001
)

// sipQueue is one queue add created.
type sipQueue struct {
	id, callID, name, countryCode, effective, callbackURL string
	mobiles, phones                                       []string
	state                                                 string
	joined                                                []string // phones makeCall put in, in order
}

type queueState struct {
	mu     sync.Mutex
	byID   map[string]*sipQueue
	byCall map[string]*sipQueue
	next   int
}

func (s *Server) sipQueues() *queueState {
	return stateOf(s, "sipqueue", func() *queueState {
		return &queueState{byID: map[string]*sipQueue{}, byCall: map[string]*sipQueue{}}
	})
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func queueAdd(s *Server, c *call) reply {
	st := s.sipQueues()
	st.mu.Lock()
	defer st.mu.Unlock()
	q := &sipQueue{
		id: fmt.Sprint(firstQueueID + st.next), callID: fmt.Sprint(firstCallID + st.next),
		name: c.str("name"), countryCode: c.str("code"), effective: c.str("effective_number"),
		callbackURL: c.str("callback_url"), mobiles: splitList(c.str("mobile_names")),
		phones: splitList(c.str("phones")), state: "0",
	}
	st.next++
	st.byID[q.id], st.byCall[q.callID] = q, q
	return ok(map[string]any{"callid": q.callID, "queueid": q.id, "info": "success"})
}

func queueModify(s *Server, c *call) reply {
	st := s.sipQueues()
	st.mu.Lock()
	defer st.mu.Unlock()
	q, found := st.byID[c.str("queueid")]
	if !found {
		return exampleReply(c.op) // a queue the mock did not create: the spec's example
	}
	q.name, q.effective, q.mobiles = c.str("name"), c.str("effective_number"), splitList(c.str("mobile_names"))
	// A phone the queue no longer lists leaves it.
	q.joined = slices.DeleteFunc(q.joined, func(p string) bool { return !slices.Contains(q.mobiles, p) })
	return ok(nil)
}

func queueQueryState(s *Server, c *call) reply {
	st := s.sipQueues()
	st.mu.Lock()
	defer st.mu.Unlock()
	q, found := st.byID[c.str("queueid")]
	if !found {
		return exampleReply(c.op)
	}
	return ok(map[string]any{"state": q.state, "info": "success"})
}

func queueModifyState(s *Server, c *call) reply {
	st := s.sipQueues()
	st.mu.Lock()
	defer st.mu.Unlock()
	q, found := st.byID[c.str("queueid")]
	if !found {
		return exampleReply(c.op)
	}
	q.state = c.str("state")
	return ok(map[string]any{"state": q.state, "info": "success"})
}

// queueMakeCall puts a phone into a queue, which must be calling and list
// the phone, as the page's note requires.
func queueMakeCall(s *Server, c *call) reply {
	st := s.sipQueues()
	st.mu.Lock()
	defer st.mu.Unlock()
	q, found := st.byCall[c.str("callid")]
	switch {
	case !found:
		return exampleReply(c.op)
	case q.state != "1":
		return reject(c.op, http.StatusOK, "InvalidParameter", fmt.Sprintf("queue %s is not calling (state %s)", q.id, q.state))
	case !slices.Contains(q.mobiles, c.str("mobile_name")):
		return reject(c.op, http.StatusOK, "InvalidParameter", fmt.Sprintf("queue %s has no phone %s", q.id, clipText(c.str("mobile_name"), 32)))
	}
	if !slices.Contains(q.joined, c.str("mobile_name")) {
		q.joined = append(q.joined, c.str("mobile_name"))
	}
	return ok(nil)
}

// SendQueueEvents pushes, to target, the predictive dialer's events of
// the queue with this access number (its callid), as NXCloud's
// CallEventCallback: for each phone makeCall put into the queue, the
// agent is ready, then one number of the queue after another is rung,
// answered by that agent and hung up. It returns an error unless the
// receiver acknowledged each event, or when the queue has no phone yet.
func (s *Server) SendQueueEvents(ctx context.Context, target, callID string) error {
	st := s.sipQueues()
	st.mu.Lock()
	q, found := st.byCall[callID]
	var agents, numbers []string
	if found {
		agents, numbers = slices.Clone(q.joined), slices.Clone(q.phones)
	}
	st.mu.Unlock()
	switch {
	case !found:
		return fmt.Errorf("mock: no queue has the access number %q", callID)
	case len(agents) == 0:
		return fmt.Errorf("mock: no phone was put into queue %s (makeCall)", q.id)
	}
	now := func() string { return fmt.Sprint(s.cfg.Now().UnixMicro()) }
	send := func(fields map[string]any) error {
		fields["callid"], fields["time"] = callID, now()
		return s.SendCallback(ctx, target, "nxcloud/sipqueue", "CallEventCallback", fields)
	}
	for i, number := range numbers {
		agent := agents[i%len(agents)]
		agentID := uuidText()
		callUUID := uuidText()
		withAgent := func(m map[string]any) map[string]any {
			m["type"], m["sipid"], m["username"], m["agentid"] = 1, agent, agent, agentID
			return m
		}
		events := []map[string]any{
			withAgent(map[string]any{"state": 2, "info": "Seats ready"}),
			{"type": 2, "state": 1, "info": "Phone calling", "callphone": number, "uuid": callUUID},
			{"type": 2, "state": 3, "info": "Phone answer", "callphone": number, "uuid": callUUID},
			withAgent(map[string]any{"state": 3, "info": "Phone answer", "callphone": number, "uuid": callUUID}),
			{"type": 2, "state": 4, "info": "Phone hungup", "callphone": number, "uuid": callUUID},
			withAgent(map[string]any{"state": 4, "info": "Phone hungup", "callphone": number, "uuid": callUUID}),
		}
		for _, e := range events {
			if err := send(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// uuidText is a random ID in the 8-4-4-4-12 shape of NXCloud's UUIDs.
func uuidText() string {
	h := newID()
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// sipPhone is one SIP phone of the mock.
type sipPhone struct {
	username, password, name string
	status                   int
}

type phoneState struct {
	mu     sync.Mutex
	phones []*sipPhone // in account order
}

func (s *Server) sipPhones() *phoneState {
	return stateOf(s, "sipphone", func() *phoneState {
		st := &phoneState{}
		for i, u := range SIPPhones {
			st.phones = append(st.phones, &sipPhone{username: u, password: fmt.Sprintf("%06d", 671897+i*216902), name: fmt.Sprintf("Agent %d", i+1), status: 1})
		}
		return st
	})
}

func (st *phoneState) phone(username string) *sipPhone {
	for _, p := range st.phones {
		if p.username == username {
			return p
		}
	}
	return nil
}

// mockAppAccount is the account of the mock's sip application.
const mockAppAccount = "mock-outbound"

// phoneQueryApps lists the mock's one approval application: the sip set's
// key pair the mock accepts.
func phoneQueryApps(s *Server, c *call) reply {
	key, secret := s.AppCredentials("sip")
	return ok(map[string]any{"row": []any{map[string]any{
		"appkey": key, "secretkey": secret, "name": "Mock approval application", "account": mockAppAccount,
	}}})
}

func phoneQueryMobs(s *Server, c *call) reply {
	key, secret := s.AppCredentials("sip")
	st := s.sipPhones()
	st.mu.Lock()
	defer st.mu.Unlock()
	var rows []any
	if app := c.str("appkey"); app == "" || app == key {
		for _, p := range st.phones {
			rows = append(rows, map[string]any{
				"username": p.username, "monile_password": p.password, "name": p.name, "status": p.status,
				"appkey": key, "secretkey": secret, "account": mockAppAccount,
			})
		}
	}
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "pageSize", 10), 1)
	from, to := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(map[string]any{"info": map[string]any{
		"total": len(rows), "page": page, "pageSize": size, "rows": append([]any{}, rows[from:to]...),
	}})
}

// phoneUpdatePassword gives each named phone a random password, the one
// password given, or the one at its place in a list as long as the
// phones.
func phoneUpdatePassword(s *Server, c *call) reply {
	st := s.sipPhones()
	st.mu.Lock()
	defer st.mu.Unlock()
	names := splitList(c.str("username"))
	var phones []*sipPhone
	for _, n := range names {
		p := st.phone(n)
		if p == nil {
			return reject(c.op, http.StatusOK, "InvalidParameter", fmt.Sprintf("no phone %s", clipText(n, 32)))
		}
		phones = append(phones, p)
	}
	var passwords []string
	if v, given := c.body["new_password"]; given {
		text, _ := v.(string)
		passwords = strings.Split(text, ",")
	}
	switch len(passwords) {
	case 0:
		for range phones {
			passwords = append(passwords, randomPassword(6))
		}
	case 1:
		for len(passwords) < len(phones) {
			passwords = append(passwords, passwords[0])
		}
	case len(phones):
	default:
		return reject(c.op, http.StatusOK, "InvalidParameter", fmt.Sprintf("%d passwords for %d phones", len(passwords), len(phones)))
	}
	row := map[string]any{}
	for i, p := range phones {
		p.password = passwords[i]
		row[p.username] = p.password
	}
	return ok(map[string]any{"row": row})
}

func randomPassword(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10)) // crypto/rand never fails on supported platforms
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// agentTokens are the tokens getToken issued, with when each expires.
type agentTokens struct {
	mu      sync.Mutex
	expires map[string]time.Time
}

func (s *Server) agentTokens() *agentTokens {
	return stateOf(s, "agent", func() *agentTokens {
		return &agentTokens{expires: map[string]time.Time{DefaultAgentToken: s.cfg.Now().Add(AgentTokenLifetime)}}
	})
}

func agentGetToken(s *Server, c *call) reply {
	st := s.agentTokens()
	st.mu.Lock()
	defer st.mu.Unlock()
	token := strings.ToUpper(newID())
	st.expires[token] = s.cfg.Now().Add(AgentTokenLifetime)
	return ok(map[string]any{"token": token, "expireinterval": int(AgentTokenLifetime / time.Second)})
}

// agentMakeCall places a call with a live token, through a phone the mock
// has.
func agentMakeCall(s *Server, c *call) reply {
	st := s.agentTokens()
	st.mu.Lock()
	expires, issued := st.expires[c.str("token")]
	st.mu.Unlock()
	switch {
	case !issued:
		return reject(c.op, http.StatusOK, "TokenUnavailable", "This token is not available")
	case !s.cfg.Now().Before(expires):
		return reject(c.op, http.StatusOK, "TokenUnavailable", "This token has expired")
	}
	phones := s.sipPhones()
	phones.mu.Lock()
	known := phones.phone(c.str("username")) != nil
	phones.mu.Unlock()
	if !known {
		return reject(c.op, http.StatusOK, "UnknownUsername", "Username no exist!")
	}
	out := map[string]any{"sessionid": uuidText(), "info": "success"}
	if id := c.str("orderid"); id != "" {
		out["orderid"] = id
	}
	return ok(out)
}
