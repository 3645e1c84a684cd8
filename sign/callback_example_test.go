package sign_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/verikit/verikit/sign"
)

func ExampleCallbackVerifier() {
	body := []byte(`{"messageId":"fcf3432fd1834ccdac807a7cfb2d1fdf","smsStatus":"DELIVRD"}`)
	sent := time.UnixMilli(1690361994834)

	// What NXCloud sends: the signing headers, lower-cased.
	p := sign.Params{AccessKey: "kGp5uFHN", TS: "1690361994834", BizType: "4", Action: "dr"}
	sig, _ := sign.Sign(sign.MD5, p, body, "my-access-secret")
	h := http.Header{"accesskey": {p.AccessKey}, "ts": {p.TS}, "biztype": {"4"}, "action": {"dr"}, "sign": {sig}}

	v := sign.CallbackVerifier{
		Secret: sign.Secrets(map[string]string{"kGp5uFHN": "my-access-secret"}),
		// A fixed clock keeps the example stable; leave Now nil in real code.
		Now: func() time.Time { return sent.Add(2 * time.Second) },
	}
	got, err := v.Verify(h, body)
	fmt.Println(got.BizType, got.Action, err)

	// The same request two minutes later is refused.
	v.Now = func() time.Time { return sent.Add(2 * time.Minute) }
	_, err = v.Verify(h, body)
	fmt.Println(errors.Is(err, sign.ErrStale))
	// Output:
	// 4 dr <nil>
	// true
}

func ExampleVerifyCallbackID() {
	sent := time.Unix(1725407449, 0)
	header := sign.NewCallbackID("callback-secret", "acme", "8837726", sent).String()
	fmt.Println(header)

	id, err := sign.VerifyCallbackID(header, "callback-secret", 5*time.Minute, sent.Add(time.Second))
	fmt.Println(id.Username, err)

	_, err = sign.VerifyCallbackID(header, "wrong-secret", 5*time.Minute, sent)
	fmt.Println(errors.Is(err, sign.ErrBadSignature))
	// Output:
	// timestamp=1725407449;nonce=8837726;username=acme;signature=9fcbf3425a20f53cba5000fb3a714a7664d3777e47cf0924a31e70fdd8bceab1
	// acme <nil>
	// true
}

func ExampleParseCallbackID() {
	_, err := sign.ParseCallbackID("timestamp=1725407449;nonce=8837726;username=acme")
	fmt.Println(err)
	// Output: sign: callback authentication header malformed: X-CALLBACK-ID lacks signature
}
