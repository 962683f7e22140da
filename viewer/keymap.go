package viewer

import (
	"fmt"
	"slices"
)

// mode is where the person is, which decides what a key does. A binding
// names the modes it works in, as a set.
type mode uint8

const (
	modeCall mode = 1 << iota // an open call: timeline, ladder, inspector, detail
	modeZoom                  // the detail pane full screen; keys it leaves alone work as in modeCall
	modeList                  // the call list
	modeHelp                  // the help screen; keys it leaves alone close it
	modeAny                   // every mode, before anything else, even at a prompt
)

// binding is what some keys do in some modes.
type binding struct {
	modes mode
	keys  []Key
	do    func(m *Model) Cmd
}

// keyEntry is one line of the help screen and the bindings it describes,
// so that no key works without a line saying what it does and no line
// names a key that does nothing. A heading has no keys text; an info
// line describes what no key binding does (the mouse, the ladder's
// symbols). An entry with only set shows on the help screen only when
// the help is opened from that mode.
type keyEntry struct {
	keys, what string
	info       bool
	only       mode
	binds      []binding
}

func heading(title string) keyEntry { return keyEntry{what: title} }

func info(keys, what string) keyEntry { return keyEntry{keys: keys, what: what, info: true} }

func line(keys, what string, binds ...binding) keyEntry {
	return keyEntry{keys: keys, what: what, binds: binds}
}

// on binds keys in modes to do.
func on(modes mode, do func(*Model) Cmd, keys ...Key) binding {
	return binding{modes: modes, keys: keys, do: do}
}

// act is do for an action that asks nothing of the event loop.
func act(f func(*Model)) func(*Model) Cmd {
	return func(m *Model) Cmd {
		f(m)
		return nil
	}
}

var (
	keyJ, keyK         = Rune('j'), Rune('k')
	keyDown, keyUp     = Key{Code: KeyDown}, Key{Code: KeyUp}
	keyPgDn, keyPgUp   = Key{Code: KeyPgDn}, Key{Code: KeyPgUp}
	keyHome, keyEnd    = Key{Code: KeyHome}, Key{Code: KeyEnd}
	keyEnter, keyEsc   = Key{Code: KeyEnter}, Key{Code: KeyEsc}
	keyTab, keyBacktab = Key{Code: KeyTab}, Key{Code: KeyBacktab}
	keyLeft, keyRight  = Key{Code: KeyLeft}, Key{Code: KeyRight}
	keyF1, keyCtrlC    = Key{Code: KeyF1}, Key{Code: KeyCtrlC}
	keySpace           = Rune(' ')
)

