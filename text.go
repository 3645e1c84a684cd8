package verikit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Text is a value the vendor documents as text but whose examples show as
// a JSON number (a voice record's messageid: 784522 in the page's example,
// a 32-character hex text where send returns it). It decodes a JSON
// string, a JSON number (kept as written: 0.005 is "0.005") or null (the
// zero Text), so a real answer of either shape is kept; it remembers
// which it was and encodes the same way, so what is printed is what the
// vendor sent. Compare it by String.
type Text struct {
	text   string
	number bool
}

// NewText returns a Text holding s as text.
func NewText(s string) Text { return Text{text: s} }

// String returns the text (a number's digits as written).
func (t Text) String() string { return t.text }

// IsNumber reports whether the value came as a JSON number.
func (t Text) IsNumber() bool { return t.number }

// IsZero reports whether there is no value (absent, null or empty text).
func (t Text) IsZero() bool { return t.text == "" }

// Int64 reads the text as a whole number.
func (t Text) Int64() (int64, error) { return strconv.ParseInt(t.text, 10, 64) }

// Float64 reads the text as a number.
func (t Text) Float64() (float64, error) { return strconv.ParseFloat(t.text, 64) }

// MarshalJSON writes the value as it came: a number as a number, else text.
func (t Text) MarshalJSON() ([]byte, error) {
	if t.number {
		return []byte(t.text), nil
	}
	return json.Marshal(t.text)
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = Text{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text{text: s}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("verikit.Text: a %s is neither text nor a number", kindOf(b))
	}
	*t = Text{text: n.String(), number: true}
	return nil
}

// kindOf names the JSON kind of a value, for an error that must not echo it.
func kindOf(b []byte) string {
	if len(b) == 0 {
		return "missing value"
	}
	switch b[0] {
	case '{':
		return "JSON object"
	case '[':
		return "JSON array"
	case 't', 'f':
		return "JSON boolean"
	}
	return "malformed value"
}
