package drafttest

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/internal/apiclient"
	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/option"
	"github.com/verikit/verikit/sign"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
)

// A signed multipart upload, as WhatsApp's uploadMedia: a file part and a
// text field, signed over the headers alone.
const multipartSpec = `
openapi: 3.0.3
info: {title: multipart test, version: "1"}
servers: [{url: https://multipart.invalid}]
x-success: {status: 200, code: {field: code, values: [0]}, payload: data}
security: [{nxcloudSignature: []}]
paths:
  /api/test/upload:
    post:
      operationId: uploadMedia
      x-nxcloud: {bizType: "2", action: uploadMedia}
      x-retry-class: unsafe
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: "#/components/schemas/UploadMediaParams"}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Envelope"}
              example: {code: 0, msg: ok, data: {id: "m-1"}}
components:
  securitySchemes:
    nxcloudSignature: {type: apiKey, in: header, name: sign}
  schemas:
    UploadMediaParams:
      type: object
      required: [file, type]
      properties:
        file: {type: string, format: binary}
        type: {type: string, enum: [image, video]}
    Envelope:
      type: object
      required: [code]
      properties:
        code: {type: integer}
        msg: {type: string}
        data: {type: object, properties: {id: {type: string}}}
`

var registerMultipart = sync.OnceValue(func() error {
	_, err := specs.Register("test/multipart", []byte(multipartSpec))
	return err
})

type uploadParams struct {
	File upload.File `json:"file"`
	Type string      `json:"type"`
}

// onlyReader hides every method of r but Read: a stream of unknown length
// that cannot be rewound.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestMultipartUploadIsStreamedAndSignedOverTheHeaders(t *testing.T) {
	require.NoError(t, registerMultipart())
	content := bytes.Repeat([]byte("png!"), 4096)
	tests := []struct {
		name    string
		body    io.Reader
		chunked bool
	}{
		{"a bytes.Reader: its length is known", bytes.NewReader(content), false},
		{"a plain stream: sent chunked", onlyReader{bytes.NewReader(content)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := nxchStart(t, &nxchDraft{name: "test/multipart"}, "", false)
			var out struct{ ID string }
			params := uploadParams{File: upload.File{Name: "logo.png", ContentType: "image/png", Body: tt.body}, Type: "image"}
			require.NoError(t, env.svc.Call(context.Background(), "uploadMedia", nil, params, &out, nil))
			assert.Equal(t, "m-1", out.ID)

			req, body := env.wire.last(t)
			mt, mp, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
			require.NoError(t, err)
			assert.Equal(t, "multipart/form-data", mt)
			if tt.chunked {
				assert.Equal(t, []string{"chunked"}, req.TransferEncoding)
			} else {
				assert.Equal(t, int64(len(body)), req.ContentLength, "the exact length, computed before sending")
			}
			mr := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
			got := map[string][]byte{}
			names := map[string]string{}
			for {
				part, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				b, _ := io.ReadAll(part)
				got[part.FormName()], names[part.FormName()] = b, part.FileName()
			}
			assert.Equal(t, content, got["file"])
			assert.Equal(t, "logo.png", names["file"])
			assert.Equal(t, "image", string(got["type"]))

			p := sign.Params{AccessKey: req.Header.Get(sign.HeaderAccessKey), TS: req.Header.Get(sign.HeaderTS),
				BizType: req.Header.Get(sign.HeaderBizType), Action: req.Header.Get(sign.HeaderAction)}
			assert.Equal(t, "uploadMedia", p.Action)
			assert.True(t, sign.Verify(sign.MD5, p, nil, mock.DefaultAccessSecret, req.Header.Get(sign.HeaderSign)),
				"a multipart request is signed over its headers alone")
		})
	}
}

func TestMultipartUploadRefusesBadInputBeforeSending(t *testing.T) {
	require.NoError(t, registerMultipart())
	for name, params := range map[string]uploadParams{
		"no file":                {Type: "image"},
		"a type not in the enum": {File: upload.File{Body: strings.NewReader("x")}, Type: "gif"},
	} {
		t.Run(name, func(t *testing.T) {
			env := nxchStart(t, &nxchDraft{name: "test/multipart"}, "", false)
			err := env.svc.Call(context.Background(), "uploadMedia", nil, params, new(map[string]any), nil)
			var ve *apierror.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Zero(t, env.wire.count(), "nothing is sent")
		})
	}
}

// A stream that cannot be rewound is sent once, even when the first
// attempt never reached the server and a retry would be allowed; a
// seekable one is rewound and sent whole again.
func TestMultipartUploadRetriesOnlyRewindableFiles(t *testing.T) {
	require.NoError(t, registerMultipart())
	for _, tt := range []struct {
		name     string
		body     func() io.Reader
		attempts int
	}{
		{"seekable", func() io.Reader { return strings.NewReader("abc") }, 2},
		{"stream", func() io.Reader { return onlyReader{strings.NewReader("abc")} }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := nxchStart(t, &nxchDraft{name: "test/multipart"}, "", false, option.WithMaxAttempts(2), option.WithRetryBackoff(1, 1))
			rt := &failFirst{}
			env.svc = draftSignedService(t, env.url, rt, option.WithMaxAttempts(2), option.WithRetryBackoff(1, 1))
			err := env.svc.Call(context.Background(), "uploadMedia", nil, uploadParams{File: upload.File{Body: tt.body()}, Type: "image"}, new(map[string]any), nil)
			assert.Equal(t, tt.attempts, rt.calls)
			if tt.attempts == 2 {
				require.NoError(t, err)
				assert.Equal(t, "abc", rt.lastFile, "the file was rewound and sent whole")
			} else {
				require.Error(t, err)
			}
		})
	}
}

// failFirst fails the first request before it reaches anyone (a dial
// error: retried even for an unsafe operation), and passes the others on,
// noting the file part they carried.
type failFirst struct {
	calls    int
	lastFile string
}

func (f *failFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls++
	if f.calls == 1 {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body) // the stream is consumed
			r.Body.Close()
		}
		return nil, &dialError{}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	_, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mr := multipart.NewReader(bytes.NewReader(b), mp["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		if part.FormName() == "file" {
			v, _ := io.ReadAll(part)
			f.lastFile = string(v)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return http.DefaultTransport.RoundTrip(r)
}

type dialError struct{}

func (*dialError) Error() string   { return "dial tcp: connection refused" }
func (*dialError) Timeout() bool   { return false }
func (*dialError) Temporary() bool { return true }

// draftSignedService is a signed service for the test spec at base, over
// the round tripper rt.
func draftSignedService(t *testing.T, base string, rt http.RoundTripper, opts ...option.Option) *apiclient.Service {
	t.Helper()
	cfg, err := apiclient.NewConfig(append([]option.Option{option.WithBaseURL(base), option.WithHTTPClient(&http.Client{Transport: rt})}, opts...))
	require.NoError(t, err)
	return apiclient.NewService(cfg, "test/multipart", func(b http.RoundTripper) http.RoundTripper {
		return &sign.NXCloudTransport{Base: b, AccessKey: mock.DefaultAccessKey, AccessSecret: mock.DefaultAccessSecret,
			Algorithm: sign.MD5, Operation: specs.SignedConstants}
	})
}
