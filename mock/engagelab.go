package mock

import (
	"crypto/subtle"
	"net/http"
)

// engagelabHandlers are EngageLab's stateful operations.
var engagelabHandlers = map[string]func(*Server, *call) reply{
	"engagelab/otp verify": otpVerify,
}

// engagelabDialect is EngageLab's way: HTTP Basic credentials, bare JSON on
// success, an HTTP 4xx/5xx status with {code, message} on failure.
type engagelabDialect struct{}

func (engagelabDialect) authenticate(s *Server, c *call) *reply {
	key, secret, hasAuth := c.r.BasicAuth()
	want, known := s.cfg.EngageLabKeys[key]
	if !hasAuth || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		rp := reject(c.op, http.StatusUnauthorized, "AuthFailed", "authentication failed: missing or wrong credentials")
		return &rp
	}
	return nil
}

func (engagelabDialect) invalid(c *call, notJSON bool, problems []string) reply {
	if notJSON {
		return reject(c.op, http.StatusBadRequest, "InvalidJSON", "invalid request parameter format: body must be JSON")
	}
	return reject(c.op, http.StatusBadRequest, "InvalidParameter", "incorrect request parameters: "+problemsText(problems))
}

func (engagelabDialect) write(w http.ResponseWriter, _ *call, rp reply) (int, []byte) {
	if rp.rej != nil {
		return rp.rej.status, writeJSON(w, rp.rej.status, map[string]any{"code": rp.rej.code, "message": rp.rej.message})
	}
	return http.StatusOK, writeJSON(w, http.StatusOK, rp.data)
}

// otpMessage is one OTP that EngageLab sent.
type otpMessage struct {
	code     string
	verified bool
}

// AddOTPMessage registers a sent OTP so that verify knows it: the mock's
// stand-in for a send until the send endpoints are in the spec.
func (s *Server) AddOTPMessage(messageID, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.otpMsgs[messageID] = &otpMessage{code: code}
}

// otpVerify verifies a code once: a wrong code is verified=false, and any
// verify after a success is 3003.
func otpVerify(s *Server, c *call) reply {
	id, code := c.str("message_id"), c.str("verify_code")
	s.mu.Lock()
	defer s.mu.Unlock()
	m, found := s.otpMsgs[id]
	switch {
	case !found:
		return reject(c.op, http.StatusBadRequest, "NotFound", "the message does not exist")
	case m.verified:
		return reject(c.op, http.StatusBadRequest, "CodeExpiredOrVerified", "verify code has expired or was already verified")
	}
	m.verified = subtle.ConstantTimeCompare([]byte(code), []byte(m.code)) == 1
	return ok(map[string]any{"message_id": id, "verify_code": code, "verified": m.verified})
}
