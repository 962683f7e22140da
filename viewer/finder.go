package viewer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callrec/callrec/eventlog"
)

// finder is what finds events in the open call: the filter in force with
// its index, the breakpoints, the last search, and the search, continue
// or next-input under way. Filter and Breakpoint (match.go) say what an
// event matches; the finder keeps them and reads the call for them.
type finder struct {
	filter     Filter
	fidx       *filterIndex // the events the filter keeps; nil without a filter
	breaks     []Breakpoint
	search     string // last search, lower-case
	searchBack bool
	matches    *matchIndex // the last search's matches, for n/N and "match k/n"; nil before a search
	scan       *scan       // a search, continue or next-input under way
}

// shown reports whether the filter keeps the row.
func (f *finder) shown(r *Row) bool { return f.filter.Match(r) }

// busy reports whether a scan is under way or the filter index is being
// read in a call of n events.
func (f *finder) busy(n int) bool { return f.scan != nil || f.fidx != nil && f.fidx.building(n) }

// clearFilter drops the filter and its index.
func (f *finder) clearFilter() { f.filter, f.fidx = Filter{}, nil }

// startFilter puts filter fl in force with an empty index; the cursor,
// now on event cursor, goes to the nearest match once found.
func (f *finder) startFilter(fl Filter, cursor int) {
	f.fidx = &filterIndex{f: fl, prev: f.fidx, want: cursor}
	f.filter = fl
}

// restoreFilter gives back the filter in force before x.
func (f *finder) restoreFilter(x *filterIndex) {
	f.fidx, f.filter = x.prev, Filter{}
	if x.prev != nil {
		f.filter = x.prev.f
		x.prev.prev = nil // one level back is all a person needs
	}
}

