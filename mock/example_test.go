package mock_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// ExampleNew serves the mock with httptest and starts a one-tap login
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
	resp, err := c.OTA.InitWithResponse(ctx, ota.InitRequest{Appkey: "app1", Phone: "8613800000000", UserIP: "10.0.0.1"})
	if err != nil {
		log.Fatal(err)
	}
	login := resp.JSON200.Data
	fmt.Println("code:", resp.JSON200.Code)
	fmt.Println("has url:", login.URL != "")
	fmt.Println("requestId length:", len(login.RequestID))

	v, err := c.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: "app1", RequestID: login.RequestID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", v.JSON200.Data.Status)
	// Output:
	// code: 0
	// has url: true
	// requestId length: 32
	// status: SUCCESS
}
