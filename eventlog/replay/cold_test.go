package replay_test

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// TestColdSeek measures the first "state at event N" of a 1M-event call
// from a fresh process, the way a user meets it: each access is a new
// process (this test binary, run as a child) that opens the log, builds
// an Index and asks At(N) once. It reports the median and p99 over
// random N, from the recorder's snapshots (every 4096 events) and, for a
// few N, without them (forward replay), as figures, not as a pass/fail.
//
//	REPLAY_COLD=1 go test ./eventlog/replay -run TestColdSeek -v -timeout 30m
//
// REPLAY_COLD_LOG keeps the 1M-event log (and reuses it when it exists).
func TestColdSeek(t *testing.T) {
	if os.Getenv("REPLAY_COLD_CHILD") != "" {
		coldChild(t)
		return
	}
	if os.Getenv("REPLAY_COLD") == "" {
		t.Skip("set REPLAY_COLD=1 to measure cold seeks on a 1M-event call")
	}
	path := os.Getenv("REPLAY_COLD_LOG")
	if path == "" {
		path = filepath.Join(t.TempDir(), "long.log")
	}
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(benchEvents)}); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s in %s", path, time.Since(start))
	}
	n := coldCount(t, path)
	rng := rand.New(rand.NewSource(15))
	var snap, inproc []time.Duration
	for i := 0; i < 40; i++ {
		seq := 1 + uint64(rng.Int63n(int64(n)))
		wall, in := coldRun(t, path, seq, false)
		snap, inproc = append(snap, wall), append(inproc, in)
	}
	var fwd []time.Duration
	for i := 0; i < 3; i++ {
		seq := 1 + uint64(rng.Int63n(int64(n)))
		wall, _ := coldRun(t, path, seq, true)
		fwd = append(fwd, wall)
	}
	t.Logf("%d events; first At(N) from a fresh process, %d random N:", n, len(snap))
	t.Logf("  with snapshots: process wall median %s p99 %s; inside the process (open+index+At) median %s p99 %s",
		pct(snap, 50), pct(snap, 99), pct(inproc, 50), pct(inproc, 99))
	t.Logf("  without (forward replay), %d N: median %s max %s", len(fwd), pct(fwd, 50), pct(fwd, 100))
}

func coldCount(t *testing.T, path string) uint64 {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return r.Count()
}

// coldRun runs one child and returns its wall time and the time it
// measured itself.
func coldRun(t *testing.T, path string, seq uint64, noSnap bool) (time.Duration, time.Duration) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestColdSeek$")
	cmd.Env = append(os.Environ(), "REPLAY_COLD_CHILD="+path, "REPLAY_COLD_SEQ="+strconv.FormatUint(seq, 10))
	if noSnap {
		cmd.Env = append(cmd.Env, "REPLAY_COLD_NOSNAP=1")
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	i := strings.Index(string(out), "cold-at ")
	if i < 0 {
		t.Fatalf("child said: %s", out)
	}
	var ns int64
	fmt.Sscanf(string(out[i:]), "cold-at %d", &ns)
	return wall, time.Duration(ns)
}

func coldChild(t *testing.T) {
	start := time.Now()
	path := os.Getenv("REPLAY_COLD_CHILD")
	seq, _ := strconv.ParseUint(os.Getenv("REPLAY_COLD_SEQ"), 10, 64)
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var src replay.Source = replay.Reader(r)
	if os.Getenv("REPLAY_COLD_NOSNAP") != "" {
		src = stripped{src}
	}
	st, err := replay.NewIndex(src, nil).At(seq)
	if err != nil {
		t.Fatal(err)
	}
	if st.Event.Seq != seq {
		t.Fatalf("At(%d) gave event %d", seq, st.Event.Seq)
	}
	fmt.Printf("cold-at %d\n", time.Since(start).Nanoseconds())
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s) - 1) * p / 100
	return s[i].Round(100 * time.Microsecond)
}

// TestSnapshotRecorderCost records the same long simulated call with and
// without snapshots, interleaved, and reports the CPU time of each: the
// recorder's cost of writing snapshots (tracking every event, a snapshot
// every 4096), within a whole simulated recording.
//
//	REPLAY_COLD=1 go test ./eventlog/replay -run TestSnapshotRecorderCost -v
func TestSnapshotRecorderCost(t *testing.T) {
	if os.Getenv("REPLAY_COLD") == "" {
		t.Skip("set REPLAY_COLD=1 to measure the recorder's cost of snapshots")
	}
	dir := t.TempDir()
	var with, without []time.Duration
	for i := 0; i < 6; i++ {
		every := -1
		if i%2 == 1 {
			every = 0
		}
		path := filepath.Join(dir, fmt.Sprintf("r%d.log", i))
		before := cpuNow()
		if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(200_000), SnapshotEvery: every}); err != nil {
			t.Fatal(err)
		}
		d := cpuNow() - before
		if every == 0 {
			with = append(with, d)
		} else {
			without = append(without, d)
		}
		os.Remove(path)
	}
	t.Logf("recording 200k events, CPU: with snapshots median %s, without %s, ratio %.3f (pairs: %v / %v)",
		pct(with, 50), pct(without, 50), float64(pct(with, 50))/float64(pct(without, 50)), with, without)
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
