package replay

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// ConnID names one ECONN in a call: the endpoint that owns it and its local
// session id. Session ids are unique per endpoint, not per call.
type ConnID struct {
	Endpoint eventlog.Endpoint
	Sess     string
}

// String renders the id as "user/client#sess".
func (c ConnID) String() string { return c.Endpoint.String() + "#" + c.Sess }

// ConnOf returns the connection an event is about.
func ConnOf(ev eventlog.Event) ConnID { return ConnID{Endpoint: ev.Endpoint, Sess: ev.Conn} }

// Step is one input stepped into one connection, as recorded and as the
// current code replays it.
type Step struct {
	Conn  ConnID
	Input eventlog.Event // the recorded input event (Kind input)

	// Stepped is the input as given to the connection: a received message
	// decoded again from its raw bytes. Nil when nothing was stepped: the
	// NewConn input, or a message that does not decode.
	Stepped econn.Input
	// DecodeErr is the stable name of the decoder's error for a received
	// message that does not decode with the current code; "" otherwise.
	DecodeErr string

	Recorded []eventlog.Event // the recorded output events, in order
	Replayed []econn.Output   // what the current code returned, in order

	// Err is the error econn.New or Step returned (a refused local
	// command); the connection did not change.
	Err error

	Before, After econn.Snapshot // the connection's data around the step
	Created       bool           // the step is the NewConn that created the connection: Before is zero

	// Divergence is the first difference between recorded and replayed;
	// nil when the step replays exactly.
	Divergence *Divergence

	// snapDiff says how the recorded snapshot taken while this step was
	// the connection's latest differs from the replay; it becomes the
	// Divergence when the outputs agree.
	snapDiff string
	snapSeq  uint64
}

// Divergence says where and how a replayed step differs from its record.
type Divergence struct {
	// Index is the position in Recorded and Replayed of the first
	// differing output, or -1 when the input itself replays differently
	// (it decodes differently, or econn.New fails).
	Index  int
	Reason string // one line a person reads
	// Snapshot is, for a recorded snapshot the replay does not reproduce,
	// the Seq of the event it was taken after (Index is then -1); 0 for a
	// difference in the step itself.
	Snapshot uint64
}

// connRun is one connection being replayed, with what a viewer shows
// beside its snapshot.
type connRun struct {
	id          ConnID
	remote      eventlog.Endpoint // as NewConn recorded it; may be zero
	conn        *econn.Conn       // nil when econn.New failed
	lastInput   uint64            // seq of the input of its latest step
	before      econn.Snapshot    // the data before its latest step
	snap        econn.Snapshot    // the data now, after its latest step
	created     bool              // its latest step is the New that created it
	deadline    time.Duration     // when the armed timer fires, in call time
	localProps  econn.Props
	remoteProps econn.Props
	// The props before its latest step, as before is its data: what a
	// viewer compares with to show what the step changed.
	localBefore, remoteBefore econn.Props
	// partial: restored from a snapshot and not stepped since, so before,
	// created, localBefore and remoteBefore are not known.
	partial bool
}

// newConnRun creates the connection from a NewConn event and fills st.
func newConnRun(ev eventlog.Event, st *Step) (*connRun, error) {
	nc, ok := ev.Input.(eventlog.NewConn)
	if !ok {
		return nil, fmt.Errorf("replay: event %d: input New holds %T, not eventlog.NewConn", ev.Seq, ev.Input)
	}
	c := &connRun{id: ConnOf(ev), remote: nc.Remote, lastInput: ev.Seq, created: true}
	st.reset(ev)
	st.Created = true
	conn, outs, err := econn.New(nc.Config)
	if err != nil {
		st.Err = err
		st.Divergence = &Divergence{Index: -1, Reason: "econn.New refuses the recorded config: " + err.Error()}
		return c, nil
	}
	c.conn = conn
	st.Replayed = append(st.Replayed, outs...)
	st.After = conn.Snapshot()
	c.snap = st.After
	c.noteOutputs(ev.At, st.Replayed)
	return c, nil
}

// step replays one recorded input (not New) and fills st, except Recorded
// and Divergence, which need the output events that follow.
func (c *connRun) step(ev eventlog.Event, st *Step) {
	st.reset(ev)
	c.lastInput, c.created, c.partial = ev.Seq, false, false
	c.localBefore, c.remoteBefore = c.localProps, c.remoteProps
	if c.conn == nil {
		st.Err = fmt.Errorf("replay: connection %s was never created", c.id)
		st.Divergence = &Divergence{Index: -1, Reason: st.Err.Error()}
		return
	}
	st.Before, st.After = c.snap, c.snap
	c.before = st.Before
	in, ok := c.input(ev, st)
	if !ok {
		return
	}
	st.Stepped = in
	outs, err := c.conn.Step(in)
	st.Err = err
	st.Replayed = append(st.Replayed, outs...)
	st.After = c.conn.Snapshot()
	c.snap = st.After
	c.noteInput(in)
	c.noteOutputs(ev.At, st.Replayed)
}

