package parts

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestCount(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	for _, c := range []struct{ n, want int }{{0, 1}, {1023, 1}, {2047, 1}, {2048, 2}, {5000, 4}, {1 << 20, 4}} {
		if got := Count(c.n, 1024, 4); got != c.want {
			t.Errorf("Count(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	runtime.GOMAXPROCS(2)
	if got := Count(1<<20, 1024, 4); got != 2 {
		t.Errorf("on 2 procs: %d parts", got)
	}
}

// TestRun: every item done once; with errors in two parts, the first in
// the order of the items is returned, with the items done before it.
func TestRun(t *testing.T) {
	var seen [103]atomic.Int32
	n, err := Run(len(seen), 4, func(lo, hi int) (int, error) {
		for i := lo; i < hi; i++ {
			seen[i].Add(1)
		}
		return hi - lo, nil
	})
	if n != len(seen) || err != nil {
		t.Fatalf("Run = %d, %v", n, err)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("item %d done %d times", i, seen[i].Load())
		}
	}
	n, err = Run(100, 4, func(lo, hi int) (int, error) {
		for i := lo; i < hi; i++ {
			if i == 60 || i == 90 {
				return i - lo, fmt.Errorf("item %d", i)
			}
		}
		return hi - lo, nil
	})
	if n != 60 || err == nil || err.Error() != "item 60" {
		t.Fatalf("Run = %d, %v; want 60, item 60", n, err)
	}
	if _, err := Run(0, 1, func(lo, hi int) (int, error) { return 0, errors.New("no items") }); err == nil {
		t.Fatal("fn runs once on no items, and its error is returned")
	}
}
