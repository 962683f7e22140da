package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
)

// demoOptions are the flags of demo: the call, and --hangup.
type demoOptions struct {
	live.DemoConfig
	hangup string
	fleet  string
}

func newDemoCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo [--out LOG] [--duration D] [--video] [--devices N] [--hangup a|b] [--answer-after D]",
		Short: "Record a real call between three devices in this process",
		Long: `demo records a real call with no setup: A/1 calls user B, whose devices
B/1 and B/2 ring; B/2 answers after a moment, Opus audio (and VP8 video with
--video) flows over WebRTC on the loopback interface for a few seconds, then
A hangs up. The signalling goes through an end-to-end encrypted relay on a
loopback port. Every device records into one call of the log, which is
replayed at the end to check that it reproduces.`,
		Example: `  callrec demo
  callreplay view calls.db
  callrec demo --duration 10s --video --devices 3 --hangup b --out demo.db`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			watch, closeFleet, err := fleetWatch(ios, fleetURL(opts.fleet))
			if err != nil {
				return err
			}
			defer closeFleet()
			opts.Watch = watch
			ctx, cancel := interruptible()
			defer cancel()
			return demoRun(ctx, opts, ios)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Log, "out", "o", "calls.db", "log file to record into (a call is added if it exists)")
	f.DurationVar(&opts.Duration, "duration", 5*time.Second, "how long the call lasts once connected")
	f.DurationVar(&opts.AnswerAfter, "answer-after", 500*time.Millisecond, "how long the last B device rings before it answers")
	f.BoolVar(&opts.Video, "video", false, "send VP8 video too (videosend=true)")
	f.IntVar(&opts.Devices, "devices", 2, "number of B's devices (the last one answers)")
	f.StringVar(&opts.hangup, "hangup", "a", "who hangs up: a (the caller) or b (the callee)")
	fleetFlag(f, &opts.fleet)
	_ = cmd.RegisterFlagCompletionFunc("hangup", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *demoOptions) check() error {
	switch {
	case o.Log == "":
		return errors.New("--out: a log file is required")
	case o.Duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.Duration)
	case o.AnswerAfter < 0:
		return fmt.Errorf("--answer-after %v: want zero or more", o.AnswerAfter)
	case o.Devices < 1 || o.Devices > 16:
		return fmt.Errorf("--devices %d: want 1 to 16", o.Devices)
	case o.hangup != "a" && o.hangup != "b":
		return fmt.Errorf("--hangup %q: want a or b", o.hangup)
	}
	return nil
}

// demoRun records the demo call, then replays it.
func demoRun(ctx context.Context, opts *demoOptions, ios *cmdutil.IOStreams) error {
	opts.HangupB = opts.hangup == "b"
	id, err := console(ios).Demo(ctx, opts.DemoConfig)
	if err == nil && ctx.Err() != nil {
		// Ctrl-C: the call was hung up and recorded, but it is not the
		// call asked for, and a script must be able to tell.
		return cmdutil.Interrupted(fmt.Errorf("interrupted: %s was hung up early (recorded in %s)", id, opts.Log))
	}
	return err
}
