package nxcloud_test

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
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// A one-tap login: ask for an authorization link, let the handset open it,
// then read the outcome. The stub stands in for NXCloud; a real program
// leaves out option.WithBaseURL.
func ExampleNewClient() {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/ota/init":
			io.WriteString(w, `{"code":0,"msg":"Request successful","data":{"requestId":"989d535f","url":"https://auth.example/auth?client_id=xxx"}}`)
		case "/api/ota/verify":
			io.WriteString(w, `{"code":0,"msg":"Request successful","data":{"requestId":"989d535f","status":"SUCCESS"}}`)
		}
	}))
	defer stub.Close()

	c, err := nxcloud.NewClient("my-access-key", "my-access-secret", option.WithBaseURL(stub.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	res, err := c.OTA.InitWithResponse(ctx, ota.InitRequest{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("open on the handset:", res.JSON200.Data.URL)

	// … the handset opens the link over its mobile data connection …

	v, err := c.OTA.VerifyWithResponse(ctx, ota.VerifyRequest{Appkey: "pem28kje", RequestID: res.JSON200.Data.RequestID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", v.JSON200.Data.Status)
	fmt.Println("confirmed:", v.JSON200.Data.Status == ota.VerificationStatusSuccess)
	// Output:
	// open on the handset: https://auth.example/auth?client_id=xxx
	// status: SUCCESS
	// confirmed: true
}

// NXCloud reports a failure with HTTP 200 and a non-zero result code; the
// client returns it as an *apierror.Error. Compare its Code with the
// ResultCode constants of the operation's package, or ask errors.Is for
// the kinds that need their own handling (apierror.ErrTooFrequent, …).
func ExampleNewClient_errors() {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":2206,"msg":"requests too frequent","data":null}`)
	}))
	defer stub.Close()

	c, err := nxcloud.NewClient("my-access-key", "my-access-secret", option.WithBaseURL(stub.URL))
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.OTA.InitWithResponse(context.Background(), ota.InitRequest{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "203.0.113.7"})

	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("code:", apiErr.Code)
		fmt.Println("message:", apiErr.Message)
		fmt.Println("HTTP status:", apiErr.StatusCode)
		fmt.Println("too frequent:", apiErr.Code == int(ota.ResultCodeTooFrequent))
	}
	fmt.Println(err)
	// The kinds of failure that call for their own handling also answer
	// errors.Is.
	fmt.Println("slow down:", errors.Is(err, apierror.ErrTooFrequent))

	// A request that breaks the spec is refused before anything is sent.
	_, err = c.OTA.InitWithResponse(context.Background(), ota.InitRequest{Appkey: "pem28kje", UserIP: "203.0.113.7"})
	var invalid *apierror.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Problems)
	}
	// Output:
	// code: 2206
	// message: requests too frequent
	// HTTP status: 200
	// too frequent: true
	// nxcloud/ota init: code 2206: requests too frequent
	// slow down: true
	// not sent: [phone: must not be empty]
}

// Registering a WhatsApp Business number: getCode has WhatsApp send a code
// to the number, and checkCode submits the code its owner received. A code
// is good for one successful check. The mock stands in for NXCloud (it
// checks the signature, and accepts the code mock.DefaultWhatsAppCode); a
// real program uses its own credentials and leaves out option.WithBaseURL.
func ExampleNewClient_whatsApp() {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const phone = "8618500000099"

	_, err = verikit.Result(c.WhatsApp.GetCodeWithResponse(ctx, waintegrator.GetCodeRequest{
		PhoneNumber: phone, Method: waintegrator.CodeMethodSMS,
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("code sent by SMS")

	// … the owner of the number reads the code from the SMS …

	check := waintegrator.CheckCodeRequest{PhoneNumber: phone, Code: "1541"}
	if _, err := verikit.Result(c.WhatsApp.CheckCodeWithResponse(ctx, check)); err != nil {
		log.Fatal(err)
	}
	fmt.Println("number confirmed")

	// The code was used up: checking it again is a failure, code -1.
	_, err = verikit.Result(c.WhatsApp.CheckCodeWithResponse(ctx, check))
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("again:", apiErr.Code == int(waintegrator.ResultCodeRequestFailed))
	}
	// Output:
	// code sent by SMS
	// number confirmed
	// again: true
}

// A customer application, and the phone numbers registered for it. The
// mock lists a number once checkCode confirmed it; phoneList answers an
// array, empty for an application without numbers.
func ExampleNewClient_whatsAppApplications() {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	app, err := verikit.Result(c.WhatsApp.CreateAppWithResponse(ctx, waintegrator.CreateAppRequest{
		AppName: "Shop", Webhook: "https://shop.example/whatsapp/events",
	}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("app:", app.Data.AppID, app.Data.AppName)

	list, err := verikit.Result(c.WhatsApp.PhoneListWithResponse(ctx, waintegrator.PhoneListRequest{Appkey: app.Data.AppKey}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("numbers:", len(*list.Data))

	// An appkey that no createApp returned.
	_, err = verikit.Result(c.WhatsApp.PhoneListWithResponse(ctx, waintegrator.PhoneListRequest{Appkey: "jh42xxxd434"}))
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("unknown appkey:", apiErr.Code, apiErr.Code == int(waintegrator.ResultCodeAppKeyNotFound))
	}
	// Output:
	// app: 1000 Shop
	// numbers: 0
	// unknown appkey: 9008 true
}
