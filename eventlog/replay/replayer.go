package replay

import (
	"fmt"
	"slices"
	"sync"

	"github.com/callrec/callrec/eventlog"
)

// Replayer replays one call from start to end in constant memory (one
// pending step per connection) and yields a Step per recorded input.
//
// A step's recorded outputs are the output events that follow its input
// event, for the same connection, up to that connection's next input.
// An input recorded for no connection (a received message that did not
// decode, so it could not be routed) is a step of its own, with no
// snapshots and no outputs.
//
// A step is therefore yielded once its connection's next input (or the end
// of the log) is read: steps of one connection come in order, but steps of
// different connections may come in a different order than their inputs
// when the log interleaves them.
type Replayer struct {
	sc      Scanner
	conns   map[ConnID]*connRun
	order   []*connRun       // the connections in creation order
	pending map[ConnID]*Step // the step of each connection still collecting outputs
	ready   []*Step          // complete steps not yet yielded
	cur     *Step            // the step Step returns
	free    []*Step          // steps to reuse
	events  uint64
	steps   uint64
	diverge uint64
	err     error
	eof     bool

	// The recorded snapshots still to check (CheckSnapshots).
	snaps    Snapshots
	snapSeqs []uint64
	checked  uint64
}

// NewReplayer returns a Replayer reading src from its first event.
func NewReplayer(src Source) *Replayer {
	return &Replayer{
		sc:      src.Scan(1),
		conns:   make(map[ConnID]*connRun),
		pending: make(map[ConnID]*Step),
	}
}

// Next advances to the next complete step; false at the end of the call
// or on an error (see Err).
func (r *Replayer) Next() bool {
	if r.cur != nil {
		r.free = append(r.free, r.cur)
		r.cur = nil
	}
	for len(r.ready) == 0 {
		if r.err != nil || r.eof {
			return false
		}
		ev, ok := r.sc.Next()
		if !ok {
			r.finishAll()
			continue
		}
		r.events++
		if err := r.apply(ev); err != nil {
			r.err = err
			return false
		}
		if len(r.snapSeqs) > 0 && ev.Seq == r.snapSeqs[0] {
			if err := r.checkSnapshot(ev.Seq); err != nil {
				r.err = err
				return false
			}
		}
	}
	r.cur = r.ready[0]
	r.ready = r.ready[1:]
	r.steps++
	if r.cur.Divergence != nil {
		r.diverge++
	}
	return true
}

// Step returns the current step. It and its slices are valid until the
// next call to Next; copy what you keep.
func (r *Replayer) Step() *Step { return r.cur }

// Err returns the error that stopped Next: a log that cannot be read or
// that breaks the recording rules (an output with no input before it, an
// input for a connection that was never created).
func (r *Replayer) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.sc.Err()
}

// Events returns the number of events read so far; Steps and Divergences
// the number of steps yielded and how many of them diverged.
func (r *Replayer) Events() uint64 { return r.events }

// Steps returns the number of steps yielded so far.
func (r *Replayer) Steps() uint64 { return r.steps }

// CheckSnapshots makes the Replayer compare its state with every call
// snapshot snaps holds (the recorder's, see package callstate) as it
// passes the event each was taken after. A snapshot it does not reproduce
// is a divergence of the latest step of the connection that differs (when
// the step's outputs agree); one that cannot be read stops Next with an
// error, as damage. Call it before the first Next.
func (r *Replayer) CheckSnapshots(src Source, snaps Snapshots) error {
	seqs, err := snapshotSeqs(src, snaps)
	if err != nil {
		return err
	}
	r.snaps, r.snapSeqs = snaps, seqs
	return nil
}

// SnapshotsChecked returns the number of recorded snapshots compared so far.
func (r *Replayer) SnapshotsChecked() uint64 { return r.checked }

