package mock

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// didHandlers: a DID text message keeps what was sent, so that
// SendDIDReceipt can push its delivery receipt. The DID call operations
// answer with their spec's examples.
var didHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/did sendMessage": didSendMessage,
}

// didMessage is one text message sent from a DID number.
type didMessage struct {
	id, sender, phone, content string
	sent                       time.Time
}

type didState struct {
	mu       sync.Mutex
	messages map[string]*didMessage
}

func (s *Server) did() *didState {
	return stateOf(s, "did", func() *didState { return &didState{messages: map[string]*didMessage{}} })
}

func didSendMessage(s *Server, c *call) reply {
	st := s.did()
	m := &didMessage{id: newID(), sender: c.str("sender"), phone: c.str("phone"), content: c.str("content"), sent: s.cfg.Now()}
	st.mu.Lock()
	st.messages[m.id] = m
	st.mu.Unlock()
	return ok(map[string]any{"messageId": m.id})
}

// SendDIDReceipt delivers the delivery receipt (DELIVRD) of a text message
// the mock sent from a DID number to target, as NXCloud pushes it to the
// number's SMS push address: a form body (the DID spec's MessageCallback),
// or, when signed, a JSON body signed with the mock's first account and
// action dr (SignedMessageCallback). It returns an error unless the
// receiver answered "success".
func (s *Server) SendDIDReceipt(ctx context.Context, target, messageID string, signed bool) error {
	st := s.did()
	st.mu.Lock()
	m, found := st.messages[messageID]
	st.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no DID message %q was sent", messageID)
	}
	fields := map[string]any{
		"messageId": m.id, "type": "1", "toPhone": m.phone, "fromPhone": m.sender,
		"content": m.content, "size": strconv.Itoa(smsParts(m.content)), "price": "0.0360",
		"receiveTime": m.sent.Format(time.DateTime), "smsStatus": "DELIVRD",
	}
	if signed {
		return s.SendCallbackAs(ctx, target, "nxcloud/did", "SignedMessageCallback", "dr", fields)
	}
	return s.SendCallback(ctx, target, "nxcloud/did", "MessageCallback", fields)
}

// smsParts is how many billed parts a text takes: one up to 160
// characters, else 153 to a part.
func smsParts(text string) int {
	n := utf8.RuneCountInString(text)
	if n <= 160 {
		return 1
	}
	return (n + 152) / 153
}
