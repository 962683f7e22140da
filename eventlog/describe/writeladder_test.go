package describe_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// TestWriteLadder: the ladder of a call read from its log is the ladder of
// its events from the given one on, keeping the arrows with an end kept.
func TestWriteLadder(t *testing.T) {
	const scenario = "clients A/1 B/1 B/2\nstart A/1\nrun\nanswer B/2\nrun\nadvance 1s\nend A/1\nrun\nadvance 10s\n"
	path := filepath.Join(t.TempDir(), "fan.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "fan", Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	meta, evs, err := simtest.Events(simtest.Call{ID: "fan", Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b1 := simtest.B1
	onlyB1 := func(ep eventlog.Endpoint) bool { return ep == b1 }
	// want draws the ladder of the events from seq from on by hand.
	want := func(from uint64, keep func(eventlog.Endpoint) bool, width int) string {
		ld := describe.NewLadder(meta.Endpoints)
		for _, ev := range evs {
			if ev.Seq >= from {
				ld.Add(ev)
			}
		}
		ld.Flush()
		var arrows []describe.Arrow
		for _, a := range ld.Arrows() {
			if keep == nil || keep(a.From) || keep(a.To) {
				arrows = append(arrows, a)
			}
		}
		var b bytes.Buffer
		if err := describe.DrawLadder(&b, ld.Endpoints(), arrows, width); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var full string
	for _, c := range []struct {
		name  string
		from  uint64
		keep  func(eventlog.Endpoint) bool
		width int
	}{
		{"all", 0, nil, 100},
		{"B/1 only", 1, onlyB1, 100},
		{"from the middle", uint64(len(evs) / 2), nil, 60},
	} {
		r, err := l.OnlyCall()
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		err = describe.WriteLadder(&got, r, c.keep, c.from, c.width)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if w := want(c.from, c.keep, c.width); got.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got.String(), w)
		}
		n := strings.Count(got.String(), "\n")
		switch {
		case c.name == "all":
			full = got.String()
			if n < 6 || !strings.Contains(full, "SETUP") || !strings.Contains(full, "HANGUP") {
				t.Fatalf("a fan-out call's ladder:\n%s", full)
			}
		case n < 2 || n >= strings.Count(full, "\n"):
			t.Errorf("%s: %d lines of %d:\n%s", c.name, n, strings.Count(full, "\n"), got.String())
		}
	}
}

// longCall records simtest.LongCall(n) into a new log and opens it.
func longCall(t testing.TB, n int) *eventlog.CallReader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "long.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(n)}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	r, err := l.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestWriteLadderLongCall: on a long call, where the first SETUP stays
// pending to the end and so more than maxWaitingArrows sends wait behind
// it, the streamed ladder is the ladder of the whole call in memory.
func TestWriteLadderLongCall(t *testing.T) {
	r := longCall(t, 20_000)
	ld := describe.NewLadder(r.Meta().Endpoints)
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		ld.Add(ev)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	if err := describe.DrawLadder(&want, ld.Endpoints(), ld.Arrows(), 80); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(want.String(), "\n"); n < 4000 {
		t.Fatalf("only %d lines: the window is not passed", n)
	}
	if err := describe.WriteLadder(&got, r, nil, 1, 80); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d of %d/%d:\n got %q\nwant %q", i+1, len(g), len(w), g[i], w[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapSampler is a writer that measures the live heap when the bytes
// written pass given marks.
type heapSampler struct {
	n     int
	marks []int
	heaps []uint64
}

func (s *heapSampler) Write(p []byte) (int, error) {
	s.n += len(p)
	for len(s.heaps) < len(s.marks) && s.n >= s.marks[len(s.heaps)] {
		s.heaps = append(s.heaps, liveHeap())
	}
	return len(p), nil
}

// TestWriteLadderMemoryIsFlat draws the ladder of a call of 100,000
// events and checks that the live heap holds no arrow per message: it
// does not grow between a fifth and nine tenths of the output, and stays
// far below what the call's arrows take (about 25,000 of them, 200 bytes
// each and more; the whole-call ladder held 4 MB here).
func TestWriteLadderMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("records a call of 100,000 events")
	}
	r := longCall(t, 100_000)
	size := &heapSampler{}
	if err := describe.WriteLadder(size, r, nil, 1, 100); err != nil {
		t.Fatal(err)
	}
	s := &heapSampler{marks: []int{size.n / 5, size.n * 9 / 10}}
	base := liveHeap()
	if err := describe.WriteLadder(s, r, nil, 1, 100); err != nil {
		t.Fatal(err)
	}
	if len(s.heaps) != 2 {
		t.Fatalf("%d of 2 samples taken", len(s.heaps))
	}
	if grew := int64(s.heaps[1]) - int64(s.heaps[0]); grew > 1<<20 {
		t.Fatalf("the heap grew by %d bytes over 70%% of the ladder", grew)
	}
	if held := int64(max(s.heaps[0], s.heaps[1])) - int64(base); held > 1<<20 {
		t.Fatalf("the ladder held %d bytes", held)
	}
	t.Logf("%d bytes out; heap %+d B at 20%%, %+d B at 90%%", size.n,
		int64(s.heaps[0])-int64(base), int64(s.heaps[1])-int64(base))
}

