package live

import (
	"sync"
	"time"

	"github.com/callrec/callrec/ecall"
)

// Loop runs functions one at a time on its own goroutine. In live mode
// everything that touches a Client — commands, received messages, timers,
// media events — is posted to the client's Loop, so the Client itself
// needs no locks and steps its ECONNs in one well-defined order.
type Loop struct {
	mu     sync.Mutex
	queue  []func()
	wake   chan struct{}
	closed bool
	done   chan struct{}

	after []func() // Deferred by the running task; the loop's goroutine only
}

// NewLoop starts a loop.
func NewLoop() *Loop {
	l := &Loop{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

// Post queues f; it returns false once the loop is closed. It never
// blocks, so pion's and the network's goroutines can post freely.
func (l *Loop) Post(f func()) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// Do runs f on the loop and waits for it; false if the loop is closed.
func (l *Loop) Do(f func()) bool {
	ran := make(chan struct{})
	if !l.Post(func() { f(); close(ran) }) {
		return false
	}
	select {
	case <-ran:
		return true
	case <-l.done:
		return false
	}
}

// Defer runs f on the loop right after the task in progress, before any
// other queued task: for work that must see the whole of a step (a state
// check after several events) and nothing after it. Call it only from a
// task running on the loop.
func (l *Loop) Defer(f func()) { l.after = append(l.after, f) }

// Close runs what is queued, then stops the loop and waits for it.
func (l *Loop) Close() {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if !already {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	<-l.done
}

func (l *Loop) run() {
	defer close(l.done)
	// Two queues take turns: Post appends to one while the loop runs the
	// other, so a busy loop allocates no new queue for every batch.
	var spare []func()
	for range l.wake {
		for {
			l.mu.Lock()
			q := l.queue
			closed := l.closed
			if len(q) == 0 {
				l.mu.Unlock()
				if closed {
					return
				}
				break
			}
			l.queue, spare = spare, nil
			l.mu.Unlock()
			for _, f := range q {
				f()
				l.runDeferred()
			}
			clear(q) // let the functions and what they hold go
			spare = q[:0]
		}
	}
}

// RealClock is the live ecall.Clock: time since a start (shared by every device
// that records into the same call, so that their events line up), the wall
// clock for message ages, and timers whose functions run on a Loop.
type RealClock struct {
	start time.Time
	loop  *Loop
}

// runDeferred runs what the last task deferred, and what that defers.
func (l *Loop) runDeferred() {
	for len(l.after) > 0 {
		after := l.after
		l.after = nil
		for _, f := range after {
			f()
		}
	}
}

// NewRealClock returns a clock measuring from start that runs timers on
// loop.
func NewRealClock(start time.Time, loop *Loop) *RealClock {
	return &RealClock{start: start, loop: loop}
}

// Start returns the wall-clock time the clock measures from.
func (c *RealClock) Start() time.Time { return c.start }

// Since returns the time since the clock's start.
func (c *RealClock) Since() time.Duration { return time.Since(c.start) }

// Unix returns the wall-clock time in seconds.
func (c *RealClock) Unix() uint32 { return uint32(time.Now().Unix()) }

// AfterFunc runs f on the loop after d. A Stop on the loop before f runs
// prevents it, even if the timer already fired and f is queued.
func (c *RealClock) AfterFunc(d time.Duration, f func()) ecall.Stopper {
	t := &loopTimer{}
	t.timer = time.AfterFunc(d, func() {
		c.loop.Post(func() {
			if !t.stopped {
				f()
			}
		})
	})
	return t
}

type loopTimer struct {
	timer   *time.Timer
	stopped bool // only touched on the loop
}

func (t *loopTimer) Stop() {
	t.stopped = true
	t.timer.Stop()
}
