package viewer

import (
	"strings"
	"testing"
)

// TestNoteDetailSaysTextOnce: a note's summary is its text, which the
// detail pane shows with the attributes; it is not repeated above them.
func TestNoteDetailSaysTextOnce(t *testing.T) {
	m, _ := openGlare(t, Options{At: 26})
	text := linesText(m.detailPane())
	if n := strings.Count(text, "data channel open"); n != 1 {
		t.Errorf("the note's text shows %d times in the detail pane, want once:\n%s", n, text)
	}
	if !strings.Contains(text, "label: calling-3.0") {
		t.Errorf("the note's attributes are missing:\n%s", text)
	}
}
