package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

// Variables for EngageLab's callback credentials, as set in its console.
const (
	EnvEngageLabCallbackSecret        = "ENGAGELAB_CALLBACK_SECRET"
	EnvEngageLabCallbackUsername      = "ENGAGELAB_CALLBACK_USERNAME"
	EnvEngageLabCallbackAuthorization = "ENGAGELAB_CALLBACK_AUTHORIZATION"
)

// Paths `callbacks serve` answers on.
const (
	PathOTACallback       = "/nxcloud/ota"
	PathNXCloudSigned     = "/nxcloud/signed"
	PathEngageLabCallback = "/engagelab"
)

func callbacksCommand(env Env) *cobra.Command {
	cmd := group("callbacks", "Receive the vendors' callbacks")
	cmd.AddCommand(callbacksServeCommand(env))
	return cmd
}

func callbacksServeCommand(env Env) *cobra.Command {
	var addr string
	var window, maxAge time.Duration
	var allowReplays bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Receive NXCloud and EngageLab callbacks and print each verified one",
		Long: `serve listens for the vendors' callbacks until interrupted:

  POST ` + PathOTACallback + `      NXCloud one-tap login results (query string, unsigned)
  POST ` + PathNXCloudSigned + `   NXCloud signed callbacks (DID SMS: bizType 4, action dr or mo)
  POST ` + PathEngageLabCallback + `        EngageLab status, notification, reply and system events
  POST /<spec>/<callback>  each callback a spec declares, such as
                           /nxcloud/sms/delivery-receipt (listed when it starts)

Every callback that passes its checks is printed on stdout as one JSON line,
{"vendor", "kind", "event"}; an EngageLab delivery gives one line per row.
A callback whose content is not valid UTF-8 has "event_escaped" instead of
"event": its exact bytes, with each byte that is not printable UTF-8
written as \xNN and other unprintable characters as Go escapes (Go's
strconv.Quote, without the quotes), so that nothing is lost to U+FFFD.
Control characters never reach the terminal raw.
Refused callbacks are reported on stderr, one line each, with the reason.
A signed callback is accepted once, on whichever path: a second delivery
of the same signed NXCloud callback, or of the same X-CALLBACK-ID (whatever
its body), within its window is refused as a replay, with HTTP 401 and the
callback's failure reply (--allow-replays turns this off). The guard lives
in this process's memory. Unsigned callbacks (OTA results, the unsigned
receipts, X-CALLBACK-ID ones without ENGAGELAB_CALLBACK_SECRET or with
--engagelab-max-age 0) carry nothing signed to key on, and are not guarded.

Credentials come from the environment:
  NXCLOUD_ACCESS_KEY, NXCLOUD_ACCESS_SECRET   verify signed NXCloud callbacks
                                              (unset: that path answers 404)
  ENGAGELAB_CALLBACK_SECRET                   require a valid X-CALLBACK-ID
  ENGAGELAB_CALLBACK_USERNAME                 ... signed for this username
  ENGAGELAB_CALLBACK_AUTHORIZATION            require this Authorization value`,
		Example: `  NXCLOUD_ACCESS_KEY=... NXCLOUD_ACCESS_SECRET=... ENGAGELAB_CALLBACK_SECRET=... \
    verikit callbacks serve --addr 127.0.0.1:8787`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkAddr("--addr", addr); err != nil {
				return err
			}
			nxKeys, err := keyPair(env, EnvAccessKey, EnvAccessSecret)
			if err != nil {
				return err
			}
			if window <= 0 {
				return usagef("--nxcloud-window must be positive")
			}
			if maxAge < 0 {
				return usagef("--engagelab-max-age must not be negative")
			}
			out := &lineWriter{w: env.Stdout}
			logf := func(format string, args ...any) {
				out.mu.Lock()
				defer out.mu.Unlock()
				// One line each, whatever a refused request carried.
				fmt.Fprintln(env.Stderr, oneLine(clipMessage(fmt.Sprintf(format, args...))))
			}
			refused := func(what string) func(*http.Request, error) {
				return func(r *http.Request, err error) {
					logf("callbacks: refused %s from %s: %v", what, r.RemoteAddr, err)
				}
			}

			// One store for every signed path: NXCloud's and EngageLab's
			// keys cannot collide, and a signed callback accepted on one
			// path is refused on another.
			var replay webhook.ReplayStore
			if !allowReplays {
				replay = webhook.NewMemoryReplayStore(0)
			}
			mux := http.NewServeMux()
			mux.Handle(PathOTACallback, &webhook.OTA{
				Handle: func(_ context.Context, ev ota.CallbackEvent) error {
					l := callbackLine{Vendor: "nxcloud", Kind: "ota", Event: ev}
					if raw, valid := otaEventJSON(ev); !valid {
						l.setRaw(raw)
					}
					return out.print(l)
				},
				OnError: refused("NXCloud OTA callback"),
			})
			if nxKeys != nil {
				mux.Handle(PathNXCloudSigned, &webhook.NXCloudSigned{
					Verifier: sign.CallbackVerifier{Secret: sign.Secrets(nxKeys), Window: window},
					Replay:   replay,
					Handle: func(_ context.Context, cb webhook.NXCloudCallback) error {
						l := callbackLine{Vendor: "nxcloud", Kind: "signed", BizType: cb.Params.BizType, Action: cb.Params.Action}
						l.setRaw(cb.Body)
						return out.print(l)
					},
					OnError: refused("NXCloud signed callback"),
				})
			}
			el := &webhook.EngageLab{
				Secret:        env.Getenv(EnvEngageLabCallbackSecret),
				Username:      env.Getenv(EnvEngageLabCallbackUsername),
				Authorization: env.Getenv(EnvEngageLabCallbackAuthorization),
				MaxAge:        maxAge,
				Handle: func(_ context.Context, evs []webhook.EngageLabEvent) error {
					lines := make([]callbackLine, 0, len(evs))
					for _, ev := range evs {
						known := ev.Known()
						l := callbackLine{Vendor: "engagelab", Kind: string(ev.Kind), Known: &known}
						l.setRaw(ev.Raw)
						lines = append(lines, l)
					}
					return out.print(lines...)
				},
				OnError: refused("EngageLab callback"),
			}
			if el.Secret != "" && maxAge > 0 {
				el.Replay = replay // the guard needs a signed header and a window
			}
			mux.Handle(PathEngageLabCallback, el)
			routes, err := specCallbackRoutes()
			if err != nil {
				return failed(err)
			}
			var signedOff []string
			for _, r := range routes {
				var v *sign.CallbackVerifier
				var guard webhook.ReplayStore // only where something signed can key it
				if r.cb.Signed != nil {
					if nxKeys == nil {
						signedOff = append(signedOff, r.path)
						continue
					}
					v = &sign.CallbackVerifier{Secret: sign.Secrets(nxKeys), Window: window}
					guard = replay
				}
				var id *webhook.CallbackIDVerifier
				if r.cb.CallbackID { // EngageLab's console settings, as for OTP's
					id = &webhook.CallbackIDVerifier{Secret: el.Secret, Username: el.Username, Authorization: el.Authorization, MaxAge: maxAge}
					if el.Secret != "" && maxAge > 0 {
						guard = replay
					}
				}
				mux.Handle(r.path, r.handler(out, refused(r.cb.Doc.OpenAPI.Info.Title+" "+r.cb.Name), v, id, guard))
			}

			l, err := net.Listen("tcp", addr)
			if err != nil {
				return usagef("cannot listen on %s: %v", addr, err)
			}
			// The first line, so that a caller can learn the bound address.
			logf("callbacks: listening on http://%s (Ctrl-C to stop)", l.Addr())
			logf("callbacks: NXCloud OTA results on POST %s (NXCloud does not sign them)", PathOTACallback)
			if nxKeys != nil {
				logf("callbacks: NXCloud signed callbacks on POST %s", PathNXCloudSigned)
			} else {
				logf("callbacks: NXCloud signed callbacks off: set %s and %s", EnvAccessKey, EnvAccessSecret)
				for _, p := range signedOff {
					logf("callbacks: POST %s off too: its callbacks are signed", p)
				}
			}
			switch {
			case el.Secret == "" && el.Authorization == "":
				logf("callbacks: EngageLab callbacks on POST %s, NOT authenticated: set %s or %s", PathEngageLabCallback, EnvEngageLabCallbackSecret, EnvEngageLabCallbackAuthorization)
			default:
				logf("callbacks: EngageLab callbacks on POST %s", PathEngageLabCallback)
			}
			for _, r := range routes {
				logf("callbacks: %s on POST %s", r.kind, r.path)
			}
			return failed(mock.Serve(cmd.Context(), l, mux))
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8787", "address to listen on")
	f.DurationVar(&window, "nxcloud-window", sign.DefaultCallbackWindow, "how far a signed NXCloud callback's ts may be from this machine's clock")
	f.DurationVar(&maxAge, "engagelab-max-age", 5*time.Minute, "how far an EngageLab X-CALLBACK-ID timestamp may be from this machine's clock (0: no limit, and no replay guard; only with ENGAGELAB_CALLBACK_SECRET)")
	f.BoolVar(&allowReplays, "allow-replays", false, "accept a signed callback again within its window (by default a second delivery of the same signed NXCloud callback or X-CALLBACK-ID is refused, 401)")
	return cmd
}

