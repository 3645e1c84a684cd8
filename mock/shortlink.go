package mock

import (
	"sync"
)

// shortLinkHandlers: generate makes a new short link for a long address,
// which list then returns with every other link made for that address,
// oldest first. An address the mock made no link for lists none.
var shortLinkHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/shortlink generate": shortLinkGenerate,
	"nxcloud/shortlink list":     shortLinkList,
}

// shortLinkHost is where the mock's short links point.
const shortLinkHost = "https://nxc.li/"

// shortLinkState is the short links the mock made, by long address.
type shortLinkState struct {
	mu    sync.Mutex
	byURL map[string][]string
}

func (s *Server) shortLinks() *shortLinkState {
	return stateOf(s, "shortlink", func() *shortLinkState {
		return &shortLinkState{byURL: map[string][]string{}}
	})
}

func shortLinkGenerate(s *Server, c *call) reply {
	st := s.shortLinks()
	link := shortLinkHost + newID()[:8]
	st.mu.Lock()
	defer st.mu.Unlock()
	st.byURL[c.str("url")] = append(st.byURL[c.str("url")], link)
	return ok(map[string]any{"info": link})
}

func shortLinkList(s *Server, c *call) reply {
	st := s.shortLinks()
	st.mu.Lock()
	defer st.mu.Unlock()
	rows := []any{}
	for _, link := range st.byURL[c.str("url")] {
		rows = append(rows, map[string]any{"short_link": link})
	}
	return ok(map[string]any{"row": rows})
}
