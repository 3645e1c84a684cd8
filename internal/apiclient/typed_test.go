package apiclient_test

// Helpers that reach every operation of every spec through its generated
// typed method, found by reflection from the spec alone: the vendor
// client's field is the spec's x-sdk field, the method is the operationId
// in Go case, the params are the spec's request example. No test restates
// the list of specs or operations.

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// Credentials of the vendor clients the tests build.
const (
	testAccessKey    = "test-access-key"
	testAccessSecret = "test-access-secret-DO-NOT-LEAK"
	testDevKey       = "test-dev-key"
	testDevSecret    = "test-dev-secret-DO-NOT-LEAK"
)

// newVendorClient returns the vendor client (*nxcloud.Client,
// *engagelab.Client) for a spec's vendor directory.
func newVendorClient(vendor string, opts ...option.Option) (any, error) {
	opts = append(appCredentialsFor(vendor), opts...)
	switch vendor {
	case "nxcloud":
		return nxcloud.NewClient(testAccessKey, testAccessSecret, opts...)
	case "engagelab":
		return engagelab.NewClient(testDevKey, testDevSecret, opts...)
	}
	return nil, fmt.Errorf("no client for vendor %q: add it to newVendorClient", vendor)
}

// vendorClientType is the type of a vendor's client struct.
func vendorClientType(vendor string) (reflect.Type, error) {
	c, err := newVendorClient(vendor)
	if err != nil {
		return nil, err
	}
	return reflect.TypeOf(c).Elem(), nil
}

// typedOp is an operation with the shape of its generated method.
type typedOp struct {
	op *specs.Operation
	// method is the method's index in the product client's method set.
	method int
	// pathParams names the path parameters, in the path's order.
	pathParams []string
	// params is the params type; nil when the method takes none.
	params reflect.Type
	// result is the type of the method's first result (*T or []T); nil
	// when the method returns only an error.
	result reflect.Type
}

// allOps loads every spec and finds each operation's method.
func allOps(t testing.TB) []typedOp {
	t.Helper()
	docs, err := specs.All()
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	var out []typedOp
	for _, d := range docs {
		require.NotEmpty(t, d.Operations, d.Name)
		for _, op := range d.Operations {
			to, err := findMethod(op)
			require.NoError(t, err)
			out = append(out, to)
		}
	}
	return out
}

// findMethod finds the generated method of op on its vendor's client type.
func findMethod(op *specs.Operation) (typedOp, error) {
	vt, err := vendorClientType(op.Doc.SDK.Vendor)
	if err != nil {
		return typedOp{}, err
	}
	f, ok := vt.FieldByName(op.Doc.SDK.Field)
	if !ok {
		return typedOp{}, fmt.Errorf("%s: %s has no field %s", op.FullName(), vt, op.Doc.SDK.Field)
	}
	to := typedOp{op: op, method: -1, pathParams: pathParams(op.Path)}
	for i := range f.Type.NumMethod() {
		if strings.EqualFold(f.Type.Method(i).Name, op.ID) {
			to.method = i
		}
	}
	if to.method < 0 {
		return to, fmt.Errorf("%s: %s has no method for it", op.FullName(), f.Type)
	}
	m := f.Type.Method(to.method).Type // with the receiver first
	// receiver, ctx, one string per path parameter, params, ...opts
	fixed := m.NumIn() - 1
	if !m.IsVariadic() || fixed < 2+len(to.pathParams) || fixed > 3+len(to.pathParams) {
		return to, fmt.Errorf("%s: unexpected signature %s", op.FullName(), m)
	}
	if fixed == 3+len(to.pathParams) {
		to.params = m.In(fixed - 1)
	}
	if m.NumOut() == 2 {
		to.result = m.Out(0)
	}
	return to, nil
}

func pathParams(tmpl string) []string {
	var names []string
	for seg := range strings.SplitSeq(tmpl, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, seg[1:len(seg)-1])
		}
	}
	return names
}

// newOut returns what the generated method hands the pipeline as out: a
// pointer to a fresh result value, or nil when it returns nothing.
func (to typedOp) newOut() any {
	switch {
	case to.result == nil:
		return nil
	case to.result.Kind() == reflect.Pointer:
		return reflect.New(to.result.Elem()).Interface()
	default: // a slice, decoded through a pointer to it
		return reflect.New(to.result).Interface()
	}
}

// call sends the operation through its typed method on client (a vendor
// client) with the spec's example request. It returns the method's result
// (nil when it returns only an error).
func (to typedOp) call(ctx context.Context, client any, opts ...option.RequestOption) (any, error) {
	params, err := exampleParams(to.op)
	if err != nil {
		return nil, err
	}
	return to.callWith(ctx, client, examplePath(to.op), params, opts...)
}

