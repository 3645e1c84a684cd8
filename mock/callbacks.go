package mock

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/sign"
)

// The mock also plays the vendors' side of their callbacks: a test calls
// one of the Send methods to have a callback delivered to a receiver (a
// webhook handler, say) exactly as the vendor would deliver it, signed
// with the mock's clock. Each returns an error unless the receiver
// answered as the vendor expects.

// callbackTimeout bounds one delivery when ctx has no deadline.
const callbackTimeout = 30 * time.Second

// callbackClient does not follow redirects: a vendor would not count a
// redirect as a delivery.
var callbackClient = &http.Client{
	Timeout: callbackTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// SendOTACallback delivers a one-tap login result as NXCloud does: a POST
// to target with requestId, phone, status and drtime (the spelling of
// NXCloud's example) added to its query string, and no body. A zero
// DrTime is filled in from the mock's clock. The receiver must answer
// HTTP 200 with the text "success".
func (s *Server) SendOTACallback(ctx context.Context, target string, ev ota.CallbackEvent) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("mock: OTA callback URL: %w", err)
	}
	if ev.DrTime == "" {
		ev.DrTime = s.cfg.Now().Format(time.DateTime)
	}
	q := u.Query()
	q.Set("requestId", ev.RequestID)
	q.Set("phone", ev.Phone)
	q.Set("status", string(ev.Status))
	q.Set("drtime", ev.DrTime)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return fmt.Errorf("mock: OTA callback: %w", err)
	}
	return deliver(req, "OTA callback", expectSuccessText)
}

// SendOTAResult delivers the result of a login the mock's OTA init
// created: its phone and current status (see SetOTAStatus), drTime from
// the mock's clock.
func (s *Server) SendOTAResult(ctx context.Context, target, requestID string) error {
	s.mu.Lock()
	l, found := s.otaLogins[requestID]
	var ev ota.CallbackEvent
	if found {
		ev = ota.CallbackEvent{RequestID: requestID, Phone: l.phone, Status: ota.VerificationStatus(l.status)}
	}
	s.mu.Unlock()
	if !found {
		return fmt.Errorf("mock: no OTA login %q", requestID)
	}
	return s.SendOTACallback(ctx, target, ev)
}

// SendSignedCallback delivers a signed NXCloud callback (the DID SMS push
// uses bizType "4", action "dr" or "mo"): a JSON POST of body, signed with
// MD5 like an API request, ts from the mock's clock, the signing headers
// written in lower case as NXCloud's example shows them. The receiver must
// answer HTTP 200 with the text "success".
func (s *Server) SendSignedCallback(ctx context.Context, target, accessKey, accessSecret, bizType, action string, body []byte) error {
	p := sign.Params{
		AccessKey: accessKey,
		TS:        strconv.FormatInt(s.cfg.Now().UnixMilli(), 10),
		BizType:   bizType,
		Action:    action,
	}
	sig, err := sign.Sign(sign.MD5, p, body, accessSecret)
	if err != nil {
		return fmt.Errorf("mock: signed callback: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("mock: signed callback: %w", err)
	}
	// Set directly, not through Header.Set, so the names go out lower-cased.
	req.Header["accesskey"] = []string{p.AccessKey}
	req.Header["ts"] = []string{p.TS}
	req.Header["biztype"] = []string{p.BizType}
	req.Header["action"] = []string{p.Action}
	req.Header["sign"] = []string{sig}
	req.Header.Set("Content-Type", "application/json")
	return deliver(req, "signed callback", expectSuccessText)
}

// EngageLabCallback is one EngageLab callback delivery.
type EngageLabCallback struct {
	// Secret, when set, signs the delivery in X-CALLBACK-ID with Username.
	Secret   string
	Username string
	// Nonce goes into X-CALLBACK-ID; empty means a random one.
	Nonce string
	// Authorization, when set, is sent verbatim as the Authorization header.
	Authorization string
	// Payload is the body, unless Raw is set.
	Payload otp.CallbackPayload
	// Raw, when non-nil, is sent as the body instead of Payload: []byte("{}")
	// is the probe EngageLab sends when the address is saved.
	Raw []byte
}

// SendEngageLabCallback delivers an EngageLab callback: a JSON POST of the
// payload, with X-CALLBACK-ID (timestamp in Unix seconds from the mock's
// clock) when cb.Secret is set, and cb.Authorization when set. The
// receiver must answer HTTP 200.
func (s *Server) SendEngageLabCallback(ctx context.Context, target string, cb EngageLabCallback) error {
	body := cb.Raw
	if body == nil {
		var err error
		if body, err = json.Marshal(cb.Payload); err != nil {
			return fmt.Errorf("mock: EngageLab callback payload: %w", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("mock: EngageLab callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if cb.Authorization != "" {
		req.Header.Set("Authorization", cb.Authorization)
	}
	if cb.Secret != "" {
		nonce := cb.Nonce
		if nonce == "" {
			nonce = randomDigits()
		}
		id := sign.NewCallbackID(cb.Secret, cb.Username, nonce, s.cfg.Now())
		req.Header.Set(sign.HeaderCallbackID, id.String())
	}
	return deliver(req, "EngageLab callback", expectOK)
}

// randomDigits returns a random decimal nonce.
func randomDigits() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	if err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 10)
	}
	return n.String()
}

// ErrCallbackRefused is wrapped by a Send method's error when the receiver
// answered, but not as the vendor expects.
var ErrCallbackRefused = errors.New("mock: the receiver refused the callback")

// expectSuccessText is NXCloud's rule: HTTP 200 and the text "success".
func expectSuccessText(status int, body []byte) bool {
	return status == http.StatusOK && strings.TrimSpace(string(body)) == "success"
}

// expectOK is EngageLab's rule: HTTP 200, whatever the body.
func expectOK(status int, _ []byte) bool { return status == http.StatusOK }

// deliver sends req and checks the answer.
func deliver(req *http.Request, what string, accepted func(int, []byte) bool) error {
	resp, err := callbackClient.Do(req)
	if err != nil {
		return fmt.Errorf("mock: delivering %s: %w", what, err)
	}
	defer resp.Body.Close()
	const keep = 256
	body, _ := io.ReadAll(io.LimitReader(resp.Body, keep+1))
	if accepted(resp.StatusCode, body) {
		return nil
	}
	excerpt := string(body)
	if len(body) > keep {
		excerpt = string(body[:keep]) + "…"
	}
	return fmt.Errorf("%w: %s answered HTTP %d %q", ErrCallbackRefused, what, resp.StatusCode, excerpt)
}
