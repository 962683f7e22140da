package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// ExploreOptions configure ExploreRuns.
type ExploreOptions struct {
	First   int64  // the first seed
	Runs    int    // how many seeds, from First on
	FailDir string // where a violation's shrunk scenario is written
	// Out, when set, is a log that records every explored run as one
	// call, in seed order (the shrinking reruns of a violation are not
	// recorded): a large, realistic log from one command.
	Out         string
	ToolVersion string
	// Progress, when set, is called after every run with the runs done.
	Progress func(done, runs int)
}

// ExploreRuns runs Explore for opts.Runs seeds from opts.First on, as
// `callrec sim --explore` does, and stops at the first violation: its
// shrunk scenario is written to FailDir as explore-seed-N.txt. The error
// is the log's or the file's; a violation is in the report (see its Err).
func ExploreRuns(opts ExploreOptions) (rep *ExploreReport, err error) {
	start := time.Now()
	rep = &ExploreReport{FirstSeed: opts.First}
	var log *eventlog.Log
	if opts.Out != "" {
		if log, err = OpenLog(opts.Out); err != nil {
			return nil, err
		}
		defer func() {
			if cerr := log.Close(); cerr != nil && err == nil {
				rep, err = nil, cerr
			}
		}()
		rep.Log, rep.before = opts.Out, callCount(log)
	}
	for i := 0; i < opts.Runs; i++ {
		seed := opts.First + int64(i)
		rep.Runs, rep.LastSeed = i+1, seed
		v, id, err := exploreRecorded(seed, log, opts.ToolVersion)
		if err != nil {
			return nil, err
		}
		if id != "" {
			rep.recorded = append(rep.recorded, id)
			rep.Recorded++
		}
		if opts.Progress != nil {
			opts.Progress(i+1, opts.Runs)
		}
		if v == nil {
			continue
		}
		path := filepath.Join(opts.FailDir, fmt.Sprintf("explore-seed-%d.txt", seed))
		if err := os.WriteFile(path, []byte(v.Scenario), 0o644); err != nil {
			return nil, err
		}
		rep.Violation = &ExploreViolation{Seed: seed, Invariant: v.Invariant, Detail: v.Detail, ScenarioFile: path}
		break
	}
	rep.elapsed = time.Since(start)
	rep.ElapsedMS, rep.RunsPerSecond = rep.elapsed.Milliseconds(), float64(rep.Runs)/rep.elapsed.Seconds()
	return rep, nil
}

// callCount is how many calls the log held before exploring: the line
// that reports the recording says "added" to a log that had some.
func callCount(log *eventlog.Log) int {
	infos, _ := log.Calls()
	return len(infos)
}

// ExploreReport is what an exploration did.
type ExploreReport struct {
	Runs          int               `json:"runs"`
	FirstSeed     int64             `json:"first_seed"`
	LastSeed      int64             `json:"last_seed"`
	ElapsedMS     int64             `json:"elapsed_ms"`
	RunsPerSecond float64           `json:"runs_per_second"`
	Violation     *ExploreViolation `json:"violation"`          // nil: none found
	Log           string            `json:"log,omitempty"`      // the log the runs were recorded into
	Recorded      int               `json:"recorded,omitempty"` // calls added to it
	elapsed       time.Duration
	before        int      // calls in Log before
	recorded      []string // the ids of the calls added
}

// ExploreViolation is the violation an exploration found.
type ExploreViolation struct {
	Seed         int64  `json:"seed"`
	Invariant    string `json:"invariant"`
	Detail       string `json:"detail"`
	ScenarioFile string `json:"scenario_file"` // the shrunk scenario that reproduces it
}

// Err names the violated invariant; nil when none was.
func (r *ExploreReport) Err() error {
	if v := r.Violation; v != nil {
		return fmt.Errorf("seed %d: invariant %s violated", v.Seed, v.Invariant)
	}
	return nil
}

// WriteText says what the exploration found, and how to rerun a
// violation.
func (r *ExploreReport) WriteText(w io.Writer) error {
	var err error
	if v := r.Violation; v != nil {
		_, err = fmt.Fprintf(w, "violation after %d runs: seed %d: invariant %s violated: %s\nshrunk scenario written to %s (run: callrec sim %s --seed %d)\n",
			r.Runs, r.LastSeed, v.Invariant, v.Detail, v.ScenarioFile, v.ScenarioFile, r.LastSeed)
	} else {
		_, err = fmt.Fprintf(w, "explored %d random scenarios (seeds %d..%d) in %s: no invariant violated (%.0f runs/s)\n",
			r.Runs, r.FirstSeed, r.LastSeed, r.elapsed.Round(time.Millisecond), r.RunsPerSecond)
	}
	if err == nil && len(r.recorded) > 0 {
		_, err = fmt.Fprintln(w, ecall.RecordedLine(safetext.Escape(r.Log), r.before, r.recorded))
	}
	return err
}

// WriteJSON writes {"explore": report} as indented JSON.
func (r *ExploreReport) WriteJSON(w io.Writer) error {
	return writeJSON(w, map[string]any{"explore": r})
}
