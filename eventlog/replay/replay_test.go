package replay_test

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// record runs a scenario in the simulator, as recorded in a log, and
// returns the call as a Source.
func record(t testing.TB, scenario string) *replay.Slice {
	t.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: "call-1", Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	src, err := replay.NewSlice(meta, evs)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// basic is a call with every kind of step: see simtest.BasicCall.
var basic = simtest.BasicCall(60)

// steps replays src and returns copies of its steps.
func steps(t *testing.T, src replay.Source) []replay.Step {
	t.Helper()
	r := replay.NewReplayer(src)
	var out []replay.Step
	for r.Next() {
		st := *r.Step()
		st.Recorded = append([]eventlog.Event(nil), st.Recorded...)
		st.Replayed = append([]econn.Output(nil), st.Replayed...)
		out = append(out, st)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if r.Events() != src.Count() {
		t.Fatalf("read %d events, the call has %d", r.Events(), src.Count())
	}
	return out
}

func countInputs(evs []eventlog.Event) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == eventlog.KindInput {
			n++
		}
	}
	return n
}

func TestRecordedCallsReplayExactly(t *testing.T) {
	for name, scenario := range map[string]string{"basic": basic, "glare": simtest.Glare} {
		t.Run(name, func(t *testing.T) {
			src := record(t, scenario)
			got := steps(t, src)
			if len(got) != countInputs(src.Events()) {
				t.Fatalf("%d steps, %d inputs", len(got), countInputs(src.Events()))
			}
			outputs := 0
			for _, st := range got {
				if st.Divergence != nil {
					t.Fatalf("step at %d diverges: %s", st.Input.Seq, st.Divergence.Reason)
				}
				if len(st.Recorded) != len(st.Replayed) {
					t.Fatalf("step at %d: %d recorded, %d replayed", st.Input.Seq, len(st.Recorded), len(st.Replayed))
				}
				outputs += len(st.Recorded)
			}
			if outputs == 0 {
				t.Fatal("no outputs compared")
			}
		})
	}
}

func TestStepDetails(t *testing.T) {
	src := record(t, basic)
	var sawGarbage, sawCreate, sawAnswer, sawUnrouted bool
	for _, st := range steps(t, src) {
		switch {
		case st.Conn.Sess == "":
			sawUnrouted = true
			if st.Stepped != nil || st.DecodeErr != "version" || len(st.Replayed) != 0 {
				t.Errorf("unrouted: stepped %v, decodeErr %q", st.Stepped, st.DecodeErr)
			}
		case st.Created:
			sawCreate = true
			if st.Stepped != nil || st.After.State != econn.StateIdle || !st.After.Timer.Armed {
				t.Errorf("New step: stepped %v, after %v", st.Stepped, st.After)
			}
		case st.Input.Type == "Recv" && st.DecodeErr != "":
			sawGarbage = true
			if st.Stepped != nil || st.DecodeErr != "bad-message" || !st.Before.Equal(st.After) {
				t.Errorf("garbage: stepped %v, decodeErr %q", st.Stepped, st.DecodeErr)
			}
		case st.Input.Type == "Answer":
			sawAnswer = true
			if st.Before.State != econn.StatePendingIncoming || st.After.State != econn.StateAnswered {
				t.Errorf("Answer: %v -> %v", st.Before.State, st.After.State)
			}
		}
	}
	if !sawGarbage || !sawCreate || !sawAnswer || !sawUnrouted {
		t.Fatalf("garbage %t, create %t, answer %t, unrouted %t", sawGarbage, sawCreate, sawAnswer, sawUnrouted)
	}
}