// keyTable is every key the viewer knows, in the order of the help
// screen. `?` is reverse search, as in less and vim, so help lives on `h`
// and F1. The prompt's line editing (prompt.go) and "any key stops a
// search" (Model.Update) are the only keys handled elsewhere.
var keyTable = []keyEntry{
	{what: "Call list", only: modeList},
	{keys: "Enter", what: "open the selected call", only: modeList, binds: []binding{
		on(modeList, (*Model).openSelected, keyEnter)}},
	heading("Moving"),
	line("j / ↓, k / ↑", "next / previous event",
		on(modeCall, act(func(m *Model) { m.moveRows(1) }), keyJ, keyDown),
		on(modeCall, act(func(m *Model) { m.moveRows(-1) }), keyK, keyUp),
		on(modeList, act(func(m *Model) { m.callList.move(1) }), keyJ, keyDown),
		on(modeList, act(func(m *Model) { m.callList.move(-1) }), keyK, keyUp)),
	line("i, I", "next / previous input (the step that follows)",
		on(modeCall, act(func(m *Model) { m.nextInput(1) }), Rune('i')),
		on(modeCall, act(func(m *Model) { m.nextInput(-1) }), Rune('I'))),
	line("g / Home, G / End", "first / last event",
		on(modeCall, act(func(m *Model) { m.jumpEnd(1) }), Rune('g'), keyHome),
		on(modeCall, act(func(m *Model) { m.jumpEnd(-1) }), Rune('G'), keyEnd),
		on(modeList, act(func(m *Model) { m.callList.moveTo(0) }), Rune('g'), keyHome),
		on(modeList, act(func(m *Model) { m.callList.moveTo(len(m.calls) - 1) }), Rune('G'), keyEnd)),
	line(":N Enter", "go to the event with sequence number N",
		on(modeCall, act(func(m *Model) { m.ask(promptGoto, "") }), Rune(':'))),
	line("PgDn / Space, PgUp", "a screen down / up",
		on(modeCall, act(func(m *Model) { m.moveRows(m.timeline.rows) }), keyPgDn, keySpace),
		on(modeCall, act(func(m *Model) { m.moveRows(-m.timeline.rows) }), keyPgUp),
		on(modeList, act(func(m *Model) { m.callList.move(m.listRows()) }), keyPgDn),
		on(modeList, act(func(m *Model) { m.callList.move(-m.listRows()) }), keyPgUp)),
	info("mouse", "click selects an event, the wheel scrolls"),
	heading("Finding"),
	line("/text Enter", "search forwards in summaries and payloads",
		on(modeCall, act(func(m *Model) { m.ask(promptSearch, "") }), Rune('/'))),
	line("?text Enter", "search backwards",
		on(modeCall, act(func(m *Model) { m.ask(promptSearchBack, "") }), Rune('?'))),
	line("n, N", "next / previous match (after ?, the other way round)",
		on(modeCall, act(func(m *Model) { m.findMatch(1) }), Rune('n')),
		on(modeCall, act(func(m *Model) { m.findMatch(-1) }), Rune('N'))),
	info("any key", "stops a search, c/C or i/I still reading a long call"),
	line("f", "filter: ep=A/1,B kind=input,note type=SETUP,Recv; empty clears",
		on(modeCall, act(func(m *Model) { m.ask(promptFilter, m.filter.String()) }), Rune('f'))),
	heading("Breakpoints"),
	line("b", "toggle a breakpoint: state=Conflict-Resolution, recv=SETUP, send=CANCEL, ignored, close; empty clears all",
		on(modeCall, act(func(m *Model) { m.ask(promptBreak, "") }), Rune('b'))),
	line("c, C", "continue to the next hit / reverse-continue to the previous",
		on(modeCall, act(func(m *Model) { m.continueTo(1) }), Rune('c')),
		on(modeCall, act(func(m *Model) { m.continueTo(-1) }), Rune('C'))),
	heading("Looking"),
	line("Tab / →, Shift-Tab / ←", "inspect the next / previous connection; past the last, follow the cursor",
		on(modeCall, act(func(m *Model) { m.cyclePin(1) }), keyTab, keyRight),
		on(modeCall, act(func(m *Model) { m.cyclePin(-1) }), keyBacktab, keyLeft)),
	line("d", "state diff: what this step changed, before → after",
		on(modeCall, act(func(m *Model) { m.inspector.toggleDiff() }), Rune('d'))),
	line("Enter / z", "detail full screen: j/k/PgDn/PgUp scroll, Enter/z/Esc go back",
		on(modeCall, act(func(m *Model) { m.inspector.setZoom(true) }), keyEnter, Rune('z')),
		on(modeZoom, act(func(m *Model) { m.inspector.setZoom(false) }), keyEnter, Rune('z'), keyEsc),
		on(modeZoom, act(func(m *Model) { m.inspector.scrollDetail(1) }), keyJ, keyDown),
		on(modeZoom, act(func(m *Model) { m.inspector.scrollDetail(-1) }), keyK, keyUp),
		on(modeZoom, act(func(m *Model) { m.inspector.scrollDetail(m.zoomPage()) }), keyPgDn, keySpace, Rune(']')),
		on(modeZoom, act(func(m *Model) { m.inspector.scrollDetail(-m.zoomPage()) }), keyPgUp, Rune('['))),
	line("], [", "scroll the detail pane",
		on(modeCall, act(func(m *Model) { m.inspector.scrollDetail(m.detailHalf()) }), Rune(']')),
		on(modeCall, act(func(m *Model) { m.inspector.scrollDetail(-m.detailHalf()) }), Rune('['))),
	line("y", "write the event as JSON to a file",
		on(modeCall, act((*Model).askWrite), Rune('y'))),
	heading("Leaving"),
	line("h / F1", "this help (any key closes it, j/k scroll)",
		on(modeCall|modeList, act(func(m *Model) { m.help = true }), Rune('h'), keyF1),
		on(modeHelp, act(func(m *Model) { m.helpOff++ }), keyJ, keyDown),
		on(modeHelp, act(func(m *Model) { m.helpOff = max(m.helpOff-1, 0) }), keyK, keyUp)),
	line("Esc", "back to the call list (when opened from it), else quit",
		on(modeCall, (*Model).backOrQuit, keyEsc),
		on(modeList, quit, keyEsc)),
	line("q, Ctrl-C", "quit",
		on(modeCall|modeList, quit, Rune('q')),
		on(modeAny, quit, keyCtrlC)),
	heading("Reading the ladder"),
	info("───▶", "a message over the backend (relay)"),
	info("┄┄┄▶", "a message over the data channel (direct)"),
	info("──╳", "lost: its receiver is in the log and never received it"),
	info("──? ?──", "not recorded: the device at that end is not in the log"),
	info("┆", "the lifeline of a device not in the log (its title says \"not recorded\")"),
	info("●", "the endpoint whose event the row is (sender or receiver)"),
	info("◆ ✕ !", "a state change, a close, an ignored input"),
}

func quit(*Model) Cmd { return Quit{} }

// lookup returns the binding of key k in mode md, or nil.
func (m *Model) lookup(md mode, k Key) *binding {
	for i := range m.keys {
		for j := range m.keys[i].binds {
			if b := &m.keys[i].binds[j]; b.modes&md != 0 && slices.Contains(b.keys, k) {
				return b
			}
		}
	}
	return nil
}

// zoomPage is how far PgDn scrolls the full-screen detail.
func (m *Model) zoomPage() int { return max(m.height-3, 1) }

// detailHalf is how far ] scrolls the detail pane: half of it.
func (m *Model) detailHalf() int { return max(m.lay.Detail.H/2, 1) }

// cyclePin steps the inspector through the connections.
func (m *Model) cyclePin(dir int) {
	if msg := m.inspector.cyclePin(dir, m.Current()); msg != "" {
		m.Notify(msg, nil)
	}
}

// askWrite opens the prompt for the file the event under the cursor is
// written to.
func (m *Model) askWrite() {
	if m.n > 0 {
		m.ask(promptWrite, fmt.Sprintf("event-%d.json", m.CursorSeq()))
	}
}
