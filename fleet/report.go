package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callrec/callrec/internal/safetext"
)

// WriteText prints a run's report for people, in the order of the calls'
// start: a line per call that replays exactly (unless quiet); for a call
// that diverges, the first diverging step of each diverging recording as
// `callreplay verify` prints it; a line per damaged recording and per
// failed job; then the totals. Text from the fleet is escaped for a
// terminal.
func (r *VerifyReport) WriteText(w io.Writer, quiet bool) error {
	var b strings.Builder
	for i := range r.Results {
		writeResult(&b, &r.Results[i], quiet)
	}
	fmt.Fprintf(&b, "fleet verified %s (%d events, %d steps) in %s: %d ok, %d diverged, %d damaged, %d failed",
		plural(len(r.Results), "call"), r.events(), r.steps(), r.Elapsed.Round(time.Millisecond),
		r.Count(StatusOK), r.Count(StatusDiverged), r.Count(StatusDamaged), r.Count(StatusFailed))
	if r.Recording > 0 {
		fmt.Fprintf(&b, "; %s still recording, not verified", plural(r.Recording, "call"))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeResult prints one call's result.
func writeResult(b *strings.Builder, res *Result, quiet bool) {
	id := esc(res.Call)
	switch res.Status {
	case StatusOK:
		if !quiet {
			fmt.Fprintf(b, "ok        %s  %s  %d events, %d steps\n", id, plural(len(res.Recordings), "recording"), res.Events, res.Steps)
		}
		return
	case StatusFailed:
		fmt.Fprintf(b, "FAILED    %s  %s\n", id, esc(res.Error))
		return
	}
	for _, rr := range res.Recordings {
		switch rr.Status {
		case StatusDamaged:
			fmt.Fprintf(b, "DAMAGED   %s  recording %s (%s)  %s\n", id, esc(rr.Rec), esc(strings.Join(rr.Devices, ",")), esc(rr.Damage))
		case StatusDiverged:
			// The worker printed it as verify does, escaped; a line at a
			// time keeps its lines and anything else visible.
			for _, line := range strings.SplitAfter(strings.TrimSuffix(rr.Text, "\n"), "\n") {
				b.WriteString(esc(strings.TrimSuffix(line, "\n")) + "\n")
			}
		}
	}
}

func (r *VerifyReport) events() (n uint64) {
	for i := range r.Results {
		n += r.Results[i].Events
	}
	return n
}

func (r *VerifyReport) steps() (n uint64) {
	for i := range r.Results {
		n += r.Results[i].Steps
	}
	return n
}

// VerifyJSON is a run's report as `fleet verify --json` prints it.
type VerifyJSON struct {
	Run     string      `json:"run"`
	Calls   []Result    `json:"calls"`
	Summary SummaryJSON `json:"summary"`
}

// SummaryJSON is the totals of a run.
type SummaryJSON struct {
	Calls     int    `json:"calls"`
	OK        int    `json:"ok"`
	Diverged  int    `json:"diverged"`
	Damaged   int    `json:"damaged"`
	Failed    int    `json:"failed"`
	Recording int    `json:"recording"` // calls left out: still being recorded
	Events    uint64 `json:"events"`
	Steps     uint64 `json:"steps"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// WriteJSON prints the report as one indented JSON object.
func (r *VerifyReport) WriteJSON(w io.Writer) error {
	out := VerifyJSON{Run: r.Run, Calls: r.Results, Summary: SummaryJSON{Calls: len(r.Results),
		OK: r.Count(StatusOK), Diverged: r.Count(StatusDiverged), Damaged: r.Count(StatusDamaged),
		Failed: r.Count(StatusFailed), Recording: r.Recording, Events: r.events(), Steps: r.steps(),
		ElapsedMS: r.Elapsed.Milliseconds()}}
	if out.Calls == nil {
		out.Calls = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func esc(s string) string { return safetext.Escape(s) }

// plural renders "1 call", "2 calls".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
