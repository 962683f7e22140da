package export

import "testing"

// TestMermaidText: Mermaid's own syntax first (a newline is a space, no
// statement separator or entity code), then the control and bidi
// characters, escaped.
func TestMermaidText(t *testing.T) {
	for in, want := range map[string]string{
		"SETUP resp":             "SETUP resp",
		"a;b#1\nc":               "a,bno. 1 c",
		"\x1b]52;c;SGVsbG8=\x07": `\x1b]52,c,SGVsbG8=\x07`,
		"\u202eevil\u009b\r\xff": `\u202eevil\u009b\r\xff`,
	} {
		if got := mermaidText(in); got != want {
			t.Errorf("mermaidText(%q) = %q, want %q", in, got, want)
		}
	}
}
