package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/merge"
	"github.com/callrec/callrec/fleet"
	"github.com/callrec/callrec/internal/progress"
	"github.com/callrec/callrec/internal/safetext"
	"github.com/callrec/callrec/viewer"
)

// fleetConnectTimeout bounds connecting to the fleet.
const fleetConnectTimeout = 5 * time.Second

// fleetFlags are the flags every fleet command has.
type fleetFlags struct {
	URL string
}

func (f *fleetFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.URL, "fleet", "", "the fleet's URL, nats://HOST:PORT (default $"+fleet.EnvURL+")")
}

// connect connects to the fleet --fleet or the environment names.
func (f *fleetFlags) connect() (*fleet.Client, error) {
	url := f.URL
	if url == "" {
		url = os.Getenv(fleet.EnvURL)
	}
	if url == "" {
		return nil, cmdutil.FlagErrorf("no fleet: give --fleet nats://HOST:PORT or set %s", fleet.EnvURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetConnectTimeout)
	defer cancel()
	c, err := fleet.Connect(ctx, url)
	if errors.Is(err, fleet.ErrBadURL) {
		return nil, cmdutil.FlagError(err)
	}
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	return c, nil
}

// open connects to the fleet for a command that runs until it is done or
// interrupted: ctx ends on Ctrl-C or SIGTERM; release stops watching the
// signals, then closes the connection.
func (f *fleetFlags) open() (c *fleet.Client, ctx context.Context, release func(), err error) {
	c, err = f.connect()
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, stop := interruptible()
	return c, ctx, func() { stop(); c.Close() }, nil
}

// runOpts is the RunE of a command whose flags fill opts: run, or the
// runF a test gives to see the options the command line parsed into.
func runOpts[O any](opts *O, runF, run func(*O) error) func(*cobra.Command, []string) error {
	if runF != nil {
		run = runF
	}
	return func(*cobra.Command, []string) error { return run(opts) }
}

// fleetFilterHelp ends the long help of the fleet commands with --filter.
const fleetFilterHelp = "\n--filter takes the filter language (README, Filters) with the keys of a call:\n" +
	"user=USER, device=USER[/CLIENT], outcome=open|closed|normal|failed|STATE,\n" +
	"reason=NAME (a close reason), since=TIME and until=TIME (RFC 3339 or a date),\n" +
	"build=VERSION (VERSION* a prefix). Terms AND; the values of one key OR."

// parseCallFilter reads --filter; a bad term is a usage error.
func parseCallFilter(expr string) (filter.CallFilter, error) {
	f, err := filter.ParseCalls(expr)
	if err != nil {
		return f, cmdutil.FlagError(fmt.Errorf("--filter: %w", err))
	}
	return f, nil
}

func newFleetCmd(ios *cmdutil.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "List, pull and verify the calls recorded into a fleet",
		Long: "The fleet is a NATS JetStream server (callrec fleet serve, or an external\n" +
			"cluster) that recorders publish their calls to (--fleet). A fleet call is the\n" +
			"recordings the devices of one call made, joined as callreplay merge joins logs.",
		Example: "  callreplay fleet ls --fleet nats://127.0.0.1:4222\n" +
			"  callreplay fleet pull CALL --fleet nats://127.0.0.1:4222 --out call.db\n" +
			"  callreplay fleet verify --fleet nats://127.0.0.1:4222 --workers 2",
	}
	cmd.AddCommand(newFleetLsCmd(ios, nil))
	cmd.AddCommand(newFleetPullCmd(ios, nil))
	cmd.AddCommand(newFleetVerifyCmd(ios, nil))
	cmd.AddCommand(newFleetWorkerCmd(ios, nil))
	return cmd
}

type fleetLsOptions struct {
	ios    *cmdutil.IOStreams
	fleet  fleetFlags
	Filter string
	JSON   bool
}

func newFleetLsCmd(ios *cmdutil.IOStreams, runF func(*fleetLsOptions) error) *cobra.Command {
	opts := &fleetLsOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the fleet's calls",
		Long: "List the calls the fleet holds, one line each: the call's id (what pull, view\n" +
			"and verify take, or a unique prefix of it), start, duration, devices, number of\n" +
			"recordings and events, and how every connection ended.\n" + fleetFilterHelp,
		Example: "  callreplay fleet ls --fleet nats://127.0.0.1:4222\n" +
			"  callreplay fleet ls --filter 'user=alice outcome=failed since=2026-11-27'\n" +
			"  callreplay fleet ls --json | jq -r '.[].id'",
		Args: cmdutil.NoArgs,
		RunE: runOpts(opts, runF, fleetLsRun),
	}
	opts.fleet.add(cmd)
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "list only the calls the expression keeps")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func fleetLsRun(opts *fleetLsOptions) error {
	f, err := parseCallFilter(opts.Filter)
	if err != nil {
		return err
	}
	c, ctx, release, err := opts.fleet.open()
	if err != nil {
		return err
	}
	defer release()
	calls, err := c.Calls(ctx, fleet.QueryOptions{Filter: f})
	if err != nil && calls == nil {
		return err
	}
	if err != nil {
		// Recordings whose events did not read are listed by their metadata.
		cmdutil.PrintError(opts.ios, "callreplay", err)
	}
	if opts.JSON {
		return fleet.WriteCallsJSON(opts.ios.Out, calls)
	}
	return fleet.WriteCallTable(opts.ios.Out, calls)
}

