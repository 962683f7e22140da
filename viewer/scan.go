package viewer

import (
	"fmt"
)

// scanBudget is how many events a search or a continue reads before it
// lets the event loop answer keys again; the event loop resumes it at
// once (Tick). At a few hundred thousand events a second that keeps every
// key under 20 ms even while a search runs through a million events.
const scanBudget = 2048

// scan is a search or a continue under way: it looks for the first event
// that satisfies pred, from next in direction dir, for at most left more
// events, wrapping around the call when wrap is set.
type scan struct {
	what    string // "search" or "continue", for the status line
	next    int
	dir     int
	left    int
	wrap    bool
	wrapped bool
	pred    func(*Row) bool
	hit     func(r *Row, wrapped bool)
	miss    func()
}

// startScan begins a scan and runs its first budget.
func (m *Model) startScan(s *scan) {
	m.scan = s
	m.stepScan()
}

// Scanning reports whether a search or a continue is under way.
func (m *Model) Scanning() bool { return m.scan != nil }

// stepScan reads up to scanBudget events of the scan under way, and ends
// it on a hit, at the end of its range, or on a Source error.
func (m *Model) stepScan() {
	s := m.scan
	for budget := scanBudget; budget > 0 && s.left > 0; {
		if s.next < 0 || s.next >= m.n {
			if !s.wrap || s.wrapped {
				break
			}
			s.wrapped = true
			s.next = 0
			if s.dir < 0 {
				s.next = m.n - 1
			}
		}
		n := min(budget, s.left, maxScanChunk)
		lo := s.next
		if s.dir > 0 {
			n = min(n, m.n-lo)
		} else {
			n = min(n, lo+1)
			lo = s.next - n + 1
		}
		rows, err := m.src.Rows(lo, n)
		if err != nil || len(rows) < n {
			m.scan = nil
			if err == nil {
				err = fmt.Errorf("rows %d..%d: the source returned %d", lo, lo+n-1, len(rows))
			}
			m.fail(err)
			return
		}
		for j := range rows {
			r := &rows[j]
			if s.dir < 0 {
				r = &rows[len(rows)-1-j]
			}
			if s.pred(r) {
				m.scan = nil
				s.hit(r, s.wrapped)
				return
			}
		}
		s.next += s.dir * n
		s.left -= n
		budget -= n
	}
	if s.left <= 0 || (s.next < 0 || s.next >= m.n) && (!s.wrap || s.wrapped) {
		m.scan = nil
		s.miss()
	}
}

// scanStatus describes the scan under way for the status line.
func (m *Model) scanStatus() string {
	s := m.scan
	pos := min(max(s.next, 0), max(m.n-1, 0))
	return fmt.Sprintf("%s: at #%d… (any key stops)", s.what, m.firstSeq+uint64(pos))
}

// stopScan abandons the scan under way, saying where it got.
func (m *Model) stopScan() {
	if m.scan != nil {
		m.Notify(m.scan.what+" stopped at "+fmt.Sprintf("#%d", m.firstSeq+uint64(min(max(m.scan.next, 0), m.n-1))), nil)
		m.scan = nil
	}
}
