package viewer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// synthSource is a long call made up on the fly: event i is a note
// "event i", except the needles, which are Ignored outputs "needle".
type synthSource struct {
	n       int
	needles map[int]bool
	read    int // rows handed out
}

func (s *synthSource) Meta() eventlog.CallMeta {
	return eventlog.CallMeta{ID: "synth", Endpoints: []eventlog.Endpoint{epA}}
}
func (s *synthSource) Len() int { return s.n }

func (s *synthSource) Rows(from, n int) ([]Row, error) {
	var rows []Row
	for i := from; i < min(from+n, s.n); i++ {
		ev := eventlog.Event{Seq: uint64(i + 1), Endpoint: epA, Kind: eventlog.KindNote, Type: "media",
			Note: &eventlog.Note{Text: fmt.Sprintf("event %d", i)}}
		summary := ev.Note.Text
		if s.needles[i] {
			ev = eventlog.Event{Seq: uint64(i + 1), Endpoint: epA, Conn: "c", Kind: eventlog.KindOutput, Type: "Ignored",
				Output: econn.Ignored{Reason: econn.IgnoreUnknown, Args: econn.IgnoreArgs{Text: "needle"}}}
			summary = "ignored: needle"
		}
		rows = append(rows, Row{Index: i, Event: ev, Summary: summary})
	}
	s.read += len(rows)
	return rows, nil
}

func (s *synthSource) States(int) ([]ConnState, error) { return nil, nil }