// callbackLine is one line of `callbacks serve` output.
type callbackLine struct {
	Vendor  string `json:"vendor"`
	Kind    string `json:"kind"`
	BizType string `json:"bizType,omitempty"`
	Action  string `json:"action,omitempty"`
	// Known is set for EngageLab rows: false for a kind, status or event
	// the spec does not list.
	Known *bool `json:"known,omitempty"`
	// Event is the callback, or nil when its bytes are not valid UTF-8;
	// EventEscaped then holds them (escapeBytes).
	Event        any    `json:"event,omitempty"`
	EventEscaped string `json:"event_escaped,omitempty"`
}

// setRaw sets the event from the callback's JSON bytes: as JSON when they
// are valid UTF-8, else escaped. encoding/json would copy invalid bytes of
// a json.RawMessage through raw, and turn those of a string into U+FFFD.
func (l *callbackLine) setRaw(raw []byte) {
	if utf8.Valid(raw) {
		l.Event, l.EventEscaped = json.RawMessage(raw), ""
		return
	}
	l.Event, l.EventEscaped = nil, escapeBytes(raw)
}

// escapeBytes writes bytes as the body of a Go string literal: printable
// UTF-8 as it is, anything else escaped (\xNN for a byte that is not
// UTF-8). strconv.Unquote of it in quotes gives the bytes back.
func escapeBytes(raw []byte) string {
	q := strconv.Quote(string(raw))
	return q[1 : len(q)-1]
}

