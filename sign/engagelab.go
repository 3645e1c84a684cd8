package sign

import (
	"errors"
	"net/http"
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
	switch {
	case t.DevKey == "":
		err = errNoDevKey
	case t.DevSecret == "":
		err = errNoDevSecret
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	out := withOwnHeader(req, 1)
	out.SetBasicAuth(t.DevKey, t.DevSecret)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}
