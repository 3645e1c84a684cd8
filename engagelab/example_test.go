package engagelab_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
)

// startExampleMock serves a mock EngageLab, which starts with the
// template mock.DefaultOTPTemplateID and always sends mock.DefaultOTPCode,
// and returns a client for it, its URL and a function that stops it. A
// real program calls engagelab.NewClient with its own key and secret and
// leaves out option.WithBaseURL.
func startExampleMock() (*engagelab.Client, string, func()) {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m)
	c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	return c, srv.URL, srv.Close
}

// Check the code a user typed in. A wrong code is not an error: the call
// succeeds with Verified false. The stub stands in for EngageLab; a real
// program leaves out option.WithBaseURL.
func ExampleNewClient() {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"message_id":"1725407449772531712","verify_code":"667090","verified":true}`)
	}))
	defer stub.Close()

	c, err := engagelab.NewClient("my-dev-key", "my-dev-secret", option.WithBaseURL(stub.URL))
	if err != nil {
		log.Fatal(err)
	}

	res, err := c.OTP.Verify(context.Background(), otp.VerifyParams{
		MessageID:  "1725407449772531712",
		VerifyCode: "667090",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", res.Verified)
	// Output:
	// verified: true
}

// Send a code with a template, then check the code the user typed.
// EngageLab refuses a second send while the first code is valid
// (apierror.ErrTooFrequent), and a second verify of a code that was
// verified (apierror.ErrAlreadyVerified).
func Example_sendThenVerify() {
	c, _, stop := startExampleMock()
	defer stop()
	ctx := context.Background()

	login := otp.SendMessageParams{
		To:       "+8613800138000",
		Template: otp.MessageTemplate{ID: mock.DefaultOTPTemplateID},
	}
	sent, err := c.OTP.SendMessage(ctx, login)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent over", sent.SendChannel)

	_, err = c.OTP.SendMessage(ctx, login)
	fmt.Println("sent again too soon:", errors.Is(err, apierror.ErrTooFrequent))

	for _, typed := range []string{"000000", mock.DefaultOTPCode} {
		res, err := c.OTP.Verify(ctx, otp.VerifyParams{MessageID: sent.MessageID, VerifyCode: typed})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("code %s verified: %t\n", typed, res.Verified)
	}

	_, err = c.OTP.Verify(ctx, otp.VerifyParams{MessageID: sent.MessageID, VerifyCode: mock.DefaultOTPCode})
	fmt.Println("verified again:", errors.Is(err, apierror.ErrAlreadyVerified))
	// Output:
	// sent over whatsapp
	// sent again too soon: true
	// code 000000 verified: false
	// code 123456 verified: true
	// verified again: true
}

// Send a code of your own: EngageLab delivers it, and you check it
// yourself.
func Example_sendCode() {
	c, _, stop := startExampleMock()
	defer stop()

	sent, err := c.OTP.SendCode(context.Background(), otp.SendCodeParams{
		To:       "+8613800138000",
		Code:     "398512",
		Template: otp.MessageTemplate{ID: mock.DefaultOTPTemplateID, Language: otp.LanguageEn},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent over", sent.SendChannel)
	// Output:
	// sent over whatsapp
}

// Create a template, read it back, list the templates, delete it. A
// template change that EngageLab refuses is an *apierror.Error with its
// code, even when the HTTP status is 200.
func Example_templateLifecycle() {
	c, _, stop := startExampleMock()
	defer stop()
	ctx := context.Background()

	tmpl := otp.TemplateConfig{
		TemplateID:          "signup-code",
		SendChannelStrategy: "sms|voice",
		BrandName:           "Verikit",
		VerifyCodeConfig:    otp.VerifyCodeConfig{VerifyCodeType: 1, VerifyCodeLen: 6, VerifyCodeTTL: 5},
		SmsConfig:           otp.SMSConfig{TemplateType: otp.SMSConfigTemplateTypeDefault},
		VoiceConfig:         otp.VoiceConfig{TemplateType: otp.VoiceConfigTemplateTypeDefault},
		// A pointer where absence and false differ: false is sent.
		WhatsappConfig: otp.WhatsAppConfig{
			TemplateType:          otp.WhatsAppConfigTemplateTypeDefault,
			TemplateDefaultConfig: otp.TemplateDefaultConfig{ContainSecurity: verikit.Ptr(false)},
		},
	}
	if err := c.OTP.CreateTemplate(ctx, tmpl); err != nil {
		log.Fatal(err)
	}

	err := c.OTP.CreateTemplate(ctx, tmpl)
	var ae *apierror.Error
	if errors.As(err, &ae) {
		fmt.Println("created twice: code", ae.Code)
	}

	got, err := c.OTP.GetTemplate(ctx, "signup-code")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.TemplateID, got.SendChannelStrategy, "approved:", got.Status == otp.TemplateStatusApproved)

	list, err := c.OTP.ListTemplates(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range list {
		fmt.Println("listed:", t.TemplateID)
	}

	if err := c.OTP.DeleteTemplate(ctx, "signup-code"); err != nil {
		log.Fatal(err)
	}
	_, err = c.OTP.GetTemplate(ctx, "signup-code")
	if errors.As(err, &ae) && ae.Code == int(otp.ErrorCodeNotFound) {
		fmt.Println("deleted")
	}
	// Output:
	// created twice: code 3003
	// signup-code sms|voice approved: true
	// listed: signup-code
	// listed: verify-login
	// deleted
}

// Per-call options change one call only: here no retry, a bound of its
// own, a header for the logs of a proxy, and the answer as received.
func Example_requestOptions() {
	c, _, stop := startExampleMock()
	defer stop()

	var raw option.RawResponse
	list, err := c.OTP.ListTemplates(context.Background(),
		option.WithCallMaxAttempts(1),
		option.WithCallTimeout(5*time.Second),
		option.WithHeader("X-Request-Id", "example-1"),
		option.WithRawResponse(&raw),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("templates:", len(list))
	fmt.Println("HTTP", raw.StatusCode, raw.Header.Get("Content-Type"))
	// Output:
	// templates: 1
	// HTTP 200 application/json
}

// Tell the failures that call for their own handling apart with errors.Is;
// reach the vendor's code with errors.As.
func Example_errors() {
	c, url, stop := startExampleMock()
	defer stop()
	ctx := context.Background()

	describe := func(err error) string {
		var ae *apierror.Error
		var ve *apierror.ValidationError
		switch {
		case err == nil:
			return "ok"
		case errors.Is(err, apierror.ErrTooFrequent):
			return "too frequent: wait before sending again"
		case errors.Is(err, apierror.ErrAlreadyVerified):
			return "already verified: the user is in"
		case errors.Is(err, apierror.ErrAuth):
			return "check the dev key and secret"
		case errors.Is(err, apierror.ErrOutcomeUnknown):
			return "the outcome is unknown: find out before sending again"
		case errors.As(err, &ve):
			return fmt.Sprint("not sent: ", ve.Problems)
		case errors.As(err, &ae):
			return fmt.Sprintf("EngageLab code %d", ae.Code)
		}
		return err.Error()
	}

	login := otp.SendMessageParams{To: "+8613800138000", Template: otp.MessageTemplate{ID: mock.DefaultOTPTemplateID}}
	sent, err := c.OTP.SendMessage(ctx, login)
	fmt.Println(describe(err))
	_, err = c.OTP.SendMessage(ctx, login)
	fmt.Println(describe(err))
	_, err = c.OTP.Verify(ctx, otp.VerifyParams{MessageID: sent.MessageID, VerifyCode: mock.DefaultOTPCode})
	fmt.Println(describe(err))
	_, err = c.OTP.Verify(ctx, otp.VerifyParams{MessageID: sent.MessageID, VerifyCode: mock.DefaultOTPCode})
	fmt.Println(describe(err))
	_, err = c.OTP.SendMessage(ctx, otp.SendMessageParams{To: "+8613800138000", Template: otp.MessageTemplate{ID: "no-such-template"}})
	fmt.Println(describe(err))
	_, err = c.OTP.Verify(ctx, otp.VerifyParams{MessageID: sent.MessageID})
	fmt.Println(describe(err))

	wrong, err := engagelab.NewClient("my-dev-key", "wrong-secret", option.WithBaseURL(url))
	if err != nil {
		log.Fatal(err)
	}
	_, err = wrong.OTP.ListTemplates(ctx)
	fmt.Println(describe(err))
	// Output:
	// ok
	// too frequent: wait before sending again
	// ok
	// already verified: the user is in
	// EngageLab code 4001
	// not sent: [verify_code: must not be empty]
	// check the dev key and secret
}
