package viewer

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gdamore/tcell/v2"
)

// Run shows m on scr and feeds it the person's keys, clicks and resizes
// until they quit. scr must be initialised; the caller Finis it. Run is
// the only place that touches the screen and the file system.
func Run(scr tcell.Screen, m *Model) error {
	scr.EnableMouse()
	w, h := scr.Size()
	m.Resize(w, h)
	stop := make(chan struct{})
	defer close(stop)
	go tick(scr, stop)
	var buttons tcell.ButtonMask
	dirty := true
	for {
		if dirty {
			draw(scr, m)
			scr.Show()
		}
		if m.Busy() {
			// Go on with the search right after the keys already queued.
			_ = scr.PostEvent(tcell.NewEventInterrupt(nil))
		}
		dirty = true
		switch ev := scr.PollEvent().(type) {
		case nil: // the screen was finalised
			return nil
		case *tcell.EventInterrupt:
			if dirty = m.Pending(); dirty {
				m.Tick()
			}
		case *tcell.EventResize:
			w, h := ev.Size()
			m.Resize(w, h)
			scr.Sync()
		case *tcell.EventKey:
			k, ok := translateKey(ev)
			if dirty = ok; ok && execute(m.Update(k), m) {
				return nil
			}
		case *tcell.EventMouse:
			buttons = handleMouse(m, ev, buttons)
		}
	}
}

// tickEvery is how often Run looks whether pending states became ready.
const tickEvery = 100 * time.Millisecond

// tick wakes the event loop regularly, so that states the replay was
// still preparing appear without a key press.
func tick(scr tcell.Screen, stop <-chan struct{}) {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = scr.PostEvent(tcell.NewEventInterrupt(nil)) // a full queue has wake-ups enough
		}
	}
}

// handleMouse turns a press of the primary button into a click and wheel
// motion into scrolling; it returns the buttons now held, so that holding
// the button down clicks only once.
func handleMouse(m *Model, ev *tcell.EventMouse, held tcell.ButtonMask) tcell.ButtonMask {
	x, y := ev.Position()
	b := ev.Buttons()
	switch {
	case b&tcell.WheelUp != 0:
		m.Wheel(x, y, -1)
	case b&tcell.WheelDown != 0:
		m.Wheel(x, y, 1)
	case b&tcell.Button1 != 0 && held&tcell.Button1 == 0:
		m.Click(x, y)
	}
	return b &^ (tcell.WheelUp | tcell.WheelDown | tcell.WheelLeft | tcell.WheelRight)
}

// execute carries out a Cmd; it reports whether the viewer must end.
func execute(cmd Cmd, m *Model) bool {
	switch c := cmd.(type) {
	case Quit:
		return true
	case WriteFile:
		// The full path: a bare name lands in the working directory,
		// which the person may not know.
		path := c.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if err := os.WriteFile(path, c.Data, 0o644); err != nil {
			m.Notify("", fmt.Errorf("write event: %w", err))
		} else {
			m.Notify(fmt.Sprintf("wrote event %d as JSON to %s", m.CursorSeq(), path), nil)
		}
	}
	return false
}

var keyCodes = map[tcell.Key]KeyCode{
	tcell.KeyUp: KeyUp, tcell.KeyDown: KeyDown, tcell.KeyLeft: KeyLeft, tcell.KeyRight: KeyRight,
	tcell.KeyPgUp: KeyPgUp, tcell.KeyPgDn: KeyPgDn, tcell.KeyHome: KeyHome, tcell.KeyEnd: KeyEnd,
	tcell.KeyEnter: KeyEnter, tcell.KeyEscape: KeyEsc, tcell.KeyBackspace: KeyBackspace,
	tcell.KeyBackspace2: KeyBackspace, tcell.KeyTab: KeyTab, tcell.KeyBacktab: KeyBacktab,
	tcell.KeyF1: KeyF1, tcell.KeyCtrlC: KeyCtrlC,
}

// translateKey maps a terminal key to the model's Key; false for keys the
// viewer does not use.
func translateKey(ev *tcell.EventKey) (Key, bool) {
	if ev.Key() == tcell.KeyRune {
		return Rune(ev.Rune()), true
	}
	c, ok := keyCodes[ev.Key()]
	return Key{Code: c}, ok
}
