package mock

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// EngageLab WhatsApp Business in the mock (specs/engagelab/whatsapp.yaml):
//
//   - A new Server starts with the templates of the spec's listTemplates
//     example, approved, so that the examples of the other operations work
//     out of the box.
//   - createTemplate adds one, pending Meta's review (PENDING); a name may
//     exist once per language (3003 otherwise) and needs exactly one BODY
//     component (3002). SetWhatsAppTemplateStatus plays Meta's reviewer.
//     updateTemplate replaces the components (and category) and sends the
//     template back to review; it cannot rename it (3003). getTemplate and
//     updateTemplate find it by ID, deleteTemplate deletes every language
//     of a name; an unknown one is 4001.
//   - listTemplates applies the four filters: part of the name (any case),
//     and the exact language, category and status.
//   - sendMessage refuses a body that also sets another kind's field than
//     its type's (3002). A template message needs a template of that name
//     and language (4001) that is approved (3003). Messages are not kept:
//     their statuses arrive only through SendCallback.
var elwhatsappHandlers = map[string]func(*Server, *call) reply{
	"engagelab/whatsapp sendMessage":    elwaSend,
	"engagelab/whatsapp listTemplates":  elwaListTemplates,
	"engagelab/whatsapp createTemplate": elwaCreateTemplate,
	"engagelab/whatsapp getTemplate":    elwaGetTemplate,
	"engagelab/whatsapp updateTemplate": elwaUpdateTemplate,
	"engagelab/whatsapp deleteTemplate": elwaDeleteTemplate,
}

// elwaTemplate is one template: one language of one name.
type elwaTemplate struct {
	id, name, language, status, category string
	components                           []any
}

func (t *elwaTemplate) view() map[string]any {
	return map[string]any{"id": t.id, "name": t.name, "language": t.language, "status": t.status, "category": t.category, "components": t.components}
}

// elwaState is a Server's EngageLab WhatsApp state.
type elwaState struct {
	mu        sync.Mutex
	err       error // the seed could not be read from the spec
	templates []*elwaTemplate
	nextID    uint64
	seq       uint64 // message IDs
}

func (s *Server) elwhatsapp() *elwaState {
	return stateOf(s, "engagelab/whatsapp", newELWAState)
}

// firstELWATemplateID is the ID of the first template created: the one
// in the spec's createTemplate answer.
const firstELWATemplateID = 1275172986566180

func newELWAState() *elwaState {
	st := &elwaState{nextID: firstELWATemplateID}
	var seed []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Language   string `json:"language"`
		Status     string `json:"status"`
		Category   string `json:"category"`
		Components []any  `json:"components"`
	}
	if st.err = responseExample("engagelab/whatsapp", "listTemplates", "success", &seed); st.err != nil {
		return st
	}
	for _, v := range seed {
		st.templates = append(st.templates, &elwaTemplate{id: v.ID, name: v.Name, language: v.Language, status: v.Status, category: v.Category, components: v.Components})
		st.nextID = max(st.nextID, numericID(v.ID)+1)
	}
	return st
}

func (st *elwaState) lock(c *call) (unlock func(), failed *reply) {
	st.mu.Lock()
	if st.err != nil {
		st.mu.Unlock()
		rp := reject(c.op, http.StatusInternalServerError, "InternalError", st.err.Error())
		return nil, &rp
	}
	return st.mu.Unlock, nil
}

// find returns the template with the ID, or nil.
func (st *elwaState) find(id string) *elwaTemplate {
	for _, t := range st.templates {
		if t.id == id {
			return t
		}
	}
	return nil
}

// named returns the template with the name and language, or nil.
func (st *elwaState) named(name, language string) *elwaTemplate {
	for _, t := range st.templates {
		if t.name == name && t.language == language {
			return t
		}
	}
	return nil
}

// messageKinds are the content fields of a message body, one per type.
var messageKinds = []string{"template", "text", "image", "video", "audio", "document", "sticker"}

