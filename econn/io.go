package econn

import "time"

// Input is one thing that happens to a connection: a local command, a
// received message, a timer expiry, a data-channel event or a send failure.
// Step takes one at a time. Inputs are plain struct values.
//
// The set is closed: only the types in this file are inputs, and
// InputKinds lists them. Everything that must know every kind asks the
// kind itself (Describe, Equal, Redact) rather than switching over types.
type Input interface {
	// InputName is the input's type name ("Start", "Recv", ...), stable
	// for logs.
	InputName() string
	// Describe returns one sentence a person reads ("start a call").
	Describe() string
	// Equal reports whether o is the same input by meaning: errors by
	// stable name, nil props equal to empty props.
	Equal(o Input) bool
	// Redact returns a copy in which every piece of personal data the
	// input carries went through r.
	Redact(r Redactor) Input

	isInput()
}

// Output is one thing Step asks its caller to do or to know. Outputs are
// plain struct values, returned in the order they happened.
//
// The set is closed like Input's; OutputKinds lists it.
type Output interface {
	// OutputName is the output's type name ("Send", "StateChanged", ...),
	// stable for logs.
	OutputName() string
	// Describe returns one sentence a person reads ("Idle → Pending-Outgoing").
	Describe() string
	// Equal reports whether o is the same output by meaning: messages
	// field by field, errors by stable name, nil props equal to empty
	// props, Ignored by reason code and arguments (never by wording).
	Equal(o Output) bool
	// Redact returns a copy in which every piece of personal data the
	// output carries went through r.
	Redact(r Redactor) Output

	isOutput()
}

// Start is the local command to call the remote side: send a SETUP request.
type Start struct {
	SDP   string
	Props Props
}

// Answer is the local command to accept an incoming call (SETUP response).
type Answer struct {
	SDP   string
	Props Props
}

// UpdateReq is the local command to renegotiate media (UPDATE request).
type UpdateReq struct {
	SDP   string
	Props Props
}

// UpdateResp is the local command to answer a received UPDATE request.
type UpdateResp struct {
	SDP   string
	Props Props
}

// End is the local command to hang up, cancel or reject, by state.
type End struct{}

// Close closes the connection with a reason (nil: a normal close) and the
// message time to report; used by timers, received CANCEL/HANGUP and the
// layer above.
type Close struct {
	Reason  error
	MsgTime uint32
}

// DataChanEstablished tells the connection that its data channel opened.
type DataChanEstablished struct{}

// SetError sets the sticky error that overrides later close reasons.
type SetError struct{ Err error }

// SendPropsync is the local command to send a PROPSYNC request or response.
type SendPropsync struct {
	Resp  bool
	Props Props
}

// SendAlert is the local command to send an ALERT.
type SendAlert struct {
	Level uint32
	Descr string
}

// SendPing is the local command to send a PING request or response.
type SendPing struct{ Resp bool }

// Recv is a message received from (FromUser, FromClient): for backend
// messages the ids the backend stamped, for direct ones the remote ids of
// the connection whose data channel carried it.
type Recv struct {
	FromUser, FromClient string
	Msg                  *Message
}

// TimerFired tells the connection that the timer of generation Gen expired.
// A generation that is not the armed one is ignored.
type TimerFired struct{ Gen uint64 }

// SendFailed tells the connection that the transport failed to send the
// message of an earlier Send output. Feed it immediately, before any other
// input.
type SendFailed struct {
	Type MsgType
	Resp bool
	Err  error
}

func (Start) InputName() string               { return "Start" }
func (Answer) InputName() string              { return "Answer" }
func (UpdateReq) InputName() string           { return "UpdateReq" }
func (UpdateResp) InputName() string          { return "UpdateResp" }
func (End) InputName() string                 { return "End" }
func (Close) InputName() string               { return "Close" }
func (DataChanEstablished) InputName() string { return "DataChanEstablished" }
func (SetError) InputName() string            { return "SetError" }
func (SendPropsync) InputName() string        { return "SendPropsync" }
func (SendAlert) InputName() string           { return "SendAlert" }
func (SendPing) InputName() string            { return "SendPing" }
func (Recv) InputName() string                { return "Recv" }
func (TimerFired) InputName() string          { return "TimerFired" }
func (SendFailed) InputName() string          { return "SendFailed" }

// StateChanged reports a transition.
type StateChanged struct{ From, To State }

// Send asks the caller to send Msg over Via. If sending fails, feed
// SendFailed{Msg.Type, Msg.Resp, err} before any other input.
type Send struct {
	Msg *Message
	Via Transport
}

// SetTimer asks the caller to (re-)arm the connection's one timer: after
// After, feed TimerFired{Gen}. It replaces any timer armed before.
type SetTimer struct {
	Action TimerAction
	After  time.Duration
	Gen    uint64
}

// CancelTimer asks the caller to disarm the timer of generation Gen.
type CancelTimer struct{ Gen uint64 }

// Incoming tells the application that the remote side calls (ring).
type Incoming struct {
	MsgTime              uint32
	FromUser, FromClient string
	Age                  uint32
	SDP                  string
	Props                Props
	Reset                bool
}

// Answered tells the application that the remote side answered; with Reset
// (glare lost) the application must Answer the remote offer in SDP.
type Answered struct {
	Reset bool
	SDP   string
	Props Props
}

// UpdateRequested tells the application that the remote side renegotiates.
type UpdateRequested struct {
	FromUser, FromClient, SDP string
	Props                     Props
	ShouldReset               bool
}

// UpdateAnswered tells the application that its UPDATE was answered.
type UpdateAnswered struct {
	SDP   string
	Props Props
}

// AlertReceived passes on a received ALERT.
type AlertReceived struct {
	Level uint32
	Descr string
}

// PingReceived passes on a received PING.
type PingReceived struct{ Resp bool }

// ConfPartReceived passes on a received CONFPART.
type ConfPartReceived struct{ Msg *Message }

// Closed tells the application that the connection closed; given at most
// once per connection. A nil Reason is a normal close.
type Closed struct {
	Reason  error
	MsgTime uint32
}

// Ignored reports an input that changed nothing, and why: a stable reason
// code and the facts it names. Type is the message type for a received
// message or a send failure, 0 otherwise. Sentence renders it for a person.
type Ignored struct {
	Type   MsgType
	Reason IgnoreReason
	Args   IgnoreArgs
}

func (StateChanged) OutputName() string     { return "StateChanged" }
func (Send) OutputName() string             { return "Send" }
func (SetTimer) OutputName() string         { return "SetTimer" }
func (CancelTimer) OutputName() string      { return "CancelTimer" }
func (Incoming) OutputName() string         { return "Incoming" }
func (Answered) OutputName() string         { return "Answered" }
func (UpdateRequested) OutputName() string  { return "UpdateRequested" }
func (UpdateAnswered) OutputName() string   { return "UpdateAnswered" }
func (AlertReceived) OutputName() string    { return "AlertReceived" }
func (PingReceived) OutputName() string     { return "PingReceived" }
func (ConfPartReceived) OutputName() string { return "ConfPartReceived" }
func (Closed) OutputName() string           { return "Closed" }
func (Ignored) OutputName() string          { return "Ignored" }
