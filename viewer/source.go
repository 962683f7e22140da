package viewer

import (
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
)

// Source is one recorded call as the viewer reads it. Rows are addressed
// by index, 0 for the first event of the call; a Source never has to hand
// out the whole call at once.
type Source interface {
	// Meta describes the call: its id and endpoints (the ladder's columns).
	Meta() eventlog.CallMeta
	// Len is the number of events in the call.
	Len() int
	// Rows returns the events with index in [from, from+n), fewer at the
	// end of the call.
	Rows(from, n int) ([]Row, error)
	// States returns every connection that exists at event i, with its
	// state before and after the step event i belongs to.
	States(i int) ([]ConnState, error)
}

// Warming is implemented by a Source whose States can be slow for a while
// after opening, because the replay engine is still building its
// checkpoints. The model then shows the states once they are ready
// instead of waiting for them.
type Warming interface {
	// StatesReady reports whether States(i) answers quickly now, and how
	// far the warming got (0 to 1).
	StatesReady(i int) (ready bool, progress float64)
}

// Aligned is implemented by a Source whose devices recorded on different
// clocks (a merged call): its rows' times are aligned to one device's
// clock, and ClockNote says by how much each was shifted, in a few words
// for the title bar.
type Aligned interface {
	ClockNote() string
}

// Catalog is a log holding one or more calls.
type Catalog interface {
	// Calls lists the calls in the log, in the order the call list shows.
	Calls() ([]CallEntry, error)
	// Open returns the call with the given id.
	Open(id string) (Source, error)
}

// CallEntry is one line of the call list.
type CallEntry struct {
	Info    eventlog.CallInfo
	Outcome string // how the call ended, in a few words
}

// Row is one event as the timeline and the ladder show it.
type Row struct {
	Index   int // position in the call, 0-based
	Event   eventlog.Event
	Summary string     // one sentence a person reads
	Msg     *LadderMsg // the message this event sends or receives; nil otherwise
}

// LadderMsg is a message between two endpoints, drawn as an arrow.
type LadderMsg struct {
	From, To eventlog.Endpoint
	Type     econn.MsgType
	Resp     bool
	Via      econn.Transport
	Received bool // the receiving end's event (Recv); false for the sender's Send
	// Status is what became of the message (package pair): Lost or
	// NotRecorded for a send nobody in the log received, NoSend for a
	// receive from a device not in the log, Paired once received; 0 when
	// the source does not know.
	Status pair.Status
}

// Peered is implemented by a Source that knows the devices the call's
// endpoints talked to that are not in the log (a device's own recording
// of a call across devices): the ladder gives them columns, marked as
// not recorded.
type Peered interface {
	// Peers returns those devices, in order of appearance.
	Peers() []eventlog.Endpoint
}

// ConnState is one connection at one event: its snapshot before and after
// the step, and what the snapshot does not hold.
type ConnState struct {
	Endpoint eventlog.Endpoint
	Conn     string // local session id
	Before   econn.Snapshot
	After    econn.Snapshot
	// Deadline is the call time at which the armed timer (After.Timer)
	// fires; meaningful only when After.Timer.Armed.
	Deadline    time.Duration
	LocalProps  econn.Props
	RemoteProps econn.Props
	Created     bool // the connection was created by this step: Before is empty
	// PropsBefore holds LocalProps and RemoteProps as they were before
	// the step, when the step changed them; nil when it did not or for
	// a connection the step created. CallSource takes it from the replay
	// engine (replay.ConnState.PropsChanged).
	PropsBefore *[2]econn.Props
}

// Changed reports whether the step changed the connection's data.
func (c ConnState) Changed() bool {
	return c.Created || !c.Before.Equal(c.After) || c.PropsBefore != nil
}
