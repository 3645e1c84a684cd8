package mock

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"

	"github.com/verikit/verikit/sign"
)

// The mock's WhatsApp integrator operations (specs/nxcloud/wa-integrator.yaml)
// keep this state, per NXCloud account (the request's accessKey):
//
//   - getCode records that a code was sent to a phone number (by sms or
//     voice). The code is Config.WhatsAppCode; asking again sends it anew.
//   - checkCode succeeds only for a number with a pending code and the right
//     code. A success consumes the code (the same check again fails with
//     -1) and confirms the number. A wrong code fails with -1 and leaves the
//     code pending, so the user may try again; a number without a pending
//     code fails with -1 too.
//   - createClient creates the local client of a number that checkCode
//     confirmed; any other number fails with -1. Creating it again succeeds
//     and changes nothing.
//   - login issues a new random token on every call.
//   - createApp creates an application with the next app_id
//     (WhatsAppFirstAppID, then counting up across the server) and a new
//     random 8-character app_key. An account holds at most WhatsAppMaxApps
//     applications; the next createApp fails with 9009.
//   - phoneList answers 9008 for an appkey that no createApp returned, and
//     9010 for one that another account created. Otherwise it lists the
//     account's confirmed numbers in the order checkCode confirmed them,
//     each once. Nothing in the API ties a number to an application, so
//     every application of an account lists all of the account's numbers.
//     Until createClient ran, a number has register_status 3 (its local
//     client is being created), status PENDING and current_limit ""
//     (not reported); after it, register_status 5 (registered), status
//     CONNECTED and current_limit TIER_250. Every listed number is VERIFIED,
//     has quality_rating UNKNOW (a new number has no rating yet) and
//     display_phone_number "+" followed by the number.
const (
	// WhatsAppMaxApps is NXCloud's documented limit of customer
	// applications per integrator: createApp fails with 9009 beyond it.
	WhatsAppMaxApps = 1000
	// WhatsAppFirstAppID is the app_id of the first application the mock
	// creates, as in NXCloud's example.
	WhatsAppFirstAppID = 1000
)

// waState is the WhatsApp integrator state of one Server, guarded by its
// own lock.
type waState struct {
	mu        sync.Mutex
	codes     map[waPhone]string     // pending codes: the method they were sent by
	numbers   map[string][]*waNumber // confirmed numbers by account, in confirmation order
	apps      map[string]*waApp      // by app_key
	appCount  map[string]int         // applications by account
	nextAppID int64
}

// waPhone is a phone number of one account.
type waPhone struct{ account, phone string }

// waNumber is a phone number that checkCode confirmed.
type waNumber struct {
	phone  string
	client bool // createClient ran for it
}

// waApp is a customer application that createApp created.
type waApp struct {
	account string
	id      int64
	name    string
	webhook string
}

// newWAState returns the WhatsApp integrator state of a new Server.
func newWAState() *waState {
	return &waState{
		codes:     map[waPhone]string{},
		numbers:   map[string][]*waNumber{},
		apps:      map[string]*waApp{},
		appCount:  map[string]int{},
		nextAppID: WhatsAppFirstAppID,
	}
}

// account is the NXCloud account a request was signed for; authentication
// has already accepted it.
func account(c *call) string {
	return sign.HeaderValue(c.r.Header, sign.HeaderAccessKey)
}

// number returns an account's confirmed number, or nil. st.mu must be held.
func (st *waState) number(acct, phone string) *waNumber {
	for _, n := range st.numbers[acct] {
		if n.phone == phone {
			return n
		}
	}
	return nil
}

func waLogin(*Server, *call) reply {
	return ok(map[string]any{"token": newID()})
}

func waGetCode(s *Server, c *call) reply {
	st := s.wa
	st.mu.Lock()
	defer st.mu.Unlock()
	st.codes[waPhone{account(c), c.str("phone_number")}] = c.str("method")
	return ok(map[string]any{})
}

func waCheckCode(s *Server, c *call) reply {
	acct, phone := account(c), c.str("phone_number")
	key := waPhone{acct, phone}
	st := s.wa
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, pending := st.codes[key]; !pending {
		return reject(c.op, http.StatusOK, "RequestFailed", "no verification code was requested for this phone number")
	}
	if subtle.ConstantTimeCompare([]byte(c.str("code")), []byte(s.cfg.WhatsAppCode)) != 1 {
		return reject(c.op, http.StatusOK, "RequestFailed", "verification code is incorrect")
	}
	delete(st.codes, key)
	if st.number(acct, phone) == nil {
		st.numbers[acct] = append(st.numbers[acct], &waNumber{phone: phone})
	}
	return ok(nil)
}

func waCreateClient(s *Server, c *call) reply {
	st := s.wa
	st.mu.Lock()
	defer st.mu.Unlock()
	n := st.number(account(c), c.str("phone_number"))
	if n == nil {
		return reject(c.op, http.StatusOK, "RequestFailed", "the phone number has not been verified with checkCode")
	}
	n.client = true
	return ok(nil)
}

func waCreateApp(s *Server, c *call) reply {
	acct := account(c)
	st := s.wa
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.appCount[acct] >= WhatsAppMaxApps {
		return reject(c.op, http.StatusOK, "AppLimitReached", "maximum of 1000 customer applications reached")
	}
	key := newAppKey()
	for st.apps[key] != nil {
		key = newAppKey()
	}
	app := &waApp{account: acct, id: st.nextAppID, name: c.str("app_name"), webhook: c.str("webhook")}
	st.nextAppID++
	st.apps[key] = app
	st.appCount[acct]++
	return ok(map[string]any{"app_id": app.id, "app_name": app.name, "app_key": key})
}

func waPhoneList(s *Server, c *call) reply {
	acct := account(c)
	st := s.wa
	st.mu.Lock()
	defer st.mu.Unlock()
	app := st.apps[c.str("appkey")]
	switch {
	case app == nil:
		return reject(c.op, http.StatusOK, "AppKeyNotFound", "APPKEY does not exist")
	case app.account != acct:
		return reject(c.op, http.StatusOK, "AppKeyNotOwned", "the APPKEY belongs to another customer than the credentials")
	}
	list := make([]any, 0, len(st.numbers[acct])) // [] and not null when there is none
	for _, n := range st.numbers[acct] {
		registerStatus, status, limit := 3, "PENDING", ""
		if n.client {
			registerStatus, status, limit = 5, "CONNECTED", "TIER_250"
		}
		list = append(list, map[string]any{
			"display_phone_number":     "+" + n.phone,
			"quality_rating":           "UNKNOW",
			"verified_name":            "Mock Business",
			"name_status":              "APPROVED",
			"register_status":          registerStatus,
			"status":                   status,
			"current_limit":            limit,
			"code_verification_status": "VERIFIED",
			"waba_id":                  "100000000000001",
			"waba_name":                "Mock WABA",
		})
	}
	return ok(list)
}

// newAppKey returns 8 random letters and digits, the shape of NXCloud's
// app_key.
func newAppKey() string {
	return rand.Text()[:8]
}
