package viewer

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// timeline is the open call and where the person is in it: the cursor,
// the first event shown and the rows the timeline pane shows from there.
// Under a filter it moves through the filter index's matches (the
// finder's) instead of through every event, so its moves take that index;
// nil means no filter.
type timeline struct {
	src      Source
	meta     eventlog.CallMeta
	labels   endpointLabels
	n        int           // events in the call
	firstSeq uint64        // Seq of event 0
	lastAt   time.Duration // At of the last event, for column widths
	rows     int           // events the pane shows (the layout's)
	clocks   string        // how the devices' clocks were aligned (Aligned); "" when they were not

	cursor, top int   // event indexes
	window      []Row // the rows the timeline shows, from top
	windowKey   windowKey
	sumW        int // the widest summary a window has held: the layout sizes the summary column to it
}

// windowKey is what the window was read for; the window is read again
// only when it changes.
type windowKey struct {
	top, rows int
	filter    string
	matches   int // matches in the filter index, which grows while it is built
	valid     bool
}

// openTimeline reads what the timeline needs to know of a call before
// showing it: its endpoints and the first and last events' numbers and
// times.
func openTimeline(src Source) (timeline, error) {
	t := timeline{src: src, meta: src.Meta(), n: src.Len(), firstSeq: 1}
	eps := callEndpoints(t.meta)
	if p, ok := src.(Peered); ok {
		eps = append(eps, p.Peers()...)
	}
	t.labels = newEndpointLabels(eps)
	t.labels.markAbsent(t.meta.Endpoints)
	if a, ok := src.(Aligned); ok {
		t.clocks = a.ClockNote()
	}
	if t.n == 0 {
		return t, nil
	}
	rows, err := src.Rows(0, 1)
	if err != nil {
		return timeline{}, err
	}
	if len(rows) > 0 {
		t.firstSeq = rows[0].Event.Seq
	}
	if rows, err = src.Rows(t.n-1, 1); err == nil && len(rows) > 0 {
		t.lastAt = rows[0].Event.At
	}
	return t, nil
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

// close forgets the call's source and rows; the caller closes the source.
func (t *timeline) close() { t.src, t.window = nil, nil }

// seq returns the sequence number of event i.
func (t *timeline) seq(i int) uint64 { return t.firstSeq + uint64(i) }

// current returns the event under the cursor, or nil for an empty call.
func (t *timeline) current() *Row {
	for i := range t.window {
		if t.window[i].Index == t.cursor {
			return &t.window[i]
		}
	}
	return nil
}

// setCursor moves the cursor to event i (a shown one) and scrolls so it
// stays visible; a far jump centres it. It reports whether the cursor
// moved to another event.
func (t *timeline) setCursor(i int, jump bool, x *filterIndex) bool {
	moved := i != t.cursor
	t.cursor = i
	t.ensureVisible(jump, x)
	return moved
}

// rowsAway returns the event k shown rows from the cursor (negative: up),
// stopping at either end; false when there is none to go to.
func (t *timeline) rowsAway(k int, x *filterIndex) (int, bool) {
	if t.n == 0 || k == 0 {
		return 0, false
	}
	if x != nil {
		i, ok := x.at(x.pos(t.cursor) + k)
		return i, ok && x.placed
	}
	return min(max(t.cursor+k, 0), t.n-1), true
}

// end returns the first shown event (dir 1) or the last (dir -1).
func (t *timeline) end(dir int, x *filterIndex) (int, bool) {
	switch {
	case x != nil:
		p := 0
		if dir < 0 {
			p = len(x.matches) - 1
		}
		i, ok := x.at(p)
		return i, ok && x.placed
	case t.n == 0:
		return 0, false
	case dir < 0:
		return t.n - 1, true
	}
	return 0, true
}

// find returns the event with sequence number seq or, when the filter
// hides it, the next match, with a note saying so.
func (t *timeline) find(seq uint64, x *filterIndex) (i int, note string, err error) {
	if t.n == 0 || seq < t.firstSeq || seq >= t.seq(t.n) {
		return 0, "", fmt.Errorf("sequence %d: the call has events %d..%d", seq, t.firstSeq, t.firstSeq+uint64(t.n)-1)
	}
	i = int(seq - t.firstSeq)
	if x == nil {
		return i, "", nil
	}
	p := x.pos(i)
	if p == len(x.matches) {
		p-- // past the last match: the last one
	}
	j, ok := x.at(p)
	if !ok || !x.placed {
		return 0, "", fmt.Errorf("sequence %d: the filter has found no event yet", seq)
	}
	if j != i {
		note = fmt.Sprintf("event %d is hidden by the filter; showing %d", seq, t.seq(j))
	}
	return j, note, nil
}

// ensureVisible scrolls the timeline so the cursor is on screen. When
// centre is set and the cursor is off screen, it lands mid-screen.
func (t *timeline) ensureVisible(centre bool, x *filterIndex) {
	if x != nil {
		// The same, in positions of the filter index instead of events.
		if top, ok := scrollPos(x.pos(t.top), x.pos(t.cursor), t.rows, centre); ok {
			if i, ok := x.at(max(top, 0)); ok {
				t.top = i
			}
		}
		return
	}
	if top, ok := scrollPos(t.top, t.cursor, t.rows, centre); ok {
		t.top = max(top, 0)
	}
}

// scrollPos returns the new first line of a list of rows lines so that
// line cur shows, mid-screen when centre is set; false when cur already
// shows.
func scrollPos(top, cur, rows int, centre bool) (int, bool) {
	switch {
	case cur >= top && cur < top+rows:
		return top, false
	case centre:
		return cur - rows/2, true
	case cur < top:
		return cur, true
	}
	return cur - rows + 1, true
}

// invalidate makes the next load read the window again.
func (t *timeline) invalidate() { t.windowKey.valid = false }

// load reads the rows the timeline shows when the top, the size or the
// filter changed since the last read.
func (t *timeline) load(x *filterIndex, f Filter) error {
	key := windowKey{top: t.top, rows: t.rows, filter: f.String(), valid: true}
	if x != nil {
		key.matches = len(x.matches)
	}
	if key == t.windowKey {
		return nil
	}
	var rows []Row
	var err error
	if x != nil {
		rows, err = x.window(t.src, t.top, key.rows)
	} else {
		rows, err = t.src.Rows(t.top, key.rows)
	}
	t.window, t.windowKey = rows, key
	for i := range rows {
		t.sumW = max(t.sumW, textWidth(shownSummary(&rows[i])))
	}
	return err
}

// shownSummary is what the timeline says of a row: its summary, else its
// event's type.
func shownSummary(r *Row) string {
	if r.Summary == "" {
		return r.Event.Type
	}
	return r.Summary
}

// timelineCols are the widths of the timeline's fixed columns.
type timelineCols struct{ seq, at, ep int }

// fixed is the width of the columns before the summary: the gutter,
// each column and the blank after it.
func (c timelineCols) fixed() int { return 1 + c.seq + 1 + c.at + 1 + c.ep + 1 + len("kind ") }

// columns returns the widths the call's longest values need.
func (t *timeline) columns() timelineCols {
	c := timelineCols{seq: max(len(fmt.Sprint(t.seq(max(t.n-1, 0)))), 3), at: len(fmtAt(t.lastAt)), ep: 3}
	for _, l := range t.labels.labels {
		c.ep = max(c.ep, textWidth(l))
	}
	return c
}
