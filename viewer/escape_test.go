package viewer

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"

	"github.com/callrec/callrec/ecall/sim/simtest"
)

// hostileCallID is a call id holding a sequence that retitles a
// terminal's window.
const hostileCallID = "call\x1b]0;pwned\x07"

// cellText returns the strings of the screen's cells as a terminal
// screen writes them to the terminal, one line per row. (GetContents,
// which dump reads, is the simulated terminal's view, which shows
// control characters as blanks: the bytes sent are what matter.)
func cellText(scr tcell.SimulationScreen) string {
	w, h := scr.Size()
	var b strings.Builder
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s, _, _ := scr.Get(x, y)
			b.WriteString(s)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// checkInert fails unless screen holds only text a terminal shows as it
// is: valid UTF-8 without C0 (but the newlines between rows), DEL, C1 or
// bidi controls.
func checkInert(t *testing.T, what, screen string) {
	t.Helper()
	if !utf8.ValidString(screen) {
		t.Fatalf("%s: the screen holds bytes that are not UTF-8:\n%s", what, screen)
	}
	for _, r := range screen {
		if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x061c || r == 0x200e || r == 0x200f ||
			r >= 0x2028 && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("%s: the screen holds %U:\n%q", what, r, screen)
		}
	}
}

// TestHostileTextIsDrawnEscaped draws every event of simtest.Hostile, in
// the main view and zoomed, and the call list: no control or bidi
// character a peer recorded reaches the screen, and the forged session
// id is shown, escaped.
func TestHostileTextIsDrawnEscaped(t *testing.T) {
	cat := openLog(t, writeLog(t, simtest.Call{ID: hostileCallID, Scenario: simtest.Hostile},
		simtest.Call{ID: "glare", Scenario: simtest.Glare}))
	list, err := New(cat, Options{})
	if err != nil || !list.InCallList() {
		t.Fatalf("call list: %v", err)
	}
	scr := paint(t, list, 120, 40)
	screen := dump(scr)
	checkInert(t, "call list", cellText(scr))
	if !strings.Contains(screen, `call\x1b]0;pwned\x07`) {
		t.Fatalf("the call list does not show the call id escaped:\n%s", screen)
	}
	src, err := cat.Open(hostileCallID)
	if err != nil {
		t.Fatal(err)
	}
	shown := false
	for seq := uint64(1); seq <= uint64(src.Len()); seq++ {
		m, err := New(cat, Options{Call: hostileCallID, At: seq})
		if err != nil {
			t.Fatal(err)
		}
		for m.Tick() {
		}
		scr := paint(t, m, 120, 40)
		screen := dump(scr)
		checkInert(t, fmt.Sprintf("event %d", seq), cellText(scr))
		shown = shown || strings.Contains(screen, `sess \x1b]52;c;SGVsbG8=\x07`)
		press(m, "z")
		checkInert(t, fmt.Sprintf("event %d zoomed", seq), cellText(paint(t, m, 120, 40)))
	}
	if !shown {
		t.Fatal("no screen shows the forged session id escaped")
	}
}
