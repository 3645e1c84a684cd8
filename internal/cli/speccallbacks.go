package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// specCallback is one route `callbacks serve` gives a callback a spec
// declares (x-callback): a spec's new callback is served with no code.
type specCallback struct {
	path, vendor, kind string
	cb                 *specs.Callback
}

// specCallbackRoutes lists a route per x-callback of every spec, at
// /<spec>/<callback name in kebab-case, without "Callback">, such as
// /nxcloud/sms/delivery-receipt.
func specCallbackRoutes() ([]specCallback, error) {
	docs, err := specs.All()
	if err != nil {
		return nil, err
	}
	var out []specCallback
	for _, d := range docs {
		cbs, err := d.Callbacks()
		if err != nil {
			return nil, err
		}
		for _, cb := range cbs {
			name := kebab(strings.TrimSuffix(cb.Name, "Callback"))
			if name == "" {
				name = kebab(cb.Name)
			}
			product := strings.TrimPrefix(d.Name, d.SDK.Vendor+"/")
			out = append(out, specCallback{
				path: "/" + d.Name + "/" + name, vendor: d.SDK.Vendor,
				kind: product + "/" + name, cb: cb,
			})
		}
	}
	return out, nil
}

// handler receives the callback, checked against its schema, and prints
// it as one line.
// A signed callback is verified with v first, one that may carry
// X-CALLBACK-ID with id (nil for the others). replay, if not nil, is the
// replay guard of a callback that can take one (signed, or X-CALLBACK-ID
// with a secret and a window; webhook.Callback refuses every delivery of
// any other as misconfigured).
func (s specCallback) handler(out *lineWriter, onError func(*http.Request, error), v *sign.CallbackVerifier, id *webhook.CallbackIDVerifier, replay webhook.ReplayStore) http.Handler {
	return &webhook.Callback[map[string]any]{
		Spec: s.cb.Doc.Name, Schema: s.cb.Name,
		Handle: func(ctx context.Context, fields map[string]any) error {
			l := callbackLine{Vendor: s.vendor, Kind: s.kind}
			if p, ok := webhook.SignedParams(ctx); ok {
				l.BizType, l.Action = p.BizType, p.Action
			}
			l.setRaw(fieldsJSON(fields))
			return out.print(l)
		},
		OnError:    onError,
		Verifier:   v,
		CallbackID: id,
		Replay:     replay,
	}
}

// fieldsJSON is the callback's fields as a JSON object, in key order, with
// the bytes of its strings as they came, so that setRaw can escape a
// callback whose text is not UTF-8 rather than lose it to U+FFFD.
func fieldsJSON(fields map[string]any) []byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendRawJSONString(b, k), ':')
		if s, ok := fields[k].(string); ok {
			b = appendRawJSONString(b, s)
			continue
		}
		v, err := json.Marshal(fields[k])
		if err != nil {
			v = []byte("null")
		}
		b = append(b, v...)
	}
	return append(b, '}')
}
