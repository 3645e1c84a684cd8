package drafttest

// Helpers for the tests of NXCloud's verification channel specs (issue
// 12): a service in front of a fresh mock, request and success examples,
// typed receivers.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/webhook"
)

// nxchDraft names one of the embedded issue-12 specs under test.
type nxchDraft struct {
	name string // nxcloud/flashcall
}

func (d *nxchDraft) register(t *testing.T) *specs.Document {
	t.Helper()
	doc, err := specs.Load(d.name)
	require.NoError(t, err)
	return doc
}

// op is the draft's operation opID.
func (d *nxchDraft) op(t *testing.T, opID string) *specs.Operation {
	t.Helper()
	op, ok := d.register(t).Operation(opID)
	require.True(t, ok, "%s has no operation %s", d.name, opID)
	return op
}

// nxchEnv is a draft's service in front of the mock.
type nxchEnv struct {
	svc  *apiclient.Service
	wire *wire
	url  string // the mock's base URL
	mock *mock.Server

	mu      sync.Mutex
	invalid []string // the mock's answers its spec does not allow
}

// nxchStart registers the draft and returns a service that sends it to a
// fresh mock: signed operations are signed with the mock's access key and
// accessSecret ("" for the mock's own secret), the others go unsigned, as
// nxcloud.NewClient sends them. Every mock answer the spec does not allow
// is a test error unless lenient is set, in which case the test reads them
// from env.invalidAnswers.
func nxchStart(t *testing.T, d *nxchDraft, accessSecret string, lenient bool, opts ...option.Option) *nxchEnv {
	t.Helper()
	d.register(t)
	env := &nxchEnv{}
	m, err := mock.New(mock.Config{OnInvalidResponse: func(op string, err error) {
		env.mu.Lock()
		env.invalid = append(env.invalid, op+": "+err.Error())
		env.mu.Unlock()
		if !lenient {
			t.Errorf("mock: %s sent a response its spec does not allow: %v", op, err)
		}
	}})
	require.NoError(t, err)
	env.mock = m
	env.wire = &wire{next: m}
	srv := httptest.NewServer(env.wire)
	t.Cleanup(srv.Close)
	env.url = srv.URL
	cfg, err := apiclient.NewConfig(append([]option.Option{option.WithBaseURL(srv.URL), option.WithoutRetries()}, opts...))
	require.NoError(t, err)
	if accessSecret == "" {
		accessSecret = mock.DefaultAccessSecret
	}
	env.svc = apiclient.NewService(cfg, d.name, func(base http.RoundTripper) http.RoundTripper {
		return nxchBySpec{
			signed: &sign.NXCloudTransport{Base: base, AccessKey: mock.DefaultAccessKey, AccessSecret: accessSecret,
				Algorithm: sign.MD5, Operation: specs.SignedConstants},
			unsigned: base,
		}
	})
	return env
}

func (e *nxchEnv) invalidAnswers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.invalid...)
}

// nxchBySpec signs only the operations whose spec says they are signed,
// as the nxcloud package's transport does.
type nxchBySpec struct{ signed, unsigned http.RoundTripper }

func (t nxchBySpec) RoundTrip(req *http.Request) (*http.Response, error) {
	if op, ok := specs.OperationFrom(req.Context()); ok && !op.Signed() {
		return t.unsigned.RoundTrip(req)
	}
	return t.signed.RoundTrip(req)
}

// nxchRequestExample is what a caller gives the operation for its
// documented request (specs.Operation.RequestExample), which must exist.
func nxchRequestExample(t *testing.T, op *specs.Operation) map[string]any {
	t.Helper()
	ex := op.RequestExample()
	require.NotNil(t, ex, "%s has no request example", op.FullName())
	return ex
}

// nxchSuccessExample is the value a success returns to the caller, from
// the operation's success example: its payload field, or the whole body.
func nxchSuccessExample(t *testing.T, op *specs.Operation) any {
	t.Helper()
	mt := op.Spec.Responses.Status(http.StatusOK).Value.Content.Get("application/json")
	require.NotNil(t, mt, "%s: no JSON answer", op.FullName())
	ex := mt.Examples["success"]
	require.NotNil(t, ex, "%s: no success example", op.FullName())
	v := ex.Value.Value
	if p := op.Success.Payload; p != "" {
		v = v.(map[string]any)[p]
	}
	// Through JSON, as the caller's map receives it.
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// nxchWithout is a copy of params less the named fields.
func nxchWithout(params map[string]any, names ...string) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// nxchWith is a copy of params with one field replaced.
func nxchWith(params map[string]any, name string, v any) map[string]any {
	out := nxchWithout(params)
	out[name] = v
	return out
}

// nxchJoin joins validation problems for an assertion.
func nxchJoin(problems []string) string { return strings.Join(problems, "; ") }

// nxchFirstLine is the first line of a multi-line message.
func nxchFirstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// nxchCallbackExample is a callback schema's example, as JSON decodes it.
func nxchCallbackExample(t *testing.T, d *nxchDraft, schema string) map[string]any {
	t.Helper()
	cb, err := d.register(t).Callback(schema)
	require.NoError(t, err)
	b, err := json.Marshal(cb.Schema.Example)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	require.NotEmpty(t, out, "%s has no example", schema)
	return out
}

// nxchReceiver serves a typed receiver of the draft's callback schema and
// records what it was handed.
type nxchReceiver struct {
	mu  sync.Mutex
	got []map[string]any
	url string
}

func nxchReceive(t *testing.T, d *nxchDraft, schema string) *nxchReceiver {
	t.Helper()
	d.register(t)
	r := &nxchReceiver{}
	h := &webhook.Callback[map[string]any]{Spec: d.name, Schema: schema, Handle: func(_ context.Context, v map[string]any) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, v)
		return nil
	}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/nxcloud/callback"
	return r
}

func (r *nxchReceiver) received() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.got...)
}

// nxchPost posts a callback by hand and returns the receiver's answer.
func nxchPost(t *testing.T, target, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(target, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// draftStart serves a fresh mock behind a wire recorder and returns a
// service for the named spec pointed at it (see nxchStart).
func draftStart(t *testing.T, spec string, opts ...option.Option) (*apiclient.Service, *wire) {
	t.Helper()
	env := nxchStart(t, &nxchDraft{name: spec}, "", false, opts...)
	return env.svc, env.wire
}

// draftService is a service for the named spec's unsigned operations, at
// base.
func draftService(t *testing.T, spec, base string, opts ...option.Option) *apiclient.Service {
	t.Helper()
	cfg, err := apiclient.NewConfig(append([]option.Option{option.WithBaseURL(base), option.WithoutRetries()}, opts...))
	require.NoError(t, err)
	return apiclient.NewService(cfg, spec, func(b http.RoundTripper) http.RoundTripper { return b })
}

// draftExample is the request example of the named spec's operation opID.
func draftExample(t *testing.T, spec, opID string) map[string]any {
	t.Helper()
	return nxchRequestExample(t, (&nxchDraft{name: spec}).op(t, opID))
}
