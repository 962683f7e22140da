package eventlog

import (
	"sync"
	"testing"
)

// AddOnCommit runs after the hook already set: both see every commit, the
// first one first.
func TestAddOnCommit(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 5})
	w, err := l.CreateCall(CallMeta{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var events [2]int
	hook := func(name string, i int) func(Commit) {
		return func(c Commit) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			events[i] += len(c.Ends)
		}
	}
	w.SetOnCommit(hook("first", 0))
	w.AddOnCommit(hook("second", 1))
	appendN(t, w, 1, 12)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if events != [2]int{12, 12} {
		t.Errorf("events seen %v, want 12 by each hook", events)
	}
	for i := 0; i+1 < len(order); i += 2 {
		if order[i] != "first" || order[i+1] != "second" {
			t.Fatalf("hooks ran in the order %v", order)
		}
	}
}
