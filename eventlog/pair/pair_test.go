package pair_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
)

var (
	a1 = eventlog.Endpoint{User: "A", Client: "1"}
	b1 = eventlog.Endpoint{User: "B", Client: "1"}
	b2 = eventlog.Endpoint{User: "B", Client: "2"}
)

// world builds the events of a test call; seq counts them.
type world struct {
	evs []eventlog.Event
}

func (w *world) add(ev eventlog.Event) {
	ev.Seq = uint64(len(w.evs) + 1)
	ev.At = time.Duration(ev.Seq) * time.Millisecond
	w.evs = append(w.evs, ev)
}

func msg(t econn.MsgType, sess string, resp bool, props ...string) *econn.Message {
	m := &econn.Message{Type: t, SessID: sess, Resp: resp}
	if t == econn.MsgSetup {
		m.SDP = "v=0"
	}
	if len(props) > 0 {
		m.Props = econn.Props{}
		for i := 0; i+1 < len(props); i += 2 {
			m.Props[props[i]] = props[i+1]
		}
	}
	return m
}

func (w *world) newConn(ep eventlog.Endpoint, conn string, remote eventlog.Endpoint) {
	w.add(eventlog.Event{Endpoint: ep, Conn: conn, Kind: eventlog.KindInput, Type: eventlog.TypeNew,
		Input: eventlog.NewConn{Remote: remote}})
}

func (w *world) send(ep eventlog.Endpoint, conn string, m *econn.Message) {
	via, _ := econn.TransportFor(m.Type)
	w.add(eventlog.Event{Endpoint: ep, Conn: conn, Kind: eventlog.KindOutput, Type: "Send",
		Output: econn.Send{Msg: m, Via: via}})
}

func (w *world) recv(ep eventlog.Endpoint, conn string, from eventlog.Endpoint, m *econn.Message) {
	data, err := m.Encode()
	if err != nil {
		panic(err)
	}
	w.recvBytes(ep, conn, from, data)
}

func (w *world) recvBytes(ep eventlog.Endpoint, conn string, from eventlog.Endpoint, data []byte) {
	w.add(eventlog.Event{Endpoint: ep, Conn: conn, Kind: eventlog.KindInput, Type: eventlog.TypeRecv,
		Input: eventlog.RecvInput{FromUser: from.User, FromClient: from.Client, Data: data, CurrTime: 10, MsgTime: 9}})
}

func (w *world) propsyncNote(ep eventlog.Endpoint, conn string, resp bool, props econn.Props) {
	attrs := map[string]string{"resp": fmt.Sprint(resp)}
	for k, v := range props {
		attrs["prop."+k] = v
	}
	w.add(eventlog.Event{Endpoint: ep, Conn: conn, Kind: eventlog.KindNote, Type: eventlog.NotePropsync,
		Note: &eventlog.Note{Text: "PROPSYNC", Attrs: attrs}})
}

// format writes a result as one line: "paired SETUP A/1#1 -> B/1#2".
func format(r pair.Result) string {
	side := func(s pair.Side) string {
		if s.Seq == 0 {
			return "-"
		}
		return fmt.Sprintf("%s#%d", s.Endpoint, s.Seq)
	}
	to := "?"
	if r.To != (eventlog.Endpoint{}) {
		to = r.To.String()
	}
	s := fmt.Sprintf("%s %s %s from %s: %s -> %s (to %s)", r.Status, r.Msg.Label(), r.Msg.SessID, r.Msg.From,
		side(r.Send), side(r.Recv), to)
	if r.Duplicate {
		s += " dup"
	}
	return s
}

// run pairs the events and returns the results, and the sends settled
// (as "settled #N"), in the order they were reported.
func run(recorded []eventlog.Endpoint, window int, evs []eventlog.Event, release ...uint64) []string {
	var out []string
	p := pair.New(recorded, pair.Options{Window: window,
		Result:  func(r pair.Result) { out = append(out, format(r)) },
		Settled: func(s pair.Side) { out = append(out, fmt.Sprintf("settled #%d", s.Seq)) }})
	for _, ev := range evs {
		p.Add(ev)
		if slices.Contains(release, ev.Seq) {
			p.Release(ev.Seq)
		}
	}
	out = append(out, "flush")
	p.Flush()
	if p.Waiting() != 0 {
		out = append(out, fmt.Sprintf("%d still waiting", p.Waiting()))
	}
	return out
}

