package nxcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
)

// serveMock starts the mock NXCloud for an example; a test uses mock.Start
// instead. The mock checks every signature and keeps the API's state.
func serveMock() (baseURL string, stop func()) {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(m)
	return srv.URL, srv.Close
}

// A one-tap login: ask for an authorization link, let the handset open it,
// then read the outcome. The methods return the envelope's data; a failure
// is an error. The mock stands in for NXCloud; a real program uses its own
// credentials and leaves out option.WithBaseURL.
func ExampleNewClient() {
	baseURL, stop := serveMock()
	defer stop()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	link, err := c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", Phone: "8615800001795", UserIP: "203.0.113.7"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("link for the handset:", strings.HasPrefix(link.URL, "https://"))

	// … the handset opens link.URL over its mobile data connection …

	res, err := c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje", RequestID: link.RequestID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", res.Status)
	fmt.Println("confirmed:", res.Status == ota.VerificationStatusSuccess)
	// Output:
	// link for the handset: true
	// status: SUCCESS
	// confirmed: true
}

// Registering a WhatsApp Business number: getCode has WhatsApp send a code
// to the number, checkCode submits the code its owner received (good for
// one successful check), createClient creates the number's local client.
// A customer application (createApp) then lists the number (phoneList).
// getCode, checkCode and createClient return only an error: their success
// carries nothing.
func ExampleNewClient_whatsApp() {
	baseURL, stop := serveMock()
	defer stop()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const phone = "8618500000099"

	if err := c.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: phone, Method: waintegrator.CodeMethodSMS}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("code sent by SMS")

	// … the owner of the number reads the code from the SMS; the mock
	// accepts mock.DefaultWhatsAppCode …
	check := waintegrator.CheckCodeParams{PhoneNumber: phone, Code: mock.DefaultWhatsAppCode}
	if err := c.WhatsApp.CheckCode(ctx, check); err != nil {
		log.Fatal(err)
	}
	fmt.Println("number confirmed")

	if err := c.WhatsApp.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: phone}); err != nil {
		log.Fatal(err)
	}

	app, err := c.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "Shop", Webhook: "https://shop.example/whatsapp/events"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("app:", app.AppID, app.AppName)

	phones, err := c.WhatsApp.PhoneList(ctx, waintegrator.PhoneListParams{Appkey: app.AppKey})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range phones {
		fmt.Println(p.DisplayPhoneNumber, p.Status, p.RegisterStatus == waintegrator.RegisterStatusRegistered)
	}

	// The code was used up: checking it again fails with code -1.
	err = c.WhatsApp.CheckCode(ctx, check)
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("again:", apiErr.Code, apiErr.Code == int(waintegrator.ResultCodeRequestFailed))
	}
	// Output:
	// code sent by SMS
	// number confirmed
	// app: 1000 Shop
	// +8618500000099 CONNECTED true
	// again: -1 true
}

// NXCloud reports a failure with HTTP 200 and a non-zero result code; the
// methods return it as an *apierror.Error. Compare its Code with the
// ResultCode constants of the operation's package, and ask errors.Is for
// the kinds that call for their own handling: apierror.ErrAuth here.
func ExampleNewClient_errors() {
	baseURL, stop := serveMock()
	defer stop()
	ctx := context.Background()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}

	// A requestId that no init returned.
	_, err = c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje", RequestID: "00000000000000000000000000000000"})
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("code:", apiErr.Code, apiErr.Code == int(ota.ResultCodeRecordNotFound))
		fmt.Println("message:", apiErr.Message)
		fmt.Println("HTTP status:", apiErr.StatusCode)
	}
	fmt.Println(err)

	// A wrong secret: NXCloud refuses the signature (1003), which is an
	// authentication failure whatever the operation.
	wrong, err := nxcloud.NewClient(mock.DefaultAccessKey, "not-the-secret", option.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}
	_, err = wrong.WhatsApp.Login(ctx)
	fmt.Println("auth failed:", errors.Is(err, apierror.ErrAuth))
	if errors.As(err, &apiErr) {
		fmt.Println("code:", apiErr.Code, apiErr.Code == int(waintegrator.ResultCodeBadSignature))
	}

	// A request that breaks the spec is refused before anything is sent.
	_, err = c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", UserIP: "203.0.113.7"})
	var invalid *apierror.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("not sent:", invalid.Problems)
	}
	// Output:
	// code: 2205 true
	// message: message record does not exist
	// HTTP status: 200
	// nxcloud/ota verify: code 2205: message record does not exist
	// auth failed: true
	// code: 1003 true
	// not sent: [phone: must not be empty]
}

