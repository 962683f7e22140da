package replay_test

import (
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/callstate"
	"github.com/callrec/callrec/eventlog/replay"
)

// snapScenarios are the calls the snapshot tests record, with a short
// distance between snapshots so that each call has many.
var snapScenarios = map[string]string{
	"basic": simtest.BasicCall(40),
	"glare": simtest.GlareBetween(simtest.A1, simtest.B1),
	"long":  simtest.LongCall(1500),
}

// openSnapCall records scenario with a snapshot every `every` events and
// opens the call.
func openSnapCall(t *testing.T, scenario string, every int) *eventlog.CallReader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "call.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "call-1", Scenario: scenario, SnapshotEvery: every}); err != nil {
		t.Fatal(err)
	}
	return openCall(t, path)
}

func openCall(t *testing.T, path string) *eventlog.CallReader {
	t.Helper()
	return simtest.OpenCall(t, path, "")
}

// snapshotsOf lists the Seqs of a call's snapshots.
func snapshotsOf(t *testing.T, r *eventlog.CallReader) []uint64 {
	t.Helper()
	var seqs []uint64
	for at := r.Count(); at > 0; {
		seq, _, ok, err := r.Snapshot(at)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		seqs = append([]uint64{seq}, seqs...)
		at = seq - 1
	}
	return seqs
}

func TestRecorderWritesSnapshotsVerifyChecksThem(t *testing.T) {
	for name, sc := range snapScenarios {
		t.Run(name, func(t *testing.T) {
			r := openSnapCall(t, sc, 7)
			seqs := snapshotsOf(t, r)
			if len(seqs) < int(r.Count())/20 {
				t.Fatalf("%d snapshots in %d events, want one about every 7", len(seqs), r.Count())
			}
			rep, err := replay.Verify(replay.Reader(r))
			if err != nil || rep.Check() != nil {
				t.Fatalf("verify: %v, %v", err, rep.Check())
			}
			if rep.Snapshots != uint64(len(seqs)) {
				t.Fatalf("verify compared %d snapshots, the call has %d", rep.Snapshots, len(seqs))
			}
		})
	}
}

func TestRecorderWithoutSnapshots(t *testing.T) {
	r := openSnapCall(t, simtest.BasicCall(10), -1)
	if seqs := snapshotsOf(t, r); len(seqs) != 0 {
		t.Fatalf("SnapshotEvery -1 wrote %d snapshots", len(seqs))
	}
}

// stripped hides a source's snapshots: the index then replays forward.
type stripped struct{ replay.Source }

// TestSeekViaSnapshotEqualsForwardReplay asks a fresh index for every
// event of each call: the state and the step it finds from the nearest
// recorded snapshot are those the forward replay from the first event
// finds.
func TestSeekViaSnapshotEqualsForwardReplay(t *testing.T) {
	for name, sc := range snapScenarios {
		t.Run(name, func(t *testing.T) {
			r := openSnapCall(t, sc, 16)
			full := replay.NewIndex(stripped{replay.Reader(r)}, &replay.IndexOptions{CheckpointEvery: 16})
			restored := 0
			for seq := uint64(1); seq <= r.Count(); seq++ {
				ix := replay.NewIndex(replay.Reader(r), &replay.IndexOptions{CheckpointEvery: 4})
				compareAt(t, ix, full, seq)
				restored += ix.RestoredCheckpoints()
			}
			if restored < int(r.Count())/2 {
				t.Fatalf("only %d of %d seeks started from a snapshot", restored, r.Count())
			}
			// One index asked in a random order mixes restored
			// checkpoints with the forward replay's.
			ix := replay.NewIndex(replay.Reader(r), &replay.IndexOptions{CheckpointEvery: 4})
			for _, i := range rand.New(rand.NewSource(1)).Perm(int(r.Count())) {
				compareAt(t, ix, full, uint64(i+1))
			}
		})
	}
}

func compareAt(t *testing.T, ix, full *replay.Index, seq uint64) {
	t.Helper()
	got, err := ix.At(seq)
	if err != nil {
		t.Fatalf("At(%d) via snapshot: %v", seq, err)
	}
	want, err := full.At(seq)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := stateString(got), stateString(want); g != w {
		t.Fatalf("At(%d):\n via snapshot %s\n forward      %s", seq, g, w)
	}
	gs, err := ix.StepAt(seq)
	if err != nil {
		t.Fatalf("StepAt(%d) via snapshot: %v", seq, err)
	}
	ws, _ := full.StepAt(seq)
	if (gs == nil) != (ws == nil) {
		t.Fatalf("StepAt(%d): via snapshot %v, forward %v", seq, gs, ws)
	}
	if gs != nil && stepString(*gs) != stepString(*ws) {
		t.Fatalf("StepAt(%d) differs:\n via snapshot %s\n forward      %s", seq, stepString(*gs), stepString(*ws))
	}
}