func openSynth(t *testing.T, n int, needles ...int) (*Model, *synthSource) {
	t.Helper()
	src := &synthSource{n: n, needles: map[int]bool{}}
	for _, i := range needles {
		src.needles[i] = true
	}
	m, err := New(singleCatalog{src}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m, src
}

// finish ticks until the scan ends and returns how many ticks it took.
func finish(t *testing.T, m *Model) int {
	t.Helper()
	ticks := 0
	for m.Scanning() {
		m.Tick()
		if ticks++; ticks > 1000 {
			t.Fatal("the scan never ends")
		}
	}
	return ticks
}

func TestSearchRunsInSteps(t *testing.T) {
	m, src := openSynth(t, 10*scanBudget, 7*scanBudget+5)
	press(m, "/needle", enter)
	if !m.Scanning() || m.Cursor() != 0 {
		t.Fatalf("a long search finished in one key: scanning %v, cursor %d", m.Scanning(), m.Cursor())
	}
	if src.read > scanBudget+m.lay.timelineRows()+stepReach*2+2 {
		t.Fatalf("the key read %d rows, budget %d", src.read, scanBudget)
	}
	if got := dump(paint(t, m, 80, 24)); !strings.Contains(got, "search needle: at #") {
		t.Fatalf("the status line does not show the search:\n%s", got)
	}
	if ticks := finish(t, m); ticks < 5 {
		t.Fatalf("found after %d ticks", ticks)
	}
	if m.Cursor() != 7*scanBudget+5 {
		t.Fatalf("search stopped at %d", m.Cursor())
	}
	// A miss reads the call once around, no more.
	src.read = 0
	press(m, "/absent", enter)
	finish(t, m)
	if !m.msgErr || !strings.Contains(m.msg, "not found") {
		t.Fatalf("miss: %q", m.msg)
	}
	if src.read > src.n+2*maxScanChunk {
		t.Fatalf("a miss read %d rows of %d", src.read, src.n)
	}
	// Backwards, wrapping around the start.
	press(m, "g?needle", enter)
	finish(t, m)
	if m.Cursor() != 7*scanBudget+5 || !strings.Contains(m.matchStatus(), "wrapped around") {
		t.Fatalf("?needle from the start: at %d, %q", m.Cursor(), m.matchStatus())
	}
}

func TestKeyStopsScan(t *testing.T) {
	m, _ := openSynth(t, 10*scanBudget, 9*scanBudget)
	press(m, "/needle", enter, Rune('j'))
	if m.Scanning() || m.Cursor() != 1 || !strings.Contains(m.msg, "stopped at #") {
		t.Fatalf("j during a search: scanning %v, cursor %d, %q", m.Scanning(), m.Cursor(), m.msg)
	}
	press(m, "/needle", enter)
	if cmd := press(m, "", esc); cmd != nil || m.Scanning() {
		t.Fatalf("Esc during a search: %v, scanning %v", cmd, m.Scanning())
	}
	if _, ok := press(m, "", esc).(Quit); !ok {
		t.Fatal("Esc after the search does not quit")
	}
}

func TestContinueRunsInSteps(t *testing.T) {
	m, _ := openSynth(t, 10*scanBudget, 2*scanBudget, 8*scanBudget)
	press(m, "bignored", enter, Rune('c'))
	finish(t, m)
	if m.Cursor() != 2*scanBudget || !strings.Contains(m.msg, "breakpoint: ignored") {
		t.Fatalf("c: at %d, %q", m.Cursor(), m.msg)
	}
	press(m, "c")
	finish(t, m)
	press(m, "c")
	finish(t, m)
	if m.Cursor() != 8*scanBudget || !strings.Contains(m.msg, "no breakpoint hit") {
		t.Fatalf("c past the last hit: at %d, %q", m.Cursor(), m.msg)
	}
	press(m, "G", Rune('C'))
	finish(t, m)
	if m.Cursor() != 8*scanBudget {
		t.Fatalf("C from the end: at %d", m.Cursor())
	}
}

func TestRunGoesOnWithSearch(t *testing.T) {
	m, _ := openSynth(t, 20*scanBudget, 15*scanBudget)
	scr := &lockedScreen{SimulationScreen: newScreen(t, 80, 24)}
	wait := runOn(t, scr, m)
	for _, r := range "/needle" {
		scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	waitScreen(t, scr, fmt.Sprintf("#%d of 1..", 15*scanBudget+1))
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	wait()
}

func TestSparseFilterOnLongCall(t *testing.T) {
	needles := []int{3*scanBudget + 1, 3*scanBudget + 2, 6 * scanBudget, 9*scanBudget + 7}
	m, src := openSynth(t, 10*scanBudget, needles...)
	press(m, ":100", enter)
	src.read = 0
	press(m, "ftype=Ignored", enter)
	if !m.Busy() || m.Cursor() != 99 {
		t.Fatalf("a filter over a long call finished in one key: busy %v, cursor %d", m.Busy(), m.Cursor())
	}
	if src.read > scanBudget+3*stepReach+m.lay.timelineRows() {
		t.Fatalf("the key read %d rows", src.read)
	}
	if got := dump(paint(t, m, 100, 30)); !strings.Contains(got, "filtering type=Ignored: 0 matches in 10%") {
		t.Fatalf("the status line does not show the filtering:\n%s", got)
	}
	for m.Busy() {
		m.Tick()
	}
	if m.Cursor() != needles[0] {
		t.Fatalf("the cursor landed on %d, want %d", m.Cursor(), needles[0])
	}
	var got []int
	for _, r := range m.Window() {
		got = append(got, r.Index)
	}
	if fmt.Sprint(got) != fmt.Sprint(needles) {
		t.Fatalf("window %v, want %v", got, needles)
	}
	// Every move is arithmetic on the index: no row read for it.
	steps := []struct {
		keys string
		want int
	}{{"j", needles[1]}, {"j", needles[2]}, {"G", needles[3]}, {"j", needles[3]}, {"k", needles[2]}, {"g", needles[0]}}
	for _, s := range steps {
		press(m, s.keys)
		if m.Cursor() != s.want {
			t.Fatalf("%s: at %d, want %d", s.keys, m.Cursor(), s.want)
		}
	}
	press(m, fmt.Sprintf(":%d", 5*scanBudget), enter)
	if m.Cursor() != needles[2] || !strings.Contains(m.msg, "hidden by the filter") {
		t.Fatalf("goto a hidden event: at %d, %q", m.Cursor(), m.msg)
	}
	press(m, fmt.Sprintf(":%d", 10*scanBudget), enter)
	if m.Cursor() != needles[3] {
		t.Fatalf("goto past the last match: at %d", m.Cursor())
	}
	// A filter that matches nothing, found out after reading the call,
	// gives the old filter back.
	m.prompt = &prompt{kind: promptFilter, text: []rune("type=Recv")}
	press(m, "", enter)
	for m.Busy() {
		m.Tick()
	}
	if !m.msgErr || m.Filter().String() != "type=Ignored" || m.Cursor() != needles[3] {
		t.Fatalf("a filter matching nothing: %q, filter %q, at %d", m.msg, m.Filter(), m.Cursor())
	}
	// The window under the restored filter is still the four needles.
	if len(m.Window()) != 4 {
		t.Fatalf("window of %d rows", len(m.Window()))
	}
}

func TestFilterThenSearchAndBreakpoints(t *testing.T) {
	m, _ := openSynth(t, 4*scanBudget, 100, 2*scanBudget, 3*scanBudget)
	press(m, "fkind=output", enter)
	for m.Busy() {
		m.Tick()
	}
	press(m, "bignored", enter, Rune('c'))
	finish(t, m)
	if m.Cursor() != 2*scanBudget {
		t.Fatalf("c under a filter: at %d", m.Cursor())
	}
	press(m, "i") // no inputs at all
	finish(t, m)
	if !strings.Contains(m.msg, "no input") || m.Cursor() != 2*scanBudget {
		t.Fatalf("i: %q at %d", m.msg, m.Cursor())
	}
}
