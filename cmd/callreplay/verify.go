package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/replay"
)

type verifyOptions struct {
	ios   *ioStreams
	Logs  []string
	Jobs  int
	Quiet bool
}

func newVerifyCmd(ios *ioStreams, runF func(*verifyOptions) error) *cobra.Command {
	opts := &verifyOptions{ios: ios}
	cmd := &cobra.Command{
		Use:   "verify LOG...",
		Short: "Replay every call and compare its outputs with the record",
		Long: "Replay every call of every log through the current ECONN code and compare the\n" +
			"outputs step by step with the recorded ones. For the first divergence of a call\n" +
			"it prints the step, its input, the state before, and the recorded and replayed\n" +
			"outputs side by side. Exit status: 0 all replay exactly, 1 a call diverged,\n" +
			"3 a log could not be read.",
		Example: "  callreplay verify call.log\n  callreplay verify testdata/golden/*.log --jobs 4",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Logs = args
			if opts.Jobs < 1 {
				return usageError{fmt.Errorf("--jobs %d: want at least 1", opts.Jobs)}
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Jobs, "jobs", "j", runtime.NumCPU(), "logs verified in parallel")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print only divergences, errors and the summary")
	return cmd
}

// logResult is what verifying one log found; report is printed as is.
type logResult struct {
	report                         bytes.Buffer
	calls, diverged, events, steps uint64
	err                            error
}

func verifyRun(opts *verifyOptions) error {
	start := time.Now()
	results := make([]*logResult, len(opts.Logs))
	done := make([]chan struct{}, len(opts.Logs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Jobs, len(opts.Logs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = verifyLog(opts.Logs[i], opts.Quiet, opts.ios.outWidth())
				close(done[i])
			}
		}()
	}
	go func() {
		for i := range opts.Logs {
			jobs <- i
		}
		close(jobs)
	}()
	prog := newProgress(opts.ios, len(opts.Logs))
	var sum logResult
	var failed int
	var firstErr error
	for i, path := range opts.Logs {
		<-done[i]
		r := results[i]
		prog.clear()
		if r.err != nil {
			failed++
			if firstErr == nil {
				firstErr = inputError{r.err}
			}
			fmt.Fprintf(opts.ios.Out, "ERROR     %s: %s\n", path, oneLine(r.err.Error()))
		}
		if _, err := opts.ios.Out.Write(r.report.Bytes()); err != nil {
			return err
		}
		sum.calls += r.calls
		sum.diverged += r.diverged
		sum.events += r.events
		sum.steps += r.steps
		prog.show(i+1, sum.diverged)
	}
	wg.Wait()
	prog.clear()
	fmt.Fprintf(opts.ios.Out, "verified %s (%d events, %d steps) in %s in %s: %d ok, %d diverged",
		plural(int(sum.calls), "call"), sum.events, sum.steps, plural(len(opts.Logs), "log"), time.Since(start).Round(time.Millisecond),
		sum.calls-sum.diverged, sum.diverged)
	if failed > 0 {
		fmt.Fprintf(opts.ios.Out, ", %s unreadable", plural(failed, "log"))
	}
	fmt.Fprintln(opts.ios.Out)
	switch {
	case failed == 1:
		return firstErr
	case failed > 1:
		return fmt.Errorf("%w: %d of %d logs could not be verified", errInput, failed, len(opts.Logs))
	case sum.diverged > 0:
		return errDiverged
	}
	return nil
}

// verifyLog replays every call of one log.
func verifyLog(path string, quiet bool, width int) *logResult {
	res := &logResult{}
	l, err := openLog(path)
	if err != nil {
		res.err = err
		return res
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		res.err = err
		return res
	}
	for _, info := range infos {
		if err := verifyCall(res, l, path, info.Meta.ID, quiet, width); err != nil {
			res.err = err
			return res
		}
	}
	return res
}

func verifyCall(res *logResult, l *eventlog.Log, path, id string, quiet bool, width int) error {
	cr, err := l.Call(id)
	if err != nil {
		return err
	}
	defer cr.Close()
	res.calls++
	rp := replay.NewReplayer(replay.Reader(cr))
	var first *replay.Step
	for rp.Next() {
		if st := rp.Step(); st.Divergence != nil && first == nil {
			first = copyStep(st)
		}
	}
	res.events += rp.Events()
	res.steps += rp.Steps()
	if err := rp.Err(); err != nil {
		return fmt.Errorf("call %s: %w", id, err)
	}
	if first == nil {
		if !quiet {
			fmt.Fprintf(&res.report, "ok        %s  call %s  %d events, %d steps\n", path, id, rp.Events(), rp.Steps())
		}
		return nil
	}
	res.diverged++
	writeDivergence(&res.report, path, id, first, rp.Divergences(), width)
	return nil
}

func copyStep(st *replay.Step) *replay.Step {
	c := *st
	c.Recorded = append([]eventlog.Event(nil), st.Recorded...)
	c.Replayed = append([]econn.Output(nil), st.Replayed...)
	return &c
}

// writeDivergence prints one diverging step: where, the input, the state
// before, and the outputs side by side with the differing row marked.
func writeDivergence(w io.Writer, path, id string, st *replay.Step, total uint64, width int) {
	ev := st.Input
	fmt.Fprintf(w, "DIVERGED  %s  call %s  step at event %d (%s)\n", path, id, ev.Seq, st.Conn)
	fmt.Fprintf(w, "  input:   #%d %+.3fs %s %s %s\n", ev.Seq, ev.At.Seconds(), ev.Endpoint, ev.Conn, describe.Sentence(ev))
	if ri, ok := ev.Input.(eventlog.RecvInput); ok {
		fmt.Fprintf(w, "  message: %s\n", clip(strings.ToValidUTF8(string(ri.Data), "?"), max(width-11, 40)))
	}
	if st.Created {
		fmt.Fprintf(w, "  before:  (the connection did not exist)\n")
	} else {
		fmt.Fprintf(w, "  before:  %s\n", st.Before)
	}
	fmt.Fprintf(w, "  why:     %s\n", st.Divergence.Reason)
	if st.Err != nil {
		fmt.Fprintf(w, "  error:   %v\n", st.Err)
	}
	colW := max((width-8)/2, 24)
	fmt.Fprintf(w, "      %-*s | %s\n", colW, "recorded", "replayed")
	n := max(len(st.Recorded), len(st.Replayed))
	for i := range n {
		var rec, rep econn.Output
		left, right := "", ""
		if i < len(st.Recorded) {
			rec = st.Recorded[i].Output
			left = describe.Sentence(st.Recorded[i])
		}
		if i < len(st.Replayed) {
			rep = st.Replayed[i]
			right = rep.Describe()
		}
		mark := " "
		if i >= len(st.Recorded) || i >= len(st.Replayed) || !replay.EqualOutput(rec, rep) {
			mark = "!"
		}
		fmt.Fprintf(w, "  %s%2d %-*s | %s\n", mark, i+1, colW, clip(left, colW), clip(right, colW))
	}
	if i := st.Divergence.Index; i >= 0 && i < len(st.Recorded) && i < len(st.Replayed) {
		diffs := fieldDiffs(st.Recorded[i].Output, st.Replayed[i])
		fmt.Fprintf(w, "  output %d differs in:\n", i+1)
		for _, d := range diffs {
			fmt.Fprintf(w, "    %-16s recorded %s\n    %-16s replayed %s\n", d.field, clip(d.recorded, width-30), "", clip(d.replayed, width-30))
		}
	}
	if total > 1 {
		fmt.Fprintf(w, "  (%d more diverging steps in this call)\n", total-1)
	}
}

// fieldDiff is one field of an output that differs between record and
// replay, with both values as JSON.
type fieldDiff struct{ field, recorded, replayed string }

// fieldDiffs lists the fields, flattened ("Msg.SessID"), in which two
// outputs differ; for outputs of different types, the type.
func fieldDiffs(rec, rep econn.Output) []fieldDiff {
	if rec == nil || rep == nil || rec.OutputName() != rep.OutputName() {
		return []fieldDiff{{"type", outputName(rec), outputName(rep)}}
	}
	a, b := map[string]string{}, map[string]string{}
	flatten(a, "", describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Output: rec}).Data)
	flatten(b, "", describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Output: rep}).Data)
	var diffs []fieldDiff
	for _, k := range slices.Sorted(maps.Keys(union(a, b))) {
		if a[k] != b[k] {
			diffs = append(diffs, fieldDiff{k, orNone(a[k]), orNone(b[k])})
		}
	}
	return diffs
}

