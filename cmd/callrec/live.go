package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// addLiveCommands adds the live-mode commands (demo, serve, call).
func addLiveCommands(root *cobra.Command, stdout, stderr io.Writer) {
	root.AddCommand(newDemoCmd(stdout, stderr), newServeCmd(stdout, stderr), newCallCmd(stdout, stderr))
}

// usageFlags makes a command's flag errors usage errors (exit code 2).
func usageFlags(cmd *cobra.Command) *cobra.Command {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	return cmd
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.Name(), args)}
	}
	return nil
}

// interruptible returns a context that ends on SIGINT or SIGTERM, so that
// a live call interrupted by the user still hangs up and closes its log.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress line can rewrite itself.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress prints the state of a running call: one line rewritten in place
// on a terminal, a plain line every second otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	last  time.Time
	width int
}

func newProgress(w io.Writer) *progress { return &progress{w: w, tty: isTerminal(w)} }

func (p *progress) show(line string) {
	if p.tty {
		pad := max(p.width-len(line), 0)
		p.width = len(line)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		return
	}
	if time.Since(p.last) >= time.Second {
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
	}
}

// done ends the progress line.
func (p *progress) done() {
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// runCall keeps a call up for d (or until ctx ends), showing progress
// every tick.
func runCall(ctx context.Context, d time.Duration, prog *progress, line func(elapsed time.Duration) string) {
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			prog.done()
			return
		case <-timer.C:
			prog.done()
			return
		case <-tick.C:
			prog.show(line(time.Since(start)))
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

// verifyCall replays a recorded call through the current ECONN code and
// returns the number of steps, or the first divergence as an error.
func verifyCall(log *eventlog.Log, id string) (int, error) {
	r, err := log.Call(id)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	rp := replay.NewReplayer(replay.Reader(r))
	steps := 0
	for rp.Next() {
		steps++
		if st := rp.Step(); st.Divergence != nil {
			return steps, fmt.Errorf("call %s diverges on replay at step %d (event %d): %s",
				id, steps, st.Input.Seq, st.Divergence.Reason)
		}
	}
	if err := rp.Err(); err != nil {
		return steps, err
	}
	if steps == 0 {
		return 0, errors.New("call " + id + " has no steps to replay")
	}
	return steps, nil
}
