package mock

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/verikit/verikit/specs"
)

// channelHandlers are the stateful operations of NXCloud's e-mail, voice
// and flash-call products: a send keeps a record, which the record
// queries return and whose receipt a test can fire; a conversion is
// accepted once per message. A query for what the mock did not send finds
// nothing, in each page's own way (an empty list, a null record).
var channelHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/email send":                 emailSend,
	"nxcloud/email listRecords":          emailListRecords,
	"nxcloud/voice send":                 voiceSend,
	"nxcloud/voice reportConversion":     voiceReportConversion,
	"nxcloud/voice listRecords":          voiceListRecords,
	"nxcloud/flashcall send":             flashCallSend,
	"nxcloud/flashcall getRecord":        flashCallGetRecord,
	"nxcloud/flashcall listRecords":      flashCallListRecords,
	"nxcloud/flashcall reportConversion": flashCallReportConversion,
}

// sent is one message or call the mock made on one channel.
type sent struct {
	id, to, from, caller, country, subject string
	at                                     time.Time
	converted                              bool
}

// channelState is what the mock sent, per channel ("email", "voice",
// "flashcall"), in the order sent.
type channelState struct {
	mu    sync.Mutex
	byID  map[string]*sent
	order map[string][]*sent
}

func (s *Server) channels() *channelState {
	s.channelOnce.Do(func() {
		s.channelSent = &channelState{byID: map[string]*sent{}, order: map[string][]*sent{}}
	})
	return s.channelSent
}

func (st *channelState) add(channel string, m *sent) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byID[channel+"/"+m.id] = m
	st.order[channel] = append(st.order[channel], m)
}

func (st *channelState) get(channel, id string) (sent, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m, found := st.byID[channel+"/"+id]
	if !found {
		return sent{}, false
	}
	return *m, true
}

// convert marks a message converted; found is false for one the mock did
// not send, again true for one converted already.
func (st *channelState) convert(channel, id string) (found, again bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m, found := st.byID[channel+"/"+id]
	if !found {
		return false, false
	}
	again, m.converted = m.converted, true
	return true, again
}

func (st *channelState) list(channel string) []sent {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]sent, 0, len(st.order[channel]))
	for _, m := range st.order[channel] {
		out = append(out, *m)
	}
	return out
}

// conversion answers a conversion report: refused for a message the mock
// did not send, and for a second report of one; the dialect writes the
// refusal in the operation's shape (the text fail, the word failed).
func (s *Server) conversion(c *call, channel, id string, data any) reply {
	found, again := s.channels().convert(channel, id)
	switch {
	case !found:
		return unknownMessage(c.op)
	case again:
		return convertedAgain(c.op)
	}
	return ok(data)
}

// unknownMessage refuses a report about a message the mock did not send,
// with the text of the spec's failure example where it has one (voice:
// "messageid not exist", as the page documents).
func unknownMessage(op *specs.Operation) reply {
	msg, _ := failureExample(op)[messageField(op)].(string)
	if msg == "" {
		msg = "the message does not exist"
	}
	return reject(op, http.StatusOK, "InvalidParameter", msg)
}

// convertedAgain refuses a second conversion report of one message.
func convertedAgain(op *specs.Operation) reply {
	return reject(op, http.StatusOK, "InvalidParameter", "the conversion of this message was reported already")
}

func emailSend(s *Server, c *call) reply {
	m := &sent{id: newID(), to: c.str("to"), from: c.str("from"), subject: c.str("templateName"), at: s.cfg.Now()}
	s.channels().add("email", m)
	return ok(map[string]any{"msg": "Request succeeded", "result": m.id})
}

