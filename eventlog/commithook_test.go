package eventlog

import (
	"sync"
	"testing"
)

// The on-commit hook sees every committed event once, in order, in the
// stored form, the metadata when it changed, and the close.
func TestOnCommit(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 7})
	w, err := l.CreateCall(CallMeta{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []Event
	var metas, closes int
	w.SetOnCommit(func(c Commit) {
		mu.Lock()
		defer mu.Unlock()
		if c.Closed {
			closes++
			return
		}
		if c.Meta != nil {
			metas++
		}
		start := 0
		for i, end := range c.Ends {
			ev, err := DecodeEvent(c.First+uint64(i), c.Data[start:end])
			if err != nil {
				t.Error(err)
			}
			got = append(got, ev)
			start = end
		}
	})
	appendN(t, w, 1, 20)
	if err := w.UpdateMeta(func(m *CallMeta) { m.Scenario = "x" }); err != nil {
		t.Fatal(err)
	}
	appendN(t, w, 21, 30)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 30 || metas != 1 || closes != 1 {
		t.Fatalf("hook saw %d events, %d metas, %d closes; want 30, 1, 1", len(got), metas, closes)
	}
	for i, ev := range got {
		checkNoteEvent(t, ev, uint64(i+1))
	}
}
