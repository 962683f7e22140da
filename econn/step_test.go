package econn

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Transition tests: every start state × every input, with the exact
// outputs (type and order) and the exact Snapshot after. The expectations
// are written from docs/protocol.md ("Local commands" to "Transitions"); a
// start state is reached by driving a fresh Conn with inputs, never by
// setting fields.

// The local client is B/1. Against peerLo (A/1) it wins glare, against
// peerHi (C/1) it loses.
var (
	selfCfg = Config{UserID: "B", ClientID: "1", SessID: "sB"}
	peerLo  = testPeer{"A", "1", "sA"}
	peerHi  = testPeer{"C", "1", "sC"}
)

type testPeer struct{ user, client, sess string }

// msg builds a message as this peer sends it, received at time 1000 s,
// 3 s old.
func (p testPeer) msg(t MsgType, resp bool) *Message {
	m := &Message{Type: t, SessID: p.sess, Resp: resp, Time: 1000, Age: 3}
	switch t {
	case MsgSetup:
		m.SDP, m.Props = "sdp-"+p.user, Props{"videosend": "true"}
	case MsgUpdate:
		m.SDP, m.Props = "upd-"+p.user, Props{"muted": "true"}
	case MsgAlert:
		m.Level, m.Descr = 1, "low battery"
	}
	return m
}

func (p testPeer) recv(t MsgType, resp bool) Recv {
	return Recv{FromUser: p.user, FromClient: p.client, Msg: p.msg(t, resp)}
}

// fixture is a named start state and the inputs that reach it.
type stepFixture struct {
	name  string
	state State // the state the path must end in
	peer  testPeer
	path  []Input
}

var (
	pathPI  = []Input{peerLo.recv(MsgSetup, false)}
	pathAN  = append(slices.Clone(pathPI), Answer{SDP: "answerB"})
	pathDCE = append(slices.Clone(pathAN), DataChanEstablished{})
)

// fixtures reach every state a Conn can rest in. HangupRecv is not among
// them: a Conn passes through it within one Step (see
// TestHangupRecvIsTransient).
var fixtures = []stepFixture{
	{"Idle", StateIdle, peerLo, nil},
	{"PendingOutgoing", StatePendingOutgoing, peerLo, []Input{Start{SDP: "offerB"}}},
	{"PendingIncoming", StatePendingIncoming, peerLo, pathPI},
	{"ConflictResolution", StateConflictResolution, peerHi, []Input{Start{SDP: "offerB"}, peerHi.recv(MsgSetup, false)}},
	{"Answered", StateAnswered, peerLo, pathAN},
	{"DataChanEstablished", StateDataChanEstablished, peerLo, pathDCE},
	{"HangupSent", StateHangupSent, peerLo, append(slices.Clone(pathDCE), End{})},
	{"UpdateSent", StateUpdateSent, peerLo, append(slices.Clone(pathAN), UpdateReq{SDP: "updB"})},
	{"UpdateRecv", StateUpdateRecv, peerLo, append(slices.Clone(pathAN), peerLo.recv(MsgUpdate, false))},
	{"Terminating", StateTerminating, peerLo, append(slices.Clone(pathPI), End{})},
	{"Terminating(closed)", StateTerminating, peerLo, append(slices.Clone(pathPI), End{}, TimerFired{Gen: 3})},
}

// fixtureUpdateSentLoser is UpdateSent against a peer that wins UPDATE glare.
var fixtureUpdateSentLoser = stepFixture{"UpdateSent", StateUpdateSent, peerHi, []Input{
	peerHi.recv(MsgSetup, false), Answer{SDP: "answerB"}, UpdateReq{SDP: "updB"},
}}

// reached is a fixture driven on a fresh Conn.
type reached struct {
	stepFixture
	c    *Conn
	snap Snapshot // after the path
	gen  uint64   // the last timer generation handed out
}

