package fleet

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// Following a call while its three devices record it: the first device's
// recording is the call when following starts; the other two join as
// their sessions meet it; the events arrive as they are committed and
// the follower ends once every recording closed. What it holds replays
// exactly.
func TestFollowCallInProgress(t *testing.T) {
	c := connect(t, serve(t).URL())
	devices := splitDevices(t, simLog(t, "06-two-callee-devices.txt", 7, "v1.0"), "conv-1")
	type live struct {
		w   *eventlog.CallWriter
		evs []eventlog.Event
	}
	var lives []live
	var first string // the first device's recording
	for i, p := range devices {
		meta, evs := simtest.ReadCall(t, p, "call-1")
		l, err := eventlog.Open(filepath.Join(t.TempDir(), "rec.log"), 0o644, &eventlog.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		meta.ID = ""
		w, err := l.CreateCall(meta)
		if err != nil {
			t.Fatal(err)
		}
		c.Watch(l, w, PublishOptions{})
		if i == 0 {
			m := w.Meta()
			first = RecordingID(&m)
		}
		lives = append(lives, live{w, evs})
		if i == 0 { // the first device's first event: the call exists
			if _, err := w.Append(evs[0]); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			lives[0].evs = evs[1:]
		}
	}
	ctx := testCtx(t)
	var calls []Call
	for deadline := time.Now().Add(5 * time.Second); len(calls) == 0 && time.Now().Before(deadline); {
		all, err := c.Calls(ctx, QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, call := range all {
			if call.Recordings[0].Rec == first {
				calls = append(calls, call)
			}
		}
	}
	if len(calls) != 1 || len(calls[0].Recordings) != 1 {
		t.Fatalf("calls %v before the others record", callIDsOf(calls))
	}
	f, err := c.Follow(ctx, calls[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := uint64(1)
	for _, lv := range lives {
		for _, ev := range lv.evs {
			ev.Seq = 0
			if _, err := lv.w.Append(ev); err != nil {
				t.Fatal(err)
			}
			want++
		}
		lv.w.Flush()
	}
	for _, lv := range lives {
		if err := lv.w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for {
		if ended, _ := f.Ended(); ended {
			break
		}
		if err := f.Wait(ctx, f.Count()); err != nil {
			t.Fatalf("after %d of %d events: %v", f.Count(), want, err)
		}
	}
	if f.Err() != nil || f.Count() != want || len(f.Meta().Endpoints) != 3 {
		t.Fatalf("followed %d of %d events, %d devices, err %v", f.Count(), want, len(f.Meta().Endpoints), f.Err())
	}
	rep, err := replay.Verify(f)
	if err != nil || rep.Check() != nil || rep.Events != want {
		t.Fatalf("the followed call: %+v %v %v", rep, err, rep.Check())
	}
}
