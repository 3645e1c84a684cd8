package nxcloud

// Fuzz targets for the NXCloud response handling. This is an internal test
// file (package nxcloud) so that it can reach checkEnvelope; it also hosts
// FuzzParseResponses, the target for the generated response parsers of
// every vendor (gen/ is generated, so its tests cannot live there).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// fuzzEnvelopeOK is the oracle for checkEnvelope, written independently of
// apierror.FromResponse: a success is HTTP 200 and a JSON body whose "code"
// is an integer literal equal to 0 (not a string, not 0.0, not 0e0), and,
// for an operation whose success promises data (OTA init and verify,
// WhatsApp login, createApp and phoneList), a "data" that is present and
// not null. The envelope's message fields must
// be strings, as the specs declare them; the key matching is
// encoding/json's, as in the generated parsers.
func fuzzEnvelopeOK(status int, body []byte, promisesData bool) bool {
	if status != http.StatusOK || !json.Valid(body) {
		return false
	}
	var env struct {
		Code    json.RawMessage `json:"code"`
		Msg     string          `json:"msg"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Code) == 0 {
		return false
	}
	if promisesData && (len(env.Data) == 0 || string(env.Data) == "null") {
		return false
	}
	c := env.Code[0]
	if c != '-' && (c < '0' || c > '9') {
		return false // a string, null, an object…
	}
	n, err := strconv.ParseInt(string(env.Code), 10, 64)
	return err == nil && n == 0
}

// fuzzPromisesData lists the NXCloud operations whose success envelope
// must carry data, restated here rather than read from the specs.
var fuzzPromisesData = map[string]bool{
	"nxcloud/ota init":                   true,
	"nxcloud/ota verify":                 true,
	"nxcloud/wa-integrator login":        true,  // the token
	"nxcloud/wa-integrator getCode":      false, // an empty object
	"nxcloud/wa-integrator checkCode":    false, // null
	"nxcloud/wa-integrator createClient": false, // null
	"nxcloud/wa-integrator createApp":    true,  // the application
	"nxcloud/wa-integrator phoneList":    true,  // an array, maybe empty
}

// FuzzCheckEnvelope: for every NXCloud operation, checkEnvelope never
// panics, returns nil exactly for HTTP 200 with a JSON envelope whose code
// is the integer 0 (and data, where the operation promises it), and then
// the response's Content-Type names JSON, so the generated parser decodes
// it; otherwise it returns an *apierror.Error for the operation, with the
// status, and leaves the response's Content-Type alone.
func FuzzCheckEnvelope(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","url":"https://api.xxxxx.com/auth?response_type=code&client_id=xxx"}}`))
	f.Add(200, "text/plain;charset=UTF-8", []byte(`{"code":0,"msg":"Request successful","data":null}`))
	f.Add(200, "application/json", []byte(`{"code":88,"msg":"Request failed","data":null}`))
	f.Add(200, "application/json;charset=UTF-8", []byte(`{"code":-1,"message":"Request failed","data":null}`))
	f.Add(500, "application/json", []byte(`{"code":0,"msg":"Request successful"}`))
	f.Add(200, "text/html", []byte("<html>502 Bad Gateway</html>"))
	f.Add(200, "", []byte{})
	f.Add(200, "application/json", []byte(`{"code":0.0,"data":{}}`))
	f.Add(200, "application/json", []byte(`{"code":-0,"data":{}}`))
	f.Add(200, "application/json", []byte(`{"code":0,"msg":1,"data":{}}`))
	f.Add(200, "application/json", []byte(`[{"code":0}]`))
	f.Add(200, "Application/JSON", []byte(`{"CODE":0,"Data":{}}`))
	f.Add(200, "application/json", []byte(`{"code":0,"data":[],"message":"Request successful"}`))
	f.Add(200, "application/json", []byte(`{"code":0,"data":{"token":"50abe943xxxe26128e56b08"},"message":"Request successful"}`))
	f.Add(200, "application/json", []byte(`{"code":9008,"message":"APPKEY does not exist","data":null}`))

	var ops []*specs.Operation
	for _, name := range []string{"nxcloud/ota", "nxcloud/wa-integrator"} {
		ops = append(ops, specs.MustLoad(name).Operations...)
	}
	for _, op := range ops {
		if _, known := fuzzPromisesData[op.FullName()]; !known {
			f.Fatalf("%s: add it to fuzzPromisesData", op.FullName())
		}
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		for _, op := range ops {
			header := http.Header{}
			if contentType != "" {
				header.Set("Content-Type", contentType)
			}
			before := header.Clone()
			resp := &http.Response{StatusCode: status, Header: header}
			err := checkEnvelope(op, resp, body)
			want := fuzzEnvelopeOK(status, body, fuzzPromisesData[op.FullName()])
			if err == nil {
				if !want {
					t.Fatalf("%s: checkEnvelope accepted HTTP %d %q", op.FullName(), status, body)
				}
				if got := resp.Header.Get("Content-Type"); !apiclient.IsJSON(got) {
					t.Fatalf("%s: accepted, but Content-Type %q does not name JSON", op.FullName(), got)
				}
				continue
			}
			if want {
				t.Fatalf("%s: checkEnvelope rejected a success envelope, HTTP %d %q: %v", op.FullName(), status, body, err)
			}
			var ae *apierror.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s: error %T is not an *apierror.Error: %v", op.FullName(), err, err)
			}
			if ae.StatusCode != status || ae.Operation != op.FullName() {
				t.Fatalf("error has status %d operation %q, want %d %q", ae.StatusCode, ae.Operation, status, op.FullName())
			}
			if got := resp.Header.Values("Content-Type"); !slices.Equal(got, before.Values("Content-Type")) {
				t.Fatalf("%s: a rejected response's Content-Type changed to %q", op.FullName(), got)
			}
			_ = ae.Error()
		}
	})
}

