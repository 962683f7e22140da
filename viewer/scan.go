package viewer

import (
	"fmt"
)

// scanBudget is how many events a search or a continue reads before it
// lets the event loop answer keys again; the event loop resumes it at
// once (Tick). At a few hundred thousand events a second that keeps every
// key under 20 ms even while a search runs through a million events.
const scanBudget = 2048

// maxScanChunk is the most rows a scan or the filter index reads from
// the Source at a time.
const maxScanChunk = 1024

// scan is a search or a continue under way: it looks for the first event
// that satisfies pred, from next in direction dir, for at most left more
// events, wrapping around the call when wrap is set. It is the finder's.
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

// scanOutcome is how far a scan got in one budget.
type scanOutcome uint8

const (
	scanGoing  scanOutcome = iota // not done: read on at the next tick
	scanHit                       // found an event
	scanMissed                    // read its whole range without finding one
	scanFailed                    // the Source failed
)

// read reads up to scanBudget events of a call of n events; on scanHit
// it returns the event found.
func (s *scan) read(src Source, n int) (*Row, scanOutcome, error) {
	for budget := scanBudget; budget > 0 && s.left > 0 && s.wrapIfOut(n); {
		lo, cnt := s.chunk(min(budget, s.left, maxScanChunk), n)
		rows, err := src.Rows(lo, cnt)
		if err == nil && len(rows) < cnt {
			err = fmt.Errorf("rows %d..%d: the source returned %d", lo, lo+cnt-1, len(rows))
		}
		if err != nil {
			return nil, scanFailed, err
		}
		if r := s.first(rows); r != nil {
			return r, scanHit, nil
		}
		s.next += s.dir * cnt
		s.left -= cnt
		budget -= cnt
	}
	if s.left <= 0 || s.out(n) && !s.canWrap() {
		return nil, scanMissed, nil
	}
	return nil, scanGoing, nil
}

// out reports whether the next event to read is outside the call.
func (s *scan) out(n int) bool { return s.next < 0 || s.next >= n }

func (s *scan) canWrap() bool { return s.wrap && !s.wrapped }

// wrapIfOut moves a scan that ran off an end of the call to the other
// end, once, when it wraps; it reports whether there is an event to read.
func (s *scan) wrapIfOut(n int) bool {
	if !s.out(n) {
		return true
	}
	if !s.canWrap() {
		return false
	}
	s.wrapped = true
	s.next = 0
	if s.dir < 0 {
		s.next = n - 1
	}
	return true
}

// chunk returns the rows to read next, at most most of them, from the
// scan's position in its direction: [lo, lo+cnt).
func (s *scan) chunk(most, n int) (lo, cnt int) {
	if s.dir > 0 {
		return s.next, min(most, n-s.next)
	}
	cnt = min(most, s.next+1)
	return s.next - cnt + 1, cnt
}

// first returns the first row in the scan's direction that satisfies its
// predicate, or nil.
func (s *scan) first(rows []Row) *Row {
	for j := range rows {
		r := &rows[j]
		if s.dir < 0 {
			r = &rows[len(rows)-1-j]
		}
		if s.pred(r) {
			return r
		}
	}
	return nil
}

// --- the scan on the open call -------------------------------------------------

// startScan begins a scan and runs its first budget.
func (m *Model) startScan(s *scan) {
	m.finder.scan = s
	m.stepScan()
}

// Scanning reports whether a search or a continue is under way.
func (m *Model) Scanning() bool { return m.finder.scan != nil }

// stepScan reads up to scanBudget events of the scan under way, and ends
// it on a hit, at the end of its range, or on a Source error.
func (m *Model) stepScan() {
	s := m.finder.scan
	r, outcome, err := s.read(m.src, m.n)
	if outcome == scanGoing {
		return
	}
	m.finder.scan = nil
	switch outcome {
	case scanHit:
		s.hit(r, s.wrapped)
	case scanMissed:
		s.miss()
	case scanFailed:
		m.fail(err)
	}
}

// scanPos is the event the scan under way has got to, within the call.
func (m *Model) scanPos() uint64 {
	return m.timeline.seq(min(max(m.finder.scan.next, 0), max(m.n-1, 0)))
}

// scanStatus describes the scan under way for the status line.
func (m *Model) scanStatus() string {
	return fmt.Sprintf("%s: at #%d… (any key stops)", m.finder.scan.what, m.scanPos())
}

// stopScan abandons the scan under way, saying where it got.
func (m *Model) stopScan() {
	if m.finder.scan != nil {
		m.Notify(fmt.Sprintf("%s stopped at #%d", m.finder.scan.what, m.scanPos()), nil)
		m.finder.scan = nil
	}
}
