package viewer

import (
	"fmt"
	"maps"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// script records a small call by driving real econn connections, the way
// the recorder does: per connection a New input and its outputs, then per
// step one input event and one output event per output. It keeps every
// connection's snapshot before and after each step, so memSource can
// answer States without a replay engine.
type script struct {
	t      testing.TB
	meta   eventlog.CallMeta
	at     time.Duration
	events []eventlog.Event
	rows   []Row
	step   []int // event index → step number
	states [][]ConnState
	conns  []*scriptConn
}

type scriptConn struct {
	ep, remote eventlog.Endpoint
	c          *econn.Conn
	deadline   time.Duration
	local      econn.Props
	remoteP    econn.Props
}

func newScript(t testing.TB, id string, eps ...eventlog.Endpoint) *script {
	return &script{t: t, meta: eventlog.CallMeta{ID: id, FormatVersion: eventlog.FormatVersion,
		Source: "test", Start: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), Endpoints: eps}}
}

func ep(s string) eventlog.Endpoint {
	e, err := eventlog.ParseEndpoint(s)
	if err != nil {
		panic(err)
	}
	return e
}

func (s *script) conn(e eventlog.Endpoint) *scriptConn {
	for _, c := range s.conns {
		if c.ep == e {
			return c
		}
	}
	s.t.Fatalf("no connection at %s", e)
	return nil
}

// advance moves the call clock.
func (s *script) advance(d time.Duration) { s.at += d }

