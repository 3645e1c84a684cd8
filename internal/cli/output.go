package cli

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Everything the CLI prints passes through a terminalWriter (Run wraps
// stdout and stderr in one), because much of it comes from a server or a
// callback sender: a vendor's error message, a body excerpt, a callback's
// fields. A raw ESC, BEL or other control character there could move the
// cursor, retitle the window or hide text in the user's terminal.
//
// The writer escapes, byte for byte as written:
//   - every C0 control except newline and tab, DEL, and every C1 control
//     (U+0080–U+009F), as \u00XX: the form JSON uses, so JSON output stays
//     valid JSON that decodes to the same text;
//   - each byte that is not part of valid UTF-8, as \xXX.
//
// Newlines and tabs are kept, so that multi-line output (help, JSON
// results) keeps its shape; a text that must stay on one line (an error
// message) is passed through oneLine first. JSON output never holds a raw
// newline inside a string, since encoding/json escapes it.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	if clean(p) {
		return t.w.Write(p)
	}
	if _, err := t.w.Write(escapeControls(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// clean reports whether p needs no escaping.
func clean(p []byte) bool {
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r <= 0x9f) {
			return false
		}
		i += n
	}
	return true
}

// escapeControls returns p with the characters terminalWriter escapes
// replaced.
func escapeControls(p []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(p) + 16)
	for i := 0; i < len(p); {
		c := p[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, c)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.Write(p[i : i+n])
		}
		i += n
	}
	return b.Bytes()
}

// oneLine keeps a message on one line: newlines, carriage returns and tabs
// become \n, \r and \t (the rest is left to terminalWriter).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}

// excerptLen bounds a value quoted in a message.
const excerptLen = 64

// quoteExcerpt quotes a value for a message, Go-style (controls and
// invalid UTF-8 escaped), at most excerptLen bytes of it, saying how long
// it was when it is cut.
func quoteExcerpt(s string) string {
	if len(s) <= excerptLen {
		return strconv.Quote(s)
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}

// maxMessageLen bounds the message of any error the CLI prints: a last
// guard for errors that quote a value this package did not build.
const maxMessageLen = 2048

// clipMessage bounds an error message to maxMessageLen bytes.
func clipMessage(s string) string {
	if len(s) <= maxMessageLen {
		return s
	}
	cut := maxMessageLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}