func elwaSend(s *Server, c *call) reply {
	body, _ := c.body["body"].(map[string]any)
	kind, _ := body["type"].(string)
	for _, k := range messageKinds {
		if _, set := body[k]; set && k != kind {
			return reject(c.op, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("body.%s must not be set when type is %s", k, kind))
		}
	}
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	if kind == "template" {
		tmpl, _ := body["template"].(map[string]any)
		name, _ := tmpl["name"].(string)
		language, _ := tmpl["language"].(string)
		t := st.named(name, language)
		switch {
		case t == nil:
			return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
		case t.status != "APPROVED":
			return reject(c.op, http.StatusBadRequest, "BusinessRuleFailed", "template status is "+t.status+", not APPROVED")
		}
	}
	st.seq++
	out := map[string]any{"message_id": "cbggf4if6o9uk" + strconv.FormatUint(36*36*36*36*36*36+st.seq, 36)}
	if id := c.str("request_id"); id != "" {
		out["request_id"] = id
	}
	return ok(out)
}

func elwaListTemplates(s *Server, c *call) reply {
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	name := strings.ToLower(c.str("name"))
	list := make([]any, 0, len(st.templates)) // [] rather than null when none matches
	for _, t := range st.templates {
		if (name != "" && !strings.Contains(strings.ToLower(t.name), name)) ||
			!matches(c.str("language_code"), t.language) || !matches(c.str("category"), t.category) || !matches(c.str("status"), t.status) {
			continue
		}
		list = append(list, t.view())
	}
	return ok(list)
}

// matches reports whether a filter, when given, equals the value.
func matches(filter, value string) bool { return filter == "" || filter == value }

// oneBody checks that the components hold exactly one BODY.
func oneBody(c *call) *reply {
	list, _ := c.body["components"].([]any)
	n := 0
	for _, comp := range list {
		if m, _ := comp.(map[string]any); m["type"] == "BODY" {
			n++
		}
	}
	if n != 1 {
		rp := reject(c.op, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("components must hold exactly one BODY, not %d", n))
		return &rp
	}
	return nil
}

func elwaCreateTemplate(s *Server, c *call) reply {
	if rp := oneBody(c); rp != nil {
		return *rp
	}
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	name, language := c.str("name"), c.str("language")
	if st.named(name, language) != nil {
		return reject(c.op, http.StatusBadRequest, "BusinessRuleFailed", "template name and language already exist")
	}
	components, _ := c.body["components"].([]any)
	t := &elwaTemplate{id: strconv.FormatUint(st.nextID, 10), name: name, language: language, status: "PENDING", category: c.str("category"), components: components}
	st.nextID++
	st.templates = append(st.templates, t)
	return ok(map[string]any{"template_id": t.id})
}

func elwaGetTemplate(s *Server, c *call) reply {
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	t := st.find(c.params["template"])
	if t == nil {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	return ok(t.view())
}

func elwaUpdateTemplate(s *Server, c *call) reply {
	if rp := oneBody(c); rp != nil {
		return *rp
	}
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	t := st.find(c.params["template"])
	if t == nil {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	if name, language := c.str("name"), c.str("language"); (name != "" && name != t.name) || (language != "" && language != t.language) {
		return reject(c.op, http.StatusBadRequest, "BusinessRuleFailed", "a template's name and language cannot be changed")
	}
	t.components, _ = c.body["components"].([]any)
	if category := c.str("category"); category != "" {
		t.category = category
	}
	t.status = "PENDING"
	return done()
}

func elwaDeleteTemplate(s *Server, c *call) reply {
	st := s.elwhatsapp()
	unlock, failed := st.lock(c)
	if failed != nil {
		return *failed
	}
	defer unlock()
	name := c.params["template"]
	kept := st.templates[:0]
	for _, t := range st.templates {
		if t.name != name {
			kept = append(kept, t)
		}
	}
	if len(kept) == len(st.templates) {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	// Clear the tail so the dropped templates can be collected.
	for i := len(kept); i < len(st.templates); i++ {
		st.templates[i] = nil
	}
	st.templates = kept
	return done()
}

// SetWhatsAppTemplateStatus plays Meta's reviewer for an EngageLab
// WhatsApp template: status is one of the spec's TemplateStatus values
// (APPROVED, REJECTED, PAUSED, …). It reports false for an unknown
// template ID.
func (s *Server) SetWhatsAppTemplateStatus(templateID, status string) bool {
	st := s.elwhatsapp()
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.find(templateID)
	if t == nil || status == "" {
		return false
	}
	t.status = status
	return true
}
