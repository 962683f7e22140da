package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"recv SETUP from B/2 sess 4x12", "recv SETUP from B/2 sess 4x12"},
		{"Pending-Outgoing → Answered, 日本, é, 😀", "Pending-Outgoing → Answered, 日本, é, 😀"},
		{`a\x1b stays`, `a\x1b stays`}, // a backslash is text
		{"\x1b]52;c;SGVsbG8=\x07", `\x1b]52;c;SGVsbG8=\x07`},
		{"\x00\x01\x1f\x7f", `\x00\x01\x1f\x7f`},
		{"a\tb\nc\rd", `a\tb\nc\rd`},
		{"\u009b31m\u0085", `\u009b31m\u0085`},
		{"\u202eevil\u202c", `\u202eevil\u202c`},
		{"\u202a\u202b\u202d\u2066\u2067\u2068\u2069", `\u202a\u202b\u202d\u2066\u2067\u2068\u2069`},
		{"\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"bad \xff\xfe byte", `bad \xff\xfe byte`},
		{"cut \xe2\x80", `cut \xe2\x80`},
		{"\ufffd is a character", "\ufffd is a character"},
		{"zero\u200bwidth, joiner \u200d", "zero\u200bwidth, joiner \u200d"}, // not direction controls
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Safe(tc.in) != (tc.in == tc.want) {
			t.Errorf("Safe(%q) = %v", tc.in, Safe(tc.in))
		}
	}
}

// TestEscapeCoversEveryControl checks every rune up to U+FFFF and every
// single byte: what Escape leaves is valid UTF-8 with no control, bidi
// control or separator, and escaping it again changes nothing.
func TestEscapeCoversEveryControl(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r <= 0xffff; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		all.WriteRune(r)
	}
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	out := Escape(all.String())
	if !utf8.ValidString(out) {
		t.Fatal("Escape left invalid UTF-8")
	}
	for _, r := range out {
		if r < 0x20 || r >= 0x7f && r <= 0x9f || unsafeRune(r) {
			t.Fatalf("Escape left %U", r)
		}
	}
	if again := Escape(out); again != out {
		t.Fatal("Escape of escaped text changed it")
	}
}

func TestEscapeDoesNotAllocateForSafeText(t *testing.T) {
	s := "recv SETUP request from B/2 sess 4x12 → Answered"
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("\x1b]52;c;SGVsbG8=\x07")
	f.Add("\u202eabc\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) || !Safe(out) || Escape(out) != out {
			t.Fatalf("Escape(%q) = %q", s, out)
		}
		if Safe(s) != (out == s) {
			t.Fatalf("Safe(%q) disagrees with Escape", s)
		}
	})
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	for _, s := range []string{"B\x1b[31m/1 joined\n", "plain line\n", "\u202eflip\tx\r\n\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if want := "B\\x1b[31m/1 joined\nplain line\n\\u202eflip\\tx\\r\n\n"; b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
}
