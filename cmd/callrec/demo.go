package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/eventlog/verify"
)

type demoOptions struct {
	out         string
	duration    time.Duration
	answerAfter time.Duration
	video       bool
	devices     int
	hangup      string
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
			live.TuneGC()
			ctx, cancel := interruptible()
			defer cancel()
			return demoRun(ctx, opts, ios)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "calls.db", "log file to record into (a call is added if it exists)")
	f.DurationVar(&opts.duration, "duration", 5*time.Second, "how long the call lasts once connected")
	f.DurationVar(&opts.answerAfter, "answer-after", 500*time.Millisecond, "how long the last B device rings before it answers")
	f.BoolVar(&opts.video, "video", false, "send VP8 video too (videosend=true)")
	f.IntVar(&opts.devices, "devices", 2, "number of B's devices (the last one answers)")
	f.StringVar(&opts.hangup, "hangup", "a", "who hangs up: a (the caller) or b (the callee)")
	_ = cmd.RegisterFlagCompletionFunc("hangup", cobra.FixedCompletions([]string{"a", "b"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (o *demoOptions) check() error {
	switch {
	case o.out == "":
		return errors.New("--out: a log file is required")
	case o.duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration", o.duration)
	case o.answerAfter < 0:
		return fmt.Errorf("--answer-after %v: want zero or more", o.answerAfter)
	case o.devices < 1 || o.devices > 16:
		return fmt.Errorf("--devices %d: want 1 to 16", o.devices)
	case o.hangup != "a" && o.hangup != "b":
		return fmt.Errorf("--hangup %q: want a or b", o.hangup)
	}
	return nil
}

// demoRun records the demo call, then replays it.
func demoRun(ctx context.Context, opts *demoOptions, ios *cmdutil.IOStreams) error {
	id, err := live.RunDemo(ctx, live.DemoConfig{
		Log: opts.out, Duration: opts.duration, AnswerAfter: opts.answerAfter, Video: opts.video,
		Devices: opts.devices, HangupB: opts.hangup == "b", ToolVersion: toolVersion,
		Logger: warnings(ios),
		Out:    ios.Out, Progress: newProgress(ios),
	})
	if err != nil {
		return err
	}
	steps, err := verify.Recorded(opts.out, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(ios.Out, "replay: %d steps replay to the recorded outputs (callreplay verify %s)\n", steps, opts.out)
	return nil
}
