package replay_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

func TestVerifyExact(t *testing.T) {
	src := record(t, simtest.Glare)
	rep, err := replay.Verify(src)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.CallID != "call-1" || rep.FormatVersion != eventlog.FormatVersion ||
		rep.Events != src.Count() || rep.Steps == 0 || rep.Divergences != 0 || rep.Check() != nil {
		t.Fatalf("report %+v, check %v", rep, rep.Check())
	}
}

// A tampered output: the report keeps the first diverging step, with its
// number, its connection and both outputs, after the replay has moved on.
func TestVerifyReportsTheFirstDivergence(t *testing.T) {
	src := record(t, basic)
	evs := append([]eventlog.Event(nil), src.Events()...)
	tampered := 0
	for i, ev := range evs {
		if s, ok := ev.Output.(econn.Send); ok && ev.Endpoint == simtest.B1 && tampered < 2 {
			m := *s.Msg
			m.SessID = "tampered"
			evs[i].Output = econn.Send{Msg: &m, Via: s.Via}
			tampered++
		}
	}
	bad, err := replay.NewSlice(src.Meta(), evs)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Verify(bad)
	if err != nil {
		t.Fatal(err)
	}
	st := rep.First
	if rep.OK() || st == nil || rep.Divergences != 2 || st.Number == 0 || st.Number > rep.Steps ||
		st.Conn.Endpoint != simtest.B1 || st.Divergence.Index < 0 {
		t.Fatalf("report %+v", rep)
	}
	rec := st.Recorded[st.Divergence.Index].Output.(econn.Send)
	rpl := st.Replayed[st.Divergence.Index].(econn.Send)
	if rec.Msg.SessID != "tampered" || rpl.Msg.SessID == "tampered" {
		t.Fatalf("recorded %+v, replayed %+v", rec.Msg, rpl.Msg)
	}
	err = rep.Check()
	if !errors.Is(err, replay.ErrDiverged) || !strings.Contains(err.Error(), "call call-1") ||
		!strings.Contains(err.Error(), st.Divergence.Reason) {
		t.Fatalf("check: %v", err)
	}
}

func TestVerifyNoSteps(t *testing.T) {
	src, err := replay.NewSlice(eventlog.CallMeta{ID: "empty", FormatVersion: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Verify(src)
	if err != nil || !errors.Is(rep.Check(), replay.ErrNoSteps) {
		t.Fatalf("report %+v, %v, check %v", rep, err, rep.Check())
	}
}

func TestOutputName(t *testing.T) {
	if got := replay.OutputName(nil); got != "nothing" {
		t.Errorf("OutputName(nil) = %q", got)
	}
	if got := replay.OutputName(econn.Answered{}); got != "Answered" {
		t.Errorf("OutputName(Answered) = %q", got)
	}
}
