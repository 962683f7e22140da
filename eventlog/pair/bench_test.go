package pair_test

import (
	"runtime"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
)

// longCall returns the events of a simulated call of about n events
// (ping rounds, an update every fifty), every device in it.
func longCall(tb testing.TB, n int) (eventlog.CallMeta, []eventlog.Event) {
	tb.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: "long", Scenario: simtest.LongCall(n)})
	if err != nil {
		tb.Fatal(err)
	}
	return meta, evs
}

// TestLongCallHeldIsBounded pairs a long call and checks what the
// Pairer holds: no more than its window waits, whatever the call's
// length, and its heap stays small.
//
//	go test ./eventlog/pair -run LongCall -v
func TestLongCallHeldIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a call of 100,000 events")
	}
	meta, evs := longCall(t, 100_000)
	var paired, other int
	p := pair.New(meta.Endpoints, pair.Options{Result: func(r pair.Result) {
		if r.Status == pair.Paired {
			paired++
		} else {
			other++
		}
	}})
	base := heapNow()
	var most int
	var heapMost uint64
	for i, ev := range evs {
		p.Add(ev)
		most = max(most, p.Waiting())
		if i%20_000 == 19_999 {
			heapMost = max(heapMost, heapNow())
		}
	}
	p.Flush()
	if most > pair.DefaultWindow {
		t.Errorf("%d waited at once, window %d", most, pair.DefaultWindow)
	}
	held := int64(heapMost) - int64(base)
	if held > 4<<20 {
		t.Errorf("the pairer held %d bytes", held)
	}
	// The long call injects one CANCEL (unmatched); everything else pairs.
	if paired < len(evs)/10 || other != 1 {
		t.Errorf("%d paired, %d other results of %d events", paired, other, len(evs))
	}
	t.Logf("%d events: %d paired, at most %d waiting, heap %+d B", len(evs), paired, most, held)
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkPairer pairs the events of a long call held in memory.
//
//	go test ./eventlog/pair -run '^$' -bench Pairer -benchmem
func BenchmarkPairer(b *testing.B) {
	meta, evs := longCall(b, 20_000)
	b.ResetTimer()
	for b.Loop() {
		p := pair.New(meta.Endpoints, pair.Options{})
		for _, ev := range evs {
			p.Add(ev)
		}
		p.Flush()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
}
