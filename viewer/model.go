package viewer

import (
	"errors"
	"fmt"
	"io"
)

// Options configure a Model.
type Options struct {
	Call    string // open this call at once instead of showing the call list
	At      uint64 // put the cursor on the event with this sequence number
	NoColor bool   // draw with attributes only (NO_COLOR)
}

// Model is the viewer's state and everything a person can do with it. It
// performs no I/O besides reading its Source, and draws nothing: draw
// paints it, Run feeds it keys.
//
// Its state lives in four sub-models, each in the file named after it
// with the functions that change it: the call list (calllist.go), the
// timeline with the cursor (timeline.go), the finder — filter, search,
// breakpoints (finder.go) — and the inspector with the detail pane
// (inspector.go). Model itself keeps what is no part's own: the screen
// size, the mode, the prompt and the status message, and it joins the
// parts where a key touches more than one (a search moves the cursor).
// Keys reach it through one table, keyTable (keymap.go), of which the
// help screen is made too.
type Model struct {
	opts          Options
	catalog       Catalog
	keys          []keyEntry // keyTable; a test may give its own
	width, height int
	lay           layout

	inList  bool // the call list shows: no call is open
	help    bool // the help screen shows
	helpOff int  // its scroll
	prompt  *prompt
	msg     string // one-shot status message
	msgErr  bool

	// The sub-models are embedded, so that draw reads their fields
	// directly; only their own methods and Model's change them.
	callList
	timeline
	finder
	inspector
}

