package mock

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The mock's WhatsApp messaging operations (specs/nxcloud/whatsapp.yaml)
// keep this state, per NXCloud account (the request's accessKey) and
// business number (business_phone):
//
//   - createTemplate stores a template under a new numeric ID
//     (WhatsAppFirstTemplateID, then counting up across the server). The
//     mock plays Meta's review as instant: a new template is APPROVED,
//     with rejected_reason NONE and quality score UNKNOWN. A second
//     template of the same name and language fails with 9001.
//   - listTemplates lists the number's templates in creation order (only
//     those of `name` when it is given), `limit` at a time (20 by
//     default). A page's cursors are its first and last templates:
//     `after` gives the templates after the one it names, `before` those
//     before; a cursor whose template is gone fails with 9000.
//     paging.next and paging.previous are set when there is such a page.
//   - updateTemplate replaces the category and the components of a
//     template the mock created; its ID, name, language and status stay.
//   - deleteTemplate deletes every language of a name; the name is then
//     gone: another delete of it fails with -1, and so does a template
//     message that names it (9099 with Meta's error 132001, see below).
//   - sendMessage answers a new message ID ("wamid." and random text) and
//     records the message, for SendWhatsAppStatus. A template message
//     whose template the mock deleted, or whose name it knows in other
//     languages only, fails with 9099 and Meta's error 132001 in
//     data.error, as Meta refuses an unknown template.
//   - uploadMedia stores the file under a new media ID (a random UUID)
//     for the business number; a file over the page's limit for its type
//     (image 5 MB, audio and video 16 MB, document 100 MB, sticker
//     100 KB) fails with 9000. getMedia then answers its media type, its
//     file name and a download address on the mock's own host;
//     deleteMedia deletes it; getMedia and deleteMedia of a medium the
//     mock deleted fail with -1.
//   - uploadTemplateFile answers a new upload handle ("4:" and random
//     text), as Meta's resumable upload does.
//
// The two uploads wait in specs/testdata/nxcloud/whatsapp-upload.yaml
// until they can join the spec; until then their handlers are never
// reached, and getMedia knows only the media the mock deleted.
//
// What the mock never saw (a template ID it did not issue, a template
// name or a medium it never heard of) is taken to exist on the account:
// those calls get the spec's success example, so that every operation
// can be tried straight from its example.
const (
	// WhatsAppFirstTemplateID is the ID of the first template the mock
	// creates.
	WhatsAppFirstTemplateID = 9001230001
	// WhatsAppTemplatePageSize is listTemplates' page size when `limit`
	// is left out, as documented.
	WhatsAppTemplatePageSize = 20
)

var whatsappMsgHandlers = map[string]func(*Server, *call) reply{
	"nxcloud/whatsapp sendMessage":        waMsgSend,
	"nxcloud/whatsapp createTemplate":     waTemplateCreate,
	"nxcloud/whatsapp listTemplates":      waTemplateList,
	"nxcloud/whatsapp updateTemplate":     waTemplateUpdate,
	"nxcloud/whatsapp deleteTemplate":     waTemplateDelete,
	"nxcloud/whatsapp uploadMedia":        waMediaUpload,
	"nxcloud/whatsapp uploadTemplateFile": waTemplateFileUpload,
	"nxcloud/whatsapp getMedia":           waMediaGet,
	"nxcloud/whatsapp deleteMedia":        waMediaDelete,
}

// waMediaLimits are the page's size limits by media type; a type it does
// not list is a document's.
var waMediaLimits = map[string]int{
	"image/jpeg": 5 << 20, "image/png": 5 << 20,
	"audio/aac": 16 << 20, "audio/mp4": 16 << 20, "audio/mpeg": 16 << 20, "audio/amr": 16 << 20, "audio/ogg": 16 << 20,
	"video/mp4": 16 << 20, "video/3gp": 16 << 20,
	"image/webp": 100 << 10,
}

// waMediaDocumentLimit is a document's limit.
const waMediaDocumentLimit = 100 << 20

// waMedia is a file uploadMedia stored.
type waMedia struct {
	name, mimeType string
}

// waBusiness is a business number of one account.
type waBusiness struct{ account, phone string }

