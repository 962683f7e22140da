package viewer

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/callrec/callrec/eventlog"
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
type Model struct {
	opts          Options
	catalog       Catalog
	calls         []CallEntry
	width, height int
	lay           layout

	// The call list.
	inList, openedFromList bool
	listCur, listTop       int

	// The open call.
	src      Source
	meta     eventlog.CallMeta
	labels   endpointLabels
	n        int           // events in the call
	firstSeq uint64        // Seq of event 0
	lastAt   time.Duration // At of the last event, for column widths

	// Where the person is, and what the panes show there.
	cursor, top int   // event indexes
	window      []Row // the rows the timeline shows, from top
	windowKey   windowKey
	states      []ConnState // at statesAt, the cursor once fetched
	statesAt    int
	warming     float64 // the replay's progress while the states at the cursor are not ready; -1 otherwise
	step        []Row   // Step's answer at stepAt
	stepAt      int
	pin         string // connection the inspector keeps showing; "" follows the cursor

	// Finding.
	filter     Filter
	fidx       *filterIndex // the events the filter keeps; nil without a filter
	breaks     []Breakpoint
	search     string // last search, lower-case
	searchBack bool
	scan       *scan // a search, continue or next-input under way

	// Modes and messages.
	diff, zoom, help   bool
	detailOff, helpOff int
	prompt             *prompt
	msg                string // one-shot status message
	msgErr             bool
}

type windowKey struct {
	top, rows int
	filter    string
	matches   int // matches in the filter index, which grows while it is built
	valid     bool
}

type promptKind uint8

const (
	promptGoto promptKind = iota
	promptSearch
	promptSearchBack
	promptFilter
	promptBreak
	promptWrite
)

var promptLabels = [...]string{
	promptGoto:       ":",
	promptSearch:     "/",
	promptSearchBack: "?",
	promptFilter:     "filter (ep=A/1 kind=input type=SETUP; empty clears): ",
	promptBreak:      "break (state=S recv=T send=T ignored close; empty clears): ",
	promptWrite:      "write event as JSON to: ",
}

type prompt struct {
	kind promptKind
	text []rune
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
	m := &Model{opts: opts, catalog: cat, calls: calls, statesAt: -1, stepAt: -1, warming: -1}
	m.Resize(80, 24)
	switch {
	case opts.Call != "":
		if err := m.openCall(opts.Call); err != nil {
			return nil, err
		}
	case len(calls) == 1:
		if err := m.openCall(calls[0].Info.Meta.ID); err != nil {
			return nil, err
		}
	default:
		m.inList = true
		if opts.At != 0 {
			return nil, fmt.Errorf("--at %d needs --call: the log holds %d calls", opts.At, len(calls))
		}
		return m, nil
	}
	if opts.At != 0 {
		if err := m.gotoSeq(opts.At); err != nil {
			return nil, fmt.Errorf("--at: %w", err)
		}
	}
	m.refresh()
	return m, nil
}

func (m *Model) openCall(id string) error {
	found := false
	for _, c := range m.calls {
		found = found || c.Info.Meta.ID == id
	}
	if !found {
		ids := make([]string, len(m.calls))
		for i, c := range m.calls {
			ids[i] = c.Info.Meta.ID
		}
		return fmt.Errorf("call %q is not in the log (calls: %s)", id, strings.Join(ids, ", "))
	}
	src, err := m.catalog.Open(id)
	if err != nil {
		return fmt.Errorf("open call %q: %w", id, err)
	}
	m.src, m.meta, m.n = src, src.Meta(), src.Len()
	m.labels = newEndpointLabels(callEndpoints(m.meta))
	m.cursor, m.top, m.statesAt, m.stepAt, m.pin, m.detailOff = 0, 0, -1, -1, "", 0
	m.filter, m.fidx, m.windowKey = Filter{}, nil, windowKey{}
	m.firstSeq, m.lastAt = 1, 0
	if m.n > 0 {
		rows, err := src.Rows(0, 1)
		if err != nil {
			return fmt.Errorf("read call %q: %w", id, err)
		}
		if len(rows) > 0 {
			m.firstSeq = rows[0].Event.Seq
		}
		if rows, err = src.Rows(m.n-1, 1); err == nil && len(rows) > 0 {
			m.lastAt = rows[0].Event.At
		}
	}
	m.inList = false
	m.Resize(m.width, m.height)
	return nil
}

