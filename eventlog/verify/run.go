package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress shows a run's progress on one line: Show replaces the line,
// Clear erases it before other output.
type Progress interface {
	Show(line string)
	Clear()
}

// RunOptions configure Run.
type RunOptions struct {
	Jobs     int      // logs verified in parallel
	Open     OpenFunc // opens each log
	JSON     bool     // write one RunJSON object at the end, not text as results come
	Quiet    bool     // text: only divergences and the totals
	Width    int      // text: the columns of a divergence's side-by-side outputs
	Progress Progress // nil: none
	// OnError sees the error of every log that could not be read, as it
	// comes; the report only counts it.
	OnError func(error)
}

// Run verifies the logs at paths, as `callreplay verify` does, and writes
// the report to w: each log's calls as its result comes (in the order of
// paths), then the totals. The error is w's or the progress's.
func Run(w io.Writer, paths []string, opts RunOptions) (Summary, error) {
	start := time.Now()
	prog := opts.Progress
	if prog == nil {
		prog = noProgress{}
	}
	var sum Summary
	out := RunJSON{Logs: []LogJSON{}}
	err := Logs(paths, opts.Jobs, opts.Open, func(r LogResult) error {
		prog.Clear()
		sum.Add(r)
		if r.Err != nil && opts.OnError != nil {
			opts.OnError(r.Err)
		}
		if opts.JSON {
			out.Logs = append(out.Logs, JSONOf(r))
		} else if err := WriteText(w, r, opts.Quiet, opts.Width); err != nil {
			return err
		}
		prog.Show(progressBar(sum, len(paths)))
		return nil
	})
	prog.Clear()
	if err != nil {
		return sum, err
	}
	if !opts.JSON {
		return sum, WriteSummary(w, sum, time.Since(start))
	}
	out.Summary = SummaryJSONOf(sum, time.Since(start))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return sum, enc.Encode(out)
}

// progressBar is the progress line of a run of total logs.
func progressBar(s Summary, total int) string {
	const barW = 30
	filled := barW * s.Logs / total
	return fmt.Sprintf("verify [%s%s] %d/%d logs, %d diverged", strings.Repeat("#", filled),
		strings.Repeat(".", barW-filled), s.Logs, total, s.Diverged)
}

type noProgress struct{}

func (noProgress) Show(string) {}
func (noProgress) Clear()      {}
