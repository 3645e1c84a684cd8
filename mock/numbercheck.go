package mock

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// numberCheckHandlers: a check keeps one result per number, which
// listRecords returns a page at a time (by messageId or batchNo), and
// SendNumberCheckResult pushes as the result callback.
var numberCheckHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/numbercheck check":       numberCheck,
	"nxcloud/numbercheck listRecords": numberCheckList,
}

// numberResult is one checked number.
type numberResult struct {
	messageID, batchNo, phone string
	level                     int
}

type numberCheckState struct {
	mu      sync.Mutex
	results []*numberResult // in submission order
}

func (s *Server) numberChecks() *numberCheckState {
	s.numberOnce.Do(func() { s.numberState = &numberCheckState{} })
	return s.numberState
}

func numberCheck(s *Server, c *call) reply {
	st := s.numberChecks()
	st.mu.Lock()
	defer st.mu.Unlock()
	id, batch := newID(), c.str("batchNo")
	if batch == "" {
		batch = newID()[:12]
	}
	level := 1
	if l, ok := c.body["checkLevel"].(float64); ok {
		level = int(l)
	}
	for _, phone := range strings.Split(c.str("phone"), ",") {
		st.results = append(st.results, &numberResult{messageID: id, batchNo: batch, phone: strings.TrimSpace(phone), level: level})
	}
	if target := c.callbackURL(); target != "" { // the results go to the request's own address
		s.autoCallback(target, func(ctx context.Context, target string) error { return s.SendNumberCheckResult(ctx, target, id) })
	}
	return ok(map[string]any{"messageId": id, "batchNo": batch})
}

func numberCheckList(s *Server, c *call) reply {
	st := s.numberChecks()
	st.mu.Lock()
	defer st.mu.Unlock()
	rows := []map[string]any{}
	for _, r := range st.results {
		if (c.str("messageId") != "" && r.messageID != c.str("messageId")) || (c.str("batchNo") != "" && r.batchNo != c.str("batchNo")) {
			continue
		}
		rows = append(rows, map[string]any{"messageId": r.messageID, "batchNo": r.batchNo, "phone": r.phone, "checkLevel": r.level})
	}
	page, size := intField(c, "page", 1), intField(c, "pageSize", 10)
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 10
	}
	pages := (len(rows) + size - 1) / size
	from, to := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(map[string]any{
		"page": page, "pageSize": size, "totalPage": pages, "totalSize": len(rows),
		"result": append([]map[string]any{}, rows[from:to]...),
	})
}

func intField(c *call, name string, def int) int {
	if v, ok := c.body[name].(float64); ok {
		return int(v)
	}
	return def
}

// SendNumberCheckResult pushes the result of every number of a check the
// mock ran (by its messageId) to target, as NXCloud's result callback (the
// number-check spec's NumberCheckCallback), one POST per number. It
// returns an error unless the receiver acknowledged each.
func (s *Server) SendNumberCheckResult(ctx context.Context, target, messageID string) error {
	st := s.numberChecks()
	st.mu.Lock()
	var rs []numberResult
	for _, r := range st.results {
		if r.messageID == messageID {
			rs = append(rs, *r)
		}
	}
	st.mu.Unlock()
	if len(rs) == 0 {
		return fmt.Errorf("mock: no number check %q was submitted", messageID)
	}
	for _, r := range rs {
		fields := map[string]any{"messageId": r.messageID, "code": 0, "msg": "success", "batchNo": r.batchNo, "phone": r.phone}
		if err := s.SendCallback(ctx, target, "nxcloud/numbercheck", "NumberCheckCallback", fields); err != nil {
			return err
		}
	}
	return nil
}