// waTemplate is a template the mock created.
type waTemplate struct {
	id, name, language, category string
	components                   any // as the request gave them
}

// waSent is a message sendMessage accepted.
type waSent struct {
	business waBusiness
	to       string
}

type waMsgState struct {
	mu             sync.Mutex
	templates      map[waBusiness][]*waTemplate   // in creation order
	deletedNames   map[waBusiness]map[string]bool // template names deleteTemplate removed
	issued         map[string]bool                // every template ID the mock issued
	nextTemplateID int64
	media          map[waBusiness]map[string]*waMedia // uploaded, by media ID
	deletedMedia   map[waBusiness]map[string]bool
	sent           map[string]*waSent // by message ID
}

func (s *Server) waMsg() *waMsgState {
	return stateOf(s, "whatsappmsg", func() *waMsgState {
		return &waMsgState{
			templates:      map[waBusiness][]*waTemplate{},
			deletedNames:   map[waBusiness]map[string]bool{},
			issued:         map[string]bool{},
			nextTemplateID: WhatsAppFirstTemplateID,
			media:          map[waBusiness]map[string]*waMedia{},
			deletedMedia:   map[waBusiness]map[string]bool{},
			sent:           map[string]*waSent{},
		}
	})
}

// waRandomID is n random bytes as URL-safe base64, the alphabet of
// WhatsApp's message IDs.
func waRandomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func business(c *call) waBusiness { return waBusiness{account(c), c.str("business_phone")} }

// mark adds key to the set of b in sets. st.mu must be held.
func mark(sets map[waBusiness]map[string]bool, b waBusiness, key string) {
	if sets[b] == nil {
		sets[b] = map[string]bool{}
	}
	sets[b][key] = true
}

// metaTemplateMissing is Meta's error for a template message whose
// template (in that language) does not exist.
func metaTemplateMissing(name, language string) map[string]any {
	return map[string]any{"error": map[string]any{
		"code":       132001,
		"message":    "(#132001) Template name does not exist in the translation",
		"type":       "OAuthException",
		"fbtrace_id": newID()[:23],
		"error_data": map[string]any{
			"messaging_product": "whatsapp",
			"details":           fmt.Sprintf("template name (%s) does not exist in %s", clipText(name, 64), clipText(language, 16)),
		},
	}}
}

func waMsgSend(s *Server, c *call) reply {
	b := business(c)
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.str("type") == "template" {
		tmpl, _ := c.body["template"].(map[string]any)
		name, _ := tmpl["name"].(string)
		lang, _ := tmpl["language"].(map[string]any)
		code, _ := lang["code"].(string)
		known, inLanguage := false, false
		for _, t := range st.templates[b] {
			if t.name == name {
				known = true
				inLanguage = inLanguage || t.language == code
			}
		}
		if (known && !inLanguage) || (!known && st.deletedNames[b][name]) {
			rp := reject(c.op, http.StatusOK, "WhatsAppError", "WhatsApp error")
			if rp.rej != nil && rp.rej.status == http.StatusOK {
				rp.rej.data = metaTemplateMissing(name, code)
			}
			return rp
		}
	}
	id := "wamid." + waRandomID(30)
	st.sent[id] = &waSent{business: b, to: c.str("to")}
	return ok(map[string]any{
		"messaging_product": "whatsapp",
		"messages":          []any{map[string]any{"id": id}},
	})
}

func waTemplateCreate(s *Server, c *call) reply {
	b := business(c)
	name, lang := c.str("name"), c.str("language")
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, t := range st.templates[b] {
		if t.name == name && t.language == lang {
			return reject(c.op, http.StatusOK, "BusinessError", fmt.Sprintf("a template %s in %s already exists", clipText(name, 64), clipText(lang, 16)))
		}
	}
	t := &waTemplate{id: strconv.FormatInt(st.nextTemplateID, 10), name: name, language: lang, category: c.str("category"), components: c.body["components"]}
	st.nextTemplateID++
	st.issued[t.id] = true
	st.templates[b] = append(st.templates[b], t)
	delete(st.deletedNames[b], name)
	return ok(map[string]any{"id": t.id})
}