// callWith is call with the given path values and params (JSON, decoded
// into the params type).
func (to typedOp) callWith(ctx context.Context, client any, path []string, params []byte, opts ...option.RequestOption) (any, error) {
	product := reflect.ValueOf(client).Elem().FieldByName(to.op.Doc.SDK.Field)
	m := product.Method(to.method)
	ctxType := m.Type().In(0)
	args := []reflect.Value{reflect.Zero(ctxType)}
	if ctx != nil {
		args[0] = reflect.ValueOf(ctx)
	}
	if len(path) != len(to.pathParams) {
		return nil, fmt.Errorf("%s: %d path values for %d parameters", to.op.FullName(), len(path), len(to.pathParams))
	}
	for _, p := range path {
		args = append(args, reflect.ValueOf(p))
	}
	if to.params != nil {
		p := reflect.New(to.params)
		if err := json.Unmarshal(params, p.Interface()); err != nil {
			return nil, fmt.Errorf("%s: params %s: %w", to.op.FullName(), params, err)
		}
		args = append(args, p.Elem())
	}
	for _, o := range opts {
		args = append(args, reflect.ValueOf(o))
	}
	outs := m.Call(args)
	errV := outs[len(outs)-1]
	var callErr error
	if !errV.IsNil() {
		callErr = errV.Interface().(error)
	}
	if len(outs) == 2 {
		return outs[0].Interface(), callErr
	}
	return nil, callErr
}

// resultIsSet reports whether a method's result holds something: a
// non-nil pointer or slice.
func resultIsSet(res any) bool {
	v := reflect.ValueOf(res)
	return v.IsValid() && !v.IsNil()
}

// exampleParams is the operation's documented request example as the
// caller's params, JSON (specs.Operation.RequestExample: the body example
// less an application's key pair, or the query parameters' examples); nil
// when the operation takes neither.
func exampleParams(op *specs.Operation) ([]byte, error) {
	ex := op.RequestExample()
	if ex == nil {
		if op.Spec.RequestBody != nil {
			return nil, fmt.Errorf("%s: the request body has no example", op.FullName())
		}
		return nil, nil
	}
	return json.Marshal(ex)
}

// examplePath is the example value of each path parameter, in order.
func examplePath(op *specs.Operation) []string {
	params := op.Spec.Parameters
	if item := op.Doc.OpenAPI.Paths.Value(op.Path); item != nil {
		params = append(append(openapi3.Parameters{}, item.Parameters...), params...)
	}
	var out []string
	for _, name := range pathParams(op.Path) {
		v := "example-" + name
		for _, p := range params {
			if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Name != name {
				continue
			}
			if s, ok := p.Value.Example.(string); ok {
				v = s
			} else if p.Value.Schema != nil && p.Value.Schema.Value != nil {
				if s, ok := p.Value.Schema.Value.Example.(string); ok {
					v = s
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// specExample is one documented response of an operation.
type specExample struct {
	op     *specs.Operation
	name   string
	status int
	body   []byte
}

// responseExamples lists every response example of every operation of
// every spec, success and failure alike.
func responseExamples(t testing.TB) []specExample {
	t.Helper()
	docs, err := specs.All()
	require.NoError(t, err)
	var out []specExample
	for _, d := range docs {
		for _, op := range d.Operations {
			for code, r := range op.Spec.Responses.Map() {
				var status int
				if _, err := fmt.Sscanf(code, "%d", &status); err != nil || r.Value == nil {
					continue
				}
				mt := r.Value.Content.Get("application/json")
				if mt == nil {
					continue
				}
				add := func(name string, v any) {
					b, err := json.Marshal(v)
					require.NoError(t, err)
					out = append(out, specExample{op: op, name: name, status: status, body: b})
				}
				if mt.Example != nil {
					add(code, mt.Example)
				}
				for name, ex := range mt.Examples {
					if ex.Value != nil {
						add(code+" "+name, ex.Value.Value)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.op.FullName() != b.op.FullName() {
			return a.op.FullName() < b.op.FullName()
		}
		return a.name < b.name
	})
	require.NotEmpty(t, out)
	return out
}

// TestEveryOperationHasATypedMethod: the reflection above finds a method
// for every operation, and every method of every product client is an
// operation of its spec.
func TestEveryOperationHasATypedMethod(t *testing.T) {
	ops := allOps(t)
	methods := map[reflect.Type]int{}
	for _, to := range ops {
		vt, err := vendorClientType(to.op.Doc.SDK.Vendor)
		require.NoError(t, err)
		f, _ := vt.FieldByName(to.op.Doc.SDK.Field)
		methods[f.Type]++
		if p, err := to.op.PagesOf(); err == nil && p != nil {
			methods[f.Type]++ // the generated <Method>Pages iterator
		}
		if to.op.Success.Empty {
			assert.Nil(t, to.result, "%s: a success that carries nothing returns only an error", to.op.FullName())
		}
		if to.op.Spec.RequestBody != nil || len(to.op.ParamFields()) > 0 {
			assert.NotNil(t, to.params, "%s takes params", to.op.FullName())
		} else {
			assert.Nil(t, to.params, "%s takes no params", to.op.FullName())
		}
	}
	for typ, n := range methods {
		assert.Equal(t, typ.NumMethod(), n, "%s has a method that is no operation", typ)
	}
}
