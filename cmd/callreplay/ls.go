package main

import (
	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/describe"
)

type lsOptions struct {
	ios  *cmdutil.IOStreams
	Log  string
	JSON bool
}

func newLsCmd(ios *cmdutil.IOStreams, runF func(*lsOptions) error) *cobra.Command {
	opts := &lsOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "ls LOG",
		Short: "List the calls in a log",
		Long: "List the calls in a log, one line each: id, start time, duration, endpoints,\n" +
			"number of events, and how every connection ended (final state, close reason).",
		Example: "  callreplay ls field.log\n  callreplay ls field.log --json | jq '.[].id'",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if runF != nil {
				return runF(opts)
			}
			return lsRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func lsRun(opts *lsOptions) error {
	l, err := openCallLog(opts.Log)
	if err != nil {
		return err
	}
	defer l.Close()
	calls, err := describe.ListCalls(l)
	if err != nil {
		return err
	}
	if opts.JSON {
		return describe.WriteCallsJSON(opts.ios.Out, calls)
	}
	return describe.WriteCallTable(opts.ios.Out, calls)
}
