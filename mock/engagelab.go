package mock

import (
	"crypto/subtle"
	"net/http"
)

// engagelabHandlers are EngageLab's stateful operations (see otp.go).
var engagelabHandlers = map[string]func(*Server, *call) reply{
	"engagelab/otp sendMessage":       otpSendMessage,
	"engagelab/otp sendCode":          otpSendCode,
	"engagelab/otp sendCustomMessage": otpSendCustomMessage,
	"engagelab/otp verify":            otpVerify,
	"engagelab/otp createTemplate":    otpCreateTemplate,
	"engagelab/otp listTemplates":     otpListTemplates,
	"engagelab/otp getTemplate":       otpGetTemplate,
	"engagelab/otp deleteTemplate":    otpDeleteTemplate,
}

// engagelabDialect is EngageLab's way: HTTP Basic credentials, bare JSON on
// success, an HTTP 4xx/5xx status with {code, message} on failure.
type engagelabDialect struct{}

func (engagelabDialect) authenticate(s *Server, c *call) *reply {
	key, secret, hasAuth := c.r.BasicAuth()
	want, known := s.cfg.EngageLabKeys[key]
	if b := c.op.BasicCredentials; b != nil { // the product's own pair (x-basic-credentials)
		p := s.appPair(b.Set)
		want, known = p[1], key == b.UserPrefix+p[0]
	}
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
