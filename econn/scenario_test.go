package econn

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The twelve scenarios of docs/protocol.md ("Reference scenarios"), the
// ones the reference's own tests check, run through the harness in
// harness_test.go: every message is encoded, fanned out by the backend,
// decoded and routed as the layer above does it.

// establish runs A1 calling B1 up to an open data channel and returns the
// two ends.
func establish(t *testing.T, w *world) (a, b *hconn) {
	t.Helper()
	a, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b = w.client("B/1").only()
	if err := b.step(Answer{SDP: "answerB"}); err != nil {
		t.Fatal(err)
	}
	w.run()
	w.openDataChannel(a, b)
	a.wantState(t, StateDataChanEstablished)
	b.wantState(t, StateDataChanEstablished)
	return a, b
}

// 1. A1 calls; B1 and B2 ring; B2 answers; data channels open.
func TestScenario01AnsweredElsewhere(t *testing.T) {
	w := newWorld(t, "A/1", "A/2", "B/1", "B/2")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b1, b2 := w.client("B/1").only(), w.client("B/2").only()
	b1.wantState(t, StatePendingIncoming)
	b2.wantState(t, StatePendingIncoming)
	if err := b2.step(Answer{SDP: "answerB2"}); err != nil {
		t.Fatal(err)
	}
	w.run()
	w.openDataChannel(a1, b2)

	a1.wantState(t, StateDataChanEstablished)
	a1.wantDir(t, DirOutgoing)
	b2.wantState(t, StateDataChanEstablished)
	b2.wantDir(t, DirIncoming)
	if s := a1.conn.Snapshot(); s.UserRemote != "B" || s.ClientRemote != "2" {
		t.Errorf("A1 talks to %s/%s, want B/2", s.UserRemote, s.ClientRemote)
	}
	b1.wantCounts(t, 1, 0)
	b1.wantCloses(t, ErrCanceled)
	b1.wantState(t, StateTerminating)
	a1.wantCloses(t)
	b2.wantCloses(t)
	if a2 := w.client("A/2"); len(a2.conns) != 0 || a2.droppedCount != 1 {
		t.Errorf("A2 has %d connections and dropped %d messages, want none and B2's answer",
			len(a2.conns), a2.droppedCount)
	}
	w.wantBackend(t, map[MsgType]int{MsgSetup: 2})
	if w.direct[MsgPropsync] != 4 {
		t.Errorf("%d PROPSYNC over the data channel, want 4 (a request and a response each way)", w.direct[MsgPropsync])
	}
	w.checkGolden(t)
}

// 2. Established A–B; A ends.
func TestScenario02Hangup(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	a, b := establish(t, w)
	if err := a.step(End{}); err != nil {
		t.Fatal(err)
	}
	a.wantState(t, StateHangupSent)

	w.deliverOne() // the HANGUP request reaches B, B answers it
	b.wantState(t, StateTerminating)
	b.wantCloses(t, nil)
	if w.direct[MsgHangup] != 2 {
		t.Errorf("%d HANGUP over the data channel, want request + response", w.direct[MsgHangup])
	}
	a.wantState(t, StateHangupSent)

	w.run() // the response reaches A
	a.wantState(t, StateTerminating)
	a.wantCloses(t, nil)
	b.wantCloses(t, nil)
	if a.timerArmed || b.timerArmed {
		t.Errorf("timers left armed: A %t, B %t", a.timerArmed, b.timerArmed)
	}
	w.wantBackend(t, map[MsgType]int{MsgSetup: 2})
	w.checkGolden(t)
}

// 3. A1 calls, nobody answers.
func TestScenario03Ringing(t *testing.T) {
	w := newWorld(t, "A/1", "A/2", "B/1", "B/2")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	a1.wantState(t, StatePendingOutgoing)
	if n := len(w.client("A/2").conns); n != 0 {
		t.Errorf("A2 has %d connections, want none", n)
	}
	w.client("B/1").only().wantState(t, StatePendingIncoming)
	w.client("B/2").only().wantState(t, StatePendingIncoming)
	w.wantBackend(t, map[MsgType]int{MsgSetup: 1})
	w.checkGolden(t)
}

