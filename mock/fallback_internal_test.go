package mock

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/gen/engagelab/otp"
	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/gen/nxcloud/waintegrator"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

// withoutHandlers removes every stateful handler for the test, so that each
// operation is answered from its spec's examples, as a newly added
// operation would be. Tests that use it are not parallel: it swaps the
// package's handler table.
func withoutHandlers(t *testing.T) {
	t.Helper()
	saved := handlers
	handlers = map[string]func(*Server, *call) reply{}
	t.Cleanup(func() { handlers = saved })
}

// requestExample is the first example of an operation's JSON request body
// (the media type's, then the schema's), or nil when it takes none.
func requestExample(t *testing.T, op *specs.Operation) any {
	t.Helper()
	ex := op.RequestExample()
	if ex == nil {
		require.True(t, op.Spec.RequestBody == nil, "%s: a request body without an example", op.FullName())
		return nil
	}
	return ex
}

// pathExamples are the examples of an operation's path parameters, in the
// order its path names them.
func pathExamples(t *testing.T, op *specs.Operation) []string {
	t.Helper()
	item := op.Doc.OpenAPI.Paths.Value(op.Path)
	var values []string
	for seg := range strings.SplitSeq(op.Path, "/") {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := seg[1 : len(seg)-1]
		p := op.Spec.Parameters.GetByInAndName("path", name)
		if p == nil {
			p = item.Parameters.GetByInAndName("path", name)
		}
		require.NotNil(t, p, "%s: path parameter %s is not declared", op.FullName(), name)
		ex, _ := p.Example.(string)
		require.NotEmpty(t, ex, "%s: path parameter %s has no example", op.FullName(), name)
		values = append(values, ex)
	}
	return values
}

// TestExampleFallbackThroughThePipeline sends every operation of every
// spec, with its spec's request example, through the SDK's pipeline
// (apiclient.Service, with the vendor's authentication) to a mock that has
// no stateful handler: the answer must satisfy the spec (Start fails the
// test otherwise), and the pipeline's success rule (x-success) and success
// schema must take it as a success.
func TestExampleFallbackThroughThePipeline(t *testing.T) {
	withoutHandlers(t)
	m := Start(t)
	docs, err := specs.All()
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	// The mock's default key pair for every set the specs send.
	opts := []option.Option{option.WithBaseURL(m.URL), option.WithoutRetries()}
	for _, d := range docs {
		for _, op := range d.Operations {
			if set := op.CredentialSet(); set != "" {
				pair := m.Server.appPair(set)
				opts = append(opts, option.WithAppCredentials(set, pair[0], pair[1]))
			}
		}
	}
	cfg, err := apiclient.NewConfig(opts)
	require.NoError(t, err)
	// NXCloud: signed operations are signed, the others go as they are.
	signer := func(base http.RoundTripper) http.RoundTripper {
		return &sign.NXCloudTransport{Base: base, AccessKey: m.AccessKey, AccessSecret: m.AccessSecret, Operation: specs.SignedConstants}
	}
	nxAuth := func(base http.RoundTripper) http.RoundTripper {
		signed := signer(base)
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if op, ok := specs.OperationFrom(r.Context()); ok && !op.Signed() {
				return base.RoundTrip(r)
			}
			return signed.RoundTrip(r)
		})
	}
	elAuth := func(base http.RoundTripper) http.RoundTripper {
		// A product with its own Basic pair (x-basic-credentials) sends it.
		product := func(r *http.Request) (string, string, bool) {
			op, ok := specs.OperationFrom(r.Context())
			if !ok || op.BasicCredentials == nil {
				return "", "", false
			}
			p := m.Server.appPair(op.BasicCredentials.Set)
			return op.BasicCredentials.UserPrefix + p[0], p[1], true
		}
		return &sign.BasicAuthTransport{Base: base, DevKey: m.DevKey, DevSecret: m.DevSecret, For: product}
	}
	for _, d := range docs {
		require.NotEmpty(t, d.Operations, d.Name)
		auth := elAuth
		if d.SDK.Vendor == "nxcloud" {
			auth = nxAuth
		}
		svc := apiclient.NewService(cfg, d.Name, auth)
		for _, op := range d.Operations {
			t.Run(op.FullName(), func(t *testing.T) {
				var out any
				var dst any = &out // an untyped nil when the success carries nothing
				if op.Success.Empty {
					dst = nil
				}
				var raw option.RawResponse
				err := svc.Call(context.Background(), op.ID, pathExamples(t, op), requestExample(t, op), dst,
					[]apiclient.RequestOption{option.WithRawResponse(&raw)})
				require.NoError(t, err, "answer: %s", raw.Body)
				assert.Equal(t, op.Success.Status, raw.StatusCode)
				if !op.Success.Empty {
					assert.NotNil(t, out, "a success carries the payload its spec promises")
				}
			})
		}
	}
}

