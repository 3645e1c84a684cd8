package apiclient

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/verikit/verikit/specs"
)

// maskedHeaders never reach a log with their values.
var maskedHeaders = []string{"sign", "accesskey", "authorization", "proxy-authorization", "cookie", "set-cookie"}

// logBodyLimit caps how much of a body one log record carries.
const logBodyLimit = 4 << 10

func (s *Service) logAttempt(ctx context.Context, op *specs.Operation, n int, o outcome, took time.Duration) {
	if s.cfg.Logger == nil || !s.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", op.FullName()),
		slog.String("method", op.Method),
		slog.String("path", op.SendPath),
		slog.Int("attempt", n),
		slog.Duration("duration", took),
	}
	if o.resp != nil {
		attrs = append(attrs, slog.Int("status", o.resp.StatusCode))
	}
	if o.err != nil {
		attrs = append(attrs, slog.String("error", o.err.Error()))
	}
	s.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "verikit call", attrs...)
}

func (s *Service) logBody(ctx context.Context, op *specs.Operation, n int, what string, h http.Header, body []byte) {
	if !s.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	body = maskCredentials(op, body)
	if len(body) > logBodyLimit {
		body = body[:logBodyLimit]
	}
	s.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "verikit "+what,
		slog.String("op", op.FullName()),
		slog.Int("attempt", n),
		slog.Any("header", MaskHeaders(h)),
		slog.String("body", string(body)),
	)
}

// MaskHeaders returns a copy of h with credential headers (sign, accessKey,
// Authorization, cookies) replaced by "***".
func MaskHeaders(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		out[k] = v
		for _, m := range maskedHeaders {
			if strings.EqualFold(k, m) {
				out[k] = []string{"***"}
			}
		}
	}
	return out
}

// maskCredentials returns body with every credential in it replaced by
// "***": an application's key pair (x-app-credentials) and a token from
// another operation (x-token), in a form or a JSON body, and in an answer
// the fields its spec marks x-secret and an issued token (a body it
// cannot read is not logged at all when the operation sends a pair).
func maskCredentials(op *specs.Operation, body []byte) []byte {
	keys := op.CredentialFields()
	if len(body) == 0 || (len(keys) == 0 && !op.AnswersSecrets()) || body[0] == '(' {
		return body // nothing to mask, or a streamed body's description, masked already
	}
	if op.BodyMediaType() == specs.MediaForm {
		if v, err := url.ParseQuery(string(body)); err == nil && len(v) > 0 && !json.Valid(body) {
			for _, k := range keys {
				if v.Has(k) {
					v.Set(k, "***")
				}
			}
			// The params marked x-secret, as the form carries them.
			fields := map[string]any{}
			for k := range v {
				fields[k] = v.Get(k)
			}
			if op.MaskRequestSecrets(fields) {
				for k, x := range fields {
					if x == "***" {
						v.Set(k, "***")
					}
				}
			}
			return []byte(v.Encode())
		}
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		if len(keys) == 0 {
			return body // not JSON: nothing of ours to find in it
		}
		return []byte("(unreadable body, not logged)")
	}
	masked := maskKeys(v, keys...)
	masked = op.MaskRequestSecrets(v) || masked // a request's x-secret params
	// An answer: its payload's x-secret fields.
	if m, ok := v.(map[string]any); ok && op.Success.Payload != "" {
		if p, ok := m[op.Success.Payload]; ok {
			masked = op.MaskSecrets(p) || masked
		}
	} else {
		masked = op.MaskSecrets(v) || masked
	}
	if !masked {
		return body
	}
	b, _ := json.Marshal(v)
	return b
}

// maskKeys replaces, at any depth, the values of the named fields with
// "***" (an answer may echo the pair back inside its result); it reports
// whether it replaced any.
func maskKeys(v any, keys ...string) bool {
	masked := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if slices.Contains(keys, k) {
				v[k], masked = "***", true
				continue
			}
			masked = maskKeys(x, keys...) || masked
		}
	case []any:
		for _, x := range v {
			masked = maskKeys(x, keys...) || masked
		}
	}
	return masked
}
