package fleet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/merge"
)

// Call is a fleet call: the recordings that the devices of one call
// made, linked as `callreplay merge` links them (eventlog/merge.Group:
// the same conversation, sessions that meet, recorded by different
// recorders).
type Call struct {
	// ID is "<conv token>.<rec>", rec the id of its earliest recording:
	// stable while the call's recordings arrive, and a prefix finds it.
	ID         string
	Conv       string
	Recordings []RecordingMeta // in wall-clock start order
}

// ErrNoCall: no fleet call has that id, or id prefix.
var ErrNoCall = errors.New("fleet: no such call")

// ErrAmbiguous: an id prefix names several fleet calls.
var ErrAmbiguous = errors.New("fleet: ambiguous call id prefix")

// GroupCalls joins recordings into calls, given each one's Link (by
// recording id; a recording without one is joined only by its
// metadata's sessions). The calls come in the order of their start.
func GroupCalls(recs []RecordingMeta, links map[string]merge.Link) []Call {
	ls := make([]merge.Link, len(recs))
	for i := range recs {
		l, ok := links[recs[i].Rec]
		if !ok {
			l = merge.NewLink(recs[i].Meta, "")
		}
		// A recorder records every device it has in one recording: the
		// device set stands for merge's "one log".
		l.Source = strings.Join(recs[i].Devices, ",")
		if l.Conv == "" {
			// No conversation (a simulation, an old log): among a fleet's
			// many unrelated recordings, session ids alone meet by chance.
			l.Own, l.Heard = nil, nil
		}
		l.Start = recs[i].Start
		ls[i] = l
	}
	var calls []Call
	for _, idx := range merge.Group(ls) {
		c := Call{Conv: recs[idx[0]].Conv}
		for _, i := range idx {
			c.Recordings = append(c.Recordings, recs[i])
		}
		c.ID = Token(c.Conv) + "." + c.Recordings[0].Rec
		calls = append(calls, c)
	}
	return calls
}

// Start is the earliest start of the call's recordings.
func (c *Call) Start() time.Time { return c.Recordings[0].Start }

// End is the latest end of its recordings; zero while one is recording.
func (c *Call) End() time.Time {
	var end time.Time
	for i := range c.Recordings {
		r := &c.Recordings[i]
		if !r.Closed {
			return time.Time{}
		}
		if r.End.After(end) {
			end = r.End
		}
	}
	return end
}

// Open reports whether a recording of the call is still being recorded.
func (c *Call) Open() bool {
	return slices.ContainsFunc(c.Recordings, func(r RecordingMeta) bool { return !r.Closed })
}

// Devices lists the call's devices, "USER/CLIENT", each once, in the
// order of its recordings.
func (c *Call) Devices() []string {
	var devs []string
	for _, r := range c.Recordings {
		for _, d := range r.Devices {
			if !slices.Contains(devs, d) {
				devs = append(devs, d)
			}
		}
	}
	return devs
}

// Events is the number of events of its recordings.
func (c *Call) Events() uint64 {
	var n uint64
	for _, r := range c.Recordings {
		n += r.Events
	}
	return n
}

// Builds lists the builds that recorded it, each once.
func (c *Call) Builds() []string {
	var bs []string
	for _, r := range c.Recordings {
		if !slices.Contains(bs, r.Build) {
			bs = append(bs, r.Build)
		}
	}
	return bs
}

// Outcome joins its recordings' outcomes ("; "), as `callreplay ls`
// shows a call's.
func (c *Call) Outcome() string {
	var parts []string
	for _, r := range c.Recordings {
		switch {
		case !r.Closed:
			parts = append(parts, strings.Join(r.Devices, ",")+" recording")
		case r.Outcome != "":
			parts = append(parts, r.Outcome)
		}
	}
	return strings.Join(parts, "; ")
}

// FilterCall is what a call filter decides c by.
func (c *Call) FilterCall() filter.Call {
	fc := filter.Call{Start: c.Start(), Open: c.Open(), Builds: c.Builds()}
	for _, r := range c.Recordings {
		fc.Endpoints = append(fc.Endpoints, r.Meta.Endpoints...)
		fc.States = append(fc.States, r.states()...)
		fc.Reasons = append(fc.Reasons, r.Reasons...)
	}
	return fc
}

// states reads each connection's final state out of the outcome text
// ("A/1#sess Terminating, closed: normal; ..."), as describe.Outcome
// writes it.
func (r *RecordingMeta) states() []string {
	var out []string
	if r.Outcome == "" || r.Outcome == "no connections" {
		return nil
	}
	for _, part := range strings.Split(r.Outcome, "; ") {
		part, _, _ = strings.Cut(part, ", closed: ")
		if i := strings.LastIndexByte(part, ' '); i >= 0 {
			out = append(out, part[i+1:])
		}
	}
	return out
}

// FindCall returns the call with id, or the one call whose id starts with
// it.
func FindCall(calls []Call, id string) (Call, error) {
	var found []int
	for i := range calls {
		if calls[i].ID == id {
			return calls[i], nil
		}
		if strings.HasPrefix(calls[i].ID, id) {
			found = append(found, i)
		}
	}
	switch {
	case id == "" || len(found) == 0:
		return Call{}, fmt.Errorf("%w: %q", ErrNoCall, id)
	case len(found) > 1:
		return Call{}, fmt.Errorf("%w: %q names %d calls (%s, %s, ...)", ErrAmbiguous, id, len(found),
			calls[found[0]].ID, calls[found[1]].ID)
	}
	return calls[found[0]], nil
}
