package ecall

import (
	"sync"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/callstate"
)

// DefaultSnapshotEvery is how many events apart a LogRecorder writes call
// snapshots unless told otherwise: a reader starting from the nearest one
// replays at most this many events (see BENCHMARKS.md, cold random access).
const DefaultSnapshotEvery = 4096

// LogRecorder records a client's events into one call of an event log and
// lists every ECONN in the call's metadata as it is created (the NewConn
// input), so that a log's reader knows each connection's endpoints and
// Config without scanning its events. Several clients of one conversation
// may share a LogRecorder (use it by pointer): its methods are safe for
// concurrent use.
//
// Every SnapshotEvery events it also writes a snapshot of the call's state
// (package callstate) into the log: the ECONN state of every connection,
// taken from the live connections, so that replay can start from it and
// verify can check that replaying the events reproduces it. A snapshot is
// taken only at a moment when every connection has stepped every input
// recorded for it and its outputs are recorded (the clients say so through
// Settled), so it is the state after the last recorded event.
type LogRecorder struct {
	W *eventlog.CallWriter
	// SnapshotEvery is the distance, in events, between snapshots:
	// DefaultSnapshotEvery when zero, none when negative. Set it before
	// the first Append.
	SnapshotEvery int

	mu    sync.Mutex
	conns []*trackedConn // in creation order
	byKey map[connKey]*trackedConn
	busy  int    // connections with a recorded input not yet settled
	last  uint64 // Seq of the last event appended
	since int    // events appended since the last snapshot
	buf   []byte
}

type connKey struct {
	ep   eventlog.Endpoint
	sess string
}

// trackedConn is what a snapshot needs of one connection beside its ECONN:
// what replay keeps beside it, worked out from the recorded events the
// same way (see callstate.Conn).
type trackedConn struct {
	key       connKey
	remote    eventlog.Endpoint
	conn      *econn.Conn // nil until the creating client settles it
	busy      bool
	lastInput uint64
	lastAt    time.Duration // At of the latest input: timers count from it
	deadline  time.Duration
	local     econn.Props
	remoteP   econn.Props
}

// StateRecorder is a Recorder that keeps the live connections' state, to
// snapshot it. A Client tells it, after each step, that the connection has
// stepped the input it last recorded and that the step's outputs are
// recorded.
type StateRecorder interface {
	Recorder
	Settled(ep eventlog.Endpoint, sess string, conn *econn.Conn)
}

// Append records ev; a NewConn input also goes into the metadata, before
// the event itself, so that a call's Conns lists every connection its
// events name. When a snapshot is due and every connection is settled,
// the snapshot of the state after the previous event is written first.
func (r *LogRecorder) Append(ev eventlog.Event) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if nc, ok := ev.Input.(eventlog.NewConn); ok {
		err := r.W.UpdateMeta(func(m *eventlog.CallMeta) {
			m.Conns = append(m.Conns, eventlog.ConnMeta{Endpoint: ev.Endpoint, Remote: nc.Remote, Config: nc.Config})
		})
		if err != nil {
			return 0, err
		}
	}
	if err := r.maybeSnapshot(); err != nil {
		return 0, err
	}
	seq, err := r.W.Append(ev)
	if err != nil {
		return 0, err
	}
	r.last = seq
	r.since++
	r.track(ev, seq)
	return seq, nil
}

// Settled tells the recorder that conn, the connection sess of ep, has
// stepped every input recorded for it, and its outputs are recorded.
func (r *LogRecorder) Settled(ep eventlog.Endpoint, sess string, conn *econn.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tc := r.byKey[connKey{ep, sess}]
	if tc == nil {
		return
	}
	tc.conn = conn
	if tc.busy {
		tc.busy = false
		r.busy--
	}
}

func (r *LogRecorder) every() int {
	if r.SnapshotEvery == 0 {
		return DefaultSnapshotEvery
	}
	return r.SnapshotEvery
}

// track updates what the snapshot keeps of ev's connection.
func (r *LogRecorder) track(ev eventlog.Event, seq uint64) {
	if ev.Conn == "" {
		return
	}
	key := connKey{ev.Endpoint, ev.Conn}
	tc := r.byKey[key]
	if nc, ok := ev.Input.(eventlog.NewConn); ok && tc == nil && ev.Kind == eventlog.KindInput {
		if r.byKey == nil {
			r.byKey = make(map[connKey]*trackedConn)
		}
		tc = &trackedConn{key: key, remote: nc.Remote}
		r.byKey[key] = tc
		r.conns = append(r.conns, tc)
	}
	if tc == nil {
		return
	}
	switch ev.Kind {
	case eventlog.KindInput:
		tc.lastInput, tc.lastAt = seq, ev.At
		if si, ok := ev.Input.(eventlog.StepInput); ok {
			if p, _ := econn.CommandProps(si.In); p != nil {
				tc.local = p
			}
		}
		if stepped(ev) && !tc.busy {
			tc.busy = true
			r.busy++
		}
	case eventlog.KindOutput:
		if st, ok := ev.Output.(econn.SetTimer); ok {
			tc.deadline = tc.lastAt + st.After
		}
		if p, _ := econn.RemoteProps(ev.Output); p != nil {
			tc.remoteP = p
		}
	case eventlog.KindNote:
		if ev.Type == eventlog.NotePropsync {
			tc.remoteP = eventlog.PropsOfNote(ev.Note)
		}
	}
}

// stepped reports whether the client steps the input ev records (and so
// settles its connection): all but a message that did not decode.
func stepped(ev eventlog.Event) bool {
	if in, ok := ev.Input.(eventlog.RecvInput); ok {
		return in.DecodeErr == ""
	}
	return true
}

// maybeSnapshot writes the snapshot after event r.last when one is due and
// every connection is settled. A state too large for a snapshot skips it;
// only a writer that fails is an error (it fails the Append too).
func (r *LogRecorder) maybeSnapshot() error {
	if r.every() <= 0 || r.since < r.every() || r.busy > 0 || r.last == 0 {
		return nil
	}
	r.since = 0
	data, ok := r.snapshot()
	if !ok {
		return nil
	}
	return r.W.PutSnapshot(r.last, data)
}

func (r *LogRecorder) snapshot() ([]byte, bool) {
	call := callstate.Call{Conns: make([]callstate.Conn, len(r.conns))}
	state := r.buf[:0]
	for i, tc := range r.conns {
		if tc.conn == nil {
			return nil, false
		}
		start := len(state)
		var err error
		if state, err = tc.conn.AppendState(state); err != nil {
			return nil, false
		}
		cs := callstate.Conn{
			Endpoint: tc.key.ep, Sess: tc.key.sess, Remote: tc.remote,
			State: state[start:len(state):len(state)], LastInput: tc.lastInput,
			LocalProps: tc.local, RemoteProps: tc.remoteP,
		}
		if tc.conn.Snapshot().Timer.Armed {
			cs.Deadline = tc.deadline
		}
		call.Conns[i] = cs
	}
	r.buf = state
	data := call.Append(nil)
	if len(data) > eventlog.MaxSnapshotSize {
		return nil, false
	}
	return data, true
}