func TestPairer(t *testing.T) {
	setup := msg(econn.MsgSetup, "sa", false)
	cases := []struct {
		name     string
		recorded []eventlog.Endpoint
		window   int
		build    func(w *world)
		release  []uint64
		want     []string
	}{{
		name: "send->recv->paired", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.send(a1, "sa", setup)
			w.recv(b1, "sb", a1, setup)
		},
		want: []string{"paired SETUP sa from A/1: A/1#1 -> B/1#2 (to B/1)", "flush", "settled #1"},
	}, {
		name: "send->receiver-recorded-never-receives->lost", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.newConn(a1, "sa", b1)
			w.send(a1, "sa", msg(econn.MsgHangup, "sa", false))
		},
		want: []string{"flush", "lost HANGUP sa from A/1: A/1#2 -> - (to B/1)", "settled #2"},
	}, {
		name: "send->receiver-absent->not-recorded", recorded: []eventlog.Endpoint{a1},
		build: func(w *world) {
			w.newConn(a1, "sa", b1)
			w.send(a1, "sa", msg(econn.MsgHangup, "sa", false))
		},
		want: []string{"not recorded HANGUP sa from A/1: A/1#2 -> - (to B/1)", "flush", "settled #2"},
	}, {
		name: "send-to-unknown-user->only-own-user-recorded->not-recorded", recorded: []eventlog.Endpoint{a1, {User: "A", Client: "2"}},
		build: func(w *world) { w.send(a1, "sa", setup) },
		want:  []string{"not recorded SETUP sa from A/1: A/1#1 -> - (to ?)", "flush", "settled #1"},
	}, {
		name: "send-to-unknown-user->other-user-recorded->lost", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) { w.send(a1, "sa", setup) },
		want:  []string{"flush", "lost SETUP sa from A/1: A/1#1 -> - (to ?)", "settled #1"},
	}, {
		name: "recv->sender-absent->send-not-recorded", recorded: []eventlog.Endpoint{b1},
		build: func(w *world) { w.recv(b1, "sb", a1, setup) },
		want:  []string{"send not recorded SETUP sa from A/1: - -> B/1#1 (to B/1)", "flush"},
	}, {
		name: "recv->sender-recorded-no-send->unmatched", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) { w.recv(b1, "sb", a1, setup) },
		want:  []string{"flush", "unmatched SETUP sa from A/1: - -> B/1#1 (to B/1)"},
	}, {
		name: "retransmits->pair-in-order", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			h := msg(econn.MsgHangup, "sa", false)
			w.send(a1, "sa", h)
			w.send(a1, "sa", h)
			w.recv(b1, "sb", a1, h)
			w.recv(b1, "sb", a1, h)
		},
		want: []string{"paired HANGUP sa from A/1: A/1#1 -> B/1#3 (to B/1)",
			"paired HANGUP sa from A/1: A/1#2 -> B/1#4 (to B/1)", "flush", "settled #1", "settled #2"},
	}, {
		name: "same-type-other-bytes->pair-by-bytes-not-order", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			x, y := msg(econn.MsgPropsync, "sa", false, "muted", "true"), msg(econn.MsgPropsync, "sa", false, "muted", "false")
			w.send(a1, "sa", x)
			w.send(a1, "sa", y)
			w.recv(b1, "sb", a1, y)
			w.recv(b1, "sb", a1, x)
		},
		want: []string{"paired PROPSYNC sa from A/1: A/1#2 -> B/1#3 (to B/1)",
			"paired PROPSYNC sa from A/1: A/1#1 -> B/1#4 (to B/1)", "flush", "settled #1", "settled #2"},
	}, {
		name: "bytes-spaced-otherwise->same-message", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.send(a1, "sa", msg(econn.MsgHangup, "sa", false))
			w.recvBytes(b1, "sb", a1, []byte(`{ "type": "HANGUP", "version": "3.0", "sessid": "sa", "resp": false }`))
		},
		want: []string{"paired HANGUP sa from A/1: A/1#1 -> B/1#2 (to B/1)", "flush", "settled #1"},
	}, {
		name: "other-session->no-pair", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.send(a1, "sa", msg(econn.MsgHangup, "sa", false))
			w.recv(b1, "sb", a1, msg(econn.MsgHangup, "sx", false))
		},
		want: []string{"flush", "lost HANGUP sa from A/1: A/1#1 -> - (to ?)", "settled #1",
			"unmatched HANGUP sx from A/1: - -> B/1#2 (to B/1)"},
	}, {
		name: "recv-before-send(skewed-merge)->paired-at-send", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.recv(b1, "sb", a1, setup)
			w.send(a1, "sa", setup)
		},
		want: []string{"paired SETUP sa from A/1: A/1#2 -> B/1#1 (to B/1)", "flush", "settled #2"},
	}, {
		name: "duplicate-delivery->paired-dup", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.send(a1, "sa", setup)
			w.recv(b1, "sb", a1, setup)
			w.recv(b1, "sb", a1, setup)
		},
		want: []string{"paired SETUP sa from A/1: A/1#1 -> B/1#2 (to B/1)",
			"paired SETUP sa from A/1: A/1#1 -> B/1#3 (to B/1) dup", "flush", "settled #1"},
	}, {
		name: "fan-out->one-pair-per-receiver", recorded: []eventlog.Endpoint{a1, b1, b2},
		build: func(w *world) {
			w.send(a1, "sa", setup)
			w.recv(b2, "sc", a1, setup)
			w.recv(b1, "sb", a1, setup)
		},
		want: []string{"paired SETUP sa from A/1: A/1#1 -> B/2#2 (to B/2)",
			"paired SETUP sa from A/1: A/1#1 -> B/1#3 (to B/1)", "flush", "settled #1"},
	}, {
		name: "addressee-absent->fan-out-to-recorded->not-recorded-then-paired", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.newConn(a1, "sa", b2)
			h := msg(econn.MsgHangup, "sa", false)
			w.send(a1, "sa", h)
			w.recv(b1, "sb", a1, h)
		},
		want: []string{"not recorded HANGUP sa from A/1: A/1#2 -> - (to B/2)",
			"paired HANGUP sa from A/1: A/1#2 -> B/1#3 (to B/1)", "flush", "settled #2"},
	}, {
		name: "propsync-note->paired-by-props", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.send(b1, "sb", msg(econn.MsgSetup, "sb", true))
			w.recv(a1, "sa", b1, msg(econn.MsgSetup, "sb", true)) // a1's conn learns b1 and its session
			p := msg(econn.MsgPropsync, "sb", false, "muted", "true")
			p.SrcUser, p.SrcClient = "B", "1" // as econn writes it; the note has no ids
			w.send(b1, "sb", p)
			w.propsyncNote(a1, "sa", false, econn.Props{"muted": "true"})
		},
		want: []string{"paired SETUP resp sb from B/1: B/1#1 -> A/1#2 (to A/1)",
			"paired PROPSYNC sb from B/1: B/1#3 -> A/1#4 (to A/1)", "flush", "settled #1", "settled #3"},
	}, {
		name: "propsync-note-peer-session-unknown->paired-by-waiting-send", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) {
			w.newConn(a1, "sa", b1) // a window of the call: B/1's session was named before it
			w.send(b1, "sb", msg(econn.MsgPropsync, "sb", true, "muted", "false"))
			w.send(b1, "sb", msg(econn.MsgPropsync, "sb", true, "muted", "true"))
			w.propsyncNote(a1, "sa", true, econn.Props{"muted": "true"})
		},
		want: []string{"paired PROPSYNC resp sb from B/1: B/1#3 -> A/1#4 (to A/1)", "flush",
			"lost PROPSYNC resp sb from B/1: B/1#2 -> - (to ?)", "settled #2", "settled #3"},
	}, {
		name: "window-full->oldest-lost-before-flush", recorded: []eventlog.Endpoint{a1, b1}, window: 2,
		build: func(w *world) {
			w.newConn(a1, "sa", b1)
			for i := range 3 {
				w.send(a1, "sa", msg(econn.MsgPing, "sa", false, "n", fmt.Sprint(i)))
			}
		},
		want: []string{"lost PING sa from A/1: A/1#2 -> - (to B/1)", "settled #2", "flush",
			"lost PING sa from A/1: A/1#3 -> - (to B/1)", "settled #3",
			"lost PING sa from A/1: A/1#4 -> - (to B/1)", "settled #4"},
	}, {
		name: "release->lost-now->later-recv-unmatched", recorded: []eventlog.Endpoint{a1, b1}, release: []uint64{1},
		build: func(w *world) {
			w.send(a1, "sa", setup)
			w.recv(b1, "sb", a1, setup)
		},
		want: []string{"lost SETUP sa from A/1: A/1#1 -> - (to ?)", "settled #1", "flush",
			"unmatched SETUP sa from A/1: - -> B/1#2 (to B/1)"},
	}, {
		name: "release-waiting-recv->unmatched-now->later-send-lost", recorded: []eventlog.Endpoint{a1, b1}, release: []uint64{1},
		build: func(w *world) {
			w.recv(b1, "sb", a1, setup)
			w.send(a1, "sa", setup)
		},
		want: []string{"unmatched SETUP sa from A/1: - -> B/1#1 (to B/1)", "flush",
			"lost SETUP sa from A/1: A/1#2 -> - (to ?)", "settled #2"},
	}, {
		name: "undecodable-recv->no-result", recorded: []eventlog.Endpoint{a1, b1},
		build: func(w *world) { w.recvBytes(b1, "sb", a1, []byte("not json")) },
		want:  []string{"flush"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var w world
			c.build(&w)
			got := run(c.recorded, c.window, w.evs, c.release...)
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(c.want, "\n\t"))
			}
		})
	}
}

