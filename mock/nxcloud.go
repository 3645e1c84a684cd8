package mock

import (
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// nxcloudHandlers are NXCloud's stateful operations. The WhatsApp
// integrator's state is described in whatsapp.go.
var nxcloudHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/ota init":                   otaInit,
	"nxcloud/ota verify":                 otaVerify,
	"nxcloud/wa-integrator login":        waLogin,
	"nxcloud/wa-integrator getCode":      waGetCode,
	"nxcloud/wa-integrator checkCode":    waCheckCode,
	"nxcloud/wa-integrator createClient": waCreateClient,
	"nxcloud/wa-integrator createApp":    waCreateApp,
	"nxcloud/wa-integrator phoneList":    waPhoneList,
}

// nxcloudDialect is NXCloud's way: signed headers, and every answer an
// HTTP 200 envelope whose code tells success from failure.
type nxcloudDialect struct{}

// tsWindow is how far a request's ts may be from the server's clock.
const tsWindow = 60 * time.Second

// authenticate applies the signing layer's checks in NXCloud's order of
// codes: 1001 missing header, 1002 wrong bizType/action, 1004 stale ts,
// 1005 unknown key, 1003 bad signature.
func (nxcloudDialect) authenticate(s *Server, c *call) *reply {
	h := c.r.Header
	p := sign.Params{
		AccessKey: sign.HeaderValue(h, sign.HeaderAccessKey),
		TS:        sign.HeaderValue(h, sign.HeaderTS),
		BizType:   sign.HeaderValue(h, sign.HeaderBizType),
		Action:    sign.HeaderValue(h, sign.HeaderAction),
	}
	signature := sign.HeaderValue(h, sign.HeaderSign)
	fail := func(codeName, msg string) *reply {
		rp := reject(c.op, http.StatusOK, codeName, msg)
		return &rp
	}
	if p.AccessKey == "" || p.TS == "" || p.BizType == "" || p.Action == "" || signature == "" {
		return fail("MissingHeader", "missing common header parameters")
	}
	if p.BizType != c.op.BizType || p.Action != c.op.Action {
		// A product with one parameter code for the headers and the body
		// (PNS's 1002) names it InvalidParameter only.
		name := "BadHeaderOrBody"
		if _, found := c.op.Doc.Code(name); !found {
			name = "InvalidParameter"
		}
		return fail(name, "bizType or action does not match this endpoint")
	}
	ms, err := strconv.ParseInt(p.TS, 10, 64)
	if err != nil {
		return fail("TimestampExpired", "ts is not a Unix time in milliseconds")
	}
	if d := s.cfg.Now().Sub(time.UnixMilli(ms)); d > tsWindow || d < -tsWindow {
		return fail("TimestampExpired", "ts is more than 60 seconds away from server time")
	}
	secret, known := s.cfg.NXCloudKeys[p.AccessKey]
	if !known {
		return fail("AccessDenied", "unknown accessKey or no permission for this business")
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	// A multipart body is signed over the headers alone.
	multipartOp := c.op.BodyMediaType() == specs.MediaMultipart
	signed := c.raw
	if multipartOp && mt == specs.MediaMultipart {
		signed = nil
	}
	alg, err := sign.ParseAlgorithm(sign.HeaderValue(h, sign.HeaderAlgorithm))
	if err != nil || !sign.Verify(alg, p, signed, secret, signature) {
		return fail("BadSignature", "invalid signature")
	}
	// NXCloud reports a body sent under another Content-Type than the
	// operation's as a signature failure, not a parameter error.
	switch {
	case multipartOp && len(c.raw) > 0 && mt != specs.MediaMultipart:
		return fail("BadSignature", "invalid signature: the request Content-Type must be multipart/form-data")
	case !multipartOp && len(c.raw) > 0 && mt != specs.MediaJSON:
		return fail("BadSignature", "invalid signature: the request Content-Type must be application/json")
	}
	return nil
}

func (nxcloudDialect) invalid(c *call, _ bool, problems []string) reply {
	return reject(c.op, http.StatusOK, "InvalidParameter", "parameter error or missing: "+problemsText(problems))
}

// write sends the envelope. The message key (msg or message) differs by
// product; the spec's 200 schema says which.
func (nxcloudDialect) write(w http.ResponseWriter, c *call, rp reply) (int, []byte) {
	rule := c.op.Success
	if rule.Payload == "" && !rule.Empty {
		// A signed operation whose answer is flat (SMS v2): written by its
		// x-success, as the unsigned products' are.
		return appDialect{}.write(w, c, rp)
	}
	// The result sits under the operation's payload field: data, except
	// where a product puts it beside the code (PNS createGroup's groupId).
	field := "data"
	if rule.Payload != "" {
		field = rule.Payload
	}
	env := map[string]any{"code": 0, field: rp.data}
	msg := "Request successful"
	if rp.rej != nil {
		if rp.rej.status != http.StatusOK { // the mock's own fault
			return http.StatusInternalServerError, writeJSON(w, http.StatusInternalServerError, map[string]any{"code": rp.rej.code, "message": rp.rej.message})
		}
		env["code"], env[field] = rp.rej.code, rp.rej.data
		msg = rp.rej.message
	}
	env[messageKey(c)] = msg
	// An answer whose schema has no payload field (a success that carries
	// nothing, PNS unbind) has none: the mock says only what its spec does.
	if schema := c.op.ResponseSchema(http.StatusOK); env[field] == nil && schema != nil && len(specs.UndeclaredFields(schema, map[string]any{field: nil})) > 0 {
		delete(env, field)
	}
	return http.StatusOK, writeJSON(w, http.StatusOK, env)
}

// messageKey is "msg" when the operation's envelope schema has it, else
// "message".
func messageKey(c *call) string {
	if s := c.op.ResponseSchema(http.StatusOK); s != nil {
		if _, has := s.Properties["msg"]; has {
			return "msg"
		}
	}
	return "message"
}

// otaLogin is one OTA one-tap login.
type otaLogin struct {
	appkey, phone, status string
}

func otaInit(s *Server, c *call) reply {
	id := newID()
	s.mu.Lock()
	s.otaLogins[id] = &otaLogin{appkey: c.str("appkey"), phone: c.str("phone"), status: s.cfg.OTAStatus}
	s.mu.Unlock()
	return ok(map[string]any{
		"requestId": id,
		"url":       "https://ota.mock.invalid/auth?request_id=" + id,
	})
}

func otaVerify(s *Server, c *call) reply {
	id := c.str("requestId")
	s.mu.Lock()
	l, found := s.otaLogins[id]
	found = found && l.appkey == c.str("appkey")
	var status string
	if found {
		status = l.status
	}
	s.mu.Unlock()
	if !found {
		return reject(c.op, http.StatusOK, "RecordNotFound", "message record does not exist")
	}
	return ok(map[string]any{"requestId": id, "status": status})
}

// SetOTAStatus sets the status OTA verify reports for a login that init
// returned; it reports whether the login exists.
func (s *Server) SetOTAStatus(requestID, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, found := s.otaLogins[requestID]
	if found {
		l.status = status
	}
	return found
}