// callEndpoints lists the call's endpoints, the ladder's columns: those
// of the metadata, then any other the connections were created for.
func callEndpoints(meta eventlog.CallMeta) []eventlog.Endpoint {
	eps := append([]eventlog.Endpoint(nil), meta.Endpoints...)
	seen := map[eventlog.Endpoint]bool{{}: true}
	for _, e := range eps {
		seen[e] = true
	}
	for _, c := range meta.Conns {
		for _, e := range []eventlog.Endpoint{c.Endpoint, c.Remote} {
			if !seen[e] {
				seen[e] = true
				eps = append(eps, e)
			}
		}
	}
	return eps
}

// closeCall goes back to the call list, closing the call's Source when it
// holds resources (a CallSource's reader and warming).
func (m *Model) closeCall() {
	if c, ok := m.src.(io.Closer); ok {
		m.fail(c.Close())
	}
	m.inList, m.src, m.zoom, m.diff, m.window = true, nil, false, false, nil
}

// Resize tells the model the terminal's size.
func (m *Model) Resize(w, h int) {
	m.width, m.height = w, h
	m.lay = computeLayout(w, h, len(m.labels.labels))
	if !m.inList && m.src != nil {
		m.ensureVisible(false)
		m.refresh()
	}
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
func (m *Model) CursorSeq() uint64 { return m.firstSeq + uint64(m.cursor) }

// InCallList reports whether the call list is showing.
func (m *Model) InCallList() bool { return m.inList }

// Update applies one key press and returns what the event loop must do,
// or nil.
func (m *Model) Update(k Key) Cmd {
	m.msg, m.msgErr = "", false
	if k.Code == KeyCtrlC {
		return Quit{}
	}
	if m.scan != nil { // any key stops a search; Esc does nothing else
		m.stopScan()
		if k.Code == KeyEsc {
			return nil
		}
	}
	switch {
	case m.prompt != nil:
		return m.updatePrompt(k)
	case m.help:
		m.updateHelp(k)
		return nil
	case m.inList:
		return m.updateList(k)
	}
	cmd := m.updateCall(k)
	m.refresh()
	return cmd
}

func (m *Model) updateHelp(k Key) {
	switch {
	case k.Code == KeyDown || k == Rune('j'):
		m.helpOff++
	case k.Code == KeyUp || k == Rune('k'):
		m.helpOff = max(m.helpOff-1, 0)
	default:
		m.help, m.helpOff = false, 0
	}
}

func (m *Model) updateList(k Key) Cmd {
	last := len(m.calls) - 1
	page := m.listRows()
	switch {
	case k == Rune('q') || k.Code == KeyEsc:
		return Quit{}
	case k == Rune('h') || k.Code == KeyF1:
		m.help = true
	case k == Rune('j') || k.Code == KeyDown:
		m.listCur = min(m.listCur+1, last)
	case k == Rune('k') || k.Code == KeyUp:
		m.listCur = max(m.listCur-1, 0)
	case k == Rune('g') || k.Code == KeyHome:
		m.listCur = 0
	case k == Rune('G') || k.Code == KeyEnd:
		m.listCur = last
	case k.Code == KeyPgDn:
		m.listCur = min(m.listCur+page, last)
	case k.Code == KeyPgUp:
		m.listCur = max(m.listCur-page, 0)
	case k.Code == KeyEnter:
		if err := m.openCall(m.calls[m.listCur].Info.Meta.ID); err != nil {
			m.fail(err)
			return nil
		}
		m.openedFromList = true
		m.refresh()
	}
	m.listTop = scrollTo(m.listTop, m.listCur, page)
	return nil
}

// callInfoLines is the height of the call list's pane that describes the
// selected call, on terminals tall enough for it.
const callInfoLines = 6

// listRows is how many calls the call list shows at once: the screen less
// the title, the column header, the status line and the selected call's
// pane.
func (m *Model) listRows() int {
	rows := m.height - 3
	if m.height >= minSplitHeight {
		rows -= callInfoLines
	}
	return max(rows, 1)
}

// scrollTo returns the new first line of a list of page lines so that cur
// stays visible.
func scrollTo(top, cur, page int) int {
	if cur < top {
		return cur
	}
	if cur >= top+page {
		return cur - page + 1
	}
	return top
}

func (m *Model) updateCall(k Key) Cmd {
	if m.zoom && m.updateZoom(k) {
		return nil
	}
	rows := m.lay.timelineRows()
	switch {
	case k == Rune('q'):
		return Quit{}
	case k.Code == KeyEsc:
		if m.openedFromList && len(m.calls) > 1 {
			m.closeCall()
			return nil
		}
		return Quit{}
	case k == Rune('h') || k.Code == KeyF1:
		m.help = true
	case k == Rune('j') || k.Code == KeyDown:
		m.moveRows(1)
	case k == Rune('k') || k.Code == KeyUp:
		m.moveRows(-1)
	case k.Code == KeyPgDn || k == Rune(' '):
		m.moveRows(rows)
	case k.Code == KeyPgUp:
		m.moveRows(-rows)
	case k == Rune('g') || k.Code == KeyHome:
		m.jumpFirst(0, 1)
	case k == Rune('G') || k.Code == KeyEnd:
		m.jumpFirst(m.n-1, -1)
	case k == Rune('n'):
		m.nextInput(1)
	case k == Rune('p'):
		m.nextInput(-1)
	case k == Rune(':'):
		m.prompt = &prompt{kind: promptGoto}
	case k == Rune('/'):
		m.prompt = &prompt{kind: promptSearch}
	case k == Rune('?'):
		m.prompt = &prompt{kind: promptSearchBack}
	case k == Rune('N'):
		m.repeatSearch()
	case k == Rune('f'):
		m.prompt = &prompt{kind: promptFilter, text: []rune(m.filter.String())}
	case k == Rune('b'):
		m.prompt = &prompt{kind: promptBreak}
	case k == Rune('c'):
		m.continueTo(1)
	case k == Rune('C'):
		m.continueTo(-1)
	case k == Rune('d'):
		m.diff = !m.diff
		m.detailOff = 0
	case k == Rune('y'):
		if m.n > 0 {
			m.prompt = &prompt{kind: promptWrite, text: []rune(fmt.Sprintf("event-%d.json", m.CursorSeq()))}
		}
	case k.Code == KeyTab || k.Code == KeyRight:
		m.cyclePin(1)
	case k.Code == KeyBacktab || k.Code == KeyLeft:
		m.cyclePin(-1)
	case k == Rune(']'):
		m.detailOff += max(m.lay.Detail.H/2, 1)
	case k == Rune('['):
		m.detailOff = max(m.detailOff-max(m.lay.Detail.H/2, 1), 0)
	case k.Code == KeyEnter || k == Rune('z'):
		m.zoom, m.detailOff = true, 0
	}
	return nil
}

// updateZoom handles the keys of the full-screen detail view; it reports
// whether it used the key.
func (m *Model) updateZoom(k Key) bool {
	page := max(m.height-3, 1)
	switch {
	case k.Code == KeyEnter || k == Rune('z') || k.Code == KeyEsc:
		m.zoom, m.detailOff = false, 0
	case k == Rune('j') || k.Code == KeyDown:
		m.detailOff++
	case k == Rune('k') || k.Code == KeyUp:
		m.detailOff = max(m.detailOff-1, 0)
	case k.Code == KeyPgDn || k == Rune(' ') || k == Rune(']'):
		m.detailOff += page
	case k.Code == KeyPgUp || k == Rune('['):
		m.detailOff = max(m.detailOff-page, 0)
	default:
		return false
	}
	return true
}

func (m *Model) updatePrompt(k Key) Cmd {
	p := m.prompt
	switch k.Code {
	case KeyEsc:
		m.prompt = nil
	case KeyBackspace:
		if len(p.text) == 0 {
			m.prompt = nil
			break
		}
		p.text = p.text[:len(p.text)-1]
	case KeyEnter:
		m.prompt = nil
		cmd := m.submit(p.kind, strings.TrimSpace(string(p.text)))
		m.refresh()
		return cmd
	case KeyRune:
		p.text = append(p.text, k.Rune)
	}
	return nil
}

func (m *Model) submit(kind promptKind, text string) Cmd {
	switch kind {
	case promptGoto:
		seq, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			m.fail(fmt.Errorf("go to %q: want a sequence number", text))
			return nil
		}
		m.fail(m.gotoSeq(seq))
	case promptSearch, promptSearchBack:
		if text != "" {
			m.search, m.searchBack = strings.ToLower(text), kind == promptSearchBack
		}
		m.repeatSearch()
	case promptFilter:
		m.setFilter(text)
	case promptBreak:
		m.toggleBreakpoint(text)
	case promptWrite:
		if text == "" {
			m.fail(errors.New("write: no file name given"))
			return nil
		}
		row := m.Current()
		if row == nil {
			return nil
		}
		data, err := EventJSON(&row.Event)
		if err != nil {
			m.fail(fmt.Errorf("event %d as JSON: %w", row.Event.Seq, err))
			return nil
		}
		return WriteFile{Path: text, Data: data}
	}
	return nil
}