// stateString renders every field of a State; props by meaning.
func stateString(s *replay.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "event %d:", s.Event.Seq)
	for _, c := range s.Conns {
		fmt.Fprintf(&b, " [%s remote=%s before=%s after=%s created=%t last=%d deadline=%s props=%s/%s before=%s/%s changed=%t/%t]",
			c.ID, c.Remote, c.Before, c.After, c.Created, c.LastInput, c.Deadline,
			c.LocalProps, c.RemoteProps, c.LocalPropsBefore, c.RemotePropsBefore, c.Changed(), c.PropsChanged())
	}
	return b.String()
}

func stepString(st replay.Step) string {
	in := ""
	if st.Stepped != nil {
		in = st.Stepped.Describe()
	}
	outs := make([]string, len(st.Replayed))
	for i, o := range st.Replayed {
		outs[i] = o.Describe()
	}
	return fmt.Sprintf("%s %d %q err=%v %s | %s created=%t rec=%d %q div=%+v", st.Conn, st.Input.Seq, in,
		st.Err, st.Before, st.After, st.Created, len(st.Recorded), outs, st.Divergence)
}

// copyCall writes the events of r into a new log, with its snapshots
// changed by tamper (nil: kept as they are), and opens the copy.
func copyCall(t *testing.T, r *eventlog.CallReader, tamper func(seq uint64, c *callstate.Call) []byte) *eventlog.CallReader {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.log")
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	meta := r.Meta()
	meta.FormatVersion = 0
	w, err := l.CreateCall(meta)
	if err != nil {
		t.Fatal(err)
	}
	snaps := map[uint64]bool{}
	for _, s := range snapshotsOf(t, r) {
		snaps[s] = true
	}
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		seq := ev.Seq
		ev.Seq = 0
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
		if !snaps[seq] {
			continue
		}
		_, data, _, err := r.Snapshot(seq)
		if err != nil {
			t.Fatal(err)
		}
		if tamper != nil {
			c, err := callstate.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if d := tamper(seq, c); d != nil {
				data = d
			}
		}
		if err := w.PutSnapshot(seq, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return openCall(t, path)
}

func TestVerifyNoticesTamperedSnapshot(t *testing.T) {
	orig := openSnapCall(t, simtest.BasicCall(40), 7)
	seqs := snapshotsOf(t, orig)
	target := seqs[len(seqs)/2]
	// Another snapshot's state of the first connection: a state it was in,
	// but not at target.
	_, other, _, _ := orig.Snapshot(seqs[1])
	otherCall, _ := callstate.Decode(other)
	cases := map[string]func(c *callstate.Call){
		"local props": func(c *callstate.Call) { c.Conns[0].LocalProps = econn.Props{"videosend": "maybe"} },
		"ECONN state": func(c *callstate.Call) { c.Conns[0].State = otherCall.Conns[0].State },
		"latest input": func(c *callstate.Call) {
			c.Conns[len(c.Conns)-1].LastInput--
		},
		"a connection less": func(c *callstate.Call) { c.Conns = c.Conns[:len(c.Conns)-1] },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			r := copyCall(t, orig, func(seq uint64, c *callstate.Call) []byte {
				if seq != target {
					return nil
				}
				change(c)
				return c.Append(nil)
			})
			rep, err := replay.Verify(replay.Reader(r))
			if err != nil {
				t.Fatal(err)
			}
			if rep.First == nil || rep.First.Divergence.Snapshot != target {
				t.Fatalf("verify did not notice the snapshot after event %d: %+v", target, rep.First)
			}
			msg := rep.Check().Error()
			if !errors.Is(rep.Check(), replay.ErrDiverged) || !strings.Contains(msg, fmt.Sprintf("snapshot after event %d", target)) {
				t.Fatalf("Check() = %q", msg)
			}
			t.Log(msg)
		})
	}
	t.Run("untouched copy", func(t *testing.T) {
		rep, err := replay.Verify(replay.Reader(copyCall(t, orig, nil)))
		if err != nil || rep.Check() != nil || rep.Snapshots != uint64(len(seqs)) {
			t.Fatalf("copy: %v %v, %d snapshots", err, rep.Check(), rep.Snapshots)
		}
	})
	t.Run("damaged", func(t *testing.T) {
		r := copyCall(t, orig, func(seq uint64, c *callstate.Call) []byte {
			if seq == target {
				return []byte{callstate.Version, 9}
			}
			return nil
		})
		if _, err := replay.Verify(replay.Reader(r)); !errors.Is(err, callstate.ErrBad) {
			t.Fatalf("verify of a damaged snapshot: %v, want callstate.ErrBad", err)
		}
		ix := replay.NewIndex(replay.Reader(r), &replay.IndexOptions{CheckpointEvery: 2})
		if _, err := ix.At(target + 1); !errors.Is(err, callstate.ErrBad) {
			t.Fatalf("seek past a damaged snapshot: %v, want callstate.ErrBad", err)
		}
	})
}
