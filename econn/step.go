package econn

import (
	"fmt"
	"strings"
	"time"
)

// Conn is one ECONN: the signalling connection between the local client
// and one remote client. It is not safe for concurrent use; step it from
// one goroutine.
type Conn struct {
	cfg Config

	state        State
	dir          Dir
	sessRemote   string
	userRemote   string
	clientRemote string
	conflict     Conflict
	setupErr     error
	err          error
	timer        Timer
	gen          uint64
	closed       bool

	out []Output // reused by every Step; see Step
	// buf backs out for the usual handful of outputs, so a Conn and its
	// output slice are one allocation.
	buf [8]Output
}

// New creates a connection in state Idle with its setup timer already armed
// (an ECONN that never gets going closes itself with a timeout). The
// returned outputs hold that SetTimer.
func New(cfg Config) (*Conn, []Output, error) {
	if cfg.UserID == "" || cfg.ClientID == "" {
		return nil, nil, fmt.Errorf("%w: user id and client id are required", ErrInvalid)
	}
	if cfg.SessID == "" {
		return nil, nil, fmt.Errorf("%w: local session id is required", ErrInvalid)
	}
	if cfg.SetupTimeout < 0 || cfg.TermTimeout < 0 {
		return nil, nil, fmt.Errorf("%w: negative timeout", ErrInvalid)
	}
	c := &Conn{cfg: cfg.withDefaults()}
	c.out = c.buf[:0]
	c.armTimer(TimerSetup, c.cfg.SetupTimeout)
	return c, []Output{c.out[0]}, nil
}

// Config returns the configuration with defaults filled in.
func (c *Conn) Config() Config { return c.cfg }

// State returns the current state.
func (c *Conn) State() State { return c.state }

// Snapshot returns a copy of the connection's data.
func (c *Conn) Snapshot() Snapshot {
	return Snapshot{
		State: c.state, Dir: c.dir,
		UserID: c.cfg.UserID, ClientID: c.cfg.ClientID,
		SessIDLocal: c.cfg.SessID, SessIDRemote: c.sessRemote,
		UserRemote: c.userRemote, ClientRemote: c.clientRemote,
		Conflict: c.conflict, SetupErr: c.setupErr, Err: c.err,
		Timer: c.timer, Closed: c.closed,
	}
}

// Step applies one input and returns what the caller must do, in order.
// The returned slice is reused by the next Step: carry out (or copy) the
// outputs before stepping again. A refused local command returns an error
// wrapping ErrProto or ErrInvalid and changes nothing.
func (c *Conn) Step(in Input) ([]Output, error) {
	c.out = c.out[:0]
	var err error
	switch in := in.(type) {
	case Start:
		err = c.start(in)
	case Answer:
		err = c.answer(in)
	case UpdateReq:
		err = c.updateReq(in)
	case UpdateResp:
		err = c.updateResp(in)
	case End:
		c.end()
	case Close:
		c.close(in.Reason, in.MsgTime)
	case DataChanEstablished:
		c.dataChanEstablished()
	case SetError:
		c.err = in.Err
	case SendPropsync:
		err = c.sendPropsync(in)
	case SendAlert:
		m := c.newMsg(MsgAlert, false)
		m.Level, m.Descr, m.Transient = in.Level, in.Descr, true
		c.send(m)
	case SendPing:
		c.send(c.newMsg(MsgPing, in.Resp))
	case Recv:
		c.recv(in)
	case TimerFired:
		c.timerFired(in.Gen)
	case SendFailed:
		c.sendFailed(in)
	default:
		err = fmt.Errorf("%w: unknown input %T", ErrInvalid, in)
	}
	if err != nil {
		c.out = c.out[:0]
		return nil, err
	}
	return c.out, nil
}

// --- outputs ---------------------------------------------------------------

// stateChanges holds every StateChanged boxed once, so a transition costs
// no allocation.
var stateChanges = func() (t [numStates][numStates]Output) {
	for f := range t {
		for to := range t[f] {
			t[f][to] = StateChanged{From: State(f), To: State(to)}
		}
	}
	return t
}()

func (c *Conn) emit(o Output) { c.out = append(c.out, o) }

func (c *Conn) setState(s State) {
	if s == c.state {
		return
	}
	c.emit(stateChanges[c.state][s])
	c.state = s
}

func (c *Conn) armTimer(a TimerAction, after time.Duration) {
	c.gen++
	c.timer = Timer{Armed: true, Action: a, After: after, Gen: c.gen}
	c.emit(SetTimer{Action: a, After: after, Gen: c.gen})
}

func (c *Conn) cancelTimer() {
	if !c.timer.Armed {
		return
	}
	c.emit(CancelTimer{Gen: c.timer.Gen})
	c.timer = Timer{}
}

