package apiclient

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/verikit/verikit/specs"
)

// formFiles is a form body that carries files as Base64 text (a form
// field of format byte, such as a voice recording's content): the text
// fields first, then each file, Base64-encoded and form-escaped as it is
// read, so that the file is never held whole in memory.
type formFiles struct {
	fields url.Values
	files  []filePart
	// shown is fields as a log may show them: credentials as ***.
	shown url.Values
}

// encodeFormFiles is a form body of the params' text fields and files.
func encodeFormFiles(op *specs.Operation, params any, fields map[string]any) (*formFiles, map[string]any, error) {
	parts, check, err := filesOf(op, params, fields)
	if err != nil {
		return nil, nil, err
	}
	values := formValues(fields)
	shown := url.Values{}
	masked := map[string]any{}
	for k := range values {
		shown.Set(k, values.Get(k))
		masked[k] = values.Get(k)
	}
	op.MaskRequestSecrets(masked)
	for k, v := range masked {
		if v == "***" || slices.Contains(op.CredentialFields(), k) {
			shown.Set(k, "***")
		}
	}
	return &formFiles{fields: values, files: parts, shown: shown}, check, nil
}

func (f *formFiles) contentType() string { return specs.MediaForm }

func (f *formFiles) rewindable() bool {
	for _, p := range f.files {
		if p.start < 0 {
			return false
		}
	}
	return true
}

// open streams the body through a pipe. Its length is known only for
// files that can be rewound: they are read through once first to count
// the escaped Base64, then rewound.
func (f *formFiles) open(attempt int) (io.ReadCloser, int64, error) {
	if attempt > 1 || f.rewindable() {
		if err := rewind(f.files); err != nil {
			return nil, 0, err
		}
	}
	n := int64(-1)
	if f.rewindable() {
		var c countWriter
		if err := f.write(&c); err != nil {
			return nil, 0, err
		}
		if err := rewind(f.files); err != nil {
			return nil, 0, err
		}
		n = int64(c)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(f.write(pw)) }()
	return pr, n, nil
}

func (f *formFiles) write(w io.Writer) error {
	if _, err := io.WriteString(w, f.fields.Encode()); err != nil {
		return err
	}
	for i, p := range f.files {
		if i > 0 || len(f.fields) > 0 {
			if _, err := io.WriteString(w, "&"); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, url.QueryEscape(p.field)+"="); err != nil {
			return err
		}
		enc := base64.NewEncoder(base64.StdEncoding, formEscaper{w})
		if _, err := io.Copy(enc, p.file.Body); err != nil {
			return fmt.Errorf("reading %s: %w", p.field, err)
		}
		if err := enc.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (f *formFiles) describe() []byte {
	var b strings.Builder
	b.WriteString("(form body:")
	keys := make([]string, 0, len(f.shown))
	for k := range f.shown {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, f.shown.Get(k))
	}
	for _, p := range f.files {
		fmt.Fprintf(&b, " %s=base64(file %q, %d bytes)", p.field, p.file.Name, sizeOf(p))
	}
	b.WriteString(")")
	return []byte(b.String())
}

// formEscaper form-escapes Base64 text as it passes: of its alphabet only
// '+', '/' and '=' need it.
type formEscaper struct{ w io.Writer }

func (e formEscaper) Write(p []byte) (int, error) {
	var buf [512]byte
	out := buf[:0]
	for _, c := range p {
		switch c {
		case '+':
			out = append(out, "%2B"...)
		case '/':
			out = append(out, "%2F"...)
		case '=':
			out = append(out, "%3D"...)
		default:
			out = append(out, c)
		}
		if len(out) > len(buf)-3 {
			if _, err := e.w.Write(out); err != nil {
				return 0, err
			}
			out = buf[:0]
		}
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rewind puts each file back where it stood before the first attempt.
func rewind(files []filePart) error {
	for _, f := range files {
		if f.start < 0 {
			return errors.New("a file that cannot be rewound is sent once only")
		}
		if _, err := f.file.Body.(io.Seeker).Seek(f.start, io.SeekStart); err != nil {
			return fmt.Errorf("rewinding %s: %w", f.field, err)
		}
	}
	return nil
}
