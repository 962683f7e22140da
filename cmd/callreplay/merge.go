package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/merge"
	"github.com/callrec/callrec/internal/progress"
)

type mergeOptions struct {
	ios  *cmdutil.IOStreams
	Logs []string
	Out  string
}

func newMergeCmd(ios *cmdutil.IOStreams, runF func(*mergeOptions) error) *cobra.Command {
	opts := &mergeOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "merge LOG... --out LOG",
		Short: "Join the devices' recordings of a call into one multi-device call",
		Long: "Join the recordings that the devices of one call made, each in its own log, into\n" +
			"one call of the new log --out. Recordings are matched by their conversation and\n" +
			"session ids (a device's received messages name the sessions that sent them), not\n" +
			"by file names or times; several calls per log are fine, and a call with no\n" +
			"partner is copied as it is. The devices' events go on one timeline by each\n" +
			"recording's wall-clock start, and every device's connections still replay and\n" +
			"verify on their own. A device recorded twice identically is kept once; recorded\n" +
			"twice differently, the merge is refused. The inputs are opened read-only; --out\n" +
			"must not exist.",
		Example: "  callreplay merge a1.db b1.db b2.db --out call.db\n  callreplay verify call.db\n  callreplay view call.db",
		Args:    cmdutil.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Logs = args
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "the new log to write (required)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func mergeRun(opts *mergeOptions) error {
	p := progress.NewTask(opts.ios.Err, opts.ios.ErrTerminal, progressAfter)
	defer p.Clear()
	rep, err := merge.Files(opts.Logs, opts.Out, merge.Options{Timeout: lockTimeout,
		Progress: func(done, total uint64) {
			if p.Due() {
				p.Show(fmt.Sprintf("merging: %d of %d events", done, total))
			}
		}})
	p.Clear()
	if err != nil {
		if errors.Is(err, merge.ErrConflict) || errors.Is(err, merge.ErrExists) || errors.Is(err, fs.ErrNotExist) {
			return cmdutil.InputError(err)
		}
		return err
	}
	return rep.Write(opts.ios.Out)
}
