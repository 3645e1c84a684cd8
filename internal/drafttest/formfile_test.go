package drafttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
)

// A form body whose file travels as Base64 text (format byte), as the
// voice recording upload's content.
const formFileSpec = `
openapi: 3.0.3
info: {title: form file test, version: "1"}
servers: [{url: https://formfile.invalid}]
x-success: {status: 200, code: {field: code, values: ["0"]}}
security: []
paths:
  /api/test/formfile:
    post:
      operationId: upload
      x-retry-class: unsafe
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/UploadParams"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Answer"}
              example: {code: "0"}
components:
  schemas:
    UploadParams:
      type: object
      required: [filename, content]
      properties:
        filename: {type: string, minLength: 1}
        content: {type: string, format: byte, minLength: 4}
    Answer:
      type: object
      required: [code]
      properties: {code: {type: string}}
`

var registerFormFile = sync.OnceValue(func() error {
	_, err := specs.Register("test/formfile", []byte(formFileSpec))
	return err
})

type formFileParams struct {
	Filename string      `json:"filename"`
	Content  upload.File `json:"content"`
}

func TestFormFileIsSentAsStreamedBase64(t *testing.T) {
	require.NoError(t, registerFormFile())
	content := bytes.Repeat([]byte{0xfb, 0xff, 0x3e, 'a'}, 5000) // Base64 with +, / and =
	for _, tt := range []struct {
		name    string
		body    io.Reader
		chunked bool
	}{
		{"seekable: an exact length", bytes.NewReader(content), false},
		{"a plain stream: chunked", onlyReader{bytes.NewReader(content)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := nxchStart(t, &nxchDraft{name: "test/formfile"}, "", false)
			require.NoError(t, env.svc.Call(context.Background(), "upload", nil, formFileParams{Filename: "a.mp3", Content: upload.File{Body: tt.body}}, nil, nil))
			req, body := env.wire.last(t)
			if tt.chunked {
				assert.Equal(t, []string{"chunked"}, req.TransferEncoding)
			} else {
				assert.Equal(t, int64(len(body)), req.ContentLength)
			}
			form, err := url.ParseQuery(string(body))
			require.NoError(t, err)
			assert.Equal(t, "a.mp3", form.Get("filename"))
			assert.Equal(t, base64.StdEncoding.EncodeToString(content), form.Get("content"), "the file, Base64-encoded and form-escaped")
		})
	}
}

func TestFormFileRefusals(t *testing.T) {
	require.NoError(t, registerFormFile())
	env := nxchStart(t, &nxchDraft{name: "test/formfile"}, "", false)
	err := env.svc.Call(context.Background(), "upload", nil, formFileParams{Filename: "a.mp3"}, nil, nil)
	var ve *apierror.ValidationError
	require.ErrorAs(t, err, &ve, "no file")
	assert.Zero(t, env.wire.count())

	// Untyped params carry the file as its Base64 text (a spec example).
	require.NoError(t, env.svc.Call(context.Background(), "upload", nil, map[string]any{"filename": "a", "content": "SUQzBA=="}, nil, nil))
	_, body := env.wire.last(t)
	assert.True(t, strings.HasSuffix(string(body), "content=SUQzBA%3D%3D"), "%s", body)
	err = env.svc.Call(context.Background(), "upload", nil, map[string]any{"filename": "a", "content": "not base64!"}, nil, nil)
	require.ErrorAs(t, err, &ve)
}
