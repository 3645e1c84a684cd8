package nxcloud_test

// FuzzSignedCall: the NXCloud client signs what it sends. (The success
// judging that FuzzCheckEnvelope and FuzzParseResponses used to fuzz here
// is vendor-agnostic now; internal/apiclient's FuzzJudge covers it.)

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
)

const (
	fuzzAccessKey    = "fme2na3kdi3ki"
	fuzzAccessSecret = "abciiiko2k3"
)

// fuzzOp is an NXCloud operation and its typed method on *nxcloud.Client.
type fuzzOp struct {
	op      *specs.Operation
	example any // the spec's request example, decoded; nil without params
	ok      []byte
	// query: the params go in the query string, with no body (a signed
	// GET); example is then made of the query parameters' examples.
	query bool
}

// fuzzNXOps lists every signed operation of every NXCloud spec.
func fuzzNXOps(f *testing.F) []fuzzOp {
	docs, err := specs.All()
	if err != nil {
		f.Fatal(err)
	}
	var out []fuzzOp
	for _, d := range docs {
		if d.SDK.Vendor != "nxcloud" {
			continue
		}
		for _, op := range d.Operations {
			if !op.Signed() {
				continue // this target is about the signature
			}
			if op.BodyMediaType() == specs.MediaMultipart {
				continue // signed over the headers alone: see whatsappupload_test.go
			}
			fo := fuzzOp{op: op, ok: fuzzSuccessExample(f, op)}
			if rb := op.Spec.RequestBody; rb != nil && rb.Value != nil {
				mt := rb.Value.Content.Get("application/json")
				if mt == nil || mt.Example == nil {
					f.Fatalf("%s: no request example", op.FullName())
				}
				fo.example = mt.Example
			} else if len(op.Spec.Parameters) > 0 {
				example := map[string]any{}
				for _, p := range op.Spec.Parameters {
					if p.Value == nil || p.Value.In != "query" || p.Value.Example == nil {
						f.Fatalf("%s: a parameter without a query example", op.FullName())
					}
					example[p.Value.Name] = p.Value.Example
				}
				fo.example, fo.query = example, true
			}
			if _, err := fuzzMethod(&nxcloud.Client{}, op); err != nil {
				f.Fatal(err)
			}
			out = append(out, fo)
		}
	}
	if len(out) == 0 {
		f.Fatal("no NXCloud operations")
	}
	return out
}

// fuzzSuccessExample is the documented success answer of op.
func fuzzSuccessExample(f *testing.F, op *specs.Operation) []byte {
	r := op.Spec.Responses.Status(op.Success.Status)
	if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
		f.Fatalf("%s: no success response", op.FullName())
	}
	ex := r.Value.Content.Get("application/json").Examples["success"]
	if ex == nil || ex.Value == nil {
		f.Fatalf("%s: no success example", op.FullName())
	}
	b, err := json.Marshal(ex.Value.Value)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// fuzzMethod is op's method on the product client of c (the field the
// spec's x-sdk names, the method named as the operationId).
func fuzzMethod(c *nxcloud.Client, op *specs.Operation) (reflect.Value, error) {
	product := reflect.ValueOf(c).Elem().FieldByName(op.Doc.SDK.Field)
	if !product.IsValid() {
		return reflect.Value{}, fmt.Errorf("%s: nxcloud.Client has no field %s", op.FullName(), op.Doc.SDK.Field)
	}
	for i := range product.NumMethod() {
		if strings.EqualFold(product.Type().Method(i).Name, op.ID) {
			return product.Method(i), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("%s: %s has no method for it", op.FullName(), product.Type())
}

// fuzzStrings lists the paths of the string leaves of a decoded JSON value,
// sorted.
func fuzzStrings(v any, at string, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, at)
	case map[string]any:
		for k, c := range x {
			fuzzStrings(c, at+"/"+k, out)
		}
	case []any:
		for i, c := range x {
			fuzzStrings(c, at+"/"+strconv.Itoa(i), out)
		}
	}
}

