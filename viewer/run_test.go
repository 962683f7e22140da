package viewer

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// runOn starts Run on a simulation screen and returns a function that
// waits for it to end.
func runOn(t *testing.T, scr tcell.SimulationScreen, m *Model) func() {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Run(scr, m) }()
	return func() {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not end")
		}
	}
}

func TestRunKeysMouseResize(t *testing.T) {
	m, _ := openGlare(t, Options{})
	scr := newScreen(t, 80, 24)
	tl := m.lay.Timeline // before Run owns the model
	wait := runOn(t, scr, m)
	scr.InjectKey(tcell.KeyDown, 0, tcell.ModNone)
	scr.InjectKey(tcell.KeyRune, 'j', tcell.ModNone)
	scr.InjectMouse(3, tl.Y+1+5, tcell.Button1, tcell.ModNone) // press: row 6
	scr.InjectMouse(3, tl.Y+1+7, tcell.Button1, tcell.ModNone) // still held: no click
	scr.InjectMouse(3, tl.Y+1+7, tcell.ButtonNone, tcell.ModNone)
	scr.InjectMouse(3, tl.Y+1, tcell.WheelDown, tcell.ModNone) // +3 rows
	if err := scr.PostEvent(tcell.NewEventResize(100, 30)); err != nil {
		t.Fatal(err)
	}
	scr.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	wait()
	if got := m.CursorSeq(); got != 9 {
		t.Fatalf("after keys, a click, a drag and the wheel: cursor at %d, want 9", got)
	}
	if m.width != 100 || m.height != 30 {
		t.Fatalf("resize: model is %dx%d", m.width, m.height)
	}
}

func TestRunWritesEvent(t *testing.T) {
	m, _ := openGlare(t, Options{At: 14})
	scr := newScreen(t, 80, 24)
	path := filepath.Join(t.TempDir(), "ev.json")
	wait := runOn(t, scr, m)
	scr.InjectKey(tcell.KeyRune, 'y', tcell.ModNone)
	for range "event-14.json" { // clear the suggested name
		scr.InjectKey(tcell.KeyBackspace2, 0, tcell.ModNone)
	}
	for _, r := range path {
		scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	scr.InjectKey(tcell.KeyF12, 0, tcell.ModNone) // unused: ignored, repaints
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	wait()
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), `"seq": 14`) {
		t.Fatalf("written event: %v\n%s", err, data)
	}
}

// y with the name it suggests writes into the working directory, and the
// status line says where, in full.
func TestRunWriteSaysWhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m, _ := openGlare(t, Options{At: 18})
	scr := &lockedScreen{SimulationScreen: newScreen(t, 200, 30)}
	wait := runOn(t, scr, m)
	scr.InjectKey(tcell.KeyRune, 'y', tcell.ModNone)
	waitScreen(t, scr, "write event as JSON to: event-18.json")
	scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
	cwd, err := os.Getwd() // dir, perhaps by another name (a symlinked /tmp)
	if err != nil {
		t.Fatal(err)
	}
	waitScreen(t, scr, "wrote event 18 as JSON to "+filepath.Join(cwd, "event-18.json"))
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	wait()
	if _, err := os.Stat(filepath.Join(dir, "event-18.json")); err != nil {
		t.Fatal(err)
	}
}

func TestExecuteReportsWriteError(t *testing.T) {
	m, _ := openGlare(t, Options{})
	bad := filepath.Join(t.TempDir(), "no-such-dir", "ev.json")
	if quit := execute(WriteFile{Path: bad, Data: []byte("{}")}, m); quit {
		t.Fatal("a write quits")
	}
	if !m.msgErr || !strings.Contains(m.msg, "no-such-dir") {
		t.Fatalf("a failed write is reported as %q", m.msg)
	}
	if !execute(Quit{}, m) || execute(nil, m) {
		t.Fatal("Quit does not quit, or nil does")
	}
}

func TestRunShowsStatesWhenReady(t *testing.T) {
	src := &slowSource{memSource: glareCall(t).source()}
	m, err := New(singleCatalog{src}, Options{At: 14})
	if err != nil {
		t.Fatal(err)
	}
	scr := &lockedScreen{SimulationScreen: newScreen(t, 80, 24)}
	wait := runOn(t, scr, m)
	waitScreen(t, scr, "replaying the call")
	src.ready.Store(true) // no key: the tick must bring the states
	waitScreen(t, scr, "conflict   loser")
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	wait()
}

// lockedScreen lets a test read the screen while Run paints it: the
// simulation screen hands out its cells without a lock.
type lockedScreen struct {
	tcell.SimulationScreen
	mu sync.Mutex
}

func (l *lockedScreen) Show() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.SimulationScreen.Show()
}

func (l *lockedScreen) Sync() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.SimulationScreen.Sync()
}

func (l *lockedScreen) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return dump(l.SimulationScreen)
}

// waitScreen polls the screen until it shows text.
func waitScreen(t *testing.T, scr *lockedScreen, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(scr.dump(), text) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the screen never showed %q:\n%s", text, scr.dump())
}
