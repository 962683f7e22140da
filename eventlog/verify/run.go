package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/callrec/callrec/internal/progress"
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
// paths), then the totals. The progress line follows every call. The error
// is w's or the progress's.
func Run(w io.Writer, paths []string, opts RunOptions) (Summary, error) {
	start := time.Now()
	prog := newRunProgress(opts.Progress, len(paths))
	var sum Summary
	out := RunJSON{Logs: []LogJSON{}}
	lo := LogOptions{Open: opts.Open, OnCalls: prog.calls, OnCall: prog.call}
	err := LogsWith(paths, opts.Jobs, lo, func(r LogResult) error {
		prog.clear()
		sum.Add(r)
		if r.Err != nil && opts.OnError != nil {
			opts.OnError(r.Err)
		}
		if opts.JSON {
			out.Logs = append(out.Logs, JSONOf(r))
		} else if err := WriteText(w, r, opts.Quiet, opts.Width); err != nil {
			return err
		}
		prog.log()
		return nil
	})
	prog.clear()
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

// runProgress counts what a run has done for its progress line. Several
// logs' calls report to it at once (jobs above 1): it locks.
type runProgress struct {
	mu                    sync.Mutex
	p                     Progress
	logs, logsDone        int
	totalCalls, callsDone int
	diverged, unverified  int
}

func newRunProgress(p Progress, logs int) *runProgress {
	if p == nil {
		p = noProgress{}
	}
	return &runProgress{p: p, logs: logs}
}

func (r *runProgress) calls(n int) {
	r.mu.Lock()
	r.totalCalls += n
	r.mu.Unlock()
}

func (r *runProgress) call(c CallDone) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.callsDone++
	if c.Diverged {
		r.diverged++
	}
	if c.Failed {
		r.unverified++
	}
	r.p.Show(r.line())
}

func (r *runProgress) log() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logsDone++
	r.p.Show(r.line())
}

func (r *runProgress) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.Clear()
}

// line is the progress line: of one log, its calls; of several, the logs
// and the calls verified so far.
func (r *runProgress) line() string {
	var s string
	if r.logs == 1 {
		s = fmt.Sprintf("verify %s %d/%d calls, %d diverged", progress.Bar(r.callsDone, r.totalCalls, barWidth),
			r.callsDone, r.totalCalls, r.diverged)
	} else {
		s = fmt.Sprintf("verify %s %d/%d logs, %d calls, %d diverged", progress.Bar(r.logsDone, r.logs, barWidth),
			r.logsDone, r.logs, r.callsDone, r.diverged)
	}
	if r.unverified > 0 {
		s += fmt.Sprintf(", %d not verified", r.unverified)
	}
	return s
}

const barWidth = 30

type noProgress struct{}

func (noProgress) Show(string) {}
func (noProgress) Clear()      {}
