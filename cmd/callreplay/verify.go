package main

import (
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/verify"
	"github.com/callrec/callrec/internal/progress"
)

type verifyOptions struct {
	ios   *cmdutil.IOStreams
	Logs  []string
	Jobs  int
	Quiet bool
	JSON  bool
}

func newVerifyCmd(ios *cmdutil.IOStreams, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{ios: ios, Jobs: runtime.NumCPU()}
	cmd := &cobra.Command{
		Use:   "verify LOG...",
		Short: "Replay every call and compare its outputs with the record",
		Long: "Check every log's integrity, then replay every call through the current ECONN\n" +
			"code and compare the outputs step by step with the recorded ones. A damaged call\n" +
			"(an event missing, a stray key, bbolt's page check failing) is not replayed: its\n" +
			"DAMAGED line names the first bad event. For the first divergence of a call it\n" +
			"prints the step, its input, the state before, and the recorded and replayed\n" +
			"outputs side by side; every call's line says the log format version it was read\n" +
			"in. Exit status: 0 all replay exactly, 1 a call diverged, 3 a log or a call could\n" +
			"not be read or is damaged.",
		Example: "  callreplay verify call.log\n  callreplay verify testdata/golden/*.log --jobs 4\n" +
			"  callreplay verify call.log --json | jq '.logs[].calls[] | select(.ok | not)'",
		Args: cmdutil.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Logs = args
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().VarP(cmdutil.AtLeast(&opts.Jobs, 1), "jobs", "j", "logs verified in parallel (the calls of each log use every core)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print only divergences, errors and the summary")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object: every log's calls and the totals")
	return cmd
}

// progressAfter is how long a command runs before its progress line
// shows, on a terminal (verify, export).
var progressAfter = time.Second

// verifyRun prints the report, the errors of unreadable logs on stderr,
// and a progress bar there when it is a terminal and the run is long.
func verifyRun(opts *verifyOptions) error {
	sum, err := verify.Run(opts.ios.Out, opts.Logs, verify.RunOptions{Jobs: opts.Jobs, Open: openLog,
		JSON: opts.JSON, Quiet: opts.Quiet, Width: opts.ios.OutWidth(),
		Progress: progress.NewTask(opts.ios.Err, opts.ios.ErrTerminal, progressAfter),
		OnError:  func(err error) { cmdutil.PrintError(opts.ios, "callreplay", err) }})
	switch {
	case err != nil:
		return err
	case sum.Unreadable > 0, sum.Damaged > 0, sum.UnreadableCalls > 0:
		return cmdutil.Silent(cmdutil.ExitInput) // printed as they came
	case sum.Diverged > 0:
		return cmdutil.Silent(cmdutil.ExitFailed) // the report says where
	}
	return nil
}
