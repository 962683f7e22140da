package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// parseErrors parses text as f.txt and returns its ParseError.
func parseErrors(t *testing.T, text string) *ParseError {
	t.Helper()
	_, err := ParseString("f.txt", text)
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%q: got %v, want a *ParseError", text, err)
	}
	return pe
}

// TestParseReportsEveryBadLine: every bad line is reported, in order of
// lines, each as file:line: what is wrong; good lines between them are
// not.
func TestParseReportsEveryBadLine(t *testing.T) {
	text := "# a scenario with five mistakes\n" +
		"start A/1\n" + // before the clients line
		"clients A/1 B/1\n" +
		"start B/9\n" +
		"run\n" +
		"advance soon\n" +
		"frobnicate A/1\n" +
		"answer B/1\n" +
		"run x\n"
	pe := parseErrors(t, text)
	want := []string{
		"f.txt:2: start before the clients line",
		"f.txt:4: unknown client B/9 (not on the clients line)",
		`f.txt:6: bad duration "soon" (e.g. 200ms, 5s)`,
		`f.txt:7: unknown command "frobnicate"`,
		`f.txt:9: run: unexpected "x"`,
	}
	if got := pe.Messages(); !slices.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if pe.Count() != 5 || pe.Summary() != "5 errors in f.txt" || pe.Error() != strings.Join(want, "\n") {
		t.Fatalf("count %d, summary %q, error %q", pe.Count(), pe.Summary(), pe.Error())
	}
	if pe.Lines[2].Line != 6 || pe.Lines[2].File != "f.txt" {
		t.Fatalf("third error: %+v", pe.Lines[2])
	}
}

// TestParseErrorsDoNotCascade: lines before the clients line are reported
// once, not once each, and a bad clients line is not also "no clients
// line".
func TestParseErrorsDoNotCascade(t *testing.T) {
	cases := map[string][]string{
		"start A/1\nrun\nend A/1\n": {
			"f.txt:1: start before the clients line",
			`f.txt: no clients line (e.g. "clients A/1 B/1")`,
		},
		"start A/1\nfrob\nclients A/1\nrun x\n": {
			"f.txt:1: start before the clients line",
			`f.txt:2: unknown command "frob"`,
			`f.txt:4: run: unexpected "x"`,
		},
		"clients A1\nstart A/1\nadvance soon\n": {
			`f.txt:1: endpoint "A1": want user/client`,
		},
	}
	for text, want := range cases {
		if got := parseErrors(t, text).Messages(); !slices.Equal(got, want) {
			t.Errorf("%q:\ngot\n%s\nwant\n%s", text, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestParseErrorLimit: at most MaxErrors bad lines are listed, then one
// line counts the others; the summary counts them all.
func TestParseErrorLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("clients A/1\n")
	for i := range MaxErrors + 5 {
		fmt.Fprintf(&b, "frob%d\n", i)
	}
	pe := parseErrors(t, b.String())
	got := pe.Messages()
	if len(got) != MaxErrors+1 || pe.Count() != MaxErrors+5 || pe.More != 5 {
		t.Fatalf("%d messages, count %d, more %d:\n%s", len(got), pe.Count(), pe.More, strings.Join(got, "\n"))
	}
	if got[0] != `f.txt:2: unknown command "frob0"` || got[MaxErrors-1] != fmt.Sprintf(`f.txt:%d: unknown command "frob%d"`, MaxErrors+1, MaxErrors-1) {
		t.Fatalf("first and last listed: %q, %q", got[0], got[MaxErrors-1])
	}
	if want := "f.txt: and 5 more errors (only the first 20 are listed)"; got[MaxErrors] != want {
		t.Fatalf("last line %q, want %q", got[MaxErrors], want)
	}
	if pe.Summary() != "25 errors in f.txt" {
		t.Fatalf("summary %q", pe.Summary())
	}
	// One more than the limit: "1 more error".
	pe = parseErrors(t, "clients A/1\n"+strings.Repeat("frob\n", MaxErrors+1))
	if got := pe.Messages(); got[len(got)-1] != "f.txt: and 1 more error (only the first 20 are listed)" {
		t.Fatalf("last line %q", got[len(got)-1])
	}
}

// TestParseLongLine: a line longer than maxLine is named and skipped; the
// lines after it keep their numbers and are checked. A line of exactly
// maxLine bytes is read as a line, and the word quoted from it is cut so
// that the error stays short.
func TestParseLongLine(t *testing.T) {
	long := strings.Repeat("x", maxLine+1)
	pe := parseErrors(t, "clients A/1\n"+long+"\nadvance soon\nstart A/1\n"+long)
	want := []string{
		"f.txt:2: line too long (longer than 1048576 bytes); skipped",
		`f.txt:3: bad duration "soon" (e.g. 200ms, 5s)`,
		"f.txt:5: line too long (longer than 1048576 bytes); skipped",
	}
	if got := pe.Messages(); !slices.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	pe = parseErrors(t, "clients A/1\n"+strings.Repeat("é", maxLine/2)+"\r\n")
	if len(pe.Lines) != 1 || pe.Lines[0].Line != 2 {
		t.Fatalf("%d errors, want one on line 2", len(pe.Lines))
	}
	msg := pe.Messages()[0]
	if !strings.HasPrefix(msg, `f.txt:2: unknown command "éé`) || !strings.HasSuffix(msg, "...") ||
		len(msg) > maxMessage+20 || !utf8.ValidString(msg) {
		t.Fatalf("%d bytes: %.80q...", len(msg), msg)
	}
}

// TestParseLineEnds: CRLF line ends and a last line without one read as
// the scanner read them.
func TestParseLineEnds(t *testing.T) {
	sc, err := ParseString("f.txt", "clients A/1 B/1\r\nstart A/1\r\n\r\nrun\r\nadvance 1s")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range sc.Cmds {
		got = append(got, fmt.Sprintf("%d:%s", c.Line, c.Text))
	}
	if want := []string{"1:clients A/1 B/1", "2:start A/1", "4:run", "5:advance 1s"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
