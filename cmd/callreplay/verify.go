package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/verify"
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
		Long: "Replay every call of every log through the current ECONN code and compare the\n" +
			"outputs step by step with the recorded ones. For the first divergence of a call\n" +
			"it prints the step, its input, the state before, and the recorded and replayed\n" +
			"outputs side by side; every call's line says the log format version it was read\n" +
			"in. Exit status: 0 all replay exactly, 1 a call diverged, 3 a log could not be read.",
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
	cmd.Flags().VarP(cmdutil.AtLeast(&opts.Jobs, 1), "jobs", "j", "logs verified in parallel")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print only divergences, errors and the summary")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object: every log's calls and the totals")
	return cmd
}

// verifyRun prints each log's report as it comes (in the order given),
// the errors of unreadable logs on stderr, and the totals.
func verifyRun(opts *verifyOptions) error {
	start := time.Now()
	prog := cmdutil.NewProgress(opts.ios.Err, opts.ios.ErrTerminal && len(opts.Logs) > 1, 0)
	var sum verify.Summary
	out := verify.RunJSON{Logs: []verify.LogJSON{}}
	err := verify.Logs(opts.Logs, opts.Jobs, openLog, func(r verify.LogResult) error {
		prog.Clear()
		sum.Add(r)
		if r.Err != nil {
			cmdutil.PrintError(opts.ios, "callreplay", r.Err)
		}
		if opts.JSON {
			out.Logs = append(out.Logs, verify.JSONOf(r))
		} else if err := verify.WriteText(opts.ios.Out, r, opts.Quiet, opts.ios.OutWidth()); err != nil {
			return err
		}
		prog.Show(progressBar(sum, len(opts.Logs)))
		return nil
	})
	prog.Clear()
	if err != nil {
		return err
	}
	if opts.JSON {
		out.Summary = verify.SummaryJSONOf(sum, time.Since(start))
		enc := json.NewEncoder(opts.ios.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := verify.WriteSummary(opts.ios.Out, sum, time.Since(start)); err != nil {
		return err
	}
	switch {
	case sum.Unreadable > 0:
		return cmdutil.Silent(cmdutil.ExitInput) // printed as they came
	case sum.Diverged > 0:
		return cmdutil.Silent(cmdutil.ExitFailed) // the report says where
	}
	return nil
}

// progressBar is the progress line of a run with total logs.
func progressBar(s verify.Summary, total int) string {
	const barW = 30
	filled := barW * s.Logs / total
	return fmt.Sprintf("verify [%s%s] %d/%d logs, %d diverged", strings.Repeat("#", filled),
		strings.Repeat(".", barW-filled), s.Logs, total, s.Diverged)
}