type fleetPullOptions struct {
	ios   *cmdutil.IOStreams
	fleet fleetFlags
	Call  string
	Out   string
}

func newFleetPullCmd(ios *cmdutil.IOStreams, runF func(*fleetPullOptions) error) *cobra.Command {
	opts := &fleetPullOptions{ios: ios}
	run := runOpts(opts, runF, fleetPullRun)
	cmd := &cobra.Command{
		Use:   "pull CALL --out LOG",
		Short: "Write all devices of a fleet call into a local log",
		Long: "Write every recording of the call (its id from fleet ls, or a unique prefix)\n" +
			"into the new log --out, merged as callreplay merge merges the devices' logs of\n" +
			"one call. --out must not exist.",
		Example: "  callreplay fleet pull 9f3a --fleet nats://127.0.0.1:4222 --out call.db\n  callreplay verify call.db",
		Args:    cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Call = args[0]
			return run(cmd, args)
		},
	}
	opts.fleet.add(cmd)
	cmd.Flags().StringVarP(&opts.Out, "out", "o", "", "the new log to write (required)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func fleetPullRun(opts *fleetPullOptions) error {
	c, ctx, release, err := opts.fleet.open()
	if err != nil {
		return err
	}
	defer release()
	call, err := findCall(ctx, c, opts.Call)
	if err != nil {
		return err
	}
	rep, err := pullCall(ctx, c, call, opts.Out)
	if err != nil {
		return err
	}
	return rep.Write(opts.ios.Out)
}

// findCall lists the fleet's calls once and returns the one id names (or
// the one call whose id starts with it).
func findCall(ctx context.Context, c *fleet.Client, id string) (fleet.Call, error) {
	calls, err := c.Calls(ctx, fleet.QueryOptions{})
	if calls == nil && err != nil {
		return fleet.Call{}, err
	}
	call, err := fleet.FindCall(calls, id)
	if err != nil {
		return fleet.Call{}, cmdutil.InputError(err)
	}
	return call, nil
}

// pullCall pulls call into out, merged as callreplay merge does.
func pullCall(ctx context.Context, c *fleet.Client, call fleet.Call, out string) (merge.Report, error) {
	rep, err := c.Pull(ctx, call, out, merge.Options{Timeout: lockTimeout})
	if errors.Is(err, merge.ErrExists) || errors.Is(err, merge.ErrConflict) || errors.Is(err, fleet.ErrDamaged) ||
		errors.Is(err, fleet.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return rep, cmdutil.InputError(err)
	}
	return rep, err
}

type fleetVerifyOptions struct {
	ios        *cmdutil.IOStreams
	fleet      fleetFlags
	Filter     string
	Workers    int
	AckWait    time.Duration
	MaxDeliver int
	Quiet      bool
	JSON       bool
}

func newFleetVerifyCmd(ios *cmdutil.IOStreams, runF func(*fleetVerifyOptions) error) *cobra.Command {
	opts := &fleetVerifyOptions{ios: ios, Workers: 1, AckWait: fleet.DefaultAckWait, MaxDeliver: fleet.DefaultMaxDeliver}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify the current build against every recorded call of the fleet",
		Long: "Queue one job per call (that --filter keeps, and that is no longer being\n" +
			"recorded) on the fleet's work queue; --workers workers in this process and any\n" +
			"number of `callreplay fleet worker` processes, on any machine, pull the jobs,\n" +
			"replay every recording of the call as callreplay verify does, and acknowledge.\n" +
			"A job a worker holds longer than --ack-wait without a sign of life goes to\n" +
			"another; after --max-deliver deliveries it is reported FAILED. The report lists\n" +
			"every call once: its first diverging step per recording, every damaged\n" +
			"recording, then the totals. Exit status as verify: 0 all replay exactly, 1 a\n" +
			"call diverged, 3 a recording is damaged or a job failed.\n" + fleetFilterHelp,
		Example: "  callreplay fleet verify --fleet nats://127.0.0.1:4222 --workers 2\n" +
			"  callreplay fleet verify --workers 0 &   # and: callreplay fleet worker, on other machines\n" +
			"  callreplay fleet verify --filter 'build=v1.4*' --json | jq '.calls[] | select(.status != \"ok\")'",
		Args: cmdutil.NoArgs,
		RunE: runOpts(opts, runF, fleetVerifyRun),
	}
	opts.fleet.add(cmd)
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "verify only the calls the expression keeps")
	cmd.Flags().Var(cmdutil.AtLeast(&opts.Workers, 0), "workers", "workers in this process (0: only worker processes)")
	cmd.Flags().DurationVar(&opts.AckWait, "ack-wait", opts.AckWait, "how long a worker may hold a job without a sign of life")
	cmd.Flags().Var(cmdutil.AtLeast(&opts.MaxDeliver, 1), "max-deliver", "deliveries of a job before it is reported failed")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print only divergences, damage, failures and the totals")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object: every call's result and the totals")
	return cmd
}

