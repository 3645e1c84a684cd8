package sign

import (
	"errors"
	"net/http"
	"strings"
)

// BasicAuthTransport is an [http.RoundTripper] for EngageLab APIs. It
// sends the developer key and secret as HTTP Basic credentials, that is
// "Authorization: Basic " followed by base64("DevKey:DevSecret"), on every
// request it forwards to Base.
type BasicAuthTransport struct {
	// Base performs the actual request; nil means http.DefaultTransport.
	Base      http.RoundTripper
	DevKey    string
	DevSecret string
	// For, when set, may give one request other credentials (ok true):
	// a product whose pair is not the dev key (EngageLab e-mail's
	// api_user and api_key). Requests it gives none get DevKey's.
	For func(*http.Request) (user, password string, ok bool)
}

var (
	errNoDevKey    = errors.New("sign: BasicAuthTransport.DevKey is empty")
	errNoDevSecret = errors.New("sign: BasicAuthTransport.DevSecret is empty")
)

// RoundTrip implements [http.RoundTripper]. It works on a clone, leaving the
// caller's request untouched. Missing credentials are reported before
// anything is sent, and the request body is closed in that case.
func (t *BasicAuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var err error
	user, password, own := "", "", false
	if t.For != nil {
		user, password, own = t.For(req)
	}
	switch {
	case own && (user == "" || password == ""):
		err = errors.New("sign: the request's Basic credentials are empty")
	case own && strings.Contains(user, ":"):
		// Basic auth splits at the first colon: it would be another user.
		err = errors.New("sign: a Basic user name must not contain ':'")
	case own:
	case t.DevKey == "":
		err = errNoDevKey
	case t.DevSecret == "":
		err = errNoDevSecret
	default:
		user, password = t.DevKey, t.DevSecret
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	out := withOwnHeader(req, 1)
	out.SetBasicAuth(user, password)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}
