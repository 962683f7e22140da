package replay_test

import (
	"fmt"

	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/replay/replaytest"
)

// A recorded call replays exactly: every step's outputs are the ones
// recorded. With a log file, the Source is replay.Reader(callReader).
//
// Steps come when complete, that is when their connection's next input
// is read: B receives A's SETUP before A receives B's, so B's Start step
// completes, and comes, first.
func ExampleReplayer() {
	var m replaytest.Memory
	rec := replaytest.NewRecorder(&m)
	replaytest.Glare(rec)
	src, _ := replay.NewSlice(replaytest.Meta(rec, "glare"), m.Events)

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
	// B/1#b1: Idle → Pending-Outgoing
	// A/1#a1: Idle → Pending-Outgoing
	// A/1#a1: Pending-Outgoing → Conflict-Resolution
	// A/1#a1: Conflict-Resolution → Answered
	// B/1#b1: Pending-Outgoing → Answered
	// A/1#a1: Answered → DatachanEstablished
	// B/1#b1: Answered → DatachanEstablished
	// A/1#a1: DatachanEstablished → HangupSent
	// B/1#b1: DatachanEstablished → Terminating
	// A/1#a1: HangupSent → Terminating
	// 13 steps, 0 diverged, error: <nil>
}

// The state of every connection at any event, from checkpoints: event 20
// is the SETUP response A sends when it answers B's offer after losing the
// glare; A's connection changed in that step, B's did not.
func ExampleIndex() {
	var m replaytest.Memory
	rec := replaytest.NewRecorder(&m)
	replaytest.Glare(rec)
	src, _ := replay.NewSlice(replaytest.Meta(rec, "glare"), m.Events)

	ix := replay.NewIndex(src, nil)
	st, _ := ix.At(20)
	fmt.Println("event", st.Event.Seq, st.Event.Type)
	for _, c := range st.Conns {
		fmt.Printf("%s %s conflict=%s changed=%t\n", c.ID, c.After.State, c.After.Conflict, c.Changed())
	}
	// Output:
	// event 20 Send
	// A/1#a1 Answered conflict=loser changed=true
	// B/1#b1 Pending-Outgoing conflict=winner changed=false
}
