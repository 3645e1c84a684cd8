package mock

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/verikit/verikit/specs"
)

// EngageLab OTP in the mock:
//
//   - Templates: every Server starts with one approved template,
//     DefaultOTPTemplateID. createTemplate adds more (approved at once, no
//     review), a taken template_id gets 3003, and 3002 a template that
//     breaks a rule across fields (a WhatsApp strategy with a code TTL
//     other than 1, 5 or 10 minutes; a custom SMS without its custom
//     config; an authentication SMS text without {{code}}); getTemplate and
//     deleteTemplate answer 4001 for an unknown ID; listTemplates lists
//     them by template_id.
//   - sendMessage "generates" Config.OTPCode; sendCode keeps the caller's
//     code. Either way the message can be verified, and until its code is
//     verified or expires, another send to the same recipient with the
//     same template gets 3004. A code lives for the template's
//     verify_code_ttl minutes (DefaultOTPTTL without a verify_code_config),
//     measured on Config.Now; after that verify answers 3003.
//   - sendCustomMessage needs template.params.code when the template has a
//     verify_code_config (3002 otherwise). Its message cannot be verified
//     (4001) and it never gets 3004.
//   - send_channel is the first channel of the template's strategy.
//   - A send naming a template that does not exist gets 4001.
const (
	// DefaultOTPCode is the code sendMessage generates unless
	// Config.OTPCode says otherwise.
	DefaultOTPCode = "123456"
	// DefaultOTPTemplateID is the template a new Server already has, so
	// that a send works out of the box: the example of the spec's
	// TemplateConfig schema (WhatsApp then SMS, 6-digit codes valid for 5
	// minutes), approved.
	DefaultOTPTemplateID = "verify-login"
	// DefaultOTPTTL is how long a code lives when its template has no
	// verify_code_config.
	DefaultOTPTTL = 5 * time.Minute
)

// seedTemplate is the body the seed template was "created" with: the
// example of the spec's TemplateConfig schema (createTemplate's body), so
// the spec says it once. The createTemplate request example names another
// template, so that it succeeds against a new mock.
func seedTemplate() (map[string]any, error) {
	op, found := specs.MustLoad("engagelab/otp").Operation("createTemplate")
	if !found || op.BodySchema() == nil {
		return nil, fmt.Errorf("mock: the EngageLab spec has no createTemplate request")
	}
	example := op.BodySchema().Example
	if example == nil {
		return nil, fmt.Errorf("mock: createTemplate's body schema has no example to seed the mock with")
	}
	if problems := op.ValidateBody(mustJSON(example)); len(problems) > 0 {
		return nil, fmt.Errorf("mock: the seed template breaks the spec: %s", problemsText(problems))
	}
	// A JSON round trip gives the mock its own copy, typed as a decoded
	// request body is.
	raw, err := json.Marshal(example)
	if err != nil {
		return nil, err
	}
	var seed map[string]any
	if err := json.Unmarshal(raw, &seed); err != nil {
		return nil, err
	}
	if seed["template_id"] != DefaultOTPTemplateID {
		return nil, fmt.Errorf("mock: createTemplate's example template_id is %v, not DefaultOTPTemplateID %q", seed["template_id"], DefaultOTPTemplateID)
	}
	return seed, nil
}

// firstMessageID is the docs' example message ID; generated IDs follow it,
// so that they look like EngageLab's.
const firstMessageID = 1725407449772531712

// otpMessage is one OTP that EngageLab sent.
type otpMessage struct {
	code     string
	verified bool
	// liveKey is the recipient and template (otpLiveKey) the code was sent
	// to and with; "" for a message added with AddOTPMessage.
	liveKey string
	expires time.Time // zero: never
}

// live reports whether the code can still be verified.
func (m *otpMessage) live(now time.Time) bool {
	return !m.verified && (m.expires.IsZero() || now.Before(m.expires))
}

// otpTemplate is one template, as created.
type otpTemplate struct {
	fields   map[string]any // the create body's documented fields
	created  int64          // Unix seconds
	channel  string         // the first channel of the strategy
	ttl      time.Duration
	needCode bool // a verification-code template: custom messages must carry params.code
}