func (c *Conn) ignore(t MsgType, r IgnoreReason, a IgnoreArgs) {
	c.emit(Ignored{Type: t, Reason: r, Args: a})
}

func (c *Conn) newMsg(t MsgType, resp bool) *Message {
	return &Message{Type: t, SessID: c.cfg.SessID, Resp: resp}
}

func (c *Conn) send(m *Message) {
	via, _ := TransportFor(m.Type)
	c.emit(Send{Msg: m, Via: via})
}

func (c *Conn) sendSetupish(t MsgType, resp bool, sdp string, props Props) {
	m := c.newMsg(t, resp)
	m.SDP, m.Props = sdp, props
	c.send(m)
}

// --- local commands ----------------------------------------------------------

func (c *Conn) refuse(cmd string) error {
	return fmt.Errorf("%w: %s not allowed in state %s", ErrProto, cmd, c.state)
}

func (c *Conn) start(in Start) error {
	if c.state != StateIdle && c.state != StatePendingOutgoing {
		return c.refuse("Start")
	}
	c.setState(StatePendingOutgoing)
	c.dir = DirOutgoing
	c.sendSetupish(MsgSetup, false, in.SDP, in.Props)
	c.armTimer(TimerSetup, c.cfg.SetupTimeout)
	return nil
}

func (c *Conn) answer(in Answer) error {
	if c.state != StatePendingIncoming && c.state != StateConflictResolution {
		return c.refuse("Answer")
	}
	c.cancelTimer()
	c.sendSetupish(MsgSetup, true, in.SDP, in.Props)
	c.setState(StateAnswered)
	return nil
}

func (c *Conn) updateReq(in UpdateReq) error {
	if c.state != StateAnswered && c.state != StateDataChanEstablished {
		return c.refuse("UpdateReq")
	}
	c.setState(StateUpdateSent)
	c.sendSetupish(MsgUpdate, false, in.SDP, in.Props)
	c.armTimer(TimerSetup, c.cfg.SetupTimeout)
	return nil
}

func (c *Conn) updateResp(in UpdateResp) error {
	if c.state != StateUpdateRecv {
		return c.refuse("UpdateResp")
	}
	c.cancelTimer()
	c.sendSetupish(MsgUpdate, true, in.SDP, in.Props)
	c.setState(StateAnswered)
	return nil
}

func (c *Conn) end() {
	switch c.state {
	case StateUpdateRecv, StatePendingIncoming:
		c.setState(StateTerminating)
		c.armTimer(TimerCancelClose, time.Millisecond)
	case StateUpdateSent, StatePendingOutgoing, StateAnswered, StateConflictResolution:
		c.send(c.newMsg(MsgCancel, false))
		c.setState(StateTerminating)
		c.armTimer(TimerCancelClose, time.Millisecond)
	case StateDataChanEstablished:
		c.send(c.newMsg(MsgHangup, false))
		c.setState(StateHangupSent)
		c.armTimer(TimerTerm, c.cfg.TermTimeout)
	case StateTerminating:
		c.ignore(0, IgnoreEndTerminating, IgnoreArgs{})
	default: // Idle, HangupSent, HangupRecv
		c.setState(StateTerminating)
		c.armTimer(TimerTerm, c.cfg.TermTimeout)
	}
}

// close is the reference's econn_close: stop the timer, remember the
// reason, cancel an unanswered call, and tell the application once.
func (c *Conn) close(reason error, msgTime uint32) {
	c.cancelTimer()
	c.setupErr = reason
	if c.state == StatePendingOutgoing {
		c.send(c.newMsg(MsgCancel, false))
	}
	c.setState(StateTerminating)
	if c.closed {
		return
	}
	c.closed = true
	c.emit(Closed{Reason: reason, MsgTime: msgTime})
}

func (c *Conn) dataChanEstablished() {
	if c.state != StateAnswered {
		c.ignore(0, IgnoreDataChanState, IgnoreArgs{State: c.state})
		return
	}
	c.setState(StateDataChanEstablished)
}

func (c *Conn) sendPropsync(in SendPropsync) error {
	if c.state != StateDataChanEstablished {
		return c.refuse("SendPropsync")
	}
	if in.Props == nil {
		return fmt.Errorf("%w: SendPropsync needs props", ErrInvalid)
	}
	m := c.newMsg(MsgPropsync, in.Resp)
	m.Props = in.Props
	m.SrcUser, m.SrcClient = c.cfg.UserID, c.cfg.ClientID
	c.send(m)
	return nil
}

// --- timers and send failures ----------------------------------------------

