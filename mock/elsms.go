package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verikit/verikit/specs"
)

// EngageLab SMS in the mock (specs/engagelab/sms.yaml):
//
//   - A new Server starts with the templates and signatures of the spec's
//     listTemplates and listSignatures examples, approved, so that the
//     examples of the other operations work out of the box.
//   - createTemplate and createSignature add one, pending review (status 1),
//     as EngageLab does; SetSMSTemplateStatus and SetSMSSignatureStatus
//     play the reviewer. A pending one cannot be updated, an update sends it
//     back to review, only an approved signature can be attached to a
//     template and only an approved template can be sent.
//   - A template's content may not hold the words the docs forbid, a taken
//     signature name is refused, and add_signature needs sign_id and a
//     sign_position of 1 or 2.
//   - A scheduled send (schedule_time later than Config.Now) is a pending
//     plan: until then its template and that template's signature cannot
//     be updated or deleted. An immediate send leaves no plan behind.
//   - Template and signature failures are HTTP 400 with code 400 and the
//     docs' messages (unknown or malformed ID, name taken, pending, in use);
//     send failures use the send codes (4001 unknown template, 3003 not
//     approved).
var elsmsHandlers = map[string]func(*Server, *call) reply{
	"engagelab/sms sendMessage":     elsmsSend,
	"engagelab/sms listTemplates":   elsmsListTemplates,
	"engagelab/sms createTemplate":  elsmsCreateTemplate,
	"engagelab/sms getTemplate":     elsmsGetTemplate,
	"engagelab/sms updateTemplate":  elsmsUpdateTemplate,
	"engagelab/sms deleteTemplate":  elsmsDeleteTemplate,
	"engagelab/sms listSignatures":  elsmsListSignatures,
	"engagelab/sms createSignature": elsmsCreateSignature,
	"engagelab/sms getSignature":    elsmsGetSignature,
	"engagelab/sms updateSignature": elsmsUpdateSignature,
	"engagelab/sms deleteSignature": elsmsDeleteSignature,
}

// The review statuses of the spec's ReviewStatus.
const (
	elsmsPending  = 1
	elsmsApproved = 2
	elsmsRejected = 3
)

// elsmsTemplate is one SMS template.
type elsmsTemplate struct {
	id, name, typ, content, countries string
	signID                            string // "" without a signature
	signPosition                      int    // 0 without a signature
	status                            int
	remark                            string
	created, updated                  int64
}

// elsmsSignature is one signature.
type elsmsSignature struct {
	id, name         string
	status           int
	remark           string
	created, updated int64
}

// elsmsPlan is a scheduled send: pending until runAt.
type elsmsPlan struct {
	templateID, signID string
	runAt              time.Time
}

// elsmsState is a Server's EngageLab SMS state.
type elsmsState struct {
	mu         sync.Mutex
	err        error // the seed could not be read from the spec
	templates  map[string]*elsmsTemplate
	tOrder     []string // template IDs, in creation order
	signatures map[string]*elsmsSignature
	sOrder     []string
	plans      []elsmsPlan
	nextTID    uint64 // the next template ID
	nextSID    uint64
	seq        uint64 // plan, message and task IDs
}

// elsms returns the server's SMS state, seeded on first use.
func (s *Server) elsms() *elsmsState {
	return stateOf(s, "engagelab/sms", newELSMSState)
}

func newELSMSState() *elsmsState {
	st := &elsmsState{templates: map[string]*elsmsTemplate{}, signatures: map[string]*elsmsSignature{}}
	st.err = st.seed()
	return st
}