// hits returns the breakpoints the row matches.
func (f *finder) hits(r *Row) []Breakpoint {
	var hs []Breakpoint
	for _, b := range f.breaks {
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

// toggle sets the breakpoint text names, or removes it when it
// is set; an empty text removes every breakpoint. It returns what it did.
func (f *finder) toggle(text string) (string, error) {
	if text == "" {
		f.breaks = nil
		return "breakpoints cleared", nil
	}
	b, err := ParseBreakpoint(text)
	if err != nil {
		return "", err
	}
	for i, o := range f.breaks {
		if o == b {
			f.breaks = append(f.breaks[:i], f.breaks[i+1:]...)
			return "breakpoint removed: " + b.String(), nil
		}
	}
	f.breaks = append(f.breaks, b)
	return "breakpoint set: " + b.String() + " (c continues, C goes back)", nil
}

// Breakpoints returns the breakpoints set.
func (m *Model) Breakpoints() []Breakpoint { return m.breaks }

// Filter returns the filter in force.
func (m *Model) Filter() Filter { return m.filter }

// --- scans over the open call ------------------------------------------------

// nextInput moves to the next input (dir 1) or the previous (dir -1)
// the filter shows.
func (m *Model) nextInput(dir int) {
	m.startScan(&scan{what: "next input", next: m.cursor + dir, dir: dir, left: m.leftOf(dir),
		pred: func(r *Row) bool { return r.Event.Kind == eventlog.KindInput && m.shown(r) },
		hit:  func(r *Row, _ bool) { m.setCursor(r.Index, false) },
		miss: func() { m.Notify("no input "+dirWord(dir), nil) },
	})
}

// leftOf is how many events lie after the cursor (dir 1) or before it.
func (m *Model) leftOf(dir int) int {
	if dir < 0 {
		return m.cursor
	}
	return m.n - 1 - m.cursor
}

func dirWord(dir int) string {
	if dir > 0 {
		return "after this event"
	}
	return "before this event"
}

// searchFor remembers a search typed at the prompt (none: the last
// one stays) and runs it.
func (m *Model) searchFor(text string, back bool) {
	if text != "" {
		m.search, m.searchBack = strings.ToLower(text), back
	}
	m.findMatch(1)
}

// findMatch moves to the next match of the last search in its direction
// (ahead 1) or against it (ahead -1), wrapping around the call, as n and
// N do in less and vim. Once the matches are counted it jumps; until
// then it scans.
func (m *Model) findMatch(ahead int) {
	if m.search == "" {
		m.Notify("no search yet: / searches forwards, ? backwards", nil)
		return
	}
	dir := ahead
	if m.searchBack {
		dir = -ahead
	}
	needle := m.search
	x := m.matchesFor(needle)
	if !x.building(m.n) {
		i, wrapped, ok := x.step(m.cursor, dir)
		if !ok {
			m.finder.matches = nil
			m.fail(fmt.Errorf("not found: %s", needle))
			return
		}
		m.landOnMatch(i, wrapped)
		return
	}
	m.startScan(&scan{what: "search " + needle, next: m.cursor + dir, dir: dir, left: m.n - 1, wrap: true,
		pred: func(r *Row) bool { return m.shown(r) && matchText(r, needle) },
		hit:  func(r *Row, wrapped bool) { m.landOnMatch(r.Index, wrapped) },
		miss: func() {
			m.finder.matches = nil
			m.fail(fmt.Errorf("not found: %s", needle))
		},
	})
}

// landOnMatch puts the cursor on the match at event i; the status line
// then says which match it is (matchStatus).
func (m *Model) landOnMatch(i int, wrapped bool) {
	m.setCursor(i, true)
	if x := m.finder.matches; x != nil {
		x.wrappedAt = -1
		if wrapped {
			x.wrappedAt = i
		}
	}
}

// matchesFor returns the match index of the search for needle under the
// filter in force on the open call, starting a new one when the search,
// the filter or the call changed. It is read in Tick (stepMatches), not
// here: a search key reads no more than its scan does.
func (m *Model) matchesFor(needle string) *matchIndex {
	x := m.finder.matches
	if x == nil || !x.current(m) {
		x = &matchIndex{src: m.src, needle: needle, filter: m.filter.String(), wrappedAt: -1}
		m.finder.matches = x
	}
	return x
}

// stepMatches counts more of the last search's matches, once no scan is
// under way (the two would read the call twice at once); a change of
// filter starts the count again, another call drops it.
func (m *Model) stepMatches() {
	x := m.finder.matches
	switch {
	case x == nil || m.finder.scan != nil:
		return
	case x.src != m.src || x.needle != m.search:
		m.finder.matches = nil
		return
	case x.filter != m.filter.String():
		x = m.matchesFor(m.search)
	}
	if !x.building(m.n) {
		return
	}
	needle := x.needle
	err := readIndex(m.src, m.n, &x.next, &x.found, func(r *Row) bool { return m.shown(r) && matchText(r, needle) })
	if err != nil {
		m.finder.matches = nil
		m.fail(fmt.Errorf("counting matches of %s: %w", needle, err))
	}
}

// countingMatches reports whether the last search's matches in the open
// call have more to read: they are being read, or the filter changed
// under them. Those of another call are not counted: Tick drops them.
func (m *Model) countingMatches() bool {
	x := m.finder.matches
	return x != nil && !m.inList && x.src == m.src && (x.building(m.n) || !x.current(m))
}

// matchStatus says, for the status line, which match of the last search
// the cursor is on ("/glare: match 3/7"), or how many there are when it
// is on none; empty before a search.
func (m *Model) matchStatus() string {
	x := m.finder.matches
	if x == nil || !x.current(m) {
		return ""
	}
	head := "/" + x.needle
	if m.searchBack {
		head = "?" + x.needle
	}
	k, on := x.ordinal(m.cursor)
	counting := x.building(m.n)
	var s string
	switch {
	case on && counting:
		s = fmt.Sprintf("match %d/%d so far (counting %s)", k, len(x.found), percent(x.next, m.n))
	case on:
		s = fmt.Sprintf("match %d/%d", k, len(x.found))
	case counting:
		s = fmt.Sprintf("counting matches, %s", percent(x.next, m.n))
	default:
		s = fmt.Sprintf("%d matches, none here (n/N go to one)", len(x.found))
	}
	if x.wrappedAt == m.cursor {
		s += ", wrapped around"
	}
	return head + ": " + s
}

func percent(part, whole int) string {
	return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(max(whole, 1)))
}

// matchIndex lists the events the last search matches among those the
// filter shows, read scanBudget events a tick after the search found
// its first match, so that the status line can say "match k/n" and n/N
// jump without reading the call again.
type matchIndex struct {
	src       Source // the call it was read from
	needle    string
	filter    string // the filter in force while it was read (Filter.String)
	found     []int  // indexes of the matches, ascending, found so far
	next      int    // the next event to look at; the call's length when done
	wrappedAt int    // the match the last n/N reached by wrapping around; -1: none
}

// current reports whether the index is that of the last search, under
// the filter in force, on the open call.
func (x *matchIndex) current(m *Model) bool {
	return x.src == m.src && x.needle == m.search && x.filter == m.filter.String()
}

// building reports whether the index is still being read.
func (x *matchIndex) building(n int) bool { return x.next < n }

// ordinal returns which match (1-based) event i is, once the index has
// read that far; on is false when event i is no match or not read yet.
func (x *matchIndex) ordinal(i int) (k int, on bool) {
	p := sort.SearchInts(x.found, i)
	if i >= x.next || p == len(x.found) || x.found[p] != i {
		return 0, false
	}
	return p + 1, true
}

// step returns the match after event cur (dir 1) or before it (dir -1),
// wrapping around the call; ok is false without matches.
func (x *matchIndex) step(cur, dir int) (i int, wrapped, ok bool) {
	n := len(x.found)
	if n == 0 {
		return 0, false, false
	}
	p := sort.SearchInts(x.found, cur) // the first match at or after cur
	if dir > 0 {
		if p < n && x.found[p] == cur {
			p++
		}
		if p == n {
			return x.found[0], true, true
		}
		return x.found[p], false, true
	}
	if p == 0 {
		return x.found[n-1], true, true
	}
	return x.found[p-1], false, true
}

// continueTo runs to the next event (dir 1) or the previous that hits a
// breakpoint.
func (m *Model) continueTo(dir int) {
	if len(m.breaks) == 0 {
		m.Notify("no breakpoints: b sets one", nil)
		return
	}
	m.startScan(&scan{what: "continue", next: m.cursor + dir, dir: dir, left: m.leftOf(dir),
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

// toggleBreakpoint sets or removes the breakpoint typed at the prompt.
func (m *Model) toggleBreakpoint(text string) {
	msg, err := m.finder.toggle(text)
	if err != nil {
		m.fail(err)
		return
	}
	m.Notify(msg, nil)
}
