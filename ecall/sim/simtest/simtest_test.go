package simtest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// TestBasicCallHasWhatItPromises: the events its doc comment lists are in
// the log, and both connections end closed.
func TestBasicCallHasWhatItPromises(t *testing.T) {
	meta, evs, err := Events(Call{ID: "basic", Scenario: BasicCall(50)})
	if err != nil {
		t.Fatal(err)
	}
	if meta.ID != "basic" || meta.Source != "sim" || len(meta.Conns) != 2 || len(meta.Endpoints) != 2 {
		t.Fatalf("meta %+v", meta)
	}
	var ignored, routedBad, unroutedBad, pings, updates int
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
		if _, ok := ev.Output.(econn.Ignored); ok {
			ignored++
		}
		if ri, ok := ev.Input.(eventlog.RecvInput); ok && ri.DecodeErr != "" {
			if ev.Conn != "" {
				routedBad++
			} else {
				unroutedBad++
			}
		}
		if s, ok := ev.Output.(econn.Send); ok && s.Msg.Type == econn.MsgPing {
			pings++
		}
		if in, ok := ev.Stepped().(econn.UpdateReq); ok && in.SDP != "" {
			updates++
		}
	}
	if ignored != 1 || routedBad != 1 || unroutedBad != 1 || pings != 100 || updates != 1 {
		t.Fatalf("ignored %d, undecodable %d routed %d unrouted, %d PINGs, %d updates", ignored, routedBad, unroutedBad, pings, updates)
	}
}

// TestLongCallSize: LongCall(n) records about n events, so that the
// benchmarks' sizes mean what they say.
func TestLongCallSize(t *testing.T) {
	count := func(rounds int) int {
		_, evs, err := Events(Call{ID: "basic", Scenario: BasicCall(rounds)})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if n0, n1, n49, n50 := count(0), count(1), count(49), count(50); n0 != BasicCallEvents ||
		n1-n0 != RoundEvents || n50-n49 != RoundEvents+UpdateEvents {
		t.Fatalf("0, 1, 49, 50 rounds: %d, %d, %d, %d events; the constants say %d, +%d a round, +%d an update",
			n0, n1, n49, n50, BasicCallEvents, RoundEvents, UpdateEvents)
	}
	for _, n := range []int{0, 500, 5000} {
		_, evs, err := Events(Call{ID: "long", Scenario: LongCall(n)})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(evs); got > max(n, BasicCallEvents) || got < n-RoundEvents-UpdateEvents {
			t.Errorf("LongCall(%d) recorded %d events", n, got)
		}
	}
}

func TestGlareHasALoser(t *testing.T) {
	_, evs, err := Events(Call{ID: "glare", Scenario: Glare})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if sc, ok := ev.Output.(econn.StateChanged); ok && sc.To == econn.StateConflictResolution {
			if ev.Endpoint != A1 {
				t.Fatalf("%s went to Conflict-Resolution, want A/1", ev.Endpoint)
			}
			return
		}
	}
	t.Fatal("nobody went to Conflict-Resolution")
}

// TestWriteLogSeveralCalls: one file, the calls in order, their ids kept.
func TestWriteLogSeveralCalls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.log")
	if err := WriteLog(path, Call{ID: "a", Scenario: Glare}, Call{ID: "b", Scenario: BasicCall(1)}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, id := range []string{"a", "b"} {
		r, err := l.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Meta().Scenario != id || r.Count() == 0 {
			t.Errorf("call %s: meta %+v, %d events", id, r.Meta(), r.Count())
		}
		r.Close()
	}
}

// TestBadScenarioNamesTheCall: a scenario that does not run is an error
// naming the call and the line, and nothing is returned.
func TestBadScenarioNamesTheCall(t *testing.T) {
	_, evs, err := Events(Call{ID: "bad", Scenario: "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\n"})
	if err == nil || !strings.Contains(err.Error(), "call bad") || !strings.Contains(err.Error(), "bad:4: expect B/1 state") || evs != nil {
		t.Fatalf("got %v, %d events", err, len(evs))
	}
	if err := WriteLog(filepath.Join(t.TempDir(), "x.log"), Call{ID: "x", Scenario: "start A/1\n"}); err == nil ||
		!strings.Contains(err.Error(), "x.txt:1: start before the clients line") {
		t.Fatalf("parse error: %v", err)
	}
}

// TestBetweenOtherEndpoints: the stock calls run between any two
// endpoints, and name no other.
func TestBetweenOtherEndpoints(t *testing.T) {
	x := eventlog.Endpoint{User: "193ac375-d7f0", Client: "fcf5"}
	y := eventlog.Endpoint{User: "293ac375-d7f0", Client: "0a1b"}
	for _, scenario := range []string{BasicCallBetween(x, y, 2), GlareBetween(x, y)} {
		meta, evs, err := Events(Call{ID: "c", Scenario: scenario})
		if err != nil {
			t.Fatal(err)
		}
		if len(meta.Endpoints) != 2 || meta.Endpoints[0] != x || meta.Endpoints[1] != y {
			t.Fatalf("endpoints %v", meta.Endpoints)
		}
		for _, ev := range evs {
			if ev.Endpoint != x && ev.Endpoint != y {
				t.Fatalf("event %d at %s", ev.Seq, ev.Endpoint)
			}
		}
	}
}

// TestHostileHoldsWhatItPromises: the texts its doc comment lists reach
// the log as the peer sent them, so that the readers' tests of escaping
// have something to escape.
func TestHostileHoldsWhatItPromises(t *testing.T) {
	meta, evs, err := Events(Call{ID: "hostile", Scenario: Hostile})
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Endpoints) != 2 || meta.Endpoints[1] != HostileB {
		t.Fatalf("endpoints %v", meta.Endpoints)
	}
	var forged, raw, props bool
	for _, ev := range evs {
		if ri, ok := ev.Input.(eventlog.RecvInput); ok {
			raw = raw || strings.Contains(string(ri.Data), HostileSessID+"\xff")
			if m, err := ri.Decode(); err == nil && m.Msg.SessID == HostileSessID && m.Msg.Props["nick"] == "\u202eevil" {
				forged = true
			}
		}
		if in, ok := ev.Stepped().(econn.Start); ok && in.Props["nick"] == "\u202eevil\u009b" {
			props = true
		}
	}
	if !forged || !raw || !props {
		t.Fatalf("forged SETUP %v, raw message %v, props %v", forged, raw, props)
	}
}
