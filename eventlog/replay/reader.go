package replay

import "github.com/callrec/callrec/eventlog"

// Reader adapts an open call of a log to a Source. The reader stays the
// caller's to close; like it, the Source is for one goroutine at a time
// (Index serializes its own use).
func Reader(r *eventlog.CallReader) Source { return readerSource{r} }

type readerSource struct{ r *eventlog.CallReader }

func (s readerSource) Meta() eventlog.CallMeta { return s.r.Meta() }
func (s readerSource) Count() uint64           { return s.r.Count() }

func (s readerSource) Scan(from uint64) Scanner {
	return &cursorScanner{c: s.r.Cursor(nil), from: max(from, 1)}
}

// cursorScanner seeks on its first Next and steps forward after that.
type cursorScanner struct {
	c    *eventlog.Cursor
	from uint64 // 0 once the cursor is positioned
}

func (s *cursorScanner) Next() (eventlog.Event, bool) {
	if s.from != 0 {
		from := s.from
		s.from = 0
		return s.c.Seek(from)
	}
	return s.c.Next()
}

func (s *cursorScanner) Err() error { return s.c.Err() }

// Snapshot returns the latest snapshot after an event at or before
// atOrBefore (see Snapshots).
func (s readerSource) Snapshot(atOrBefore uint64) (uint64, []byte, bool, error) {
	return s.r.Snapshot(atOrBefore)
}
