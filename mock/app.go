package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/verikit/verikit/specs"
)

// appDialect is how NXCloud's unsigned operations answer: those that send
// an application's key pair (x-app-credentials) and those that send no
// credential at all. Their answers follow each operation's x-success
// (a code of the rule's JSON type, a flat body or a data field, or plain
// text), always with HTTP 200.
type appDialect struct{}

// appPair is the key pair the mock accepts for a set unless Config names
// one: mock-<set>-appkey / mock-<set>-secret.
func (s *Server) appPair(set string) [2]string {
	if p, ok := s.cfg.AppCredentials[set]; ok {
		return p
	}
	return [2]string{"mock-" + set + "-appkey", "mock-" + set + "-secret"}
}

func (appDialect) authenticate(s *Server, c *call) *reply {
	creds := c.op.AppCredentials
	if creds == nil { // security: [] — nothing to check
		return nil
	}
	fields := requestFields(c)
	want := s.appPair(creds.Set)
	if fields.Get(creds.Key) != want[0] || fields.Get(creds.Secret) != want[1] {
		const msg = "application unavailable or incorrect key"
		// An operation that names its own auth code (a product that reuses
		// the catalogue's codes) answers with it.
		if own := c.op.OwnKindCodes(specs.KindAuth); len(own) > 0 {
			return &reply{rej: &rejection{status: http.StatusOK, code: own[0], message: msg}}
		}
		// Where the catalogue's BadAppCredentials is no failure for this
		// operation (a query with inverted codes, where it means success)
		// or the catalogue has none, the documented failure stands in.
		if code, found := c.op.Doc.Code("BadAppCredentials"); !found || isSuccessCode(c.op, code) {
			if code, found := failureExampleCode(c.op); found {
				return &reply{rej: &rejection{status: http.StatusOK, code: code, message: msg}}
			}
		}
		rp := reject(c.op, http.StatusOK, "BadAppCredentials", msg)
		return &rp
	}
	return nil
}

// isSuccessCode reports whether a catalogue code is one of the
// operation's success values, as a number or as text.
func isSuccessCode(op *specs.Operation, code int) bool {
	return op.Success.CodeMatches(float64(code)) || op.Success.CodeMatches(fmt.Sprint(code))
}

// failureExampleCode is the numeric code (a number or a number as text) of
// the operation's failure example.
func failureExampleCode(op *specs.Operation) (int, bool) {
	switch v := failureExample(op)[op.Success.CodeField].(type) {
	case float64:
		return int(v), true
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n, true
		}
	}
	return 0, false
}

// requestFields reads the request's fields as text: a form or JSON body,
// or the query of a request without one.
func requestFields(c *call) url.Values {
	if len(c.raw) == 0 {
		return c.r.URL.Query()
	}
	if c.op.BodyMediaType() == specs.MediaForm {
		v, _ := url.ParseQuery(string(c.raw))
		return v
	}
	var obj map[string]any
	_ = json.Unmarshal(c.raw, &obj)
	v := url.Values{}
	for k, x := range obj {
		if s, ok := x.(string); ok {
			v.Set(k, s)
		}
	}
	return v
}

func (appDialect) invalid(c *call, _ bool, problems []string) reply {
	const msg = "parameter error or missing: "
	if code, ok := c.op.ParameterErrorCode(); ok { // a read that numbers it apart (SMS records: 1)
		return reply{rej: &rejection{status: http.StatusOK, code: code, message: msg + problemsText(problems)}}
	}
	return reject(c.op, http.StatusOK, "InvalidParameter", msg+problemsText(problems))
}

func (appDialect) write(w http.ResponseWriter, c *call, rp reply) (int, []byte) {
	rule := c.op.Success
	if rp.rej != nil && rp.rej.status != http.StatusOK { // the mock's own fault
		return http.StatusInternalServerError, writeJSON(w, http.StatusInternalServerError, map[string]any{"code": rp.rej.code, "message": rp.rej.message})
	}
	if len(rule.Text) > 0 {
		text := rule.Text[0]
		if rp.rej != nil {
			text = "fail"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(text))
		return http.StatusOK, []byte(text)
	}
	body := map[string]any{}
	switch {
	case rp.rej != nil:
		body[rule.CodeField] = codeValue(c.op, rp.rej.code)
		f := messageField(c.op)
		if f == "" {
			f = "message" // a failure says why, even where the schema names no text field
		}
		body[f] = rp.rej.message
		if rule.Payload != "" {
			body[rule.Payload] = nil
		}
	case rule.Payload != "" || rule.Empty:
		body[rule.CodeField] = successCode(rule)
		if rule.Payload != "" {
			body[rule.Payload] = rp.data
		}
		if f := messageField(c.op); f != "" {
			body[f] = "Request succeeded"
		}
	default: // a flat body: the payload is the body, the code one of its fields
		if m, ok := rp.data.(map[string]any); ok {
			for k, v := range m {
				body[k] = v
			}
		}
		if rule.CodeField != "" {
			body[rule.CodeField] = successCode(rule)
		}
	}
	return http.StatusOK, writeJSON(w, http.StatusOK, body)
}

// successCode is the rule's first success value, in its JSON type.
func successCode(rule specs.Success) any {
	if len(rule.CodeValues) == 0 {
		return 0
	}
	var v any
	_ = json.Unmarshal([]byte(rule.CodeValues[0]), &v)
	return v
}

// codeValue writes a result code as the operation's codes are written:
// text where the success code is text ("0"), a number where it is one,
// and, where codes are words ("success"), the word of the spec's failure
// example.
func codeValue(op *specs.Operation, code int) any {
	rule := op.Success
	switch {
	case rule.WordCodes():
		if word := failureWord(op); word != "" {
			return word
		}
		return "failed"
	case len(rule.CodeValues) > 0 && strings.HasPrefix(rule.CodeValues[0], `"`):
		return fmt.Sprint(code) // a number written as text
	}
	return code
}

// failureWord is the code of the operation's failure example, for a
// product whose codes are words.
func failureWord(op *specs.Operation) string {
	w, _ := failureExample(op)[op.Success.CodeField].(string)
	return w
}

// failureExample is the first example of the operation's answer (at its
// success status) whose code is not a success: the spec's own failure.
func failureExample(op *specs.Operation) map[string]any {
	for _, v := range statusExamples(op, op.Success.Status) {
		if m, ok := v.(map[string]any); ok {
			if code, has := m[op.Success.CodeField]; has && !op.Success.CodeMatches(code) {
				return m
			}
		}
	}
	return nil
}

// messageField is the first of the texts NXCloud describes a result with
// that the operation's 200 schema has; "" when it has none (the SMS record
// reads answer a bare code), so the mock writes none.
func messageField(op *specs.Operation) string {
	if s := op.ResponseSchema(http.StatusOK); s != nil {
		for _, f := range []string{"msg", "message", "result", "info"} {
			// A text field: some answers carry their result under info.
			if p, has := s.Properties[f]; has && p.Value != nil && (p.Value.Type == nil || p.Value.Type.Is("string")) {
				return f
			}
		}
	}
	return ""
}

// AppCredentials is the application key pair the mock accepts for a set
// (x-app-credentials), such as "sms": Config.AppCredentials's, else
// mock-<set>-appkey / mock-<set>-secret.
func (s *Server) AppCredentials(set string) (appKey, secret string) {
	p := s.appPair(set)
	return p[0], p[1]
}
