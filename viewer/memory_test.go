package viewer

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestSearchKeepsNoRows searches a call of 100,000 events for a text
// that is not there, which reads the whole call, and checks that the
// search leaves the live heap as it found it: the rows it read are
// garbage once looked at. The replay index is warmed first, so that its
// checkpoints are not counted.
func TestSearchKeepsNoRows(t *testing.T) {
	if testing.Short() {
		t.Skip("records a call of 100,000 events")
	}
	path := filepath.Join(t.TempDir(), "long.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(100_000)}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cat := NewLogCatalog(l, nil)
	defer cat.Close()
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.Resize(100, 30)
	<-m.src.(*CallSource).done
	for m.Tick() {
	}
	before := liveHeap()
	for _, k := range []Key{Rune('/'), Rune('z'), Rune('q'), Rune('x'), {Code: KeyEnter}} {
		m.Update(k)
	}
	for m.Tick() {
	}
	if !m.msgErr || !strings.Contains(m.msg, "not found") {
		t.Fatalf("the search ended with %q", m.msg)
	}
	if grew := liveHeap() - before; grew > 256<<10 {
		t.Fatalf("the heap grew by %d bytes over a search of %d events", grew, m.n)
	}
}

// TestCheckpointsFor: checkpoints every DefaultCheckpointEvery events up
// to MaxCheckpoints of them, then further apart, never more.
func TestCheckpointsFor(t *testing.T) {
	for _, c := range []struct{ n, every uint64 }{
		{0, DefaultCheckpointEvery},
		{1000, DefaultCheckpointEvery},
		{MaxCheckpoints * DefaultCheckpointEvery, DefaultCheckpointEvery},
		{MaxCheckpoints*DefaultCheckpointEvery + 1, DefaultCheckpointEvery + 1},
		{1_800_000, 879},
		{100_000_000, 48829},
	} {
		every := CheckpointsFor(c.n).CheckpointEvery
		if every != c.every {
			t.Errorf("CheckpointsFor(%d) = every %d, want %d", c.n, every, c.every)
		}
		if c.n/every > MaxCheckpoints {
			t.Errorf("CheckpointsFor(%d): %d checkpoints", c.n, c.n/every)
		}
	}
}