func reach(t *testing.T, f stepFixture) *reached {
	t.Helper()
	c, wantOuts, err := New(selfCfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &reached{stepFixture: f, c: c}
	r.noteGens(wantOuts)
	for _, in := range f.path {
		wantOuts, err := c.Step(in)
		if err != nil {
			t.Fatalf("reaching %s: %s: %v", f.name, in.InputName(), err)
		}
		r.noteGens(wantOuts)
	}
	if c.State() != f.state {
		t.Fatalf("reaching %s: ended in %s", f.name, c.State())
	}
	r.snap = c.Snapshot()
	return r
}

func (r *reached) noteGens(wantOuts []Output) {
	for _, o := range wantOuts {
		if st, ok := o.(SetTimer); ok {
			r.gen = st.Gen
		}
	}
}

// remoteKnown reports whether the start state has learnt its remote ids.
func (r *reached) remoteKnown() bool { return r.snap.UserRemote != "" }

// expect is the exact result of one Step.
type stepWant struct {
	out []string
	mod func(*Snapshot) // the change to the Snapshot; nil: none
	err error           // a refused command: errors.Is(err, this)
}

// --- small builders for expected outputs -----------------------------------

func changed(from, to State) string { return fmt.Sprintf("StateChanged(%s->%s)", from, to) }
func setT(a TimerAction, after time.Duration, gen uint64) string {
	return fmt.Sprintf("SetTimer(%s, %s, #%d)", a, after, gen)
}
func cancelT(gen uint64) string { return fmt.Sprintf("CancelTimer(#%d)", gen) }
func closedOut(reason error, msgTime uint32) string {
	return fmt.Sprintf("Closed(%q, t=%d)", ErrorName(reason), msgTime)
}

// ignoredOut is how fmtOut prints an Ignored whose sentence reads so.
func ignoredOut(t MsgType, format string, args ...any) string {
	if t == 0 {
		return "Ignored(" + fmt.Sprintf(format, args...) + ")"
	}
	return fmt.Sprintf("Ignored(%s: %s)", t, fmt.Sprintf(format, args...))
}

func wantOuts(s ...string) stepWant  { return stepWant{out: s} }
func wantRefused(err error) stepWant { return stepWant{err: err} }

// toState appends the StateChanged to s unless the state is s already.
func toState(r *reached, s State) []string {
	if r.snap.State == s {
		return nil
	}
	return []string{changed(r.snap.State, s)}
}

// cancelIfArmed is the CancelTimer a state with an armed timer emits.
func cancelIfArmed(r *reached) []string {
	if !r.snap.Timer.Armed {
		return nil
	}
	return []string{cancelT(r.snap.Timer.Gen)}
}

func armedTimer(a TimerAction, after time.Duration, gen uint64) Timer {
	return Timer{Armed: true, Action: a, After: after, Gen: gen}
}

// closeExpect is Close(reason, msgTime) as docs/protocol.md ("Local
// commands") defines it, from the start state r.
func closeExpect(r *reached, reason error, msgTime uint32) stepWant {
	var o []string
	o = append(o, cancelIfArmed(r)...)
	if r.snap.State == StatePendingOutgoing {
		o = append(o, "Send(CANCEL request, backend)")
	}
	o = append(o, toState(r, StateTerminating)...)
	if !r.snap.Closed {
		o = append(o, closedOut(reason, msgTime))
	}
	return stepWant{out: o, mod: func(s *Snapshot) {
		s.State, s.Timer, s.SetupErr, s.Closed = StateTerminating, Timer{}, reason, true
	}}
}

// column is one input, applied to every fixture it names (all when only
// is nil), with the expectation for each.
type inputColumn struct {
	label string
	only  func(r *reached) bool
	in    func(r *reached) Input
	want  func(r *reached) stepWant
}

func fixedIn(in Input) func(*reached) Input { return func(*reached) Input { return in } }

func onlyIn(names ...string) func(*reached) bool {
	return func(r *reached) bool { return slices.Contains(names, r.name) }
}

var columns = []inputColumn{
	// --- local commands ---
	{label: "Start", in: fixedIn(Start{SDP: "offerB", Props: Props{"muted": "false"}}), want: func(r *reached) stepWant {
		switch r.state {
		case StateIdle, StatePendingOutgoing:
			return stepWant{
				out: append(toState(r, StatePendingOutgoing),
					"Send(SETUP request, backend, sdp=offerB, props={muted:false})",
					setT(TimerSetup, time.Minute, r.gen+1)),
				mod: func(s *Snapshot) {
					s.State, s.Dir, s.Timer = StatePendingOutgoing, DirOutgoing, armedTimer(TimerSetup, time.Minute, r.gen+1)
				},
			}
		}
		return wantRefused(ErrProto)
	}},
	{label: "Answer", in: fixedIn(Answer{SDP: "answerB"}), want: func(r *reached) stepWant {
		switch r.state {
		case StatePendingIncoming, StateConflictResolution:
			return stepWant{
				out: []string{cancelT(r.snap.Timer.Gen), "Send(SETUP response, backend, sdp=answerB)", changed(r.state, StateAnswered)},
				mod: func(s *Snapshot) { s.State, s.Timer = StateAnswered, Timer{} },
			}
		}
		return wantRefused(ErrProto)
	}},
	{label: "UpdateReq", in: fixedIn(UpdateReq{SDP: "updB"}), want: func(r *reached) stepWant {
		switch r.state {
		case StateAnswered, StateDataChanEstablished:
			return stepWant{
				out: []string{changed(r.state, StateUpdateSent), "Send(UPDATE request, backend, sdp=updB)", setT(TimerSetup, time.Minute, r.gen+1)},
				mod: func(s *Snapshot) { s.State, s.Timer = StateUpdateSent, armedTimer(TimerSetup, time.Minute, r.gen+1) },
			}
		}
		return wantRefused(ErrProto)
	}},
	{label: "UpdateResp", in: fixedIn(UpdateResp{SDP: "updB2", Props: Props{}}), want: func(r *reached) stepWant {
		if r.state == StateUpdateRecv {
			return stepWant{
				out: []string{cancelT(r.snap.Timer.Gen), "Send(UPDATE response, backend, sdp=updB2, props={})", changed(r.state, StateAnswered)},
				mod: func(s *Snapshot) { s.State, s.Timer = StateAnswered, Timer{} },
			}
		}
		return wantRefused(ErrProto)
	}},
	{label: "End", in: fixedIn(End{}), want: wantEnd},
	{label: "Close(canceled)", in: fixedIn(Close{Reason: ErrCanceled, MsgTime: 7}), want: func(r *reached) stepWant {
		return closeExpect(r, ErrCanceled, 7)
	}},
	{label: "DataChanEstablished", in: fixedIn(DataChanEstablished{}), want: func(r *reached) stepWant {
		if r.state == StateAnswered {
			return stepWant{out: []string{changed(r.state, StateDataChanEstablished)},
				mod: func(s *Snapshot) { s.State = StateDataChanEstablished }}
		}
		return wantOuts(ignoredOut(0, "data channel established in state %s, not Answered", r.state))
	}},
	{label: "SetError", in: fixedIn(SetError{Err: ErrIO}), want: func(r *reached) stepWant {
		return stepWant{mod: func(s *Snapshot) { s.Err = ErrIO }}
	}},
	{label: "SendPropsync", in: fixedIn(SendPropsync{Props: Props{"muted": "true"}}), want: func(r *reached) stepWant {
		if r.state == StateDataChanEstablished {
			return wantOuts("Send(PROPSYNC request, direct, props={muted:true}, src=B/1)")
		}
		return wantRefused(ErrProto)
	}},
	{label: "SendPropsync(no props)", in: fixedIn(SendPropsync{Resp: true}), want: func(r *reached) stepWant {
		if r.state == StateDataChanEstablished {
			return wantRefused(ErrInvalid)
		}
		return wantRefused(ErrProto)
	}},
	{label: "SendAlert", in: fixedIn(SendAlert{Level: 2, Descr: "mic"}), want: func(r *reached) stepWant {
		return wantOuts("Send(ALERT request, backend, level=2, descr=mic, transient=true)")
	}},
	{label: "SendPing", in: fixedIn(SendPing{Resp: true}), want: func(r *reached) stepWant {
		return wantOuts("Send(PING response, direct)")
	}},

	// --- SETUP ---
	{label: "Recv(SETUP req)", only: func(r *reached) bool { return r.name != "PendingOutgoing" },
		in: func(r *reached) Input { return r.peer.recv(MsgSetup, false) }, want: wantSetupReq},
	{label: "Recv(SETUP req, winner)", only: onlyIn("PendingOutgoing"),
		in: fixedIn(peerLo.recv(MsgSetup, false)), want: func(r *reached) stepWant {
			return stepWant{
				out: []string{ignoredOut(MsgSetup, "SETUP glare: B/1 wins over A/1, dropping the remote offer")},
				mod: func(s *Snapshot) {
					s.Conflict, s.UserRemote, s.ClientRemote, s.SessIDRemote = ConflictWinner, "A", "1", "sA"
				},
			}
		}},
	{label: "Recv(SETUP req, loser)", only: onlyIn("PendingOutgoing"),
		in: fixedIn(peerHi.recv(MsgSetup, false)), want: func(r *reached) stepWant {
			return stepWant{
				out: []string{changed(r.state, StateConflictResolution), "Answered(reset=true, sdp=sdp-C, props={videosend:true})"},
				mod: func(s *Snapshot) {
					s.State, s.Conflict = StateConflictResolution, ConflictLoser
					s.UserRemote, s.ClientRemote, s.SessIDRemote = "C", "1", "sC"
				},
			}
		}},
	{label: "Recv(SETUP req, wrong client)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			return Recv{FromUser: r.peer.user, FromClient: "9", Msg: r.peer.msg(MsgSetup, false)}
		},
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgSetup, "SETUP from client 9, remote client is 1"))
		}},
	{label: "Recv(SETUP req, wrong user)", only: (*reached).remoteKnown,
		in: fixedIn(Recv{FromUser: "Z", FromClient: "1", Msg: testPeer{"Z", "1", "sZ"}.msg(MsgSetup, false)}),
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgSetup, "SETUP from user Z, remote user is %s", r.peer.user))
		}},
	{label: "Recv(SETUP resp)", in: func(r *reached) Input { return r.peer.recv(MsgSetup, true) }, want: wantSetupResp},
	{label: "Recv(SETUP resp, wrong client)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			return Recv{FromUser: r.peer.user, FromClient: "9", Msg: r.peer.msg(MsgSetup, true)}
		},
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgSetup, "SETUP from client 9, remote client is 1"))
		}},

	// --- UPDATE ---
	{label: "Recv(UPDATE req)", only: func(r *reached) bool { return r.state != StateUpdateSent || r.peer == peerHi },
		in: func(r *reached) Input { return r.peer.recv(MsgUpdate, false) }, want: wantUpdateReq},
	{label: "Recv(UPDATE req, winner)", only: onlyIn("UpdateSent"),
		in: func(r *reached) Input { return r.peer.recv(MsgUpdate, false) }, want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgUpdate, "UPDATE glare: B/1 wins over A/1, dropping the remote update"))
		}},
	{label: "Recv(UPDATE req, wrong session)",
		in: func(r *reached) Input {
			m := r.peer.msg(MsgUpdate, false)
			m.SessID = "sX"
			return Recv{FromUser: r.peer.user, FromClient: r.peer.client, Msg: m}
		},
		want: func(r *reached) stepWant { return wantOuts(wrongSession(r, MsgUpdate, "sX")) }},
	{label: "Recv(UPDATE req, wrong client)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			return Recv{FromUser: r.peer.user, FromClient: "9", Msg: r.peer.msg(MsgUpdate, false)}
		},
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgUpdate, "UPDATE from client 9, remote client is 1"))
		}},
	{label: "Recv(UPDATE resp)", in: func(r *reached) Input { return r.peer.recv(MsgUpdate, true) }, want: func(r *reached) stepWant {
		switch {
		case !r.remoteKnown():
			return wantOuts(wrongSession(r, MsgUpdate, r.peer.sess))
		case r.state == StateUpdateSent:
			return stepWant{
				out: []string{cancelT(r.snap.Timer.Gen), changed(r.state, StateAnswered), "UpdateAnswered(sdp=upd-A, props={muted:true})"},
				mod: func(s *Snapshot) { s.State, s.Timer = StateAnswered, Timer{} },
			}
		}
		return wantOuts(ignoredOut(MsgUpdate, "UPDATE response in state %s", r.state))
	}},
	{label: "Recv(UPDATE resp, wrong client)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			return Recv{FromUser: r.peer.user, FromClient: "9", Msg: r.peer.msg(MsgUpdate, true)}
		},
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgUpdate, "UPDATE from client 9, remote client is 1"))
		}},

	// --- CANCEL ---
	{label: "Recv(CANCEL)", in: func(r *reached) Input { return r.peer.recv(MsgCancel, false) }, want: wantCancel},
	{label: "Recv(CANCEL, wrong client)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			return Recv{FromUser: r.peer.user, FromClient: "666", Msg: r.peer.msg(MsgCancel, false)}
		},
		want: func(r *reached) stepWant {
			return wantOuts(ignoredOut(MsgCancel, "CANCEL from client 666, remote client is 1"))
		}},
	{label: "Recv(CANCEL, wrong session)", only: (*reached).remoteKnown,
		in: func(r *reached) Input {
			m := r.peer.msg(MsgCancel, false)
			m.SessID = "sX"
			return Recv{FromUser: r.peer.user, FromClient: r.peer.client, Msg: m}
		},
		want: func(r *reached) stepWant {
			switch r.state {
			case StatePendingIncoming, StateUpdateSent, StateUpdateRecv, StateAnswered, StateDataChanEstablished:
				return wantOuts(wrongSession(r, MsgCancel, "sX"))
			}
			return wantOuts(ignoredOut(MsgCancel, "CANCEL in state %s", r.state))
		}},

	// --- HANGUP ---
	{label: "Recv(HANGUP req)", in: func(r *reached) Input { return r.peer.recv(MsgHangup, false) }, want: func(r *reached) stepWant {
		return wantHangup(r, false)
	}},
	{label: "Recv(HANGUP resp)", in: func(r *reached) Input { return r.peer.recv(MsgHangup, true) }, want: func(r *reached) stepWant {
		return wantHangup(r, true)
	}},
	{label: "Recv(HANGUP req, wrong session)",
		in: func(r *reached) Input {
			m := r.peer.msg(MsgHangup, false)
			m.SessID = "sX"
			return Recv{FromUser: r.peer.user, FromClient: r.peer.client, Msg: m}
		},
		want: func(r *reached) stepWant { return wantOuts(wrongSession(r, MsgHangup, "sX")) }},

	// --- messages a connection passes on or drops ---
	{label: "Recv(ALERT)", in: func(r *reached) Input { return r.peer.recv(MsgAlert, false) }, want: func(*reached) stepWant {
		return wantOuts("AlertReceived(1, low battery)")
	}},
	{label: "Recv(PING req)", in: func(r *reached) Input { return r.peer.recv(MsgPing, false) }, want: func(*reached) stepWant {
		return wantOuts("PingReceived(resp=false)")
	}},
	{label: "Recv(CONFPART)", in: func(r *reached) Input { return r.peer.recv(MsgConfPart, false) }, want: func(*reached) stepWant {
		return wantOuts("ConfPartReceived(CONFPART)")
	}},
	{label: "Recv(REJECT)", in: func(r *reached) Input { return r.peer.recv(MsgReject, false) }, want: func(*reached) stepWant {
		return wantOuts(ignoredOut(MsgReject, "REJECT accepted: it has no effect on a connection"))
	}},
	{label: "Recv(PROPSYNC)", in: func(r *reached) Input { return r.peer.recv(MsgPropsync, false) }, want: func(*reached) stepWant {
		return wantOuts(ignoredOut(MsgPropsync, "PROPSYNC is not handled by a connection"))
	}},
	{label: "Recv(no message)", in: fixedIn(Recv{FromUser: "A", FromClient: "1"}), want: func(*reached) stepWant {
		return wantOuts(ignoredOut(0, "received no message"))
	}},

	// --- timers ---
	{label: "TimerFired(current)", in: func(r *reached) Input { return TimerFired{Gen: r.gen} }, want: wantTimerCurrent},
	{label: "TimerFired(stale)", in: func(r *reached) Input { return TimerFired{Gen: r.gen - 1} }, want: func(r *reached) stepWant {
		if !r.snap.Timer.Armed {
			return wantOuts(ignoredOut(0, "timer #%d fired but no timer is armed", r.gen-1))
		}
		return wantOuts(ignoredOut(0, "timer #%d fired but #%d is the armed one", r.gen-1, r.gen))
	}},

	// --- send failures ---
	{label: "SendFailed(SETUP req)", in: fixedIn(SendFailed{Type: MsgSetup, Err: ErrIO}), want: wantSetupErr},
	{label: "SendFailed(SETUP resp)", in: fixedIn(SendFailed{Type: MsgSetup, Resp: true, Err: ErrIO}), want: wantSetupErr},
	{label: "SendFailed(UPDATE req)", in: fixedIn(SendFailed{Type: MsgUpdate, Err: ErrIO}), want: func(r *reached) stepWant {
		e := wantSetupErr(r)
		e.out = append(e.out, setT(TimerSetup, time.Millisecond, r.gen+1))
		mod := e.mod
		e.mod = func(s *Snapshot) { mod(s); s.Timer = armedTimer(TimerSetup, time.Millisecond, r.gen+1) }
		return e
	}},
	{label: "SendFailed(UPDATE resp)", in: fixedIn(SendFailed{Type: MsgUpdate, Resp: true, Err: ErrIO}), want: wantSetupErr},
	{label: "SendFailed(HANGUP req)", in: fixedIn(SendFailed{Type: MsgHangup, Err: ErrIO}), want: func(r *reached) stepWant {
		var o []string
		to := r.state
		if r.state == StateHangupSent {
			to = StateDataChanEstablished
			o = append(o, changed(r.state, to))
		}
		return stepWant{
			out: append(o, setT(TimerTerm, time.Millisecond, r.gen+1)),
			mod: func(s *Snapshot) {
				s.State, s.Err, s.Timer = to, ErrIO, armedTimer(TimerTerm, time.Millisecond, r.gen+1)
			},
		}
	}},
	{label: "SendFailed(CANCEL)", in: fixedIn(SendFailed{Type: MsgCancel, Err: ErrIO}), want: func(*reached) stepWant {
		return wantOuts(ignoredOut(MsgCancel, "send of CANCEL request failed (io): no effect"))
	}},
	{label: "SendFailed(HANGUP resp)", in: fixedIn(SendFailed{Type: MsgHangup, Resp: true, Err: ErrIO}), want: func(*reached) stepWant {
		return wantOuts(ignoredOut(MsgHangup, "send of HANGUP response failed (io): no effect"))
	}},
}

