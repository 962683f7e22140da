package sim

import (
	"container/heap"
	"time"

	"github.com/callrec/callrec/ecall"
)

// BaseUnix is the wall-clock time, in Unix seconds, at which every
// simulated call begins (2026-01-01T00:00:00Z), so that runs reproduce.
const BaseUnix = 1767225600

// Clock is the virtual clock: time moves only when the simulator moves it,
// and scheduled functions run in (time, scheduling order).
type Clock struct {
	now   time.Duration
	seq   uint64
	queue itemHeap
}

// Since returns the virtual time since the simulation began.
func (c *Clock) Since() time.Duration { return c.now }

// Unix returns BaseUnix plus the virtual time, in seconds.
func (c *Clock) Unix() uint32 { return BaseUnix + uint32(c.now/time.Second) }

// skewedClock is a device's view of the virtual clock when its clock is
// off by offset: its times and its wall clock read that much later (or
// earlier); what it schedules runs when the world's clock gets there.
type skewedClock struct {
	*Clock
	offset time.Duration
}

// Since returns the device's reading of the time since the call began.
func (c skewedClock) Since() time.Duration { return c.now + c.offset }

// Unix returns the device's reading of the wall clock, in seconds.
func (c skewedClock) Unix() uint32 {
	return uint32(int64(BaseUnix) + int64((c.now+c.offset)/time.Second))
}

// AfterFunc schedules f at now+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) ecall.Stopper {
	return c.schedule(c.now+d, f)
}

func (c *Clock) schedule(at time.Duration, f func()) *item {
	c.seq++
	it := &item{at: at, seq: c.seq, f: f}
	heap.Push(&c.queue, it)
	return it
}

// runDue runs every function due at or before limit, in order, moving the
// clock to each one's time; it returns how many ran. Functions scheduled
// while it runs are run too when due.
func (c *Clock) runDue(limit time.Duration, each func()) int {
	n := 0
	for c.runOne(limit, each) {
		n++
	}
	return n
}

// runOne runs the first live function due at or before limit.
func (c *Clock) runOne(limit time.Duration, each func()) bool {
	for c.queue.Len() > 0 && c.queue[0].at <= limit {
		it := heap.Pop(&c.queue).(*item)
		if it.stopped {
			continue
		}
		if it.at > c.now {
			c.now = it.at
		}
		it.f()
		if each != nil {
			each()
		}
		return true
	}
	return false
}

type item struct {
	at      time.Duration
	seq     uint64
	f       func()
	stopped bool
	index   int
}

// Stop cancels the function if it has not run.
func (it *item) Stop() { it.stopped = true }

type itemHeap []*item

func (h itemHeap) Len() int { return len(h) }
func (h itemHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h itemHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *itemHeap) Push(x any)   { it := x.(*item); it.index = len(*h); *h = append(*h, it) }
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
