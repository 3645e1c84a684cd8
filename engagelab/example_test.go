package engagelab_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/verikit/verikit"
	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
)

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

	v, err := c.OTP.VerifyWithResponse(context.Background(), otp.VerifyRequest{
		MessageID:  "1725407449772531712",
		VerifyCode: "667090",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", v.JSON200.Verified)
	// Output:
	// verified: true
}

// Send a code with a template, then check the code the user typed. The
// mock stands in for EngageLab: it starts with the template
// mock.DefaultOTPTemplateID and always sends mock.DefaultOTPCode. A real
// program leaves out option.WithBaseURL.
func Example_sendThenVerify() {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()

	c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	login := otp.SendMessageRequest{
		To:       "+8613800138000",
		Template: otp.MessageTemplate{ID: mock.DefaultOTPTemplateID},
	}

	sent, err := verikit.Result(c.OTP.SendMessageWithResponse(ctx, login))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent over", sent.SendChannel)

	// Sending again while the code is still valid is refused (3004).
	_, err = verikit.Result(c.OTP.SendMessageWithResponse(ctx, login))
	fmt.Println("too frequent:", errors.Is(err, apierror.ErrTooFrequent))

	// The code the user typed. A wrong one is Verified false, not an error.
	res, err := verikit.Result(c.OTP.VerifyWithResponse(ctx, otp.VerifyRequest{
		MessageID:  sent.MessageID,
		VerifyCode: mock.DefaultOTPCode,
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verified:", res.Verified)
	// Output:
	// sent over whatsapp
	// too frequent: true
	// verified: true
}
