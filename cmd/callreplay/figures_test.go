package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog/tail"
)

// TestFigureTailLatency measures BENCHMARKS.md's live-tail latency: a
// real recorder (callrec demo) and a real follower (callreplay show
// --follow), from each event's commit in the recorder to its line read
// from the follower's output. The commit times come from the recorder
// itself: the test follows the call too, and the recorder stamps each
// batch it passes on with the time its commit returned (same machine, same
// clock). It runs only when asked:
//
//	CALLREC_FIGURES=tail go test -count=1 -run TestFigureTailLatency -v ./cmd/callreplay
//
// CALLREC_FIGURES_TAIL_SECONDS sets the call's length (default 30).
func TestFigureTailLatency(t *testing.T) {
	if os.Getenv("CALLREC_FIGURES") != "tail" && os.Getenv("CALLREC_FIGURES") != "1" {
		t.Skip("set CALLREC_FIGURES=tail to measure the live-tail latency")
	}
	secs := 30
	if s := os.Getenv("CALLREC_FIGURES_TAIL_SECONDS"); s != "" {
		var err error
		if secs, err = strconv.Atoi(s); err != nil || secs <= 0 {
			t.Fatalf("CALLREC_FIGURES_TAIL_SECONDS=%q", s)
		}
	}
	dir := t.TempDir()
	rec := startRecorder(t, dir, strconv.Itoa(secs)+"s")
	stamps, err := tail.Follow(context.Background(), filepath.Join(dir, "calls.db"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stamps.Close()
	show := startProcess(t, dir, callreplay, "show", "calls.db", "--follow")
	lines := show.rest(t)
	rec.rest(t)
	<-stamps.Done()
	if show.code != 0 || rec.code != 0 || stamps.Err() != nil {
		t.Fatalf("show exit %d, demo exit %d, stamps %v", show.code, rec.code, stamps.Err())
	}
	var lat []time.Duration
	batches := map[time.Time]time.Duration{} // each batch's last line: when all of it showed
	for _, l := range lines {
		m := eventLine.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		seq, _ := strconv.ParseUint(m[1], 10, 64)
		at := stamps.Committed(seq)
		if at.IsZero() {
			continue // came with the history: committed before anyone followed
		}
		batches[at] = max(batches[at], l.at.Sub(at))
		lat = append(lat, l.at.Sub(at))
	}
	if len(lat) == 0 {
		t.Fatal("no event was followed live")
	}
	var whole []time.Duration
	for _, d := range batches {
		whole = append(whole, d)
	}
	ev, b := quantiles(lat), quantiles(whole)
	t.Logf("live tail over a %ds call, commit to show --follow's line: %d events: median %v, p99 %v, max %v; "+
		"%d batches, until a batch's last line: median %v, p99 %v, max %v",
		secs, len(lat), ev[0], ev[1], ev[2], len(whole), b[0], b[1], b[2])
	if ev[1] > time.Second {
		t.Errorf("p99 %v: events must reach the screen within a second of their commit", ev[1])
	}
}

// quantiles returns the median, the 99th percentile and the maximum.
func quantiles(ds []time.Duration) [3]time.Duration {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(int(p*float64(len(ds))), len(ds)-1)] }
	return [3]time.Duration{q(0.5), q(0.99), ds[len(ds)-1]}
}
