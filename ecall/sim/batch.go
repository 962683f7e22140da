package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// ParseFiles parses every scenario file, stopping at the first that does
// not parse: a batch checks all its files before it records anything.
func ParseFiles(paths []string) ([]*Scenario, error) {
	var scs []*Scenario
	for _, path := range paths {
		sc, err := ParseFile(path)
		if err != nil {
			return nil, err
		}
		scs = append(scs, sc)
	}
	return scs, nil
}

// BatchOptions configure RunBatch.
type BatchOptions struct {
	Out         string // the log file to record into; "" records nothing
	Seed        int64
	ToolVersion string
	// Each, when set, sees every scenario's result as it ends.
	Each func(ScenarioResult)
}

// OpenLog opens (or creates) a log for simulated calls. It commits only
// when a batch of events is full or on Flush, never on a timer, so the
// batch boundaries depend on the events alone and the same scenarios and
// seed write a byte-identical file.
func OpenLog(path string) (*eventlog.Log, error) {
	return eventlog.Open(path, 0o644, &eventlog.Options{BatchDelay: 24 * time.Hour})
}

// RunBatch runs the scenarios in order, as `callrec sim` does, each on a
// fresh world with the same seed, recording each as one call of the log
// at opts.Out. A scenario that fails does not stop the others; the
// report's Err says which failed. The error returned is the log's.
func RunBatch(scs []*Scenario, opts BatchOptions) (*BatchReport, error) {
	var log *eventlog.Log
	if opts.Out != "" {
		var err error
		if log, err = OpenLog(opts.Out); err != nil {
			return nil, err
		}
		defer log.Close()
	}
	rep := &BatchReport{Scenarios: []ScenarioResult{}}
	for _, sc := range scs {
		res, err := Run(sc, Options{Seed: opts.Seed, Log: log, ToolVersion: opts.ToolVersion})
		r := ScenarioResult{Name: sc.Name, OK: err == nil, Backend: map[string]int{}, err: err}
		if err != nil {
			rep.Failed++
			r.Error = oneLine(err.Error())
		} else {
			rep.OK++
			r.CallID, r.backend = res.CallID, res.World.Backend
			for t, n := range res.World.Backend {
				r.Backend[t.String()] = n
			}
		}
		rep.Scenarios = append(rep.Scenarios, r)
		if opts.Each != nil {
			opts.Each(r)
		}
	}
	return rep, nil
}

// BatchReport is what a batch of scenarios did. Its JSON is the object
// `callrec sim --json` prints.
type BatchReport struct {
	Failed    int              `json:"failed"`
	OK        int              `json:"ok"`
	Scenarios []ScenarioResult `json:"scenarios"`
}

// Err joins the errors of the scenarios that failed; nil when all passed.
func (r *BatchReport) Err() error {
	var errs []error
	for _, s := range r.Scenarios {
		errs = append(errs, s.err)
	}
	return errors.Join(errs...)
}

// WriteJSON writes the report as indented JSON.
func (r *BatchReport) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// ScenarioResult is one scenario's result.
type ScenarioResult struct {
	Name    string         `json:"name"`
	OK      bool           `json:"ok"`
	Error   string         `json:"error,omitempty"` // on one line
	CallID  string         `json:"call_id,omitempty"`
	Backend map[string]int `json:"backend"` // messages through the backend, by type
	backend map[econn.MsgType]int
	err     error
}

// WriteText writes the scenario's line: FAIL, or (unless quiet) ok with
// what went through the backend, in message type order, and the call it
// is recorded as.
func (r ScenarioResult) WriteText(w io.Writer, quiet bool) error {
	if !r.OK {
		_, err := fmt.Fprintf(w, "FAIL %s\n", r.Name)
		return err
	}
	if quiet {
		return nil
	}
	s := "backend:"
	for _, t := range slices.Sorted(maps.Keys(r.backend)) {
		s += fmt.Sprintf(" %s=%d", t, r.backend[t])
	}
	if r.CallID != "" {
		s += "  call " + r.CallID
	}
	_, err := fmt.Fprintf(w, "ok   %-40s %s\n", r.Name, s)
	return err
}

// oneLine renders an error's text on one line: its lines, trimmed, joined
// by "; " (joined expectation errors span several).
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
