package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/verify"
)

// TestRunBatch: a failing scenario does not stop the next one; every
// result reaches Each in order; the report counts the failures, renders a
// line per scenario and one per failure, and one JSON object.
func TestRunBatch(t *testing.T) {
	glare, err := ParseFile(filepath.Join(scenarioDir, "04-glare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Two failed expectations: two lines of text.
	wrong, err := ParseString("wrong.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\nexpect B/1 incoming=2\n")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.db")
	var text bytes.Buffer
	var seen []string
	rep, err := RunBatch([]*Scenario{wrong, glare}, BatchOptions{Out: out, Seed: 3, ToolVersion: "test",
		Each: func(r ScenarioResult) {
			seen = append(seen, r.Name)
			if err := r.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "wrong,04-glare" || rep.OK != 1 || rep.Failed != 1 {
		t.Fatalf("seen %v, report %+v", seen, rep)
	}
	failures := "wrong:4: expect B/1 state: want Answered, got Pending-Incoming\nwrong:5: expect B/1 incoming: want 2, got 1"
	if want := "2 expectations failed in 1 of 2 scenarios"; rep.Err() == nil || rep.Err().Error() != want {
		t.Fatalf("Err() = %v, want %q", rep.Err(), want)
	}
	if got := rep.Scenarios[0].Error; got != strings.ReplaceAll(failures, "\n", "; ") {
		t.Errorf("Error %q is not the failures on one line", got)
	}
	line := regexp.MustCompile(`^FAIL wrong\n` + regexp.QuoteMeta(failures) + `\nok   04-glare {33}backend: SETUP=2  call (\S+)\n$`)
	m := line.FindStringSubmatch(text.String())
	if m == nil {
		t.Fatalf("text:\n%s", text.String())
	}
	// The call id printed is the call recorded.
	log, err := eventlog.Open(out, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if r, err := log.Call(m[1]); err != nil || r.Meta().Scenario != "04-glare" {
		t.Fatalf("call %s: %v", m[1], err)
	} else {
		r.Close()
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Failed, OK int
		Scenarios  []map[string]any
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(js.String(), "{\n  \"failed\": 1,\n  \"ok\": 1,\n  \"scenarios\": [") || len(got.Scenarios) != 2 {
		t.Fatalf("JSON:\n%s", js.String())
	}
	if b := got.Scenarios[1]["backend"].(map[string]any); b["SETUP"] != 2.0 || got.Scenarios[1]["call_id"] != m[1] {
		t.Errorf("second scenario: %v", got.Scenarios[1])
	}
	if _, ok := got.Scenarios[0]["call_id"]; ok {
		t.Errorf("a failed scenario has no call id: %v", got.Scenarios[0])
	}
}

// TestBatchErrCounts: the summary counts expectations when only
// expectations failed, else every failure; a failed command is one.
func TestBatchErrCounts(t *testing.T) {
	parse := func(name, text string) *Scenario {
		sc, err := ParseString(name, text)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	wrong := parse("wrong.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\n")
	stuck := parse("stuck.txt", "clients A/1 B/1\nanswer B/1\nexpect B/1 state=Answered\n")
	for _, c := range []struct {
		scs  []*Scenario
		want string
	}{
		{[]*Scenario{wrong}, "1 expectation failed in 1 of 1 scenario"},
		{[]*Scenario{wrong, wrong}, "2 expectations failed in 2 of 2 scenarios"},
		{[]*Scenario{stuck, wrong}, "2 failures in 2 of 2 scenarios"},
	} {
		rep, err := RunBatch(c.scs, BatchOptions{})
		if err != nil || rep.Err() == nil || rep.Err().Error() != c.want {
			t.Errorf("Err() = %v (%v), want %q", rep.Err(), err, c.want)
		}
	}
	rep, _ := RunBatch([]*Scenario{stuck}, BatchOptions{})
	var b bytes.Buffer
	if err := rep.Scenarios[0].WriteText(&b, true); err != nil || b.String() != "FAIL stuck\nstuck:2: answer B/1: B/1: no incoming call to answer\n" {
		t.Errorf("text %q (%v)", b.String(), err)
	}
}

func TestRunBatchQuietAndUnrecorded(t *testing.T) {
	sc, err := ParseFile(filepath.Join(scenarioDir, "04-glare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunBatch([]*Scenario{sc}, BatchOptions{})
	if err != nil || rep.Err() != nil || rep.Scenarios[0].CallID != "" {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	var b bytes.Buffer
	if err := rep.Scenarios[0].WriteText(&b, true); err != nil || b.Len() != 0 {
		t.Fatalf("quiet printed %q (%v)", b.String(), err)
	}
	if err := rep.Scenarios[0].WriteText(&b, false); err != nil || strings.Contains(b.String(), "call") {
		t.Fatalf("an unrecorded run names no call: %q", b.String())
	}
}

// TestParseFilesStopsAtFirstError: a batch with a malformed file records
// nothing, so parsing fails as a whole.
func TestParseFilesStopsAtFirstError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("clients A/1 B/1\nstart A/1\nadvance later\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(scenarioDir, "04-glare.txt")
	scs, err := ParseFiles([]string{good, bad})
	if err == nil || scs != nil || !strings.Contains(err.Error(), `bad.txt:3: bad duration "later"`) {
		t.Fatalf("got %d scenarios, %v", len(scs), err)
	}
	if scs, err := ParseFiles([]string{good, good}); err != nil || len(scs) != 2 {
		t.Fatalf("got %d scenarios, %v", len(scs), err)
	}
}

// TestBatchLogReproduces: OpenLog commits on event counts alone, so the
// same batch and seed write the same bytes.
func TestBatchLogReproduces(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(scenarioDir, "0*.txt"))
	scs, err := ParseFiles(files)
	if err != nil || len(scs) < 5 {
		t.Fatalf("%d scenarios: %v", len(scs), err)
	}
	var logs [][]byte
	for _, name := range []string{"a.db", "b.db"} {
		path := filepath.Join(t.TempDir(), name)
		rep, err := RunBatch(scs, BatchOptions{Out: path, Seed: 5, ToolVersion: "test"})
		if err != nil || rep.Err() != nil {
			t.Fatal(err, rep.Err())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, b)
	}
	if !bytes.Equal(logs[0], logs[1]) {
		t.Fatal("same batch and seed wrote different logs")
	}
}

func TestExploreRuns(t *testing.T) {
	rep, err := ExploreRuns(ExploreOptions{First: 5, Runs: 20, FailDir: t.TempDir()})
	if err != nil || rep.Err() != nil || rep.Violation != nil {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if rep.Runs != 20 || rep.FirstSeed != 5 || rep.LastSeed != 24 || rep.RunsPerSecond <= 0 {
		t.Fatalf("report %+v", rep)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`^explored 20 random scenarios \(seeds 5\.\.24\) in \S+: no invariant violated \(\d+ runs/s\)\n$`)
	if !text.MatchString(b.String()) {
		t.Fatalf("text %q", b.String())
	}
	b.Reset()
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"explore": {`, `"runs": 20`, `"first_seed": 5`, `"last_seed": 24`, `"violation": null`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b.String())
		}
	}
}

// TestExploreViolationReport: how a violation is told and rerun.
func TestExploreViolationReport(t *testing.T) {
	rep := &ExploreReport{Runs: 3, FirstSeed: 1, LastSeed: 3, Violation: &ExploreViolation{
		Seed: 3, Invariant: "close-once", Detail: "A/1#x closed twice", ScenarioFile: "d/explore-seed-3.txt"}}
	if err := rep.Err(); err == nil || err.Error() != "seed 3: invariant close-once violated" {
		t.Fatalf("Err() = %v", err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "violation after 3 runs: seed 3: invariant close-once violated: A/1#x closed twice\n" +
		"shrunk scenario written to d/explore-seed-3.txt (run: callrec sim d/explore-seed-3.txt --seed 3)\n"
	if b.String() != want {
		t.Fatalf("text %q, want %q", b.String(), want)
	}
}

// TestExploreRecords: with Out, every explored run is one call of the
// log, in seed order, and the log verifies; the text report says what was
// recorded; a second exploration adds to the log.
func TestExploreRecords(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "explore.db")
	rep, err := ExploreRuns(ExploreOptions{First: 3, Runs: 12, FailDir: dir, Out: out, ToolVersion: "test"})
	if err != nil || rep.Violation != nil || rep.Recorded != 12 || rep.Log != out {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if want := "\nrecorded 12 calls (call-0001 to call-0012) in " + out + "\n"; !strings.HasSuffix(b.String(), want) {
		t.Fatalf("text %q lacks %q", b.String(), want)
	}
	res := verify.Log(out, func(p string) (*eventlog.Log, error) {
		return eventlog.Open(p, 0, &eventlog.Options{ReadOnly: true})
	})
	if res.Err != nil || len(res.Unverified) != 0 || len(res.Calls) != 12 {
		t.Fatalf("verify: %+v", res)
	}
	l, err := eventlog.Open(out, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	infos, err := l.Calls()
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i, info := range infos {
		if m := info.Meta; m.Seed != int64(3+i) || m.Scenario != fmt.Sprintf("explore-%d", 3+i) || m.ToolVersion != "test" {
			t.Fatalf("call %d: %+v", i, m)
		}
	}
	var events uint64
	for i, c := range res.Calls {
		if !c.OK() {
			t.Fatalf("call %d: %+v", i, c)
		}
		events += c.Events
	}
	if events < 100 {
		t.Fatalf("%d events in 12 calls", events)
	}

	rep, err = ExploreRuns(ExploreOptions{First: 20, Runs: 2, FailDir: dir, Out: out})
	b.Reset()
	if err == nil {
		err = rep.WriteText(&b)
	}
	if err != nil || !strings.HasSuffix(b.String(), "\nadded call-0013, call-0014 to "+out+" (14 calls)\n") {
		t.Fatalf("second exploration: %v\n%s", err, b.String())
	}
}

// TestExploreRecordError: a log that cannot be opened is the error, not
// a violation.
func TestExploreRecordError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "no-such-dir", "x.db")
	if rep, err := ExploreRuns(ExploreOptions{First: 1, Runs: 2, Out: out}); err == nil {
		t.Fatalf("no error; report %+v", rep)
	}
}