// fuzzReplace returns a copy of v with the string leaf at path set to s.
func fuzzReplace(v any, at, path, s string) any {
	switch x := v.(type) {
	case string:
		if at == path {
			return s
		}
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = fuzzReplace(c, at+"/"+k, path, s)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, c := range x {
			a[i] = fuzzReplace(c, at+"/"+strconv.Itoa(i), path, s)
		}
		return a
	}
	return v
}

// fuzzWire is the NXCloud side: it records what arrived and answers with
// the operation's documented success.
type fuzzWire struct {
	mu     sync.Mutex
	reqs   int
	header http.Header
	method string
	path   string
	query  url.Values
	body   []byte
	answer []byte
}

func (w *fuzzWire) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	w.mu.Lock()
	w.reqs++
	w.header, w.method, w.path, w.query, w.body = r.Header.Clone(), r.Method, r.URL.EscapedPath(), r.URL.Query(), body
	answer := w.answer
	w.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(string(answer))),
		ContentLength: int64(len(answer)), Request: r,
	}, nil
}

// FuzzSignedCall sends each NXCloud operation (the one the input names by
// its full name, or all of them) through nxcloud.NewClient and its typed
// method, with the spec's request example in which one string field (the
// input's index, modulo their number) holds an arbitrary string, signed
// with MD5 or SHA-256. Whatever the string:
//
//   - params the spec refuses are an *apierror.ValidationError and nothing
//     is sent;
//   - otherwise exactly one request is sent, to the operation's method and
//     path, carrying the access key, a current ts, the bizType and action
//     the spec gives the operation, the algorithm header exactly for
//     SHA-256, and a signature that sign.Verify accepts over the very
//     bytes received, which are the JSON of the typed params;
//   - the documented success answer then gives a nil error and, where the
//     method returns one, a result.
func FuzzSignedCall(f *testing.F) {
	ops := fuzzNXOps(f)
	byName := map[string]fuzzOp{}
	for _, o := range ops {
		byName[o.op.FullName()] = o
	}
	values := []string{"", "185xxx99", "a<b>&c\u2028", `"quoted" \ back`, "line\nbreak", "ü😀", "\xff\xfe", strings.Repeat("9", 300)}
	for _, o := range ops {
		var leaves []string
		fuzzStrings(o.example, "", &leaves)
		for i, v := range values {
			f.Add(o.op.FullName(), uint(i%max(len(leaves), 1)), v, i%2 == 1)
		}
	}

	f.Fuzz(func(t *testing.T, name string, which uint, value string, sha bool) {
		targets := ops
		if o, ok := byName[name]; ok {
			targets = []fuzzOp{o}
		}
		for _, o := range targets {
			fuzzSignedCall(t, o, which, value, sha)
		}
	})
}