// input returns what to step for ev: received messages go through the
// current decoder. It reports false, with the reason in st, when there is
// nothing to step.
func (c *connRun) input(ev eventlog.Event, st *Step) (econn.Input, bool) {
	switch in := ev.Input.(type) {
	case eventlog.RecvInput:
		recv, err := in.Decode()
		st.DecodeErr = econn.ErrorName(err)
		if st.DecodeErr != in.DecodeErr {
			st.Divergence = &Divergence{Index: -1, Reason: decodeChange(in.DecodeErr, st.DecodeErr)}
		}
		if err != nil {
			return nil, false
		}
		return recv, true
	case eventlog.NewConn:
		st.Err = fmt.Errorf("replay: connection %s created twice (event %d)", c.id, ev.Seq)
		st.Divergence = &Divergence{Index: -1, Reason: st.Err.Error()}
		return nil, false
	case nil:
		st.Err = fmt.Errorf("replay: event %d: input %s holds no value", ev.Seq, ev.Type)
		st.Divergence = &Divergence{Index: -1, Reason: st.Err.Error()}
		return nil, false
	case eventlog.StepInput:
		return in.In, true
	}
	st.Err = fmt.Errorf("replay: event %d: input %s of unknown kind %T", ev.Seq, ev.Type, ev.Input)
	st.Divergence = &Divergence{Index: -1, Reason: st.Err.Error()}
	return nil, false
}

// connless fills st for an input recorded for no connection: a received
// message that did not decode, so the recorder could not route it. Replay
// only checks that it still fails to decode, with the same error.
func connless(ev eventlog.Event, st *Step) {
	st.reset(ev)
	in, ok := ev.Input.(eventlog.RecvInput)
	if !ok {
		st.Err = fmt.Errorf("replay: event %d: input %s recorded for no connection", ev.Seq, ev.Type)
		st.Divergence = &Divergence{Index: -1, Reason: st.Err.Error()}
		return
	}
	_, err := in.Decode()
	st.DecodeErr = econn.ErrorName(err)
	switch {
	case in.DecodeErr == "":
		st.Divergence = &Divergence{Index: -1, Reason: "a message that decodes was recorded for no connection"}
	case st.DecodeErr != in.DecodeErr:
		st.Divergence = &Divergence{Index: -1, Reason: decodeChange(in.DecodeErr, st.DecodeErr)}
	}
}

func decodeChange(recorded, replayed string) string {
	switch {
	case recorded == "":
		return fmt.Sprintf("the message decoded when recorded, now fails: %s", replayed)
	case replayed == "":
		return fmt.Sprintf("the message failed to decode when recorded (%s), now decodes", recorded)
	}
	return fmt.Sprintf("the message failed to decode with %s when recorded, now with %s", recorded, replayed)
}

// noteInput keeps the local props a command carried.
func (c *connRun) noteInput(in econn.Input) {
	p, _ := econn.CommandProps(in)
	// A received PROPSYNC is no ECONN input: the call layer handles it and
	// records a NotePropsync note, which the Index applies.
	if p != nil {
		c.localProps = p
	}
}

// noteOutputs keeps the timer's deadline and the remote props outputs
// carried.
func (c *connRun) noteOutputs(at time.Duration, outs []econn.Output) {
	for _, o := range outs {
		if st, ok := o.(econn.SetTimer); ok {
			c.deadline = at + st.After
		}
		if p, _ := econn.RemoteProps(o); p != nil {
			c.remoteProps = p
		}
	}
}

// snapshot returns the connection's current data (zero when never created).
func (c *connRun) snapshot() econn.Snapshot { return c.snap }

// clone copies the connection for a checkpoint. econn.Conn holds only
// values and immutable errors, so a copy of the struct is a copy of its
// state; the copy shares the output buffer, which the engine never reads
// from more than one copy at a time (see Index).
func (c *connRun) clone() *connRun {
	cp := *c
	if c.conn != nil {
		conn := *c.conn
		cp.conn = &conn
	}
	return &cp
}

func (st *Step) reset(ev eventlog.Event) {
	*st = Step{
		Conn: ConnOf(ev), Input: ev,
		Recorded: st.Recorded[:0], Replayed: st.Replayed[:0],
	}
}

// finish compares the recorded outputs with the replayed ones.
func (st *Step) finish() {
	if st.Divergence == nil {
		st.Divergence = compareOutputs(st.Recorded, st.Replayed)
	}
	if st.Divergence == nil && st.snapDiff != "" {
		st.Divergence = &Divergence{Index: -1, Reason: st.snapDiff, Snapshot: st.snapSeq}
	}
}
