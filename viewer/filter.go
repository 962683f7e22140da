package viewer

import (
	"fmt"
	"sort"
)

// filterIndex lists the events a filter keeps. It is built by reading the
// call once, scanBudget events per key or tick, so that setting a filter
// on a long call never holds up a key; moving under the filter is then
// arithmetic on the list, however sparse the matches.
type filterIndex struct {
	f       Filter
	prev    *filterIndex // the filter before (nil: none), restored when f matches nothing
	want    int          // the event the cursor was on: it lands on the nearest match
	placed  bool         // the cursor is on a match
	matches []int        // indexes of the events f keeps, ascending, found so far
	next    int          // the next event to look at; the call's length when done
}

// building reports whether the index is still being read.
func (x *filterIndex) building(n int) bool { return x.next < n }

// setFilter parses a filter and starts indexing it; an empty text clears
// the filter.
func (m *Model) setFilter(text string) {
	f, err := ParseFilter(text)
	if err != nil {
		m.fail(err)
		return
	}
	if f.Empty() {
		m.filter, m.fidx = Filter{}, nil
		m.setCursor(m.cursor, true)
		return
	}
	m.fidx = &filterIndex{f: f, prev: m.fidx, want: m.cursor}
	m.filter = f
	m.stepFilter()
}

// restoreFilter gives back the filter in force before x.
func (m *Model) restoreFilter(x *filterIndex) {
	m.fidx, m.filter = x.prev, Filter{}
	if x.prev != nil {
		m.filter = x.prev.f
		x.prev.prev = nil // one level back is all a person needs
	}
	m.windowKey.valid = false
}

// stepFilter reads up to scanBudget more events into the filter index and
// places the cursor once it can.
func (m *Model) stepFilter() {
	x := m.fidx
	if x == nil || !x.building(m.n) {
		return
	}
	end := min(x.next+scanBudget, m.n)
	for x.next < end {
		rows, err := m.src.Rows(x.next, min(maxScanChunk, end-x.next))
		if err != nil || len(rows) == 0 {
			if err == nil {
				err = fmt.Errorf("rows from %d: the source returned none", x.next)
			}
			m.restoreFilter(x)
			m.fail(fmt.Errorf("filter %s: %w", x.f, err))
			return
		}
		for i := range rows {
			if x.f.Match(&rows[i]) {
				x.matches = append(x.matches, rows[i].Index)
			}
		}
		x.next += len(rows)
	}
	m.windowKey.valid = false
	m.placeCursor()
}

// placeCursor puts the cursor on the first match at or after where it
// was, or, once the index is complete, on the last match before it.
func (m *Model) placeCursor() {
	x := m.fidx
	if x.placed {
		return
	}
	if p := sort.SearchInts(x.matches, x.want); p < len(x.matches) {
		x.placed, x.prev = true, nil
		m.setCursor(x.matches[p], true)
		return
	}
	if x.building(m.n) {
		return
	}
	if len(x.matches) == 0 {
		m.restoreFilter(x)
		m.fail(fmt.Errorf("filter %q matches no event", x.f.String()))
		return
	}
	x.prev = nil // placed: the old filter is gone for good
	x.placed = true
	m.setCursor(x.matches[len(x.matches)-1], true)
}

// filtered reports whether a filter is in force with its cursor placed:
// moves then go through the index.
func (m *Model) filtered() bool { return m.fidx != nil }

// matchPos returns the position in the index of the first match at or
// after event i.
func (m *Model) matchPos(i int) int { return sort.SearchInts(m.fidx.matches, i) }

// matchAt returns the match at position p of the index, clamped to the
// matches found.
func (m *Model) matchAt(p int) (int, bool) {
	ms := m.fidx.matches
	if len(ms) == 0 {
		return 0, false
	}
	return ms[min(max(p, 0), len(ms)-1)], true
}

// filterWindow reads the rows of the matches from the one at or after top,
// as many as the timeline shows, joining neighbouring events into one
// read.
func (m *Model) filterWindow(top, rows int) ([]Row, error) {
	ms := m.fidx.matches
	p := m.matchPos(top)
	want := ms[p:min(p+rows, len(ms))]
	var out []Row
	for len(want) > 0 {
		run := 1
		for run < len(want) && want[run] == want[run-1]+1 {
			run++
		}
		got, err := m.src.Rows(want[0], run)
		if err != nil {
			return out, err
		}
		out = append(out, got...)
		want = want[run:]
	}
	return out, nil
}

// filterStatus describes the filter for the status line.
func (m *Model) filterStatus() string {
	x := m.fidx
	if x == nil {
		return ""
	}
	if x.building(m.n) {
		return fmt.Sprintf("filtering %s: %d matches in %.0f%%…", x.f, len(x.matches), 100*float64(x.next)/float64(m.n))
	}
	return fmt.Sprintf("filter %s: %d events", x.f, len(x.matches))
}