func fleetVerifyRun(opts *fleetVerifyOptions) error {
	f, err := parseCallFilter(opts.Filter)
	if err != nil {
		return err
	}
	if opts.AckWait < time.Second {
		return cmdutil.FlagErrorf("--ack-wait %v: want at least 1s", opts.AckWait)
	}
	c, ctx, release, err := opts.fleet.open()
	if err != nil {
		return err
	}
	defer release()
	p := progress.NewTask(opts.ios.Err, opts.ios.ErrTerminal, progressAfter)
	defer p.Clear()
	var total, done, diverged, bad int
	rep, err := c.Verify(ctx, fleet.VerifyOptions{Filter: f, Workers: opts.Workers, Width: opts.ios.OutWidth(),
		Queue:  fleet.QueueOptions{AckWait: opts.AckWait, MaxDeliver: opts.MaxDeliver},
		Queued: func(n int) { total = n },
		Progress: func(r fleet.Result) {
			done++
			switch r.Status {
			case fleet.StatusDiverged:
				diverged++
			case fleet.StatusDamaged, fleet.StatusFailed:
				bad++
			}
			p.Show(fmt.Sprintf("fleet verify %s %d/%d calls, %d diverged, %d damaged or failed",
				progress.Bar(done, total, 30), done, total, diverged, bad))
		}})
	p.Clear()
	if err != nil {
		if ctx.Err() != nil {
			return cmdutil.Interrupted(fmt.Errorf("interrupted after %d of %d calls; their jobs are withdrawn", done, total))
		}
		return err
	}
	if opts.JSON {
		err = rep.WriteJSON(opts.ios.Out)
	} else {
		err = rep.WriteText(opts.ios.Out, opts.Quiet)
	}
	switch {
	case err != nil:
		return err
	case rep.Count(fleet.StatusDamaged) > 0, rep.Count(fleet.StatusFailed) > 0:
		return cmdutil.Silent(cmdutil.ExitInput)
	case rep.Count(fleet.StatusDiverged) > 0:
		return cmdutil.Silent(cmdutil.ExitFailed)
	}
	return nil
}

type fleetWorkerOptions struct {
	ios   *cmdutil.IOStreams
	fleet fleetFlags
	Idle  time.Duration
}

func newFleetWorkerCmd(ios *cmdutil.IOStreams, runF func(*fleetWorkerOptions) error) *cobra.Command {
	opts := &fleetWorkerOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Verify calls from the fleet's work queue",
		Long: "Pull jobs that fleet verify queued, verify each call, publish its result and\n" +
			"acknowledge, until Ctrl-C (or --idle without a job). Run any number, on any\n" +
			"machine that reaches the fleet; a worker that dies leaves its job to another.\n" +
			"Each result prints a line on stderr.",
		Example: "  callreplay fleet worker --fleet nats://10.0.0.5:4222\n  callreplay fleet worker --idle 1m",
		Args:    cmdutil.NoArgs,
		RunE:    runOpts(opts, runF, fleetWorkerRun),
	}
	opts.fleet.add(cmd)
	cmd.Flags().DurationVar(&opts.Idle, "idle", 0, "stop after this long without a job (0: run until interrupted)")
	return cmd
}

func fleetWorkerRun(opts *fleetWorkerOptions) error {
	c, ctx, release, err := opts.fleet.open()
	if err != nil {
		return err
	}
	defer release()
	err = c.Work(ctx, fleet.WorkerOptions{Idle: opts.Idle, OnResult: func(r fleet.Result) {
		fmt.Fprintf(opts.ios.Err, "%-9s %s\n", r.Status, safetext.Escape(r.Call))
	}})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return cmdutil.Interrupted(errors.New("worker stopped"))
	}
	return nil
}

// fleetCatalog is what view --fleet shows: the call pulled into a
// temporary log, or with --follow the call followed through the fleet.
// close releases it (and removes the temporary log).
func fleetCatalog(opts *viewOptions) (cat viewer.Catalog, note string, close func(), err error) {
	c, err := (&fleetFlags{URL: opts.Fleet}).connect()
	if err != nil {
		return nil, "", nil, err
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	call, err := findCall(ctx, c, opts.Log)
	if err != nil {
		return nil, "", nil, err
	}
	if opts.Follow {
		f, err := c.Follow(context.Background(), call)
		if err != nil {
			return nil, "", nil, err
		}
		lc := viewer.NewLiveCatalog(f)
		return lc, "following the call through the fleet", func() { lc.Close(); c.Close() }, nil
	}
	dir, err := os.MkdirTemp("", "callreplay-view-")
	if err != nil {
		return nil, "", nil, err
	}
	out := filepath.Join(dir, "call.log")
	if _, err := pullCall(ctx, c, call, out); err != nil { // the call found above, not listed again
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	c.Close()
	l, err := openLog(out)
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	lc := viewer.NewLogCatalog(l, nil)
	return lc, "", func() { lc.Close(); l.Close(); os.RemoveAll(dir) }, nil
}
