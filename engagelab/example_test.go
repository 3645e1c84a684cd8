package engagelab_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
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
