package econn

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// State is the state of one ECONN. The zero value is StateIdle.
type State uint8

// The eleven states of docs/protocol.md ("States"), in the reference's order.
const (
	StateIdle State = iota
	StatePendingOutgoing
	StatePendingIncoming
	StateConflictResolution
	StateAnswered
	StateDataChanEstablished
	StateHangupSent
	StateHangupRecv
	StateUpdateSent
	StateUpdateRecv
	StateTerminating
	numStates
)

var stateNames = [...]string{
	StateIdle:                "Idle",
	StatePendingOutgoing:     "Pending-Outgoing",
	StatePendingIncoming:     "Pending-Incoming",
	StateConflictResolution:  "Conflict-Resolution",
	StateAnswered:            "Answered",
	StateDataChanEstablished: "DatachanEstablished",
	StateHangupSent:          "HangupSent",
	StateHangupRecv:          "HangupRecv",
	StateUpdateSent:          "UpdateSent",
	StateUpdateRecv:          "UpdateRecv",
	StateTerminating:         "Terminating",
}

// String returns the state's printed name (docs/protocol.md, "States").
func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Valid reports whether s is one of the eleven states.
func (s State) Valid() bool { return s < numStates }

// ParseState accepts a state's printed name, case-insensitively.
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if strings.EqualFold(n, name) {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown state %q", ErrInvalid, name)
}

// Dir is the direction of a connection: who started it.
type Dir uint8

// Directions. DirUnknown until a local Start or an accepted remote SETUP.
const (
	DirUnknown Dir = iota
	DirOutgoing
	DirIncoming
)

// String returns "Unknown", "Outgoing" or "Incoming".
func (d Dir) String() string {
	switch d {
	case DirUnknown:
		return "Unknown"
	case DirOutgoing:
		return "Outgoing"
	case DirIncoming:
		return "Incoming"
	}
	return fmt.Sprintf("Dir(%d)", uint8(d))
}