// New opens the catalog: the call named in opts.Call, the only call of a
// one-call log, or else the call list.
func New(cat Catalog, opts Options) (*Model, error) {
	calls, err := cat.Calls()
	if err != nil {
		return nil, err
	}
	if len(calls) == 0 {
		return nil, errors.New("the log holds no calls")
	}
	m := &Model{opts: opts, catalog: cat, keys: keyTable, callList: callList{calls: calls}, inspector: newInspector()}
	m.Resize(80, 24)
	switch {
	case opts.Call != "":
		err = m.openCall(opts.Call)
	case len(calls) == 1:
		err = m.openCall(calls[0].Info.Meta.ID)
	case opts.At != 0:
		return nil, fmt.Errorf("--at %d needs --call: the log holds %d calls", opts.At, len(calls))
	default:
		m.inList = true
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	if opts.At != 0 {
		if err := m.gotoSeq(opts.At); err != nil {
			return nil, fmt.Errorf("--at: %w", err)
		}
	}
	m.refresh()
	return m, nil
}

// openCall opens call id of the catalog in the timeline, with a fresh
// finder filter and inspector.
func (m *Model) openCall(id string) error {
	if !m.callList.has(id) {
		return fmt.Errorf("call %q is not in the log (calls: %s)", id, m.callList.ids())
	}
	src, err := m.catalog.Open(id)
	if err != nil {
		return fmt.Errorf("open call %q: %w", id, err)
	}
	tl, err := openTimeline(src)
	if err != nil {
		return fmt.Errorf("read call %q: %w", id, err)
	}
	m.timeline, m.inspector = tl, newInspector()
	m.finder.clearFilter()
	m.inList = false
	m.Resize(m.width, m.height)
	return nil
}

// closeCall goes back to the call list, closing the call's Source when it
// holds resources (a CallSource's reader and warming).
func (m *Model) closeCall() {
	if c, ok := m.src.(io.Closer); ok {
		m.fail(c.Close())
	}
	m.inList = true
	m.timeline.close()
	m.inspector = newInspector()
}

// Resize tells the model the terminal's size.
func (m *Model) Resize(w, h int) {
	m.width, m.height = w, h
	m.lay = computeLayout(w, h, m.layoutNeeds())
	m.timeline.rows = m.lay.timelineRows()
	if !m.inList && m.src != nil {
		m.timeline.ensureVisible(false, m.fidx)
		m.refresh()
	}
}

// inspectorRows is how many rows the inspector fills: its title and a
// line per field.
var inspectorRows = 1 + len(inspectorLines(ConnState{}))

// layoutNeeds is what the open call's panes ask of the layout.
func (m *Model) layoutNeeds() layoutNeeds {
	return layoutNeeds{endpoints: len(m.labels.labels), fixed: m.timeline.columns().fixed(),
		summary: m.sumW, lower: inspectorRows}
}

// Notify shows a one-shot message in the status line, as an error when
// err is not nil: the event loop reports what a Cmd did.
func (m *Model) Notify(msg string, err error) {
	if err != nil {
		m.msg, m.msgErr = err.Error(), true
		return
	}
	m.msg, m.msgErr = msg, false
}

func (m *Model) fail(err error) {
	if err != nil {
		m.Notify("", err)
	}
}

// Cursor returns the index of the event under the cursor.
func (m *Model) Cursor() int { return m.cursor }

// CursorSeq returns the sequence number of the event under the cursor.
func (m *Model) CursorSeq() uint64 { return m.timeline.seq(m.cursor) }

// InCallList reports whether the call list is showing.
func (m *Model) InCallList() bool { return m.inList }

// Update applies one key press and returns what the event loop must do,
// or nil. What a key does comes from the key table, by mode.
func (m *Model) Update(k Key) Cmd {
	m.msg, m.msgErr = "", false
	if b := m.lookup(modeAny, k); b != nil {
		return b.do(m)
	}
	if m.finder.scan != nil { // any key stops a search; Esc does nothing else
		m.stopScan()
		if k.Code == KeyEsc {
			return nil
		}
	}
	switch {
	case m.prompt != nil:
		return m.updatePrompt(k)
	case m.help:
		return m.updateHelp(k)
	case m.inList:
		return m.updateList(k)
	}
	cmd := m.updateCall(k)
	m.refresh()
	return cmd
}

// updateHelp scrolls the help; a key the help does not use closes it.
func (m *Model) updateHelp(k Key) Cmd {
	if b := m.lookup(modeHelp, k); b != nil {
		return b.do(m)
	}
	m.help, m.helpOff = false, 0
	return nil
}

// updateList moves in the call list or opens a call, and keeps the
// selected call on screen.
func (m *Model) updateList(k Key) Cmd {
	var cmd Cmd
	if b := m.lookup(modeList, k); b != nil {
		cmd = b.do(m)
	}
	m.callList.scroll(m.listRows())
	return cmd
}

// updateCall handles a key in an open call: the full-screen detail's
// keys first when it shows, then the call's.
func (m *Model) updateCall(k Key) Cmd {
	if m.zoom {
		if b := m.lookup(modeZoom, k); b != nil {
			return b.do(m)
		}
	}
	if b := m.lookup(modeCall, k); b != nil {
		return b.do(m)
	}
	return nil
}

// setCursor moves the cursor to event i (a shown one) and scrolls so it
// stays visible; a far jump centres it. The detail pane starts at its
// top on another event.
func (m *Model) setCursor(i int, jump bool) {
	if m.timeline.setCursor(i, jump, m.fidx) {
		m.inspector.scrollTop()
	}
}

// moveRows moves the cursor by k shown rows (negative: up), stopping at
// either end.
func (m *Model) moveRows(k int) {
	if i, ok := m.timeline.rowsAway(k, m.fidx); ok {
		m.setCursor(i, false)
	}
}

// jumpEnd moves to the first shown event (dir 1) or the last (dir -1).
func (m *Model) jumpEnd(dir int) {
	if i, ok := m.timeline.end(dir, m.fidx); ok {
		m.setCursor(i, false)
	}
}

// gotoSeq moves the cursor to the event with sequence number seq, or the
// nearest the filter keeps.
func (m *Model) gotoSeq(seq uint64) error {
	i, note, err := m.timeline.find(seq, m.fidx)
	if err != nil {
		return err
	}
	if note != "" {
		m.Notify(note, nil)
	}
	m.setCursor(i, true)
	return nil
}

// refresh reloads the timeline window and the states when they moved.
func (m *Model) refresh() {
	if m.inList || m.src == nil {
		return
	}
	m.fail(m.timeline.load(m.fidx, m.filter))
	// A wider summary than any before widens the summary column; the
	// heights stay, and so do the rows the timeline shows.
	m.lay = computeLayout(m.width, m.height, m.layoutNeeds())
	m.fail(m.inspector.fetch(m.src, m.cursor, m.n))
}

// Tick goes on with what was not done at the last key: a search or
// continue under way, the count of a search's matches, states that were
// not ready; and takes in what arrived for a live call. It reports whether something is still pending (the event
// loop then ticks again).
func (m *Model) Tick() bool {
	m.takeLive()
	if m.finder.scan != nil {
		m.stepScan()
	}
	m.stepFilter()
	m.stepMatches()
	m.refresh()
	return m.Pending()
}

// Busy reports whether a search, a continue, the filter index or the
// count of a search's matches is being read: the event loop then ticks
// again at once.
func (m *Model) Busy() bool { return m.finder.busy(m.n) || m.countingMatches() }

// Pending reports whether a search or continue is under way, the states
// at the cursor wait for the replay, or a live call has grown.
func (m *Model) Pending() bool {
	return !m.inList && (m.Busy() || m.warming >= 0 || m.liveArrived())
}

// Window returns the rows the timeline shows, top first.
func (m *Model) Window() []Row { return m.window }

// Current returns the event under the cursor, or nil for an empty call.
func (m *Model) Current() *Row { return m.timeline.current() }

// States returns every connection's state at the cursor.
func (m *Model) States() []ConnState { return m.states }

// Step returns the step the event under the cursor belongs to: the input
// event first, then the outputs the step returned; nil on a note. This is
// the "why" of an output: the input that caused it and what else it did.
func (m *Model) Step() []Row {
	step, err := m.inspector.stepOf(m.src, m.Current())
	m.fail(err)
	return step
}

// Inspected returns the connection the inspector shows: the pinned one,
// else the one the event under the cursor belongs to; ok is false when
// no connection exists yet.
func (m *Model) Inspected() (c ConnState, pos int, ok bool) {
	return m.inspector.inspected(m.Current())
}

// --- mouse ---------------------------------------------------------------------

// Click handles a primary-button click at cell (x, y): it selects the
// row under the pointer; in the call list a click on the selected call
// opens it.
func (m *Model) Click(x, y int) {
	m.msg, m.msgErr = "", false
	switch {
	case m.help:
		m.help = false
	case m.prompt != nil || m.zoom:
	case m.inList:
		m.clickList(y)
	default:
		m.clickCall(x, y)
	}
}

// clickList selects the call on screen line y; a click on the selected
// call opens it.
func (m *Model) clickList(y int) {
	i, ok := m.callList.at(y, m.listRows())
	switch {
	case !ok:
	case i == m.listCur:
		m.updateList(Key{Code: KeyEnter})
	default:
		m.callList.moveTo(i)
	}
}

// clickCall puts the cursor on the event of the timeline or ladder row
// at (x, y).
func (m *Model) clickCall(x, y int) {
	tl, lad := m.lay.Timeline, m.lay.Ladder
	if !tl.contains(x, y) && !lad.contains(x, y) {
		return
	}
	if i := y - tl.Y - 1; i >= 0 && i < len(m.window) {
		m.setCursor(m.window[i].Index, false)
		m.refresh()
	}
}

// Wheel scrolls by dy notches (positive: down) at cell (x, y): the detail
// pane scrolls itself, anywhere else the cursor moves three rows a notch.
func (m *Model) Wheel(x, y, dy int) {
	m.msg, m.msgErr = "", false
	switch {
	case m.help || m.prompt != nil:
	case m.inList:
		m.callList.move(dy)
		m.callList.scroll(m.listRows())
	case m.zoom || m.lay.Detail.contains(x, y):
		m.inspector.scrollDetail(3 * dy)
	default:
		m.moveRows(3 * dy)
		m.refresh()
	}
}
