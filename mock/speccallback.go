package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// SendCallback delivers a callback that a spec declares (x-callback) as
// the vendor would: its fields checked against the callback's schema
// first (the mock never sends what its spec does not allow), in the first
// place the spec says they arrive (a query string, a form body or a JSON
// body), to target. A signed callback (x-callback signed) is signed with
// the mock's first account (by access key) and the spec's first action.
// It returns an error unless the receiver answered HTTP 200 with the reply
// the spec names.
func (s *Server) SendCallback(ctx context.Context, target, spec, schema string, fields map[string]any) error {
	return s.SendCallbackAs(ctx, target, spec, schema, "", fields)
}

// SendCallbackAs is SendCallback for a signed callback that names one of
// several actions (the DID SMS callback: dr for a receipt, mo for an
// incoming message); "" means the spec's first.
func (s *Server) SendCallbackAs(ctx context.Context, target, spec, schema, action string, fields map[string]any) error {
	d, err := specs.Load(spec)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	cb, err := d.Callback(schema)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	if err := cb.Schema.VisitJSON(fields, specs.SchemaValidationOptions()...); err != nil {
		return fmt.Errorf("mock: the %s callback would break its spec: %v", schema, err)
	}
	if cb.Signed != nil {
		if action == "" {
			action = cb.Signed.Actions[0]
		}
		if !cb.Signed.Accepts(cb.Signed.BizType, action) {
			return fmt.Errorf("mock: the %s callback takes the actions %v, not %q", schema, cb.Signed.Actions, action)
		}
		b, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("mock: %w", err)
		}
		key := s.callbackAccount()
		return s.SendSignedCallback(ctx, target, key, s.cfg.NXCloudKeys[key], cb.Signed.BizType, action, b)
	} else if action != "" {
		return fmt.Errorf("mock: the %s callback is not signed: it names no action", schema)
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("mock: callback URL: %w", err)
	}
	var body io.Reader = http.NoBody
	contentType := ""
	in := cb.In[0]
	if s.cfg.CallbackIn != "" && slices.Contains(cb.In, s.cfg.CallbackIn) {
		in = s.cfg.CallbackIn // the place Config chose, where the spec allows it
	}
	switch in {
	case "query":
		q := u.Query()
		for k, v := range textFields(fields) {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	case "form":
		form := url.Values{}
		for k, v := range textFields(fields) {
			form.Set(k, v)
		}
		body, contentType = strings.NewReader(form.Encode()), specs.MediaForm
	default:
		b, err := json.Marshal(fields)
		if err != nil {
			return fmt.Errorf("mock: %w", err)
		}
		body, contentType = strings.NewReader(string(b)), specs.MediaJSON
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if cb.CallbackID {
		id := sign.NewCallbackID(DefaultCallbackSecret, DefaultCallbackUsername, newID()[:12], s.cfg.Now())
		req.Header.Set(sign.HeaderCallbackID, id.String())
	}
	resp, err := callbackClient.Do(req)
	if err != nil {
		return fmt.Errorf("mock: delivering the %s callback: %w", schema, err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(reply)) != cb.Success {
		return fmt.Errorf("mock: the receiver answered the %s callback with HTTP %d %q, not %q", schema, resp.StatusCode, clipText(string(reply), 64), cb.Success)
	}
	return nil
}

// textFields writes fields as a form carries them.
func textFields(fields map[string]any) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// SendCallbackProbe sends the probe a vendor sends when a callback
// address is saved (x-callback echo: {"echostr": "<8 characters>"}) and
// checks that the receiver echoed the value back.
func (s *Server) SendCallbackProbe(ctx context.Context, target, spec, schema string) error {
	d, err := specs.Load(spec)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	cb, err := d.Callback(schema)
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	if cb.Echo == "" {
		return fmt.Errorf("mock: the %s callback has no address probe (x-callback echo)", schema)
	}
	value := newID()[:8]
	b, _ := json.Marshal(map[string]string{cb.Echo: value})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(b)))
	if err != nil {
		return fmt.Errorf("mock: %w", err)
	}
	req.Header.Set("Content-Type", specs.MediaJSON)
	resp, err := callbackClient.Do(req)
	if err != nil {
		return fmt.Errorf("mock: probing the %s callback address: %w", schema, err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(reply)) != value {
		return fmt.Errorf("mock: the receiver answered the %s probe with HTTP %d %q, not %q", schema, resp.StatusCode, clipText(string(reply), 64), value)
	}
	return nil
}

// callbackAccount is the access key that signs the mock's signed
// callbacks: DefaultAccessKey when configured, else the first by name.
func (s *Server) callbackAccount() string {
	if _, ok := s.cfg.NXCloudKeys[DefaultAccessKey]; ok {
		return DefaultAccessKey
	}
	keys := make([]string, 0, len(s.cfg.NXCloudKeys))
	for k := range s.cfg.NXCloudKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}
