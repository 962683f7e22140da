package replay

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// DefaultCheckpointEvery is how many events apart Index takes checkpoints
// unless told otherwise. Answering a question replays at most this many
// events after the nearest checkpoint.
const DefaultCheckpointEvery = 2048

// IndexOptions tune an Index.
type IndexOptions struct {
	// CheckpointEvery is the distance, in events, between checkpoints;
	// DefaultCheckpointEvery when zero.
	CheckpointEvery uint64
	// MaxLookahead bounds how many events after a step's input StepAt
	// reads to collect the step's recorded outputs; 4*CheckpointEvery when
	// zero.
	MaxLookahead uint64
}

// Index answers random-access questions about one call: the state of every
// connection at any event, the step an event belongs to. It replays the
// call forward once, as far as the questions asked so far reach, and keeps
// a checkpoint of every connection every CheckpointEvery events; a question
// replays from the nearest checkpoint. Memory grows with the number of
// checkpoints times the number of connections that changed between them,
// not with the events.
//
// An Index is safe for concurrent use; its methods serialize.
type Index struct {
	mu        sync.Mutex
	src       Source
	every     uint64
	lookahead uint64

	cps   []checkpoint   // by seq, the first at seq 1
	byID  map[ConnID]int // connection -> creation index
	ids   []ConnID       // creation index -> connection, as far as known
	front frontier       // the forward replay that takes the checkpoints
	snaps Snapshots      // the recorder's call snapshots; nil: none
}

// checkpoint is the state of every connection before event seq. A
// checkpoint restored from a recorded snapshot lies ahead of the forward
// replay; its connections are partial (see connRun).
type checkpoint struct {
	seq   uint64
	conns []*connRun // in creation order; read-only, shared between checkpoints while unchanged
}

type frontier struct {
	sc   Scanner // nil when a new scan must start at next
	next uint64  // the next event to apply
	work work    // not owned: shared with the last checkpoint
	st   Step    // scratch
}

// NewIndex returns an Index over src. It reads nothing until asked.
func NewIndex(src Source, opts *IndexOptions) *Index {
	ix := &Index{src: src, every: DefaultCheckpointEvery, byID: make(map[ConnID]int)}
	if opts != nil && opts.CheckpointEvery > 0 {
		ix.every = opts.CheckpointEvery
	}
	ix.lookahead = 4 * ix.every
	if opts != nil && opts.MaxLookahead > 0 {
		ix.lookahead = opts.MaxLookahead
	}
	ix.front.next = 1
	ix.cps = []checkpoint{{seq: 1}}
	ix.snaps, _ = src.(Snapshots)
	return ix
}

// Source returns the call the index reads.
func (ix *Index) Source() Source { return ix.src }

// ConnState is one connection at one event.
type ConnState struct {
	ID     ConnID
	Remote eventlog.Endpoint // as recorded by NewConn, else as the connection learned it

	// Before and After are the connection's data around the step the
	// event belongs to when the event is about this connection; for the
	// other connections both are the data after the event.
	Before, After econn.Snapshot
	Created       bool   // the event's step created the connection: Before is zero
	LastInput     uint64 // seq of the input of the connection's latest step

	// Deadline is the call time at which the armed timer (After.Timer)
	// fires; meaningful only when After.Timer.Armed.
	Deadline    time.Duration
	LocalProps  econn.Props // the props the local side last sent
	RemoteProps econn.Props // the props last received from the remote side
	// LocalPropsBefore and RemotePropsBefore are the props as they were
	// before the step, paired with LocalProps and RemoteProps as Before
	// is with After: for the other connections they are the props now.
	LocalPropsBefore, RemotePropsBefore econn.Props
}

// Changed reports whether the event's step changed the connection.
func (c ConnState) Changed() bool { return c.Created || !c.Before.Equal(c.After) }

// PropsChanged reports whether the props differ from those before the
// event's step: a command that sent props, or a message (SETUP, UPDATE)
// that brought the peer's. A received PROPSYNC is a note, not a step, so
// it is never marked here (Before equals After at a note).
func (c ConnState) PropsChanged() bool {
	return !maps.Equal(c.LocalPropsBefore, c.LocalProps) || !maps.Equal(c.RemotePropsBefore, c.RemoteProps)
}

// State is every connection of a call at one event.
type State struct {
	Event eventlog.Event // the event at the requested seq
	Conns []ConnState    // every connection created so far, in creation order
}

