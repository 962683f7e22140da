package main

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// -update records every scenario of testdata/scenarios into
// testdata/golden/<name>.log again and rewrites the transcripts
// <name>.show.txt; the diff is the review.
var update = flag.Bool("update", false, "re-record the golden logs and rewrite their transcripts")

const (
	scenarioDir = "../../testdata/scenarios"
	goldenDir   = "../../testdata/golden"
	goldenSeed  = 1
)

// scenarios returns the names of the scenario files, without ".txt".
func scenarios(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in %s: %v", scenarioDir, err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(filepath.Base(f), ".txt")
	}
	return names
}

func goldenLog(name string) string { return filepath.Join(goldenDir, name+".log") }

// transcript is what <name>.show.txt holds: the timeline and the ladder.
func transcript(t *testing.T, log string) string {
	t.Helper()
	return mustRun(t, "show", log) + "\n" + mustRun(t, "show", log, "--ladder", "--width", "100")
}

// record runs a scenario into a new golden log.
func record(t *testing.T, name string) {
	t.Helper()
	sc, err := sim.ParseFile(filepath.Join(scenarioDir, name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	path := goldenLog(name)
	tmp := filepath.Join(t.TempDir(), name+".log")
	l, err := eventlog.Open(tmp, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sim.Run(sc, sim.Options{Seed: goldenSeed, Log: l, CallID: name, ToolVersion: "golden"})
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("scenario %s: %v", name, err)
	}
	// The writer's group commits depend on timing, so the same call can
	// land on different pages: keep the old file when the content is the
	// same, so that the diff shows only real changes.
	if old, ok := dump(t, path); ok {
		if now, _ := dump(t, tmp); now == old {
			return
		}
	}
	compact(t, tmp, path)
}

// dump renders everything a log holds that matters: the call's metadata
// with its format version (ls --json), and every event with its data. It
// reports false for a log it cannot read (none yet, or a newer format).
func dump(t *testing.T, path string) (string, bool) {
	t.Helper()
	ls, events := runCmd(t, "ls", path, "--json"), runCmd(t, "export", path, "--format", "jsonl")
	return ls.stdout + events.stdout, ls.code == 0 && events.code == 0
}

// compact copies the log's pages in use, without the space bbolt
// preallocates as the file grows: golden logs are kept in git.
func compact(t *testing.T, from, to string) {
	t.Helper()
	db, err := bolt.Open(from, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := os.Remove(to); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := db.View(func(tx *bolt.Tx) error { return tx.CopyFile(to, 0o644) }); err != nil {
		t.Fatal(err)
	}
}

// TestGolden replays every golden log with the current code (they must
// replay exactly) and compares its transcript with the one kept.
func TestGolden(t *testing.T) {
	names := scenarios(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			log := goldenLog(name)
			want := filepath.Join(goldenDir, name+".show.txt")
			if *update {
				record(t, name)
				if err := os.WriteFile(want, []byte(transcript(t, log)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if r := runCmd(t, "verify", log); r.code != 0 {
				t.Fatalf("verify %s: exit %d\n%s%s", log, r.code, r.stdout, r.stderr)
			}
			kept, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/callreplay -run TestGolden -update)", err)
			}
			if got := transcript(t, log); got != string(kept) {
				t.Fatalf("transcript of %s differs from %s (-update rewrites it):\n%s", log, want, firstDiff(string(kept), got))
			}
		})
	}
	// Every golden log belongs to a scenario.
	logs, _ := filepath.Glob(filepath.Join(goldenDir, "*.log"))
	if len(logs) != len(names) {
		t.Errorf("%d golden logs for %d scenarios: remove the stale ones", len(logs), len(names))
	}
}

// TestGoldenFormatVersion: the golden logs are in the format this build
// writes (testdata/compat keeps the older ones); -update moves them on.
func TestGoldenFormatVersion(t *testing.T) {
	for _, name := range scenarios(t) {
		if v := readCall(t, goldenLog(name)).meta.FormatVersion; v != eventlog.FormatVersion {
			t.Errorf("%s is in format %d, this build writes %d (run go test ./cmd/callreplay -run TestGolden -update)",
				goldenLog(name), v, eventlog.FormatVersion)
		}
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  kept: " + a + "\n  now:  " + b
		}
	}
	return "(no line differs)"
}

// readCall loads the only call of a log into memory.
func readCall(t *testing.T, path string) call {
	t.Helper()
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
	c := call{meta: r.Meta()}
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		c.events = append(c.events, ev)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGoldenVerifyCatchesAChange alters one recorded output of a golden
// log — a close reason — and checks that verify reports exactly the step
// that output belongs to.
func TestGoldenVerifyCatchesAChange(t *testing.T) {
	c := readCall(t, goldenLog("02-hangup"))
	lastInput := map[string]uint64{}
	var step uint64
	for i, ev := range c.events {
		key := ev.Endpoint.String() + "#" + ev.Conn
		if ev.Kind == eventlog.KindInput {
			lastInput[key] = ev.Seq
		}
		if closed, ok := ev.Output.(econn.Closed); ok && step == 0 {
			closed.Reason = econn.ErrTimedOut
			c.events[i].Output = closed
			step = lastInput[key]
		}
	}
	if step == 0 {
		t.Fatal("02-hangup has no Closed output")
	}
	path := writeCalls(t, c)
	r := runCmd(t, "verify", path)
	want := "step at event " + strconv.FormatUint(step, 10) + " ("
	if r.code != cmdutil.ExitFailed || strings.Count(r.stdout, "DIVERGED") != 1 || !strings.Contains(r.stdout, want) ||
		!strings.Contains(r.stdout, "closed: timed-out") || !strings.Contains(r.stdout, "closed: normal") {
		t.Fatalf("exit %d, want %d and %q:\n%s", r.code, cmdutil.ExitFailed, want, r.stdout)
	}
}

// TestGoldenRedacted redacts every golden log: each must still verify.
func TestGoldenRedacted(t *testing.T) {
	for _, name := range scenarios(t) {
		out := filepath.Join(t.TempDir(), name+".log")
		mustRun(t, "redact", goldenLog(name), out)
		if r := runCmd(t, "verify", out); r.code != 0 {
			t.Fatalf("redacted %s does not verify:\n%s", name, r.stdout)
		}
	}
}