// TestPairerMemoryBounded: a one-sided call of many sends keeps at most
// the window waiting, whatever its length.
func TestPairerMemoryBounded(t *testing.T) {
	var lost, settled int
	p := pair.New([]eventlog.Endpoint{a1, b1}, pair.Options{Window: 64,
		Result:  func(r pair.Result) { lost++ },
		Settled: func(pair.Side) { settled++ }})
	p.Add(eventlog.Event{Seq: 1, Endpoint: a1, Conn: "sa", Kind: eventlog.KindInput, Input: eventlog.NewConn{Remote: b1}})
	m := msg(econn.MsgPing, "sa", false)
	for i := range 10000 {
		p.Add(eventlog.Event{Seq: uint64(i + 2), Endpoint: a1, Conn: "sa", Kind: eventlog.KindOutput,
			Output: econn.Send{Msg: m}})
		if p.Waiting() > 64 {
			t.Fatalf("after %d sends %d wait, window 64", i+1, p.Waiting())
		}
	}
	if lost != 10000-64 || settled != lost {
		t.Errorf("before flush: %d results, %d settled; want %d each", lost, settled, 10000-64)
	}
	p.Flush()
	if lost != 10000 || settled != 10000 || p.Waiting() != 0 {
		t.Errorf("after flush: %d results, %d settled, %d waiting", lost, settled, p.Waiting())
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[pair.Status]string{pair.Paired: "paired", pair.Lost: "lost",
		pair.NotRecorded: "not recorded", pair.NoSend: "send not recorded", pair.Unmatched: "unmatched",
		pair.Status(0): "Status(0)", pair.Status(9): "Status(9)"} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d) = %q, want %q", s, got, want)
		}
	}
}
