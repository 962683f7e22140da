package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"

	"github.com/callrec/callrec/eventlog"
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

// lsCall is one call as ls prints it.
type lsCall struct {
	ID        string          `json:"id"`
	Start     time.Time       `json:"start"`
	Duration  string          `json:"duration"`
	Endpoints []string        `json:"endpoints"`
	Events    uint64          `json:"events"`
	Source    string          `json:"source,omitempty"`
	Scenario  string          `json:"scenario,omitempty"`
	Seed      *int64          `json:"seed,omitempty"`
	Outcome   []lsConnOutcome `json:"outcome"`
	text      string          // the outcome on one line
}

type lsConnOutcome struct {
	Endpoint string `json:"endpoint"`
	describe.ConnOutcome
	State string `json:"state"`
}

func lsRun(opts *lsOptions) error {
	l, err := openLog(opts.Log)
	if err != nil {
		return err
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		return err
	}
	calls := make([]lsCall, 0, len(infos))
	for _, info := range infos {
		c, err := lsDescribe(l, info)
		if err != nil {
			return err
		}
		calls = append(calls, c)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(calls)
	}
	tw := tabwriter.NewWriter(opts.ios.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART\tDURATION\tENDPOINTS\tEVENTS\tOUTCOME")
	for _, c := range calls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", c.ID, c.Start.Format(time.RFC3339), c.Duration,
			strings.Join(c.Endpoints, ","), c.Events, c.text)
	}
	return tw.Flush()
}

// lsDescribe reads one call's outputs to tell how it ended.
func lsDescribe(l *eventlog.Log, info eventlog.CallInfo) (lsCall, error) {
	r, err := l.Call(info.Meta.ID)
	if err != nil {
		return lsCall{}, err
	}
	defer r.Close()
	// Only these events say how a connection ended; the filter skips
	// decoding the others.
	out := describe.NewOutcome()
	cur := r.Cursor(&eventlog.Filter{Types: []string{eventlog.TypeNew, "StateChanged", "Closed"}})
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		out.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return lsCall{}, err
	}
	m := info.Meta
	c := lsCall{ID: m.ID, Start: m.Start.UTC(), Duration: info.Duration.Round(time.Millisecond).String(), Events: info.Events,
		Source: m.Source, Scenario: m.Scenario, Endpoints: []string{}, Outcome: []lsConnOutcome{}, text: out.String()}
	if m.HasSeed {
		seed := m.Seed
		c.Seed = &seed
	}
	for _, ep := range m.Endpoints {
		c.Endpoints = append(c.Endpoints, ep.String())
	}
	for _, co := range out.Conns() {
		c.Outcome = append(c.Outcome, lsConnOutcome{Endpoint: co.Endpoint.String(), ConnOutcome: co, State: co.State.String()})
	}
	return c, nil
}
