package viewer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// press feeds the model each rune of s as a key, then the extra keys.
func press(m *Model, s string, extra ...Key) Cmd {
	var cmd Cmd
	for _, r := range s {
		cmd = m.Update(Rune(r))
	}
	for _, k := range extra {
		cmd = m.Update(k)
	}
	return cmd
}

var (
	enter = Key{Code: KeyEnter}
	esc   = Key{Code: KeyEsc}
	tab   = Key{Code: KeyTab}
)

func openGlare(t *testing.T, opts Options) (*Model, *memSource) {
	t.Helper()
	s := glareCall(t)
	src := s.source()
	m, err := New(singleCatalog{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m, src
}

// singleCatalog serves one Source.
type singleCatalog struct{ src Source }

func (c singleCatalog) Calls() ([]CallEntry, error) {
	return []CallEntry{{Info: eventlogCallInfo(c.src)}}, nil
}

func (c singleCatalog) Open(id string) (Source, error) {
	if id != c.src.Meta().ID {
		return nil, errors.New("no such call")
	}
	return c.src, nil
}

func seqAt(t *testing.T, m *Model) uint64 {
	t.Helper()
	r := m.Current()
	if r == nil {
		t.Fatal("no event under the cursor")
	}
	if r.Index != m.Cursor() {
		t.Fatalf("current row %d, cursor %d", r.Index, m.Cursor())
	}
	return r.Event.Seq
}

func TestStepKeys(t *testing.T) {
	m, _ := openGlare(t, Options{})
	cases := []struct {
		name string
		keys []Key
		want uint64
	}{
		{"j", []Key{Rune('j')}, 2},
		{"down", []Key{{Code: KeyDown}}, 3},
		{"k", []Key{Rune('k')}, 2},
		{"up", []Key{{Code: KeyUp}}, 1},
		{"k at the top stays", []Key{Rune('k')}, 1},
		{"G", []Key{Rune('G')}, 44},
		{"j at the bottom stays", []Key{Rune('j')}, 44},
		{"g", []Key{Rune('g')}, 1},
		{"End", []Key{{Code: KeyEnd}}, 44},
		{"Home", []Key{{Code: KeyHome}}, 1},
		{"i: next input", []Key{Rune('i')}, 3},
		{"i again", []Key{Rune('i')}, 5},
		{"I: previous input", []Key{Rune('I')}, 3},
		{"goto 14", []Key{Rune(':'), Rune('1'), Rune('4'), enter}, 14},
		{"PgDn", []Key{{Code: KeyPgDn}}, 14 + uint64(m.lay.timelineRows())},
		{"PgUp", []Key{{Code: KeyPgUp}}, 14},
	}
	for _, c := range cases {
		press(m, "", c.keys...)
		if got := seqAt(t, m); got != c.want {
			t.Fatalf("%s: cursor at %d, want %d", c.name, got, c.want)
		}
	}
}

func TestNextInputAtEnd(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "G")
	press(m, "i")
	if seqAt(t, m) != 44 || !strings.Contains(m.msg, "no input") {
		t.Fatalf("i at the end: cursor %d, msg %q", seqAt(t, m), m.msg)
	}
}

func TestGotoErrors(t *testing.T) {
	m, _ := openGlare(t, Options{})
	for _, in := range []string{"0", "45", "x", ""} {
		press(m, ":"+in, enter)
		if !m.msgErr || seqAt(t, m) != 1 {
			t.Errorf(":%s: msg %q (err %v), cursor %d", in, m.msg, m.msgErr, seqAt(t, m))
		}
	}
}

func TestPromptEditing(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, ":19", Key{Code: KeyBackspace}, Rune('4'), enter)
	if seqAt(t, m) != 14 {
		t.Fatalf("backspace: cursor %d", seqAt(t, m))
	}
	press(m, ":3", esc)
	if m.prompt != nil || seqAt(t, m) != 14 {
		t.Fatal("Esc did not cancel the prompt")
	}
	press(m, ":", Key{Code: KeyBackspace})
	if m.prompt != nil {
		t.Fatal("backspace on an empty prompt did not close it")
	}
}

