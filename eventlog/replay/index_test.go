package replay_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// TestIndexMatchesForwardReplay checks At and StepAt at every event
// against a straight replay, with checkpoints close together so that most
// questions start from one.
func TestIndexMatchesForwardReplay(t *testing.T) {
	src := record(t, basic)
	all := steps(t, src)
	byInput := map[uint64]replay.Step{}
	for _, st := range all {
		byInput[st.Input.Seq] = st
	}
	// after[seq] is every connection's snapshot after event seq.
	after := map[replay.ConnID]econn.Snapshot{}
	stepOf := map[replay.ConnID]uint64{}
	for _, every := range []uint64{1, 7, 64, 100000} {
		ix := replay.NewIndex(src, &replay.IndexOptions{CheckpointEvery: every})
		clear(after)
		clear(stepOf)
		// Ask backwards too: the frontier must not matter.
		if _, err := ix.At(src.Count()); err != nil {
			t.Fatal(err)
		}
		for _, ev := range src.Events() {
			id := replay.ConnOf(ev)
			if ev.Kind == eventlog.KindInput && ev.Conn != "" {
				after[id] = byInput[ev.Seq].After
				stepOf[id] = ev.Seq
			}
			state, err := ix.At(ev.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if state.Event.Seq != ev.Seq || len(state.Conns) != len(after) {
				t.Fatalf("every %d, At(%d): event %d, %d conns, want %d", every, ev.Seq, state.Event.Seq, len(state.Conns), len(after))
			}
			for _, cs := range state.Conns {
				if !cs.After.Equal(after[cs.ID]) {
					t.Fatalf("every %d, At(%d) %s:\n got %v\nwant %v", every, ev.Seq, cs.ID, cs.After, after[cs.ID])
				}
				if ev.Kind != eventlog.KindNote && cs.ID == id {
					want := byInput[stepOf[id]]
					if !cs.Before.Equal(want.Before) || cs.Created != want.Created {
						t.Fatalf("At(%d) %s: before %v, want %v", ev.Seq, id, cs.Before, want.Before)
					}
				} else if cs.Changed() {
					t.Fatalf("At(%d): %s changed, but the event is not about it", ev.Seq, cs.ID)
				}
			}
			if every != 7 {
				continue
			}
			st, err := ix.StepAt(ev.Seq)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind == eventlog.KindNote {
				if st != nil {
					t.Fatalf("StepAt(note %d) = step %d", ev.Seq, st.Input.Seq)
				}
				continue
			}
			if ev.Conn == "" {
				if st.Input.Seq != ev.Seq || st.DecodeErr == "" || st.Divergence != nil {
					t.Fatalf("StepAt(unrouted %d) = %+v", ev.Seq, st)
				}
				continue
			}
			want := byInput[stepOf[id]]
			if st.Input.Seq != want.Input.Seq || len(st.Recorded) != len(want.Recorded) ||
				len(st.Replayed) != len(want.Replayed) || st.Divergence != nil || !st.After.Equal(want.After) {
				t.Fatalf("StepAt(%d): step %d with %d/%d outputs, want step %d with %d", ev.Seq,
					st.Input.Seq, len(st.Recorded), len(st.Replayed), want.Input.Seq, len(want.Recorded))
			}
		}
	}
}

func TestIndexDeadlineAndProps(t *testing.T) {
	src := record(t, basic)
	ix := replay.NewIndex(src, nil)
	// After B's Answer: its local props are the answer's, the remote ones
	// the offer's, and no timer is armed.
	for _, ev := range src.Events() {
		if ev.Type != "Answer" {
			continue
		}
		st, err := ix.At(ev.Seq)
		if err != nil {
			t.Fatal(err)
		}
		b := st.Conns[1]
		if b.LocalProps["videosend"] != "true" || b.RemoteProps["videosend"] != "false" {
			t.Fatalf("props local %v remote %v", b.LocalProps, b.RemoteProps)
		}
		a := st.Conns[0]
		if !a.After.Timer.Armed || a.Deadline != a.After.Timer.After {
			t.Fatalf("A's deadline %v, timer %v", a.Deadline, a.After.Timer)
		}
		return
	}
	t.Fatal("no Answer")
}

func TestIndexBadQuestions(t *testing.T) {
	src := record(t, basic)
	ix := replay.NewIndex(src, nil)
	for _, seq := range []uint64{0, src.Count() + 1} {
		if _, err := ix.At(seq); err == nil || !strings.Contains(err.Error(), "no event") {
			t.Errorf("At(%d): %v", seq, err)
		}
		if _, err := ix.StepAt(seq); err == nil {
			t.Errorf("StepAt(%d): no error", seq)
		}
	}
	if evs, err := ix.Events(1, -1); err != nil || len(evs) != 0 {
		t.Fatalf("Events(1, -1): %d events, %v", len(evs), err)
	}
	evs, err := ix.Events(src.Count()-2, 10)
	if err != nil || len(evs) != 3 || evs[2].Seq != src.Count() {
		t.Fatalf("Events at the end: %d events, %v", len(evs), err)
	}
}

// TestIndexConcurrentUse asks one Index from several goroutines (run with
// -race): its methods serialize.
func TestIndexConcurrentUse(t *testing.T) {
	src := record(t, basic)
	ix := replay.NewIndex(src, &replay.IndexOptions{CheckpointEvery: 16})
	want, err := replay.NewIndex(src, nil).At(src.Count())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for seq := uint64(1 + g); seq <= src.Count(); seq += 4 {
				if _, err := ix.StepAt(seq); err != nil {
					done <- err
					return
				}
				if _, err := ix.Events(seq, 3); err != nil {
					done <- err
					return
				}
			}
			st, err := ix.At(src.Count())
			if err == nil && !st.Conns[0].After.Equal(want.Conns[0].After) {
				err = fmt.Errorf("At(end) = %v, want %v", st.Conns[0].After, want.Conns[0].After)
			}
			done <- err
		}(g)
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
