// Package progress shows a long run's progress on one line: rewritten in
// place on a terminal, a plain line now and then elsewhere. Both commands
// use it (a live call's media, verify's logs).
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/callrec/callrec/internal/safetext"
)

// Progress is a one-line progress report: on a terminal, one line
// rewritten in place with \r; elsewhere a plain line at most every Every,
// or nothing when Every is zero.
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	last  time.Time
	width int // of the line on the terminal
}

// New returns a progress report on w; tty says whether w is a
// terminal.
func New(w io.Writer, tty bool, every time.Duration) *Progress {
	return &Progress{w: w, tty: tty, every: every}
}

// Show replaces the progress line with line, escaped for a terminal: a
// live call's line names the peers, whose ids come from the network.
func (p *Progress) Show(line string) {
	line = safetext.Escape(line)
	if p.tty {
		pad := max(p.width-len(line), 0)
		p.width = len(line)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		return
	}
	if p.every > 0 && time.Since(p.last) >= p.every {
		p.last = time.Now()
		fmt.Fprintln(p.w, line)
	}
}

// Clear erases the progress line, before other output or at the end.
func (p *Progress) Clear() {
	if p.tty && p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}
