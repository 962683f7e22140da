package ecall

import (
	"fmt"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// RecvBackend delivers a message the backend fanned out to this client,
// stamped by the backend with the sender's ids and the server time
// (seconds). The bytes are decoded and routed first: a message that does
// not decode is recorded as raw bytes for no connection, one no
// connection takes is a note, and one that is routed is recorded as it
// arrived (raw bytes) right before its connection steps it.
func (cl *Client) RecvBackend(from eventlog.Endpoint, serverTime uint32, data []byte) {
	raw := eventlog.RecvInput{
		FromUser: from.User, FromClient: from.Client, Via: econn.TransportBackend,
		Data: data, CurrTime: cl.env.Clock.Unix(), MsgTime: serverTime,
	}
	m, ok := cl.decode(nil, raw)
	if !ok {
		return
	}
	if sameUser(from.User, cl.cfg.Self.User) {
		cl.fromOwnUser(from, m)
		return
	}
	c, created := cl.route(from, m)
	if c == nil {
		cl.note(nil, "ecall.drop", fmt.Sprintf("%s %s from %s dropped: no connection for it",
			m.Type, econn.ReqResp(m.Resp), from), map[string]string{"sessid": m.SessID})
		return
	}
	if created {
		cl.note(c, "ecall.new", "new connection for the call from "+from.String(), nil)
	}
	cl.record(c, eventlog.KindInput, eventlog.TypeRecv, raw, nil)
	_ = c.stepRecorded(econn.Recv{FromUser: from.User, FromClient: from.Client, Msg: m})
	c.learnRemote()
}

// decode runs the decoder on received bytes; undecodable bytes are
// recorded with the decoder's error and change nothing else.
func (cl *Client) decode(c *Call, raw eventlog.RecvInput) (*econn.Message, bool) {
	m, err := econn.Decode(raw.Data, raw.CurrTime, raw.MsgTime)
	if err == nil {
		return m, true
	}
	raw.DecodeErr = econn.ErrorName(err)
	cl.record(c, eventlog.KindInput, eventlog.TypeRecv, raw, nil)
	cl.note(c, "ecall.undecodable", fmt.Sprintf("undecodable message from %s/%s: %v",
		raw.FromUser, raw.FromClient, err), nil)
	return nil, false
}

// fromOwnUser handles a message from another device of my user: only a
// SETUP response matters — that device answered, so stop ringing here.
func (cl *Client) fromOwnUser(from eventlog.Endpoint, m *econn.Message) {
	if m.Type != econn.MsgSetup || !m.Resp {
		cl.note(nil, "ecall.drop", fmt.Sprintf("%s %s from my own device %s ignored",
			m.Type, econn.ReqResp(m.Resp), from), nil)
		return
	}
	for _, c := range cl.calls {
		if c.State() == econn.StatePendingIncoming {
			cl.note(c, "ecall.answered-elsewhere", "answered on my other device "+from.String(), nil)
			_ = c.step(econn.Close{Reason: econn.ErrCanceled, MsgTime: m.Time})
		}
	}
}

// route finds the connection a backend message is for, creating one for a
// SETUP request from a new caller. A message from a remote user that
// already has a live connection goes to it even from another client, so
// that the ECONN judges it (and says why it ignores it), as the reference
// does with its one ECONN per call.
func (cl *Client) route(from eventlog.Endpoint, m *econn.Message) (c *Call, created bool) {
	pick := func(match func(*Call) bool) *Call {
		for i := len(cl.calls) - 1; i >= 0; i-- {
			if match(cl.calls[i]) {
				return cl.calls[i]
			}
		}
		return nil
	}
	// A new call (SETUP request) never goes to a connection that is
	// already ending: it gets a connection of its own.
	newCall := m.Type == econn.MsgSetup && !m.Resp
	live := func(c *Call) bool { return !c.closed && !(newCall && c.ending()) }
	if c := pick(func(c *Call) bool { return live(c) && c.remote == from }); c != nil {
		return c, false
	}
	if c := pick(func(c *Call) bool { return c.remote.User == "" && c.awaitsAnswer() }); c != nil {
		return c, false // my outgoing call, not yet answered: any callee may answer
	}
	if c := pick(func(c *Call) bool { return live(c) && sameUser(c.remote.User, from.User) }); c != nil {
		return c, false
	}
	if m.Type == econn.MsgSetup && !m.Resp {
		c, err := cl.newCall(from)
		if err != nil {
			cl.fail(err)
			return nil, false
		}
		return c, true
	}
	return pick(func(c *Call) bool { return c.remote == from }), false
}

// ending reports whether the connection is on its way out.
func (c *Call) ending() bool {
	switch c.State() {
	case econn.StateTerminating, econn.StateHangupSent, econn.StateHangupRecv:
		return true
	}
	return false
}

// awaitsAnswer reports whether c is an outgoing call still waiting for its
// callee (or resolving glare).
func (c *Call) awaitsAnswer() bool {
	s := c.State()
	return s == econn.StatePendingOutgoing || s == econn.StateConflictResolution
}

// learnRemote picks up the remote ids the ECONN adopted.
func (c *Call) learnRemote() {
	if c.remote.User != "" {
		return
	}
	if s := c.conn.Snapshot(); s.UserRemote != "" {
		c.remote = eventlog.Endpoint{User: s.UserRemote, Client: s.ClientRemote}
	}
}

// recvDirect handles a message from the data channel of c. PROPSYNC is
// handled here, as the reference does; the rest goes to the ECONN with the
// connection's remote ids.
func (cl *Client) recvDirect(c *Call, data []byte) {
	now := cl.env.Clock.Unix()
	raw := eventlog.RecvInput{
		FromUser: c.remote.User, FromClient: c.remote.Client, Via: econn.TransportDirect,
		Data: data, CurrTime: now, MsgTime: now,
	}
	m, ok := cl.decode(c, raw)
	if !ok {
		return
	}
	if m.Type == econn.MsgPropsync {
		cl.recvPropsync(c, m)
		return
	}
	cl.record(c, eventlog.KindInput, eventlog.TypeRecv, raw, nil)
	_ = c.stepRecorded(econn.Recv{FromUser: c.remote.User, FromClient: c.remote.Client, Msg: m})
}

func (cl *Client) recvPropsync(c *Call, m *econn.Message) {
	attrs := map[string]string{"resp": fmt.Sprint(m.Resp)}
	for k, v := range m.Props {
		attrs["prop."+k] = v
	}
	cl.note(c, eventlog.NotePropsync, fmt.Sprintf("PROPSYNC %s from %s: remote props %s",
		econn.ReqResp(m.Resp), c.remote, m.Props), attrs)
	c.remoteProps = m.Props.Clone()
	if !m.Resp && c.State() == econn.StateDataChanEstablished {
		props := cl.props.Clone()
		if props == nil {
			props = econn.Props{}
		}
		_ = c.step(econn.SendPropsync{Resp: true, Props: props})
	}
}