// checkSnapshot compares the recorded snapshot after event seq, which was
// just applied, with the replayed connections.
func (r *Replayer) checkSnapshot(seq uint64) error {
	r.snapSeqs = r.snapSeqs[1:]
	at, data, ok, err := r.snaps.Snapshot(seq)
	if err != nil {
		return err
	}
	if !ok || at != seq {
		return fmt.Errorf("replay: the snapshot after event %d is gone", seq)
	}
	recorded, err := decodeSnapshot(seq, data)
	if err != nil {
		return err
	}
	r.checked++
	id, why := snapshotDiff(recorded, r.order)
	if why == "" {
		return nil
	}
	st := r.pending[id]
	if st == nil {
		st = r.latestPending()
	}
	if st == nil {
		return fmt.Errorf("replay: the snapshot after event %d differs from the replay, with no step to blame: %s", seq, why)
	}
	if st.snapDiff == "" {
		st.snapDiff = fmt.Sprintf("the recorded snapshot after event %d differs from the replay: %s", seq, why)
		st.snapSeq = seq
	}
	return nil
}

// latestPending returns the pending step with the latest input.
func (r *Replayer) latestPending() *Step {
	var last *Step
	for _, st := range r.pending {
		if last == nil || st.Input.Seq > last.Input.Seq {
			last = st
		}
	}
	return last
}

// Divergences returns the number of yielded steps that diverged.
func (r *Replayer) Divergences() uint64 { return r.diverge }

func (r *Replayer) apply(ev eventlog.Event) error {
	id := ConnOf(ev)
	switch ev.Kind {
	case eventlog.KindNote:
		// A PROPSYNC the call layer received: the remote props from then
		// on, as the Index and the recorder's snapshots keep them.
		if id, ok := propsyncConn(ev); ok && r.conns[id] != nil {
			r.conns[id].remoteProps = eventlog.PropsOfNote(ev.Note)
		}
		return nil
	case eventlog.KindOutput:
		st := r.pending[id]
		if st == nil {
			return fmt.Errorf("replay: event %d: output %s for %s with no input before it", ev.Seq, ev.Type, id)
		}
		st.Recorded = append(st.Recorded, ev)
		return nil
	case eventlog.KindInput:
		return r.input(id, ev)
	}
	return fmt.Errorf("replay: event %d: unknown kind %v", ev.Seq, ev.Kind)
}

func (r *Replayer) input(id ConnID, ev eventlog.Event) error {
	if id.Sess == "" {
		st := r.newStep()
		connless(ev, st)
		r.ready = append(r.ready, st)
		return nil
	}
	if st := r.pending[id]; st != nil {
		r.complete(id, st)
	}
	st := r.newStep()
	c := r.conns[id]
	switch {
	case c == nil && ev.Type == eventlog.TypeNew:
		var err error
		if c, err = newConnRun(ev, st); err != nil {
			return err
		}
		r.conns[id] = c
		r.order = append(r.order, c)
	case c == nil:
		return fmt.Errorf("replay: event %d: input %s for %s, which no New created", ev.Seq, ev.Type, id)
	default:
		c.step(ev, st)
	}
	r.pending[id] = st
	return nil
}

func (r *Replayer) complete(id ConnID, st *Step) {
	delete(r.pending, id)
	st.finish()
	r.ready = append(r.ready, st)
}

// finishAll completes the steps still pending at the end, in input order.
func (r *Replayer) finishAll() {
	r.eof = true
	rest := make([]*Step, 0, len(r.pending))
	for _, st := range r.pending {
		rest = append(rest, st)
	}
	slices.SortFunc(rest, func(a, b *Step) int {
		return cmpUint(a.Input.Seq, b.Input.Seq)
	})
	for _, st := range rest {
		r.complete(st.Conn, st)
	}
}

func (r *Replayer) newStep() *Step {
	if n := len(r.free); n > 0 {
		st := r.free[n-1]
		r.free = r.free[:n-1]
		return st
	}
	return stepPool.Get().(*Step)
}

// stepPool keeps the steps of finished Replayers (release): verify
// replays thousands of short calls, a Replayer each, and allocating
// their steps and the steps' slices afresh was a sixth of what it
// allocated.
var stepPool = sync.Pool{New: func() any { return new(Step) }}

// release gives the Replayer's reusable steps to the next Replayer; the
// Replayer must not be used after.
func (r *Replayer) release() {
	if r.cur != nil {
		r.free = append(r.free, r.cur)
		r.cur = nil
	}
	for _, st := range r.free {
		// What the step held is let go; its slices' room is kept.
		clear(st.Recorded[:cap(st.Recorded)])
		clear(st.Replayed[:cap(st.Replayed)])
		*st = Step{Recorded: st.Recorded[:0], Replayed: st.Replayed[:0]}
		stepPool.Put(st)
	}
	r.free = nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
