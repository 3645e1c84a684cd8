// Package cli is the verikit command: one subcommand per API operation, plus
// sign (debug a signature), mock (serve the mock server), demo (run every
// operation against an in-process mock) and specs check.
//
// Exit codes: 0 success, 1 an API or transport error, 2 a usage error
// (bad flags, a missing credential, a request that breaks its spec).
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitAPI   = 1
	ExitUsage = 2
)

// Credential variables.
const (
	EnvAccessKey    = "NXCLOUD_ACCESS_KEY"
	EnvAccessSecret = "NXCLOUD_ACCESS_SECRET"
	EnvDevKey       = "ENGAGELAB_DEV_KEY"
	EnvDevSecret    = "ENGAGELAB_DEV_SECRET"
)

// Env is the process environment, injectable for tests.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// usageError marks an error as the user's (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// runtimeError marks an error met while doing the work — an API answer, a
// transport failure, a failed check — (exit 1). Any error not marked so
// comes from parsing the command line (cobra's own included) and is a usage
// error.
type runtimeError struct{ err error }

func (e runtimeError) Error() string { return e.err.Error() }
func (e runtimeError) Unwrap() error { return e.err }

// failed marks err, if any, as a runtime error.
func failed(err error) error {
	if err == nil {
		return nil
	}
	return runtimeError{err}
}

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	// The one output path: whatever a server sent reaches the terminal
	// with its control characters escaped (output.go).
	if env.Stdout != nil {
		env.Stdout = terminalWriter{env.Stdout}
	}
	if env.Stderr != nil {
		env.Stderr = terminalWriter{env.Stderr}
	}
	root, g, lazy := buildRoot(env)
	lazy.prepareFor(root, args)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	report, code := classify(err)
	if report.Operation == "" && cmd != nil {
		report.Operation = cmd.Annotations[annotationOperation]
	}
	format := g.errorFormat
	if f := root.PersistentFlags().Lookup(flagErrorFormat); f == nil || !f.Changed {
		// The command line may not have been parsed (an unknown command).
		format = errorFormatFromArgs(args)
	}
	writeError(env.Stderr, format, report)
	return code
}

// Main runs the command with the process's environment. An interrupt or
// SIGTERM cancels the context, which stops `mock` gracefully.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

// globals are the flags every API command shares.
type globals struct {
	baseURL     string
	algorithm   string
	timeout     time.Duration
	maxAttempts int
	debug       bool
	debugBodies bool
	errorFormat string
	showSecrets bool
	stderr      io.Writer
}

// Names of global flags the code refers to.
const (
	flagBaseURL     = "base-url"
	flagErrorFormat = "error-format"
)

// newRoot builds the command tree; lazy defines an operation command's
// flags when it is used.
func newRoot(env Env) (*cobra.Command, lazyFlags) {
	root, _, lazy := buildRoot(env)
	lazy.prepareAll()
	return root, lazy
}

func buildRoot(env Env) (*cobra.Command, *globals, lazyFlags) {
	g := &globals{stderr: env.Stderr}
	lazy := lazyFlags{}
	root := &cobra.Command{
		Use:   "verikit",
		Short: "Call NXCloud and EngageLab verification APIs, or a local mock of them",
		Long: `verikit calls the NXCloud and EngageLab messaging and verification APIs
with the request signing and authentication each vendor needs.

Credentials come from the environment:
  NXCLOUD_ACCESS_KEY, NXCLOUD_ACCESS_SECRET   for signed nxcloud commands
  ENGAGELAB_DEV_KEY, ENGAGELAB_DEV_SECRET     for engagelab commands
  and, for the commands that send an application's key pair, the pair's
  variables that the command's --help names.

Results are printed as JSON on stdout; errors go to stderr. Text from a
server (messages, body excerpts, callback fields) is printed with its
control characters escaped.
Exit codes: 0 success, 1 API or transport error, 2 usage error.

With --error-format json, a failure prints exactly one JSON object on
stderr instead of the "error: ..." line, for scripts:
  {"operation": "nxcloud/ota verify", "kind": "api", "status": 200,
   "code": 2205, "message": "...", "attempts": 1}
  operation  the spec operation ("" when the failure is not a call's)
  kind       auth, too_frequent, already_verified, outcome_unknown (do not
             repeat the call before you know what happened), validation
             (the request breaks its spec; nothing was sent), transport,
             api (any other vendor failure), usage (bad flags, a missing
             credential), or runtime (another failure: a check, the demo)
  status     the HTTP status, or null when no answer was read
  code       the vendor's result code, or null when the answer had none
  message    the error, as the text format prints it
  attempts   how many times the request was sent (0: never)
It never contains a credential.`,
		Example: `  verikit demo
  verikit mock --addr 127.0.0.1:8080
  verikit nxcloud ota init --appkey pem28kje --phone 8615800001795 --user-ip 203.0.113.7
  verikit engagelab otp verify --message-id 1725407449772531712 --verify-code 667090`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{boundFlagError(err)} })
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkInput(cmd, g) }
	root.PersistentFlags().StringVar(&g.baseURL, flagBaseURL, "", "send requests to this base URL instead of the vendor's host (e.g. a mock): an absolute http or https URL")
	root.PersistentFlags().DurationVar(&g.timeout, "timeout", 30*time.Second, "bound on each API call, retries included (0: no bound)")
	root.PersistentFlags().StringVar(&g.errorFormat, flagErrorFormat, errorFormatText, "how a failure is printed on stderr: text, or json for one JSON object (see verikit --help)")
	root.PersistentFlags().IntVar(&g.maxAttempts, "max-attempts", apiclient.DefaultRetry.MaxAttempts, "attempts per call (1 = no retries); only safe retries are made")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "log each attempt (operation, status, attempt, duration) to stderr; credentials are never logged")
	root.PersistentFlags().BoolVar(&g.showSecrets, "show-secrets", false, "print credentials an answer carries (fields the spec marks x-secret, an echoed application key pair) instead of ***")
	root.PersistentFlags().BoolVar(&g.debugBodies, "debug-bodies", false, "like --debug, and also log bodies and the headers sent, credentials masked")

	root.AddCommand(
		vendorCommand(env, g, lazy, "nxcloud", "Call NXCloud APIs (signed with NXCLOUD_ACCESS_KEY / NXCLOUD_ACCESS_SECRET)"),
		vendorCommand(env, g, lazy, "engagelab", "Call EngageLab APIs (authenticated with ENGAGELAB_DEV_KEY / ENGAGELAB_DEV_SECRET)"),
		signCommand(env),
		mockCommand(env, lazy),
		callbacksCommand(env),
		demoCommand(env),
		specsCommand(env),
	)
	markRequired(root)
	return root, g, lazy
}