// alter returns a copy of src with fn applied to the event at seq.
func alter(t *testing.T, src *replay.Slice, seq uint64, fn func(*eventlog.Event)) *replay.Slice {
	t.Helper()
	evs := append([]eventlog.Event(nil), src.Events()...)
	fn(&evs[seq-1])
	out, err := replay.NewSlice(src.Meta(), evs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// onlyDivergence replays src and returns the one diverging step.
func onlyDivergence(t *testing.T, src replay.Source) replay.Step {
	t.Helper()
	var bad []replay.Step
	for _, st := range steps(t, src) {
		if st.Divergence != nil {
			bad = append(bad, st)
		}
	}
	if len(bad) != 1 {
		t.Fatalf("%d diverging steps, want 1", len(bad))
	}
	return bad[0]
}

func TestAlteredOutputDiverges(t *testing.T) {
	src := record(t, basic)
	// Find the SETUP response B sent, and the input it belongs to.
	var target, input uint64
	for _, ev := range src.Events() {
		if ev.Kind == eventlog.KindInput && ev.Endpoint == simtest.B1 {
			input = ev.Seq
		}
		if s, ok := ev.Output.(econn.Send); ok && s.Msg.Type == econn.MsgSetup && s.Msg.Resp {
			target = ev.Seq
			break
		}
	}
	changed := alter(t, src, target, func(ev *eventlog.Event) {
		s := ev.Output.(econn.Send)
		m := *s.Msg
		m.Props = econn.Props{"videosend": "false"}
		ev.Output = econn.Send{Msg: &m, Via: s.Via}
	})
	st := onlyDivergence(t, changed)
	if st.Input.Seq != input || st.Input.Type != "Answer" {
		t.Fatalf("divergence at %d (%s), want %d (Answer)", st.Input.Seq, st.Input.Type, input)
	}
	if st.Divergence.Index != 1 || !strings.Contains(st.Divergence.Reason, "output 2") {
		t.Fatalf("divergence %+v, want the second output", st.Divergence)
	}
}

func TestMissingAndExtraOutputs(t *testing.T) {
	src := record(t, basic)
	// Turn the first PingReceived (a step's only output) into a note: the
	// step now has one recorded output fewer than it replays.
	var seq uint64
	for _, ev := range src.Events() {
		if ev.Type == "PingReceived" {
			seq = ev.Seq
			break
		}
	}
	changed := alter(t, src, seq, func(ev *eventlog.Event) {
		*ev = eventlog.Event{Seq: ev.Seq, Endpoint: ev.Endpoint, Conn: ev.Conn, Kind: eventlog.KindNote,
			Type: "x", Note: &eventlog.Note{Text: "x"}}
	})
	st := onlyDivergence(t, changed)
	if st.Divergence.Index != 0 || !strings.Contains(st.Divergence.Reason, "PingReceived is new") {
		t.Fatalf("reason %q", st.Divergence.Reason)
	}
}

func TestDecodeChangeDiverges(t *testing.T) {
	src := record(t, basic)
	for _, routed := range []bool{true, false} {
		var seq uint64
		for _, ev := range src.Events() {
			if ri, ok := ev.Input.(eventlog.RecvInput); ok && ri.DecodeErr != "" && (ev.Conn != "") == routed {
				seq = ev.Seq
			}
		}
		changed := alter(t, src, seq, func(ev *eventlog.Event) {
			ri := ev.Input.(eventlog.RecvInput)
			ri.DecodeErr = "unsupported"
			ev.Input = ri
		})
		st := onlyDivergence(t, changed)
		if st.Input.Seq != seq || st.Divergence.Index != -1 || !strings.Contains(st.Divergence.Reason, "unsupported") {
			t.Fatalf("routed %t: step %d: %+v", routed, st.Input.Seq, st.Divergence)
		}
	}
}

func TestInterleavedConnections(t *testing.T) {
	src := record(t, basic)
	evs := append([]eventlog.Event(nil), src.Events()...)
	// Move every B input to just after the next A output: the logs of two
	// event loops interleave, and outputs must still find their step.
	moved := 0
	for i := 0; i+2 < len(evs); i++ {
		if evs[i].Endpoint == simtest.A1 && evs[i].Kind == eventlog.KindInput &&
			evs[i+1].Kind == eventlog.KindOutput && evs[i+1].Endpoint == simtest.A1 &&
			evs[i+2].Endpoint == simtest.B1 && evs[i+2].Kind == eventlog.KindInput {
			evs[i+1], evs[i+2] = evs[i+2], evs[i+1]
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("nothing interleaved")
	}
	for i := range evs {
		evs[i].Seq = 0
	}
	mixed, err := replay.NewSlice(src.Meta(), evs)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps(t, mixed) {
		if st.Divergence != nil {
			t.Fatalf("step %d: %s", st.Input.Seq, st.Divergence.Reason)
		}
	}
}

func TestBrokenLogs(t *testing.T) {
	src := record(t, basic)
	evs := src.Events()
	for name, tc := range map[string]struct {
		evs  []eventlog.Event
		want string
	}{
		"output first": {evs[1:], "no input before it"},
		"no New":       {evs[2:], "which no New created"},
	} {
		t.Run(name, func(t *testing.T) {
			cp := append([]eventlog.Event(nil), tc.evs...)
			for i := range cp {
				cp[i].Seq = 0
			}
			s, err := replay.NewSlice(src.Meta(), cp)
			if err != nil {
				t.Fatal(err)
			}
			r := replay.NewReplayer(s)
			for r.Next() {
			}
			if r.Err() == nil || !strings.Contains(r.Err().Error(), tc.want) {
				t.Fatalf("err %v, want %q", r.Err(), tc.want)
			}
		})
	}
}

func TestEqualOutput(t *testing.T) {
	for _, tc := range []struct {
		a, b econn.Output
		want bool
	}{
		{econn.Answered{Props: nil}, econn.Answered{Props: econn.Props{}}, true},
		{econn.Answered{Props: econn.Props{"a": "1"}}, econn.Answered{Props: econn.Props{"a": "2"}}, false},
		{econn.Closed{Reason: econn.ErrCanceled}, econn.Closed{Reason: econn.ErrorFromName("canceled")}, true},
		{econn.Closed{Reason: econn.ErrCanceled}, econn.Closed{Reason: econn.ErrTimedOut}, false},
		{econn.Send{Msg: &econn.Message{Type: econn.MsgPing}}, econn.Send{Msg: &econn.Message{Type: econn.MsgPing}}, true},
		{econn.Send{Msg: &econn.Message{Type: econn.MsgPing}}, econn.Send{Msg: &econn.Message{Type: econn.MsgPing, Resp: true}}, false},
		{econn.Incoming{SDP: "x"}, econn.Incoming{SDP: "x", Props: econn.Props{}}, true},
		{econn.Incoming{SDP: "x", Age: 1}, econn.Incoming{SDP: "x"}, false},
		{econn.SetTimer{Gen: 1}, econn.SetTimer{Gen: 2}, false},
		{econn.SetTimer{Gen: 1}, econn.CancelTimer{Gen: 1}, false},
		{nil, nil, true},
	} {
		if got := replay.EqualOutput(tc.a, tc.b); got != tc.want {
			t.Errorf("EqualOutput(%#v, %#v) = %t", tc.a, tc.b, got)
		}
	}
}

// TestDamagedLogsDoNotPanic replays logs with events dropped, swapped or
// emptied at random: the engine reports errors and divergences, never
// panics.
func TestDamagedLogsDoNotPanic(t *testing.T) {
	short, glare := record(t, simtest.BasicCall(2)), record(t, simtest.Glare)
	rng := rand.New(rand.NewSource(1))
	for run := 0; run < 200; run++ {
		src := glare
		if run%2 == 0 {
			src = short
		}
		evs := append([]eventlog.Event(nil), src.Events()...)
		for n := 1 + rng.Intn(3); n > 0; n-- {
			i := rng.Intn(len(evs))
			switch rng.Intn(4) {
			case 0:
				evs = append(evs[:i], evs[i+1:]...)
			case 1:
				j := rng.Intn(len(evs))
				evs[i], evs[j] = evs[j], evs[i]
			case 2:
				evs[i].Input, evs[i].Output = nil, nil
			case 3:
				evs[i].Output = econn.Send{}
			}
		}
		for i := range evs {
			evs[i].Seq = 0
		}
		s, err := replay.NewSlice(src.Meta(), evs)
		if err != nil {
			t.Fatal(err)
		}
		r := replay.NewReplayer(s)
		for r.Next() {
			_ = r.Step()
		}
		ix := replay.NewIndex(s, &replay.IndexOptions{CheckpointEvery: 5})
		for seq := uint64(1); seq <= s.Count(); seq += 3 {
			_, _ = ix.At(seq)
			_, _ = ix.StepAt(seq)
		}
	}
}