func TestSearch(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "/conflict", enter)
	if got := seqAt(t, m); got != 14 {
		t.Fatalf("/conflict: at %d, want 14", got)
	}
	press(m, "n")
	if got := seqAt(t, m); got != 21 {
		t.Fatalf("n: at %d, want 21", got)
	}
	press(m, "n") // the last one: wraps around to the first
	if got := seqAt(t, m); got != 14 || !strings.Contains(m.matchStatus(), "wrapped around") {
		t.Fatalf("n: at %d status %q", got, m.matchStatus())
	}
	press(m, "N") // back across the start: wraps to the last
	if got := seqAt(t, m); got != 21 {
		t.Fatalf("N: at %d, want 21", got)
	}
	// Payload search: "opus" is only in the SDP.
	press(m, "g/OPUS", enter)
	if got := seqAt(t, m); got != 5 {
		t.Fatalf("/OPUS: at %d, want 5 (Start's SDP)", got)
	}
	press(m, "n")
	if got := seqAt(t, m); got != 7 {
		t.Fatalf("n: at %d, want 7 (the sent SETUP)", got)
	}
	// Reverse search from the end.
	press(m, "G?hangup", enter)
	if got := seqAt(t, m); got != 42 {
		t.Fatalf("?hangup: at %d, want 42 (HangupRecv → Terminating)", got)
	}
	press(m, "n") // n keeps ?'s direction, as in less and vim
	if got := seqAt(t, m); got != 41 {
		t.Fatalf("n backwards: at %d, want 41", got)
	}
	press(m, "N") // N goes the other way: forwards
	if got := seqAt(t, m); got != 42 {
		t.Fatalf("N after ?: at %d, want 42", got)
	}
	press(m, "n")
	press(m, "/no-such-text", enter)
	if !m.msgErr || seqAt(t, m) != 41 {
		t.Fatalf("missing text: msg %q, at %d", m.msg, seqAt(t, m))
	}
	// Note text is searchable.
	press(m, "g/calling-3.0", enter)
	if got := seqAt(t, m); got != 26 {
		t.Fatalf("note attr search: at %d", got)
	}
}

func TestSearchBeforeAny(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "N")
	if !strings.Contains(m.msg, "no search") {
		t.Fatalf("msg %q", m.msg)
	}
}

func TestFilter(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "f")
	if m.prompt == nil || m.prompt.kind != promptFilter {
		t.Fatal("f opened no filter prompt")
	}
	press(m, "ep=B/1 kind=input", enter)
	if m.msgErr {
		t.Fatal(m.msg)
	}
	if got := seqAt(t, m); got != 3 {
		t.Fatalf("filter moved the cursor to %d, want 3", got)
	}
	var seqs []uint64
	for _, r := range m.Window() {
		seqs = append(seqs, r.Event.Seq)
	}
	want := []uint64{3, 9, 16, 22, 29, 35}
	if len(seqs) != len(want) {
		t.Fatalf("window %v, want %v", seqs, want)
	}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("window %v, want %v", seqs, want)
		}
	}
	press(m, "jj")
	if got := seqAt(t, m); got != 16 {
		t.Fatalf("jj under filter: %d", got)
	}
	press(m, "G")
	if got := seqAt(t, m); got != 35 {
		t.Fatalf("G under filter: %d", got)
	}
	// A message type filter.
	press(m, "f", Key{Code: KeyBackspace}) // the prompt starts with the filter in force
	m.prompt.text = nil
	press(m, "type=HANGUP", enter)
	seqs = nil
	for _, r := range m.Window() {
		seqs = append(seqs, r.Event.Seq)
	}
	if len(seqs) != 4 || seqs[0] != 32 || seqs[3] != 40 {
		t.Fatalf("type=HANGUP window %v", seqs)
	}
	// Errors keep the filter.
	for _, bad := range []string{"ep", "color=red", "kind=sideways", "ep=Z/9"} {
		m.prompt = &prompt{kind: promptFilter, text: []rune(bad)}
		press(m, "", enter)
		if !m.msgErr || m.Filter().String() != "type=HANGUP" {
			t.Errorf("filter %q: msg %q, filter now %q", bad, m.msg, m.Filter())
		}
	}
	m.prompt = &prompt{kind: promptFilter}
	press(m, "", enter)
	if !m.Filter().Empty() || len(m.Window()) != m.lay.timelineRows() {
		t.Fatalf("empty filter: %q, window %d", m.Filter(), len(m.Window()))
	}
}

