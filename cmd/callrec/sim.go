package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
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
}

func newSimCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &simOptions{ios: ios, runs: 1000}
	cmd := &cobra.Command{
		Use:   "sim SCENARIO... [--out LOG] [--seed N] | sim --explore --runs N [--seed S]",
		Short: "Run scenario files on the deterministic simulator and record them",
		Long: `sim runs scenario files against a simulated conversation — a fan-out
backend with seeded faults, fake media and a virtual clock — using the same
orchestration code as a live call, and records each run as one call of the
log. The same scenario and seed give a byte-identical log.

With --explore it generates random scenarios instead and checks invariants
after every step (at most one close per ECONN, one callee device in a call
per caller, every ECONN Terminating once everyone ended); a violation prints
the seed and writes the shrunk scenario that reproduces it.

The scenario language is described in the README.`,
		Example: `  callrec sim testdata/scenarios/04-glare.txt --out glare.db
  callreplay show glare.db
  callrec sim testdata/scenarios/*.txt --out all.db --seed 7
  callrec sim --explore --runs 10000 --seed 1
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
	f.BoolVar(&opts.json, "json", false, "print one JSON object: every scenario's result, or the exploration's")
	return cmd
}

// simRun runs the scenario files, printing each result as it comes, or
// all of them as one JSON object.
func simRun(opts *simOptions) error {
	// A malformed line stops the run before anything is recorded.
	scs, err := sim.ParseFiles(opts.scenarios)
	if err != nil {
		return parseFailed(opts.ios, err)
	}
	bo := sim.BatchOptions{Out: opts.out, Seed: opts.seed, ToolVersion: toolVersion}
	if !opts.json {
		bo.Each = func(r sim.ScenarioResult) { _ = r.WriteText(opts.ios.Out, opts.quiet) }
	}
	before := callIDs(opts.out)
	rep, err := sim.RunBatch(scs, bo)
	if err != nil {
		return err
	}
	if opts.json {
		if err := rep.WriteJSON(opts.ios.Out); err != nil {
			return err
		}
	} else if opts.out != "" && !opts.quiet {
		if line := addedLine(opts.out, before); line != "" {
			fmt.Fprintln(opts.ios.Out, line)
		}
	}
	if err := rep.Err(); err != nil {
		return cmdutil.Failed(err)
	}
	return nil
}

// parseFailed prints the bad lines of a scenario file on stderr, one per
// line as file:line: what is wrong, the way compilers do (an editor jumps
// to each), and returns the one-line summary that ends them.
func parseFailed(ios *cmdutil.IOStreams, err error) error {
	var pe *sim.ParseError
	if !errors.As(err, &pe) {
		return cmdutil.InputError(err) // a file it cannot open
	}
	for _, m := range pe.Messages() {
		fmt.Fprintln(ios.Err, safetext.Escape(m))
	}
	return cmdutil.InputError(errors.New(pe.Summary()))
}

func exploreRun(opts *simOptions) error {
	rep, err := sim.ExploreRuns(opts.seed, opts.runs, opts.failDir)
	if err != nil {
		return err
	}
	write := rep.WriteText
	if opts.json {
		write = rep.WriteJSON
	}
	if err := write(opts.ios.Out); err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return cmdutil.Failed(err)
	}
	return nil
}

// callIDs lists the calls of the log at path, none when it does not open
// (a new file; a file that is no log fails the run itself, with its error).
func callIDs(path string) []string {
	if path == "" {
		return nil
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return nil
	}
	defer l.Close()
	infos, _ := l.Calls()
	ids := make([]string, len(infos))
	for i, c := range infos {
		ids[i] = c.Meta.ID
	}
	return ids
}

// addedLine says which calls a run recorded into the log at path, which
// held the calls before: "added call-0002 to glare.db (2 calls)", so that
// a repeated command tells that the log holds several calls now.
func addedLine(path string, before []string) string {
	after := callIDs(path)
	if len(after) <= len(before) {
		return ""
	}
	// Calls are listed in the order they were created: the new ones last.
	added := after[len(before):]
	for i, id := range added {
		added[i] = safetext.Escape(id)
	}
	return live.RecordedLine(safetext.Escape(path), len(before), added)
}