func (c *Conn) timerFired(gen uint64) {
	if !c.timer.Armed {
		c.ignore(0, IgnoreTimerNotArmed, IgnoreArgs{Gen: gen})
		return
	}
	if gen != c.timer.Gen {
		c.ignore(0, IgnoreTimerStale, IgnoreArgs{Gen: gen, ArmedGen: c.timer.Gen})
		return
	}
	action := c.timer.Action
	c.timer = Timer{} // expired: nothing left to cancel
	reason := c.err
	if action == TimerSetup && reason == nil {
		reason = ErrTimedOut
	}
	c.close(reason, 0)
}

func (c *Conn) sendFailed(in SendFailed) {
	switch {
	case in.Type == MsgSetup:
		c.setupErr = in.Err
		c.setState(StateTerminating)
	case in.Type == MsgUpdate && !in.Resp:
		c.setupErr = in.Err
		c.setState(StateTerminating)
		c.armTimer(TimerSetup, time.Millisecond)
	case in.Type == MsgUpdate && in.Resp:
		c.setupErr = in.Err
		c.setState(StateTerminating)
	case in.Type == MsgHangup && !in.Resp:
		// The reference never left DataChanEstablished when the HANGUP
		// could not be sent; undo the optimistic HangupSent.
		c.err = in.Err
		if c.state == StateHangupSent {
			c.setState(StateDataChanEstablished)
		}
		c.armTimer(TimerTerm, time.Millisecond)
	default:
		c.ignore(in.Type, IgnoreSendFailedNoEffect, IgnoreArgs{Resp: in.Resp, Err: ErrorName(in.Err)})
	}
}

// --- received messages -------------------------------------------------------

func (c *Conn) recv(in Recv) {
	m := in.Msg
	if m == nil {
		c.ignore(0, IgnoreNoMessage, IgnoreArgs{})
		return
	}
	switch m.Type {
	case MsgSetup:
		c.recvSetup(in.FromUser, in.FromClient, m)
	case MsgUpdate:
		c.recvUpdate(in.FromUser, in.FromClient, m)
	case MsgCancel:
		c.recvCancel(in.FromClient, m)
	case MsgHangup:
		c.recvHangup(m)
	case MsgAlert:
		c.emit(AlertReceived{Level: m.Level, Descr: m.Descr})
	case MsgConfPart:
		c.emit(ConfPartReceived{Msg: m})
	case MsgPing:
		c.emit(PingReceived{Resp: m.Resp})
	case MsgReject, MsgDevpairPublish, MsgDevpairAccept, MsgConfConn:
		c.ignore(m.Type, IgnoreNoEffect, IgnoreArgs{})
	default:
		c.ignore(m.Type, IgnoreNotHandled, IgnoreArgs{})
	}
}

// adoptRemote sets the remote user and client id on first contact and
// reports whether the sender matches them.
func (c *Conn) adoptRemote(m *Message, user, client string) bool {
	if c.userRemote != "" && !strings.EqualFold(c.userRemote, user) {
		c.ignore(m.Type, IgnoreWrongUser, IgnoreArgs{User: user, RemoteUser: c.userRemote})
		return false
	}
	if c.clientRemote != "" && !strings.EqualFold(c.clientRemote, client) {
		c.ignore(m.Type, IgnoreWrongClient, IgnoreArgs{Client: client, RemoteClient: c.clientRemote})
		return false
	}
	// Once set, the remote ids never change, not even their case; and a
	// rejected sender leaves them untouched.
	if c.userRemote == "" {
		c.userRemote = user
	}
	if c.clientRemote == "" {
		c.clientRemote = client
	}
	return true
}

func (c *Conn) recvSetup(user, client string, m *Message) {
	if !c.adoptRemote(m, user, client) {
		return
	}
	if m.Resp {
		c.recvSetupResp(m)
		return
	}
	reset := false
	switch c.state {
	case StateIdle:
	case StateAnswered, StateDataChanEstablished, StateUpdateSent:
		reset = true
	case StatePendingOutgoing:
		c.glare(user, client, m)
		return
	default:
		c.ignore(MsgSetup, IgnoreInState, IgnoreArgs{State: c.state})
		return
	}
	c.setState(StatePendingIncoming)
	c.dir = DirIncoming
	c.sessRemote = m.SessID
	c.armTimer(TimerSetup, c.cfg.SetupTimeout)
	c.emit(Incoming{
		MsgTime: m.Time, FromUser: user, FromClient: client, Age: m.Age,
		SDP: m.SDP, Props: m.Props, Reset: reset,
	})
}

