// Package upload holds File, the file a multipart operation (such as
// NXCloud WhatsApp's uploadMedia) sends. The SDK streams it from its
// reader as the request is written, so a large file is never held whole
// in memory.
package upload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// File is one file part of a multipart request.
type File struct {
	// Name is the file name sent with the part ("logo.png"). Empty means
	// the field's name.
	Name string
	// ContentType is the part's media type ("image/png"). Empty means
	// application/octet-stream.
	ContentType string
	// Body is read once per attempt, from where it stands. Required. When
	// it is an io.Seeker the SDK rewinds it to where it stood before
	// another attempt; otherwise the request is sent at most once.
	Body io.Reader
	// Size is Body's length in bytes, when known: the request then carries
	// a Content-Length. Zero means unknown, unless Body tells its own
	// length (a *bytes.Reader, *strings.Reader or *os.File); without one
	// the body is sent chunked.
	Size int64
}

// MarshalJSON writes the file's name and type, never its content: a File
// in a log or a JSON dump of the params says which file, not what it holds.
func (f File) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string `json:"name,omitempty"`
		ContentType string `json:"contentType,omitempty"`
		Size        int64  `json:"size,omitempty"`
	}{f.Name, f.ContentType, f.Size})
}

// UnmarshalJSON reads a File from JSON params: a string is the file's
// content (a spec's request example gives a file so), an object its name,
// type and size (a File marshalled before: it has no Body then, and a
// call refuses it as a missing file).
func (f *File) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var content string
		if err := json.Unmarshal(b, &content); err != nil {
			return err
		}
		*f = File{Body: strings.NewReader(content), Size: int64(len(content))}
		return nil
	}
	var meta struct {
		Name        string `json:"name"`
		ContentType string `json:"contentType"`
		Size        int64  `json:"size"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("upload: a File is a string (its content) or {name, contentType, size}: %w", err)
	}
	*f = File{Name: meta.Name, ContentType: meta.ContentType, Size: meta.Size}
	return nil
}