func wantEnd(r *reached) stepWant {
	next := r.gen + 1
	term := func(o []string, a TimerAction, after time.Duration) stepWant {
		return stepWant{
			out: append(append(o, toState(r, StateTerminating)...), setT(a, after, next)),
			mod: func(s *Snapshot) { s.State, s.Timer = StateTerminating, armedTimer(a, after, next) },
		}
	}
	switch r.state {
	case StateUpdateRecv, StatePendingIncoming:
		return term(nil, TimerCancelClose, time.Millisecond)
	case StateUpdateSent, StatePendingOutgoing, StateAnswered, StateConflictResolution:
		return term([]string{"Send(CANCEL request, backend)"}, TimerCancelClose, time.Millisecond)
	case StateDataChanEstablished:
		return stepWant{
			out: []string{"Send(HANGUP request, direct)", changed(r.state, StateHangupSent), setT(TimerTerm, 5*time.Second, next)},
			mod: func(s *Snapshot) { s.State, s.Timer = StateHangupSent, armedTimer(TimerTerm, 5*time.Second, next) },
		}
	case StateTerminating:
		return wantOuts(ignoredOut(0, "End in state Terminating: already terminating"))
	}
	return term(nil, TimerTerm, 5*time.Second) // Idle, HangupSent, HangupRecv
}

