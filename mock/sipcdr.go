package mock

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sipCDRHandlers are the SIP call-record reads. NXPhone calls are made on
// SIP phones, not through the API, so a test adds them (AddSIPCall):
// listRecords then pages through those of a period, listByOrderId returns
// those of the orders asked for, and SendSIPCDR pushes one as the CDR
// callback. With no call added, both reads answer the spec's example.
var sipCDRHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/sipcdr listRecords":   sipListRecords,
	"nxcloud/sipcdr listByOrderId": sipListByOrderID,
}

// SIPCall is one call on an NXPhone SIP phone, as AddSIPCall records it.
type SIPCall struct {
	OrderID     string // the caller's own order ID
	Username    string // the phone's username
	MobileName  string // the phone's nickname
	Phone       string // the number called, as dialled
	CountryCode string // its country calling code
	ShowPhone   string // the number shown as the caller
	Incoming    bool   // a call the phone took rather than made
	Start       time.Time
	Answer      time.Time // zero: the call was not answered
	End         time.Time
	RecordURL   string // "": not recorded
	HangupCause string // "": NORMAL_CLEARING
}

type sipCall struct {
	SIPCall
	id, sipID int64
	session   string
}

type sipCDRState struct {
	mu    sync.Mutex
	calls []*sipCall // in the order added
	next  int64
}

func (s *Server) sipCDRs() *sipCDRState {
	return stateOf(s, "sipcdr", func() *sipCDRState { return &sipCDRState{next: 636597} })
}

// AddSIPCall records a call for the SIP CDR reads and push, and returns
// the record's ID (the id of its rows).
func (s *Server) AddSIPCall(c SIPCall) int64 {
	if c.HangupCause == "" {
		c.HangupCause = "NORMAL_CLEARING"
	}
	if c.End.IsZero() {
		c.End = c.Start
	}
	st := s.sipCDRs()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.next++
	sc := &sipCall{SIPCall: c, id: st.next, sipID: 1055000 + int64(len(st.calls)), session: newID()}
	st.calls = append(st.calls, sc)
	return sc.id
}

func (st *sipCDRState) list() []*sipCall {
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.calls)
}

func (c *sipCall) direction() string {
	if c.Incoming {
		return "0"
	}
	return "1"
}

func (c *sipCall) duration() int {
	if c.Answer.IsZero() || c.End.Before(c.Answer) {
		return 0
	}
	return int(c.End.Sub(c.Answer) / time.Second)
}

// row is the call as the reads return it; mobile_name only in listRecords'.
func (c *sipCall) row(withName bool) map[string]any {
	answer := c.Answer
	if answer.IsZero() {
		answer = c.Start
	}
	r := map[string]any{
		"id": c.id, "sipid": c.sipID, "username": c.Username, "orderid": c.OrderID,
		"phone": c.Phone, "country_code": c.CountryCode, "effective_called_number": c.CountryCode + c.Phone,
		"show_phone": c.ShowPhone, "direction": c.direction(), "duration": c.duration(),
		"start_time": c.Start.Format(time.DateTime), "answer_time": answer.Format(time.DateTime),
		"end_time": c.End.Format(time.DateTime), "record_url": nil, "hangup_cause": c.HangupCause,
	}
	if c.RecordURL != "" {
		r["record_url"] = c.RecordURL
	}
	if withName {
		r["mobile_name"] = c.MobileName
	}
	return r
}

// sipListRecords pages through the calls that started in the period, of
// one phone or direction if asked. It refuses a period that ends before it
// starts or spans more than 24 hours, as NXCloud does ("time invalid").
func sipListRecords(s *Server, c *call) reply {
	calls := s.sipCDRs().list()
	if len(calls) == 0 {
		return exampleReply(c.op)
	}
	start, err1 := time.Parse(time.DateTime, c.str("start_time"))
	end, err2 := time.Parse(time.DateTime, c.str("end_time"))
	if err1 != nil || err2 != nil || end.Before(start) || end.Sub(start) > 24*time.Hour {
		return reject(c.op, http.StatusOK, "ListRecordsFailed", "time invalid")
	}
	from, to := c.str("start_time"), c.str("end_time")
	rows := []any{}
	for _, sc := range calls {
		at := sc.Start.Format(time.DateTime)
		switch {
		case at < from || at > to:
		case c.str("username") != "" && sc.Username != c.str("username"):
		case c.str("direction") != "" && sc.direction() != c.str("direction"):
		default:
			rows = append(rows, sc.row(true))
		}
	}
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "page_size", 10), 1)
	lo, hi := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(map[string]any{"info": map[string]any{"total": len(rows), "page": page, "pageSize": size, "rows": rows[lo:hi]}})
}

// sipListByOrderID returns the calls of the orders asked for, in the order
// they were added.
func sipListByOrderID(s *Server, c *call) reply {
	calls := s.sipCDRs().list()
	if len(calls) == 0 {
		return exampleReply(c.op)
	}
	want := strings.Split(c.str("orderid"), ",")
	rows := []any{}
	for _, sc := range calls {
		if slices.Contains(want, sc.OrderID) {
			rows = append(rows, sc.row(false))
		}
	}
	return ok(map[string]any{"row": rows})
}

// SendSIPCDR pushes the record of every call added under orderID to target
// as NXCloud's CDR push (the SIP CDR spec's RecordCallback), and returns
// an error unless the receiver took each.
func (s *Server) SendSIPCDR(ctx context.Context, target, orderID string) error {
	var sent int
	for _, sc := range s.sipCDRs().list() {
		if sc.OrderID != orderID {
			continue
		}
		direction, record := 1, 0
		if sc.Incoming {
			direction = 0
		}
		answer := sc.Answer
		if answer.IsZero() {
			answer = sc.Start
		}
		fields := map[string]any{
			"sessionid": sc.session, "username": sc.Username, "mobile_name": sc.MobileName,
			"sipid": strconv.FormatInt(sc.sipID, 10), "orderid": sc.OrderID, "code": sc.CountryCode,
			"phone": sc.Phone, "show_phone": sc.ShowPhone, "duration": sc.duration(), "direction": direction,
			"start_time": unixText(sc.Start), "answer_time": unixText(answer), "end_time": unixText(sc.End),
			"hangup_cause": sc.HangupCause,
		}
		if sc.RecordURL != "" {
			record = 1
			fields["record_url"] = sc.RecordURL
		}
		fields["record"] = record
		if err := s.SendCallback(ctx, target, "nxcloud/sipcdr", "RecordCallback", fields); err != nil {
			return err
		}
		sent++
	}
	if sent == 0 {
		return fmt.Errorf("mock: no SIP call was added under order %q", orderID)
	}
	return nil
}

func unixText(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