// emailListRecords returns a page of the e-mails the mock sent, newest
// first, filtered by messageId and by the startTime–endTime range when
// given; the page echoes the query as the page's example does (the key
// pair too: the spec marks both for masking).
func emailListRecords(s *Server, c *call) reply {
	want := c.str("messageId")
	start, errStart := time.Parse(time.DateTime, c.str("startTime"))
	end, errEnd := time.Parse(time.DateTime, c.str("endTime"))
	all := s.channels().list("email")
	records := []any{}
	for i := len(all) - 1; i >= 0; i-- {
		m, at := all[i], all[i].at.Truncate(time.Second)
		if (want != "" && m.id != want) || (errStart == nil && at.Before(start)) || (errEnd == nil && at.After(end)) {
			continue
		}
		records = append(records, map[string]any{
			"messageId": m.id, "sender": m.from, "receiver": m.to, "tplSubject": m.subject, "sellPrice": emailPrice,
			"sendTime": m.at.Format("2006-01-02T15:04:05"), "msgResult": "DELIVRD",
		})
	}
	// current counts from 1, size defaults to 10 (at most 100, the schema's bound).
	page, size := max(intField(c, "current", 1), 1), max(intField(c, "size", 10), 1)
	from, to := min((page-1)*size, len(records)), min(page*size, len(records))
	echo := func(field string) any {
		if v := c.str(field); v != "" {
			return v
		}
		return nil
	}
	return ok(map[string]any{"msg": "success", "result": map[string]any{
		"records": records[from:to], "total": len(records), "size": size, "current": page, "pages": (len(records) + size - 1) / size,
		"orders": []any{}, "searchCount": true, "sortType": 0, "appKey": c.str("appKey"), "secretKey": c.str("secretKey"),
		"messageId": echo("messageId"), "startTime": echo("startTime"), "endTime": echo("endTime"),
	}})
}

// emailPrice is what the mock charges for one e-mail.
const emailPrice = 0.265

func voiceSend(s *Server, c *call) reply {
	m := &sent{id: newID(), to: c.str("phone"), country: c.str("country_code"), caller: c.str("show_phone"), at: s.cfg.Now()}
	s.channels().add("voice", m)
	return ok(map[string]any{"result": "Request succeeded", "messageid": m.id})
}

func voiceReportConversion(s *Server, c *call) reply {
	return s.conversion(c, "voice", c.str("messageid"), map[string]any{"info": "success"})
}

// voiceListRecords returns a page of the verification calls the mock made
// in the period asked (or the one call asked for); the mock makes no
// group calls.
func voiceListRecords(s *Server, c *call) reply {
	start, err1 := time.Parse(time.DateTime, c.str("start_time"))
	end, err2 := time.Parse(time.DateTime, c.str("end_time"))
	rows := []any{}
	for _, m := range s.channels().list("voice") {
		at := m.at.Truncate(time.Second)
		if c.str("voiceType") != "1" || err1 != nil || err2 != nil || at.Before(start) || at.After(end) {
			continue
		}
		if id := c.str("messageid"); id != "" && id != m.id {
			continue
		}
		rows = append(rows, map[string]any{
			"messageid": m.id, "phone": m.to, "countryCode": m.country, "show_phone": m.caller,
			"result": "Successful connection", "second": 10, "cycle": 60, "size": 1, "customer_price": 0.036,
			"voice_type": 1, "time": m.at.Format(time.DateTime), "start_time": m.at.Format(time.DateTime),
			"end_time": m.at.Add(10 * time.Second).Format(time.DateTime),
		})
	}
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "page_size", 10), 1)
	from, to := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(map[string]any{"info": map[string]any{"total": len(rows), "page": page, "pageSize": size, "rows": rows[from:to]}})
}

// flashCallNumber is the number the mock's flash calls come from; its
// last four digits are the token.
const flashCallNumber = "2150928922"

func flashCallSend(s *Server, c *call) reply {
	m := &sent{id: newID(), to: c.str("msisdn"), caller: flashCallNumber, at: s.cfg.Now()}
	s.channels().add("flashcall", m)
	return ok(map[string]any{"requestId": m.id, "token": flashCallNumber[len(flashCallNumber)-4:]})
}

func flashCallRecord(m sent) map[string]any {
	at := m.at.Format(time.DateTime)
	return map[string]any{
		"requestId": m.id, "msisdn": m.to, "callingNumber": m.caller, "token": m.caller[len(m.caller)-4:],
		"gmtCreate": at, "callStartAt": at, "callStatus": 0,
	}
}