func wantSetupReq(r *reached) stepWant {
	reset := false
	switch r.state {
	case StateIdle:
	case StateAnswered, StateDataChanEstablished, StateUpdateSent:
		reset = true
	default:
		return wantOuts(ignoredOut(MsgSetup, "SETUP request in state %s", r.state))
	}
	p := r.peer
	return stepWant{
		out: []string{
			changed(r.state, StatePendingIncoming),
			setT(TimerSetup, time.Minute, r.gen+1),
			fmt.Sprintf("Incoming(%s/%s, t=1000, age=3, sdp=sdp-%s, props={videosend:true}, reset=%t)", p.user, p.client, p.user, reset),
		},
		mod: func(s *Snapshot) {
			s.State, s.Dir, s.Timer = StatePendingIncoming, DirIncoming, armedTimer(TimerSetup, time.Minute, r.gen+1)
			s.UserRemote, s.ClientRemote, s.SessIDRemote = p.user, p.client, p.sess
		},
	}
}

func wantSetupResp(r *reached) stepWant {
	p := r.peer
	switch r.state {
	case StatePendingOutgoing, StateConflictResolution:
		return stepWant{
			out: []string{cancelT(r.snap.Timer.Gen), changed(r.state, StateAnswered),
				fmt.Sprintf("Answered(reset=false, sdp=sdp-%s, props={videosend:true})", p.user)},
			mod: func(s *Snapshot) {
				s.State, s.Timer = StateAnswered, Timer{}
				s.UserRemote, s.ClientRemote, s.SessIDRemote = p.user, p.client, p.sess
			},
		}
	}
	// Refused by state, but a first SETUP still teaches the remote ids.
	return stepWant{
		out: []string{ignoredOut(MsgSetup, "SETUP response in state %s", r.state)},
		mod: func(s *Snapshot) { s.UserRemote, s.ClientRemote = p.user, p.client },
	}
}

