package sim

import (
	"fmt"
	"io"

	"github.com/callrec/callrec/ecall"
)

// ReportOptions say how RunReported prints a batch.
type ReportOptions struct {
	JSON  bool // the whole report as one JSON object at the end
	Quiet bool // text: only the failures
}

// RunReported runs the scenarios as RunBatch does and prints them on w, as
// `callrec sim` does: a line per scenario as it ends, then which calls it
// added to the log; or, with JSON, the report at the end. The error is the
// log's or w's; the report's Err says which scenarios failed.
func RunReported(w io.Writer, scs []*Scenario, opts BatchOptions, ro ReportOptions) (*BatchReport, error) {
	if !ro.JSON {
		opts.Each = func(r ScenarioResult) { _ = r.WriteText(w, ro.Quiet) }
	}
	before := ecall.LogCallIDs(opts.Out)
	rep, err := RunBatch(scs, opts)
	if err != nil {
		return nil, err
	}
	if ro.JSON {
		return rep, rep.WriteJSON(w)
	}
	if opts.Out != "" && !ro.Quiet {
		if line := ecall.AddedLine(opts.Out, before); line != "" {
			fmt.Fprintln(w, line)
		}
	}
	return rep, nil
}

// Write writes the exploration's report as text or, with asJSON, as one
// JSON object.
func (r *ExploreReport) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		return r.WriteJSON(w)
	}
	return r.WriteText(w)
}
