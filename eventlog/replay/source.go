package replay

import (
	"fmt"

	"github.com/callrec/callrec/eventlog"
)

// Source is one recorded call as the engine reads it: its metadata and its
// events in sequence order, from any sequence number on.
type Source interface {
	// Meta describes the call.
	Meta() eventlog.CallMeta
	// Count is the number of events; sequence numbers run from 1 to Count.
	Count() uint64
	// Scan returns the events with Seq >= from, in order.
	Scan(from uint64) Scanner
}

// Scanner iterates events in sequence order.
type Scanner interface {
	// Next returns the next event; false at the end or on an error.
	Next() (eventlog.Event, bool)
	// Err returns the error that stopped Next, if any.
	Err() error
}

// Slice is a Source holding a call's events in memory. Events must be in
// sequence order with Seq 1, 2, 3, ...; NewSlice numbers events whose Seq
// is zero.
type Slice struct {
	meta   eventlog.CallMeta
	events []eventlog.Event
}

// NewSlice returns a Source over events. It numbers the events 1..n when
// their Seq is zero and refuses events out of order.
func NewSlice(meta eventlog.CallMeta, events []eventlog.Event) (*Slice, error) {
	evs := make([]eventlog.Event, len(events))
	copy(evs, events)
	for i := range evs {
		want := uint64(i + 1)
		if evs[i].Seq == 0 {
			evs[i].Seq = want
		}
		if evs[i].Seq != want {
			return nil, fmt.Errorf("replay: event %d has seq %d, want %d", i, evs[i].Seq, want)
		}
	}
	return &Slice{meta: meta, events: evs}, nil
}

// Meta returns the call's metadata.
func (s *Slice) Meta() eventlog.CallMeta { return s.meta }

// Count returns the number of events.
func (s *Slice) Count() uint64 { return uint64(len(s.events)) }

// Events returns the events; the caller must not modify them.
func (s *Slice) Events() []eventlog.Event { return s.events }

// Scan returns the events with Seq >= from.
func (s *Slice) Scan(from uint64) Scanner {
	i := 0
	if from > 1 {
		i = int(min(from-1, uint64(len(s.events))))
	}
	return &sliceScanner{events: s.events[i:]}
}

type sliceScanner struct{ events []eventlog.Event }

func (s *sliceScanner) Next() (eventlog.Event, bool) {
	if len(s.events) == 0 {
		return eventlog.Event{}, false
	}
	ev := s.events[0]
	s.events = s.events[1:]
	return ev, true
}

func (s *sliceScanner) Err() error { return nil }
