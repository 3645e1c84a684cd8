package cli

import (
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// checkInput runs before every command, once its flags are parsed, and
// refuses as a usage error, before anything is sent or served:
//   - a flag value that is not valid UTF-8 (the JSON body would silently
//     carry U+FFFD instead);
//   - an unknown --error-format;
//   - a --base-url that was given but is empty or not an absolute http(s)
//     URL with a host (an empty one would silently mean production).
func checkInput(cmd *cobra.Command, g *globals) error {
	var bad error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if bad == nil && !utf8.ValidString(f.Value.String()) {
			bad = usagef("--%s: the value is not valid UTF-8: %s", f.Name, quoteExcerpt(f.Value.String()))
		}
	})
	if bad != nil {
		return bad
	}
	switch g.errorFormat {
	case errorFormatText, errorFormatJSON:
	default:
		return usagef("--%s must be %s or %s, got %s", flagErrorFormat, errorFormatText, errorFormatJSON, quoteExcerpt(g.errorFormat))
	}
	if f := cmd.Flags().Lookup(flagBaseURL); f != nil && f.Changed {
		if err := checkBaseURL(g.baseURL); err != nil {
			return err
		}
	}
	return nil
}

// checkBaseURL accepts an absolute http or https URL with a host, as
// option.WithBaseURL does, and says what is wrong with anything else.
func checkBaseURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return usagef("--%s is empty: give the URL of a mock or proxy (e.g. http://127.0.0.1:8080), or leave the flag out to call the vendor's production host", flagBaseURL)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return usagef("--%s %s is not a URL", flagBaseURL, quoteExcerpt(s))
	case u.Scheme != "http" && u.Scheme != "https":
		return usagef("--%s %s must start with http:// or https://", flagBaseURL, quoteExcerpt(s))
	case u.Host == "" || u.Hostname() == "":
		return usagef("--%s %s has no host", flagBaseURL, quoteExcerpt(s))
	case u.User != nil:
		return usagef("--%s must not carry credentials (user:password@); they come from the environment", flagBaseURL)
	}
	return nil
}

// checkAddr accepts a host:port to listen on. An empty address would make
// net.Listen take any port on every interface.
func checkAddr(flag, addr string) error {
	if addr == "" {
		return usagef("%s is empty: give host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one)", flag)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return usagef("%s %s is not host:port", flag, quoteExcerpt(addr))
	}
	return nil
}

// markRequired adds "(required)" to the help of every flag marked
// required, so that help tells them apart from optional ones.
func markRequired(cmd *cobra.Command) {
	mark := func(f *pflag.Flag) {
		if _, required := f.Annotations[cobra.BashCompOneRequiredFlag]; required && !strings.HasSuffix(f.Usage, "(required)") {
			f.Usage = strings.TrimSpace(f.Usage + " (required)")
		}
	}
	cmd.Flags().VisitAll(mark)
	cmd.PersistentFlags().VisitAll(mark)
	for _, c := range cmd.Commands() {
		markRequired(c)
	}
}
