package viewer

import (
	"errors"
	"fmt"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/tail"
)

// Live is implemented by a Source whose call is still being recorded:
// events arrive while it is shown. Len and Meta change only in Grow, which
// the model calls between keys, so that a window, a filter index or a
// search never sees the call change under it.
type Live interface {
	Source
	// Arrived reports whether Grow has something to take in: events,
	// metadata, or the end of the recording. It is cheap.
	Arrived() bool
	// Grow takes in what arrived and reports whether anything did.
	Grow() bool
	// LiveState says whether the recorder still records the call and,
	// once it does not, how it ended ("the recorder closed the call", or
	// what went wrong).
	LiveState() (live bool, ended string)
}

// Followed is a call followed while it is recorded: package tail's
// Follower (through the recorder on this machine) or package fleet's
// (through the fleet). As a replay.Source it holds the events that
// arrived so far.
type Followed interface {
	replay.Source
	// Progress returns the events arrived and how many times the
	// metadata changed.
	Progress() (events uint64, metas int)
	// Ended reports whether the stream ended, and a note on how.
	Ended() (bool, string)
	// Err is what ended it, nil when the recording closed.
	Err() error
	Close() error
}

// LiveSource is the Source of a call followed while it is recorded
// (Followed): the events that arrived so far, read and replayed as
// CallSource reads a call in a file.
type LiveSource struct {
	*CallSource
	f      Followed
	metas  int    // the Follower's metadata updates taken in
	ended  bool   // the stream's end was taken in
	reason string // how it ended
	closed bool
}

// NewLiveSource returns a Source over what f has received, growing in
// Grow. The source owns f and closes it in Close.
func NewLiveSource(f Followed, opts *replay.IndexOptions) *LiveSource {
	if opts == nil {
		opts = &replay.IndexOptions{CheckpointEvery: DefaultCheckpointEvery}
	}
	n, metas := f.Progress()
	return &LiveSource{CallSource: newCallSource(f, f.Meta(), int(n), opts), f: f, metas: metas}
}

// Arrived reports whether events, metadata or the end arrived since the
// last Grow.
func (s *LiveSource) Arrived() bool {
	n, metas := s.f.Progress()
	ended, _ := s.f.Ended()
	return int(n) != s.n || metas != s.metas || ended != s.ended
}

// Grow takes in the events and metadata that arrived, and the end.
func (s *LiveSource) Grow() bool {
	if !s.Arrived() {
		return false
	}
	ended, note := s.f.Ended() // before the count: what ended the stream came before it
	n, metas := s.f.Progress()
	if metas != s.metas {
		s.setMeta(s.f.Meta())
		s.metas = metas
	}
	s.n = int(n)
	if ended && !s.ended {
		s.ended, s.reason = true, endReason(s.f.Err(), note)
	}
	return true
}

// endReason says how a followed recording ended.
func endReason(err error, note string) string {
	switch {
	case err == nil:
		return "the recorder closed the call"
	case errors.Is(err, tail.ErrStopped):
		return "the recorder stopped before the call closed"
	case errors.Is(err, tail.ErrGone):
		return "the recorder went away before the call closed"
	}
	return fmt.Sprintf("following stopped: %v", err)
}

// LiveState says whether the call is still being recorded.
func (s *LiveSource) LiveState() (bool, string) { return !s.ended, s.reason }

// Close hangs up and closes the call's replay.
// Closing twice is a no-op.
func (s *LiveSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.CallSource.Close(), s.f.Close())
}

// LiveCatalog is the Catalog of one call followed while it is recorded.
type LiveCatalog struct{ src *LiveSource }

// NewLiveCatalog returns a Catalog of the call f follows.
func NewLiveCatalog(f Followed) *LiveCatalog {
	return &LiveCatalog{src: NewLiveSource(f, nil)}
}

// Calls lists the one call, as far as it arrived.
func (c *LiveCatalog) Calls() ([]CallEntry, error) {
	c.src.Grow()
	info := eventlog.CallInfo{Meta: c.src.Meta(), Events: uint64(c.src.Len())}
	return []CallEntry{{Outcome: "being recorded", Info: info}}, nil
}

// Open returns the followed call.
func (c *LiveCatalog) Open(id string) (Source, error) {
	if id != c.src.Meta().ID {
		return nil, fmt.Errorf("only call %s is being followed", c.src.Meta().ID)
	}
	return c.src, nil
}

// Close hangs up.
func (c *LiveCatalog) Close() error { return c.src.Close() }
