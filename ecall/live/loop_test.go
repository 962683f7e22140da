package live

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoopRunsInOrderOnOneGoroutine(t *testing.T) {
	l := NewLoop()
	var got []int
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		l.Post(func() { got = append(got, i); wg.Done() })
	}
	wg.Wait()
	l.Close()
	for i, v := range got {
		if v != i {
			t.Fatalf("position %d ran %d", i, v)
		}
	}
	if len(got) != 100 {
		t.Fatalf("ran %d of 100", len(got))
	}
}

func TestLoopCloseDrainsThenRefuses(t *testing.T) {
	l := NewLoop()
	ran := 0
	for range 10 {
		l.Post(func() { ran++ })
	}
	l.Close()
	if ran != 10 {
		t.Fatalf("Close ran %d of 10 queued functions", ran)
	}
	if l.Post(func() { ran++ }) || l.Do(func() {}) {
		t.Fatal("a closed loop must refuse work")
	}
	l.Close() // idempotent
}

func TestLoopDoWaits(t *testing.T) {
	l := NewLoop()
	defer l.Close()
	x := 0
	if !l.Do(func() { x = 42 }) || x != 42 {
		t.Fatalf("Do returned before f ran (x=%d)", x)
	}
}

func TestRealClockTimerRunsOnLoop(t *testing.T) {
	l := NewLoop()
	defer l.Close()
	c := NewRealClock(time.Now(), l)
	fired := make(chan time.Duration, 1)
	c.AfterFunc(5*time.Millisecond, func() { fired <- c.Since() })
	select {
	case at := <-fired:
		if at < 5*time.Millisecond {
			t.Fatalf("fired at %s, before 5ms", at)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("timer never fired")
	}
	if c.Unix() == 0 || c.Start().IsZero() {
		t.Fatal("wall clock not set")
	}
}

// A timer stopped on the loop after it fired but before its function ran
// must not run: ECONN timers are re-armed that way.
func TestRealClockStopAfterFire(t *testing.T) {
	l := NewLoop()
	defer l.Close()
	c := NewRealClock(time.Now(), l)
	block := make(chan struct{})
	l.Post(func() { <-block }) // hold the loop
	ran := false
	s := c.AfterFunc(10*time.Millisecond, func() { ran = true })
	l.Post(func() { s.Stop() })       // queued before the timer fires
	time.Sleep(40 * time.Millisecond) // it fires and queues f behind the Stop
	close(block)
	l.Do(func() {})
	if ran {
		t.Fatal("stopped timer ran")
	}
}

// A deferred function runs right after the task that deferred it, before
// tasks queued meanwhile, and may defer more.
func TestLoopDeferRunsBeforeQueuedTasks(t *testing.T) {
	l := NewLoop()
	defer l.Close()
	var order []string
	l.Do(func() {
		l.Post(func() { order = append(order, "queued") })
		l.Defer(func() {
			order = append(order, "deferred")
			l.Defer(func() { order = append(order, "deferred by deferred") })
		})
		order = append(order, "task")
	})
	l.Do(func() {})
	want := "task deferred deferred by deferred queued"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order %q, want %q", got, want)
	}
}

// The loop's two queues take turns: tasks posted from other goroutines
// and from tasks on the loop, in many small batches, each run once and in
// the order of their poster.
func TestLoopQueuesTakeTurns(t *testing.T) {
	l := NewLoop()
	defer l.Close()
	const posters, each = 4, 2000
	var mu sync.Mutex
	last := make([]int, posters+1)
	bad := 0
	record := func(p, i int) {
		mu.Lock()
		if i != last[p]+1 {
			bad++
		}
		last[p] = i
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for p := 1; p <= posters; p++ {
		wg.Go(func() {
			for i := 1; i <= each; i++ {
				l.Post(func() {
					record(p, i)
					if p == 1 { // a task posting a task, while others post
						l.Post(func() { record(0, i) })
					}
				})
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // let the loop drain: new batches
				}
			}
		})
	}
	wg.Wait()
	l.Do(func() {})
	l.Do(func() {}) // the tasks posted by the last tasks ran too
	mu.Lock()
	defer mu.Unlock()
	for p, n := range last {
		if n != each {
			t.Errorf("poster %d: %d of %d tasks ran", p, n, each)
		}
	}
	if bad > 0 {
		t.Errorf("%d tasks ran out of order or twice", bad)
	}
}
