package viewer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/tail"
)

// liveCall records a simulated call's events into a served log a few at
// a time, as a recorder does.
type liveCall struct {
	events []eventlog.Event
	next   int
	w      *eventlog.CallWriter
	path   string
}

func newLiveCall(t *testing.T) *liveCall {
	t.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: "glare", Scenario: simtest.GlareBetween(simtest.A1, simtest.B1)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "live.db")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true, BatchDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(meta)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := tail.Serve(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Watch(w)
	t.Cleanup(func() { w.Close(); srv.Close(); l.Close() })
	return &liveCall{events: evs, w: w, path: path}
}

// record appends n more events and waits until they committed.
func (c *liveCall) record(t *testing.T, n int) {
	t.Helper()
	for ; n > 0 && c.next < len(c.events); n-- {
		ev := c.events[c.next]
		ev.Seq = 0
		if _, err := c.w.Append(ev); err != nil {
			t.Fatal(err)
		}
		c.next++
	}
	if err := c.w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// waitScreen polls the screen until it shows want, and returns it.
func waitLive(t *testing.T, scr *lockedScreen, within time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := scr.dump()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("within %v the screen never showed %q:\n%s", within, want, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The viewer on a live call: events committed reach the screen within a
// second, the cursor stays where the person put it, the title says live,
// and then how the recording ended; the viewer outlives the recording.
func TestLiveViewer(t *testing.T) {
	c := newLiveCall(t)
	c.record(t, 10)
	f, err := tail.Follow(context.Background(), c.path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := NewLiveCatalog(f)
	defer cat.Close()
	m, err := New(cat, Options{NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	scr := &lockedScreen{SimulationScreen: newScreen(t, 120, 30)}
	wait := runOn(t, scr, m)
	waitLive(t, scr, time.Second, "│ 10 events │ ● live", "#1 of 1..10")
	scr.InjectKey(tcell.KeyRune, 'j', tcell.ModNone)
	scr.InjectKey(tcell.KeyRune, 'j', tcell.ModNone)
	waitLive(t, scr, time.Second, "#3 of 1..10")
	for c.next < len(c.events) {
		c.record(t, 7)
		waitLive(t, scr, time.Second, fmt.Sprintf("│ %d events │ ● live", c.next), fmt.Sprintf("#3 of 1..%d", c.next))
	}
	if err := c.w.Close(); err != nil {
		t.Fatal(err)
	}
	waitLive(t, scr, time.Second, "recording ended: the recorder closed the call")
	scr.InjectKey(tcell.KeyEnd, 0, tcell.ModNone)
	s := waitLive(t, scr, time.Second, fmt.Sprintf("#%d of 1..%d", len(c.events), len(c.events)))
	if !strings.Contains(s, "conflict   loser") { // the states of the last events replayed
		t.Errorf("the end of the glare call shows no conflict:\n%s", s)
	}
	scr.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	wait()
}

// A live call that starts empty opens, and its first events appear.
func TestLiveViewerEmptyStart(t *testing.T) {
	c := newLiveCall(t)
	f, err := tail.Follow(context.Background(), c.path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := NewLiveCatalog(f)
	defer cat.Close()
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	scr := &lockedScreen{SimulationScreen: newScreen(t, 100, 30)}
	wait := runOn(t, scr, m)
	waitLive(t, scr, time.Second, "this call has no events", "● live")
	c.record(t, 5)
	waitLive(t, scr, time.Second, "│ 5 events │ ● live", "#1 of 1..5")
	scr.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	wait()
}
