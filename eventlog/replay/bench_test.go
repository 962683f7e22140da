package replay_test

import (
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// benchEvents is the size of the call the benchmarks replay.
const benchEvents = 1_000_000

var (
	benchOnce sync.Once
	benchPath string // in a directory removed at the end
	keptPath  string // REPLAY_BENCH_LOG
	benchErr  error
)

// longLog records a simulated call of about benchEvents events into a log file, once
// per test binary; the file is removed when the benchmarks end, unless
// REPLAY_BENCH_LOG names where to write it (and keep it, to time the
// command-line tools on it).
func longLog(b *testing.B) string {
	benchOnce.Do(func() {
		if keep := os.Getenv("REPLAY_BENCH_LOG"); keep != "" {
			if err := os.Remove(keep); err != nil && !os.IsNotExist(err) {
				benchErr = err
				return
			}
			keptPath, benchErr = keep, writeLong(keep)
			return
		}
		dir, err := os.MkdirTemp("", "replay-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "long.log")
		benchErr = writeLong(benchPath)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	if keptPath != "" {
		return keptPath
	}
	return benchPath
}

func writeLong(path string) error {
	return simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(benchEvents)})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

func openLong(b *testing.B) (*eventlog.Log, *eventlog.CallReader) {
	l, err := eventlog.Open(longLog(b), 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	r, err := l.OnlyCall()
	if err != nil {
		b.Fatal(err)
	}
	return l, r
}

// BenchmarkReplayForward replays the whole call from the log file:
// reading, decoding events and messages, stepping and comparing.
func BenchmarkReplayForward(b *testing.B) {
	l, r := openLong(b)
	defer l.Close()
	defer r.Close()
	b.ReportAllocs()
	b.ResetTimer()
	var events uint64
	for b.Loop() {
		rp := replay.NewReplayer(replay.Reader(r))
		for rp.Next() {
			if rp.Step().Divergence != nil {
				b.Fatal("divergence")
			}
		}
		if err := rp.Err(); err != nil {
			b.Fatal(err)
		}
		events += rp.Events()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReplayForwardMemory is the engine alone: the events are
// already decoded in memory (100,000 of them).
func BenchmarkReplayForwardMemory(b *testing.B) {
	src := record(b, simtest.LongCall(100_000))
	b.ReportAllocs()
	b.ResetTimer()
	var events uint64
	for b.Loop() {
		rp := replay.NewReplayer(src)
		for rp.Next() {
		}
		events += rp.Events()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIndexAt asks for the state of every connection at random
// events of the call, after the index has been built.
func BenchmarkIndexAt(b *testing.B) {
	l, r := openLong(b)
	defer l.Close()
	defer r.Close()
	src := replay.Reader(r)
	ix := replay.NewIndex(src, nil)
	start := time.Now()
	if _, err := ix.At(src.Count()); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	rng := rand.New(rand.NewSource(1))
	var worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		seq := 1 + uint64(rng.Int63n(int64(src.Count())))
		t0 := time.Now()
		if _, err := ix.At(seq); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(t0))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	b.ReportMetric(build.Seconds(), "build-s")
}

// BenchmarkIndexStepAt is BenchmarkIndexAt for the step of an event, with
// its recorded and replayed outputs.
func BenchmarkIndexStepAt(b *testing.B) {
	l, r := openLong(b)
	defer l.Close()
	defer r.Close()
	src := replay.Reader(r)
	ix := replay.NewIndex(src, nil)
	if _, err := ix.At(src.Count()); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	var worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		seq := 1 + uint64(rng.Int63n(int64(src.Count())))
		t0 := time.Now()
		if _, err := ix.StepAt(seq); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(t0))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
