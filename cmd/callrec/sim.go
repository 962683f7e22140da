package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

type simOptions struct {
	scenarios []string
	out       string
	seed      int64
	explore   bool
	runs      int
	failDir   string
	quiet     bool
}

func newSimCmd(stdout, stderr io.Writer) *cobra.Command {
	opts := &simOptions{}
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
  callrec sim --explore --runs 10000 --seed 1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.explore && len(args) > 0 {
				return &usageError{errors.New("--explore takes no scenario files")}
			}
			if !opts.explore && len(args) == 0 {
				return &usageError{errors.New("sim needs a scenario file (or --explore)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.scenarios = args
			if opts.explore {
				return exploreRun(opts, stdout)
			}
			return simRun(opts, stdout)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.out, "out", "o", "", "log file to record into (default: none, just check expectations)")
	f.Int64Var(&opts.seed, "seed", 1, "seed for session ids and probabilistic faults (explore: first seed)")
	f.BoolVar(&opts.explore, "explore", false, "run random scenarios under invariant checks")
	f.IntVar(&opts.runs, "runs", 1000, "explore: number of random scenarios")
	f.StringVar(&opts.failDir, "fail-dir", ".", "explore: where to write the shrunk scenario of a violation")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "print only failures")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	return cmd
}

func simRun(opts *simOptions, stdout io.Writer) error {
	// Parse everything first: a malformed line stops the run before
	// anything is recorded.
	var scs []*sim.Scenario
	for _, path := range opts.scenarios {
		sc, err := sim.ParseFile(path)
		if err != nil {
			return err
		}
		scs = append(scs, sc)
	}
	var log *eventlog.Log
	if opts.out != "" {
		var err error
		// Commits only when a batch is full or on Flush (no time-based
		// commits within a run): batch boundaries
		// then depend on the events alone, so the file reproduces.
		log, err = eventlog.Open(opts.out, 0o644, &eventlog.Options{BatchDelay: 24 * time.Hour})
		if err != nil {
			return err
		}
		defer log.Close()
	}
	var failed []error
	for _, sc := range scs {
		res, err := sim.Run(sc, sim.Options{Seed: opts.seed, Log: log, ToolVersion: version})
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(stdout, "FAIL %s\n", sc.Name)
			continue
		}
		if !opts.quiet {
			fmt.Fprintf(stdout, "ok   %-40s %s\n", sc.Name, summary(res))
		}
	}
	if len(failed) > 0 {
		return &exitError{1, errors.Join(failed...)}
	}
	return nil
}

// summary says what went through the backend and where it is recorded.
func summary(res *sim.Result) string {
	var types []econn.MsgType
	for t := range res.World.Backend {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	s := "backend:"
	for _, t := range types {
		s += fmt.Sprintf(" %s=%d", t, res.World.Backend[t])
	}
	if res.CallID != "" {
		s += "  call " + res.CallID
	}
	return s
}

func exploreRun(opts *simOptions, stdout io.Writer) error {
	start := time.Now()
	for i := 0; i < opts.runs; i++ {
		seed := opts.seed + int64(i)
		v := sim.Explore(seed)
		if v == nil {
			continue
		}
		path := filepath.Join(opts.failDir, fmt.Sprintf("explore-seed-%d.txt", seed))
		if err := os.WriteFile(path, []byte(v.Scenario), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "violation after %d runs: %v\nshrunk scenario written to %s (run: callrec sim %s --seed %d)\n",
			i+1, v, path, path, seed)
		return &exitError{1, fmt.Errorf("seed %d: invariant %s violated", seed, v.Invariant)}
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "explored %d random scenarios (seeds %d..%d) in %s: no invariant violated (%.0f runs/s)\n",
		opts.runs, opts.seed, opts.seed+int64(opts.runs)-1, el.Round(time.Millisecond), float64(opts.runs)/el.Seconds())
	return nil
}