// --- moving the cursor ------------------------------------------------------

// moveRows moves the cursor by k shown rows (negative: up), stopping at
// either end.
func (m *Model) moveRows(k int) {
	if m.n == 0 || k == 0 {
		return
	}
	if m.filtered() {
		if i, ok := m.matchAt(m.matchPos(m.cursor) + k); ok && m.fidx.placed {
			m.setCursor(i, false)
		}
		return
	}
	m.setCursor(min(max(m.cursor+k, 0), m.n-1), false)
}

// jumpFirst moves to the first shown row from index from in direction dir.
func (m *Model) jumpFirst(from, dir int) {
	switch {
	case m.filtered():
		p := 0
		if dir < 0 {
			p = len(m.fidx.matches) - 1
		}
		if i, ok := m.matchAt(p); ok && m.fidx.placed {
			m.setCursor(i, false)
		}
	case m.n > 0:
		m.setCursor(from, false)
	}
}

func (m *Model) nextInput(dir int) {
	left := m.n - 1 - m.cursor
	if dir < 0 {
		left = m.cursor
	}
	m.startScan(&scan{what: "next input", next: m.cursor + dir, dir: dir, left: left,
		pred: func(r *Row) bool { return r.Event.Kind == eventlog.KindInput && m.shown(r) },
		hit:  func(r *Row, _ bool) { m.setCursor(r.Index, false) },
		miss: func() { m.Notify("no input "+dirWord(dir), nil) },
	})
}