// clientOptions turns the global flags into client options.
func (g *globals) clientOptions() ([]option.Option, error) {
	opts := []option.Option{option.WithTimeout(g.timeout), option.WithMaxAttempts(g.maxAttempts)}
	if g.debug || g.debugBodies {
		opts = append(opts, option.WithLogger(slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	if g.debugBodies {
		opts = append(opts, option.WithLogBodies())
	}
	if g.baseURL != "" { // checkInput refused an empty --base-url that was given
		opts = append(opts, option.WithBaseURL(g.baseURL))
	}
	if g.algorithm != "" {
		alg, err := sign.ParseAlgorithm(g.algorithm)
		if err != nil {
			return nil, err
		}
		opts = append(opts, option.WithSignAlgorithm(alg))
	}
	// Surface bad values as usage errors, before any call.
	if _, err := apiclient.NewConfig(opts); err != nil {
		return nil, err
	}
	return opts, nil
}

// credentials reads a key pair from the environment.
func credentials(env Env, keyVar, secretVar string) (string, string, error) {
	key, secret := env.Getenv(keyVar), env.Getenv(secretVar)
	var missing []string
	if key == "" {
		missing = append(missing, keyVar)
	}
	if secret == "" {
		missing = append(missing, secretVar)
	}
	switch len(missing) {
	case 1:
		return "", "", usagef("%s is not set in the environment", missing[0])
	case 2:
		return "", "", usagef("%s are not set in the environment", strings.Join(missing, " and "))
	}
	return key, secret, nil
}

// clients builds the client a vendor's commands need.
type clients struct {
	nxcloud   *nxcloud.Client
	engagelab *engagelab.Client
}

func newClients(env Env, g *globals, op operation, signed bool) (*clients, error) {
	opts, err := g.clientOptions()
	if err != nil {
		return nil, usageError{err}
	}
	// Application key pairs: every pair set in the environment is given to
	// the client; the one the operation sends must be there.
	for _, v := range appCredentialVars {
		if v.vendor != op.vendor {
			continue
		}
		key, secret := env.Getenv(v.keyVar), env.Getenv(v.secretVar)
		if key == "" && secret == "" && v.set != op.credentials {
			continue
		}
		if key, secret, err = credentials(env, v.keyVar, v.secretVar); err != nil {
			return nil, err
		}
		opts = append(opts, option.WithAppCredentials(v.set, key, secret))
	}
	c := &clients{}
	switch op.vendor {
	case "nxcloud":
		// The account's access key is needed for signed operations only.
		key, secret := env.Getenv(EnvAccessKey), env.Getenv(EnvAccessSecret)
		if signed || key != "" || secret != "" {
			if key, secret, err = credentials(env, EnvAccessKey, EnvAccessSecret); err != nil {
				return nil, err
			}
		}
		c.nxcloud, err = nxcloud.NewClient(key, secret, opts...)
		return c, err
	default:
		// A product with its own Basic pair (e-mail) needs no dev key.
		key, secret := env.Getenv(EnvDevKey), env.Getenv(EnvDevSecret)
		if op.credentials == "" || key != "" || secret != "" {
			if key, secret, err = credentials(env, EnvDevKey, EnvDevSecret); err != nil {
				return nil, err
			}
		}
		c.engagelab, err = engagelab.NewClient(key, secret, opts...)
		return c, err
	}
}
