package replaytest

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// The endpoints of the generated calls.
var (
	A1 = eventlog.Endpoint{User: "A", Client: "1"}
	B1 = eventlog.Endpoint{User: "B", Client: "1"}
)

// SDP is an offer or answer with the fields redaction must scrub.
func SDP(who string) string {
	return "v=0\r\no=- 4611731400430051336 2 IN IP4 198.51.100.7\r\ns=-\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.51.100.7\r\n" +
		"a=ice-ufrag:uf" + who + "\r\na=ice-pwd:secretpassword" + who + "0123456789\r\n" +
		"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
		"a=candidate:1 1 udp 2122260223 198.51.100.7 50000 typ host\r\n" +
		"a=candidate:2 1 udp 1686052607 203.0.113.9 50001 typ srflx raddr 198.51.100.7 rport 50000\r\n"
}

// BasicCall records a complete call from A/1 to B/1: A calls, B answers,
// the data channels open, props are synced, rounds pings go back and
// forth, A renegotiates once, B gets a CANCEL from a stranger (ignored)
// and two messages that do not decode (one recorded for its connection,
// one for none), and A hangs up.
func BasicCall(rec *Recorder, rounds int) { BasicCallBetween(rec, A1, B1, rounds) }

// BasicCallBetween is BasicCall with other endpoints: caller, callee.
func BasicCallBetween(rec *Recorder, caller, callee eventlog.Endpoint, rounds int) {
	a := rec.NewConn(caller, eventlog.Endpoint{}, econn.Config{SessID: "a1"})
	if a == nil {
		return
	}
	rec.Note(caller, a.Sess(), "app.start", "start a call")
	outs := a.Step(econn.Start{SDP: SDP("a"), Props: econn.Props{"videosend": "false"}})
	b := rec.NewConn(callee, caller, econn.Config{SessID: "b1"})
	if b == nil {
		return
	}
	a.Deliver(outs, b)
	rec.Advance(2 * time.Second)
	rec.Note(callee, b.Sess(), "app.answer", "answer the call from "+caller.String())
	outs = b.Step(econn.Answer{SDP: SDP("b"), Props: econn.Props{"videosend": "true"}})
	b.Deliver(outs, a)
	rec.Advance(300 * time.Millisecond)
	for _, c := range []*Conn{a, b} {
		rec.Note(c.Self, c.Sess(), "media.datachannel", "data channel open")
		c.Step(econn.DataChanEstablished{})
	}
	a.Deliver(a.Step(econn.SendPropsync{Props: econn.Props{"muted": "false"}}), b)
	// A stranger's CANCEL and garbage on the wire are ignored.
	b.Recv(eventlog.Endpoint{User: caller.User, Client: "666"}, econn.TransportBackend,
		[]byte(`{"version":"3.0","type":"CANCEL","sessid":"a1","resp":false}`))
	b.Recv(caller, econn.TransportBackend, []byte(`{"version":"3.0","type":`))
	rec.RecvUnrouted(callee, caller, []byte(`{"version":"2.0","type":"SETUP","sessid":"x","resp":false}`))
	for i := 0; i < rounds; i++ {
		Ping(rec, a, b)
		if i%50 == 49 {
			Update(rec, a, b)
		}
	}
	rec.Advance(time.Second)
	rec.Note(caller, a.Sess(), "app.end", "end the call")
	outs = a.Step(econn.End{})
	back := a.Deliver(outs, b)
	b.Deliver(back, a)
	rec.Advance(10 * time.Millisecond)
	// A's term timer would fire now; it was cancelled by the close.
	a.Step(econn.TimerFired{Gen: 99})
}

// LongCall records BasicCall with enough ping rounds (and an update every
// 50 rounds) to make about n events.
func LongCall(rec *Recorder, n int) {
	const perFifty = 50*8 + 16 // events of 50 ping rounds and one update
	BasicCall(rec, n*50/perFifty)
}

// Ping records one PING request from a and its response from b.
func Ping(rec *Recorder, a, b *Conn) {
	rec.Advance(time.Second)
	a.Deliver(a.Step(econn.SendPing{}), b)
	b.Deliver(b.Step(econn.SendPing{Resp: true}), a)
}

// Update records a renegotiation started by a and answered by b.
func Update(rec *Recorder, a, b *Conn) {
	rec.Advance(time.Second)
	a.Deliver(a.Step(econn.UpdateReq{SDP: SDP("a2"), Props: econn.Props{"videosend": "true"}}), b)
	b.Deliver(b.Step(econn.UpdateResp{SDP: SDP("b2")}), a)
}

// Glare records A/1 and B/1 calling each other at the same time: B wins,
// A answers B's offer.
func Glare(rec *Recorder) { GlareBetween(rec, A1, B1) }

// GlareBetween is Glare with other endpoints; the greater one wins.
func GlareBetween(rec *Recorder, x, y eventlog.Endpoint) {
	a := rec.NewConn(x, y, econn.Config{SessID: "a1"})
	b := rec.NewConn(y, x, econn.Config{SessID: "b1"})
	if a == nil || b == nil {
		return
	}
	oa := a.Step(econn.Start{SDP: SDP("a")})
	ob := b.Step(econn.Start{SDP: SDP("b")})
	a.Deliver(oa, b) // the winner drops the loser's offer
	b.Deliver(ob, a) // the loser: Conflict-Resolution, answered with reset
	rec.Advance(time.Second)
	if a.Econn.State() != econn.StateConflictResolution {
		a, b = b, a // B lost
	}
	a.Deliver(a.Step(econn.Answer{SDP: SDP("a")}), b)
	for _, c := range []*Conn{a, b} {
		c.Step(econn.DataChanEstablished{})
	}
	b.Deliver(a.Deliver(a.Step(econn.End{}), b), a)
}

// Meta describes a recorded call: its endpoints and connections.
func Meta(rec *Recorder, id string) eventlog.CallMeta {
	m := eventlog.CallMeta{ID: id, FormatVersion: eventlog.FormatVersion, ToolVersion: "replaytest",
		Source: "test", Start: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)}
	seen := map[eventlog.Endpoint]bool{}
	for _, c := range rec.Conns() {
		if !seen[c.Self] {
			seen[c.Self] = true
			m.Endpoints = append(m.Endpoints, c.Self)
		}
		m.Conns = append(m.Conns, eventlog.ConnMeta{Endpoint: c.Self, Remote: c.Remote, Config: c.Econn.Config()})
	}
	return m
}

// Check returns an error when rec failed or recorded nothing.
func Check(rec *Recorder, m *Memory) error {
	if err := rec.Err(); err != nil {
		return err
	}
	if len(m.Events) == 0 {
		return fmt.Errorf("replaytest: nothing recorded")
	}
	return nil
}
