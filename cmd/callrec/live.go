package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
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

// warnings logs a live call's warnings on standard error.
func warnings(ios *cmdutil.IOStreams) *slog.Logger {
	return slog.New(slog.NewTextHandler(ios.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
