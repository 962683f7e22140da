package merge_test

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
)

var figureDir = flag.String("figure-dir", "", "write the device logs of BENCHMARKS.md's merge figure into this directory")

// TestFigureLogs writes the inputs of the merge figure (BENCHMARKS.md): a
// simulated call of about 200,000 events recorded as its two devices do,
// about 100,000 events each, a1.db and b1.db. It runs only when asked:
//
//	go test ./eventlog/merge -run FigureLogs -figure-dir /tmp/fig
//	/usr/bin/time -f '%e s %M KB' bin/callreplay merge /tmp/fig/a1.db /tmp/fig/b1.db --out /tmp/fig/m.db
func TestFigureLogs(t *testing.T) {
	if *figureDir == "" {
		t.Skip("no -figure-dir")
	}
	meta, evs := simCall(t, simtest.LongCall(200_000), 1)
	writeDevices(t, filepath.Join(*figureDir, "a1.db"), device{meta: meta, events: evs, ep: a1, id: "call-0001", conv: "c1"})
	writeDevices(t, filepath.Join(*figureDir, "b1.db"), device{meta: meta, events: evs, ep: b1, id: "call-0001", conv: "c1"})
	t.Logf("%d events: %d of A/1, %d of B/1", len(evs), len(ofDevice(meta, evs, a1)), len(ofDevice(meta, evs, b1)))
}
