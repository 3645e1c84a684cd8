package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/spf13/cobra"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
)

func demoCommand(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every operation against an in-process mock (no credentials, no network)",
		Long: `demo starts the mock server on loopback, then calls every operation through
the generated clients with real signing and authentication, including one
deliberate failure per vendor to show the typed errors. It prints what
happened on stderr and exits 1 if anything behaved unexpectedly.`,
		Example: `  go run ./cmd/verikit demo`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return failed(runDemo(cmd.Context(), env))
		},
	}
}

// demoStep is one call of the demo and what it should do.
type demoStep struct {
	what string
	// run makes the call and describes the outcome; wantErr says the call
	// is the deliberate failure.
	run     func(ctx context.Context) (string, error)
	wantErr bool
}

func runDemo(ctx context.Context, env Env) error {
	var invalidMu sync.Mutex
	var invalid []string
	m, err := mock.New(mock.Config{OnInvalidResponse: func(op string, err error) {
		invalidMu.Lock()
		defer invalidMu.Unlock()
		invalid = append(invalid, fmt.Sprintf("%s: %v", op, err))
	}})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	ctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- mock.Serve(ctx, l, m) }()
	defer func() { stop(); <-served }()

	base := "http://" + l.Addr().String()
	fmt.Fprintf(env.Stderr, "verikit demo: mock NXCloud and EngageLab serving on %s (in-process, no network)\n\n", base)

	nx, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(base))
	if err != nil {
		return err
	}
	nxSHA, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(base), option.WithSignAlgorithm(sign.SHA256))
	if err != nil {
		return err
	}
	el, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(base))
	if err != nil {
		return err
	}

	const appkey, messageID, otpCode = "pem28kje", "1725407449772531712", "667090"
	m.AddOTPMessage(messageID, otpCode) // stands in for the send call
	var requestID string

	steps := []demoStep{
		{what: "nxcloud ota init (MD5-signed)", run: func(ctx context.Context) (string, error) {
			env, err := verikit.Result(nx.OTA.InitWithResponse(ctx, ota.InitRequest{Appkey: appkey, Phone: "8615800001795", UserIP: "203.0.113.7"}))
			if err != nil {
				return "", err
			}
			requestID = env.Data.RequestID
			return fmt.Sprintf("requestId=%s url=%s", env.Data.RequestID, env.Data.URL), nil
		}},
		{what: "nxcloud ota verify (SHA-256-signed)", run: func(ctx context.Context) (string, error) {
			env, err := verikit.Result(nxSHA.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: appkey, RequestID: requestID}))
			if err != nil {
				return "", err
			}
			return "status=" + string(env.Data.Status), nil
		}},
		{what: "nxcloud wa check-code", run: func(ctx context.Context) (string, error) {
			_, err := verikit.Result(nx.WhatsApp.CheckCodeWithResponse(ctx, waintegrator.CheckCodeRequest{PhoneNumber: "8618500000099", Code: mock.DefaultWhatsAppCode}))
			if err != nil {
				return "", err
			}
			return "code accepted", nil
		}},
		{what: "engagelab otp verify (wrong code)", run: otpStep(el, messageID, "000000")},
		{what: "engagelab otp verify (right code)", run: otpStep(el, messageID, otpCode)},
		{what: "nxcloud ota verify (unknown requestId)", wantErr: true, run: func(ctx context.Context) (string, error) {
			_, err := verikit.Result(nx.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: appkey, RequestID: "00000000000000000000000000000000"}))
			return "", err
		}},
		{what: "engagelab otp verify (again, after success)", wantErr: true, run: otpStep(el, messageID, otpCode)},
	}

	failures := 0
	for _, s := range steps {
		out, err := s.run(ctx)
		mark, detail := "ok  ", out
		switch {
		case err != nil && s.wantErr:
			detail = "failed as intended: " + describeErr(err)
		case err != nil:
			mark, detail = "FAIL", describeErr(err)
			failures++
		case s.wantErr:
			mark, detail = "FAIL", "succeeded, but should have failed: "+out
			failures++
		}
		fmt.Fprintf(env.Stderr, "  %s %-44s %s\n", mark, s.what, detail)
	}
	invalidMu.Lock()
	for _, v := range invalid {
		fmt.Fprintf(env.Stderr, "  FAIL mock response broke its spec: %s\n", v)
		failures++
	}
	invalidMu.Unlock()
	if failures > 0 {
		return fmt.Errorf("demo: %d of %d checks did not behave as expected", failures, len(steps))
	}
	fmt.Fprintf(env.Stderr, "\nall %d calls behaved as expected; every mock response matched its spec\n", len(steps))
	return nil
}

func otpStep(el *engagelab.Client, messageID, code string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		res, err := verikit.Result(el.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{MessageID: messageID, VerifyCode: code}))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("verified=%t", res.Verified), nil
	}
}

// describeErr shows the typed error a caller would get.
func describeErr(err error) string {
	var ae *apierror.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("*apierror.Error{HTTP %d, code %d, %q}", ae.StatusCode, ae.Code, ae.Message)
	}
	return err.Error()
}
