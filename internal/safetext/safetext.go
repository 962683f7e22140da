// Package safetext makes text from a log safe to print for a person: a
// recorded id, session id, prop, note or raw message can hold anything a
// peer sent, and printed raw to a terminal an escape sequence in it would
// act (OSC 52 writes the clipboard, others retitle the window or redraw
// the screen) and a bidi control would reorder what the reader sees.
//
// Escape replaces every such character with a visible escape:
//
//   - C0 controls and DEL: `\t`, `\n`, `\r`, else `\x1b` style;
//   - C1 controls (U+0080–U+009F): `\u009b` style;
//   - bidi and direction marks (U+061C, U+200E, U+200F, U+202A–U+202E,
//     U+2066–U+2069) and the line and paragraph separators (U+2028,
//     U+2029): `\u202e` style;
//   - bytes that are not UTF-8: `\xff` style.
//
// Everything else, including a backslash, is kept, so text without such
// characters prints exactly as before and Escape of escaped text changes
// nothing. Human output applies it where log-derived text is printed;
// JSON output never does (encoding/json escapes controls itself, and the
// exact text must round-trip).
package safetext

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every control, bidi or invalid character
// replaced by a visible escape (see the package comment). Text that needs
// none is returned as it is, without allocating.
func Escape(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeByte(&b, s[i])
		case unsafeRune(r):
			writeRune(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Safe reports whether s prints as it is: Escape(s) == s.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe returns the index of the first byte of s that starts a
// character Escape replaces, or -1. Printable ASCII, most text, is
// checked a byte at a time.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether r is a control, a bidi control or mark, or
// a line or paragraph separator.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x2028 && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

const hex = "0123456789abcdef"

// writeRune writes r's escape: a short one for tab, newline and carriage
// return, `\xNN` for the other C0 controls and DEL, `\uNNNN` above.
func writeRune(b *strings.Builder, r rune) {
	switch r {
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if r <= 0x7f {
			writeByte(b, byte(r))
			return
		}
		b.WriteString(`\u`) // every rune escaped above DEL is below U+10000
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hex[r>>shift&0xf])
		}
	}
}

// writeByte writes `\xNN`.
func writeByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&0xf])
}

// Writer escapes the text written through it as Escape does, but for the
// newlines between lines: for a stream of lines that names what a peer
// chose (a live call's report names the peers by the ids they announce).
// Each Write is escaped on its own, so a character split between two
// writes is shown as the escapes of its bytes.
type Writer struct{ w io.Writer }

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p escaped; it reports len(p) when all of it was written.
func (w *Writer) Write(p []byte) (int, error) {
	s := string(p)
	if !Safe(strings.ReplaceAll(s, "\n", "")) {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = Escape(l)
		}
		s = strings.Join(lines, "\n")
	}
	if _, err := io.WriteString(w.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
