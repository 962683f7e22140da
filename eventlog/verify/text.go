package verify

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/internal/safetext"
)

// WriteText prints a log's result for people: a line per call that could
// not be verified (even when quiet) naming its damage and first bad event,
// a line per call that replays exactly (unless quiet), the first diverging
// step of every call that does not, in width columns. A log that could not
// be read is left to the caller, which reports the error. Text from the log
// (ids, sentences, the message, the damage) is escaped for a terminal
// (package safetext).
func WriteText(w io.Writer, r LogResult, quiet bool, width int) error {
	var b bytes.Buffer // one write per log: the caller sees the error
	for _, c := range r.Unverified {
		writeUnverified(&b, r.Path, c)
	}
	for i := range r.Calls {
		c := &r.Calls[i]
		if c.OK() {
			if !quiet {
				fmt.Fprintf(&b, "ok        %s  call %s  format v%d  %d events, %d steps\n",
					esc(r.Path), esc(c.CallID), c.FormatVersion, c.Events, c.Steps)
			}
			continue
		}
		writeDivergence(&b, r.Path, c, width)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteSummary prints the last line of a verify run.
func WriteSummary(w io.Writer, s Summary, elapsed time.Duration) error {
	fmt.Fprintf(w, "verified %s (%d events, %d steps) in %s in %s: %d ok, %d diverged",
		plural(s.Calls, "call"), s.Events, s.Steps, plural(s.Logs, "log"), elapsed.Round(time.Millisecond),
		s.OK(), s.Diverged)
	if s.Damaged > 0 {
		fmt.Fprintf(w, ", %s damaged", plural(s.Damaged, "call"))
	}
	if s.UnreadableCalls > 0 {
		fmt.Fprintf(w, ", %s unreadable", plural(s.UnreadableCalls, "call"))
	}
	if s.Unreadable > 0 {
		fmt.Fprintf(w, ", %s unreadable", plural(s.Unreadable, "log"))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// writeUnverified prints a call that could not be verified: where it is
// damaged and how, or why it could not be read.
func writeUnverified(w io.Writer, path string, c CallError) {
	d := c.Damage()
	switch {
	case d == nil:
		// The error names the call already (replay.Verify's "call X: ..."):
		// the line says it once.
		why := strings.TrimPrefix(fmt.Sprint(c.Err), "call "+c.CallID+": ")
		fmt.Fprintf(w, "UNREADABLE  %s  call %s  %s\n", esc(path), esc(c.CallID), esc(why))
	case d.HasSeq:
		fmt.Fprintf(w, "DAMAGED   %s  call %s  event %d: %s\n", esc(path), esc(c.CallID), d.Seq, esc(d.Problem))
	default:
		fmt.Fprintf(w, "DAMAGED   %s  call %s  %s\n", esc(path), esc(c.CallID), esc(d.Problem))
	}
}

// writeDivergence prints a call's first diverging step: where, the input,
// the state before, and the outputs side by side with the differing row
// marked, then the fields that differ.
func writeDivergence(w io.Writer, path string, c *replay.Report, width int) {
	st := c.First
	ev := st.Input
	fmt.Fprintf(w, "DIVERGED  %s  call %s  format v%d  step at event %d (%s)\n", esc(path), esc(c.CallID), c.FormatVersion, ev.Seq, esc(st.Conn.String()))
	fmt.Fprintf(w, "  input:   #%d %+.3fs %s %s %s\n", ev.Seq, ev.At.Seconds(), esc(ev.Endpoint.String()), esc(ev.Conn), esc(describe.Sentence(ev)))
	if ri, ok := ev.Input.(eventlog.RecvInput); ok {
		fmt.Fprintf(w, "  message: %s\n", clip(esc(string(ri.Data)), max(width-11, 40)))
	}
	if st.Created {
		fmt.Fprintf(w, "  before:  (the connection did not exist)\n")
	} else {
		fmt.Fprintf(w, "  before:  %s\n", esc(st.Before.String()))
	}
	fmt.Fprintf(w, "  why:     %s\n", esc(st.Divergence.Reason))
	if st.Err != nil {
		fmt.Fprintf(w, "  error:   %s\n", esc(st.Err.Error()))
	}
	writeSideBySide(w, &st.Step, width)
	if i := st.Divergence.Index; i >= 0 && i < len(st.Recorded) && i < len(st.Replayed) {
		fmt.Fprintf(w, "  output %d differs in:\n", i+1)
		for _, d := range FieldDiffs(st.Recorded[i].Output, st.Replayed[i]) {
			fmt.Fprintf(w, "    %-16s recorded %s\n    %-16s replayed %s\n", esc(d.Field), clip(esc(d.Recorded), width-30), "", clip(esc(d.Replayed), width-30))
		}
	}
	if c.Divergences > 1 {
		fmt.Fprintf(w, "  (%d more diverging steps in this call)\n", c.Divergences-1)
	}
}

// writeSideBySide prints the recorded and replayed outputs in two columns,
// a "!" before the rows that differ.
func writeSideBySide(w io.Writer, st *replay.Step, width int) {
	colW := max((width-8)/2, 24)
	fmt.Fprintf(w, "      %-*s | %s\n", colW, "recorded", "replayed")
	for i := range max(len(st.Recorded), len(st.Replayed)) {
		var rec, rep econn.Output
		left, right := "", ""
		if i < len(st.Recorded) {
			rec = st.Recorded[i].Output
			left = esc(describe.Sentence(st.Recorded[i]))
		}
		if i < len(st.Replayed) {
			rep = st.Replayed[i]
			right = esc(rep.Describe())
		}
		mark := " "
		if i >= len(st.Recorded) || i >= len(st.Replayed) || !replay.EqualOutput(rec, rep) {
			mark = "!"
		}
		fmt.Fprintf(w, "  %s%2d %-*s | %s\n", mark, i+1, colW, clip(left, colW), clip(right, colW))
	}
}

// esc escapes text from the log for a terminal.
func esc(s string) string { return safetext.Escape(s) }

func clip(s string, n int) string {
	n = max(n, 8)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// plural renders "1 log", "2 logs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
