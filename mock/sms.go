package mock

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// smsHandlers are the SMS product's stateful operations: a send (the form
// one or the signed v2) keeps one record per recipient, which getRecord and
// listRecords return, getReport counts, and a delivery receipt
// (SendSMSReceipt) reports; a conversion is accepted once per message.
var smsHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/sms send":             smsSend,
	"nxcloud/sms-v2 send":          smsV2Send,
	"nxcloud/sms getReport":        smsGetReport,
	"nxcloud/sms getRecord":        smsGetRecord,
	"nxcloud/sms reportConversion": smsReportConversion,
	"nxcloud/sms listRecords":      smsListRecords,
}

// smsRecord is one sent message.
type smsRecord struct {
	id, phone, content, ext string
	sent                    time.Time
	converted               bool
}

// smsState is the SMS messages the mock has sent.
type smsState struct {
	mu       sync.Mutex
	messages map[string]*smsRecord
}

func (s *Server) sms() *smsState {
	s.smsOnce.Do(func() { s.smsMessages = &smsState{messages: map[string]*smsRecord{}} })
	return s.smsMessages
}

func smsSend(s *Server, c *call) reply { return s.sendSMS(c) }

// smsV2Send is the signed send: the same messages as smsSend's, so the SMS
// record queries and the statement see them too.
func smsV2Send(s *Server, c *call) reply { return s.sendSMS(c) }

// sendSMS records a send of either spec; both name their fields phone,
// content and ext, and mark their receipt address (x-callback-url).
func (s *Server) sendSMS(c *call) reply {
	st := s.sms()
	st.mu.Lock()
	defer st.mu.Unlock()
	var first string
	phones := strings.Split(c.str("phone"), ",")
	for _, phone := range phones {
		id := newID()
		if first == "" {
			first = id
		}
		st.messages[id] = &smsRecord{id: id, phone: strings.TrimSpace(phone), content: c.str("content"), ext: c.str("ext"), sent: s.cfg.Now()}
	}
	// The receipt goes to the request's own address only for one
	// recipient: the page says it is ignored for several.
	if target := c.callbackURL(); target != "" && len(phones) == 1 {
		s.autoCallback(target, func(ctx context.Context, target string) error { return s.SendSMSReceipt(ctx, target, first) })
	}
	return ok(map[string]any{"result": "Request succeeded", "messageid": first})
}

// smsPrice is what the mock charges for one billed part, in US dollars.
const smsPrice = 0.009

// smsGetReport totals the messages the mock sent from start_date to
// end_date, both days included: each one submitted, delivered and billed
// one part (the mock delivers every message, as its receipts say).
func smsGetReport(s *Server, c *call) reply {
	from, err1 := time.Parse(time.DateOnly, c.str("start_date"))
	to, err2 := time.Parse(time.DateOnly, c.str("end_date"))
	n := 0
	if err1 == nil && err2 == nil {
		st := s.sms()
		st.mu.Lock()
		for _, m := range st.messages {
			day, _ := time.Parse(time.DateOnly, m.sent.Format(time.DateOnly)) // the day in the mock's clock
			if !day.Before(from) && !day.After(to) {
				n++
			}
		}
		st.mu.Unlock()
	}
	return ok(map[string]any{"row": []any{map[string]any{
		"total_fee": math.Round(float64(n)*smsPrice*1e4) / 1e4, "submit_size": n, "success_size": n, "price_size": n,
	}}})
}

func smsGetRecord(s *Server, c *call) reply {
	st := s.sms()
	st.mu.Lock()
	m, found := st.messages[c.str("messageid")]
	found = found && m.sent.Format("20060102") == c.str("date") // sent on the day asked
	st.mu.Unlock()
	if !found {
		// A message the mock did not send: success without a row (the
		// spec's unknownId example), never another message's record.
		return ok(namedExample(c.op, "unknownId"))
	}
	return ok(map[string]any{"row": smsRow(m)})
}

// smsListRecords returns a page of the messages sent on the day asked,
// oldest first unless sort_type is "1"; a day the mock sent nothing on
// has an empty page.
func smsListRecords(s *Server, c *call) reply {
	st := s.sms()
	st.mu.Lock()
	var day []*smsRecord
	for _, m := range st.messages {
		if m.sent.Format("20060102") == c.str("date") {
			day = append(day, m)
		}
	}
	st.mu.Unlock()
	slices.SortFunc(day, func(a, b *smsRecord) int {
		if c.str("sort_type") == "1" {
			a, b = b, a
		}
		return cmp.Or(a.sent.Compare(b.sent), strings.Compare(a.id, b.id))
	})
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "page_size", 100), 1)
	from, to := min((page-1)*size, len(day)), min(page*size, len(day))
	rows := make([]any, 0, to-from)
	for _, m := range day[from:to] {
		rows = append(rows, smsRow(m))
	}
	return ok(map[string]any{"info": map[string]any{"page": page, "pageSize": size, "total": len(day), "rows": rows}})
}

// smsRow is a sent message as the record queries return it.
func smsRow(m *smsRecord) map[string]any {
	return map[string]any{
		"msgid": m.id, "phone": m.phone, "body": m.content, "dr_status": "Successful",
		"billing_size": 1, "billing_price": smsPrice, "billing_status": "Yes", "dr": "DELIVRD", "date": m.sent.Format(time.DateTime),
	}
}

func smsReportConversion(s *Server, c *call) reply {
	st := s.sms()
	st.mu.Lock()
	defer st.mu.Unlock()
	m, found := st.messages[c.str("messageid")]
	switch {
	case !found:
		return unknownMessage(c.op)
	case m.converted:
		return convertedAgain(c.op)
	}
	m.converted = true
	return ok(nil)
}

// SendSMSReceipt delivers the delivery receipt of a message the mock sent
// (status "2", DELIVRD) to target, as NXCloud pushes it (the SMS spec's
// DeliveryReceiptCallback), and returns an error unless the receiver
// answered "success".
func (s *Server) SendSMSReceipt(ctx context.Context, target, messageID string) error {
	st := s.sms()
	st.mu.Lock()
	m, found := st.messages[messageID]
	st.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no SMS message %q was sent", messageID)
	}
	now := s.cfg.Now()
	fields := map[string]any{
		"phone": m.phone, "status": "2", "result": "DELIVRD", "messageid": m.id,
		"drtime": now.Format(time.DateTime), "sendtime": m.sent.Format(time.DateTime),
		"currency": "USD", "price": strconv.FormatFloat(smsPrice, 'f', 4, 64), "rate": "1", "size": "1",
	}
	if m.ext != "" {
		fields["ext"] = m.ext
	}
	return s.SendCallback(ctx, target, "nxcloud/sms", "DeliveryReceiptCallback", fields)
}
