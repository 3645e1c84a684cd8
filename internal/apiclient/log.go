package apiclient

import (
	"context"
	"log/slog"
	"net/http"
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
		slog.String("path", op.Path),
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