// newConn creates the ECONN of ep towards remote.
func (s *script) newConn(e, remote eventlog.Endpoint, sess string) {
	cfg := econn.Config{UserID: e.User, ClientID: e.Client, SessID: sess}
	c, outs, err := econn.New(cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	sc := &scriptConn{ep: e, remote: remote, c: c}
	s.conns = append(s.conns, sc)
	s.meta.Conns = append(s.meta.Conns, eventlog.ConnMeta{Endpoint: e, Remote: remote, Config: cfg})
	s.record(sc, eventlog.NewConn{Config: cfg, Remote: remote}, outs, true, nil, [2]econn.Props{})
}

// input steps ep's connection with in and records it.
func (s *script) input(e eventlog.Endpoint, in eventlog.Input) {
	sc := s.conn(e)
	before := s.snapshot()
	propsBefore := [2]econn.Props{sc.local, sc.remoteP}
	var outs []econn.Output
	var err error
	logged := in
	if rv, ok := in.(eventlog.RecvInput); ok {
		r, derr := rv.Decode()
		if derr != nil {
			rv.DecodeErr = econn.ErrorName(derr)
			logged = rv
		} else {
			outs, err = sc.c.Step(r)
			if r.Msg.Props != nil {
				sc.remoteP = r.Msg.Props
			}
		}
	} else {
		outs, err = sc.c.Step(in.(eventlog.StepInput).In)
	}
	if err != nil {
		s.t.Fatalf("step %s %s: %v", e, in.InputName(), err)
	}
	if s, ok := in.(eventlog.StepInput); ok {
		if p, ok := econn.CommandProps(s.In); ok {
			sc.local = p
		}
	}
	s.record(sc, logged, outs, false, before, propsBefore)
}

// recv delivers the message of the last Send of from's connection to to.
func (s *script) recv(to, from eventlog.Endpoint, typ econn.MsgType) {
	for i := len(s.events) - 1; i >= 0; i-- {
		snd, ok := s.events[i].Output.(econn.Send)
		if ok && s.events[i].Endpoint == from && snd.Msg.Type == typ {
			data, err := snd.Msg.Encode()
			if err != nil {
				s.t.Fatal(err)
			}
			s.input(to, eventlog.RecvInput{FromUser: from.User, FromClient: from.Client, Via: snd.Via, Data: data})
			return
		}
	}
	s.t.Fatalf("%s sent no %s", from, typ)
}

// note records a note about ep.
func (s *script) note(e eventlog.Endpoint, text string, attrs map[string]string) {
	s.add(eventlog.Event{Endpoint: e, Kind: eventlog.KindNote, Type: "media", Note: &eventlog.Note{Text: text, Attrs: attrs}},
		text, nil)
	s.step = append(s.step, s.lastStep())
}

func (s *script) lastStep() int {
	if len(s.step) == 0 {
		return 0
	}
	return s.step[len(s.step)-1]
}

func (s *script) snapshot() []econn.Snapshot {
	snaps := make([]econn.Snapshot, len(s.conns))
	for i, c := range s.conns {
		snaps[i] = c.c.Snapshot()
	}
	return snaps
}

// record adds the step's events and every connection's state after it;
// the stepped connection's props before the step are propsBefore, which
// a Source reports when the step changed them.
func (s *script) record(sc *scriptConn, in eventlog.Input, outs []econn.Output, created bool, before []econn.Snapshot, propsBefore [2]econn.Props) {
	step := len(s.states)
	for _, o := range outs {
		if st, ok := o.(econn.SetTimer); ok {
			sc.deadline = s.at + st.After
		}
	}
	var states []ConnState
	for i, c := range s.conns {
		cs := ConnState{Endpoint: c.ep, Conn: c.c.Config().SessID, After: c.c.Snapshot(), Deadline: c.deadline,
			LocalProps: c.local, RemoteProps: c.remoteP}
		if i < len(before) {
			cs.Before = before[i]
			if c == sc && (!maps.Equal(propsBefore[0], c.local) || !maps.Equal(propsBefore[1], c.remoteP)) {
				cs.PropsBefore = &propsBefore
			}
		} else {
			cs.Created = true
		}
		states = append(states, cs)
	}
	s.states = append(s.states, states)
	sess := sc.c.Config().SessID
	ev := eventlog.Event{Endpoint: sc.ep, Conn: sess, Kind: eventlog.KindInput, Type: in.InputName(), Input: in}
	var msg *LadderMsg
	summary := in.InputName()
	if rv, ok := in.(eventlog.RecvInput); ok {
		if m, err := econn.Decode(rv.Data, 0, 0); err == nil {
			from := eventlog.Endpoint{User: rv.FromUser, Client: rv.FromClient}
			msg = &LadderMsg{From: from, To: sc.ep, Type: m.Type, Resp: m.Resp, Via: rv.Via, Received: true}
			summary = fmt.Sprintf("received %s %s from %s", m.Type, reqResp(m.Resp), from)
		}
	}
	s.add(ev, summary, msg)
	s.step = append(s.step, step)
	for _, o := range outs {
		ev := eventlog.Event{Endpoint: sc.ep, Conn: sess, Kind: eventlog.KindOutput, Type: o.OutputName(), Output: o}
		var msg *LadderMsg
		summary := o.OutputName()
		switch x := o.(type) {
		case econn.Send:
			msg = &LadderMsg{From: sc.ep, To: sc.remote, Type: x.Msg.Type, Resp: x.Msg.Resp, Via: x.Via}
			summary = fmt.Sprintf("sent %s %s to %s", x.Msg.Type, reqResp(x.Msg.Resp), sc.remote)
		case econn.StateChanged:
			summary = fmt.Sprintf("%s → %s", x.From, x.To)
		case econn.Ignored:
			summary = "ignored: " + x.Sentence()
		}
		s.add(ev, summary, msg)
		s.step = append(s.step, step)
	}
}

func reqResp(resp bool) string {
	if resp {
		return "resp"
	}
	return "req"
}

func (s *script) add(ev eventlog.Event, summary string, msg *LadderMsg) {
	ev.Seq = uint64(len(s.events) + 1)
	ev.At = s.at
	s.events = append(s.events, ev)
	s.rows = append(s.rows, Row{Index: len(s.rows), Event: ev, Summary: summary, Msg: msg})
}

// source returns the recorded call as a Source.
func (s *script) source() *memSource { return &memSource{s: s} }

// memSource serves a script from memory and counts what it is asked.
type memSource struct {
	s         *script
	rowsCalls int
	rowsRead  int
	err       error // returned by every call when set
}

func (m *memSource) Meta() eventlog.CallMeta { return m.s.meta }
func (m *memSource) Len() int                { return len(m.s.rows) }

func (m *memSource) Rows(from, n int) ([]Row, error) {
	if m.err != nil {
		return nil, m.err
	}
	if from < 0 || n < 0 {
		return nil, fmt.Errorf("rows %d+%d: out of range", from, n)
	}
	m.rowsCalls++
	end := min(from+n, len(m.s.rows))
	if from >= end {
		return nil, nil
	}
	m.rowsRead += end - from
	return append([]Row(nil), m.s.rows[from:end]...), nil
}

func (m *memSource) States(i int) ([]ConnState, error) {
	if m.err != nil {
		return nil, m.err
	}
	if i < 0 || i >= len(m.s.step) {
		return nil, fmt.Errorf("states at %d: out of range", i)
	}
	step := m.s.step[i]
	if step >= len(m.s.states) {
		return nil, nil
	}
	if m.s.events[i].Kind != eventlog.KindNote {
		return m.s.states[step], nil
	}
	// A note is no step: every connection as the last step left it.
	st := append([]ConnState(nil), m.s.states[step]...)
	for j := range st {
		st[j].Before, st[j].Created = st[j].After, false
	}
	return st, nil
}

// memCatalog is a log of scripted calls.
type memCatalog []*script

func (c memCatalog) Calls() ([]CallEntry, error) {
	var out []CallEntry
	for _, s := range c {
		var dur time.Duration
		if len(s.events) > 0 {
			dur = s.events[len(s.events)-1].At
		}
		out = append(out, CallEntry{Info: eventlog.CallInfo{Meta: s.meta, Events: uint64(len(s.events)), Duration: dur},
			Outcome: "answered"})
	}
	return out, nil
}

func (c memCatalog) Open(id string) (Source, error) {
	for _, s := range c {
		if s.meta.ID == id {
			return s.source(), nil
		}
	}
	return nil, fmt.Errorf("no call %q", id)
}

var (
	epA = ep("A/1")
	epB = ep("B/1")
)

// glareCall is scenario 4 of docs/protocol.md ("Reference scenarios")
// carried on to the end: A/1 and B/1 call each other at once; A/1 loses, answers B's offer; the data channel
// opens; A/1 hangs up.
func glareCall(t testing.TB) *script {
	s := newScript(t, "glare", epA, epB)
	sdpA := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n"
	sdpB := "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
	s.newConn(epA, epB, "sessA")
	s.newConn(epB, epA, "sessB")
	s.advance(10 * time.Millisecond)
	s.input(epA, eventlog.StepInput{In: econn.Start{SDP: sdpA, Props: econn.Props{"videosend": "false"}}})
	s.input(epB, eventlog.StepInput{In: econn.Start{SDP: sdpB, Props: econn.Props{"videosend": "true"}}})
	s.advance(40 * time.Millisecond)
	s.recv(epA, epB, econn.MsgSetup)
	s.recv(epB, epA, econn.MsgSetup)
	s.advance(5 * time.Millisecond)
	s.input(epA, eventlog.StepInput{In: econn.Answer{SDP: sdpA, Props: econn.Props{"videosend": "false"}}})
	s.advance(30 * time.Millisecond)
	s.recv(epB, epA, econn.MsgSetup)
	s.note(epA, "data channel open", map[string]string{"label": "calling-3.0"})
	s.input(epA, eventlog.StepInput{In: econn.DataChanEstablished{}})
	s.input(epB, eventlog.StepInput{In: econn.DataChanEstablished{}})
	s.advance(2 * time.Second)
	s.input(epA, eventlog.StepInput{In: econn.End{}})
	s.advance(20 * time.Millisecond)
	s.recv(epB, epA, econn.MsgHangup)
	s.recv(epA, epB, econn.MsgHangup)
	return s
}

func TestGlareScript(t *testing.T) {
	s := glareCall(t)
	a := s.conn(epA).c.Snapshot()
	b := s.conn(epB).c.Snapshot()
	if a.Conflict != econn.ConflictLoser || !a.Closed || !b.Closed {
		t.Fatalf("unexpected end: A %v, B %v", a, b)
	}
	for i, e := range s.events {
		t.Logf("%3d %-6s %-6s %-20s %s", e.Seq, e.Endpoint, e.Kind, e.Type, s.rows[i].Summary)
	}
}

func eventlogCallInfo(src Source) eventlog.CallInfo {
	return eventlog.CallInfo{Meta: src.Meta(), Events: uint64(src.Len())}
}

// slowSource is a Source whose states are not ready until ready is set,
// like a call whose replay index is still warming.
type slowSource struct {
	*memSource
	ready atomic.Bool
}

func (s *slowSource) StatesReady(int) (bool, float64) { return s.ready.Load(), 0.25 }