// otpState is a Server's EngageLab OTP state.
type otpState struct {
	mu        sync.Mutex
	messages  map[string]*otpMessage // by message_id
	templates map[string]*otpTemplate
	latest    map[string]string // otpLiveKey → message_id
	seq       uint64
}

// newOTPState returns the OTP state of a new Server: no messages, and the
// seed template, created at now.
func newOTPState(now time.Time) (*otpState, error) {
	seed, err := seedTemplate()
	if err != nil {
		return nil, err
	}
	return &otpState{
		messages:  map[string]*otpMessage{},
		templates: map[string]*otpTemplate{DefaultOTPTemplateID: newOTPTemplate(seed, now)},
		latest:    map[string]string{},
	}, nil
}

func newOTPTemplate(fields map[string]any, now time.Time) *otpTemplate {
	t := &otpTemplate{fields: fields, created: now.Unix(), ttl: DefaultOTPTTL}
	strategy, _ := fields["send_channel_strategy"].(string)
	t.channel, _, _ = strings.Cut(strategy, "|")
	if cfg, ok := fields["verify_code_config"].(map[string]any); ok {
		t.needCode = true
		if minutes, ok := cfg["verify_code_ttl"].(float64); ok {
			t.ttl = time.Duration(minutes * float64(time.Minute))
		}
	}
	return t
}

// view is the template as list and get show it: approved at once.
func (t *otpTemplate) view() map[string]any {
	v := make(map[string]any, len(t.fields)+2)
	for k, f := range t.fields {
		v[k] = f
	}
	v["created_time"] = t.created
	v["status"] = 2 // approved
	return v
}

func otpLiveKey(to, templateID string) string { return to + "\x00" + templateID }

// newMessageID returns the next message ID that no message has (one added
// with AddOTPMessage may have taken it). st.mu must be held.
func (st *otpState) newMessageID() string {
	for {
		st.seq++
		id := strconv.FormatUint(firstMessageID+st.seq, 10)
		if _, clash := st.messages[id]; !clash {
			return id
		}
	}
}

// AddOTPMessage registers a sent OTP so that verify knows it, without a
// send: it never expires and plays no part in 3004. Adding an ID again
// replaces its message, verified or not.
func (s *Server) AddOTPMessage(messageID, code string) {
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	st.messages[messageID] = &otpMessage{code: code}
}

// template is the send request's template object.
func (c *call) template() map[string]any {
	t, _ := c.body["template"].(map[string]any)
	return t
}

func otpSendMessage(s *Server, c *call) reply { return otpSend(s, c, s.cfg.OTPCode) }

func otpSendCode(s *Server, c *call) reply { return otpSend(s, c, c.str("code")) }