// ladderOfLog draws the ladder of one call of a log file.
func ladderOfLog(t *testing.T, path, call string) string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call(call)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var b bytes.Buffer
	if err := describe.WriteLadder(&b, r, nil, 1, 100); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rowsAndLegend splits a drawn ladder into its arrow rows (without the
// time) and its legend's marks.
func rowsAndLegend(out string) (rows []string, legend map[string]bool) {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	legend = map[string]bool{}
	for i, l := range lines {
		if l == "legend:" {
			for _, m := range lines[i+1:] {
				legend[strings.Fields(m)[0]] = true
			}
			return rows, legend
		}
		if i > 0 {
			rows = append(rows, l[min(len(l), 11):])
		}
	}
	return rows, legend
}

// TestWriteLadderDeviceLog: the ladder of one device's log (a
// cross-process call) shows nothing as lost: its peers are not recorded,
// drawn '?' on a ':' lifeline, and the legend says so.
func TestWriteLadderDeviceLog(t *testing.T) {
	for _, f := range []string{"live-call-a1.db", "live-call-b1.db", "live-call-b2.db"} {
		out := ladderOfLog(t, "../../testdata/compat/v2/"+f, "call-0001")
		rows, legend := rowsAndLegend(out)
		for _, r := range rows {
			if strings.Contains(r, "x") {
				t.Errorf("%s: a message drawn lost:\n%s", f, out)
			}
			if !strings.Contains(r, "?") {
				t.Errorf("%s: a message with both ends recorded:\n%s", f, out)
			}
		}
		if len(rows) == 0 || !legend["?"] || !strings.Contains(out, "not recorded: the device at this end is not in the log") {
			t.Errorf("%s: no row or no legend for '?':\n%s", f, out)
		}
	}
}

// TestLadderLegendExplainsEveryMark: in the ladder of every scenario and
// of every device log, each mark a row uses is in the legend, and the
// legend lists no mark the rows do not use.
func TestLadderLegendExplainsEveryMark(t *testing.T) {
	var logs [][2]string
	for i := 1; i <= 50; i++ {
		logs = append(logs, [2]string{"scenarios.db", fmt.Sprintf("call-%04d", i)})
	}
	for _, f := range []string{"live-call-a1.db", "live-call-b1.db", "live-call-b2.db", "live-demo.db"} {
		logs = append(logs, [2]string{f, "call-0001"})
	}
	seen := map[string]bool{}
	for _, lg := range logs {
		out := ladderOfLog(t, "../../testdata/compat/v2/"+lg[0], lg[1])
		rows, legend := rowsAndLegend(out)
		used := map[string]bool{}
		for _, r := range rows {
			for _, m := range []string{"-", "=", ">", "x", "?", ":", "!"} {
				if strings.Contains(r, m) {
					used[m] = true
				}
			}
			if strings.Contains(r, "<") {
				used[">"] = true
			}
			if strings.Contains(r, " dup") {
				used["dup"] = true
			}
		}
		for m := range used {
			seen[m] = true
			if !legend[m] {
				t.Errorf("%s %s: %q used, not in the legend:\n%s", lg[0], lg[1], m, out)
			}
		}
		for m := range legend {
			if !used[m] {
				t.Errorf("%s %s: legend explains %q, which no row uses:\n%s", lg[0], lg[1], m, out)
			}
		}
	}
	// Between them the logs use every mark.
	for _, m := range []string{"-", "=", ">", "x", "?", ":", "!", "dup"} {
		if !seen[m] {
			t.Errorf("no ladder used %q", m)
		}
	}
}

// TestColumnsAreTheLadders: for every scenario and every device log,
// Columns finds the ladder's columns in the ladder's order, and the same
// devices recorded.
func TestColumnsAreTheLadders(t *testing.T) {
	type call struct{ file, id string }
	var calls []call
	for i := 1; i <= 50; i++ {
		calls = append(calls, call{"scenarios.db", fmt.Sprintf("call-%04d", i)})
	}
	for _, f := range []string{"live-call-a1.db", "live-call-b1.db", "live-call-b2.db", "live-demo.db"} {
		calls = append(calls, call{f, "call-0001"})
	}
	for _, c := range calls {
		l, err := eventlog.Open("../../testdata/compat/v2/"+c.file, 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := l.Call(c.id)
		if err != nil {
			t.Fatal(err)
		}
		cols, lad := describe.NewColumns(r.Meta().Endpoints), describe.NewLadder(r.Meta().Endpoints)
		cur := r.Cursor(nil)
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			cols.Add(ev)
			lad.Add(ev)
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(cols.Endpoints()), fmt.Sprint(lad.Endpoints()); got != want {
			t.Errorf("%s %s: columns %s, the ladder's %s", c.file, c.id, got, want)
		}
		for _, ep := range lad.Endpoints() {
			if cols.Recorded(ep) != lad.Recorded(ep) {
				t.Errorf("%s %s: %s recorded %v, the ladder says %v", c.file, c.id, ep, cols.Recorded(ep), lad.Recorded(ep))
			}
		}
		r.Close()
		l.Close()
	}
}
