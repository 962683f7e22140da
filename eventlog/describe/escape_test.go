package describe

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// TestDrawLadderEscapes: endpoint names are drawn escaped, and a name cut
// to fit its column is cut at a character, never inside one.
func TestDrawLadderEscapes(t *testing.T) {
	a := eventlog.Endpoint{User: "A\x1b]0;x\x07", Client: "1"}
	b := eventlog.Endpoint{User: "ééééééééééééééééééé", Client: "1"}
	arrows := []Arrow{{From: a, To: b, Type: econn.MsgSetup, Sent: 1, Received: 2}}
	for width := 20; width <= 80; width++ {
		var buf bytes.Buffer
		if err := DrawLadder(&buf, []eventlog.Endpoint{a, b}, arrows, width); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !utf8.ValidString(out) || strings.ContainsAny(out, "\x1b\x07") {
			t.Fatalf("width %d: %q", width, out)
		}
		if width == 80 && !strings.Contains(out, `A\x1b]0;x\x07/1`) {
			t.Fatalf("the name is not shown escaped:\n%s", out)
		}
	}
}

// TestTruncateByWidth: truncate cuts by display columns, between
// grapheme clusters: a wide character counts two columns and is dropped
// whole, an accent stays with its letter, a family emoji stays whole.
func TestTruncateByWidth(t *testing.T) {
	cases := []struct {
		s    string
		n    int
		want string
	}{
		{"aé€", 0, ""}, {"aé€", 1, "a"}, {"aé€", 2, "aé"}, {"aé€", 3, "aé€"}, {"aé€", 9, "aé€"},
		{"Äöüßéèà/1", 5, "Äöüßé"}, {"Äöüßéèà/1", 11, "Äöüßéèà/1"},
		{"日本語/1", 1, ""}, {"日本語/1", 3, "日"}, {"日本語/1", 4, "日本"}, {"日本語/1", 8, "日本語/1"},
		{"e\u0301e\u0301x", 1, "e\u0301"}, {"e\u0301e\u0301x", 2, "e\u0301e\u0301"},
		{"👩\u200d👩\u200d👧x", 1, ""}, {"👩\u200d👩\u200d👧x", 2, "👩\u200d👩\u200d👧"},
		{"🇩🇪🇫🇷", 3, "🇩🇪"},
	}
	for _, c := range cases {
		if got := truncate(c.s, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// TestDrawLadderWideNames: names of every kind of width keep the lanes
// where they belong. At every width, each line is UTF-8 and escapes
// nothing (the names are printable), no line is wider than the ladder,
// every '|' of an arrow line sits in its lane's display column, and each
// name is shown whole or as a prefix cut between clusters.
func TestDrawLadderWideNames(t *testing.T) {
	names := []string{"Äöüßéèà", "日本語のユーザー", "e\u0301te\u0301", "👩\u200d👩\u200d👧🇩🇪", "B"}
	var eps []eventlog.Endpoint
	for _, n := range names {
		eps = append(eps, eventlog.Endpoint{User: n, Client: "1"})
	}
	var arrows []Arrow
	for i := range eps {
		arrows = append(arrows, Arrow{From: eps[i], To: eps[(i+1)%len(eps)], Type: econn.MsgSetup,
			Sent: uint64(2*i + 1), Received: uint64(2*i + 2)})
	}
	for width := 20; width <= 160; width++ {
		var buf bytes.Buffer
		if err := DrawLadder(&buf, eps, arrows, width); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !utf8.ValidString(out) || strings.Contains(out, `\x`) || strings.Contains(out, `\u`) {
			t.Fatalf("width %d: not clean UTF-8:\n%s", width, out)
		}
		spacing := max((width-11)/len(eps), 12)
		total := 11 + spacing/2 + (len(eps)-1)*spacing + spacing/2
		// The rows: the names, then an arrow a line; the legend follows.
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")[:1+len(arrows)]
		for _, l := range lines {
			if w := uniseg.StringWidth(l); w > total {
				t.Fatalf("width %d: line %d columns wide, ladder %d:\n%s", width, w, total, out)
			}
		}
		for _, l := range lines[1 : len(lines)-1] { // the last arrow goes back over every lane
			if got, want := barColumns(l), laneColumns(len(eps), spacing); !slices.Equal(got, want) {
				t.Fatalf("width %d: '|' at columns %v, lanes at %v:\n%s", width, got, want, out)
			}
		}
		for i, ep := range eps {
			name := truncate(ep.String(), spacing-1)
			at := strings.Index(lines[0], name)
			if name == "" || at < 0 || !strings.HasPrefix(ep.String(), name) {
				t.Fatalf("width %d: header lacks %q (of %q):\n%s", width, name, ep.String(), out)
			}
			// Centred on its lane, counted in display columns.
			if got, want := uniseg.StringWidth(lines[0][:at]), laneColumns(len(eps), spacing)[i]-uniseg.StringWidth(name)/2; got != want {
				t.Fatalf("width %d: %q starts at column %d, want %d:\n%s", width, name, got, want, out)
			}
		}
	}
}

// barColumns returns the display columns of the '|' in line.
func barColumns(line string) []int {
	var cols []int
	x := 0
	for line != "" {
		g, rest, w, _ := uniseg.FirstGraphemeClusterInString(line, -1)
		if g == "|" {
			cols = append(cols, x)
		}
		x, line = x+w, rest
	}
	return cols
}

// laneColumns are the columns DrawLadder puts its n lanes at.
func laneColumns(n, spacing int) []int {
	var cols []int
	for i := range n {
		cols = append(cols, 11+spacing/2+i*spacing)
	}
	return cols
}

// TestRowOverwritesWholeClusters: text drawn over part of a wide
// character removes all of it, and text that does not fit at the end of a
// row stops before it.
func TestRowOverwritesWholeClusters(t *testing.T) {
	cases := []struct {
		first, second string
		at            int
		want          string
	}{
		{"日本語", "x", 1, " x本語"},                      // over the right half of 日
		{"日本語", "x", 2, "日x 語"},                      // over the left half of 本
		{"日本語", "ab", 3, "日 ab"},                     // over the right half of 本 and the left of 語
		{"日本語", "語", 1, " 語 語"},                      // a wide one over two halves
		{"ab", "e\u0301\u200d", 0, "e\u0301\u200db"}, // a cluster with a joiner is one cell
		{"", "xxxxxx日", 0, "xxxxxx"},                 // 日 does not fit in the last column
	}
	for _, c := range cases {
		r := newRow(7)
		r.put(0, c.first)
		r.put(c.at, c.second)
		if got := strings.TrimRight(r.String(), " "); got != c.want {
			t.Errorf("%q then %q at %d: got %q, want %q", c.first, c.second, c.at, got, c.want)
		}
	}
}