func wantUpdateReq(r *reached) stepWant {
	if !r.remoteKnown() {
		return wantOuts(wrongSession(r, MsgUpdate, r.peer.sess))
	}
	reset := false
	switch r.state {
	case StateAnswered, StateDataChanEstablished:
	case StateUpdateSent: // only the losing side gets here, see columns
		reset = true
	default:
		return wantOuts(ignoredOut(MsgUpdate, "UPDATE request in state %s", r.state))
	}
	p := r.peer
	return stepWant{
		out: []string{
			changed(r.state, StateUpdateRecv),
			setT(TimerSetup, time.Minute, r.gen+1),
			fmt.Sprintf("UpdateRequested(%s/%s, sdp=upd-%s, props={muted:true}, reset=%t)", p.user, p.client, p.user, reset),
		},
		mod: func(s *Snapshot) { s.State, s.Timer = StateUpdateRecv, armedTimer(TimerSetup, time.Minute, r.gen+1) },
	}
}

func wantCancel(r *reached) stepWant {
	if !r.remoteKnown() {
		return wantOuts(ignoredOut(MsgCancel, "CANCEL from client 1, no remote client yet"))
	}
	var reason error
	switch r.state {
	case StatePendingIncoming:
		reason = ErrCanceled
	case StateUpdateSent, StateUpdateRecv, StateAnswered, StateDataChanEstablished:
	default:
		return wantOuts(ignoredOut(MsgCancel, "CANCEL in state %s", r.state))
	}
	o := toState(r, StateTerminating)
	o = append(o, cancelIfArmed(r)...)
	o = append(o, closedOut(reason, 1000))
	return stepWant{out: o, mod: func(s *Snapshot) {
		s.State, s.Timer, s.SetupErr, s.Closed = StateTerminating, Timer{}, reason, true
	}}
}