// At returns the state of every connection after the event seq: every
// input with a sequence number up to seq has been stepped.
func (ix *Index) At(seq uint64) (*State, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	w, ev, err := ix.replayTo(seq)
	if err != nil {
		return nil, err
	}
	own := ConnOf(ev)
	if idx, ok := ix.byID[own]; ok && idx < len(w) && w[idx].partial && ev.Kind != eventlog.KindNote {
		// The event's step lies before the checkpoint replay started
		// from, which does not know the connection before it: start
		// from a checkpoint before the step's input instead.
		if w, ev, err = ix.replayFrom(w[idx].lastInput, seq); err != nil {
			return nil, err
		}
	}
	st := &State{Event: ev, Conns: make([]ConnState, len(w))}
	for i, c := range w {
		cs := ConnState{ID: c.id, Remote: c.remote, After: c.snapshot(), LastInput: c.lastInput,
			LocalProps: c.localProps, RemoteProps: c.remoteProps}
		if cs.Remote == (eventlog.Endpoint{}) && cs.After.UserRemote != "" {
			cs.Remote = eventlog.Endpoint{User: cs.After.UserRemote, Client: cs.After.ClientRemote}
		}
		cs.Before, cs.LocalPropsBefore, cs.RemotePropsBefore = cs.After, cs.LocalProps, cs.RemoteProps
		if ev.Kind != eventlog.KindNote && c.id == own {
			cs.Before, cs.Created = c.before, c.created
			cs.LocalPropsBefore, cs.RemotePropsBefore = c.localBefore, c.remoteBefore
		}
		if cs.After.Timer.Armed {
			cs.Deadline = c.deadline
		}
		st.Conns[i] = cs
	}
	return st, nil
}

// StepAt returns the step the event seq belongs to — the event itself when
// it is an input, the input before it of the same connection when it is
// an output — replayed with its recorded outputs. A note belongs to no
// step: StepAt returns nil and no error.
func (ix *Index) StepAt(seq uint64) (*Step, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	w, ev, err := ix.replayTo(seq)
	if err != nil {
		return nil, err
	}
	input := seq
	switch ev.Kind {
	case eventlog.KindNote:
		return nil, nil
	case eventlog.KindOutput:
		idx, ok := ix.byID[ConnOf(ev)]
		if !ok || idx >= len(w) {
			return nil, fmt.Errorf("replay: event %d: output for %s with no input before it", seq, ConnOf(ev))
		}
		input = w[idx].lastInput
	}
	return ix.replayStep(input)
}