func fuzzSignedCall(t *testing.T, o fuzzOp, which uint, value string, sha bool) {
	alg := sign.MD5
	if sha {
		alg = sign.SHA256
	}
	wire := &fuzzWire{answer: o.ok}
	c, err := nxcloud.NewClient(fuzzAccessKey, fuzzAccessSecret,
		option.WithHTTPClient(&http.Client{Transport: wire}), option.WithoutRetries(), option.WithSignAlgorithm(alg))
	if err != nil {
		t.Fatal(err)
	}
	m, err := fuzzMethod(c, o.op)
	if err != nil {
		t.Fatal(err)
	}

	args := []reflect.Value{reflect.ValueOf(context.Background())}
	var want []byte // the JSON of the typed params: what must be sent
	if o.example != nil {
		var leaves []string
		fuzzStrings(o.example, "", &leaves)
		sort.Strings(leaves)
		params := o.example
		if len(leaves) > 0 {
			params = fuzzReplace(o.example, "", leaves[which%uint(len(leaves))], value)
		}
		raw, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		typed := reflect.New(m.Type().In(1))
		if err := json.Unmarshal(raw, typed.Interface()); err != nil {
			t.Fatalf("%s: %s does not decode into %s: %v", o.op.FullName(), raw, typed.Type().Elem(), err)
		}
		if want, err = json.Marshal(typed.Interface()); err != nil {
			t.Fatal(err)
		}
		args = append(args, typed.Elem())
	}
	before := time.Now()
	outs := m.Call(args)
	after := time.Now()
	var callErr error
	if e := outs[len(outs)-1]; !e.IsNil() {
		callErr = e.Interface().(error)
	}

	wire.mu.Lock()
	defer wire.mu.Unlock()
	var ve *apierror.ValidationError
	if errors.As(callErr, &ve) {
		if wire.reqs != 0 {
			t.Fatalf("%s: refused (%v), yet sent", o.op.FullName(), callErr)
		}
		return
	}
	if callErr != nil {
		t.Fatalf("%s: %v", o.op.FullName(), callErr)
	}
	if len(outs) == 2 && outs[0].IsNil() {
		t.Fatalf("%s: a nil error without a result", o.op.FullName())
	}
	if wire.reqs != 1 {
		t.Fatalf("%s: %d requests", o.op.FullName(), wire.reqs)
	}
	if wire.method != o.op.Method || wire.path != o.op.SendPath {
		t.Fatalf("%s: sent %s %s", o.op.FullName(), wire.method, wire.path)
	}
	switch {
	case o.query:
		// No body (so no &body= in the signature): the params are the query.
		if len(wire.body) != 0 {
			t.Fatalf("%s: sent a body %q with the params in the query", o.op.FullName(), wire.body)
		}
		if q := fuzzQuery(t, want); !reflect.DeepEqual(wire.query, q) {
			t.Fatalf("%s: sent the query %v, the params are %v", o.op.FullName(), wire.query, q)
		}
	case string(wire.body) != string(want):
		t.Fatalf("%s: sent %q, the params encode as %q", o.op.FullName(), wire.body, want)
	}
	h := func(name string) string { return sign.HeaderValue(wire.header, name) }
	p := sign.Params{AccessKey: h(sign.HeaderAccessKey), TS: h(sign.HeaderTS), BizType: h(sign.HeaderBizType), Action: h(sign.HeaderAction)}
	if p.AccessKey != fuzzAccessKey || p.BizType != o.op.BizType || p.Action != o.op.Action {
		t.Fatalf("%s: signed as %+v, want key %s bizType %s action %s", o.op.FullName(), p, fuzzAccessKey, o.op.BizType, o.op.Action)
	}
	ts, err := strconv.ParseInt(p.TS, 10, 64)
	if err != nil || ts < before.UnixMilli() || ts > after.UnixMilli() {
		t.Fatalf("%s: ts %q is not the time of the call", o.op.FullName(), p.TS)
	}
	if got := h(sign.HeaderAlgorithm); (got != "") != sha || (sha && !strings.EqualFold(got, string(sign.SHA256))) {
		t.Fatalf("%s: algorithm header %q for %s", o.op.FullName(), got, alg)
	}
	if !sign.Verify(alg, p, wire.body, fuzzAccessSecret, h(sign.HeaderSign)) {
		t.Fatalf("%s: the signature %q does not verify over the %d bytes received", o.op.FullName(), h(sign.HeaderSign), len(wire.body))
	}
}

// fuzzQuery is the query string that carries the params of JSON p: text as
// it is, numbers and booleans as JSON writes them.
func fuzzQuery(t *testing.T, p []byte) url.Values {
	dec := json.NewDecoder(strings.NewReader(string(p)))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	for k, v := range fields {
		switch v := v.(type) {
		case string:
			q.Set(k, v)
		case json.Number:
			q.Set(k, v.String())
		case bool:
			q.Set(k, strconv.FormatBool(v))
		default:
			t.Fatalf("a query parameter %s of %T", k, v)
		}
	}
	return q
}
