package replay

import (
	"errors"
	"fmt"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Errors of Report.Check.
var (
	// ErrDiverged: a step of the call replays differently from its record.
	ErrDiverged = errors.New("replay diverges from the record")
	// ErrNoSteps: the call holds no input to replay, so it proves nothing.
	ErrNoSteps = errors.New("no steps to replay")
)

// Report is what verifying one call found.
type Report struct {
	CallID string
	// FormatVersion is the log format version the call was read in.
	FormatVersion int
	Events        uint64 // events read
	Steps         uint64 // steps replayed
	Divergences   uint64 // steps that replay differently from their record
	// Snapshots is the number of recorded call snapshots compared with
	// the replay (none in logs recorded before snapshots existed).
	Snapshots uint64
	// First is the first diverging step, in replay order; nil when every
	// step replays exactly.
	First *Divergent
}

// Divergent is a diverging step, kept: its slices are copies.
type Divergent struct {
	Number uint64 // the step's place in replay order, from 1
	Step
}

// OK reports whether every step replayed exactly.
func (r *Report) OK() bool { return r.First == nil }

// Check returns nil when the call replays exactly and has at least one
// step; else an error wrapping ErrDiverged or ErrNoSteps that names the
// call and, for a divergence, the step, the event, the connection and why.
func (r *Report) Check() error {
	switch {
	case r.First != nil:
		st := r.First
		return fmt.Errorf("call %s: %w at step %d (event %d, %s): %s",
			r.CallID, ErrDiverged, st.Number, st.Input.Seq, st.Conn, st.Divergence.Reason)
	case r.Steps == 0:
		return fmt.Errorf("call %s: %w", r.CallID, ErrNoSteps)
	}
	return nil
}

// Verify replays the call src through the current econn code and compares
// every step's outputs with the recorded ones, and the replayed state with
// every call snapshot the recorder wrote (when src holds Snapshots): a
// snapshot the replay does not reproduce is a divergence, named by the
// step it is blamed on and the event it was taken after. The error says that the log
// could not be read or breaks the recording rules; a divergence is no
// error but the Report's First (see Report.Check). On an error the Report
// holds what was verified up to it.
func Verify(src Source) (Report, error) {
	meta := src.Meta()
	rep := Report{CallID: meta.ID, FormatVersion: meta.FormatVersion}
	rp := NewReplayer(src)
	defer rp.release()
	if snaps, ok := src.(Snapshots); ok {
		if err := rp.CheckSnapshots(src, snaps); err != nil {
			return rep, fmt.Errorf("call %s: %w", meta.ID, err)
		}
	}
	for rp.Next() {
		if st := rp.Step(); st.Divergence != nil && rep.First == nil {
			rep.First = &Divergent{Number: rp.Steps(), Step: copyStep(st)}
		}
	}
	rep.Events, rep.Steps, rep.Divergences = rp.Events(), rp.Steps(), rp.Divergences()
	rep.Snapshots = rp.SnapshotsChecked()
	if err := rp.Err(); err != nil {
		return rep, fmt.Errorf("call %s: %w", meta.ID, err)
	}
	return rep, nil
}

// copyStep copies st out of the Replayer's reused buffers.
func copyStep(st *Step) Step {
	c := *st
	c.Recorded = append([]eventlog.Event(nil), st.Recorded...)
	c.Replayed = append([]econn.Output(nil), st.Replayed...)
	d := *st.Divergence
	c.Divergence = &d
	return c
}