// TestExampleFallback answers every operation from its spec's examples, as
// TestExampleFallbackThroughThePipeline does, and calls each through its
// typed method on the real vendor clients: the example must decode into
// the generated result types. Every operation of the specs needs its entry
// in the table.
func TestExampleFallback(t *testing.T) {
	withoutHandlers(t)
	m := Start(t)
	ctx := context.Background()
	nx, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, option.WithBaseURL(m.URL), option.WithoutRetries())
	require.NoError(t, err)
	el, err := engagelab.NewClient(m.DevKey, m.DevSecret, option.WithBaseURL(m.URL), option.WithoutRetries())
	require.NoError(t, err)

	typed := map[string]func(t *testing.T){
		"nxcloud/ota init": func(t *testing.T) {
			res, err := nx.OTA.Init(ctx, ota.InitParams{Appkey: "a", Phone: "8615800001795", UserIP: "203.0.113.7"})
			require.NoError(t, err)
			assert.NotEmpty(t, res.URL, "init's success example carries a link")
			assert.NotEmpty(t, res.RequestID)
		},
		"nxcloud/ota verify": func(t *testing.T) {
			res, err := nx.OTA.Verify(ctx, ota.VerifyParams{Appkey: "a", RequestID: "unknown-to-any-handler"})
			require.NoError(t, err)
			assert.Equal(t, ota.VerificationStatusSuccess, res.Status)
		},
		"nxcloud/wa-integrator checkCode": func(t *testing.T) {
			require.NoError(t, nx.WhatsApp.CheckCode(ctx, waintegrator.CheckCodeParams{PhoneNumber: "1", Code: "wrong-for-the-handler"}))
		},
		"nxcloud/wa-integrator login": func(t *testing.T) {
			res, err := nx.WhatsApp.Login(ctx)
			require.NoError(t, err)
			assert.NotEmpty(t, res.Token, "login's success example carries a token")
		},
		"nxcloud/wa-integrator getCode": func(t *testing.T) {
			require.NoError(t, nx.WhatsApp.GetCode(ctx, waintegrator.GetCodeParams{PhoneNumber: "1", Method: waintegrator.CodeMethodVoice}))
		},
		"nxcloud/wa-integrator createClient": func(t *testing.T) {
			require.NoError(t, nx.WhatsApp.CreateClient(ctx, waintegrator.CreateClientParams{PhoneNumber: "never-confirmed"}))
		},
		"nxcloud/wa-integrator createApp": func(t *testing.T) {
			res, err := nx.WhatsApp.CreateApp(ctx, waintegrator.CreateAppParams{AppName: "a", Webhook: "https://hooks.example/wa"})
			require.NoError(t, err)
			assert.NotEmpty(t, res.AppKey, "createApp's success example carries an app_key")
		},
		"nxcloud/wa-integrator phoneList": func(t *testing.T) {
			list, err := nx.WhatsApp.PhoneList(ctx, waintegrator.PhoneListParams{Appkey: "never-created"})
			require.NoError(t, err)
			assert.Len(t, list, 2, "phoneList's success example lists two numbers")
		},
		"engagelab/otp verify": func(t *testing.T) {
			res, err := el.OTP.Verify(ctx, otp.VerifyParams{MessageID: "never-sent", VerifyCode: "1"})
			require.NoError(t, err)
			assert.NotEmpty(t, res.MessageID)
		},
		"engagelab/otp sendMessage": func(t *testing.T) {
			res, err := el.OTP.SendMessage(ctx, otp.SendMessageParams{To: "+1", Template: otp.MessageTemplate{ID: "never-created"}})
			require.NoError(t, err)
			assert.NotEmpty(t, res.MessageID)
		},
		"engagelab/otp sendCode": func(t *testing.T) {
			res, err := el.OTP.SendCode(ctx, otp.SendCodeParams{To: "+1", Code: "1234", Template: otp.MessageTemplate{ID: "never-created"}})
			require.NoError(t, err)
			assert.NotEmpty(t, res.MessageID)
		},
		"engagelab/otp sendCustomMessage": func(t *testing.T) {
			res, err := el.OTP.SendCustomMessage(ctx, otp.SendCustomMessageParams{To: "+1",
				Template: otp.CustomMessageTemplate{ID: "never-created", Params: map[string]string{"code": "1234"}}})
			require.NoError(t, err)
			assert.NotEmpty(t, res.MessageID)
		},
		"engagelab/otp createTemplate": func(t *testing.T) {
			require.NoError(t, el.OTP.CreateTemplate(ctx, otp.TemplateConfig{TemplateID: "t", SendChannelStrategy: "sms", SmsConfig: otp.SMSConfig{TemplateType: otp.SMSConfigTemplateTypeDefault}}))
		},
		"engagelab/otp listTemplates": func(t *testing.T) {
			list, err := el.OTP.ListTemplates(ctx)
			require.NoError(t, err)
			assert.NotNil(t, list, "listTemplates' success example is a list")
		},
		"engagelab/otp getTemplate": func(t *testing.T) {
			res, err := el.OTP.GetTemplate(ctx, "never-created")
			require.NoError(t, err)
			assert.NotEmpty(t, res.TemplateID)
		},
		"engagelab/otp deleteTemplate": func(t *testing.T) {
			require.NoError(t, el.OTP.DeleteTemplate(ctx, "never-created"))
		},
	}

	docs, err := specs.All()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, d := range docs {
		for _, op := range d.Operations {
			name := op.FullName()
			seen[name] = true
			t.Run(name, func(t *testing.T) {
				call, ok := typed[name]
				if !ok {
					// A new product needs no entry: the pipeline test above
					// sends every operation; this table adds typed checks.
					t.Skipf("no typed call for %s in the table; TestExampleFallbackThroughThePipeline covers it", name)
				}
				call(t)
			})
		}
	}
	for name := range typed {
		assert.True(t, seen[name], "the table names %q, which no spec has", name)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
