package cli

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/mock"
)

func mockCommand(env Env, lazy lazyFlags) *cobra.Command {
	var addr string
	var cfg mock.Config
	cmd := &cobra.Command{
		Use:   "mock",
		Short: "Serve the NXCloud and EngageLab mock server until interrupted",
		Long: `mock serves a stand-in for every operation in the specs, with the vendors'
authentication, validation, result codes and state (OTA init → verify, OTP
verify once). Point a client at it with --base-url.

It accepts the credentials in NXCLOUD_ACCESS_KEY / NXCLOUD_ACCESS_SECRET and
ENGAGELAB_DEV_KEY / ENGAGELAB_DEV_SECRET when they are set, and otherwise the
mock package's defaults (see README).

A request that names a callback address (an SMS send's dr_url or drUrl, a
number check's drUrl) gets its receipt or results pushed there by the mock
shortly after the answer, unless --no-callbacks; --callback-in form sends
the SMS receipt as a form body (later accounts) instead of the query string.`,
		Example: `  verikit mock --addr 127.0.0.1:8080 &
  verikit --base-url http://127.0.0.1:8080 nxcloud ota init --appkey a --phone 8615800001795 --user-ip 203.0.113.7`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.NXCloudKeys, err = keyPair(env, EnvAccessKey, EnvAccessSecret); err != nil {
				return err
			}
			if cfg.EngageLabKeys, err = keyPair(env, EnvDevKey, EnvDevSecret); err != nil {
				return err
			}
			if err := checkAddr("--addr", addr); err != nil {
				return err
			}
			// An empty value would silently mean the default.
			for _, name := range []string{"ota-status", "whatsapp-code"} {
				if f := cmd.Flags().Lookup(name); f.Changed && f.Value.String() == "" {
					return usagef("--%s must not be empty", name)
				}
			}
			m, err := mock.New(cfg)
			if errors.Is(err, mock.ErrConfig) {
				return usageError{err} // a flag value outside the spec
			}
			if err != nil {
				return failed(err)
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return usagef("cannot listen on %s: %v", addr, err)
			}
			fmt.Fprintf(env.Stderr, "mock: serving NXCloud and EngageLab on http://%s (Ctrl-C to stop)\n", l.Addr())
			return failed(mock.Serve(cmd.Context(), l, m))
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&cfg.WhatsAppCode, "whatsapp-code", mock.DefaultWhatsAppCode, "the code WhatsApp check-code accepts")
	cmd.Flags().StringVar(&cfg.OTAStatus, "ota-status", "SUCCESS", "the status OTA verify reports (the spec's VerificationStatus)")
	cmd.Flags().BoolVar(&cfg.NoAutoCallbacks, "no-callbacks", false, "push no callback by itself to the address a request names")
	cmd.Flags().StringVar(&cfg.CallbackIn, "callback-in", "", "where a callback's fields go when its spec allows several: query, form or json (default the spec's first)")
	// The list of statuses comes from the spec, read only when this
	// command is used.
	lazy[cmd] = func() {
		f := cmd.Flags().Lookup("ota-status")
		f.Usage = "the status OTA verify reports: " + strings.Join(mock.OTAStatuses(), ", ") + " (the spec's VerificationStatus)"
	}
	return cmd
}

// keyPair reads the credentials the mock should accept: both variables set,
// or neither (nil: the mock's defaults). Only one set is a usage error, not a
// silent fall-back to the defaults.
func keyPair(env Env, keyVar, secretVar string) (map[string]string, error) {
	k, s := env.Getenv(keyVar), env.Getenv(secretVar)
	switch {
	case k == "" && s == "":
		return nil, nil
	case k == "" || s == "":
		return nil, usagef("set both %s and %s, or neither (for the mock's defaults)", keyVar, secretVar)
	}
	return map[string]string{k: s}, nil
}