func flashCallGetRecord(s *Server, c *call) reply {
	m, found := s.channels().get("flashcall", c.str("requestId"))
	if !found {
		return ok(namedExample(c.op, "unknownId")) // the page: cdr null, code 0
	}
	return ok(map[string]any{"cdr": flashCallRecord(m)})
}

func flashCallListRecords(s *Server, c *call) reply {
	start, err1 := time.Parse(time.DateTime, c.str("start"))
	end, err2 := time.Parse(time.DateTime, c.str("end"))
	cdrs := []any{}
	for _, m := range s.channels().list("flashcall") {
		at := m.at.Truncate(time.Second)
		if err1 == nil && err2 == nil && (at.Before(start) || at.After(end)) {
			continue
		}
		cdrs = append(cdrs, flashCallRecord(m))
	}
	return ok(map[string]any{"cdrs": cdrs[:min(len(cdrs), 100)]}) // at most 100, as the page says
}

func flashCallReportConversion(s *Server, c *call) reply {
	return s.conversion(c, "flashcall", c.str("requestId"), nil)
}

// SendEmailReceipt delivers the receipt of an e-mail the mock sent
// (DELIVRD) to target, as NXCloud pushes it (the e-mail spec's
// ReceiptCallback), and returns an error unless the receiver took it.
func (s *Server) SendEmailReceipt(ctx context.Context, target, messageID string) error {
	m, found := s.channels().get("email", messageID)
	if !found {
		return fmt.Errorf("mock: no e-mail %q was sent", messageID)
	}
	return s.SendCallback(ctx, target, "nxcloud/email", "ReceiptCallback", map[string]any{
		"messageId": m.id, "sender": m.from, "receiver": []any{m.to}, "price": strconv.FormatFloat(emailPrice, 'f', 3, 64),
		"result": "DELIVRD", "sendTime": m.at.Format(time.DateTime),
	})
}

// SendVoiceReceipt delivers the receipt of a call the mock made (answered,
// 10 s) to target, as NXCloud pushes it (the voice spec's
// ReceiptCallback), and returns an error unless the receiver took it.
func (s *Server) SendVoiceReceipt(ctx context.Context, target, messageID string) error {
	m, found := s.channels().get("voice", messageID)
	if !found {
		return fmt.Errorf("mock: no voice call %q was made", messageID)
	}
	return s.SendCallback(ctx, target, "nxcloud/voice", "ReceiptCallback", map[string]any{
		"phone": m.to, "countryCode": m.country, "duration": "10", "voice_type": "1", "messageid": m.id,
		"second": 10, "cycle": 60, "size": "1", "customer_price": "0.036",
		"start_time": m.at.Format(time.DateTime), "end_time": m.at.Add(10 * time.Second).Format(time.DateTime),
		"result": "Successful connection", "hangup_cause": "NORMAL_CLEARING", "hangup_disposition": "send_bye",
	})
}

// sentFamilies maps the specs whose sends channelState keeps to their
// channel there.
var sentFamilies = map[string]string{"nxcloud/email": "email", "nxcloud/voice": "voice", "nxcloud/flashcall": "flashcall"}

// AddMessage registers a message (a call, for voice and flash call) as if
// the mock had sent it now, under the ID a test or an example already
// holds, so that its record queries find it and its conversion is taken
// once. spec is "nxcloud/sms", "nxcloud/email", "nxcloud/voice" or
// "nxcloud/flashcall"; another is an error wrapping ErrConfig.
func (s *Server) AddMessage(spec, id string) error {
	if spec == "nxcloud/sms" {
		st := s.sms()
		st.mu.Lock()
		defer st.mu.Unlock()
		st.messages[id] = &smsRecord{id: id, phone: "8615088888888", sent: s.cfg.Now()}
		return nil
	}
	channel, ok := sentFamilies[spec]
	if !ok {
		return fmt.Errorf("%w: the mock keeps no messages of %q", ErrConfig, spec)
	}
	s.channels().add(channel, &sent{id: id, to: "8615088888888", caller: flashCallNumber, at: s.cfg.Now()})
	return nil
}
