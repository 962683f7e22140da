package replay_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestReplayerMemoryIsFlat replays a long call from a log file and checks
// that the heap does not grow with the events read: one pending step per
// connection, and the reader holds no more than the event it returns.
func TestReplayerMemoryIsFlat(t *testing.T) {
	const events = 120_000
	path := filepath.Join(t.TempDir(), "long.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(events)}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cr, err := l.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	r := replay.NewReplayer(replay.Reader(cr))
	var early, late uint64
	for r.Next() {
		if r.Step().Divergence != nil {
			t.Fatalf("step %d diverges", r.Step().Input.Seq)
		}
		switch n := r.Events(); {
		case early == 0 && n >= 20_000:
			early = heap()
		case late == 0 && n >= 110_000:
			late = heap()
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if r.Events() < 110_000 || early == 0 || late == 0 {
		t.Fatalf("read %d events", r.Events())
	}
	// 90,000 more events read: keeping even 40 bytes of each would show.
	if grew := int64(late) - int64(early); grew > 3<<20 {
		t.Fatalf("the heap grew by %d bytes between event 20,000 and 110,000", grew)
	}
	t.Logf("heap at 20k events %d B, at 110k %d B", early, late)
}
