package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Progress shows a running call's progress: one line, replaced at every
// Show; Clear ends it.
type Progress interface {
	Show(line string)
	Clear()
}

// Script is what one device does in a live call, as "callrec call" runs
// it: dial the conversation and talk for Duration, or wait for a call and
// answer it after AnswerAfter. It reports what happens on Out, a line
// each, and the media flowing on Progress.
type Script struct {
	Conv        string
	Members     int           // Dial: wait until the conversation has this many clients
	Duration    time.Duration // Dial: how long the call lasts once connected
	AnswerAfter time.Duration // Answer: how long to ring first
	Timeout     time.Duration // give up when no call is set up or ended within this
	Out         io.Writer
	Progress    Progress
}

// runCall keeps a call up for d (or until ctx ends), showing progress
// every tick.
func runCall(ctx context.Context, d time.Duration, prog Progress, line func(elapsed time.Duration) string) {
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			prog.Clear()
			return
		case <-timer.C:
			prog.Clear()
			return
		case <-tick.C:
			prog.Show(line(time.Since(start)))
		}
	}
}

// audioLine is the progress of one connection: packets each way.
func audioLine(self eventlog.Endpoint, c CallInfo) string {
	s := c.Stats
	return fmt.Sprintf("%s→%s %d pkts, %s→%s %d pkts (%d lost)",
		self, c.Remote, s.AudioSent.Packets, c.Remote, self, s.AudioRecv.Packets, s.AudioRecv.Lost)
}

// waitFor waits at most d for cond on dev's connections.
func waitFor(ctx context.Context, dev *Device, d time.Duration, what string, cond func([]CallInfo) bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := dev.Wait(ctx, cond); err != nil {
		return fmt.Errorf("%s: %s: %w", dev.Self(), what, err)
	}
	return nil
}

func ringing(calls []CallInfo) bool {
	for _, c := range calls {
		if c.State == econn.StatePendingIncoming {
			return true
		}
	}
	return false
}

func established(calls []CallInfo) bool {
	for _, c := range calls {
		if c.State == econn.StateDataChanEstablished {
			return true
		}
	}
	return false
}

// allClosed: every connection was closed (and there is at least one).
func allClosed(calls []CallInfo) bool {
	for _, c := range calls {
		if c.Closed == 0 {
			return false
		}
	}
	return len(calls) > 0
}

// active returns the established connection, if any.
func active(calls []CallInfo) (CallInfo, bool) {
	for _, c := range calls {
		if c.Established() && c.Closed == 0 {
			return c, true
		}
	}
	return CallInfo{}, false
}

// CloseReason names a close reason for people.
func CloseReason(c CallInfo) string {
	switch {
	case c.Closed == 0:
		return "not closed"
	case c.Reason == nil:
		return "normal"
	case econn.SameError(c.Reason, econn.ErrCanceled) && c.Incoming > 0 && c.AnswerSent == 0:
		return "canceled (stopped ringing)"
	}
	return econn.ErrorName(c.Reason)
}

// ms renders a duration in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// Dial waits for the others, calls, talks for the duration and hangs
// up.
func (s *Script) Dial(ctx context.Context, dev *Device) error {
	stdout := s.Out
	wctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	if err := dev.WaitMembers(wctx, s.Members); err != nil {
		return fmt.Errorf("waiting for %d clients in %s: %w", s.Members, s.Conv, err)
	}
	fmt.Fprintf(stdout, "%s calls %s\n", dev.Self(), s.Conv)
	if err := dev.Start(); err != nil {
		return err
	}
	up := func(c []CallInfo) bool { return established(c) || allClosed(c) }
	if err := waitFor(ctx, dev, s.Timeout, "call set up", up); err != nil {
		return hangUpAndWait(dev, err)
	}
	c, ok := active(dev.Calls())
	if !ok {
		return errors.New("the call ended before it was set up")
	}
	fmt.Fprintf(stdout, "connected to %s; the call lasts %v\n", c.Remote, s.Duration)
	s.talk(ctx, dev, s.Duration)
	fmt.Fprintf(stdout, "%s hangs up\n", dev.Self())
	return hangUpAndWait(dev, nil)
}