func wantHangup(r *reached, resp bool) stepWant {
	if !r.remoteKnown() {
		return wantOuts(wrongSession(r, MsgHangup, r.peer.sess))
	}
	if r.state != StateDataChanEstablished && r.state != StateHangupSent {
		return wantOuts(ignoredOut(MsgHangup, "HANGUP %s in state %s", ReqResp(resp), r.state))
	}
	o := []string{changed(r.state, StateHangupRecv)}
	if !resp {
		o = append(o, "Send(HANGUP response, direct)")
	}
	o = append(o, changed(StateHangupRecv, StateTerminating))
	o = append(o, cancelIfArmed(r)...)
	o = append(o, closedOut(nil, 1000))
	return stepWant{out: o, mod: func(s *Snapshot) {
		s.State, s.Timer, s.SetupErr, s.Closed = StateTerminating, Timer{}, nil, true
	}}
}

func wantTimerCurrent(r *reached) stepWant {
	if !r.snap.Timer.Armed {
		return wantOuts(ignoredOut(0, "timer #%d fired but no timer is armed", r.gen))
	}
	var reason error // terminate and cancel-close: a normal close
	if r.snap.Timer.Action == TimerSetup {
		reason = ErrTimedOut
	}
	// The timer expired, so Close has nothing left to cancel.
	r2 := *r
	r2.snap.Timer = Timer{}
	return closeExpect(&r2, reason, 0)
}

func wantSetupErr(r *reached) stepWant {
	return stepWant{
		out: toState(r, StateTerminating),
		mod: func(s *Snapshot) { s.State, s.SetupErr = StateTerminating, ErrIO },
	}
}

func wrongSession(r *reached, t MsgType, sess string) string {
	if !r.remoteKnown() {
		return ignoredOut(t, "%s for session %q, no remote session yet", t, sess)
	}
	return ignoredOut(t, "%s for session %q, remote session is %q", t, sess, r.snap.SessIDRemote)
}

// goName is the state's Go-style name for test case names.
func goName(s State) string {
	return strings.NewReplacer("-", "", "Datachan", "DataChan").Replace(s.String())
}

func TestTransitions(t *testing.T) {
	all := append(slices.Clone(fixtures), fixtureUpdateSentLoser)
	n := 0
	for _, col := range columns {
		for _, f := range all {
			probe := reach(t, f)
			if f.peer == peerHi && f.name == "UpdateSent" {
				// Only UPDATE glare needs the losing UpdateSent.
				if col.label != "Recv(UPDATE req)" {
					continue
				}
			}
			if col.only != nil && !col.only(probe) {
				continue
			}
			want := col.want(probe)
			label := col.label
			if f.peer == peerHi && f.name == "UpdateSent" {
				label = "Recv(UPDATE req, loser)"
			}
			after := probe.snap
			if want.mod != nil {
				want.mod(&after)
			}
			name := fmt.Sprintf("%s->%s->%s", f.name, label, goName(after.State))
			n++
			t.Run(name, func(t *testing.T) {
				r := reach(t, f)
				got, err := r.c.Step(col.in(r))
				checkStep(t, r, got, err, want, after)
			})
		}
	}
	if n < 400 {
		t.Errorf("only %d transition cases ran", n)
	}
}

