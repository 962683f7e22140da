package viewer

import (
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// skewedCall is a call in which B/1's clock runs 3.2 s ahead of A/1's
// and every message takes 40 ms.
const skewedCall = `clients A/1 B/1
config B/1 clock-offset=+3.2s
fault delay by=40ms
start A/1
advance 1s
answer B/1
advance 1s
end A/1
advance 10s
`

// A call whose devices recorded on different clocks is shown aligned, and
// the title bar says by how much each device was shifted.
func TestViewerAlignsClocks(t *testing.T) {
	cat := openLog(t, writeLog(t, simtest.Call{ID: "skew", Scenario: skewedCall}))
	m, err := New(cat, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b1 := eventlog.Endpoint{User: "B", Client: "1"}
	rows, err := m.src.Rows(0, m.src.Len())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		// B/1 hears the SETUP 40 ms after A/1 sent it at 0: on its own
		// clock that was 3.24 s.
		if r.Event.Endpoint == b1 && r.Event.Type == eventlog.TypeRecv {
			if r.Event.At != 40e6 {
				t.Errorf("B/1's first receive at %v, want 40ms on A/1's clock", r.Event.At)
			}
			break
		}
	}
	title := strings.SplitN(dump(paint(t, m, 160, 24)), "\n", 2)[0]
	if !strings.Contains(title, "│ clocks shifted to A/1: B/1 -3.2s±40ms") {
		t.Errorf("title bar %q does not say how the clocks were shifted", title)
	}

	// One clock: nothing said, nothing moved.
	cat = openLog(t, writeLog(t, simtest.Call{ID: "one", Scenario: simtest.Glare}))
	if m, err = New(cat, Options{}); err != nil {
		t.Fatal(err)
	}
	if title := strings.SplitN(dump(paint(t, m, 160, 24)), "\n", 2)[0]; strings.Contains(title, "clocks") {
		t.Errorf("title bar of a one-clock call: %q", title)
	}
}
