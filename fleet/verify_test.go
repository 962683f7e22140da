package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// testQueue redelivers quickly: a test waits out AckWait.
// plantedRuns is how many calls the planted divergence hides among.
var plantedRuns = 1000

var testQueue = QueueOptions{AckWait: 500 * time.Millisecond, MaxDeliver: 3}

// exploreLog records runs explored calls into a new log.
func exploreLog(t testing.TB, runs int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "explore.log")
	if _, err := sim.ExploreRuns(sim.ExploreOptions{First: 1, Runs: runs, Out: path, FailDir: t.TempDir(), ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return path
}

// tamper copies the log at path with call victim's first Send output
// changed (its session id), as a build that sends something else would
// have recorded it; it returns the copy and the tampered event's seq.
func tamper(t testing.TB, path, victim string) (string, uint64) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "tampered.log")
	dst, err := eventlog.Open(out, 0o644, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	src, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var seq uint64
	for _, id := range callIDs(t, path) {
		meta, evs := simtest.CallOf(t, src, id)
		w, err := dst.CreateCall(meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if s, ok := ev.Output.(econn.Send); ok && id == victim && seq == 0 {
				m := *s.Msg
				m.SessID = "tampered"
				ev.Output = econn.Send{Msg: &m, Via: s.Via}
				seq = ev.Seq
			}
			if _, err := w.Append(ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if seq == 0 {
		t.Fatalf("call %s sends nothing", victim)
	}
	return out, seq
}

// byCall indexes a report's results by call.
func byCall(t testing.TB, rep *VerifyReport) map[string]Result {
	t.Helper()
	m := map[string]Result{}
	for _, r := range rep.Results {
		if _, dup := m[r.Call]; dup {
			t.Errorf("call %s reported twice", r.Call)
		}
		m[r.Call] = r
	}
	return m
}

// A worker that dies holding a job (no acknowledgement) leaves it to
// another after AckWait: every call is reported once, that job on its
// second delivery by the healthy worker.
func TestWorkerDiesMidJob(t *testing.T) {
	c := connect(t, serve(t).URL())
	upload(t, c, exploreLog(t, 6))
	ctx := testCtx(t)
	var victim string
	dying := WorkerOptions{Name: "dying", Queue: testQueue, abandon: func(j Job) (bool, bool) {
		victim = j.Call
		return true, true // drop it, and die
	}}
	died := make(chan error, 1)
	go func() { died <- c.Work(ctx, dying) }()
	type verified struct {
		rep *VerifyReport
		err error
	}
	run := make(chan verified, 1)
	go func() {
		rep, err := c.Verify(ctx, VerifyOptions{Workers: 0, Queue: testQueue})
		run <- verified{rep, err}
	}()
	if err := <-died; err != nil { // at its first job
		t.Fatal(err)
	}
	go c.Work(ctx, WorkerOptions{Name: "healthy", Queue: testQueue})
	v := <-run
	if v.err != nil {
		t.Fatal(v.err)
	}
	results := byCall(t, v.rep)
	if len(results) != 6 || v.rep.Count(StatusOK) != 6 {
		t.Fatalf("%d results, %d ok; want 6 ok", len(results), v.rep.Count(StatusOK))
	}
	r := results[victim]
	if r.Deliveries != 2 || r.Worker != "healthy" {
		t.Errorf("the dead worker's job: delivery %d by %q, want 2 by healthy", r.Deliveries, r.Worker)
	}
}

// A job on which every worker dies is handed out MaxDeliver times, then
// reported failed, not retried forever; the other calls are verified.
func TestPoisonJobReportedFailed(t *testing.T) {
	c := connect(t, serve(t).URL())
	upload(t, c, exploreLog(t, 4))
	ctx := testCtx(t)
	calls, err := c.Calls(ctx, QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	poison := calls[1].ID
	var mu sync.Mutex
	tries := 0
	w := WorkerOptions{Name: "picky", Queue: testQueue, abandon: func(j Job) (bool, bool) {
		mu.Lock()
		defer mu.Unlock()
		if j.Call == poison {
			tries++
			return true, false // drop it as a dying worker would, and go on
		}
		return false, false
	}}
	go c.Work(ctx, w)
	start := time.Now()
	rep, err := c.Verify(ctx, VerifyOptions{Workers: 0, Queue: testQueue})
	if err != nil {
		t.Fatal(err)
	}
	results := byCall(t, rep)
	if len(results) != 4 || rep.Count(StatusOK) != 3 || results[poison].Status != StatusFailed {
		t.Fatalf("results %+v: want 3 ok and %s failed", rep.Results, poison)
	}
	mu.Lock()
	defer mu.Unlock()
	if tries != testQueue.MaxDeliver || results[poison].Deliveries != uint64(testQueue.MaxDeliver) {
		t.Errorf("the poison job was tried %d times, reported after %d; want %d", tries, results[poison].Deliveries, testQueue.MaxDeliver)
	}
	if el := time.Since(start); el < time.Duration(testQueue.MaxDeliver)*testQueue.AckWait {
		t.Errorf("reported after %v, before %d deliveries could have timed out", el, testQueue.MaxDeliver)
	}
	var b strings.Builder
	rep.WriteText(&b, true)
	if !strings.Contains(b.String(), "FAILED    "+poison) || !strings.Contains(b.String(), "1 failed") {
		t.Errorf("report:\n%s", b.String())
	}
}

// Fleet verify finds the one call, among a thousand, whose recorded
// output the current build does not produce: its call and step, every
// other call ok, each once.
func TestVerifyFindsPlantedDivergence(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand calls")
	}
	c := connect(t, serve(t).URL())
	log := exploreLog(t, plantedRuns)
	victim := callIDs(t, log)[plantedRuns*6/10]
	bad, seq := tamper(t, log, victim)
	upload(t, c, bad)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := c.Verify(ctx, VerifyOptions{Workers: 2, Queue: QueueOptions{AckWait: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	results := byCall(t, rep)
	if len(results) != plantedRuns || rep.Count(StatusOK) != plantedRuns-1 || rep.Count(StatusDiverged) != 1 {
		for _, r := range rep.Results {
			if r.Status != StatusOK {
				t.Logf("%+v", r)
				break
			}
		}
		t.Fatalf("%d calls: %d ok, %d diverged, %d damaged, %d failed; want %d: all ok but 1 diverged", len(results),
			rep.Count(StatusOK), rep.Count(StatusDiverged), rep.Count(StatusDamaged), rep.Count(StatusFailed), plantedRuns)
	}
	for _, r := range rep.Results {
		if r.Status != StatusDiverged {
			continue
		}
		rr := r.Recordings[0]
		d := rr.Report.FirstDivergence
		// The step is the one whose recorded outputs hold the tampered event.
		if rr.Call != victim || d == nil || d.OutputIndex < 0 || d.OutputIndex >= len(d.Recorded) ||
			d.Recorded[d.OutputIndex].Seq != seq || !strings.Contains(rr.Text, "DIVERGED  "+r.Call+"  call "+victim) {
			t.Errorf("diverged: %s call %s\n%s\nwant call %s, output event %d", r.Call, rr.Call, rr.Text, victim, seq)
		}
	}
}
