package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/engagelab"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/nxcloud"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/specs"
)

// TestEveryOperationGetsADocumentedFailure has the mock answer each
// operation of every spec, called with its request example, with a
// documented result code in the vendor's shape (mock.RejectNext), and
// checks that the typed call returns that code as an *apierror.Error.
func TestEveryOperationGetsADocumentedFailure(t *testing.T) {
	m := mock.Start(t)
	opts := map[string][]option.Option{}
	for _, v := range appCredentialVars { // each vendor's sets, with the mock's default pairs
		key, secret := m.AppCredentials(v.set)
		opts[v.vendor] = append(opts[v.vendor], option.WithAppCredentials(v.set, key, secret))
	}
	nx, err := nxcloud.NewClient(m.AccessKey, m.AccessSecret, append(opts["nxcloud"], option.WithBaseURL(m.URL), option.WithoutRetries())...)
	require.NoError(t, err)
	el, err := engagelab.NewClient(m.DevKey, m.DevSecret, append(opts["engagelab"], option.WithBaseURL(m.URL), option.WithoutRetries())...)
	require.NoError(t, err)
	c := &clients{nxcloud: nx, engagelab: el}

	for _, b := range operations {
		t.Run(b.spec+" "+b.id, func(t *testing.T) {
			o, found := specs.MustLoad(b.spec).Operation(b.id)
			require.True(t, found)
			in := input{path: map[string]string{}}
			if ex := o.RequestExample(); ex != nil {
				in.body, err = json.Marshal(ex)
				require.NoError(t, err)
			}
			for _, f := range pathFields(o) {
				require.NotNil(t, f.example, "path parameter %s needs an example", f.name)
				in.path[f.name] = fmt.Sprint(f.example)
			}
			codes, status := failureCodes(o)
			require.NotEmpty(t, codes, "%s lists no failure code", o.Doc.Name)
			for _, code := range codes { // every failure its spec documents
				if ex := o.RequestExample(); ex != nil {
					in.files = exampleFiles(o, ex) // a file is read once per call
					in.body, err = json.Marshal(ex)
					require.NoError(t, err)
				}
				require.NoError(t, m.RejectNext(o.FullName(), mock.Rejection{Code: code, Status: status}))
				_, err := b.call(context.Background(), c, in)
				var ae *apierror.Error
				require.True(t, errors.As(err, &ae), "code %d: %v", code, err)
				noNumber := len(o.Success.Text) > 0 || o.Success.WordCodes()
				if !noNumber {
					assert.Equal(t, code, ae.Code, "the documented code comes back")
				}
				if status != 0 {
					assert.Equal(t, status, ae.StatusCode)
				}
				if noNumber {
					break // a text or word answer carries no code number: one is enough
				}
			}
			if len(o.Success.Text) == 0 && !o.Success.WordCodes() { // each rejection answers one call
				_, err = b.call(context.Background(), c, in)
				var ae *apierror.Error
				last := codes[len(codes)-1]
				name, _ := o.Doc.CodeName(last)
				if errors.As(err, &ae) && ae.Code == last {
					assert.NotEqual(t, name, ae.Message, "the rejection was used up")
				}
			}
		})
	}
}

// failureCodes are the codes the operation's spec lists that are not its
// success, with the HTTP status to send them with where failures are told
// by the status.
func failureCodes(o *specs.Operation) (codes []int, status int) {
	if o.Success.CodeField == "" && len(o.Success.Text) == 0 {
		status = http.StatusBadRequest
	}
	for _, c := range o.Doc.Catalogue() {
		n := c.Code
		if !o.Success.CodeMatches(fmt.Sprint(n)) && !o.Success.CodeMatches(float64(n)) {
			codes = append(codes, n)
		}
	}
	return codes, status
}
