package replay_test

import (
	"fmt"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog/replay"
)

// A recorded call replays exactly: every step's outputs are the ones
// recorded. With a log file, the Source is replay.Reader(callReader).
//
// Steps come when complete, that is when their connection's next input
// is read: B receives A's SETUP before A receives B's, so B's Start step
// completes, and comes, first.
func ExampleReplayer() {
	meta, events, _ := simtest.Events(simtest.Call{ID: "glare", Scenario: simtest.Glare})
	src, _ := replay.NewSlice(meta, events)

	r := replay.NewReplayer(src)
	for r.Next() {
		st := r.Step()
		if st.Divergence != nil {
			fmt.Println("diverged at", st.Input.Seq, st.Divergence.Reason)
		}
		if st.Before.State != st.After.State {
			fmt.Printf("%s: %s → %s\n", st.Conn, st.Before.State, st.After.State)
		}
	}
	fmt.Println(r.Steps(), "steps,", r.Divergences(), "diverged, error:", r.Err())
	// Output:
	// B/1#cph5: Idle → Pending-Outgoing
	// A/1#9GMi: Idle → Pending-Outgoing
	// A/1#9GMi: Pending-Outgoing → Conflict-Resolution
	// B/1#cph5: Pending-Outgoing → Answered
	// B/1#cph5: Answered → DatachanEstablished
	// A/1#9GMi: Conflict-Resolution → Answered
	// A/1#9GMi: Answered → DatachanEstablished
	// A/1#9GMi: DatachanEstablished → HangupSent
	// B/1#cph5: DatachanEstablished → Terminating
	// A/1#9GMi: HangupSent → Terminating
	// 17 steps, 0 diverged, error: <nil>
}

// The state of every connection at any event, from checkpoints: event 22
// is the SETUP response A sends when it answers B's offer after losing the
// glare; A's connection changed in that step, B's did not.
func ExampleIndex() {
	meta, events, _ := simtest.Events(simtest.Call{ID: "glare", Scenario: simtest.Glare})
	src, _ := replay.NewSlice(meta, events)

	ix := replay.NewIndex(src, nil)
	st, _ := ix.At(22)
	fmt.Println("event", st.Event.Seq, st.Event.Type)
	for _, c := range st.Conns {
		fmt.Printf("%s %s conflict=%s changed=%t\n", c.ID, c.After.State, c.After.Conflict, c.Changed())
	}
	// Output:
	// event 22 Send
	// A/1#9GMi Answered conflict=loser changed=true
	// B/1#cph5 Pending-Outgoing conflict=winner changed=false
}
