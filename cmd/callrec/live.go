package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// interruptible returns a context that ends on SIGINT or SIGTERM, so that
// a live call interrupted by the user still hangs up and closes its log.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

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

// verifyRecordedFile replays call id of the log at path.
func verifyRecordedFile(path, id string) (uint64, error) {
	log, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer log.Close()
	return verifyRecorded(log, id)
}
