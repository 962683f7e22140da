package sim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ExploreRuns runs Explore for runs seeds from first on, as `callrec sim
// --explore` does, and stops at the first violation: its shrunk scenario
// is written to failDir as explore-seed-N.txt. The error is the file's;
// a violation is in the report (see its Err).
func ExploreRuns(first int64, runs int, failDir string) (*ExploreReport, error) {
	start := time.Now()
	rep := &ExploreReport{FirstSeed: first}
	for i := 0; i < runs; i++ {
		seed := first + int64(i)
		rep.Runs, rep.LastSeed = i+1, seed
		v := Explore(seed)
		if v == nil {
			continue
		}
		path := filepath.Join(failDir, fmt.Sprintf("explore-seed-%d.txt", seed))
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

// ExploreReport is what an exploration did.
type ExploreReport struct {
	Runs          int               `json:"runs"`
	FirstSeed     int64             `json:"first_seed"`
	LastSeed      int64             `json:"last_seed"`
	ElapsedMS     int64             `json:"elapsed_ms"`
	RunsPerSecond float64           `json:"runs_per_second"`
	Violation     *ExploreViolation `json:"violation"` // nil: none found
	elapsed       time.Duration
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
	return err
}

// WriteJSON writes {"explore": report} as indented JSON.
func (r *ExploreReport) WriteJSON(w io.Writer) error {
	return writeJSON(w, map[string]any{"explore": r})
}
