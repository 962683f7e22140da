package viewer

import (
	"strings"
	"testing"
)

// texts returns the lines' texts.
func texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.String()
	}
	return out
}

func TestWrapLine(t *testing.T) {
	cases := []struct {
		name string
		line Line
		w    int
		want []string
	}{
		{"fits", plain("Closed: normal close"), 20, []string{"Closed: normal close"}},
		{"at spaces, words whole", plain("ignored: SETUP glare: B/1 wins over A/1"), 16,
			[]string{"ignored: SETUP", " glare: B/1 wins", " over A/1"}},
		{"after a hyphen", plain("Pending-Outgoing → Conflict-Resolution"), 30,
			[]string{"Pending-Outgoing → Conflict-", " Resolution"}},
		{"under the label", Line{{Text: "props      ", Style: StyleDim}, {Text: "videosend=false audiocbr=true"}}, 30,
			[]string{"props      videosend=false", "           audiocbr=true"}},
		{"under the indentation", plain("    \"sdp\": \"v=0 o=- 1 1 IN IP4\""), 20,
			[]string{"    \"sdp\": \"v=0 o=-", "     1 1 IN IP4\""}},
		{"a word wider than the line is cut", plain("abcdefghijkl mn"), 5,
			[]string{"abcde", " fghi", " jkl", " mn"}},
		// Wide characters take two cells; a break between ideographs is
		// allowed, never inside one.
		{"wide", plain("通話の状態が変わった"), 7, []string{"通話の", " 状態が", " 変わっ", " た"}},
		// A combining accent is one character with its base: "é" of two
		// runes takes one cell and stays whole.
		{"combining", plain("cafe\u0301 cafe\u0301 cafe\u0301"), 10, []string{"cafe\u0301 cafe\u0301", " cafe\u0301"}},
		// A control character is wrapped as drawn: its escape, four
		// cells that stay together.
		{"escaped control", plain("ab\x1bcd efg"), 8, []string{`ab\x1bcd`, " efg"}},
		{"escape measured", plain("a\x1b b"), 5, []string{`a\x1b`, " b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := wrapLine(c.line, c.w)
			if strings.Join(texts(got), "|") != strings.Join(c.want, "|") {
				t.Fatalf("wrapLine(%q, %d):\ngot  %q\nwant %q", c.line.String(), c.w, texts(got), c.want)
			}
			for _, l := range got {
				if n := cells(l.String()); n > c.w {
					t.Errorf("line %q is %d cells, wider than %d", l.String(), n, c.w)
				}
			}
		})
	}
}

// TestWrapLineKeepsStyles checks that a span's style follows its text
// onto the continuation line.
func TestWrapLineKeepsStyles(t *testing.T) {
	l := Line{{Text: "closed ", Style: StyleDim}, {Text: "yes yes yes", Style: StyleChanged}}
	got := wrapLine(l, 14)
	want := []Line{
		{{Text: "closed ", Style: StyleDim}, {Text: "yes yes", Style: StyleChanged}},
		{{Text: "       "}, {Text: "yes", Style: StyleChanged}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", texts(got))
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("line %d span %d: got %+v, want %+v", i, j, got[i][j], want[i][j])
			}
		}
	}
}