// otaEventJSON is the OTA event's JSON with its fields' bytes as they came
// (json.Marshal would replace invalid UTF-8), and whether they are all
// valid UTF-8. The names are the event's JSON names.
func otaEventJSON(ev ota.CallbackEvent) ([]byte, bool) {
	fields := [...][2]string{
		{"requestId", ev.RequestID}, {"phone", ev.Phone}, {"status", string(ev.Status)}, {"drTime", ev.DrTime},
	}
	valid := true
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		valid = valid && utf8.ValidString(f[1])
		b = appendRawJSONString(append(appendRawJSONString(b, f[0]), ':'), f[1])
	}
	return append(b, '}'), valid
}

// appendRawJSONString appends s as a JSON string, escaping quotes,
// backslashes and C0 controls, and copying every other byte as it is.
func appendRawJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = fmt.Appendf(b, `\u%04x`, c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// lineWriter prints whole lines from concurrent handlers. encoding/json
// compacts a json.RawMessage, so a pretty-printed body still makes one
// line.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (lw *lineWriter) print(lines ...callbackLine) error {
	var buf []byte
	for _, l := range lines {
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("encoding the callback: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	lw.mu.Lock()
	defer lw.mu.Unlock()
	_, err := lw.w.Write(buf)
	return err
}
