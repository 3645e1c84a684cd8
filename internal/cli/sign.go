package cli

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/sign"
)

// secretMask stands in for the secret in printed strings-to-sign. It has a
// fixed length so it does not reveal the secret's.
const secretMask = "********"

func signCommand(env Env) *cobra.Command {
	var p sign.Params
	var algorithm string
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Compute an NXCloud signature, to debug a 1003 (invalid signature)",
		Long: `sign prints the string NXCloud hashes (with the secret masked) and the
signature, exactly as the client computes them. The body is read from stdin
byte for byte — a trailing newline is part of it — and the secret from
NXCLOUD_ACCESS_SECRET.`,
		Example: `  printf '{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}' |
    NXCLOUD_ACCESS_SECRET=... verikit sign --access-key fme2na3kdi3ki --ts 1655710885431 --biz-type 6 --action verify`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret := env.Getenv(EnvAccessSecret)
			if secret == "" {
				return usagef("%s is not set in the environment", EnvAccessSecret)
			}
			alg, err := sign.ParseAlgorithm(algorithm)
			if err != nil {
				return usageError{err}
			}
			if p.TS == "" {
				p.TS = strconv.FormatInt(time.Now().UnixMilli(), 10)
			} else if _, err := strconv.ParseInt(p.TS, 10, 64); err != nil {
				return usagef("--ts must be Unix time in milliseconds, got %q", p.TS)
			}
			body, err := io.ReadAll(env.Stdin)
			if err != nil {
				return failed(fmt.Errorf("reading the body from stdin: %w", err))
			}
			sig, err := sign.Sign(alg, p, body, secret)
			if err != nil {
				return usageError{err}
			}
			if bytes.HasSuffix(body, []byte("\n")) {
				fmt.Fprintln(env.Stderr, "note: the body ends with a newline, which is signed too; use printf or echo -n if the request has none")
			}
			masked := sign.StringToSign(p, body, "") + secretMask
			fmt.Fprintf(env.Stdout, "string-to-sign: %s\n", masked)
			fmt.Fprintf(env.Stdout, "algorithm: %s\n", alg)
			fmt.Fprintf(env.Stdout, "ts: %s\n", p.TS)
			fmt.Fprintf(env.Stdout, "sign: %s\n", sig)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.AccessKey, "access-key", "", "the accessKey header")
	f.StringVar(&p.TS, "ts", "", "the ts header, Unix milliseconds (default: now)")
	f.StringVar(&p.BizType, "biz-type", "", "the bizType header (the operation's x-nxcloud.bizType)")
	f.StringVar(&p.Action, "action", "", "the action header (the operation's x-nxcloud.action)")
	f.StringVar(&algorithm, "algorithm", "md5", "md5 or sha256")
	for _, name := range []string{"access-key", "biz-type", "action"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}