func TestBreakpoints(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "c")
	if !strings.Contains(m.msg, "no breakpoints") {
		t.Fatalf("c without breakpoints: %q", m.msg)
	}
	press(m, "bstate=conflict-resolution", enter)
	press(m, "c")
	if got := seqAt(t, m); got != 14 {
		t.Fatalf("c: at %d, want 14 (A/1 enters Conflict-Resolution)", got)
	}
	if !strings.Contains(m.msg, "state=Conflict-Resolution") {
		t.Fatalf("msg %q", m.msg)
	}
	press(m, "c")
	if seqAt(t, m) != 14 || !strings.Contains(m.msg, "no breakpoint hit") {
		t.Fatalf("second c: at %d, msg %q", seqAt(t, m), m.msg)
	}
	press(m, "bignored", enter, Rune('b'))
	press(m, "close", enter, Rune('b'))
	press(m, "recv=hangup", enter, Rune('b'))
	press(m, "send=CANCEL", enter)
	if n := len(m.Breakpoints()); n != 5 {
		t.Fatalf("%d breakpoints, want 5", n)
	}
	hits := []uint64{17, 35, 39, 40, 44}
	for _, want := range hits {
		press(m, "c")
		if got := seqAt(t, m); got != want {
			t.Fatalf("c: at %d, want %d", got, want)
		}
	}
	for i := len(hits) - 2; i >= 0; i-- {
		press(m, "C")
		if got := seqAt(t, m); got != hits[i] {
			t.Fatalf("C: at %d, want %d", got, hits[i])
		}
	}
	press(m, "C")
	if got := seqAt(t, m); got != 14 {
		t.Fatalf("C: at %d, want 14", got)
	}
	// Toggling removes; a bad spec is an error; empty clears.
	press(m, "bclose", enter)
	if n := len(m.Breakpoints()); n != 4 {
		t.Fatalf("toggle: %d breakpoints", n)
	}
	for _, bad := range []string{"state=Sleeping", "recv=HELLO", "stop"} {
		m.prompt = &prompt{kind: promptBreak, text: []rune(bad)}
		press(m, "", enter)
		if !m.msgErr {
			t.Errorf("breakpoint %q accepted", bad)
		}
	}
	press(m, "b", enter)
	if len(m.Breakpoints()) != 0 {
		t.Fatal("empty b did not clear")
	}
}

func TestStatesAndDiff(t *testing.T) {
	m, _ := openGlare(t, Options{At: 14})
	c, _, ok := m.Inspected()
	if !ok || c.Endpoint != epA {
		t.Fatalf("inspected %v", c.Endpoint)
	}
	changed := map[string]bool{}
	for _, f := range connFields(c) {
		if f.changed() {
			changed[f.name] = true
		}
	}
	for _, want := range []string{"state", "conflict", "remote"} {
		if !changed[want] {
			t.Errorf("field %s not marked changed at the glare step: %v", want, changed)
		}
	}
	if changed["direction"] || changed["local"] {
		t.Errorf("unchanged fields marked: %v", changed)
	}
	press(m, "d")
	text := linesText(m.detailPane())
	for _, want := range []string{"state      Pending-Outgoing → Conflict-Resolution", "conflict   none → loser"} {
		if !strings.Contains(text, want) {
			t.Errorf("diff lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "B/1 conn") {
		t.Errorf("diff lists B/1, which the step did not change:\n%s", text)
	}
	press(m, "g")
	text = linesText(m.detailPane())
	if !strings.Contains(text, "(created)") {
		t.Errorf("diff at New lacks (created):\n%s", text)
	}
	press(m, ":26", enter) // a note changes nothing
	if text = linesText(m.detailPane()); !strings.Contains(text, "changed no connection") {
		t.Errorf("diff at a note:\n%s", text)
	}
	press(m, "d")
	if text = linesText(m.detailPane()); !strings.Contains(text, "data channel open") {
		t.Errorf("detail after d off:\n%s", text)
	}
}

func linesText(ls []Line) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.String() + "\n")
	}
	return b.String()
}

