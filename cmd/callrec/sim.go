package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
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
		Args: func(cmd *cobra.Command, args []string) error {
			if opts.explore && len(args) > 0 {
				return cmdutil.FlagErrorf("--explore takes no scenario files")
			}
			if !opts.explore && len(args) == 0 {
				return cmdutil.FlagErrorf("sim needs a scenario file (or --explore)")
			}
			return nil
		},
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

// simScenario is one scenario's result, as --json prints it.
type simScenario struct {
	Name    string         `json:"name"`
	OK      bool           `json:"ok"`
	Error   string         `json:"error,omitempty"`
	CallID  string         `json:"call_id,omitempty"`
	Backend map[string]int `json:"backend"` // messages through the backend, by type
	backend map[econn.MsgType]int
}

func simRun(opts *simOptions) error {
	// Parse everything first: a malformed line stops the run before
	// anything is recorded.
	var scs []*sim.Scenario
	for _, path := range opts.scenarios {
		sc, err := sim.ParseFile(path)
		if err != nil {
			return cmdutil.InputError(err)
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
	results := []simScenario{}
	for _, sc := range scs {
		res, err := sim.Run(sc, sim.Options{Seed: opts.seed, Log: log, ToolVersion: toolVersion})
		r := simScenario{Name: sc.Name, OK: err == nil, Backend: map[string]int{}}
		if err != nil {
			failed = append(failed, err)
			r.Error = cmdutil.OneLine(err.Error())
		} else {
			r.CallID, r.backend = res.CallID, res.World.Backend
			for t, n := range res.World.Backend {
				r.Backend[t.String()] = n
			}
		}
		results = append(results, r)
		if !opts.json {
			printScenario(opts, r)
		}
	}
	if opts.json {
		if err := writeJSON(opts.ios, map[string]any{"scenarios": results, "ok": len(scs) - len(failed), "failed": len(failed)}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return cmdutil.Failed(errors.Join(failed...))
	}
	return nil
}

// printScenario prints one scenario's line: FAIL, or ok with what went
// through the backend and where it is recorded.
func printScenario(opts *simOptions, r simScenario) {
	if !r.OK {
		fmt.Fprintf(opts.ios.Out, "FAIL %s\n", r.Name)
		return
	}
	if opts.quiet {
		return
	}
	s := "backend:"
	for _, t := range slices.Sorted(maps.Keys(r.backend)) {
		s += fmt.Sprintf(" %s=%d", t, r.backend[t])
	}
	if r.CallID != "" {
		s += "  call " + r.CallID
	}
	fmt.Fprintf(opts.ios.Out, "ok   %-40s %s\n", r.Name, s)
}

// exploreResult is an exploration's result, as --json prints it.
type exploreResult struct {
	Runs          int              `json:"runs"`
	FirstSeed     int64            `json:"first_seed"`
	LastSeed      int64            `json:"last_seed"`
	ElapsedMS     int64            `json:"elapsed_ms"`
	RunsPerSecond float64          `json:"runs_per_second"`
	Violation     *exploreViolated `json:"violation"`
}

type exploreViolated struct {
	Seed         int64  `json:"seed"`
	Invariant    string `json:"invariant"`
	Detail       string `json:"detail"`
	ScenarioFile string `json:"scenario_file"`
}

func exploreRun(opts *simOptions) error {
	start := time.Now()
	res := exploreResult{FirstSeed: opts.seed}
	for i := 0; i < opts.runs; i++ {
		seed := opts.seed + int64(i)
		res.Runs, res.LastSeed = i+1, seed
		v := sim.Explore(seed)
		if v == nil {
			continue
		}
		path := filepath.Join(opts.failDir, fmt.Sprintf("explore-seed-%d.txt", seed))
		if err := os.WriteFile(path, []byte(v.Scenario), 0o644); err != nil {
			return err
		}
		res.Violation = &exploreViolated{Seed: seed, Invariant: v.Invariant, Detail: v.Detail, ScenarioFile: path}
		break
	}
	el := time.Since(start)
	res.ElapsedMS, res.RunsPerSecond = el.Milliseconds(), float64(res.Runs)/el.Seconds()
	switch {
	case opts.json:
		if err := writeJSON(opts.ios, map[string]any{"explore": res}); err != nil {
			return err
		}
	case res.Violation != nil:
		fmt.Fprintf(opts.ios.Out, "violation after %d runs: seed %d: invariant %s violated: %s\nshrunk scenario written to %s (run: callrec sim %s --seed %d)\n",
			res.Runs, res.LastSeed, res.Violation.Invariant, res.Violation.Detail, res.Violation.ScenarioFile, res.Violation.ScenarioFile, res.LastSeed)
	default:
		fmt.Fprintf(opts.ios.Out, "explored %d random scenarios (seeds %d..%d) in %s: no invariant violated (%.0f runs/s)\n",
			res.Runs, res.FirstSeed, res.LastSeed, el.Round(time.Millisecond), res.RunsPerSecond)
	}
	if v := res.Violation; v != nil {
		return cmdutil.Failed(fmt.Errorf("seed %d: invariant %s violated", v.Seed, v.Invariant))
	}
	return nil
}

func writeJSON(ios *cmdutil.IOStreams, v any) error {
	enc := json.NewEncoder(ios.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