// seed adds the templates and signatures of the spec's list examples, so
// that the spec says them once.
func (st *elsmsState) seed() error {
	var signs []struct {
		ID        string `json:"sign_id"`
		Name      string `json:"sign_name"`
		Status    int    `json:"status"`
		Remark    string `json:"audit_remark"`
		Created   int64  `json:"created_time"`
		Updated   int64  `json:"updated_time"`
		Templates int64  `json:"related_template_count"`
	}
	if err := responseExample("engagelab/sms", "listSignatures", "success", &signs); err != nil {
		return err
	}
	for _, v := range signs {
		st.signatures[v.ID] = &elsmsSignature{id: v.ID, name: v.Name, status: v.Status, remark: v.Remark, created: v.Created, updated: v.Updated}
		st.sOrder = append(st.sOrder, v.ID)
		st.nextSID = max(st.nextSID, numericID(v.ID)+1)
	}
	var templates []struct {
		ID        string `json:"template_id"`
		Name      string `json:"template_name"`
		Type      string `json:"template_type"`
		Content   string `json:"template_content"`
		Countries string `json:"country_codes"`
		SignID    string `json:"sign_id"`
		Position  int    `json:"sign_position"`
		Status    int    `json:"status"`
		Remark    string `json:"audit_remark"`
		Created   int64  `json:"created_time"`
		Updated   int64  `json:"updated_time"`
	}
	if err := responseExample("engagelab/sms", "listTemplates", "success", &templates); err != nil {
		return err
	}
	for _, v := range templates {
		if v.SignID != "" && st.signatures[v.SignID] == nil {
			return fmt.Errorf("mock: the listTemplates example's template %s names signature %s, which the listSignatures example lacks", v.ID, v.SignID)
		}
		st.templates[v.ID] = &elsmsTemplate{id: v.ID, name: v.Name, typ: v.Type, content: v.Content, countries: v.Countries,
			signID: v.SignID, signPosition: v.Position, status: v.Status, remark: v.Remark, created: v.Created, updated: v.Updated}
		st.tOrder = append(st.tOrder, v.ID)
		st.nextTID = max(st.nextTID, numericID(v.ID)+1)
	}
	return nil
}

// responseExample decodes the named example of an operation's HTTP 200
// answer into out.
func responseExample(spec, opID, name string, out any) error {
	op, found := specs.MustLoad(spec).Operation(opID)
	if !found {
		return fmt.Errorf("mock: %s has no operation %s", spec, opID)
	}
	ex := namedExample(op, name)
	if ex == nil {
		return fmt.Errorf("mock: %s %s has no success example %q", spec, opID, name)
	}
	return json.Unmarshal(mustJSON(ex), out)
}

