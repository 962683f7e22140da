package eventlog

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestCheckFileBesideReaders runs CheckFile while other goroutines open,
// read and close calls of the same read-only log, as verify's workers do:
// the race detector watches bbolt's free list, which CheckFile has bbolt
// load (a fresh Log each round, so the load meets the readers) while
// transactions begin and end.
func TestCheckFileBesideReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 8
	for range calls {
		w, err := l.CreateCall(CallMeta{})
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, w, 1, 200)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		ro, err := Open(path, 0, &Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		infos, err := ro.Calls()
		if err != nil || len(infos) != calls {
			t.Fatalf("Calls: %d calls, %v", len(infos), err)
		}
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range calls {
					id := infos[(i+g)%calls].Meta.ID
					if err := ro.CheckCall(id); err != nil {
						t.Errorf("round %d: CheckCall %s: %v", round, id, err)
						return
					}
					r, err := ro.Call(id)
					if err != nil {
						t.Errorf("round %d: Call %s: %v", round, id, err)
						return
					}
					n := 0
					c := r.Cursor(nil)
					for ev, ok := c.First(); ok; ev, ok = c.Next() {
						n++
						checkNoteEvent(t, ev, uint64(n))
					}
					r.Close()
					if c.Err() != nil || n != 200 {
						t.Errorf("round %d: call %s: %d events, %v", round, id, n, c.Err())
					}
				}
			}()
		}
		if err := ro.CheckFile(); err != nil {
			t.Errorf("round %d: CheckFile: %v", round, err)
		}
		wg.Wait()
		if err := ro.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
