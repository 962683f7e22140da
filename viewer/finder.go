package viewer

import (
	"fmt"
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
	scan       *scan // a search, continue or next-input under way
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
	m.repeatSearch()
}

// repeatSearch looks for the last search's text from the cursor on, in
// its direction, wrapping around the call.
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