// Answer waits for a call, rings for answer-after (another device may
// take it meanwhile), answers, and waits for the hangup.
func (s *Script) Answer(ctx context.Context, dev *Device) error {
	stdout := s.Out
	if err := waitFor(ctx, dev, s.Timeout, "incoming call", ringing); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s rings\n", dev.Self())
	answered := func(c []CallInfo) bool { return !ringing(c) }
	if err := waitFor(ctx, dev, s.AnswerAfter, "ring", answered); err != nil && ctx.Err() != nil {
		return hangUpAndWait(dev, ctx.Err())
	}
	if !ringing(dev.Calls()) {
		fmt.Fprintf(stdout, "%s stopped ringing\n", dev.Self())
		return nil
	}
	fmt.Fprintf(stdout, "%s answers\n", dev.Self())
	if err := dev.Answer(); err != nil {
		return err
	}
	up := func(c []CallInfo) bool { return established(c) || allClosed(c) }
	if err := waitFor(ctx, dev, s.Timeout, "call set up", up); err != nil {
		return hangUpAndWait(dev, err)
	}
	if c, ok := active(dev.Calls()); ok {
		fmt.Fprintf(stdout, "connected to %s; waiting for the hangup\n", c.Remote)
		s.talk(ctx, dev, s.Timeout)
	}
	if ctx.Err() != nil || !allClosed(dev.Calls()) {
		return hangUpAndWait(dev, ctx.Err())
	}
	return nil
}

// talk shows progress until d passed, the call closed or ctx ended.
func (s *Script) talk(ctx context.Context, dev *Device, d time.Duration) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = dev.Wait(ctx, allClosed)
		cancel()
	}()
	runCall(ctx, d, s.Progress, func(el time.Duration) string {
		c, _ := active(dev.Calls())
		return fmt.Sprintf("%4.1fs  %s", el.Seconds(), audioLine(dev.Self(), c))
	})
}

// hangUpAndWait ends the device's connections and waits for them to
// close; cause is returned first.
func hangUpAndWait(dev *Device, cause error) error {
	if !allClosed(dev.Calls()) {
		if err := dev.End(); err != nil && cause == nil {
			cause = err
		}
	}
	if err := waitFor(context.Background(), dev, 15*time.Second, "close", allClosed); err != nil && cause == nil {
		cause = err
	}
	return cause
}

// Summary describes one device's connections.
func Summary(self eventlog.Endpoint, calls []CallInfo) string {
	var b strings.Builder
	if len(calls) == 0 {
		fmt.Fprintf(&b, "%s: no call\n", self)
	}
	for _, c := range calls {
		fmt.Fprintf(&b, "%s: %s call with %s: final state %s, closed %s\n", self, c.Dir, c.Remote, c.State, CloseReason(c))
		switch {
		case c.SetupSent != 0 && c.Established():
			fmt.Fprintf(&b, "  setup: SETUP sent → data channel open %s\n", ms(c.DataChanOpen-c.SetupSent))
		case c.AnswerSent != 0 && c.Established():
			fmt.Fprintf(&b, "  rang %s, answer sent → data channel open %s\n", ms(c.AnswerSent-c.Rang), ms(c.DataChanOpen-c.AnswerSent))
		}
		if c.Established() {
			fmt.Fprintf(&b, "  media sent: audio %d packets (peer reports %d lost); received: audio %d packets, %d lost, jitter %s\n",
				c.Stats.AudioSent.Packets, c.Stats.AudioSent.Lost, c.Stats.AudioRecv.Packets, c.Stats.AudioRecv.Lost,
				c.Stats.AudioRecv.Jitter.Round(time.Microsecond))
		}
	}
	return b.String()
}
