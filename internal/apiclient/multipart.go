package apiclient

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
)

// multipartBody is a multipart/form-data request: its text fields, and its
// files streamed from their readers as the body is written, never held
// whole in memory.
type multipartBody struct {
	boundary string
	fields   [][2]string // name, value, in name order
	files    []filePart  // in name order
}

type filePart struct {
	field string
	file  upload.File
	start int64 // where a seekable body stood, to rewind it to
}

// fileType is upload.File, which a multipart operation's file fields are.
var fileType = reflect.TypeFor[upload.File]()

// streamed is a request body that streams files: written afresh for each
// attempt, never held whole in memory.
type streamed interface {
	contentType() string
	// open returns the body for one attempt and its length (-1: unknown,
	// sent chunked); before any attempt but the first, files are rewound.
	open(attempt int) (io.ReadCloser, int64, error)
	// rewindable reports whether every file can be read again.
	rewindable() bool
	// describe is what a body log shows: fields, and files' names and sizes.
	describe() []byte
}

// filesOf takes the params' files out of fields: the file fields the spec
// declares (FileFields) must hold an upload.File; in untyped params a
// string is the file's content (for a Base64 field, the content encoded).
func filesOf(op *specs.Operation, params any, fields map[string]any) ([]filePart, map[string]any, error) {
	files := map[string]upload.File{}
	if params != nil {
		v := reflect.ValueOf(params)
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if m, ok := params.(map[string]any); ok { // untyped params (the demo, tests)
			for _, name := range op.FileFields() {
				if f, ok := m[name].(upload.File); ok {
					files[name] = f
				}
			}
		}
		if v.Kind() == reflect.Struct {
			for i := range v.NumField() {
				f := v.Type().Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				switch fv := v.Field(i); {
				case f.Type == fileType:
					files[name] = fv.Interface().(upload.File)
				case f.Type == reflect.PointerTo(fileType) && !fv.IsNil():
					files[name] = *fv.Interface().(*upload.File)
				}
			}
		}
	}
	var parts []filePart
	// What the schema is checked against: each file by a stand-in.
	check := map[string]any{}
	for _, name := range op.FileFields() {
		base64Field := op.BodyMediaType() == specs.MediaForm
		if _, typed := files[name]; !typed {
			if text, ok := fields[name].(string); ok { // untyped params: a spec example's text
				content := []byte(text)
				if base64Field {
					raw, err := base64.StdEncoding.DecodeString(text)
					if err != nil {
						return nil, nil, fmt.Errorf("%s: not Base64: %w", name, err)
					}
					content = raw
				}
				files[name] = upload.File{Body: bytes.NewReader(content), Size: int64(len(content))}
			}
		}
		delete(fields, name)
		f, ok := files[name]
		if !ok || f.Body == nil {
			continue // a required file then fails the schema check
		}
		if f.Name == "" {
			f.Name = name
		}
		if f.ContentType == "" {
			f.ContentType = "application/octet-stream"
		}
		part := filePart{field: name, file: f, start: -1}
		if s, ok := f.Body.(io.Seeker); ok {
			if at, err := s.Seek(0, io.SeekCurrent); err == nil {
				part.start = at
			}
		}
		parts = append(parts, part)
		check[name] = f.Name
		if base64Field {
			check[name] = "AAAA" // Base64, as the field will be
		}
	}
	for k, v := range fields {
		check[k] = v
	}
	return parts, check, nil
}

// encodeMultipart is a multipart body of the params' text fields and files.
func encodeMultipart(op *specs.Operation, params any, fields map[string]any) (*multipartBody, map[string]any, error) {
	parts, check, err := filesOf(op, params, fields)
	if err != nil {
		return nil, nil, err
	}
	mp := &multipartBody{boundary: multipart.NewWriter(io.Discard).Boundary(), files: parts}
	for k, v := range formValues(fields) {
		mp.fields = append(mp.fields, [2]string{k, v[0]})
	}
	sort.Slice(mp.fields, func(i, j int) bool { return mp.fields[i][0] < mp.fields[j][0] })
	return mp, check, nil
}

// contentType is the body's Content-Type, with its boundary.
func (m *multipartBody) contentType() string {
	return "multipart/form-data; boundary=" + m.boundary
}

// rewindable reports whether every file can be read again for another
// attempt.
func (m *multipartBody) rewindable() bool {
	for _, f := range m.files {
		if f.start < 0 {
			return false
		}
	}
	return true
}

// open returns the body for one attempt, and its length (-1 when a file's
// size is unknown: it is then sent chunked). Before any attempt but the
// first, each file is rewound to where it stood.
func (m *multipartBody) open(attempt int) (io.ReadCloser, int64, error) {
	if attempt > 1 {
		if err := rewind(m.files); err != nil {
			return nil, 0, err
		}
	}
	n := m.length() // before the writer starts reading the files
	pr, pw := io.Pipe()
	go func() {
		// The transport closes the reader when it is done, or gives up:
		// a write then fails and this goroutine ends.
		pw.CloseWithError(m.write(pw, true))
	}()
	return pr, n, nil
}

// write writes the body; without contents, only its framing.
func (m *multipartBody) write(w io.Writer, contents bool) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(m.boundary); err != nil {
		return err
	}
	for _, f := range m.fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	for _, f := range m.files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", multipart.FileContentDisposition(f.field, f.file.Name))
		h.Set("Content-Type", f.file.ContentType)
		pw, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if contents {
			size := sizeOf(f)
			n, err := io.Copy(pw, f.file.Body)
			if err != nil {
				return fmt.Errorf("reading %s: %w", f.field, err)
			}
			if size >= 0 && n != size {
				return fmt.Errorf("%s: read %d bytes, but its size is %d", f.field, n, size)
			}
		}
	}
	return mw.Close()
}

// length is the body's exact length when every file's size is known, else
// -1.
func (m *multipartBody) length() int64 {
	var framing countWriter
	if m.write(&framing, false) != nil {
		return -1
	}
	n := int64(framing)
	for _, f := range m.files {
		size := sizeOf(f)
		if size < 0 {
			return -1
		}
		n += size
	}
	return n
}

// sizeOf is how many bytes a file part will read, -1 when unknown.
func sizeOf(f filePart) int64 {
	if f.file.Size > 0 {
		return f.file.Size
	}
	switch b := f.file.Body.(type) {
	case *bytes.Reader:
		return int64(b.Len())
	case *strings.Reader:
		return int64(b.Len())
	case *os.File:
		if st, err := b.Stat(); err == nil && st.Mode().IsRegular() && f.start >= 0 {
			return st.Size() - f.start
		}
	}
	return -1
}

// describe is what a body log shows of a multipart body: its fields and
// its files' names and sizes, never their contents.
func (m *multipartBody) describe() []byte {
	var b strings.Builder
	b.WriteString("(multipart body:")
	for _, f := range m.fields {
		fmt.Fprintf(&b, " %s=%q", f[0], f[1])
	}
	for _, f := range m.files {
		fmt.Fprintf(&b, " %s=file(%q, %s, %d bytes)", f.field, f.file.Name, f.file.ContentType, sizeOf(f))
	}
	b.WriteString(")")
	return []byte(b.String())
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
