package viewer

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/callrec/callrec/eventlog/filter"
)

// TestFilterIsTheLanguage checks that the viewer's filter keeps, on the
// rows of a real log, exactly what eventlog/filter keeps on its events:
// the rows' message types (from the ladder) agree with the package's.
func TestFilterIsTheLanguage(t *testing.T) {
	cat := openLog(t, filepath.Join("..", "testdata", "golden", "04-glare.log"))
	calls, err := cat.Calls()
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %v: %v", calls, err)
	}
	src, err := cat.Open(calls[0].Info.Meta.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := src.Rows(0, src.Len())
	if err != nil || len(rows) != 19 {
		t.Fatalf("%d rows: %v", len(rows), err)
	}
	for _, tc := range []struct {
		expr string
		want []uint64
	}{
		{"type=SETUP", []uint64{6, 13, 15, 17}},
		{"TYPE=setup EP=a", []uint64{6, 17}},
		{"ep=B/2 kind=input", []uint64{8, 11, 15}},
		{"conn=9gmi type=StateChanged,Answered", []uint64{5, 18, 19}},
		{"type=app.start", []uint64{3, 10}},
		{"type=Recv type=Send ep=b", []uint64{13, 15}},
	} {
		f, err := ParseFilter(tc.expr)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", tc.expr, err)
		}
		pf, err := filter.Parse(tc.expr)
		if err != nil || pf.String() != f.String() {
			t.Fatalf("ParseFilter(%q) = %q, filter.Parse gives %q (%v)", tc.expr, f, pf, err)
		}
		var got, pkg []uint64
		for i := range rows {
			if f.Match(&rows[i]) {
				got = append(got, rows[i].Event.Seq)
			}
			if pf.Match(rows[i].Event) {
				pkg = append(pkg, rows[i].Event.Seq)
			}
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(pkg, tc.want) {
			t.Errorf("%q: viewer keeps %v, eventlog/filter %v, want %v", tc.expr, got, pkg, tc.want)
		}
	}
}

// TestFilterPromptErrors checks that the prompt reports the package's
// one-line error and keeps the filter in force.
func TestFilterPromptErrors(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "f")
	press(m, "type=HANGUP ep=a", enter)
	if m.msgErr || m.Filter().String() != "ep=a type=HANGUP" {
		t.Fatalf("filter %q: %q", m.Filter(), m.msg)
	}
	for bad, want := range map[string]string{
		"colour=red":  `filter term "colour=red": unknown key "colour": want ep, conn, kind or type`,
		"ep=A/":       `filter term "ep=A/": endpoint "A/": want user or user/client`,
		"kind=inputs": `filter term "kind=inputs": kind "inputs": want input, output or note`,
	} {
		m.prompt = &prompt{kind: promptFilter, text: []rune(bad)}
		press(m, "", enter)
		if !m.msgErr || m.msg != want || m.Filter().String() != "ep=a type=HANGUP" {
			t.Errorf("filter %q: msg %q (error %v), filter now %q; want %q", bad, m.msg, m.msgErr, m.Filter(), want)
		}
	}
}