// glare resolves two SETUP requests that crossed: the side whose ids
// compare greater wins and keeps its offer.
func (c *Conn) glare(user, client string, m *Message) {
	c.sessRemote = m.SessID
	if IsWinner(c.cfg.UserID, c.cfg.ClientID, user, client) {
		c.conflict = ConflictWinner
		c.ignore(MsgSetup, IgnoreSetupGlareWon, IgnoreArgs{
			LocalUser: c.cfg.UserID, LocalClient: c.cfg.ClientID, User: user, Client: client})
		return
	}
	c.conflict = ConflictLoser
	c.setState(StateConflictResolution)
	c.emit(Answered{Reset: true, SDP: m.SDP, Props: m.Props})
}

func (c *Conn) recvSetupResp(m *Message) {
	if c.state != StatePendingOutgoing && c.state != StateConflictResolution {
		c.ignore(MsgSetup, IgnoreInState, IgnoreArgs{Resp: true, State: c.state})
		return
	}
	c.cancelTimer()
	c.setState(StateAnswered)
	c.sessRemote = m.SessID
	c.emit(Answered{SDP: m.SDP, Props: m.Props})
}

func (c *Conn) sameSession(m *Message) bool {
	if strings.EqualFold(m.SessID, c.sessRemote) {
		return true
	}
	if c.sessRemote == "" {
		c.ignore(m.Type, IgnoreNoRemoteSession, IgnoreArgs{Sess: m.SessID})
		return false
	}
	c.ignore(m.Type, IgnoreWrongSession, IgnoreArgs{Sess: m.SessID, RemoteSess: c.sessRemote})
	return false
}

func (c *Conn) sameClient(m *Message, client string) bool {
	if strings.EqualFold(client, c.clientRemote) {
		return true
	}
	if c.clientRemote == "" {
		c.ignore(m.Type, IgnoreNoRemoteClient, IgnoreArgs{Client: client})
		return false
	}
	c.ignore(m.Type, IgnoreWrongClient, IgnoreArgs{Client: client, RemoteClient: c.clientRemote})
	return false
}

func (c *Conn) recvUpdate(user, client string, m *Message) {
	if !c.sameSession(m) || !c.sameClient(m, client) {
		return
	}
	if m.Resp {
		if c.state != StateUpdateSent {
			c.ignore(MsgUpdate, IgnoreInState, IgnoreArgs{Resp: true, State: c.state})
			return
		}
		c.cancelTimer()
		c.setState(StateAnswered)
		c.emit(UpdateAnswered{SDP: m.SDP, Props: m.Props})
		return
	}
	reset := false
	switch c.state {
	case StateAnswered, StateDataChanEstablished:
	case StateUpdateSent:
		if IsWinner(c.cfg.UserID, c.cfg.ClientID, user, client) {
			c.ignore(MsgUpdate, IgnoreUpdateGlareWon, IgnoreArgs{
				LocalUser: c.cfg.UserID, LocalClient: c.cfg.ClientID, User: user, Client: client})
			return
		}
		reset = true
	default:
		c.ignore(MsgUpdate, IgnoreInState, IgnoreArgs{State: c.state})
		return
	}
	c.setState(StateUpdateRecv)
	c.armTimer(TimerSetup, c.cfg.SetupTimeout)
	c.emit(UpdateRequested{FromUser: user, FromClient: client, SDP: m.SDP, Props: m.Props, ShouldReset: reset})
}

func (c *Conn) recvCancel(client string, m *Message) {
	if !c.sameClient(m, client) {
		return
	}
	var reason error
	switch c.state {
	case StatePendingIncoming:
		reason = ErrCanceled
	case StateUpdateSent, StateUpdateRecv, StateAnswered, StateDataChanEstablished:
	default:
		c.ignore(MsgCancel, IgnoreCancelInState, IgnoreArgs{State: c.state})
		return
	}
	if !c.sameSession(m) {
		return
	}
	c.setState(StateTerminating)
	if c.err != nil {
		reason = c.err
	}
	c.close(reason, m.Time)
}

func (c *Conn) recvHangup(m *Message) {
	if !c.sameSession(m) {
		return
	}
	if c.state != StateDataChanEstablished && c.state != StateHangupSent {
		c.ignore(MsgHangup, IgnoreInState, IgnoreArgs{Resp: m.Resp, State: c.state})
		return
	}
	c.setState(StateHangupRecv)
	if !m.Resp {
		c.send(c.newMsg(MsgHangup, true))
	}
	c.setState(StateTerminating)
	c.close(c.err, m.Time)
}

// --- identity helpers --------------------------------------------------------

// IsWinner resolves glare: compare user ids byte-wise, then client ids; the
// local side wins iff it compares greater.
func IsWinner(selfUser, selfClient, remoteUser, remoteClient string) bool {
	if c := strings.Compare(selfUser, remoteUser); c != 0 {
		return c > 0
	}
	return strings.Compare(selfClient, remoteClient) > 0
}
