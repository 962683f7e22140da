package viewer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// writeLog records each call, simulated, into a new log file as `callrec
// sim` does, and returns the file's path.
func writeLog(t testing.TB, calls ...simtest.Call) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calls.log")
	if err := simtest.WriteLog(path, calls...); err != nil {
		t.Fatal(err)
	}
	return path
}

// openLog opens path read-only as the viewer does.
func openLog(t testing.TB, path string) *LogCatalog {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	cat := NewLogCatalog(l, nil)
	t.Cleanup(func() {
		if err := cat.Close(); err != nil {
			t.Error(err)
		}
		l.Close()
	})
	return cat
}

func TestCallSourceRows(t *testing.T) {
	cat := openLog(t, writeLog(t, simtest.Call{ID: "glare", Scenario: simtest.Glare}))
	src, err := cat.Open("glare")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := src.Rows(0, src.Len()+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != src.Len() || src.Len() < 20 {
		t.Fatalf("%d rows of %d", len(rows), src.Len())
	}
	sends, recvs := 0, 0
	for i, r := range rows {
		if r.Index != i || r.Event.Seq != uint64(i+1) {
			t.Fatalf("row %d: index %d seq %d", i, r.Index, r.Event.Seq)
		}
		if want := describe.Sentence(r.Event); r.Summary != want && !namedTimer(r.Summary, want) {
			t.Errorf("row %d summary %q", i, r.Summary)
		}
		if s, ok := r.Event.Output.(econn.Send); ok {
			sends++
			if r.Msg == nil || r.Msg.From != r.Event.Endpoint || r.Msg.To == r.Event.Endpoint ||
				r.Msg.To == (eventlog.Endpoint{}) || r.Msg.Type != s.Msg.Type || r.Msg.Received {
				t.Errorf("send %d: arrow %+v", r.Event.Seq, r.Msg)
			}
		}
		if _, ok := r.Event.Input.(eventlog.RecvInput); ok {
			recvs++
			if r.Msg == nil || r.Msg.To != r.Event.Endpoint || !r.Msg.Received {
				t.Errorf("recv %d: arrow %+v", r.Event.Seq, r.Msg)
			}
		}
	}
	if sends == 0 || recvs == 0 {
		t.Fatalf("%d sends, %d receives", sends, recvs)
	}
	// A window in the middle gets the same arrows as the whole call: the
	// peers come from the metadata, not from events before the window.
	mid, err := src.Rows(10, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range mid {
		if (r.Msg == nil) != (rows[10+i].Msg == nil) || (r.Msg != nil && r.Msg.To != rows[10+i].Msg.To) {
			t.Errorf("window row %d: %+v, whole call %+v", 10+i, r.Msg, rows[10+i].Msg)
		}
	}
	for _, bad := range [][2]int{{-1, 3}, {0, -1}} {
		if _, err := src.Rows(bad[0], bad[1]); err == nil {
			t.Errorf("Rows%v: no error", bad)
		}
	}
	if rows, err := src.Rows(src.Len(), 5); err != nil || len(rows) != 0 {
		t.Errorf("Rows past the end: %d rows, %v", len(rows), err)
	}
	if _, err := src.States(src.Len()); err == nil {
		t.Error("States past the end: no error")
	}
}

// The "done when" of the viewer: open the glare log, find the step where
// the loser switched to Conflict-Resolution, and see why.
func TestGlareLoserThroughTheLog(t *testing.T) {
	cat := openLog(t, writeLog(t, simtest.Call{ID: "glare", Scenario: simtest.Glare}))
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	press(m, "bstate=Conflict-Resolution", enter, Rune('c'))
	r := m.Current()
	sc, ok := r.Event.Output.(econn.StateChanged)
	if !ok || sc.To != econn.StateConflictResolution || r.Event.Endpoint != simtest.A1 {
		t.Fatalf("c stopped at %d %s %s", r.Event.Seq, r.Event.Endpoint, r.Summary)
	}
	c, _, ok := m.Inspected()
	if !ok || c.Endpoint != simtest.A1 || c.Before.State != econn.StatePendingOutgoing ||
		c.After.State != econn.StateConflictResolution || c.After.Conflict != econn.ConflictLoser {
		t.Fatalf("inspector: %+v", c)
	}
	step := m.Step()
	if len(step) < 2 {
		t.Fatalf("the step: %+v", step)
	}
	if in := step[0]; in.Msg == nil || in.Msg.Type != econn.MsgSetup || in.Msg.From != simtest.B1 {
		t.Fatalf("the step's input: %+v", in)
	}
	answered := false
	for _, x := range step[1:] {
		if a, ok := x.Event.Output.(econn.Answered); ok && a.Reset {
			answered = true
		}
		if x.Event.Kind != eventlog.KindOutput || x.Event.Endpoint != simtest.A1 {
			t.Errorf("step output %d: %+v", x.Event.Seq, x.Event)
		}
	}
	if !answered {
		t.Errorf("the glare step lacks answered(reset): %+v", step)
	}
	scr := paint(t, m, 80, 24)
	text := dump(scr)
	for _, want := range []string{"Conflict-Resolution", "loser", "step #", "▸ #"} {
		if !strings.Contains(text, want) {
			t.Errorf("screen lacks %q:\n%s", want, text)
		}
	}
}

func TestLogCatalogCallList(t *testing.T) {
	path := writeLog(t,
		simtest.Call{ID: "a-glare", Scenario: simtest.Glare},
		simtest.Call{ID: "b-basic", Scenario: simtest.BasicCall(3)})
	cat := openLog(t, path)
	calls, err := cat.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].Info.Meta.ID != "a-glare" {
		t.Fatalf("calls %+v", calls)
	}
	for _, c := range calls {
		if !strings.Contains(c.Outcome, "Terminating") {
			t.Errorf("%s outcome %q", c.Info.Meta.ID, c.Outcome)
		}
	}
	m, err := New(cat, Options{})
	if err != nil || !m.InCallList() {
		t.Fatalf("call list: %v", err)
	}
	press(m, "j", enter)
	if m.InCallList() || m.meta.ID != "b-basic" {
		t.Fatal("Enter did not open b-basic")
	}
	// BasicCall has an ignored CANCEL for another session and messages
	// that do not decode.
	press(m, "bignored", enter, Rune('c'))
	if _, ok := m.Current().Event.Output.(econn.Ignored); !ok {
		t.Fatalf("c stopped at %+v", m.Current().Event)
	}
	press(m, "g/bad-message", enter)
	if rv, ok := m.Current().Event.Input.(eventlog.RecvInput); m.msgErr || !ok || rv.DecodeErr == "" {
		t.Fatalf("search for the decode error stopped at %s (%s)", m.Current().Summary, m.msg)
	}
	if _, err := New(cat, Options{Call: "nope"}); err == nil || !strings.Contains(err.Error(), "a-glare, b-basic") {
		t.Fatalf("unknown call: %v", err)
	}
}

// A sender that does not know its peer yet (A calls before anyone
// answered) still gets an arrow: to the first receiver of the message,
// even when the window holds the send alone.
func TestArrowToUnknownPeer(t *testing.T) {
	cat := openLog(t, writeLog(t, simtest.Call{ID: "basic", Scenario: simtest.BasicCall(2)}))
	src, err := cat.Open("basic")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := 0; i < src.Len(); i++ {
		rows, err := src.Rows(i, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rows[0].Event.Output.(econn.Send); !ok {
			continue
		}
		checked++
		if m := rows[0].Msg; m == nil || m.To == (eventlog.Endpoint{}) || m.To == m.From {
			t.Errorf("send %d (%s): arrow %+v", rows[0].Event.Seq, rows[0].Summary, m)
		}
	}
	if checked < 5 {
		t.Fatalf("only %d sends", checked)
	}
}

func TestStatesReadyFollowsWarming(t *testing.T) {
	path := writeLog(t, simtest.Call{ID: "basic", Scenario: simtest.BasicCall(600)})
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call("basic")
	if err != nil {
		t.Fatal(err)
	}
	s := NewCallSource(r, nil)
	if ready, _ := s.StatesReady(s.Len() - 1); !ready {
		t.Fatal("without warming every question must be answered directly")
	}
	if s.Len() < 2*warmStride+10 {
		t.Fatalf("the call has %d events: too short to test warming", s.Len())
	}
	s.Warm()
	<-s.done
	if ready, progress := s.StatesReady(s.Len() - 1); !ready || progress != 1 {
		t.Fatalf("after warming: ready %v, progress %v", ready, progress)
	}
	last, err := s.States(s.Len() - 1)
	if err != nil || len(last) != 2 || last[0].After.State != econn.StateTerminating || !last[1].After.Closed {
		t.Fatalf("states at the end: %v %+v", err, last)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Before warming got anywhere, the far end is not ready.
	r2, err := l.Call("basic")
	if err != nil {
		t.Fatal(err)
	}
	s2 := NewCallSource(r2, nil)
	s2.stop = make(chan struct{}) // warming, but no progress yet
	if ready, _ := s2.StatesReady(s2.Len() - 1); ready {
		t.Fatal("the far end is ready before any warming")
	}
	if ready, _ := s2.StatesReady(10); !ready {
		t.Fatal("the start is not ready")
	}
	s2.stop = nil
	s2.Close()
}

// The props a step changed come from the replay engine: a PROPSYNC A/1
// sends with new props marks its props at the input and its output, and
// nothing at the note B/1 records on receiving it.
func TestCallSourcePropsBefore(t *testing.T) {
	cat := openLog(t, "../testdata/golden/34-propsync.log")
	cases := []struct {
		seq  uint64
		want string // "props", "peer props" or "" for none marked
	}{
		{20, "peer props"}, // A/1 receives B's SETUP response
		{46, "props"},      // A/1 sends PROPSYNC {muted=true videosend=true}
		{47, "props"},      // its Send
		{49, ""},           // B/1 answers with the props it had
	}
	for _, c := range cases {
		m, err := New(cat, Options{At: c.seq})
		if err != nil {
			t.Fatal(err)
		}
		for m.Pending() {
			m.Tick()
		}
		cs, _, ok := m.Inspected()
		if !ok {
			t.Fatalf("event %d: no connection inspected", c.seq)
		}
		var marked []string
		for _, f := range connFields(cs) {
			if strings.Contains(f.name, "props") && f.changed() {
				marked = append(marked, f.name)
			}
		}
		if got := strings.Join(marked, ","); got != c.want {
			t.Errorf("event %d (%s %s): props marked %q, want %q", c.seq, cs.Endpoint, cs.Conn, got, c.want)
		}
	}
}

// namedTimer reports whether summary is sentence ("timer #2 fired")
// with the timer's name in front.
func namedTimer(summary, sentence string) bool {
	for _, a := range []econn.TimerAction{econn.TimerSetup, econn.TimerTerm, econn.TimerCancelClose} {
		if strings.HasPrefix(sentence, "timer #") && summary == a.String()+" "+sentence {
			return true
		}
	}
	return false
}

// A timer that fires or is cancelled goes by its name, found even when
// the SetTimer that armed it was never read: the row is read alone.
func TestTimerNames(t *testing.T) {
	cat := openLog(t, filepath.Join("..", "testdata", "golden", "09-caller-timeout.log"))
	calls, err := cat.Calls()
	if err != nil {
		t.Fatal(err)
	}
	id := calls[0].Info.Meta.ID
	src, err := cat.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		i    int
		want string
	}{{14, "setup timer #2 fired"}, {20, "setup timer #2 cancelled"}} {
		rows, err := src.Rows(c.i, 1)
		if err != nil || len(rows) != 1 || rows[0].Summary != c.want {
			t.Errorf("row %d alone: %v %+v, want %q", c.i, err, rows, c.want)
		}
	}
	// On a screen: the timeline row and the detail pane.
	m, err := New(cat, Options{Call: id, At: 15})
	if err != nil {
		t.Fatal(err)
	}
	got := dump(paint(t, m, 100, 30))
	if strings.Count(got, "setup timer #2 fired") < 2 {
		t.Errorf("the screen does not name the timer in the timeline and the detail:\n%s", got)
	}
	// Without its own reader, a source names the timers whose SetTimer
	// it has read, and leaves the others by number.
	l, err := eventlog.Open(filepath.Join("..", "testdata", "golden", "09-caller-timeout.log"), 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	bare := NewCallSource(r, nil)
	defer bare.Close()
	if rows, err := bare.Rows(14, 1); err != nil || rows[0].Summary != "timer #2 fired" {
		t.Errorf("unread SetTimer: %v %q", err, rows[0].Summary)
	}
	if rows, err := bare.Rows(0, 15); err != nil || rows[14].Summary != "setup timer #2 fired" {
		t.Errorf("SetTimer read with it: %v %q", err, rows[14].Summary)
	}
}
