package describe_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

func ladderOf(t *testing.T, scenario string) *describe.Ladder {
	t.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: "c", Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	l := describe.NewLadder(meta.Endpoints)
	for _, ev := range evs {
		l.Add(ev)
	}
	return l
}

func TestLadderMatchesSendsAndReceives(t *testing.T) {
	l := ladderOf(t, simtest.BasicCall(1))
	var got []string
	for _, a := range l.Arrows() {
		s := a.From.String() + ">" + a.To.String() + " " + a.Label()
		switch {
		case a.Lost():
			s += " lost"
		case a.Sent == 0:
			s += " unsent"
		case a.Received < a.Sent:
			t.Errorf("%s received (%d) before sent (%d)", s, a.Received, a.Sent)
		}
		got = append(got, s)
	}
	// The PROPSYNCs: each side's on the data channel opening, with their
	// responses, then A's props change. The CANCEL was injected: received,
	// never sent. The undecodable messages make no arrow.
	want := []string{
		"A/1>B/1 SETUP", "B/1>A/1 SETUP resp",
		"A/1>B/1 PROPSYNC", "B/1>A/1 PROPSYNC", "B/1>A/1 PROPSYNC resp", "A/1>B/1 PROPSYNC resp",
		"A/1>B/1 PROPSYNC", "B/1>A/1 PROPSYNC resp",
		"A/1>B/1 CANCEL unsent", "A/1>B/1 PING", "B/1>A/1 PING", "A/1>B/1 HANGUP", "B/1>A/1 HANGUP resp",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("arrows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLadderFanOutAndLoss(t *testing.T) {
	a1, b1, b2 := simtest.A1, simtest.B1, eventlog.Endpoint{User: "B", Client: "2"}
	setup := &econn.Message{Type: econn.MsgSetup, SessID: "s1", SDP: "v=0"}
	raw, err := setup.Encode()
	if err != nil {
		t.Fatal(err)
	}
	recv := func(seq uint64, to eventlog.Endpoint) eventlog.Event {
		return eventlog.Event{Seq: seq, Endpoint: to, Conn: "x", Kind: eventlog.KindInput, Type: "Recv",
			Input: eventlog.RecvInput{FromUser: "A", FromClient: "1", Data: raw}}
	}
	l := describe.NewLadder([]eventlog.Endpoint{a1, b1, b2})
	l.Add(eventlog.Event{Seq: 1, Endpoint: a1, Conn: "s1", Kind: eventlog.KindOutput, Type: "Send",
		Output: econn.Send{Msg: setup, Via: econn.TransportBackend}})
	l.Add(recv(2, b1))
	l.Add(recv(3, b2))
	l.Add(eventlog.Event{Seq: 4, Endpoint: a1, Conn: "s1", Kind: eventlog.KindOutput, Type: "Send",
		Output: econn.Send{Msg: &econn.Message{Type: econn.MsgHangup, SessID: "s1"}, Via: econn.TransportDirect}})
	l.Flush()
	arrows := l.Arrows()
	if len(arrows) != 3 || arrows[0].To != b1 || arrows[1].To != b2 || arrows[1].Sent != 1 || !arrows[2].Lost() {
		t.Fatalf("arrows %+v", arrows)
	}
	var buf bytes.Buffer
	if err := describe.DrawLadder(&buf, l.Endpoints(), arrows, 60); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"                  A/1             B/1             B/2\n" +
		"+0.000s            |----SETUP----->|               |\n" +
		"+0.000s            |------------SETUP------------->|\n" +
		"+0.000s            |==HANGUP==x    |               |\n" +
		"legend:\n" +
		"  -   a message through the backend\n" +
		"  =   a message on the data channel (direct)\n" +
		"  >   received (or '<')\n" +
		"  x   lost: its receiver is in the log and never received it\n"
	if buf.String() != want {
		t.Fatalf("ladder:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestLadderPropsyncNote counts the call layer's note about a PROPSYNC it
// handled as the receive of that PROPSYNC.
func TestLadderPropsyncNote(t *testing.T) {
	a1, b1 := simtest.A1, simtest.B1
	setup, _ := (&econn.Message{Type: econn.MsgSetup, SessID: "sb", SDP: "v=0"}).Encode()
	l := describe.NewLadder([]eventlog.Endpoint{a1, b1})
	l.Add(eventlog.Event{Seq: 1, Endpoint: a1, Conn: "sa", Kind: eventlog.KindInput, Type: "Recv",
		Input: eventlog.RecvInput{FromUser: "B", FromClient: "1", Data: setup}})
	l.Add(eventlog.Event{Seq: 2, Endpoint: b1, Conn: "sb", Kind: eventlog.KindOutput, Type: "Send",
		Output: econn.Send{Msg: &econn.Message{Type: econn.MsgPropsync, SessID: "sb", Resp: true}, Via: econn.TransportDirect}})
	a, ok := l.Add(eventlog.Event{Seq: 3, Endpoint: a1, Conn: "sa", Kind: eventlog.KindNote, Type: eventlog.NotePropsync,
		Note: &eventlog.Note{Text: "PROPSYNC response from B/1", Attrs: map[string]string{"resp": "true"}}})
	if !ok || a.Sent != 2 || a.Received != 3 || a.From != b1 || a.To != a1 || !a.Resp {
		t.Fatalf("arrow %+v", a)
	}
}

func TestLadderDuplicate(t *testing.T) {
	a1, b1 := simtest.A1, simtest.B1
	setup := &econn.Message{Type: econn.MsgSetup, SessID: "sa", SDP: "v=0"}
	raw, _ := setup.Encode()
	recv := eventlog.RecvInput{FromUser: "A", FromClient: "1", Data: raw}
	l := describe.NewLadder([]eventlog.Endpoint{a1, b1})
	l.Add(eventlog.Event{Seq: 1, Endpoint: a1, Conn: "sa", Kind: eventlog.KindOutput, Type: "Send",
		Output: econn.Send{Msg: setup, Via: econn.TransportBackend}})
	l.Add(eventlog.Event{Seq: 2, Endpoint: b1, Conn: "sb", Kind: eventlog.KindInput, Type: "Recv", Input: recv})
	a, _ := l.Add(eventlog.Event{Seq: 3, Endpoint: b1, Conn: "sb", Kind: eventlog.KindInput, Type: "Recv", Input: recv})
	if !a.Duplicate || a.Sent != 1 || a.Received != 3 || a.Label() != "SETUP dup" || len(l.Arrows()) != 2 {
		t.Fatalf("duplicate delivery: %+v, %d arrows", a, len(l.Arrows()))
	}
}

// TestStreamLadder follows a fan-out, a direct message and a release
// through the hooks of a streaming ladder.
func TestStreamLadder(t *testing.T) {
	a1, b1, b2 := simtest.A1, simtest.B1, eventlog.Endpoint{User: "B", Client: "2"}
	setup := &econn.Message{Type: econn.MsgSetup, SessID: "s1", SDP: "v=0"}
	raw, _ := setup.Encode()
	hangup := &econn.Message{Type: econn.MsgHangup, SessID: "s1"}
	rawHangup, _ := hangup.Encode()
	recv := func(seq uint64, to eventlog.Endpoint, data []byte) eventlog.Event {
		return eventlog.Event{Seq: seq, Endpoint: to, Conn: "x", Kind: eventlog.KindInput, Type: "Recv",
			Input: eventlog.RecvInput{FromUser: "A", FromClient: "1", Data: data}}
	}
	send := func(seq uint64, m *econn.Message, via econn.Transport) eventlog.Event {
		return eventlog.Event{Seq: seq, Endpoint: a1, Conn: "s1", Kind: eventlog.KindOutput, Type: "Send",
			Output: econn.Send{Msg: m, Via: via}}
	}
	var log []string
	arrows := map[*describe.Arrow]bool{}
	l := describe.NewStreamLadder([]eventlog.Endpoint{a1, b1, b2}, describe.Hooks{
		New: func(a *describe.Arrow) {
			arrows[a] = true
			log = append(log, "new "+a.Label()+" "+a.To.String())
		},
		Done: func(a *describe.Arrow) {
			if !arrows[a] {
				t.Fatalf("Done with an arrow New never saw: %+v", a)
			}
			log = append(log, "done "+a.Label()+" "+a.To.String())
		},
	})
	l.Add(send(1, setup, econn.TransportBackend))
	l.Add(recv(2, b1, raw)) // fills in the pending arrow
	l.Add(recv(3, b2, raw)) // a fan-out: one more arrow, pending too
	l.Add(send(4, hangup, econn.TransportDirect))
	l.Add(recv(5, b1, rawHangup)) // direct: done once received
	var first *describe.Arrow
	for a := range arrows {
		if a.Sent == 1 && a.To == b1 {
			first = a
		}
	}
	l.Release(first)        // both SETUP arrows are done
	l.Add(recv(6, b2, raw)) // its send released: it waits (a merged log may hold it before its send)
	l.Flush()               // and is done at the end, unmatched
	want := []string{
		"new SETUP /", "new SETUP B/2", "new HANGUP /", "done HANGUP B/1",
		"done SETUP B/1", "done SETUP B/2", "new SETUP B/2", "done SETUP B/2",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hooks:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if first.Received != 2 || len(l.Arrows()) != 0 {
		t.Fatalf("first %+v; a streaming ladder keeps %d arrows", first, len(l.Arrows()))
	}
}

// TestDrawLadderUmlautName is issue 16's example: a scenario with
// "clients Äöüßéèà/1 B/1" drawn 20 columns wide. The name is 16 bytes but
// 9 columns: it fits its 12-column lane whole, centred on it, and the
// output is the UTF-8 the user typed.
func TestDrawLadderUmlautName(t *testing.T) {
	l := ladderOf(t, "clients Äöüßéèà/1 B/1\nstart Äöüßéèà/1\nrun\n")
	var buf bytes.Buffer
	if err := describe.DrawLadder(&buf, l.Endpoints(), l.Arrows(), 20); err != nil {
		t.Fatal(err)
	}
	want := "             Äöüßéèà/1      B/1\n" +
		"+0.000s          |--SETUP--->|\n" +
		"legend:\n" +
		"  -   a message through the backend\n" +
		"  >   received (or '<')\n"
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