// numericID reads an ID of digits; 0 for another.
func numericID(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

// validID reports whether an ID has the shape EngageLab gives them: digits.
func validID(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lock locks the state and reports a seed that failed as a rejection.
func (st *elsmsState) lock(c *call) (unlock func(), failed *reply) {
	st.mu.Lock()
	if st.err != nil {
		st.mu.Unlock()
		rp := reject(c.op, http.StatusInternalServerError, "ConfigInternalError", st.err.Error())
		return nil, &rp
	}
	return st.mu.Unlock, nil
}

// configRejected is a template or signature failure: HTTP 400, code 400.
func configRejected(c *call, message string) reply {
	return reject(c.op, http.StatusBadRequest, "ConfigRejected", message)
}

// planned reports whether a pending plan uses the template or signature.
// st.mu must be held.
func (st *elsmsState) planned(now time.Time, templateID, signID string) bool {
	for _, p := range st.plans {
		if now.Before(p.runAt) && ((templateID != "" && p.templateID == templateID) || (signID != "" && p.signID == signID)) {
			return true
		}
	}
	return false
}

func (st *elsmsState) newSeq() string {
	st.seq++
	return strconv.FormatUint(1972488990548348928+st.seq, 10)
}

func elsmsSend(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	tmpl, _ := c.body["template"].(map[string]any)
	id, _ := tmpl["id"].(string)
	t := st.templates[id]
	switch {
	case t == nil:
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	case t.status != elsmsApproved:
		return reject(c.op, http.StatusBadRequest, "BusinessRuleFailed", "template status is not approved, can not use")
	}
	to, _ := c.body["to"].([]any)
	out := map[string]any{"plan_id": st.newSeq(), "total_count": len(to), "accepted_count": len(to)}
	if at, scheduled := c.body["schedule_time"].(float64); scheduled {
		st.plans = append(st.plans, elsmsPlan{templateID: t.id, signID: t.signID, runAt: time.Unix(int64(at), 0)})
		task, _ := strconv.ParseInt(st.newSeq(), 10, 64)
		out["schedule_info"] = map[string]any{"task_id": task}
	} else if len(to) == 1 {
		out["message_id"] = st.newSeq()
	}
	return ok(out)
}

// view is a template as list and get show it, with its signature's
// current name and status.
func (st *elsmsState) view(t *elsmsTemplate) map[string]any {
	v := map[string]any{
		"template_id": t.id, "template_name": t.name, "template_type": t.typ, "template_content": t.content,
		"country_codes": t.countries, "status": t.status, "sign_position": t.signPosition, "audit_remark": t.remark,
		"created_time": t.created, "updated_time": t.updated,
	}
	if sg := st.signatures[t.signID]; sg != nil {
		v["sign_id"], v["sign_name"], v["sign_status"] = sg.id, sg.name, sg.status
	}
	return v
}

func elsmsListTemplates(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	list := make([]any, 0, len(st.tOrder)) // [] rather than null when empty
	for _, id := range st.tOrder {
		list = append(list, st.view(st.templates[id]))
	}
	return ok(list)
}

// findTemplate looks up the path's template, or says why not.
func (st *elsmsState) findTemplate(c *call) (*elsmsTemplate, *reply) {
	id := c.params["templateId"]
	if !validID(id) {
		rp := configRejected(c, "invalid templateId")
		return nil, &rp
	}
	t := st.templates[id]
	if t == nil {
		rp := configRejected(c, "template config not exist")
		return nil, &rp
	}
	return t, nil
}

// forbiddenWords are the words template content may not hold (the spec's
// pattern covers the forbidden characters).
var forbiddenWords = []string{"测试", "test"}

// templateFields checks a create or update body beyond its schema and
// fills t from it. st.mu must be held.
func (st *elsmsState) templateFields(c *call, t *elsmsTemplate) *reply {
	content := c.str("template_content")
	for _, w := range forbiddenWords {
		if strings.Contains(content, w) {
			rp := configRejected(c, fmt.Sprintf("template_content can not contain %q", w))
			return &rp
		}
	}
	t.name, t.typ, t.content, t.countries = c.str("template_name"), c.str("template_type"), content, c.str("country_codes")
	t.signID, t.signPosition = "", 0
	if add, _ := c.body["add_signature"].(bool); !add {
		return nil
	}
	signID := c.str("sign_id")
	position, _ := c.body["sign_position"].(float64)
	switch {
	case signID == "":
		rp := configRejected(c, "sign_id is required when add_signature is true")
		return &rp
	case position != 1 && position != 2:
		rp := configRejected(c, "sign_position must be 1 (prefix) or 2 (suffix) when add_signature is true")
		return &rp
	}
	sg := st.signatures[signID]
	switch {
	case sg == nil:
		rp := configRejected(c, "sign config not exist")
		return &rp
	case sg.status != elsmsApproved:
		rp := configRejected(c, "sign status is not approved, can not use")
		return &rp
	}
	t.signID, t.signPosition = signID, int(position)
	return nil
}

func elsmsCreateTemplate(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	now := s.cfg.Now().Unix()
	t := &elsmsTemplate{id: strconv.FormatUint(st.nextTID, 10), status: elsmsPending, created: now, updated: now}
	if rp := st.templateFields(c, t); rp != nil {
		return *rp
	}
	st.nextTID++
	st.templates[t.id] = t
	st.tOrder = append(st.tOrder, t.id)
	return ok(map[string]any{"template_id": t.id})
}

func elsmsGetTemplate(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	t, rp := st.findTemplate(c)
	if rp != nil {
		return *rp
	}
	return ok(st.view(t))
}

func elsmsUpdateTemplate(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	t, rp := st.findTemplate(c)
	switch {
	case rp != nil:
		return *rp
	case t.status == elsmsPending:
		return configRejected(c, "can not update pending status template")
	case st.planned(s.cfg.Now(), t.id, ""):
		return configRejected(c, "there are pending or running plans using current template, can not update")
	}
	changed := *t
	if rp := st.templateFields(c, &changed); rp != nil {
		return *rp
	}
	changed.status, changed.remark, changed.updated = elsmsPending, "", s.cfg.Now().Unix()
	*t = changed
	return done()
}

func elsmsDeleteTemplate(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	t, rp := st.findTemplate(c)
	switch {
	case rp != nil:
		return *rp
	case st.planned(s.cfg.Now(), t.id, ""):
		return configRejected(c, "there are pending or running plans using current template, can not delete")
	}
	delete(st.templates, t.id)
	st.tOrder = without(st.tOrder, t.id)
	return done()
}

// signView is a signature as list and get show it.
func (st *elsmsState) signView(sg *elsmsSignature) map[string]any {
	count := 0
	for _, t := range st.templates {
		if t.signID == sg.id {
			count++
		}
	}
	return map[string]any{
		"sign_id": sg.id, "sign_name": sg.name, "status": sg.status, "related_template_count": count,
		"audit_remark": sg.remark, "created_time": sg.created, "updated_time": sg.updated,
	}
}

func elsmsListSignatures(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	list := make([]any, 0, len(st.sOrder))
	for _, id := range st.sOrder {
		list = append(list, st.signView(st.signatures[id]))
	}
	return ok(list)
}

func (st *elsmsState) findSignature(c *call) (*elsmsSignature, *reply) {
	id := c.params["signId"]
	if !validID(id) {
		rp := configRejected(c, "invalid signId")
		return nil, &rp
	}
	sg := st.signatures[id]
	if sg == nil {
		rp := configRejected(c, "sign config not exist")
		return nil, &rp
	}
	return sg, nil
}

// nameTaken reports whether another signature than except has the name.
func (st *elsmsState) nameTaken(name, except string) bool {
	for id, sg := range st.signatures {
		if id != except && sg.name == name {
			return true
		}
	}
	return false
}

func elsmsCreateSignature(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	name := c.str("sign_name")
	if st.nameTaken(name, "") {
		return configRejected(c, "sign_name already exist")
	}
	now := s.cfg.Now().Unix()
	sg := &elsmsSignature{id: strconv.FormatUint(st.nextSID, 10), name: name, status: elsmsPending, created: now, updated: now}
	st.nextSID++
	st.signatures[sg.id] = sg
	st.sOrder = append(st.sOrder, sg.id)
	return ok(map[string]any{"sign_id": sg.id})
}

func elsmsGetSignature(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	sg, rp := st.findSignature(c)
	if rp != nil {
		return *rp
	}
	return ok(st.signView(sg))
}

func elsmsUpdateSignature(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	sg, rp := st.findSignature(c)
	name := c.str("sign_name")
	switch {
	case rp != nil:
		return *rp
	case sg.status == elsmsPending:
		return configRejected(c, "can not update pending status sign")
	case st.planned(s.cfg.Now(), "", sg.id):
		return configRejected(c, "there are pending or running plans using current sign, can not update")
	case st.nameTaken(name, sg.id):
		return configRejected(c, "sign_name already exist")
	}
	sg.name, sg.status, sg.remark, sg.updated = name, elsmsPending, "", s.cfg.Now().Unix()
	return done()
}

func elsmsDeleteSignature(s *Server, c *call) reply {
	st := s.elsms()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	sg, rp := st.findSignature(c)
	switch {
	case rp != nil:
		return *rp
	case st.planned(s.cfg.Now(), "", sg.id):
		return configRejected(c, "there are pending or running plans using current sign, can not delete")
	}
	// The docs say nothing of the templates that carry it: here they lose
	// their signature.
	for _, t := range st.templates {
		if t.signID == sg.id {
			t.signID, t.signPosition = "", 0
		}
	}
	delete(st.signatures, sg.id)
	st.sOrder = without(st.sOrder, sg.id)
	return done()
}

// without returns list less every id.
func without(list []string, id string) []string {
	out := list[:0]
	for _, v := range list {
		if v != id {
			out = append(out, v)
		}
	}
	return out
}

// SetSMSTemplateStatus plays EngageLab's reviewer for an SMS template:
// status is 1 (pending), 2 (approved) or 3 (rejected, with remark). It
// reports false for an unknown template or status.
func (s *Server) SetSMSTemplateStatus(templateID string, status int, remark string) bool {
	if status < elsmsPending || status > elsmsRejected {
		return false
	}
	st := s.elsms()
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.templates[templateID]
	if t == nil {
		return false
	}
	t.status, t.remark = status, remark
	return true
}

// SetSMSSignatureStatus plays EngageLab's reviewer for an SMS signature,
// as SetSMSTemplateStatus does for a template.
func (s *Server) SetSMSSignatureStatus(signID string, status int, remark string) bool {
	if status < elsmsPending || status > elsmsRejected {
		return false
	}
	st := s.elsms()
	st.mu.Lock()
	defer st.mu.Unlock()
	sg := st.signatures[signID]
	if sg == nil {
		return false
	}
	sg.status, sg.remark = status, remark
	return true
}
