// Package pair pairs each message a call's log records as sent with its
// receive on another device, by message identity — sender, session id,
// type, request or response, and the message's bytes — never by time, for
// device clocks differ. It reads a call event by event and keeps only the
// messages still waiting for their other side, so it runs in bounded
// memory over calls of any length.
//
// Every message gets results: Paired for each receive matched to its send
// (both sides' sequence numbers, endpoints and times, from which device
// clock offsets can be estimated), Lost for a send the receiving device
// (in the log) never received, NotRecorded for a send whose receiver is
// absent from the log, NoSend for a receive whose sender is absent from
// the log, and Unmatched for a receive whose sender is in the log but
// whose send is not.
package pair

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Status says what became of one side of a message.
type Status uint8

// The results of pairing.
const (
	// Paired: the send and a receive of the same message are both in the log.
	Paired Status = iota + 1
	// Lost: sent, and the receiving device is in the log but never
	// received it.
	Lost
	// NotRecorded: sent to a device that is absent from the log, so its
	// receive cannot be known. Another device in the log may still
	// receive it (a backend fan-out): Paired results follow then.
	NotRecorded
	// NoSend: received from a device that is absent from the log.
	NoSend
	// Unmatched: received from a device that is in the log, but no
	// recorded send of that device carries this message (the send was
	// recorded before the log began, outside the window, or the bytes
	// were altered on the way).
	Unmatched
)

var statusNames = [...]string{
	Paired:      "paired",
	Lost:        "lost",
	NotRecorded: "not recorded",
	NoSend:      "send not recorded",
	Unmatched:   "unmatched",
}

// String returns the status as the ladder's legend names it.
func (s Status) String() string {
	if s >= Paired && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Side is one end of a message: the event that sent or received it.
type Side struct {
	Seq      uint64            // the event's sequence number; 0 when this side is not in the log
	At       time.Duration     // the event's time, on its own device's clock
	Endpoint eventlog.Endpoint // the device that recorded the event
}

// Message names a message as its sender wrote it (its bytes are compared
// but not kept).
type Message struct {
	From   eventlog.Endpoint // the sender
	SessID string            // the sender's session id
	Type   econn.MsgType
	Resp   bool
	Via    econn.Transport
}

// Label is the message's short name: "SETUP", "HANGUP resp".
func (m Message) Label() string {
	if m.Resp {
		return m.Type.String() + " resp"
	}
	return m.Type.String()
}

// Result is what became of one message, or of one delivery of it.
type Result struct {
	Status Status
	Msg    Message
	Send   Side // Seq 0 for NoSend and Unmatched
	Recv   Side // Seq 0 for Lost and NotRecorded
	// To is the receiver: Recv.Endpoint when received, otherwise the
	// device the sender addressed, or zero when the sender did not know
	// it (a request the backend fans out to every device of a user).
	To eventlog.Endpoint
	// Duplicate marks a second delivery of a send its receiver already
	// got (a duplicating transport): Paired with that send again.
	Duplicate bool
}

// Skew returns Recv.At - Send.At for a Paired result: the one-way delay
// plus the receiver's clock offset from the sender's.
func (r Result) Skew() time.Duration { return r.Recv.At - r.Send.At }
