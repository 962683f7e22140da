package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/filter"
)

type lsOptions struct {
	ios    *cmdutil.IOStreams
	Log    string
	Filter string
	JSON   bool
}

func newLsCmd(ios *cmdutil.IOStreams, runF func(*lsOptions) error) *cobra.Command {
	opts := &lsOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "ls LOG",
		Short: "List the calls in a log",
		Long: "List the calls in a log, one line each: id, start time, duration, endpoints,\n" +
			"number of events, and how every connection ended (final state, close reason).\n" +
			"--filter lists the calls an expression keeps, in the language of fleet ls:\n" +
			"user=, device=, outcome=, reason=, since=, until=, build= (README, Field diagnostics).",
		Example: "  callreplay ls field.log\n  callreplay ls field.log --json | jq '.[].id'\n" +
			"  callreplay ls field.log --filter 'user=B reason=timed-out'",
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if runF != nil {
				return runF(opts)
			}
			return lsRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "list only the calls the expression keeps")
	return cmd
}

func lsRun(opts *lsOptions) error {
	f, err := parseCallFilter(opts.Filter)
	if err != nil {
		return err
	}
	l, err := openCallLog(opts.Log)
	if err != nil {
		return err
	}
	defer l.Close()
	calls, err := describe.ListCalls(l)
	if err != nil {
		return err
	}
	if !f.Empty() {
		if calls, err = filterCalls(l, calls, f); err != nil {
			return err
		}
	}
	if opts.JSON {
		return describe.WriteCallsJSON(opts.ios.Out, calls)
	}
	return describe.WriteCallTable(opts.ios.Out, calls)
}

// filterCalls keeps the calls f keeps; the builds come from the calls'
// metadata.
func filterCalls(l *eventlog.Log, calls []describe.CallSummary, f filter.CallFilter) ([]describe.CallSummary, error) {
	infos, err := l.Calls()
	if err != nil {
		return nil, err
	}
	builds := make(map[string]string, len(infos))
	for _, info := range infos {
		builds[info.Meta.ID] = info.Meta.ToolVersion
	}
	kept := calls[:0]
	for _, c := range calls {
		fc := filter.Call{Start: c.Start, Builds: []string{builds[c.ID]}}
		for _, ep := range c.Endpoints {
			u, cl, _ := strings.Cut(ep, "/")
			fc.Endpoints = append(fc.Endpoints, eventlog.Endpoint{User: u, Client: cl})
		}
		for _, o := range c.Outcome {
			fc.States = append(fc.States, o.State)
			if o.Closed {
				fc.Reasons = append(fc.Reasons, econn.ReasonName(econn.ErrorFromName(o.Reason)))
			}
		}
		if f.Match(fc) {
			kept = append(kept, c)
		}
	}
	return kept, nil
}
