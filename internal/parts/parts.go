// Package parts runs work over a range of items in a few parts side by
// side, for the listings of a large log (eventlog.Log.Calls,
// describe.ListCalls): every part in a goroutine of its own, the first
// error in the order of the items.
package parts

import (
	"runtime"
	"sync"
)

// Count is how many parts n items make when a part is worth its
// goroutine only with at least minPer items: as many as GOMAXPROCS, at
// most maxParts, at least 1.
func Count(n, minPer, maxParts int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/minPer, maxParts))
}

// Run splits the items [0, n) into count parts of about the same size
// and calls fn on each, in a goroutine of its own; fn returns how many
// of its items it did. Run returns how many items were done before the
// first error in the order of the items, and that error; n and nil when
// every part did all its items.
func Run(n, count int, fn func(lo, hi int) (done int, err error)) (int, error) {
	done := make([]int, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for p := range count {
		lo, hi := p*n/count, (p+1)*n/count
		wg.Go(func() { done[p], errs[p] = fn(lo, hi) })
	}
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			return p*n/count + done[p], err
		}
	}
	return n, nil
}
