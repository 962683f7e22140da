package replay_test

import (
	"path/filepath"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// writeLog records a scenario into a new log file and returns its path.
func writeLog(t testing.TB, scenario string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "call.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "call-1", Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReaderReplaysALogFile replays a call through the log's own encoding:
// what survives it must still compare equal.
func TestReaderReplaysALogFile(t *testing.T) {
	path := writeLog(t, basic)
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
	src := replay.Reader(cr)
	all := steps(t, src)
	for _, st := range all {
		if st.Divergence != nil {
			t.Fatalf("step %d (%s): %s", st.Input.Seq, st.Input.Type, st.Divergence.Reason)
		}
	}
	ix := replay.NewIndex(src, &replay.IndexOptions{CheckpointEvery: 16})
	last := all[len(all)-1]
	got, err := ix.At(src.Count())
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range got.Conns {
		if cs.ID == last.Conn && !cs.After.Equal(last.After) {
			t.Fatalf("At(end) %s = %v, want %v", cs.ID, cs.After, last.After)
		}
	}
	evs, err := ix.Events(10, 5)
	if err != nil || len(evs) != 5 || evs[0].Seq != 10 {
		t.Fatalf("Events(10, 5): %d events from %v, %v", len(evs), evs, err)
	}
}