// fuzzParser is one generated Parse*Response, reduced to what every
// generated response type has.
type fuzzParser struct {
	name string
	// parse runs the parser; json200 reports whether JSON200 was set,
	// other whether any other JSONnnn field was.
	parse func(*http.Response) (body []byte, hr *http.Response, json200, other bool, err error)
	// decodes lists the statuses whose JSON bodies the parser decodes.
	decodes []int
	// call sends the operation's documented example request through the
	// SDK's client, with responses coming from rt; it reports whether the
	// client returned a nil error and, if so, whether JSON200 was set.
	call func(t *testing.T, rt http.RoundTripper) (ok, json200 bool, err error)
}

var fuzzParsers = []fuzzParser{
	{
		name: "nxcloud/ota init",
		parse: func(r *http.Response) ([]byte, *http.Response, bool, bool, error) {
			res, err := ota.ParseInitResponse(r)
			if err != nil {
				return nil, nil, false, false, err
			}
			return res.Body, res.HTTPResponse, res.JSON200 != nil, false, nil
		},
		decodes: []int{200},
		call: func(t *testing.T, rt http.RoundTripper) (bool, bool, error) {
			c := fuzzNXClient(t, rt)
			res, err := c.OTA.InitWithResponse(context.Background(), ota.InitRequest{Appkey: "pem28kje", Phone: "86158xxxx1795", UserIP: "xxx.xxx.xxx.xxx"})
			if err != nil {
				return false, false, err
			}
			return true, res.JSON200 != nil && res.JSON200.Code == 0 && res.JSON200.Data != nil, nil
		},
	},
	{
		name: "nxcloud/ota verify",
		parse: func(r *http.Response) ([]byte, *http.Response, bool, bool, error) {
			res, err := ota.ParseVerifyResponse(r)
			if err != nil {
				return nil, nil, false, false, err
			}
			return res.Body, res.HTTPResponse, res.JSON200 != nil, false, nil
		},
		decodes: []int{200},
		call: func(t *testing.T, rt http.RoundTripper) (bool, bool, error) {
			c := fuzzNXClient(t, rt)
			res, err := c.OTA.VerifyWithResponse(context.Background(), ota.VerifyRequest{Appkey: "pem28kje", RequestID: "989d535f78338411f7de07c028ddee4b"})
			if err != nil {
				return false, false, err
			}
			return true, res.JSON200 != nil && res.JSON200.Code == 0 && res.JSON200.Data != nil, nil
		},
	},
	{
		name: "nxcloud/wa-integrator checkCode",
		parse: func(r *http.Response) ([]byte, *http.Response, bool, bool, error) {
			res, err := waintegrator.ParseCheckCodeResponse(r)
			if err != nil {
				return nil, nil, false, false, err
			}
			return res.Body, res.HTTPResponse, res.JSON200 != nil, false, nil
		},
		decodes: []int{200},
		call: func(t *testing.T, rt http.RoundTripper) (bool, bool, error) {
			c := fuzzNXClient(t, rt)
			res, err := c.WhatsApp.CheckCodeWithResponse(context.Background(), waintegrator.CheckCodeRequest{PhoneNumber: "185xxx99", Code: "1541"})
			if err != nil {
				return false, false, err
			}
			return true, res.JSON200 != nil && res.JSON200.Code == 0, nil
		},
	},
	{
		name: "engagelab/otp verify",
		parse: func(r *http.Response) ([]byte, *http.Response, bool, bool, error) {
			res, err := otp.ParseVerifyResponse(r)
			if err != nil {
				return nil, nil, false, false, err
			}
			other := res.JSON400 != nil || res.JSON401 != nil || res.JSON403 != nil || res.JSON500 != nil
			return res.Body, res.HTTPResponse, res.JSON200 != nil, other, nil
		},
		decodes: []int{200, 400, 401, 403, 500},
		call: func(t *testing.T, rt http.RoundTripper) (bool, bool, error) {
			c, err := engagelab.NewClient("jiguangdev", "dev_secret", option.WithHTTPClient(&http.Client{Transport: rt}), option.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.OTP.VerifyWithResponse(context.Background(), otp.VerifyRequest{MessageID: "1725407449772531712", VerifyCode: "667090"})
			if err != nil {
				return false, false, err
			}
			return true, res.JSON200 != nil, nil
		},
	},
}

func init() {
	// The WhatsApp integrator's parsers, built alike.
	fuzzParsers = append(fuzzParsers,
		fuzzWAParser("login", waintegrator.ParseLoginResponse, func(c *Client) (*waintegrator.LoginResponse, error) {
			return c.WhatsApp.LoginWithResponse(context.Background())
		}, func(r *waintegrator.LoginResponse) fuzzView {
			j := r.JSON200
			return fuzzView{r.Body, r.HTTPResponse, j != nil, j != nil && j.Code == 0 && j.Data != nil}
		}),
		fuzzWAParser("getCode", waintegrator.ParseGetCodeResponse, func(c *Client) (*waintegrator.GetCodeResponse, error) {
			return c.WhatsApp.GetCodeWithResponse(context.Background(), waintegrator.GetCodeRequest{PhoneNumber: "185xxx99", Method: waintegrator.CodeMethodSMS})
		}, func(r *waintegrator.GetCodeResponse) fuzzView {
			j := r.JSON200
			return fuzzView{r.Body, r.HTTPResponse, j != nil, j != nil && j.Code == 0}
		}),
		fuzzWAParser("createClient", waintegrator.ParseCreateClientResponse, func(c *Client) (*waintegrator.CreateClientResponse, error) {
			return c.WhatsApp.CreateClientWithResponse(context.Background(), waintegrator.CreateClientRequest{PhoneNumber: "185xxx99"})
		}, func(r *waintegrator.CreateClientResponse) fuzzView {
			j := r.JSON200
			return fuzzView{r.Body, r.HTTPResponse, j != nil, j != nil && j.Code == 0}
		}),
		fuzzWAParser("createApp", waintegrator.ParseCreateAppResponse, func(c *Client) (*waintegrator.CreateAppResponse, error) {
			return c.WhatsApp.CreateAppWithResponse(context.Background(), waintegrator.CreateAppRequest{AppName: "Whatsapp", Webhook: "https://***/api/webhook/whatsApp"})
		}, func(r *waintegrator.CreateAppResponse) fuzzView {
			j := r.JSON200
			return fuzzView{r.Body, r.HTTPResponse, j != nil, j != nil && j.Code == 0 && j.Data != nil}
		}),
		fuzzWAParser("phoneList", waintegrator.ParsePhoneListResponse, func(c *Client) (*waintegrator.PhoneListResponse, error) {
			return c.WhatsApp.PhoneListWithResponse(context.Background(), waintegrator.PhoneListRequest{Appkey: "jh42xxxd434"})
		}, func(r *waintegrator.PhoneListResponse) fuzzView {
			j := r.JSON200
			return fuzzView{r.Body, r.HTTPResponse, j != nil, j != nil && j.Code == 0 && j.Data != nil}
		}),
	)
}

// fuzzView is what FuzzParseResponses reads of a generated response.
type fuzzView struct {
	body    []byte
	hr      *http.Response
	json200 bool // JSON200 is set
	// promised: JSON200 with code 0, and data where the operation
	// promises it — what a nil error from the SDK's client guarantees.
	promised bool
}

// fuzzWAParser builds the fuzzParser of a WhatsApp integrator operation
// from its generated parser, a call of it with the documented example
// request, and a view of its response.
func fuzzWAParser[R any](id string, parse func(*http.Response) (R, error), call func(*Client) (R, error), view func(R) fuzzView) fuzzParser {
	return fuzzParser{
		name: "nxcloud/wa-integrator " + id,
		parse: func(r *http.Response) ([]byte, *http.Response, bool, bool, error) {
			res, err := parse(r)
			if err != nil {
				return nil, nil, false, false, err
			}
			v := view(res)
			return v.body, v.hr, v.json200, false, nil
		},
		decodes: []int{200},
		call: func(t *testing.T, rt http.RoundTripper) (bool, bool, error) {
			res, err := call(fuzzNXClient(t, rt))
			if err != nil {
				return false, false, err
			}
			return true, view(res).promised, nil
		},
	}
}

func fuzzNXClient(t *testing.T, rt http.RoundTripper) *Client {
	c, err := NewClient("fme2na3kdi3ki", "abciiiko2k3", option.WithHTTPClient(&http.Client{Transport: rt}), option.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fuzzBody is a response body that records whether it was closed.
type fuzzBody struct {
	io.Reader
	closed bool
}

func (b *fuzzBody) Close() error { b.closed = true; return nil }

// fuzzRoundTripper answers every request with the same canned response.
type fuzzRoundTripper struct {
	status      int
	contentType string
	body        []byte
}

func (f fuzzRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	h := http.Header{}
	if f.contentType != "" {
		h.Set("Content-Type", f.contentType)
	}
	return &http.Response{
		StatusCode: f.status, Status: strconv.Itoa(f.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)), Request: req,
	}, nil
}

// fuzzParsersNamed returns the parser of the operation name (a FullName,
// such as "nxcloud/ota init"), or every parser for a name that has none,
// so that a mutated name still exercises them.
func fuzzParsersNamed(name string) []fuzzParser {
	for _, p := range fuzzParsers {
		if p.name == name {
			return []fuzzParser{p}
		}
	}
	return fuzzParsers
}

// FuzzParseResponses feeds arbitrary status, Content-Type and body to a
// generated Parse*Response, chosen by its operation's FullName (every one
// of them for a name none has):
//
//   - a parser never panics and always closes the body;
//   - without an error it keeps the exact body and the *http.Response, and
//     sets JSON200 exactly for HTTP 200 with a Content-Type containing
//     "json" (and no other JSONnnn field then);
//   - it fails only when it had a JSON body to decode.
//
// The same response is then served to the SDK's client for the operation
// (signing, checks and the generated parser together), which must keep its
// documented promise: a nil error means the generated response's JSON200
// is set (for NXCloud, with code 0, and with data where the operation
// promises it: OTA init and verify, WhatsApp login, createApp, phoneList).
func FuzzParseResponses(f *testing.F) {
	const (
		otaInit   = "nxcloud/ota init"
		otaVerify = "nxcloud/ota verify"
		wa        = "nxcloud/wa-integrator "
		otpVerify = "engagelab/otp verify"
	)
	f.Add(otaInit, 200, "application/json", []byte(`{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","url":"https://api.xxxxx.com/auth?response_type=code&client_id=xxx"}}`))
	f.Add(otaVerify, 200, "application/json", []byte(`{"code":0,"msg":"Request successful","data":{"requestId":"989d535f78338411f7de07c028ddee4b","status":"SUCCESS"}}`))
	f.Add(otaVerify, 200, "application/json;charset=UTF-8", []byte(`{"code":88,"msg":"Request failed","data":null}`))
	f.Add(wa+"checkCode", 200, "application/json", []byte(`{"code":0,"data":null,"message":"Request successful"}`))
	f.Add(wa+"checkCode", 200, "text/plain", []byte(`{"code":-1,"message":"Request failed","data":null}`))
	f.Add(otpVerify, 200, "application/json", []byte(`{"message_id":"1725407449772531712","verify_code":"667090","verified":true}`))
	f.Add(otpVerify, 400, "application/json", []byte(`{"code":3003,"message":"verify code has expired"}`))
	f.Add(otpVerify, 401, "application/json", []byte(`{"code":2001,"message":"authentication failed"}`))
	f.Add(otpVerify, 403, "application/json", []byte(`{"code":2004,"message":"no permission"}`))
	f.Add(otpVerify, 500, "application/json", []byte(`{"code":1000,"message":"internal error"}`))
	f.Add(otpVerify, 502, "text/html", []byte("<html>Bad Gateway</html>"))
	f.Add(otaInit, 200, "application/json", []byte(`{"code":"0","msg":"Request successful","data":{"requestId":"x","url":"y"}}`))
	f.Add(otaInit, 200, "application/json", []byte(`{"code":0,"msg":"ok","data":"not an object"}`))
	f.Add(otaInit, 200, "application/json", []byte(`{"code":4294967296,"msg":"x"}`))
	f.Add(wa+"login", 200, "application/json", []byte(`{"code":0,"data":{"token":"50abe943xxxe26128e56b08"},"message":"Request successful"}`))
	f.Add(wa+"getCode", 200, "application/json", []byte(`{"code":0,"data":{},"message":"Request successful"}`))
	f.Add(wa+"createClient", 200, "application/json", []byte(`{"code":0,"data":null,"message":"Request successful"}`))
	f.Add(wa+"createApp", 200, "application/json", []byte(`{"code":0,"data":{"app_id":1000,"app_name":"Whatsapp","app_key":"KI92cew9"},"message":"Request successful"}`))
	f.Add(wa+"phoneList", 200, "application/json", []byte(`{"code":0,"data":[],"message":"Request successful"}`))
	f.Add(wa+"phoneList", 200, "application/json", []byte(`{"code":0,"data":{},"message":"Request successful"}`))
	f.Add(wa+"phoneList", 200, "application/json", []byte(`{"code":0,"data":null,"message":"Request successful"}`))

	// The names are the corpus files' keys: each must stay an operation's.
	for _, p := range fuzzParsers {
		doc, id, _ := strings.Cut(p.name, " ")
		d, err := specs.Load(doc)
		if err != nil {
			f.Fatalf("parser %q: %v", p.name, err)
		}
		if _, ok := d.Operation(id); !ok {
			f.Fatalf("parser %q names no operation of %s", p.name, doc)
		}
	}

	f.Fuzz(func(t *testing.T, name string, status int, contentType string, body []byte) {
		for _, p := range fuzzParsersNamed(name) {
			fuzzParseResponse(t, p, status, contentType, body)
		}
	})
}

// fuzzParseResponse is FuzzParseResponses for one parser.
func fuzzParseResponse(t *testing.T, p fuzzParser, status int, contentType string, body []byte) {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	rb := &fuzzBody{Reader: bytes.NewReader(body)}
	resp := &http.Response{StatusCode: status, Header: h, Body: rb}
	gotBody, hr, json200, other, err := p.parse(resp)
	if !rb.closed {
		t.Fatalf("%s: the body was not closed", p.name)
	}
	decoded := false
	if strings.Contains(contentType, "json") {
		for _, s := range p.decodes {
			decoded = decoded || s == status
		}
	}
	if err != nil {
		if !decoded {
			t.Fatalf("%s: error without a body to decode (HTTP %d, %q): %v", p.name, status, contentType, err)
		}
	} else {
		if !bytes.Equal(gotBody, body) || hr != resp {
			t.Fatalf("%s: Body or HTTPResponse not kept", p.name)
		}
		if want := decoded && status == http.StatusOK; json200 != want {
			t.Fatalf("%s: JSON200 set = %v, want %v (HTTP %d, %q)", p.name, json200, want, status, contentType)
		}
		if want := decoded && status != http.StatusOK; other != want {
			t.Fatalf("%s: other JSONnnn set = %v, want %v (HTTP %d, %q)", p.name, other, want, status, contentType)
		}
	}

	if status < 100 || status > 999 {
		return // not a status an HTTP/1.1 response can carry
	}
	ok, clientJSON200, err := p.call(t, fuzzRoundTripper{status: status, contentType: contentType, body: body})
	if !ok {
		var ve *apierror.ValidationError
		if errors.As(err, &ve) {
			t.Fatalf("%s: the documented example request was refused: %v", p.name, err)
		}
		return
	}
	if !clientJSON200 {
		t.Fatalf("%s: the client returned a nil error without a JSON200 (for NXCloud: with code 0, and the data it promises) for HTTP %d, Content-Type %q, body %q", p.name, status, contentType, body)
	}
}
