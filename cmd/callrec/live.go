package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
)

// interruptible returns a context that ends on SIGINT or SIGTERM, so that
// a live call interrupted by the user still hangs up and closes its log.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// console reports a live call on the command's streams.
func console(ios *cmdutil.IOStreams) live.Console {
	return live.Console{Out: ios.Out, Err: ios.Err, OutTerminal: ios.OutTerminal, ToolVersion: toolVersion}
}
