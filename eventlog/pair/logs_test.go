package pair_test

import (
	"fmt"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog/pair"
)

// callResults pairs one call of a log file and counts its results by
// status, keeping them too.
func callResults(t *testing.T, path, id string) (map[pair.Status]int, []pair.Result) {
	t.Helper()
	r := simtest.OpenCall(t, path, id)
	n := map[pair.Status]int{}
	var all []pair.Result
	if err := pair.Call(r, func(res pair.Result) { n[res.Status]++; all = append(all, res) }); err != nil {
		t.Fatal(err)
	}
	return n, all
}

// TestSimLogs: a simulation records every device of its world, so every
// message pairs but those its faults dropped.
func TestSimLogs(t *testing.T) {
	const log = "../../testdata/compat/v2/scenarios.db"
	t.Run("01-three-devices->all-paired", func(t *testing.T) {
		n, all := callResults(t, log, "call-0001")
		if n[pair.Paired] == 0 || len(n) != 1 {
			t.Errorf("results %v, want paired only", n)
		}
		var setups []string
		for _, r := range all {
			if r.Send.Seq == 0 || r.Recv.Seq == 0 || r.Recv.At < r.Send.At || r.Recv.Endpoint == r.Msg.From {
				t.Errorf("bad pair %+v", r)
			}
			if r.Msg.Type == econn.MsgSetup && !r.Msg.Resp {
				setups = append(setups, fmt.Sprint(r.Send.Endpoint, "->", r.Recv.Endpoint))
			}
		}
		// The backend fans A/1's SETUP out to both of B's devices.
		if fmt.Sprint(setups) != "[A/1->B/1 A/1->B/2]" && fmt.Sprint(setups) != "[A/1->B/2 A/1->B/1]" {
			t.Errorf("SETUP pairs %v, want one to each of B/1 and B/2", setups)
		}
	})
	t.Run("every-scenario->no-send-not-recorded", func(t *testing.T) {
		// Every device of a simulation is in its log. The receives
		// without a send are the messages scenarios inject: 8's CANCEL
		// as if from A/666, 38's HANGUP of a session that does not exist.
		injected := map[int]string{8: "CANCEL 9GMi from A/666", 38: "HANGUP nope from A/1"}
		for i := 1; i <= 50; i++ {
			n, all := callResults(t, log, fmt.Sprintf("call-%04d", i))
			if n[pair.NoSend] != 0 || n[pair.NotRecorded] != 0 || n[pair.Unmatched] > 1 {
				t.Errorf("call-%04d: results %v", i, n)
			}
			var got string
			for _, r := range all {
				if r.Status == pair.Unmatched {
					got = fmt.Sprintf("%s %s from %s", r.Msg.Label(), r.Msg.SessID, r.Msg.From)
				}
			}
			if got != injected[i] {
				t.Errorf("call-%04d: unmatched %q, want %q", i, got, injected[i])
			}
		}
	})
	t.Run("31-hangup-dropped->one-lost", func(t *testing.T) {
		n, all := callResults(t, log, "call-0031")
		if n[pair.Lost] != 1 || n[pair.NotRecorded]+n[pair.NoSend]+n[pair.Unmatched] != 0 {
			t.Fatalf("results %v, want exactly one lost", n)
		}
		for _, r := range all {
			if r.Status == pair.Lost && (r.Msg.Type != econn.MsgHangup || r.Msg.Resp || r.To.String() != "B/1") {
				t.Errorf("lost %+v, want A/1's HANGUP to B/1", r)
			}
		}
	})
	t.Run("23-setup-duplicated->one-duplicate", func(t *testing.T) {
		n, all := callResults(t, log, "call-0023")
		dups := 0
		for _, r := range all {
			if r.Duplicate {
				dups++
				if r.Msg.Type != econn.MsgSetup || r.Msg.Resp {
					t.Errorf("duplicate %+v, want the SETUP", r)
				}
			}
		}
		if dups != 1 || len(n) != 1 {
			t.Errorf("results %v with %d duplicates, want paired only, one duplicate", n, dups)
		}
	})
	t.Run("48-propsyncs-dropped->lost-are-propsyncs", func(t *testing.T) {
		n, all := callResults(t, log, "call-0048")
		if n[pair.Lost] == 0 || n[pair.Unmatched]+n[pair.NoSend]+n[pair.NotRecorded] != 0 {
			t.Errorf("results %v, want some lost, none unmatched", n)
		}
		for _, r := range all {
			if r.Status == pair.Lost && (r.Msg.Type != econn.MsgPropsync || r.Msg.From.String() != "A/1") {
				t.Errorf("lost %+v, want only A/1's PROPSYNCs", r)
			}
		}
	})
}

// TestDeviceLogs: a cross-process call's device log records one device:
// its sends are not recorded at the other end, its receives have no
// recorded send, and nothing is lost.
func TestDeviceLogs(t *testing.T) {
	for _, f := range []string{"live-call-a1.db", "live-call-b1.db", "live-call-b2.db"} {
		t.Run(f, func(t *testing.T) {
			n, _ := callResults(t, "../../testdata/compat/v2/"+f, "call-0001")
			if n[pair.Lost] != 0 || n[pair.Paired] != 0 || n[pair.Unmatched] != 0 {
				t.Errorf("results %v, want only not recorded and send not recorded", n)
			}
			if n[pair.NoSend] == 0 {
				t.Errorf("results %v, want receives without their send", n)
			}
			if f != "live-call-b1.db" && n[pair.NotRecorded] == 0 {
				t.Errorf("results %v, want sends to devices not recorded", n)
			}
		})
	}
}