// 4. A1 and B2 start at the same time: glare.
func TestScenario04Glare(t *testing.T) {
	w := newWorld(t, "A/1", "A/2", "B/1", "B/2")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := w.client("B/2").call("offerB", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()

	a1.wantState(t, StateConflictResolution)
	if s := a1.conn.Snapshot(); s.Conflict != ConflictLoser {
		t.Errorf("A1 conflict %s, want loser", s.Conflict)
	}
	a1.wantCounts(t, 0, 1)
	if len(a1.answered) == 1 && (!a1.answered[0].Reset || a1.answered[0].SDP != "offerB") {
		t.Errorf("A1 answered %+v, want reset with B2's offer", a1.answered[0])
	}
	b2.wantState(t, StatePendingOutgoing)
	if s := b2.conn.Snapshot(); s.Conflict != ConflictWinner {
		t.Errorf("B2 conflict %s, want winner", s.Conflict)
	}
	b2.wantCounts(t, 0, 0)
	for _, c := range w.clients {
		for _, h := range c.conns {
			h.wantCloses(t)
		}
	}
	w.wantBackend(t, map[MsgType]int{MsgSetup: 2})
	w.checkGolden(t)
}

// 5. A1 calls, B1 answers (no media).
func TestScenario05Answered(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b1 := w.client("B/1").only()
	if err := b1.step(Answer{SDP: "answerB"}); err != nil {
		t.Fatal(err)
	}
	w.run()
	a1.wantState(t, StateAnswered)
	b1.wantState(t, StateAnswered)
	b1.wantCounts(t, 1, 0)
	a1.wantCounts(t, 0, 1)
	if len(a1.answered) == 1 && (a1.answered[0].Reset || a1.answered[0].SDP != "answerB") {
		t.Errorf("A1 answered %+v, want B1's answer without reset", a1.answered[0])
	}
	if a1.timerArmed || b1.timerArmed {
		t.Errorf("setup timers left armed: A %t, B %t", a1.timerArmed, b1.timerArmed)
	}
	w.checkGolden(t)
}

// 6. A1 calls B1, B2.
func TestScenario06TwoDevicesRing(t *testing.T) {
	w := newWorld(t, "A/1", "B/1", "B/2")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	a1.wantState(t, StatePendingOutgoing)
	for _, id := range []string{"B/1", "B/2"} {
		h := w.client(id).only()
		h.wantState(t, StatePendingIncoming)
		h.wantDir(t, DirIncoming)
		h.wantCounts(t, 1, 0)
		if len(h.incoming) == 1 {
			if in := h.incoming[0]; in.FromUser != "A" || in.FromClient != "1" || in.SDP != "offerA" || in.Reset {
				t.Errorf("%s: incoming %+v", id, in)
			}
		}
	}
	w.checkGolden(t)
}

// 7. A4 and A5 both call B8.
func TestScenario07TwoCallers(t *testing.T) {
	w := newWorld(t, "A/4", "A/5", "B/8")
	if _, err := w.client("A/4").call("offer4", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.client("A/5").call("offer5", nil); err != nil {
		t.Fatal(err)
	}
	w.run()
	b8 := w.client("B/8").only()
	b8.wantState(t, StatePendingIncoming)
	b8.wantCounts(t, 1, 0)
	if s := b8.conn.Snapshot(); s.ClientRemote != "4" {
		t.Errorf("B8 rings for client %s, want 4", s.ClientRemote)
	}
	if len(b8.ignored) != 1 || !strings.Contains(b8.ignored[0].Sentence(), "from client 5, remote client is 4") {
		t.Errorf("B8 ignored %+v, want the second SETUP from client 5", b8.ignored)
	}
	w.checkGolden(t)
}

// 8. A666 sends CANCEL with A1's session id to B1: wrong client.
func TestScenario08CancelFromWrongClient(t *testing.T) {
	w := newWorld(t, "A/1", "A/666", "B/1")
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b1 := w.client("B/1").only()

	forged := &Message{Type: MsgCancel, SessID: a1.conn.Config().SessID}
	data, err := forged.Encode()
	if err != nil {
		t.Fatal(err)
	}
	w.fanOut(w.client("A/666"), MsgCancel, data)
	w.run()

	b1.wantState(t, StatePendingIncoming)
	b1.wantCloses(t)
	want := "Ignored(CANCEL: CANCEL from client 666, remote client is 1)"
	if len(b1.ignored) != 1 || fmtOut(b1.ignored[0]) != want {
		t.Errorf("B1 ignored %v, want [%s]", b1.ignored, want)
	}
	a1.wantState(t, StatePendingOutgoing)
	a1.wantCloses(t)
	w.checkGolden(t)
}

// 9. A1 with Tp = 100 ms calls, no answer.
func TestScenario09CallerTimesOut(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	w.setupTimeout = 100 * time.Millisecond
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	w.advance(99 * time.Millisecond)
	a1.wantCloses(t)
	w.advance(time.Millisecond)
	a1.wantCloses(t, ErrTimedOut)
	a1.wantState(t, StateTerminating)
	w.advance(time.Minute)
	a1.wantCloses(t, ErrTimedOut)
	w.wantBackend(t, map[MsgType]int{MsgSetup: 1, MsgCancel: 1})
	w.checkGolden(t)
}

// 10. B1 with Tp = 100 ms: rings, nobody answers.
func TestScenario10CalleeTimesOut(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	w.client("B/1").setupTimeout = 100 * time.Millisecond // A1 waits the default 60 s
	a1, err := w.client("A/1").call("offerA", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b1 := w.client("B/1").only()
	w.advance(99 * time.Millisecond)
	b1.wantCloses(t)
	w.advance(time.Millisecond)
	b1.wantCounts(t, 1, 0)
	b1.wantCloses(t, ErrTimedOut)
	b1.wantState(t, StateTerminating)
	a1.wantState(t, StatePendingOutgoing)
	w.wantBackend(t, map[MsgType]int{MsgSetup: 1})
	w.checkGolden(t)
}

// 11. The transport fails on A1's start.
func TestScenario11StartSendFails(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	boom := errors.New("transport down")
	w.fail = func(from *hconn, m *Message) error {
		if m.Type == MsgSetup {
			return boom
		}
		return nil
	}
	a1, err := w.client("A/1").call("offerA", nil)
	if !errors.Is(err, boom) {
		t.Fatalf("start returned %v, want %v", err, boom)
	}
	w.run()
	a1.wantState(t, StateTerminating)
	a1.wantCloses(t)
	if s := a1.conn.Snapshot(); !SameError(s.SetupErr, boom) {
		t.Errorf("setupErr %v, want %v", s.SetupErr, boom)
	}
	w.wantBackend(t, map[MsgType]int{})
	if n := len(w.client("B/1").conns); n != 0 {
		t.Errorf("B1 has %d connections, want none", n)
	}
	w.checkGolden(t)
}

// 12. Props travel with SETUP both ways.
func TestScenario12Props(t *testing.T) {
	w := newWorld(t, "A/1", "B/1")
	a1, err := w.client("A/1").call("offerA", Props{"videosend": "yes,please"})
	if err != nil {
		t.Fatal(err)
	}
	w.run()
	b1 := w.client("B/1").only()
	if err := b1.step(Answer{SDP: "answerB", Props: Props{"videosend": "no,thanks"}}); err != nil {
		t.Fatal(err)
	}
	w.run()
	b1.wantCounts(t, 1, 0)
	a1.wantCounts(t, 0, 1)
	if len(b1.incoming) == 1 && b1.incoming[0].Props["videosend"] != "yes,please" {
		t.Errorf("B1 sees videosend %q", b1.incoming[0].Props["videosend"])
	}
	if len(a1.answered) == 1 && a1.answered[0].Props["videosend"] != "no,thanks" {
		t.Errorf("A1 sees videosend %q", a1.answered[0].Props["videosend"])
	}
	w.wantBackend(t, map[MsgType]int{MsgSetup: 2})
	w.checkGolden(t)
}