func dirWord(dir int) string {
	if dir > 0 {
		return "after this event"
	}
	return "before this event"
}

func (m *Model) gotoSeq(seq uint64) error {
	if m.n == 0 || seq < m.firstSeq || seq >= m.firstSeq+uint64(m.n) {
		return fmt.Errorf("sequence %d: the call has events %d..%d", seq, m.firstSeq, m.firstSeq+uint64(m.n)-1)
	}
	i := int(seq - m.firstSeq)
	if m.filtered() {
		p := m.matchPos(i)
		if p == len(m.fidx.matches) {
			p-- // past the last match: the last one
		}
		j, ok := m.matchAt(p)
		if !ok || !m.fidx.placed {
			return fmt.Errorf("sequence %d: the filter has found no event yet", seq)
		}
		if j != i {
			m.Notify(fmt.Sprintf("event %d is hidden by the filter; showing %d", seq, m.firstSeq+uint64(j)), nil)
		}
		i = j
	}
	m.setCursor(i, true)
	return nil
}

func (m *Model) repeatSearch() {
	if m.search == "" {
		m.Notify("no search yet: / searches forwards, ? backwards", nil)
		return
	}
	dir := 1
	if m.searchBack {
		dir = -1
	}
	needle := m.search
	m.startScan(&scan{what: "search " + needle, next: m.cursor + dir, dir: dir, left: m.n - 1, wrap: true,
		pred: func(r *Row) bool { return m.shown(r) && matchText(r, needle) },
		hit: func(r *Row, wrapped bool) {
			m.setCursor(r.Index, true)
			if wrapped {
				m.Notify("search wrapped around: "+needle, nil)
			}
		},
		miss: func() { m.fail(fmt.Errorf("not found: %s", needle)) },
	})
}

func (m *Model) continueTo(dir int) {
	if len(m.breaks) == 0 {
		m.Notify("no breakpoints: b sets one", nil)
		return
	}
	left := m.n - 1 - m.cursor
	if dir < 0 {
		left = m.cursor
	}
	m.startScan(&scan{what: "continue", next: m.cursor + dir, dir: dir, left: left,
		pred: func(r *Row) bool { return m.shown(r) && len(m.hits(r)) > 0 },
		hit: func(r *Row, _ bool) {
			m.setCursor(r.Index, true)
			m.Notify("breakpoint: "+joinBreaks(m.hits(r)), nil)
		},
		miss: func() {
			if dir > 0 {
				m.Notify("no breakpoint hit up to the end of the call", nil)
			} else {
				m.Notify("no breakpoint hit back to the start of the call", nil)
			}
		},
	})
}

// hits returns the breakpoints the row matches.
func (m *Model) hits(r *Row) []Breakpoint {
	var hs []Breakpoint
	for _, b := range m.breaks {
		if b.Match(r) {
			hs = append(hs, b)
		}
	}
	return hs
}

