package drafttest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// Operations that share one URL (x-path): two signed actions told apart
// by their action header, two key-pair operations told apart by the body.
const sharedPathSpec = `
openapi: 3.0.3
info: {title: shared path test, version: "1"}
servers: [{url: https://shared.invalid}]
x-success: {status: 200, code: {field: code, values: [0]}, payload: data}
security: [{nxcloudSignature: []}]
paths:
  /api/shared/bindAXB:
    post:
      operationId: bind
      x-path: /api/shared/
      x-nxcloud: {bizType: "5", action: bindAXB}
      x-retry-class: unsafe
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/BindParams"}
            example: {phoneA: "1"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Envelope"}
              example: {code: 0, msg: ok, data: {which: bind}}
  /api/shared/unbindAXB:
    post:
      operationId: unbind
      x-path: /api/shared/
      x-nxcloud: {bizType: "5", action: unbindAXB}
      x-retry-class: unsafe
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/BindParams"}
            example: {phoneA: "1"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Envelope"}
              example: {code: 0, msg: ok, data: {which: unbind}}
components:
  securitySchemes:
    nxcloudSignature: {type: apiKey, in: header, name: sign}
  schemas:
    BindParams:
      type: object
      required: [phoneA]
      properties: {phoneA: {type: string}}
    Result:
      type: object
      properties: {which: {type: string}}
    Envelope:
      type: object
      required: [code]
      properties:
        code: {type: integer}
        msg: {type: string}
        data: {$ref: "#/components/schemas/Result"}
`

var registerSharedPath = sync.OnceValue(func() error {
	_, err := specs.Register("test/sharedpath", []byte(sharedPathSpec))
	return err
})

func TestSharedPathOperationsAreSentToTheirXPathAndRoutedByAction(t *testing.T) {
	require.NoError(t, registerSharedPath())
	d := &nxchDraft{name: "test/sharedpath"}
	for _, opID := range []string{"bind", "unbind"} {
		t.Run(opID, func(t *testing.T) {
			op := d.op(t, opID)
			assert.Equal(t, "/api/shared/", op.SendPath)
			env := nxchStart(t, d, "", false)
			var out struct{ Which string }
			require.NoError(t, env.svc.Call(context.Background(), opID, nil, map[string]any{"phoneA": "1"}, &out, nil))
			assert.Equal(t, opID, out.Which, "the mock answered the operation the action header names")
			req, _ := env.wire.last(t)
			assert.Equal(t, "/api/shared/", req.URL.Path, "sent to x-path, not to the key under paths")
		})
	}
	doc := d.register(t)
	assert.Len(t, doc.MatchAll("POST", "/api/shared/"), 2)
	_, ok := doc.Match("POST", "/api/shared/bindAXB")
	assert.False(t, ok, "the key under paths is only a name")
}

func TestSharedPathARequestNamingNoActionIsRefused(t *testing.T) {
	require.NoError(t, registerSharedPath())
	env := nxchStart(t, &nxchDraft{name: "test/sharedpath"}, "", false)
	err := env.svc.Call(context.Background(), "bind", nil, map[string]any{"phoneA": 1}, new(map[string]any), nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "checked before it is sent")
}

func TestXPathIsChecked(t *testing.T) {
	for _, bad := range []string{"api/pns", "/api/{x}", "/api/pns?x=1"} {
		_, err := specs.Parse("test/badxpath", []byte(
			`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"x-success":{"status":200},"security":[],"paths":{"/a":{"post":{"operationId":"a","x-retry-class":"safe","x-path":"`+bad+`","responses":{"200":{"description":"ok"}}}}}}`))
		assert.ErrorContains(t, err, "x-path", bad)
	}
}