func outputName(o econn.Output) string {
	if o == nil {
		return "nothing"
	}
	return o.OutputName()
}

// flatten stores v's leaves in m under dotted keys, as JSON.
func flatten(m map[string]string, prefix string, v any) {
	if obj, ok := v.(map[string]any); ok {
		for k, x := range obj {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(m, key, x)
		}
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprint(v))
	}
	m[prefix] = string(b)
}

func union(a, b map[string]string) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// progress is a one-line progress report on a terminal's stderr, redrawn
// in place with \r; it stays silent elsewhere or for a single log.
type progress struct {
	w     io.Writer
	total int
	on    bool
	last  int
}

func newProgress(ios *ioStreams, total int) *progress {
	return &progress{w: ios.Err, total: total, on: ios.ErrTerminal && total > 1}
}

func (p *progress) show(done int, diverged uint64) {
	if !p.on {
		return
	}
	const barW = 30
	filled := barW * done / p.total
	line := fmt.Sprintf("verify [%s%s] %d/%d logs, %d diverged", strings.Repeat("#", filled),
		strings.Repeat(".", barW-filled), done, p.total, diverged)
	p.last = len(line)
	fmt.Fprint(p.w, "\r"+line)
}

func (p *progress) clear() {
	if p.on && p.last > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.last)+"\r")
		p.last = 0
	}
}

// plural renders "1 log", "2 logs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
