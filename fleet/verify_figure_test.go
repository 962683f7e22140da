package fleet

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/verify"
)

// TestFigureVerifyThroughput measures BENCHMARKS.md's fleet verify
// throughput: calls per second with 1, 2 and 4 workers (in this process,
// each pulling its own jobs), from the moment the jobs are queued to the
// last result, in interleaved rounds (1, 2, 4, then 2, 4, 1, ...); and the
// cost per call against a local verify of the same log on one core
// (verify.LogWith, Workers 1, as `callreplay verify` replays a call), in
// wall time and in this process's CPU time (server, coordinator and
// workers are all in it):
//
//	CALLREC_FIGURES=verify go test -count=1 -run TestFigureVerifyThroughput -v ./fleet
func TestFigureVerifyThroughput(t *testing.T) {
	figures(t, "verify")
	// As callreplay runs (its main sets the GC target so, GOGC unset).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	n := envInt("CALLREC_FIGURES_CALLS", 2000)
	rounds := envInt("CALLREC_FIGURES_ROUNDS", 3)
	c := connect(t, serve(t).URL())
	log := exploreLog(t, n)
	upload(t, c, log)
	open := func(p string) (*eventlog.Log, error) {
		return eventlog.Open(p, 0, &eventlog.Options{ReadOnly: true})
	}
	counts := []int{1, 2, 4}
	perWorkers := map[int][]float64{}
	var local, localCPU, fleetCPU []float64
	for r := range rounds {
		start, cpu := time.Now(), cpuTime()
		res := verify.LogWith(log, verify.LogOptions{Open: open, Workers: 1})
		if res.Err != nil || len(res.Calls) != n {
			t.Fatalf("local verify: %v, %d calls", res.Err, len(res.Calls))
		}
		local = append(local, time.Since(start).Seconds()/float64(n))
		localCPU = append(localCPU, (cpuTime()-cpu).Seconds()/float64(n))
		for i := range counts {
			w := counts[(i+r)%len(counts)]
			cpu := cpuTime()
			perWorkers[w] = append(perWorkers[w], fleetRate(t, c, w, n))
			if w == 1 {
				fleetCPU = append(fleetCPU, (cpuTime()-cpu).Seconds()/float64(n))
			}
		}
	}
	one := median(perWorkers[1])
	for _, w := range counts {
		// The ratio of each round's pair, run side by side, then their median.
		var ratios []float64
		for r := range rounds {
			ratios = append(ratios, perWorkers[w][r]/perWorkers[1][r])
		}
		t.Logf("fleet verify, %d worker(s): %.0f calls/s (median of %d), %.2f× one worker (median of the rounds' ratios; %.2f–%.2f)",
			w, median(perWorkers[w]), rounds, median(ratios), slices.Min(ratios), slices.Max(ratios))
	}
	l := median(local)
	t.Logf("wall time per call: fleet, one worker %.2f ms; local verify, one core %.3f ms: %.1f×", 1000/one, 1000*l, (1/one)/l)
	fc, lc := median(fleetCPU), median(localCPU)
	t.Logf("CPU per call (this process: server, coordinator and worker): fleet, one worker %.2f ms; local verify %.3f ms: %.1f×", 1000*fc, 1000*lc, fc/lc)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fleetRate runs one fleet verify with w workers and returns the calls
// per second from the jobs' queueing to the last result.
func fleetRate(t *testing.T, c *Client, w, n int) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var queued, last time.Time
	rep, err := c.Verify(ctx, VerifyOptions{Workers: w, Queue: QueueOptions{AckWait: time.Minute},
		Queued: func(int) { queued = time.Now() }, Progress: func(Result) { last = time.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(StatusOK) != n {
		t.Fatal(fmt.Sprintf("%d of %d calls ok", rep.Count(StatusOK), n))
	}
	return float64(n) / last.Sub(queued).Seconds()
}
