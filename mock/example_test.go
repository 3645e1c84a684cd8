package mock_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// ExampleNew serves the mock with httptest and runs a one-tap login
// against it through the NXCloud client. In a test, mock.Start does the
// serving and cleanup in one line.
func ExampleNew() {
	s, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	login, err := c.OTA.Init(ctx, ota.InitParams{Appkey: "app1", Phone: "8613800000000", UserIP: "10.0.0.1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("has url:", login.URL != "")
	fmt.Println("requestId length:", len(login.RequestID))

	v, err := c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "app1", RequestID: login.RequestID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", v.Status)
	// Output:
	// has url: true
	// requestId length: 32
	// status: SUCCESS
}

// SetOTAStatus scripts the outcome a one-tap login reports: here a login
// that starts PENDING (Config.OTAStatus) and then finds the number did
// not match.
func ExampleServer_SetOTAStatus() {
	s, err := mock.New(mock.Config{OTAStatus: string(ota.VerificationStatusPending)})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	login, err := c.OTA.Init(ctx, ota.InitParams{Appkey: "app1", Phone: "8613800000000", UserIP: "10.0.0.1"})
	if err != nil {
		log.Fatal(err)
	}
	verify := ota.VerifyParams{Appkey: "app1", RequestID: login.RequestID}

	v, err := c.OTA.Verify(ctx, verify)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first:", v.Status)

	s.SetOTAStatus(login.RequestID, string(ota.VerificationStatusMismatch))
	v, err = c.OTA.Verify(ctx, verify)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("then:", v.Status)
	// Output:
	// first: PENDING
	// then: MISMATCH
}

// AddOTPMessage scripts an EngageLab message and its code, so that a test
// can verify it without sending first. A code is good for one successful
// verify; a wrong code is a result (Verified false), not an error.
func ExampleServer_AddOTPMessage() {
	s, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := engagelab.NewClient(mock.DefaultDevKey, mock.DefaultDevSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	s.AddOTPMessage("msg-1", "667090")

	for _, code := range []string{"000000", "667090", "667090"} {
		res, err := c.OTP.Verify(ctx, otp.VerifyParams{MessageID: "msg-1", VerifyCode: code})
		switch {
		case errors.Is(err, apierror.ErrAlreadyVerified):
			fmt.Println(code, "already verified")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println(code, "verified:", res.Verified)
		}
	}
	// Output:
	// 000000 verified: false
	// 667090 verified: true
	// 667090 already verified
}