func joinBreaks(bs []Breakpoint) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = b.String()
	}
	return strings.Join(s, ", ")
}

func (m *Model) toggleBreakpoint(text string) {
	if text == "" {
		m.breaks = nil
		m.Notify("breakpoints cleared", nil)
		return
	}
	b, err := ParseBreakpoint(text)
	if err != nil {
		m.fail(err)
		return
	}
	for i, o := range m.breaks {
		if o == b {
			m.breaks = append(m.breaks[:i], m.breaks[i+1:]...)
			m.Notify("breakpoint removed: "+b.String(), nil)
			return
		}
	}
	m.breaks = append(m.breaks, b)
	m.Notify("breakpoint set: "+b.String()+" (c continues, C goes back)", nil)
}

// Breakpoints returns the breakpoints set.
func (m *Model) Breakpoints() []Breakpoint { return m.breaks }

// Filter returns the filter in force.
func (m *Model) Filter() Filter { return m.filter }

// setCursor moves the cursor to event i (a shown one) and scrolls so it
// stays visible; a far jump centres it.
func (m *Model) setCursor(i int, jump bool) {
	if i != m.cursor {
		m.detailOff = 0
	}
	m.cursor = i
	m.ensureVisible(jump)
}

// ensureVisible scrolls the timeline so the cursor is on screen. When
// centre is set and the cursor is off screen, it lands mid-screen.
func (m *Model) ensureVisible(centre bool) {
	rows := m.lay.timelineRows()
	if m.filtered() {
		// The same, in positions of the filter index instead of events.
		cur, top := m.matchPos(m.cursor), m.matchPos(m.top)
		if cur >= top && cur < top+rows {
			return
		}
		switch {
		case centre:
			top = cur - rows/2
		case cur < top:
			top = cur
		default:
			top = cur - rows + 1
		}
		if i, ok := m.matchAt(max(top, 0)); ok {
			m.top = i
		}
		return
	}
	switch {
	case m.cursor < m.top && centre:
		m.top = max(m.cursor-rows/2, 0)
	case m.cursor < m.top:
		m.top = m.cursor
	case m.cursor >= m.top+rows && centre:
		m.top = max(m.cursor-rows/2, 0)
	case m.cursor >= m.top+rows:
		m.top = m.cursor - rows + 1
	}
}

// shown reports whether the filter keeps the row.
func (m *Model) shown(r *Row) bool { return m.filter.Match(r) }

// maxScanChunk is the most rows a scan or the filter index reads from
// the Source at a time.
const maxScanChunk = 1024

// --- what the panes show ------------------------------------------------------

// refresh reloads the timeline window and the states when they moved.
func (m *Model) refresh() {
	if m.inList || m.src == nil {
		return
	}
	key := windowKey{top: m.top, rows: m.lay.timelineRows(), filter: m.filter.String(), valid: true}
	if m.filtered() {
		key.matches = len(m.fidx.matches)
	}
	if key != m.windowKey {
		var rows []Row
		var err error
		if m.filtered() {
			rows, err = m.filterWindow(m.top, key.rows)
		} else {
			rows, err = m.src.Rows(m.top, key.rows)
		}
		m.fail(err)
		m.window, m.windowKey = rows, key
	}
	m.warming = -1
	if m.statesAt != m.cursor && m.n > 0 {
		if w, ok := m.src.(Warming); ok {
			if ready, progress := w.StatesReady(m.cursor); !ready {
				// Answer the key now; Tick fetches the states when ready.
				m.states, m.statesAt, m.warming = nil, -1, progress
				return
			}
		}
		st, err := m.src.States(m.cursor)
		if err != nil {
			m.fail(err)
			st = nil
		}
		m.states, m.statesAt = st, m.cursor
	}
}

// Tick goes on with what was not done at the last key: a search or
// continue under way, states that were not ready. It reports whether
// something is still pending (the event loop then ticks again).
func (m *Model) Tick() bool {
	if m.scan != nil {
		m.stepScan()
	}
	m.stepFilter()
	m.refresh()
	return m.Pending()
}

// Busy reports whether a search, a continue or the filter index is being
// read: the event loop then ticks again at once.
func (m *Model) Busy() bool { return m.scan != nil || m.fidx != nil && m.fidx.building(m.n) }

// Pending reports whether a search or continue is under way, or the
// states at the cursor wait for the replay.
func (m *Model) Pending() bool {
	return !m.inList && (m.scan != nil || m.warming >= 0 || m.fidx != nil && m.fidx.building(m.n))
}

