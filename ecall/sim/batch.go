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

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
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
	// Watch, when set, is told of each recorded call (the fleet's
	// publisher).
	Watch ecall.Watch
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
		res, err := Run(sc, Options{Seed: opts.Seed, Log: log, ToolVersion: opts.ToolVersion, Watch: opts.Watch})
		r := ScenarioResult{Name: sc.Name, OK: err == nil, Backend: map[string]int{}, failures: failures(err)}
		if err != nil {
			rep.Failed++
			var texts []string
			for _, f := range r.failures {
				texts = append(texts, f.Error())
			}
			r.Error = strings.Join(texts, "; ")
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

// Err is nil when every scenario passed, else one line that counts the
// failures: "3 expectations failed in 2 of 5 scenarios". WriteText has
// printed the failures themselves.
func (r *BatchReport) Err() error {
	if r.Failed == 0 {
		return nil
	}
	var all, expects int
	for _, s := range r.Scenarios {
		for _, f := range s.failures {
			all++
			if _, ok := f.(*ExpectError); ok {
				expects++
			}
		}
	}
	what := plural(all, "failure")
	if expects == all {
		what = plural(all, "expectation") + " failed"
	}
	return fmt.Errorf("%s in %d of %s", what, r.Failed, plural(len(r.Scenarios), "scenario"))
}

// failures lists what a scenario's run reported: each failed expectation
// (Run joins them) or the one error that stopped it.
func failures(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// WriteJSON writes the report as indented JSON.
func (r *BatchReport) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

// ScenarioResult is one scenario's result.
type ScenarioResult struct {
	Name     string         `json:"name"`
	OK       bool           `json:"ok"`
	Error    string         `json:"error,omitempty"` // on one line
	CallID   string         `json:"call_id,omitempty"`
	Backend  map[string]int `json:"backend"` // messages through the backend, by type
	backend  map[econn.MsgType]int
	failures []error
}

// WriteText writes the scenario's line: FAIL and then each failure on a
// line of its own ("name:line: expect A/1 state: want X, got Y"), or
// (unless quiet) ok with what went through the backend, in message type
// order, and the call it is recorded as.
func (r ScenarioResult) WriteText(w io.Writer, quiet bool) error {
	if !r.OK {
		text := "FAIL " + r.Name + "\n"
		for _, f := range r.failures {
			text += f.Error() + "\n"
		}
		_, err := io.WriteString(w, text)
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ReportParseError prints the bad lines of a scenario file on w, one per
// line as file:line: what is wrong, the way compilers do (an editor jumps
// to each), escaped for a terminal, and returns the one-line summary that
// ends them. Any other error (a file it cannot open) it returns as it is.
func ReportParseError(w io.Writer, err error) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	for _, m := range pe.Messages() {
		fmt.Fprintln(w, safetext.Escape(m))
	}
	return errors.New(pe.Summary())
}
