package viewer

import (
	"strings"
	"testing"

	"github.com/callrec/callrec/eventlog"
)

// paintLog opens the only call of the log file at path in the viewer,
// as `callreplay view` does, and returns its first screen, w×h.
func paintLog(t *testing.T, path string, opts Options, w, h int) string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cat := NewLogCatalog(l, nil)
	t.Cleanup(func() { cat.Close() })
	m, err := New(cat, opts)
	if err != nil {
		t.Fatal(err)
	}
	return dump(paint(t, m, w, h))
}

// ladderPane returns the screen's rows cut to the ladder pane's columns
// (the right part of each line, from the first lifeline on).
func ladderRows(screen string) []string {
	var rows []string
	for _, l := range strings.Split(screen, "\n") {
		if strings.ContainsAny(l, "│┆") {
			rows = append(rows, l)
		}
	}
	return rows
}

// TestDeviceLogPeerNotRecorded: one device's recording of a cross-process
// call (issue 12) shows its peer as a column not recorded, with a dotted
// lifeline, and its messages to and from it as arrows ending in '?', none
// lost.
func TestDeviceLogPeerNotRecorded(t *testing.T) {
	screen := paintLog(t, "../testdata/compat/v2/live-call-a1.db", Options{}, 120, 60)
	title := strings.SplitN(screen, "\n", 2)[0]
	if !strings.Contains(title, "A/1 B/2 (not recorded)") {
		t.Errorf("title does not name B/2 as not recorded: %q", title)
	}
	if strings.Contains(screen, "╳") {
		t.Errorf("a message drawn lost:\n%s", screen)
	}
	var arrows, dotted int
	for _, r := range ladderRows(screen) {
		if strings.Contains(r, "┆") {
			dotted++
		}
		// A message row: the summary says so; its arrow ends in '?'
		// at B/2's lifeline.
		if strings.Contains(r, "send SETUP") || strings.Contains(r, "send PROPSYNC") && strings.Contains(r, "via") ||
			strings.Contains(r, "send HANGUP") || strings.Contains(r, " recv ") || strings.Contains(r, "PROPSYNC r") && strings.Contains(r, "from B/2") {
			arrows++
			if !strings.Contains(r, "?┆") {
				t.Errorf("an arrow to or from B/2 not marked not recorded: %q", r)
			}
		}
	}
	if dotted == 0 || arrows != 8 { // SETUP, two PROPSYNCs, HANGUP and their responses
		t.Errorf("%d rows with B/2's dotted lifeline, %d arrows:\n%s", dotted, arrows, screen)
	}
}

// TestLostMessageDrawnLost: in a simulation every device is in the log:
// the HANGUP the scenario drops is drawn lost, the messages around it
// received.
func TestLostMessageDrawnLost(t *testing.T) {
	screen := paintLog(t, "../testdata/golden/31-hangup-lost.log", Options{At: 40}, 120, 30)
	var lost []string
	for _, r := range ladderRows(screen) {
		if strings.Contains(r, "╳") {
			lost = append(lost, r)
		}
		if strings.Contains(r, "?") || strings.Contains(r, "┆") {
			t.Errorf("a device drawn as not recorded: %q", r)
		}
	}
	if len(lost) != 1 || !strings.Contains(lost[0], "HANGUP") || strings.Contains(lost[0], "resp") {
		t.Errorf("lost rows %q, want the one HANGUP:\n%s", lost, screen)
	}
}
