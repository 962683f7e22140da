package sim

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
)

const twoPartyCall = `clients A/1 B/1
start A/1
run
answer B/1
run
advance 100ms
end A/1
run
advance 6s
`

// BenchmarkSimCall: one simulated two-party call with hang-up, per op,
// without recording.
func BenchmarkSimCall(b *testing.B) {
	sc, err := ParseString("call.txt", twoPartyCall)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(sc, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkSimCallRecorded: the same call recorded into a bbolt log, one
// call per op, each flushed durably when it ends (fsync per call).
func BenchmarkSimCallRecorded(b *testing.B) { benchRecorded(b, false) }

// BenchmarkSimCallRecordedNoSync: recorded without fsync: what recording
// costs in CPU (encoding, bbolt pages), apart from the disk.
func BenchmarkSimCallRecordedNoSync(b *testing.B) { benchRecorded(b, true) }

func benchRecorded(b *testing.B, noSync bool) {
	sc, err := ParseString("call.txt", twoPartyCall)
	if err != nil {
		b.Fatal(err)
	}
	opts := &eventlog.Options{BatchDelay: time.Hour, NoSync: noSync}
	log, err := eventlog.Open(filepath.Join(b.TempDir(), "bench.db"), 0o644, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(sc, Options{Seed: 1, Log: log}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkExplore: one random scenario with invariant checks per op.
func BenchmarkExplore(b *testing.B) {
	seed := int64(0)
	for b.Loop() {
		seed++
		if v := Explore(seed); v != nil {
			b.Fatal(v)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
}
