package mock

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// EngageLab e-mail in the mock (specs/engagelab/email.yaml):
//
//   - The Basic pair is the "email" application pair (x-basic-credentials),
//     checked by the EngageLab dialect before anything here.
//   - send makes one new e-mail ID per address in to, shaped like
//     EngageLab's (a unique prefix, "inbound" and the recipient's index,
//     "$" and the bare address). settings.return_email_id false leaves
//     them out. With settings.send_mode 2 (address lists) it makes a new
//     task instead, numbered from ElEmailFirstTaskID.
//   - A request_id seen before from the same api_user, less than
//     ElEmailRequestIDWindow ago (Config.Now), gets the first call's answer
//     again and makes nothing new.
//   - A header EngageLab sets itself (emailReservedHeaders, any case) in
//     body.headers is refused with 30862.
const (
	// ElEmailFirstTaskID is the task_id of the first address-list send,
	// as in EngageLab's example.
	ElEmailFirstTaskID = 102923
	// ElEmailRequestIDWindow is how long EngageLab answers a repeated
	// request_id with the first call's answer.
	ElEmailRequestIDWindow = time.Hour
)

var elemailHandlers = map[string]func(*Server, *call) reply{
	"engagelab/email send": elemailSend,
}

// emailReservedHeaders are the headers body.headers may not set, lower
// case.
var emailReservedHeaders = map[string]bool{
	"dkim-signature": true, "received": true, "sender": true, "date": true, "from": true, "to": true,
	"reply-to": true, "cc": true, "bcc": true, "subject": true, "content-type": true,
	"content-transfer-encoding": true, "x-sendcloud-uuid": true, "x-sendcloud-log": true,
	"x-sendcloud-log-new": true, "x-remote-web-ip": true, "x-smtpapi": true, "return-path": true,
}

// emailAnswer is a send's answer, kept for a repeated request_id.
type emailAnswer struct {
	data map[string]any
	at   time.Time
}

type elemailState struct {
	mu       sync.Mutex
	seq      uint64
	nextTask int64
	answers  map[[2]string]emailAnswer // by api_user and request_id
}

func (s *Server) elemail() *elemailState {
	return stateOf(s, "elemail", func() *elemailState {
		return &elemailState{nextTask: ElEmailFirstTaskID, answers: map[[2]string]emailAnswer{}}
	})
}

func elemailSend(s *Server, c *call) reply {
	body, _ := c.body["body"].(map[string]any)
	headers, _ := body["headers"].(map[string]any)
	for name := range headers {
		if emailReservedHeaders[strings.ToLower(name)] {
			return reject(c.op, http.StatusBadRequest, "ReservedHeader", "The headers cannot include these headers: "+name)
		}
	}
	settings, _ := body["settings"].(map[string]any)
	mode, _ := settings["send_mode"].(float64)
	returnIDs, set := settings["return_email_id"].(bool)
	returnIDs = returnIDs || !set

	user, _, _ := c.r.BasicAuth()
	requestID := c.str("request_id")
	key := [2]string{user, requestID}
	now := s.cfg.Now()
	st := s.elemail()
	st.mu.Lock()
	defer st.mu.Unlock()
	if requestID != "" {
		if a, seen := st.answers[key]; seen && now.Sub(a.at) < ElEmailRequestIDWindow {
			return ok(a.data)
		}
	}
	data := map[string]any{"request_id": requestID}
	if mode == 2 {
		data["task_id"] = []int64{st.nextTask}
		st.nextTask++
	} else if returnIDs {
		st.seq++
		to, _ := c.body["to"].([]any)
		ids := make([]string, 0, len(to))
		for i, addr := range to {
			a, _ := addr.(string)
			ids = append(ids, fmt.Sprintf("%d_%d_mock.verikit-inbound%d$%s", now.UnixMilli(), st.seq, i, bareAddress(a)))
		}
		data["email_ids"] = ids
	}
	if requestID != "" {
		st.answers[key] = emailAnswer{data: data, at: now}
	}
	return ok(data)
}

// bareAddress is the address in "Name <address>", or the whole string.
func bareAddress(a string) string {
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		if j := strings.IndexByte(a[i:], '>'); j > 0 {
			return a[i+1 : i+j]
		}
	}
	return strings.TrimSpace(a)
}