func TestCyclePin(t *testing.T) {
	m, _ := openGlare(t, Options{At: 14})
	press(m, "", tab)
	if c, _, _ := m.Inspected(); c.Endpoint != epA || m.pin == "" {
		t.Fatalf("first Tab: %v pin %q", c.Endpoint, m.pin)
	}
	press(m, "", tab)
	if c, _, _ := m.Inspected(); c.Endpoint != epB {
		t.Fatalf("second Tab: %v", c.Endpoint)
	}
	press(m, "i") // B stays pinned though the cursor is on A's event
	if c, _, _ := m.Inspected(); c.Endpoint != epB {
		t.Fatalf("pin lost on move: %v", c.Endpoint)
	}
	press(m, "", tab)
	if m.pin != "" || !strings.Contains(m.msg, "follows the cursor") {
		t.Fatalf("third Tab: pin %q", m.pin)
	}
	press(m, "", Key{Code: KeyBacktab})
	if c, _, _ := m.Inspected(); c.Endpoint != epB {
		t.Fatalf("Shift-Tab: %v", c.Endpoint)
	}
	press(m, "", Key{Code: KeyLeft})
	if c, _, _ := m.Inspected(); c.Endpoint != epA || m.pin == "" {
		t.Fatalf("←: %v", c.Endpoint)
	}
	press(m, "", Key{Code: KeyRight})
	if c, _, _ := m.Inspected(); c.Endpoint != epB {
		t.Fatalf("→: %v", c.Endpoint)
	}
}

func TestCopyEvent(t *testing.T) {
	m, _ := openGlare(t, Options{At: 13})
	press(m, "y")
	if got := string(m.prompt.text); got != "event-13.json" {
		t.Fatalf("default file name %q", got)
	}
	cmd := press(m, "", enter)
	wf, ok := cmd.(WriteFile)
	if !ok || wf.Path != "event-13.json" {
		t.Fatalf("cmd %#v", cmd)
	}
	var got struct {
		Seq     uint64
		Type    string
		Payload struct {
			Data struct {
				Type string `json:"type"`
				SDP  string `json:"sdp"`
			}
			Via string
		} `json:"data"`
	}
	if err := json.Unmarshal(wf.Data, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, wf.Data)
	}
	if got.Seq != 13 || got.Type != "Recv" || got.Payload.Data.Type != "SETUP" || got.Payload.Via != "backend" ||
		!strings.HasPrefix(got.Payload.Data.SDP, "v=0") {
		t.Fatalf("event JSON: %+v\n%s", got, wf.Data)
	}
	m.prompt = &prompt{kind: promptWrite}
	if cmd := press(m, "", enter); cmd != nil || !m.msgErr {
		t.Fatalf("empty file name: cmd %v msg %q", cmd, m.msg)
	}
}

