package export_test

import (
	"strings"
	"testing"

	"github.com/callrec/callrec/eventlog/export"
)

// TestMermaidDeviceLog: the diagram of one device's recording of a
// cross-process call draws its peer as a participant not recorded, and
// no message as lost.
func TestMermaidDeviceLog(t *testing.T) {
	out := exportString(t, openCall(t, "../../testdata/compat/v2/live-call-a1.db"), export.Options{Format: export.Mermaid})
	for _, want := range []string{
		"    participant P0 as A/1\n",
		"    participant P1 as B/2 (not recorded)\n",
		"    P0->>P0: SETUP (receiver not recorded)\n", // to user B, its device unknown
		"    P1->>P0: SETUP resp (sender not recorded)\n",
		"    P0-->>P1: HANGUP (receiver not recorded)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "(lost)") || strings.Contains(out, "-x") {
		t.Errorf("a message drawn lost:\n%s", out)
	}
}
