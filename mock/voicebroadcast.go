package mock

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// voiceBroadcastHandlers are the voice product's group and notification
// calls and its audio files: uploadFile stores a file, which listFiles
// returns (newest first, as NXCloud's example lists them);
// sendNotification makes a call that the verification calls' record
// query and receipt (SendVoiceReceipt) know; sendBroadcast makes a group
// call whose receipts SendVoiceGroupReceipt pushes, one per number.
var voiceBroadcastHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/voice uploadFile":       voiceUploadFile,
	"nxcloud/voice listFiles":        voiceListFiles,
	"nxcloud/voice sendBroadcast":    voiceSendBroadcast,
	"nxcloud/voice sendNotification": voiceSendNotification,
}

// voiceFileHost is where the mock's stored audio files are.
const voiceFileHost = "https://files.mock.nxcloud.invalid/voice_group/"

type voiceFile struct {
	name, url string
	at        time.Time
}

// groupCall is one sendBroadcast: the numbers it called and what it played.
type groupCall struct {
	id, country, caller, audio string
	phones                     []string
	at                         time.Time
}

type voiceBroadcastState struct {
	mu     sync.Mutex
	files  []voiceFile // in upload order
	groups map[string]*groupCall
}

func (s *Server) voiceBroadcasts() *voiceBroadcastState {
	return stateOf(s, "voicebroadcast", func() *voiceBroadcastState {
		return &voiceBroadcastState{groups: map[string]*groupCall{}}
	})
}

func voiceUploadFile(s *Server, c *call) reply {
	st := s.voiceBroadcasts()
	f := voiceFile{name: c.str("filename"), at: s.cfg.Now()}
	ext := ""
	if i := strings.LastIndexByte(f.name, '.'); i >= 0 && !strings.ContainsAny(f.name[i:], "/?#") {
		ext = f.name[i:]
	}
	f.url = voiceFileHost + newID() + ext
	st.mu.Lock()
	st.files = append(st.files, f)
	st.mu.Unlock()
	return ok(map[string]any{"info": f.url})
}

// voiceListFiles returns a page of the stored files that match the
// query: named like queryName, stored within [startTime, endTime] (days).
// With no file stored at all, it answers the spec's example.
func voiceListFiles(s *Server, c *call) reply {
	st := s.voiceBroadcasts()
	st.mu.Lock()
	files := slices.Clone(st.files)
	st.mu.Unlock()
	if len(files) == 0 {
		return exampleReply(c.op)
	}
	slices.Reverse(files) // newest first
	from, to := c.str("startTime"), c.str("endTime")
	rows := []any{}
	for _, f := range files {
		day := f.at.Format(time.DateOnly)
		if (from != "" && day < from) || (to != "" && day > to) {
			continue
		}
		if q := c.str("queryName"); q != "" && !strings.Contains(f.name, q) {
			continue
		}
		rows = append(rows, map[string]any{"gmt_create": f.at.Format(time.DateTime), "file_name": f.name, "url": f.url})
	}
	page, size := max(intField(c, "page", 1), 1), max(intField(c, "page_size", 10), 1)
	lo, hi := min((page-1)*size, len(rows)), min(page*size, len(rows))
	return ok(map[string]any{"info": map[string]any{"total": len(rows), "page": page, "pageSize": size, "rows": rows[lo:hi]}})
}

func voiceSendBroadcast(s *Server, c *call) reply {
	g := &groupCall{id: newID(), country: c.str("country_code"), caller: c.str("show_phone"), audio: c.str("url"), at: s.cfg.Now()}
	for _, p := range strings.Split(c.str("phone"), ",") {
		g.phones = append(g.phones, strings.TrimSpace(p))
	}
	st := s.voiceBroadcasts()
	st.mu.Lock()
	st.groups[g.id] = g
	st.mu.Unlock()
	return ok(map[string]any{"result": "Request succeeded", "messageid": g.id})
}

// voiceSendNotification makes a notification call the verification
// calls' state keeps (listRecords with voiceType "1", SendVoiceReceipt),
// under its first number.
func voiceSendNotification(s *Server, c *call) reply {
	first, _, _ := strings.Cut(c.str("phone"), ",")
	m := &sent{id: newID(), to: strings.TrimSpace(first), country: c.str("country_code"), caller: c.str("show_phone"), at: s.cfg.Now()}
	s.channels().add("voice", m)
	return ok(map[string]any{"result": "Request succeeded", "messageid": m.id})
}

// SendVoiceGroupReceipt delivers the receipts of a group call the mock
// made (sendBroadcast) to target, one per number called (answered, 10 s,
// key 1 pressed), as NXCloud pushes them (the voice spec's ReceiptCallback
// with voice_type "0"), and returns an error unless the receiver took
// each.
func (s *Server) SendVoiceGroupReceipt(ctx context.Context, target, messageID string) error {
	st := s.voiceBroadcasts()
	st.mu.Lock()
	g, found := st.groups[messageID]
	st.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no voice group call %q was made", messageID)
	}
	for _, phone := range g.phones {
		err := s.SendCallback(ctx, target, "nxcloud/voice", "ReceiptCallback", map[string]any{
			"phone": phone, "countryCode": g.country, "duration": "10", "voice_type": "0", "messageid": g.id,
			"basic_price": "0.005", "second": 10, "cycle": 60, "size": "1", "customer_price": "0.036",
			"start_time": g.at.Format(time.DateTime), "end_time": g.at.Add(10 * time.Second).Format(time.DateTime),
			"result": "Successful connection", "hangup_cause": "NORMAL_CLEARING", "hangup_disposition": "recv_bye",
			"ivr_result": "1",
		})
		if err != nil {
			return err
		}
	}
	return nil
}