func (t *waTemplate) info() map[string]any {
	return map[string]any{
		"id": t.id, "name": t.name, "language": t.language, "category": t.category,
		"status": "APPROVED", "rejected_reason": "NONE",
		"quality_score": map[string]any{"score": "UNKNOWN"},
		"components":    t.components,
	}
}

// templateCursor names a template in listTemplates' paging.
func templateCursor(t *waTemplate) string {
	return base64.RawURLEncoding.EncodeToString([]byte("template:" + t.id))
}

func waTemplateList(s *Server, c *call) reply {
	b := business(c)
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	var list []*waTemplate
	for _, t := range st.templates[b] {
		if name := c.str("name"); name == "" || t.name == name {
			list = append(list, t)
		}
	}
	find := func(cursor string) (int, bool) {
		for i, t := range list {
			if templateCursor(t) == cursor {
				return i, true
			}
		}
		return 0, false
	}
	size := intField(c, "limit", WhatsAppTemplatePageSize)
	from, to := 0, min(size, len(list))
	switch after, before := c.str("after"), c.str("before"); {
	case after != "":
		i, found := find(after)
		if !found {
			return reject(c.op, http.StatusOK, "InvalidParameter", "parameter exception: after names no template of this number")
		}
		from, to = i+1, min(i+1+size, len(list))
	case before != "":
		i, found := find(before)
		if !found {
			return reject(c.op, http.StatusOK, "InvalidParameter", "parameter exception: before names no template of this number")
		}
		from, to = max(0, i-size), i
	}
	page := make([]any, 0, to-from) // [] and not null when there is none
	for _, t := range list[from:to] {
		page = append(page, t.info())
	}
	paging := map[string]any{}
	if to > from {
		paging["cursors"] = map[string]any{"before": templateCursor(list[from]), "after": templateCursor(list[to-1])}
		const base = "https://graph.facebook.invalid/mock/message_templates?limit="
		if to < len(list) {
			paging["next"] = base + strconv.Itoa(size) + "&after=" + templateCursor(list[to-1])
		}
		if from > 0 {
			paging["previous"] = base + strconv.Itoa(size) + "&before=" + templateCursor(list[from])
		}
	}
	return ok(map[string]any{"data": page, "paging": paging})
}

func waTemplateUpdate(s *Server, c *call) reply {
	b := business(c)
	id := c.str("template_id")
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, t := range st.templates[b] {
		if t.id == id {
			t.category, t.components = c.str("category"), c.body["components"]
			return ok(map[string]any{"id": t.id})
		}
	}
	if st.issued[id] {
		return reject(c.op, http.StatusOK, "RequestFailed", "the template does not exist for this business number")
	}
	return exampleReply(c.op) // a template the mock did not create: the spec's example
}

func waTemplateDelete(s *Server, c *call) reply {
	b := business(c)
	name := c.str("name")
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	kept := st.templates[b][:0:0]
	deleted := false
	for _, t := range st.templates[b] {
		if t.name == name {
			deleted = true
			continue
		}
		kept = append(kept, t)
	}
	switch {
	case deleted:
		st.templates[b] = kept
	case st.deletedNames[b][name]:
		return reject(c.op, http.StatusOK, "RequestFailed", "no template of this name exists")
	}
	mark(st.deletedNames, b, name)
	return ok(map[string]any{"success": true})
}

func waMediaUpload(s *Server, c *call) reply {
	b, typ := business(c), c.str("type")
	f := c.files["file"]
	limit, listed := waMediaLimits[typ]
	if !listed {
		limit = waMediaDocumentLimit
	}
	if f.size > limit {
		return reject(c.op, http.StatusOK, "InvalidParameter", fmt.Sprintf("parameter exception: a %s file may have at most %d bytes", clipText(typ, 80), limit))
	}
	id := newUUID()
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.media[b] == nil {
		st.media[b] = map[string]*waMedia{}
	}
	st.media[b][id] = &waMedia{name: f.name, mimeType: typ}
	return ok(map[string]any{"id": id})
}

func waTemplateFileUpload(*Server, *call) reply {
	return ok(map[string]any{"id": "4:" + waRandomID(18)})
}