// checkStep compares one Step's result with the expectation.
func checkStep(t *testing.T, r *reached, got []Output, err error, want stepWant, after Snapshot) {
	t.Helper()
	if want.err != nil {
		if !errors.Is(err, want.err) {
			t.Fatalf("error %v, want %v", err, want.err)
		}
		if len(got) != 0 {
			t.Errorf("refused command produced outputs %q", fmtOuts(got))
		}
		if s := r.c.Snapshot(); !s.Equal(r.snap) {
			t.Errorf("refused command changed the connection:\n before %s\n after  %s", r.snap, s)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if g := fmtOuts(got); !slices.Equal(g, want.out) {
		t.Errorf("outputs:\n got  %q\n want %q", g, want.out)
	}
	for _, o := range got {
		if s, ok := o.(Send); ok && s.Msg.SessID != selfCfg.SessID {
			t.Errorf("%s sent with session %q, want %q", s.Msg.Type, s.Msg.SessID, selfCfg.SessID)
		}
	}
	if s := r.c.Snapshot(); !s.Equal(after) {
		t.Errorf("snapshot:\n got  %s\n want %s", s, after)
	}
}

// --- rules the table does not reach --------------------------------------

// stepAll feeds inputs to c and returns the rendered outputs of the last.
func stepAll(t *testing.T, c *Conn, ins ...Input) []string {
	t.Helper()
	var last []string
	for _, in := range ins {
		outs, err := c.Step(in)
		if err != nil {
			t.Fatalf("%s: %v", in.InputName(), err)
		}
		last = fmtOuts(outs)
	}
	return last
}

func newConn(t *testing.T, cfg Config) *Conn {
	t.Helper()
	c, _, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The sticky error of SetError replaces the close reason of timers,
// CANCEL and HANGUP.
func TestStickyErrorOverridesCloseReason(t *testing.T) {
	boom := errors.New("media failed")
	cases := []struct {
		name string
		path []Input
		last func(c *Conn) Input
		want string
	}{
		{"setup timer", pathPI, func(c *Conn) Input { return TimerFired{Gen: c.Snapshot().Timer.Gen} }, closedOut(boom, 0)},
		{"terminate timer", append(slices.Clone(pathDCE), End{}), func(c *Conn) Input { return TimerFired{Gen: c.Snapshot().Timer.Gen} }, closedOut(boom, 0)},
		{"cancel-close timer", append(slices.Clone(pathPI), End{}), func(c *Conn) Input { return TimerFired{Gen: c.Snapshot().Timer.Gen} }, closedOut(boom, 0)},
		{"CANCEL while ringing", pathPI, func(*Conn) Input { return peerLo.recv(MsgCancel, false) }, closedOut(boom, 1000)},
		{"HANGUP", pathDCE, func(*Conn) Input { return peerLo.recv(MsgHangup, false) }, closedOut(boom, 1000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newConn(t, selfCfg)
			stepAll(t, c, tc.path...)
			stepAll(t, c, SetError{Err: boom})
			got := stepAll(t, c, tc.last(c))
			if len(got) == 0 || got[len(got)-1] != tc.want {
				t.Errorf("outputs %q, want them to end in %s", got, tc.want)
			}
			if s := c.Snapshot(); !SameError(s.SetupErr, boom) || !s.Closed {
				t.Errorf("snapshot %s, want closed with setupErr %v", s, boom)
			}
		})
	}
}

// HangupRecv is only passed through: a received HANGUP goes on to
// Terminating in the same Step, so no Conn rests in it.
func TestHangupRecvIsTransient(t *testing.T) {
	c := newConn(t, selfCfg)
	got := stepAll(t, c, append(slices.Clone(pathDCE), peerLo.recv(MsgHangup, false))...)
	want := []string{
		changed(StateDataChanEstablished, StateHangupRecv),
		"Send(HANGUP response, direct)",
		changed(StateHangupRecv, StateTerminating),
		closedOut(nil, 1000),
	}
	if !slices.Equal(got, want) {
		t.Errorf("outputs %q, want %q", got, want)
	}
}

// A failed Start leaves the Start's setup timer armed (the caller carries
// out the SetTimer that followed the Send); when it fires the call closes
// with a timeout, after the state already went to Terminating.
func TestFailedStartTimesOut(t *testing.T) {
	c := newConn(t, selfCfg)
	stepAll(t, c, Start{SDP: "offerB"})
	got := stepAll(t, c, SendFailed{Type: MsgSetup, Err: ErrIO})
	if want := []string{changed(StatePendingOutgoing, StateTerminating)}; !slices.Equal(got, want) {
		t.Errorf("SendFailed: %q, want %q", got, want)
	}
	s := c.Snapshot()
	if s.Closed || !s.Timer.Armed || s.Timer.Gen != 2 || !SameError(s.SetupErr, ErrIO) {
		t.Fatalf("after the failed start: %s", s)
	}
	got = stepAll(t, c, TimerFired{Gen: 2})
	if want := []string{closedOut(ErrTimedOut, 0)}; !slices.Equal(got, want) {
		t.Errorf("timer: %q, want %q", got, want)
	}
}

// Remote ids and session ids compare case-insensitively, and the ids
// learnt first are kept as they were spelt.
func TestRemoteIDsCaseInsensitive(t *testing.T) {
	c := newConn(t, selfCfg)
	stepAll(t, c, append(slices.Clone(pathAN), DataChanEstablished{})...)
	m := peerLo.msg(MsgSetup, false)
	got := stepAll(t, c, Recv{FromUser: "a", FromClient: "1", Msg: m})
	if len(got) != 3 || !strings.HasPrefix(got[2], "Incoming(a/1") || !strings.Contains(got[2], "reset=true") {
		t.Errorf("SETUP from a/1: %q, want a reset incoming call", got)
	}
	if s := c.Snapshot(); s.UserRemote != "A" || s.ClientRemote != "1" {
		t.Errorf("remote ids became %s/%s, want A/1 kept", s.UserRemote, s.ClientRemote)
	}
	stepAll(t, c, Answer{SDP: "again"})
	up := peerLo.msg(MsgUpdate, false)
	up.SessID = "SA"
	got = stepAll(t, c, Recv{FromUser: "A", FromClient: "1", Msg: up})
	if len(got) == 0 || got[0] != changed(StateAnswered, StateUpdateRecv) {
		t.Errorf("UPDATE with session SA: %q, want it accepted as sA", got)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []Config{
		{ClientID: "1", SessID: "s"},
		{UserID: "A", SessID: "s"},
		{UserID: "A", ClientID: "1"},
		{UserID: "A", ClientID: "1", SessID: "s", SetupTimeout: -1},
		{UserID: "A", ClientID: "1", SessID: "s", TermTimeout: -time.Second},
	} {
		if c, outs, err := New(cfg); !errors.Is(err, ErrInvalid) || c != nil || outs != nil {
			t.Errorf("New(%+v) = %v, %v, %v; want ErrInvalid", cfg, c, outs, err)
		}
	}
}

func TestNewArmsSetupTimerAndAppliesTimeouts(t *testing.T) {
	c, outs, err := New(selfCfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmtOuts(outs), []string{setT(TimerSetup, 60*time.Second, 1)}; !slices.Equal(got, want) {
		t.Errorf("New outputs %q, want %q", got, want)
	}
	if cfg := c.Config(); cfg.SetupTimeout != DefaultSetupTimeout || cfg.TermTimeout != DefaultTermTimeout {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if s := c.Snapshot(); s.State != StateIdle || s.Dir != DirUnknown || s.Timer != armedTimer(TimerSetup, time.Minute, 1) {
		t.Errorf("new conn: %s", s)
	}

	cfg := selfCfg
	cfg.SetupTimeout, cfg.TermTimeout = 100*time.Millisecond, 2*time.Second
	c, outs, _ = New(cfg)
	if got, want := fmtOuts(outs), []string{setT(TimerSetup, 100*time.Millisecond, 1)}; !slices.Equal(got, want) {
		t.Errorf("New outputs %q, want %q", got, want)
	}
	got := stepAll(t, c, append(slices.Clone(pathDCE), End{})...)
	if want := setT(TimerTerm, 2*time.Second, 3); got[len(got)-1] != want {
		t.Errorf("End in DataChanEstablished: %q, want it to end in %s", got, want)
	}
}

func TestStepRefusesUnknownInput(t *testing.T) {
	c := newConn(t, selfCfg)
	before := c.Snapshot()
	// Input is sealed, so nil is the only input Step does not know.
	for _, in := range []Input{nil} {
		outs, err := c.Step(in)
		if !errors.Is(err, ErrInvalid) || len(outs) != 0 {
			t.Errorf("Step(%#v) = %v, %v; want ErrInvalid", in, outs, err)
		}
	}
	if !c.Snapshot().Equal(before) {
		t.Errorf("unknown input changed the conn: %s", c.Snapshot())
	}
}

// Close is given once: a second Close (or a timer after it) only records
// the reason.
func TestCloseOnce(t *testing.T) {
	c := newConn(t, selfCfg)
	if got := stepAll(t, c, Close{Reason: ErrCanceled, MsgTime: 5}); !slices.Equal(got, []string{
		cancelT(1), changed(StateIdle, StateTerminating), closedOut(ErrCanceled, 5),
	}) {
		t.Errorf("first Close: %q", got)
	}
	if got := stepAll(t, c, Close{Reason: ErrIO}); len(got) != 0 {
		t.Errorf("second Close: %q, want nothing", got)
	}
	if s := c.Snapshot(); !SameError(s.SetupErr, ErrIO) || !s.Closed {
		t.Errorf("after the second Close: %s", s)
	}
}

func TestIsWinner(t *testing.T) {
	for _, tc := range []struct {
		su, sc, ru, rc string
		win            bool
	}{
		{"B", "1", "A", "1", true},
		{"A", "1", "B", "1", false},
		{"A", "2", "A", "1", true},
		{"A", "1", "A", "2", false},
		{"A", "1", "A", "1", false},
		{"a", "1", "B", "1", true}, // byte-wise: lower case sorts after upper
		{"193ac375-d7f0-4a0e-a237-e409297c7c9f", "fcf510876f3349e4", "293ac375-d7f0-4a0e-a237-e409297c7c9f", "fcf510876f3349e4", false},
		{"293ac375-d7f0-4a0e-a237-e409297c7c9f", "fcf510876f3349e4", "193ac375-d7f0-4a0e-a237-e409297c7c9f", "fcf510876f3349e4", true},
	} {
		if got := IsWinner(tc.su, tc.sc, tc.ru, tc.rc); got != tc.win {
			t.Errorf("IsWinner(%s/%s vs %s/%s) = %t, want %t", tc.su, tc.sc, tc.ru, tc.rc, got, tc.win)
		}
	}
}

func TestTransportFor(t *testing.T) {
	direct := map[MsgType]bool{MsgHangup: true, MsgPropsync: true, MsgConfPart: true, MsgPing: true}
	for _, typ := range msgTypes {
		via, ok := TransportFor(typ)
		switch {
		case typ == MsgConfKey:
			if ok {
				t.Errorf("CONFKEY has transport %s, want none", via)
			}
		case !ok:
			t.Errorf("%s has no transport", typ)
		case direct[typ] != (via == TransportDirect):
			t.Errorf("%s goes %s", typ, via)
		}
	}
	if _, ok := TransportFor(MsgType(0x7f)); ok {
		t.Error("an unknown type has a transport")
	}
}
