package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// interruptible returns a context that ends on SIGINT or SIGTERM, so that
// a live call interrupted by the user still hangs up and closes its log.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runCall keeps a call up for d (or until ctx ends), showing progress
// every tick.
func runCall(ctx context.Context, d time.Duration, prog *cmdutil.Progress, line func(elapsed time.Duration) string) {
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
func audioLine(self eventlog.Endpoint, c live.CallInfo) string {
	s := c.Stats
	return fmt.Sprintf("%s→%s %d pkts, %s→%s %d pkts (%d lost)",
		self, c.Remote, s.AudioSent.Packets, c.Remote, self, s.AudioRecv.Packets, s.AudioRecv.Lost)
}

// waitFor waits at most d for cond on dev's connections.
func waitFor(ctx context.Context, dev *live.Device, d time.Duration, what string, cond func([]live.CallInfo) bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := dev.Wait(ctx, cond); err != nil {
		return fmt.Errorf("%s: %s: %w", dev.Self(), what, err)
	}
	return nil
}

func ringing(calls []live.CallInfo) bool {
	for _, c := range calls {
		if c.State == econn.StatePendingIncoming {
			return true
		}
	}
	return false
}

func established(calls []live.CallInfo) bool {
	for _, c := range calls {
		if c.State == econn.StateDataChanEstablished {
			return true
		}
	}
	return false
}

// allClosed: every connection was closed (and there is at least one).
func allClosed(calls []live.CallInfo) bool {
	for _, c := range calls {
		if c.Closed == 0 {
			return false
		}
	}
	return len(calls) > 0
}

// active returns the established connection, if any.
func active(calls []live.CallInfo) (live.CallInfo, bool) {
	for _, c := range calls {
		if c.Established() && c.Closed == 0 {
			return c, true
		}
	}
	return live.CallInfo{}, false
}

// reason names a close reason for people.
func reason(c live.CallInfo) string {
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

// newProgress shows a live call's progress on standard output: one line
// rewritten in place on a terminal, a plain line every second otherwise.
func newProgress(ios *cmdutil.IOStreams) *cmdutil.Progress {
	return cmdutil.NewProgress(ios.Out, ios.OutTerminal, time.Second)
}

// verifyRecorded replays a call just recorded through the current ECONN
// code and returns its number of steps, or why it does not replay.
func verifyRecorded(log *eventlog.Log, id string) (uint64, error) {
	r, err := log.Call(id)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	rep, err := replay.Verify(replay.Reader(r))
	if err == nil {
		err = rep.Check()
	}
	return rep.Steps, err
}