func waMediaGet(s *Server, c *call) reply {
	b, id := business(c), c.str("Media-ID")
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	if m := st.media[b][id]; m != nil {
		return ok(map[string]any{
			"mime_type": m.mimeType, "file_name": m.name,
			"url": "https://media.mock.invalid/" + id + "?Expires=" + strconv.FormatInt(s.cfg.Now().Add(5*time.Minute).Unix(), 10),
		})
	}
	if st.deletedMedia[b][id] {
		return reject(c.op, http.StatusOK, "RequestFailed", "the media file does not exist")
	}
	return exampleReply(c.op)
}

// newUUID returns a random (version 4) UUID, the shape of NXCloud's media IDs.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails on supported platforms
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

func waMediaDelete(s *Server, c *call) reply {
	b, id := business(c), c.str("Media-ID")
	st := s.waMsg()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.deletedMedia[b][id] {
		return reject(c.op, http.StatusOK, "RequestFailed", "the media file does not exist")
	}
	delete(st.media[b], id)
	mark(st.deletedMedia, b, id)
	return ok(map[string]any{"success": true})
}

// SendWhatsAppStatus pushes a status change (sent, delivered, read,
// failed, deleted, …) of a message the mock's sendMessage accepted to
// target, as NXCloud's webhook does (the whatsapp spec's WebhookCallback,
// JSON): its ID, recipient and business number, the mock's clock as the
// timestamp, for `sent` the conversation and its cost, for `failed`
// Meta's error 131047 (outside the 24-hour window). It returns an error
// unless the receiver acknowledged it.
func (s *Server) SendWhatsAppStatus(ctx context.Context, target, messageID, status string) error {
	st := s.waMsg()
	st.mu.Lock()
	m, found := st.sent[messageID]
	var sent waSent
	if found {
		sent = *m
	}
	st.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no WhatsApp message %q was sent", messageID)
	}
	now := s.cfg.Now()
	row := map[string]any{
		"id": messageID, "status": status,
		"timestamp": strconv.FormatInt(now.Unix(), 10), "recipient_id": sent.to,
	}
	switch status {
	case "sent":
		row["conversation"] = map[string]any{
			"id":                   newID(),
			"expiration_timestamp": strconv.FormatInt(now.Add(24*time.Hour).Unix(), 10),
			"origin":               map[string]any{"type": "utility"},
		}
		row["costs"] = []any{map[string]any{
			"currency": "USD", "price": 0.1381, "foreign_price": 0.02,
			"cdr_type": 5, "message_id": messageID, "direction": 1,
		}}
	case "failed":
		row["errors"] = []any{map[string]any{
			"code":  131047,
			"title": "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
		}}
	}
	return s.SendCallback(ctx, target, "nxcloud/whatsapp", "WebhookCallback", map[string]any{
		"statuses":          []any{row},
		"business_phone":    sent.business.phone,
		"messaging_product": "whatsapp",
	})
}

// SendWhatsAppText pushes a text message that the WhatsApp user from
// (named name) sends to the business number businessPhone, as NXCloud's
// webhook does (WebhookCallback: contacts and messages), naming the
// business number both ways the page does (business_phone and
// merchant_phone). It returns the inbound message's ID, and an error
// unless the receiver acknowledged it.
func (s *Server) SendWhatsAppText(ctx context.Context, target, businessPhone, from, name, body string) (string, error) {
	id := "ABGH" + waRandomID(26)
	err := s.SendCallback(ctx, target, "nxcloud/whatsapp", "WebhookCallback", map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": from}},
		"messages": []any{map[string]any{
			"from": from, "id": id, "type": "text",
			"timestamp": strconv.FormatInt(s.cfg.Now().Unix(), 10),
			"text":      map[string]any{"body": body},
			"cost": map[string]any{
				"currency": "USD", "price": 0, "foreign_price": 0,
				"cdr_type": 7, "message_id": id, "direction": 2,
			},
		}},
		"business_phone":    businessPhone,
		"merchant_phone":    businessPhone,
		"messaging_product": "whatsapp",
	})
	return id, err
}