// otpSend sends a code that verify will check.
func otpSend(s *Server, c *call, code string) reply {
	to := c.str("to")
	templateID, _ := c.template()["id"].(string)
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	t, found := st.templates[templateID]
	if !found {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	now := s.cfg.Now()
	key := otpLiveKey(to, templateID)
	if m := st.messages[st.latest[key]]; m != nil && m.liveKey == key && m.live(now) {
		return reject(c.op, http.StatusBadRequest, "TooFrequent", "a valid verify code already exists for this recipient and template, retry after it expires")
	}
	id := st.newMessageID()
	st.messages[id] = &otpMessage{code: code, liveKey: key, expires: now.Add(t.ttl)}
	st.latest[key] = id
	return ok(map[string]any{"message_id": id, "send_channel": t.channel})
}

// otpSendCustomMessage sends a message that nothing verifies.
func otpSendCustomMessage(s *Server, c *call) reply {
	tmpl := c.template()
	templateID, _ := tmpl["id"].(string)
	params, _ := tmpl["params"].(map[string]any)
	code, _ := params["code"].(string)
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	t, found := st.templates[templateID]
	switch {
	case !found:
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	case t.needCode && code == "":
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", "template.params.code is required: the template is a verification-code template")
	}
	return ok(map[string]any{"message_id": st.newMessageID(), "send_channel": t.channel})
}

// otpVerify verifies a code once: a wrong code is verified=false, and any
// verify after a success, or after the code expired, is 3003.
func otpVerify(s *Server, c *call) reply {
	id, code := c.str("message_id"), c.str("verify_code")
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	m, found := st.messages[id]
	switch {
	case !found:
		return reject(c.op, http.StatusBadRequest, "NotFound", "the message does not exist")
	case m.verified:
		return reject(c.op, http.StatusBadRequest, "CodeExpiredOrVerified", "verify code has expired or was already verified")
	case !m.live(s.cfg.Now()):
		return reject(c.op, http.StatusBadRequest, "CodeExpiredOrVerified", "verify code has expired")
	}
	m.verified = subtle.ConstantTimeCompare([]byte(code), []byte(m.code)) == 1
	return ok(map[string]any{"message_id": id, "verify_code": code, "verified": m.verified})
}

// done is the answer of a template change that succeeded.
func done() reply { return ok(map[string]any{"code": 0, "message": "success"}) }

func otpCreateTemplate(s *Server, c *call) reply {
	id := c.str("template_id")
	// Keep only the documented fields: list and get echo them, and an
	// unknown one could clash with what they add.
	fields := map[string]any{}
	for name := range c.op.BodySchema().Properties {
		if v, present := c.body[name]; present {
			fields[name] = v
		}
	}
	if problem := otpTemplateRuleProblem(fields); problem != "" {
		return reject(c.op, http.StatusBadRequest, "InvalidParameter", "incorrect request parameters: "+problem)
	}
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, taken := st.templates[id]; taken {
		return reject(c.op, http.StatusBadRequest, "CodeExpiredOrVerified", "template already exists")
	}
	st.templates[id] = newOTPTemplate(fields, s.cfg.Now())
	return done()
}

// otpTemplateRuleProblem checks the rules template.json states across two
// fields, which the spec's schema cannot: with whatsapp in the strategy a
// code lives 1, 5 or 10 minutes; a custom SMS (template_type 2) needs its
// template_custom_config; an authentication text contains {{code}}. It
// returns the first broken rule, or "".
func otpTemplateRuleProblem(fields map[string]any) string {
	strategy, _ := fields["send_channel_strategy"].(string)
	if cfg, ok := fields["verify_code_config"].(map[string]any); ok {
		ttl, _ := cfg["verify_code_ttl"].(float64)
		for _, ch := range strings.Split(strategy, "|") {
			if ch == "whatsapp" && ttl != 1 && ttl != 5 && ttl != 10 {
				return "verify_code_config.verify_code_ttl: must be 1, 5 or 10 when send_channel_strategy names whatsapp"
			}
		}
	}
	sms, _ := fields["sms_config"].(map[string]any)
	custom, hasCustom := sms["template_custom_config"].(map[string]any)
	if kind, _ := sms["template_type"].(float64); kind == 2 && !hasCustom {
		return "sms_config.template_custom_config: is required when sms_config.template_type is 2"
	}
	if content, _ := custom["custom_content"].(string); custom["custom_sub_type"] == "authentication" && !strings.Contains(content, "{{code}}") {
		return "sms_config.template_custom_config.custom_content: an authentication text must contain {{code}}"
	}
	return ""
}

func otpListTemplates(s *Server, _ *call) reply {
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	ids := make([]string, 0, len(st.templates))
	for id := range st.templates {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := make([]any, 0, len(ids)) // [] rather than null when empty
	for _, id := range ids {
		list = append(list, st.templates[id].view())
	}
	return ok(list)
}

func otpGetTemplate(s *Server, c *call) reply {
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	t, found := st.templates[c.params["templateId"]]
	if !found {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	return ok(t.view())
}

func otpDeleteTemplate(s *Server, c *call) reply {
	id := c.params["templateId"]
	st := s.otp
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, found := st.templates[id]; !found {
		return reject(c.op, http.StatusBadRequest, "NotFound", "template does not exist")
	}
	delete(st.templates, id)
	return done()
}

// mustJSON encodes a value decoded from the spec, which always encodes.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