// Window returns the rows the timeline shows, top first.
func (m *Model) Window() []Row { return m.window }

// Current returns the event under the cursor, or nil for an empty call.
func (m *Model) Current() *Row {
	for i := range m.window {
		if m.window[i].Index == m.cursor {
			return &m.window[i]
		}
	}
	return nil
}

// States returns every connection's state at the cursor.
func (m *Model) States() []ConnState { return m.states }

// stepReach bounds how far around the cursor Step looks for the step's
// input and outputs.
const stepReach = 64

// Step returns the step the event under the cursor belongs to: the input
// event first, then the outputs the step returned; nil on a note. This is
// the "why" of an output: the input that caused it and what else it did.
func (m *Model) Step() []Row {
	r := m.Current()
	if r == nil || r.Event.Kind == eventlog.KindNote {
		return nil
	}
	if m.stepAt == m.cursor {
		return m.step
	}
	from := max(r.Index-stepReach, 0)
	rows, err := m.src.Rows(from, r.Index-from+1+stepReach)
	if err != nil {
		m.fail(err)
		return nil
	}
	same := func(x *Row) bool { return x.Event.Endpoint == r.Event.Endpoint && x.Event.Conn == r.Event.Conn }
	in := -1
	for i := r.Index - from; i >= 0 && i < len(rows); i-- {
		if same(&rows[i]) && rows[i].Event.Kind == eventlog.KindInput {
			in = i
			break
		}
	}
	var step []Row
	if in >= 0 {
		step = append(step, rows[in])
		for _, x := range rows[in+1:] {
			if same(&x) {
				if x.Event.Kind == eventlog.KindInput {
					break
				}
				if x.Event.Kind == eventlog.KindOutput {
					step = append(step, x)
				}
			}
		}
	}
	m.step, m.stepAt = step, m.cursor
	return step
}

// Inspected returns the connection the inspector shows: the pinned one,
// else the one the event under the cursor belongs to; ok is false when
// no connection exists yet.
func (m *Model) Inspected() (c ConnState, pos int, ok bool) {
	if len(m.states) == 0 {
		return ConnState{}, 0, false
	}
	if m.pin != "" {
		for i, s := range m.states {
			if connKey(s) == m.pin {
				return s, i, true
			}
		}
	}
	if r := m.Current(); r != nil {
		best := -1
		for i, s := range m.states {
			if s.Endpoint == r.Event.Endpoint && (s.Conn == r.Event.Conn || (r.Event.Conn == "" && best < 0)) {
				best = i
			}
		}
		if best >= 0 {
			return m.states[best], best, true
		}
	}
	return m.states[0], 0, true
}

func connKey(s ConnState) string { return s.Endpoint.String() + " " + s.Conn }

// cyclePin steps the inspector through every connection and back to
// following the cursor.
func (m *Model) cyclePin(dir int) {
	if len(m.states) == 0 {
		return
	}
	_, pos, _ := m.Inspected()
	if m.pin == "" {
		pos = -1
		if dir < 0 {
			pos = len(m.states)
		}
	}
	pos += dir
	if pos < 0 || pos >= len(m.states) {
		m.pin = ""
		m.Notify("inspector follows the cursor", nil)
		return
	}
	m.pin = connKey(m.states[pos])
	m.Notify(fmt.Sprintf("inspector pinned to %s (%d of %d; Tab cycles)", m.pin, pos+1, len(m.states)), nil)
}

// --- mouse ---------------------------------------------------------------------

// Click handles a primary-button click at cell (x, y): it selects the
// row under the pointer; in the call list a click on the selected call
// opens it.
func (m *Model) Click(x, y int) {
	m.msg, m.msgErr = "", false
	if m.help {
		m.help = false
		return
	}
	if m.prompt != nil {
		return
	}
	if m.inList {
		i := m.listTop + y - 2
		if y < 2 || y-2 >= m.listRows() || i >= len(m.calls) {
			return
		}
		if i == m.listCur {
			m.updateList(Key{Code: KeyEnter})
			return
		}
		m.listCur = i
		return
	}
	if m.zoom {
		return
	}
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
		m.listCur = min(max(m.listCur+dy, 0), len(m.calls)-1)
		m.listTop = scrollTo(m.listTop, m.listCur, m.listRows())
	case m.zoom || m.lay.Detail.contains(x, y):
		m.detailOff = max(m.detailOff+3*dy, 0)
	default:
		m.moveRows(3 * dy)
		m.refresh()
	}
}