func TestEventJSONErrorsByName(t *testing.T) {
	s := glareCall(t)
	ev := s.events[43] // A/1 Closed
	data, err := EventJSON(&ev)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"reason"`) || !strings.Contains(string(data), `"kind": "output"`) {
		t.Fatalf("a normal close has a reason: %s", data)
	}
	ev.Output = econn.Closed{Reason: econn.ErrCanceled}
	data, _ = EventJSON(&ev)
	if !strings.Contains(string(data), `"reason": "canceled"`) {
		t.Fatalf("%s", data)
	}
}

func TestHelp(t *testing.T) {
	m, _ := openGlare(t, Options{})
	for _, k := range []Key{Rune('h'), {Code: KeyF1}} {
		press(m, "", k)
		if !m.help {
			t.Fatalf("%v did not open help", k)
		}
		press(m, "j")
		if !m.help || m.helpOff != 1 {
			t.Fatal("j in help did not scroll it")
		}
		press(m, "x")
		if m.help {
			t.Fatal("a key did not close help")
		}
	}
	if seqAt(t, m) != 1 {
		t.Fatal("keys in help moved the cursor")
	}
	press(m, "?")
	if m.prompt == nil || m.prompt.kind != promptSearchBack {
		t.Fatal("? is not reverse search")
	}
}

func TestQuit(t *testing.T) {
	m, _ := openGlare(t, Options{})
	for _, k := range []Key{Rune('q'), esc, {Code: KeyCtrlC}} {
		if _, ok := m.Update(k).(Quit); !ok {
			t.Errorf("%v does not quit", k)
		}
	}
}

func TestCallList(t *testing.T) {
	a, b := glareCall(t), glareCall(t)
	b.meta.ID = "second"
	cat := memCatalog{a, b}
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.InCallList() {
		t.Fatal("two calls: no call list")
	}
	m.Click(5, 3) // the second call: selects it
	if !m.InCallList() || m.listCur != 1 {
		t.Fatalf("a click on the second call: list %v, selected %d", m.InCallList(), m.listCur)
	}
	m.Click(5, 22) // the selected call's pane: nothing
	if !m.InCallList() || m.listCur != 1 {
		t.Fatal("a click below the list changed something")
	}
	press(m, "k")
	m.Wheel(5, 3, 1)
	if m.listCur != 1 {
		t.Fatalf("wheel in the list: selected %d", m.listCur)
	}
	m.Click(5, 3) // a click on the selected call opens it
	if m.InCallList() || m.meta.ID != "second" {
		t.Fatalf("the second click opened %q", m.meta.ID)
	}
	press(m, "", esc, Rune('g'), enter)
	if m.InCallList() || m.meta.ID != "glare" {
		t.Fatalf("Enter opened %q", m.meta.ID)
	}
	press(m, "", esc, Rune('j'), enter)
	if m.InCallList() || m.meta.ID != "second" {
		t.Fatalf("Enter opened %q", m.meta.ID)
	}
	press(m, "G", esc)
	if !m.InCallList() {
		t.Fatal("Esc did not go back to the list")
	}
	if _, ok := press(m, "q").(Quit); !ok {
		t.Fatal("q in the list does not quit")
	}
	m, err = New(cat, Options{Call: "second", At: 20})
	if err != nil || m.InCallList() || m.CursorSeq() != 20 {
		t.Fatalf("--call --at: %v list=%v seq=%d", err, m.InCallList(), m.CursorSeq())
	}
	if _, ok := press(m, "", esc).(Quit); !ok {
		t.Fatal("Esc in a call opened by --call does not quit")
	}
	for _, o := range []Options{{Call: "third"}, {At: 3}, {Call: "glare", At: 99}} {
		if _, err := New(cat, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if _, err := New(memCatalog{}, Options{}); err == nil {
		t.Error("empty log: no error")
	}
}

func TestMouse(t *testing.T) {
	m, _ := openGlare(t, Options{})
	m.Resize(100, 30)
	tl := m.lay.Timeline
	m.Click(5, tl.Y+1+4) // fifth row
	if got := seqAt(t, m); got != 5 {
		t.Fatalf("click: at %d", got)
	}
	m.Click(m.lay.Ladder.X+2, tl.Y+1+6)
	if got := seqAt(t, m); got != 7 {
		t.Fatalf("click in the ladder: at %d", got)
	}
	m.Click(5, tl.Y) // the header
	if got := seqAt(t, m); got != 7 {
		t.Fatalf("header click moved to %d", got)
	}
	m.Wheel(5, tl.Y+3, 2)
	if got := seqAt(t, m); got != 13 {
		t.Fatalf("wheel down: at %d", got)
	}
	m.Wheel(5, tl.Y+3, -1)
	if got := seqAt(t, m); got != 10 {
		t.Fatalf("wheel up: at %d", got)
	}
	d := m.lay.Detail
	m.Wheel(d.X+2, d.Y+2, 1)
	if m.detailOff != 3 || seqAt(t, m) != 10 {
		t.Fatalf("wheel over detail: off %d at %d", m.detailOff, seqAt(t, m))
	}
}

func TestScrollKeepsCursorVisible(t *testing.T) {
	m, _ := openGlare(t, Options{})
	rows := m.lay.timelineRows()
	for i := 0; i < 43; i++ {
		press(m, "j")
		if m.Current() == nil {
			t.Fatalf("after %d j the cursor left the window", i+1)
		}
		if len(m.Window()) > rows {
			t.Fatalf("window of %d rows, room for %d", len(m.Window()), rows)
		}
	}
	m.Resize(80, 10)
	if m.Current() == nil {
		t.Fatal("resize lost the cursor")
	}
	press(m, ":2", enter)
	if m.Window()[0].Event.Seq != 2 && m.Window()[0].Event.Seq != 1 {
		t.Fatalf("goto 2 window starts at %d", m.Window()[0].Event.Seq)
	}
}

func TestSourceErrors(t *testing.T) {
	m, src := openGlare(t, Options{})
	src.err = errors.New("disk on fire")
	press(m, "G")
	if !m.msgErr || !strings.Contains(m.msg, "disk on fire") {
		t.Fatalf("msg %q", m.msg)
	}
	press(m, "/x", enter, Rune('c'), Rune('i'), Rune('n'))
	src.err = nil
	press(m, "g")
	if m.msgErr || seqAt(t, m) != 1 {
		t.Fatalf("after the error cleared: %q", m.msg)
	}
}

func TestEmptyCall(t *testing.T) {
	s := newScript(t, "empty", epA)
	m, err := New(singleCatalog{s.source()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	press(m, "jkgGiInN/x", enter, Rune('c'), Rune('y'), Rune('d'), tab)
	if m.Current() != nil {
		t.Fatal("a row in an empty call")
	}
}

func TestStatesWhileWarming(t *testing.T) {
	src := &slowSource{memSource: glareCall(t).source()}
	m, err := New(singleCatalog{src}, Options{At: 14})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Pending() || m.States() != nil || m.CursorSeq() != 14 {
		t.Fatalf("not ready: pending %v, %d states, at %d", m.Pending(), len(m.States()), m.CursorSeq())
	}
	if text := dump(paint(t, m, 80, 24)); !strings.Contains(text, "replaying the call: 25%") {
		t.Fatalf("the inspector does not say it waits:\n%s", text)
	}
	press(m, "d")
	if text := linesText(m.detailPane()); !strings.Contains(text, "replaying") {
		t.Fatalf("diff while warming:\n%s", text)
	}
	if !m.Tick() {
		t.Fatal("Tick: nothing pending any more, though not ready")
	}
	src.ready.Store(true)
	if m.Tick() || len(m.States()) != 2 {
		t.Fatalf("ready: pending %v, %d states", m.Pending(), len(m.States()))
	}
}

// closingSource records that the model closed it.
type closingSource struct {
	*memSource
	closed int
}

func (c *closingSource) Close() error { c.closed++; return nil }

type closingCatalog struct {
	memCatalog
	opened []*closingSource
}

func (c *closingCatalog) Open(id string) (Source, error) {
	src, err := c.memCatalog.Open(id)
	if err != nil {
		return nil, err
	}
	cs := &closingSource{memSource: src.(*memSource)}
	c.opened = append(c.opened, cs)
	return cs, nil
}

func TestBackToListClosesTheCall(t *testing.T) {
	a, b := glareCall(t), glareCall(t)
	b.meta.ID = "second"
	cat := &closingCatalog{memCatalog: memCatalog{a, b}}
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	press(m, "", enter, esc, Rune('j'), enter, esc)
	if len(cat.opened) != 2 || cat.opened[0].closed != 1 || cat.opened[1].closed != 1 {
		t.Fatalf("opened %d calls; closed %+v", len(cat.opened), cat.opened)
	}
}

func TestFieldText(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"x", "x"},
		{map[string]any{"User": "A", "Client": "1"}, "A/1"},
		{map[string]any{"videosend": "true", "muted": "false"}, "muted=false videosend=true"},
		{map[string]any{"Gen": 1.0}, `{"Gen":1}`},
		{true, "true"},
	}
	for _, c := range cases {
		if got := fieldText(c.in); got != c.want {
			t.Errorf("fieldText(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPropsChangeHighlighted(t *testing.T) {
	changed := func(m *Model, name string) bool {
		c, _, _ := m.Inspected()
		for _, f := range connFields(c) {
			if f.name == name {
				return f.changed()
			}
		}
		t.Fatalf("no field %s", name)
		return false
	}
	m, _ := openGlare(t, Options{At: 13}) // A/1 receives B's SETUP with videosend=true
	if !changed(m, "peer props") || changed(m, "props") {
		t.Fatal("receiving the peer's props: peer props not marked, or props marked")
	}
	press(m, "j") // an output of the same step
	if !changed(m, "peer props") {
		t.Fatal("the step's output does not mark the peer props")
	}
	press(m, ":5", enter) // A/1 starts with videosend=false
	if !changed(m, "props") {
		t.Fatal("Start's props not marked")
	}
	press(m, ":18", enter) // A/1 answers with the same props
	if changed(m, "props") || changed(m, "peer props") {
		t.Fatal("props marked though the step left them as they were")
	}
}

func TestCallEndpoints(t *testing.T) {
	meta := eventlog.CallMeta{Endpoints: []eventlog.Endpoint{epA},
		Conns: []eventlog.ConnMeta{{Endpoint: epA, Remote: epB}, {Endpoint: ep("C/1")}, {Endpoint: epB, Remote: epA}}}
	got := fmt.Sprint(callEndpoints(meta))
	if got != "[A/1 B/1 C/1]" {
		t.Fatalf("columns %s", got)
	}
}

// tickAll ticks until nothing is pending: the match count is read in
// ticks, as the event loop does at once while Busy.
func tickAll(t *testing.T, m *Model) {
	t.Helper()
	for i := 0; m.Busy(); i++ {
		if i > 1000 {
			t.Fatal("the model stays busy")
		}
		m.Tick()
	}
}

// statusLine is the last line of the screen at w×h.
func statusLine(t *testing.T, m *Model, w, h int) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(dump(paint(t, m, w, h)), "\n"), "\n")
	return lines[len(lines)-1]
}

// n and N step through the matches both ways, and the status line says
// which match of how many the cursor is on, wrapping included.
func TestSearchMatchCount(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "/sent setup", enter)
	tickAll(t, m)
	steps := []struct {
		keys   string
		seq    uint64
		status string
	}{
		{"", 7, "/sent setup: match 1/3"},
		{"n", 11, "/sent setup: match 2/3"},
		{"n", 20, "/sent setup: match 3/3"},
		{"n", 7, "/sent setup: match 1/3, wrapped around"},
		{"N", 20, "/sent setup: match 3/3, wrapped around"},
		{"N", 11, "/sent setup: match 2/3"},
		{"j", 12, "/sent setup: 3 matches, none here (n/N go to one)"},
		{"N", 11, "/sent setup: match 2/3"},
	}
	for _, s := range steps {
		press(m, s.keys)
		if got := seqAt(t, m); got != s.seq {
			t.Fatalf("%q: at #%d, want #%d", s.keys, got, s.seq)
		}
		if got := statusLine(t, m, 120, 30); !strings.Contains(got, s.status) {
			t.Fatalf("%q at #%d: status line %q, want %q", s.keys, s.seq, got, s.status)
		}
	}
	// ? reverses n and N.
	press(m, "G?sent setup", enter)
	tickAll(t, m)
	if got := statusLine(t, m, 120, 30); seqAt(t, m) != 20 || !strings.Contains(got, "?sent setup: match 3/3") {
		t.Fatalf("?sent setup from the end: at #%d, %q", seqAt(t, m), got)
	}
	press(m, "n")
	if seqAt(t, m) != 11 {
		t.Fatalf("n after ?: at #%d, want 11", seqAt(t, m))
	}
	press(m, "N")
	if seqAt(t, m) != 20 {
		t.Fatalf("N after ?: at #%d, want 20", seqAt(t, m))
	}
	// A filter counts again among the events it keeps.
	press(m, "fep=A/1", enter)
	tickAll(t, m)
	if got := m.matchStatus(); seqAt(t, m) != 20 || got != "?sent setup: match 2/2" {
		t.Fatalf("under the filter ep=A/1: at #%d, %q", seqAt(t, m), got)
	}
}

// i and I move to the next and previous input, on the screen too.
func TestNextInputKeyOnScreen(t *testing.T) {
	m, _ := openGlare(t, Options{})
	press(m, "i")
	if got := statusLine(t, m, 120, 30); seqAt(t, m) != 3 || !strings.HasPrefix(got, "#3 of 1..44") {
		t.Fatalf("i: at #%d, %q", seqAt(t, m), got)
	}
	press(m, "iI")
	if seqAt(t, m) != 3 {
		t.Fatalf("i I: at #%d", seqAt(t, m))
	}
}

// Message times read as seconds, and 0 as none given.
func TestMessageTimeText(t *testing.T) {
	ev := eventlog.Event{Kind: eventlog.KindInput, Type: "Recv", Input: eventlog.RecvInput{FromUser: "B", FromClient: "1",
		Data: []byte(`{}`), MsgTime: 100, CurrTime: 103}}
	if got := linesText(inputLines(&ev)); !strings.Contains(got, "message time 100 s, received at 103 s") {
		t.Errorf("recv: %q", got)
	}
	ev = eventlog.Event{Kind: eventlog.KindOutput, Type: "Closed", Output: econn.Closed{}}
	if got := linesText(outputLines(&ev)); !strings.Contains(got, "message time 0 s (none)") {
		t.Errorf("closed: %q", got)
	}
}