// apierror.ErrTooFrequent is NXCloud's 2206 (or HTTP 429): slow down. A
// safe operation such as verify is retried on it, with backoff; an unsafe
// one such as init is not, and the error says so. The stub stands in for
// NXCloud asking the caller to slow down.
func ExampleNewClient_tooFrequent() {
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":2206,"msg":"requests too frequent","data":null}`)
	}))
	defer stub.Close()
	c, err := nxcloud.NewClient("my-access-key", "my-access-secret", option.WithBaseURL(stub.URL),
		option.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", Phone: "8615800001795", UserIP: "203.0.113.7"})
	fmt.Println("slow down:", errors.Is(err, apierror.ErrTooFrequent))
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println("init attempts:", apiErr.Attempts)
	}

	_, err = c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje", RequestID: "989d535f78338411f7de07c028ddee4b"})
	if errors.As(err, &apiErr) {
		fmt.Println("verify attempts:", apiErr.Attempts)
	}
	// Output:
	// slow down: true
	// init attempts: 1
	// verify attempts: 3
}

// Per-call options change one call only: WithCallMaxAttempts and
// WithCallTimeout override the client's retry and timeout settings,
// WithHeader adds a header (the signature headers are always the SDK's),
// and WithRawResponse keeps the answer as received. The receiving side
// here prints the header, then hands the request to the mock.
func ExampleNewClient_requestOptions() {
	m, err := mock.New(mock.Config{})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("X-Request-ID: %q\n", r.Header.Get("X-Request-ID"))
		m.ServeHTTP(w, r)
	}))
	defer srv.Close()

	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	link, err := c.OTA.Init(ctx, ota.InitParams{Appkey: "pem28kje", Phone: "8615800001795", UserIP: "203.0.113.7"},
		option.WithHeader("X-Request-ID", "order-1001"),
		option.WithCallTimeout(5*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}

	var raw option.RawResponse
	res, err := c.OTA.Verify(ctx, ota.VerifyParams{Appkey: "pem28kje", RequestID: link.RequestID},
		option.WithCallMaxAttempts(1), // this read is not retried
		option.WithRawResponse(&raw),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", res.Status)
	fmt.Println("HTTP", raw.StatusCode, raw.Header.Get("Content-Type"))
	fmt.Println("raw body holds the result:", strings.Contains(string(raw.Body), link.RequestID))
	// Output:
	// X-Request-ID: "order-1001"
	// X-Request-ID: ""
	// status: SUCCESS
	// HTTP 200 application/json
	// raw body holds the result: true
}

// WithRawResponse keeps the last answer of a call: its status, header and
// body as received, for a success and for a vendor failure alike. Here it
// shows the envelope behind checkCode, whose method returns only an error.
func ExampleNewClient_rawResponse() {
	baseURL, stop := serveMock()
	defer stop()
	c, err := nxcloud.NewClient(mock.DefaultAccessKey, mock.DefaultAccessSecret, option.WithBaseURL(baseURL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const phone = "8618500000099"
	if err := c.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: phone, Method: waintegrator.CodeMethodVoice}); err != nil {
		log.Fatal(err)
	}

	var envelope struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	check := waintegrator.CheckCodeParams{PhoneNumber: phone, Code: mock.DefaultWhatsAppCode}
	for range 2 {
		var raw option.RawResponse
		err := c.WhatsApp.CheckCode(ctx, check, option.WithRawResponse(&raw))
		if err := json.Unmarshal(raw.Body, &envelope); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("error: %t, HTTP %d, code %d, %s\n", err != nil, raw.StatusCode, envelope.Code, envelope.Message)
	}
	// Output:
	// error: false, HTTP 200, code 0, Request successful
	// error: true, HTTP 200, code -1, no verification code was requested for this phone number
}
