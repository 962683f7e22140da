package verify_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog/verify"
)

// The per-event cost of many small calls against one long call with the
// same events: a short call (A/1 calls B/1, B answers, a ping each way, A
// hangs up; 68 events) recorded benchCalls times as calls of their own,
// and the same scenario repeated benchCalls times inside one call. What
// differs is only what each call costs on its own: opening it, its
// metadata, its integrity check, a fresh replayer. The repeated long
// call carries a connection per repetition; the steady one
// (simtest.LongCall: one conversation pinging and updating, as a long
// call in the field does) has about as many events and two connections.
const benchCalls = 2000

// shortCall is one short call; repeated, it is the long one.
const shortCall = `start {A}
run
advance 2s
answer {B}
run
advance 1s
ping {A}
ping {B}
run
advance 1s
end {A}
run
advance 10s
`

var (
	benchOnce           sync.Once
	benchDir            string
	smallPath, longPath string
	steadyPath          string
	benchErr            error
)

// benchLogs writes the two logs once per test binary, in a directory
// removed by TestMain.
func benchLogs(b *testing.B) (small, long, steady string) {
	benchOnce.Do(func() {
		if benchDir, benchErr = os.MkdirTemp("", "verify-bench"); benchErr != nil {
			return
		}
		unit := strings.NewReplacer("{A}", "A/1", "{B}", "B/1").Replace(shortCall)
		head := "clients A/1 B/1\n"
		calls := make([]simtest.Call, benchCalls)
		for i := range calls {
			calls[i] = simtest.Call{ID: fmt.Sprintf("c%05d", i), Scenario: head + unit}
		}
		smallPath, longPath = filepath.Join(benchDir, "small.log"), filepath.Join(benchDir, "long.log")
		if benchErr = simtest.WriteLog(smallPath, calls...); benchErr != nil {
			return
		}
		if benchErr = simtest.WriteLog(longPath, simtest.Call{ID: "long", Scenario: head + strings.Repeat(unit, benchCalls)}); benchErr != nil {
			return
		}
		steadyPath = filepath.Join(benchDir, "steady.log")
		benchErr = simtest.WriteLog(steadyPath, simtest.Call{ID: "steady", Scenario: simtest.LongCall(68 * benchCalls)})
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return smallPath, longPath, steadyPath
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// verifyTimed verifies the log at path and returns the CPU time per event
// (the process's, the garbage collector's included): on a loaded machine
// steadier than wall time.
func verifyTimed(b *testing.B, path string, calls int) float64 {
	start := cpuTime(b)
	r := verify.Log(path, open)
	d := cpuTime(b) - start
	var sum verify.Summary
	sum.Add(r)
	if r.Err != nil || sum.Calls != calls || sum.OK() != calls {
		b.Fatalf("%s: %+v", path, sum)
	}
	return float64(d.Nanoseconds()) / float64(sum.Events)
}

// BenchmarkVerifySmallVsLong verifies the two logs one after the other in
// every iteration, so each ratio comes from an interleaved pair; run it
// with -cpu 1 for the cost per event of one core:
//
//	go test ./eventlog/verify -run '^$' -bench SmallVsLong -cpu 1 -benchtime 5x -count 5
func BenchmarkVerifySmallVsLong(b *testing.B) {
	small, long, steady := benchLogs(b)
	var ratios, steadyRatios, smallNS, longNS, steadyNS float64
	n := 0
	for b.Loop() {
		s, l, st := verifyTimed(b, small, benchCalls), verifyTimed(b, long, 1), verifyTimed(b, steady, 1)
		smallNS, longNS, steadyNS = smallNS+s, longNS+l, steadyNS+st
		ratios, steadyRatios = ratios+s/l, steadyRatios+s/st
		n++
	}
	b.ReportMetric(smallNS/float64(n), "small-cpu-ns/event")
	b.ReportMetric(longNS/float64(n), "long-cpu-ns/event")
	b.ReportMetric(steadyNS/float64(n), "steady-cpu-ns/event")
	b.ReportMetric(ratios/float64(n), "small/long")
	b.ReportMetric(steadyRatios/float64(n), "small/steady")
}

// BenchmarkVerifyEveryCore verifies the log of 2,000 small calls on one
// core (GOMAXPROCS=1) and then on every core, in every iteration, so
// each ratio comes from an interleaved pair in one run; the goal is 1.7
// on two cores. (The end-to-end figure, the command on a 10,000-call
// log, is in BENCHMARKS.md.)
//
//	go test ./eventlog/verify -run '^$' -bench EveryCore -benchtime 10x
func BenchmarkVerifyEveryCore(b *testing.B) {
	small, _, _ := benchLogs(b)
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	var one, every, ratios float64
	n := 0
	for b.Loop() {
		runtime.GOMAXPROCS(1)
		t1 := verifyWall(b, small)
		runtime.GOMAXPROCS(procs)
		tn := verifyWall(b, small)
		one, every, ratios = one+t1.Seconds(), every+tn.Seconds(), ratios+t1.Seconds()/tn.Seconds()
		n++
	}
	b.ReportMetric(one/float64(n)*1e3, "1-core-ms")
	b.ReportMetric(every/float64(n)*1e3, "every-core-ms")
	b.ReportMetric(ratios/float64(n), "speedup")
}

// verifyWall verifies the log at path, all of whose calls replay, and
// returns the wall time it took.
func verifyWall(b *testing.B, path string) time.Duration {
	runtime.GC() // each side starts from the same heap
	start := time.Now()
	r := verify.Log(path, open)
	d := time.Since(start)
	var sum verify.Summary
	sum.Add(r)
	if r.Err != nil || sum.OK() != sum.Calls {
		b.Fatalf("%s: %+v", path, sum)
	}
	return d
}

// BenchmarkVerifyLog verifies one of the two logs per run, to profile
// each alone:
//
//	go test ./eventlog/verify -run '^$' -bench 'VerifyLog/small' -cpu 1 -cpuprofile small.prof
func BenchmarkVerifyLog(b *testing.B) {
	small, long, steady := benchLogs(b)
	for _, c := range []struct {
		name  string
		path  string
		calls int
	}{{"small", small, benchCalls}, {"long", long, 1}, {"steady", steady, 1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var ns float64
			for b.Loop() {
				ns += verifyTimed(b, c.path, c.calls)
			}
			b.ReportMetric(ns/float64(b.N), "cpu-ns/event")
		})
	}
}