// ParseDir accepts a direction's name, case-insensitively.
func ParseDir(name string) (Dir, error) {
	for d := DirUnknown; d <= DirIncoming; d++ {
		if strings.EqualFold(d.String(), name) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown direction %q", ErrInvalid, name)
}

// MsgType is a Calling 3.0 message type with its numeric wire code.
type MsgType uint8

// The message types and their codes.
const (
	MsgSetup MsgType = 0x01 + iota
	MsgCancel
	MsgHangup
	MsgPropsync
	MsgGroupStart
	MsgGroupLeave
	MsgGroupCheck
	MsgGroupSetup
	MsgConfConn
	MsgConfStart
	MsgConfEnd
	MsgConfPart
	MsgConfKey
	MsgConfCheck
)

// The message types from 0x10 on.
const (
	MsgUpdate MsgType = 0x10 + iota
	MsgReject
	MsgAlert
	MsgPing
)

// The device-pairing message types.
const (
	MsgDevpairPublish MsgType = 0x21 + iota
	MsgDevpairAccept
)

// msgTypes lists every message type in code order.
var msgTypes = [...]MsgType{
	MsgSetup, MsgCancel, MsgHangup, MsgPropsync, MsgGroupStart, MsgGroupLeave,
	MsgGroupCheck, MsgGroupSetup, MsgConfConn, MsgConfStart, MsgConfEnd,
	MsgConfPart, MsgConfKey, MsgConfCheck, MsgUpdate, MsgReject, MsgAlert,
	MsgPing, MsgDevpairPublish, MsgDevpairAccept,
}

// MsgTypes returns every message type in code order (a fresh slice: the
// list itself cannot be changed from outside).
func MsgTypes() []MsgType { return slices.Clone(msgTypes[:]) }

var msgNames = map[MsgType]string{
	MsgSetup: "SETUP", MsgCancel: "CANCEL", MsgHangup: "HANGUP",
	MsgPropsync: "PROPSYNC", MsgGroupStart: "GROUPSTART",
	MsgGroupLeave: "GROUPLEAVE", MsgGroupCheck: "GROUPCHECK",
	MsgGroupSetup: "GROUPSETUP", MsgConfConn: "CONFCONN",
	MsgConfStart: "CONFSTART", MsgConfEnd: "CONFEND", MsgConfPart: "CONFPART",
	MsgConfKey: "CONFKEY", MsgConfCheck: "CONFCHECK", MsgUpdate: "UPDATE",
	MsgReject: "REJECT", MsgAlert: "ALERT", MsgPing: "PING",
	MsgDevpairPublish: "DEVPAIR_PUBLISH", MsgDevpairAccept: "DEVPAIR_ACCEPT",
}

// String returns the type's name on the wire ("SETUP", "DEVPAIR_ACCEPT").
func (t MsgType) String() string {
	if n, ok := msgNames[t]; ok {
		return n
	}
	return fmt.Sprintf("MsgType(0x%02x)", uint8(t))
}

// Valid reports whether t is one of the twenty known types.
func (t MsgType) Valid() bool {
	_, ok := msgNames[t]
	return ok
}

// ParseMsgType returns the type with the given wire name, with ASCII
// letters matched in any case, as Decode matches them.
func ParseMsgType(name string) (MsgType, error) {
	if t, ok := lookupType([]byte(name)); ok {
		return t, nil
	}
	return 0, fmt.Errorf("%w: unknown message type %q", ErrUnsupported, name)
}

// Transport is the path a message travels.
type Transport uint8

// Transports: the server relay (end-to-end encrypted) or the data channel.
const (
	TransportBackend Transport = iota
	TransportDirect
)

// String returns "backend" or "direct".
func (t Transport) String() string {
	switch t {
	case TransportBackend:
		return "backend"
	case TransportDirect:
		return "direct"
	}
	return fmt.Sprintf("Transport(%d)", uint8(t))
}

// TransportFor returns the transport a message type travels on; false for
// a type with none (CONFKEY, unknown types).
func TransportFor(t MsgType) (Transport, bool) {
	switch t {
	case MsgHangup, MsgPropsync, MsgConfPart, MsgPing:
		return TransportDirect, true
	case MsgConfKey:
		return 0, false
	}
	if t.Valid() {
		return TransportBackend, true
	}
	return 0, false
}

// TimerAction is what the connection's single timer does when it expires.
type TimerAction uint8

// Timer actions: see "Timer expiry" in docs/protocol.md.
const (
	TimerSetup TimerAction = iota
	TimerTerm
	TimerCancelClose
)

// String returns "setup", "term" or "cancel-close".
func (a TimerAction) String() string {
	switch a {
	case TimerSetup:
		return "setup"
	case TimerTerm:
		return "term"
	case TimerCancelClose:
		return "cancel-close"
	}
	return fmt.Sprintf("TimerAction(%d)", uint8(a))
}

// Conflict is the outcome of glare resolution.
type Conflict int8

// Conflict outcomes.
const (
	ConflictNone   Conflict = 0
	ConflictWinner Conflict = 1
	ConflictLoser  Conflict = -1
)

// String returns "none", "winner" or "loser".
func (c Conflict) String() string {
	switch c {
	case ConflictNone:
		return "none"
	case ConflictWinner:
		return "winner"
	case ConflictLoser:
		return "loser"
	}
	return fmt.Sprintf("Conflict(%d)", int8(c))
}

// Props are a client's call properties ("videosend", "muted", ...).
type Props map[string]string

// Clone returns a copy of p; nil stays nil.
func (p Props) Clone() Props {
	if p == nil {
		return nil
	}
	c := make(Props, len(p))
	for k, v := range p {
		c[k] = v
	}
	return c
}

// String renders props sorted by key, "{muted=false videosend=true}", so
// that logs and transcripts are deterministic.
func (p Props) String() string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + p[k])
	}
	b.WriteByte('}')
	return b.String()
}
