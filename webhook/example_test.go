package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/webhook"
)

func ExampleOTAHandler() {
	h := webhook.OTAHandler(func(_ context.Context, ev ota.CallbackEvent) error {
		fmt.Println(ev.RequestID, ev.Status, ev.Status.Valid())
		return nil // NXCloud is told "success"
	})

	// NXCloud's example callback.
	r := httptest.NewRequest(http.MethodPost, "/ota/callback?phone=6282167624806&requestId=b308d94a73f94e6d84ae975c41f4b2a6&drtime=2021-02-26%2010:01:15&status=SUCCESS", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// b308d94a73f94e6d84ae975c41f4b2a6 SUCCESS true
	// 200 success
}

func ExampleParseOTACallback() {
	r := httptest.NewRequest(http.MethodPost, "/ota/callback?requestId=r1&phone=6282167624806&status=SUCCESS", nil)
	_, err := webhook.ParseOTACallback(r)
	fmt.Println(err)
	// Output: webhook: malformed callback: missing drTime
}

func ExampleParseDRTime() {
	// NXCloud does not say which zone drTime is in; say which you assume.
	t, err := webhook.ParseDRTime("2021-02-26 10:01:15", time.FixedZone("UTC+8", 8*3600))
	fmt.Println(t.UTC(), err)
	// Output: 2021-02-26 02:01:15 +0000 UTC <nil>
}

func ExampleNXCloudSignedHandler() {
	h := webhook.NXCloudSignedHandler("kGp5uFHN", "my-access-secret", func(_ context.Context, cb webhook.NXCloudCallback) error {
		switch cb.Params.Action {
		case "dr":
			fmt.Println("delivery receipt:", string(cb.Body))
		case "mo":
			fmt.Println("incoming message:", string(cb.Body))
		}
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// What NXCloud sends, signed with the account's secret.
	body := `{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","smsStatus":"DELIVRD"}`
	client := &http.Client{Transport: &sign.NXCloudTransport{
		AccessKey:    "kGp5uFHN",
		AccessSecret: "my-access-secret",
		Operation:    func(*http.Request) (string, string, error) { return "4", "dr", nil },
	}}
	resp, err := client.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(reply))
	// Output:
	// delivery receipt: {"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","smsStatus":"DELIVRD"}
	// 200 success
}

func ExampleEngageLab() {
	h := &webhook.EngageLab{
		Secret:   "callback-secret", // as set in EngageLab's console
		Username: "acme",
		MaxAge:   5 * time.Minute,
		Handle: func(_ context.Context, events []webhook.EngageLabEvent) error {
			for _, ev := range events {
				switch ev.Kind {
				case webhook.KindStatus:
					fmt.Println(ev.Row.MessageID, ev.Row.Status.MessageStatus)
				default:
					fmt.Println("kept for later:", ev.Kind, string(ev.Raw))
				}
			}
			return nil
		},
	}

	body := `{"total":2,"rows":[
		{"message_id":"1725407449772531712","to":"+8613800138000","server":"otp","channel":"sms","itime":1712458844,"status":{"message_status":"verified"}},
		{"message_id":"1725407449772531713","itime":1712458845,"poll":{"answer":"yes"}}]}`
	r := httptest.NewRequest(http.MethodPost, "/engagelab", strings.NewReader(body))
	r.Header.Set(sign.HeaderCallbackID, sign.NewCallbackID("callback-secret", "acme", "8837726", time.Now()).String())
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 1725407449772531712 verified
	// kept for later: unknown {"message_id":"1725407449772531713","itime":1712458845,"poll":{"answer":"yes"}}
	// 200
}
