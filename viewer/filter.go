package viewer

import (
	"errors"
	"fmt"
	"sort"
)

// filterIndex lists the events a filter keeps. It is built by reading the
// call once, scanBudget events per key or tick, so that setting a filter
// on a long call never holds up a key; moving under the filter is then
// arithmetic on the list, however sparse the matches. It is the finder's;
// the timeline moves through it.
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

// read reads up to scanBudget more of the call's n events into the index.
func (x *filterIndex) read(src Source, n int) error {
	return readIndex(src, n, &x.next, &x.matches, x.f.Match)
}

// readIndex reads up to scanBudget events of a call of n events from
// *next on, appending the indexes of those pred keeps to *found; *next
// moves past what it read.
func readIndex(src Source, n int, next *int, found *[]int, pred func(*Row) bool) error {
	end := min(*next+scanBudget, n)
	for *next < end {
		rows, err := src.Rows(*next, min(maxScanChunk, end-*next))
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return fmt.Errorf("rows from %d: the source returned none", *next)
		}
		for i := range rows {
			if pred(&rows[i]) {
				*found = append(*found, rows[i].Index)
			}
		}
		*next += len(rows)
	}
	return nil
}

// errNoMatch is place's answer for a complete index without matches.
var errNoMatch = errors.New("no match")

// place finds the event the cursor goes to once the filter is in force:
// the first match at or after where it was, or, once the index is
// complete, the last match before it. ok is false while it cannot tell
// yet, and once placed; err is errNoMatch when the filter keeps nothing.
func (x *filterIndex) place(n int) (i int, ok bool, err error) {
	if x.placed {
		return 0, false, nil
	}
	if p := sort.SearchInts(x.matches, x.want); p < len(x.matches) {
		x.placed, x.prev = true, nil
		return x.matches[p], true, nil
	}
	if x.building(n) {
		return 0, false, nil
	}
	if len(x.matches) == 0 {
		return 0, false, errNoMatch
	}
	x.prev = nil // placed: the old filter is gone for good
	x.placed = true
	return x.matches[len(x.matches)-1], true, nil
}

// pos returns the position in the index of the first match at or after
// event i.
func (x *filterIndex) pos(i int) int { return sort.SearchInts(x.matches, i) }

// at returns the match at position p of the index, clamped to the
// matches found.
func (x *filterIndex) at(p int) (int, bool) {
	if len(x.matches) == 0 {
		return 0, false
	}
	return x.matches[min(max(p, 0), len(x.matches)-1)], true
}

// window reads the rows of the matches from the one at or after top, as
// many as rows, joining neighbouring events into one read.
func (x *filterIndex) window(src Source, top, rows int) ([]Row, error) {
	p := x.pos(top)
	want := x.matches[p:min(p+rows, len(x.matches))]
	var out []Row
	for len(want) > 0 {
		run := 1
		for run < len(want) && want[run] == want[run-1]+1 {
			run++
		}
		got, err := src.Rows(want[0], run)
		if err != nil {
			return out, err
		}
		out = append(out, got...)
		want = want[run:]
	}
	return out, nil
}

// status describes the index for the status line.
func (x *filterIndex) status(n int) string {
	if x.building(n) {
		return fmt.Sprintf("filtering %s: %d matches in %.0f%%…", x.f, len(x.matches), 100*float64(x.next)/float64(n))
	}
	return fmt.Sprintf("filter %s: %d events", x.f, len(x.matches))
}

// --- the filter on the open call --------------------------------------------

// setFilter parses a filter and starts indexing it; an empty text clears
// the filter.
func (m *Model) setFilter(text string) {
	f, err := ParseFilter(text)
	if err != nil {
		m.fail(err)
		return
	}
	if f.Empty() {
		m.finder.clearFilter()
		m.setCursor(m.cursor, true)
		return
	}
	m.finder.startFilter(f, m.cursor)
	m.stepFilter()
}

// stepFilter reads more of the filter index and places the cursor once
// it can; a filter that cannot be read or keeps nothing gives way to the
// one before.
func (m *Model) stepFilter() {
	x := m.fidx
	if x == nil || !x.building(m.n) {
		return
	}
	if err := x.read(m.src, m.n); err != nil {
		m.dropFilter(x, fmt.Errorf("filter %s: %w", x.f, err))
		return
	}
	m.timeline.invalidate()
	m.placeCursor()
}

// placeCursor puts the cursor where the filter index says, once it can
// tell.
func (m *Model) placeCursor() {
	x := m.fidx
	i, ok, err := x.place(m.n)
	switch {
	case err != nil:
		m.dropFilter(x, fmt.Errorf("filter %q matches no event", x.f.String()))
	case ok:
		m.setCursor(i, true)
	}
}

// dropFilter gives back the filter in force before x and says why.
func (m *Model) dropFilter(x *filterIndex, why error) {
	m.finder.restoreFilter(x)
	m.timeline.invalidate()
	m.fail(why)
}

// filterStatus describes the filter for the status line.
func (m *Model) filterStatus() string {
	if m.fidx == nil {
		return ""
	}
	return m.fidx.status(m.n)
}
