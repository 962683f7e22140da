package live

import (
	"time"

	"github.com/callrec/callrec/ecall"
)

// Clock is the live ecall.Clock of a Device: time since a start shared by
// every device that records into the same call (so their events line up),
// the wall clock for message ages, and timers whose functions run on the
// device's loop.
type Clock struct {
	start time.Time
	loop  *ecall.Loop
}

// NewClock returns a clock measuring from start that runs timers on loop.
func NewClock(start time.Time, loop *ecall.Loop) *Clock {
	return &Clock{start: start, loop: loop}
}

// Start returns the time the clock measures from.
func (c *Clock) Start() time.Time { return c.start }

// Since returns the time since the clock's start.
func (c *Clock) Since() time.Duration { return time.Since(c.start) }

// Unix returns the wall-clock time in seconds.
func (c *Clock) Unix() uint32 { return uint32(time.Now().Unix()) }

// AfterFunc runs f on the loop after d. Stop, called on the loop before f
// runs, prevents it, even when the timer already fired and f is queued.
func (c *Clock) AfterFunc(d time.Duration, f func()) ecall.Stopper {
	t := &timer{}
	t.t = time.AfterFunc(d, func() {
		c.loop.Post(func() {
			if !t.stopped {
				f()
			}
		})
	})
	return t
}

type timer struct {
	t       *time.Timer
	stopped bool // only touched on the loop
}

func (t *timer) Stop() {
	t.stopped = true
	t.t.Stop()
}