// Events returns the events with Seq in [from, from+n), fewer at the end.
func (ix *Index) Events(from uint64, n int) ([]eventlog.Event, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if n <= 0 {
		return nil, nil
	}
	if from == 0 {
		from = 1
	}
	sc := ix.src.Scan(from)
	evs := make([]eventlog.Event, 0, min(n, 4096))
	for len(evs) < n {
		ev, ok := sc.Next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	return evs, sc.Err()
}

// replayStep replays the input event seq from the nearest checkpoint and
// collects its recorded outputs.
func (ix *Index) replayStep(seq uint64) (*Step, error) {
	w, _, err := ix.replayRange(seq - 1)
	if err != nil {
		return nil, err
	}
	sc := ix.src.Scan(seq)
	ev, ok := sc.Next()
	if !ok {
		return nil, ix.readErr(sc, seq)
	}
	st := &Step{}
	if ev.Conn == "" {
		connless(ev, st)
		return st, nil
	}
	if err := ix.apply(&w, ev, st); err != nil {
		return nil, err
	}
	id := ConnOf(ev)
	for n := uint64(0); n < ix.lookahead; n++ {
		o, ok := sc.Next()
		if !ok {
			break
		}
		if ConnOf(o) != id || o.Kind == eventlog.KindNote {
			continue
		}
		if o.Kind == eventlog.KindInput {
			break
		}
		st.Recorded = append(st.Recorded, o)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	st.finish()
	return st, nil
}

// replayTo returns every connection after event seq, and that event.
func (ix *Index) replayTo(seq uint64) ([]*connRun, eventlog.Event, error) {
	if seq == 0 {
		return nil, eventlog.Event{}, fmt.Errorf("replay: no event 0: sequence numbers start at 1")
	}
	w, ev, err := ix.replayRange(seq)
	return w.conns, ev, err
}

// work is a set of connections being replayed. Connections not owned are
// shared with a checkpoint and are cloned before they are stepped.
type work struct {
	conns []*connRun
	owned []bool
}

// replayRange replays events 1..seq from the nearest checkpoint (seq may
// be 0: nothing) and returns the connections and the event seq.
func (ix *Index) replayRange(seq uint64) (work, eventlog.Event, error) {
	if seq == 0 {
		return work{}, eventlog.Event{}, nil
	}
	if err := ix.reach(seq); err != nil {
		return work{}, eventlog.Event{}, err
	}
	return ix.replayCheckpoint(ix.checkpointFor(seq), seq)
}

// replayFrom is replayTo(seq) from a checkpoint at or before event from.
func (ix *Index) replayFrom(from, seq uint64) ([]*connRun, eventlog.Event, error) {
	if _, err := ix.restore(from); err != nil {
		return nil, eventlog.Event{}, err
	}
	w, ev, err := ix.replayCheckpoint(ix.checkpointFor(from), seq)
	return w.conns, ev, err
}

// reach makes sure event seq exists and a checkpoint near it does: the
// recorder's snapshot at or before it when one lies ahead of the forward
// replay by more than a checkpoint distance, else the forward replay
// extended to it.
func (ix *Index) reach(seq uint64) error {
	if seq < ix.front.next {
		return nil
	}
	if ix.snaps != nil && seq <= ix.src.Count() && seq-ix.front.next >= ix.every {
		cp, err := ix.restore(seq)
		if err != nil {
			return err
		}
		if cp > ix.front.next {
			return nil
		}
	}
	if err := ix.extendTo(seq); err != nil {
		return err
	}
	if seq >= ix.front.next {
		return fmt.Errorf("replay: no event %d: the call has %d events", seq, ix.front.next-1)
	}
	return nil
}

// restore makes a checkpoint of the recorder's latest snapshot before
// event seq, when there is one and it is nearer than the checkpoints
// already taken, and returns the seq of the nearest checkpoint.
func (ix *Index) restore(seq uint64) (uint64, error) {
	best := ix.checkpointFor(seq).seq
	if ix.snaps == nil || seq <= 1 {
		return best, nil
	}
	at, data, ok, err := ix.snaps.Snapshot(seq - 1)
	if err != nil || !ok || at+1 <= best {
		return best, err
	}
	conns, err := decodeSnapshot(at, data)
	if err != nil {
		return best, err
	}
	if err := ix.learnOrder(at, conns); err != nil {
		return best, err
	}
	ix.addCheckpoint(checkpoint{seq: at + 1, conns: conns})
	return at + 1, nil
}

// learnOrder checks a snapshot's connections against the creation order
// known so far and extends it.
func (ix *Index) learnOrder(at uint64, conns []*connRun) error {
	for i, c := range conns {
		if i < len(ix.ids) && ix.ids[i] != c.id {
			return fmt.Errorf("replay: snapshot after event %d lists %s where the call created %s", at, c.id, ix.ids[i])
		}
		if j, ok := ix.byID[c.id]; ok && j != i {
			return fmt.Errorf("replay: snapshot after event %d lists %s at place %d, the call created it at %d", at, c.id, i+1, j+1)
		}
	}
	for i := len(ix.ids); i < len(conns); i++ {
		ix.ids = append(ix.ids, conns[i].id)
		ix.byID[conns[i].id] = i
	}
	return nil
}

// addCheckpoint inserts cp in seq order; it replaces a checkpoint of the
// same seq (the forward replay's, being complete, replaces a restored one).
func (ix *Index) addCheckpoint(cp checkpoint) {
	i, found := slices.BinarySearchFunc(ix.cps, cp.seq, func(c checkpoint, s uint64) int { return cmpUint(c.seq, s) })
	if found {
		ix.cps[i] = cp
		return
	}
	ix.cps = slices.Insert(ix.cps, i, cp)
}

// replayCheckpoint replays from cp to event seq and returns the
// connections and the event seq.
func (ix *Index) replayCheckpoint(cp checkpoint, seq uint64) (work, eventlog.Event, error) {
	w := work{conns: append([]*connRun(nil), cp.conns...), owned: make([]bool, len(cp.conns))}
	sc := ix.src.Scan(cp.seq)
	var ev eventlog.Event
	var st Step
	for s := cp.seq; s <= seq; s++ {
		var ok bool
		if ev, ok = sc.Next(); !ok {
			return work{}, eventlog.Event{}, ix.readErr(sc, s)
		}
		if err := ix.apply(&w, ev, &st); err != nil {
			return work{}, eventlog.Event{}, err
		}
	}
	return w, ev, nil
}

// checkpointFor returns the last checkpoint at or before seq.
func (ix *Index) checkpointFor(seq uint64) checkpoint {
	i, _ := slices.BinarySearchFunc(ix.cps, seq, func(c checkpoint, s uint64) int { return cmpUint(c.seq, s) })
	if i < len(ix.cps) && ix.cps[i].seq == seq {
		return ix.cps[i]
	}
	return ix.cps[i-1] // the first checkpoint is at 1 <= seq
}

// extendTo runs the forward replay until it has applied event seq or hit
// the end of the log, taking checkpoints on the way.
func (ix *Index) extendTo(seq uint64) error {
	f := &ix.front
	for f.next <= seq {
		if f.sc == nil {
			f.sc = ix.src.Scan(f.next)
		}
		ev, ok := f.sc.Next()
		if !ok {
			err := f.sc.Err()
			f.sc = nil // the log may grow: scan again next time
			return err
		}
		if ev.Seq != f.next {
			return fmt.Errorf("replay: the log skips from event %d to %d", f.next-1, ev.Seq)
		}
		if (ev.Seq-1)%ix.every == 0 {
			ix.checkpoint(ev.Seq)
		}
		if err := ix.apply(&f.work, ev, &f.st); err != nil {
			return err
		}
		f.next++
	}
	return nil
}

// checkpoint records the frontier's connections as the state before seq;
// from now on the frontier clones a connection before stepping it.
func (ix *Index) checkpoint(seq uint64) {
	f := &ix.front
	ix.addCheckpoint(checkpoint{seq: seq, conns: append([]*connRun(nil), f.work.conns...)})
	clear(f.work.owned)
}

// apply steps one event into w.
// applyPropsync keeps the remote props of a PROPSYNC the call layer
// received: it is a note, not an ECONN input, but it is what the remote
// side's props are from then on.
func (ix *Index) applyPropsync(w *work, ev eventlog.Event) {
	idx, ok := ix.byID[ConnOf(ev)]
	if !ok || idx >= len(w.conns) {
		return
	}
	if !w.owned[idx] {
		w.conns[idx], w.owned[idx] = w.conns[idx].clone(), true
	}
	w.conns[idx].remoteProps = eventlog.PropsOfNote(ev.Note)
}

func (ix *Index) apply(w *work, ev eventlog.Event, st *Step) error {
	if ev.Kind == eventlog.KindNote && ev.Type == eventlog.NotePropsync {
		ix.applyPropsync(w, ev)
		return nil
	}
	if ev.Kind != eventlog.KindInput || ev.Conn == "" {
		return nil // only inputs of connections change state
	}
	id := ConnOf(ev)
	idx, known := ix.byID[id]
	if !known {
		if ev.Type != eventlog.TypeNew {
			return fmt.Errorf("replay: event %d: input %s for %s, which no New created", ev.Seq, ev.Type, id)
		}
		idx = len(w.conns)
		if idx < len(ix.ids) {
			return fmt.Errorf("replay: event %d: %s created where a snapshot lists %s", ev.Seq, id, ix.ids[idx])
		}
		ix.byID[id] = idx
		ix.ids = append(ix.ids, id)
	}
	switch {
	case idx == len(w.conns):
		c, err := newConnRun(ev, st)
		if err != nil {
			return err
		}
		w.conns, w.owned = append(w.conns, c), append(w.owned, true)
	case idx < len(w.conns):
		if !w.owned[idx] {
			w.conns[idx], w.owned[idx] = w.conns[idx].clone(), true
		}
		w.conns[idx].step(ev, st)
	default:
		return fmt.Errorf("replay: event %d: connection %s out of creation order", ev.Seq, id)
	}
	return nil
}

func (ix *Index) readErr(sc Scanner, seq uint64) error {
	if err := sc.Err(); err != nil {
		return err
	}
	return fmt.Errorf("replay: no event %d: the log ends before it", seq)
}
