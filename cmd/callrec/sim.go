package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/internal/progress"
)

type simOptions struct {
	ios       *cmdutil.IOStreams
	scenarios []string
	out       string
	seed      int64
	explore   bool
	runs      int
	failDir   string
	quiet     bool
	json      bool
	fleet     string
}

func newSimCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &simOptions{ios: ios, runs: 1000}
	cmd := &cobra.Command{
		Use:   "sim SCENARIO... [--out LOG] [--seed N] | sim --explore --runs N [--seed S] [--out LOG]",
		Short: "Run scenario files on the deterministic simulator and record them",
		Long: `sim runs scenario files against a simulated conversation — a fan-out
backend with seeded faults, fake media and a virtual clock — using the same
orchestration code as a live call, and records each run as one call of the
log. The same scenario and seed give a byte-identical log.

With --explore it generates random scenarios instead and checks invariants
after every step (at most one close per ECONN, one callee device in a call
per caller, every ECONN Terminating once everyone ended); a violation prints
the seed and writes the shrunk scenario that reproduces it. With --out every
explored run is recorded as one call of the log: a large, realistic log from
one command.

The scenario language is described in the README.`,
		Example: `  callrec sim testdata/scenarios/04-glare.txt --out glare.db
  callreplay show glare.db
  callrec sim testdata/scenarios/*.txt --out all.db --seed 7
  callrec sim --explore --runs 10000 --seed 1
  callrec sim --explore --runs 10000 --seed 1 --out big.db
  callrec sim testdata/scenarios/*.txt --json | jq '.scenarios[] | select(.ok | not)'`,
		Args: cmdutil.Args(func(cmd *cobra.Command, args []string) error {
			if opts.explore && len(args) > 0 {
				return errors.New("--explore takes no scenario files")
			}
			if !opts.explore && len(args) == 0 {
				return errors.New("sim needs a scenario file (or --explore)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.scenarios = args
			opts.fleet = fleetURL(opts.fleet)
			if opts.fleet != "" && opts.out == "" {
				return cmdutil.FlagErrorf("--fleet needs --out: the local log is the record the fleet copies")
			}
			if opts.explore {
				return exploreRun(opts)
			}
			return simRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "", "log file to record into (default: none, just check expectations)")
	f.Int64Var(&opts.seed, "seed", 1, "seed for session ids and probabilistic faults (explore: first seed)")
	f.BoolVar(&opts.explore, "explore", false, "run random scenarios under invariant checks")
	f.Var(cmdutil.AtLeast(&opts.runs, 1), "runs", "explore: number of random scenarios")
	f.StringVar(&opts.failDir, "fail-dir", ".", "explore: where to write the shrunk scenario of a violation")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "print only failures")
	fleetFlag(f, &opts.fleet)
	f.BoolVar(&opts.json, "json", false, "print one JSON object: every scenario's result, or the exploration's")
	return cmd
}

// simRun runs the scenario files, printing each result as it comes, or
// all of them as one JSON object.
func simRun(opts *simOptions) error {
	// A malformed line stops the run before anything is recorded.
	scs, err := sim.ParseFiles(opts.scenarios)
	if err != nil {
		return cmdutil.InputError(sim.ReportParseError(opts.ios.Err, err))
	}
	watch, closeFleet, err := fleetWatch(opts.ios, opts.fleet)
	if err != nil {
		return err
	}
	defer closeFleet()
	rep, err := sim.RunReported(opts.ios.Out, scs, sim.BatchOptions{Out: opts.out, Seed: opts.seed, ToolVersion: toolVersion, Watch: watch},
		sim.ReportOptions{JSON: opts.json, Quiet: opts.quiet})
	if err != nil {
		return err
	}
	return failed(rep.Err())
}

// progressAfter is how long an exploration runs before its progress line
// shows, on a terminal.
var progressAfter = time.Second

// exploreRun explores, with a progress line on stderr when it is a
// terminal and the exploration is long, then prints the report.
func exploreRun(opts *simOptions) error {
	prog := progress.NewTask(opts.ios.Err, opts.ios.ErrTerminal, progressAfter)
	rep, err := sim.ExploreRuns(sim.ExploreOptions{First: opts.seed, Runs: opts.runs, FailDir: opts.failDir,
		Out: opts.out, ToolVersion: toolVersion, Progress: func(done, runs int) {
			if prog.Due() {
				prog.Show(fmt.Sprintf("explore %s %d/%d runs", progress.Bar(done, runs, 30), done, runs))
			}
		}})
	prog.Clear()
	if err != nil {
		return err
	}
	if err := rep.Write(opts.ios.Out, opts.json); err != nil {
		return err
	}
	if opts.fleet != "" {
		// Explored runs are recorded as fast as they run: the log goes to
		// the fleet once, at the end.
		ctx, cancel := interruptible()
		defer cancel()
		if err := uploadRun(ctx, &cmdutil.IOStreams{Out: opts.ios.Err, Err: opts.ios.Err}, opts.fleet, []string{opts.out}, &uploadOptions{}); err != nil {
			return err
		}
	}
	return failed(rep.Err())
}

// failed marks a run's failures (exit 1).
func failed(err error) error {
	if err != nil {
		return cmdutil.Failed(err)
	}
	return nil
}
