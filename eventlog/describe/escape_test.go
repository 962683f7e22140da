package describe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// TestDrawLadderEscapes: endpoint names are drawn escaped, and a name cut
// to fit its column is cut at a character, never inside one.
func TestDrawLadderEscapes(t *testing.T) {
	a := eventlog.Endpoint{User: "A\x1b]0;x\x07", Client: "1"}
	b := eventlog.Endpoint{User: "ééééééééééééééééééé", Client: "1"}
	arrows := []Arrow{{From: a, To: b, Type: econn.MsgSetup, Sent: 1, Received: 2}}
	for width := 20; width <= 80; width++ {
		var buf bytes.Buffer
		if err := DrawLadder(&buf, []eventlog.Endpoint{a, b}, arrows, width); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !utf8.ValidString(out) || strings.ContainsAny(out, "\x1b\x07") {
			t.Fatalf("width %d: %q", width, out)
		}
		if width == 80 && !strings.Contains(out, `A\x1b]0;x\x07/1`) {
			t.Fatalf("the name is not shown escaped:\n%s", out)
		}
	}
}

func TestTruncateAtACharacter(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "a", 2: "a", 3: "aé", 4: "aé", 5: "aé", 6: "aé€", 9: "aé€"} {
		if got := truncate("aé€", n); got != want {
			t.Errorf("truncate(aé€, %d) = %q, want %q", n, got, want)
		}
	}
}
