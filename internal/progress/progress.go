// Package progress shows a long run's progress on one line: rewritten in
// place on a terminal, a plain line now and then elsewhere. Both commands
// use it (a live call's media); Task is the line of a command that may run
// long (verify, export, explore), on a terminal and after a second.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
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

// Task is the progress line of a command that may run long (verify,
// export, explore): on a terminal only, and only once the task has run
// for a while — a short run prints nothing — then redrawn at most every
// Redraw. Off a terminal (a pipe, a file) it writes nothing. Its methods
// are safe for concurrent use, and do nothing on a nil *Task.
type Task struct {
	mu    sync.Mutex
	p     *Progress
	start time.Time
	last  time.Time
	after time.Duration
	now   func() time.Time
}

// Redraw is the shortest time between two redraws of a Task's line.
const Redraw = 100 * time.Millisecond

// NewTask returns the progress of a task starting now, shown on w after
// the task has run for after (about a second suits a command), and only
// when tty says w is a terminal.
func NewTask(w io.Writer, tty bool, after time.Duration) *Task {
	if !tty {
		return nil
	}
	return &Task{p: New(w, true, 0), start: time.Now(), after: after, now: time.Now}
}

// Due reports whether a line shown now would be drawn: a caller whose
// line costs something to build asks first.
func (t *Task) Due() bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dueLocked(t.now())
}

func (t *Task) dueLocked(now time.Time) bool {
	return now.Sub(t.start) >= t.after && now.Sub(t.last) >= Redraw
}

// Show replaces the line with line when it is due (see Due).
func (t *Task) Show(line string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now := t.now(); t.dueLocked(now) {
		t.last = now
		t.p.Show(line)
	}
}

// Clear erases the line, before other output or at the end.
func (t *Task) Clear() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p.Clear()
}

// Bar draws a bar of width characters, filled done/total of the way.
func Bar(done, total, width int) string {
	filled := 0
	if total > 0 {
		filled = width * min(max(done, 0), total) / total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}
