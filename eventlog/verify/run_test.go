package verify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog/verify"
)

// recordingProgress keeps what a run shows.
type recordingProgress struct{ shown []string }

func (p *recordingProgress) Show(line string) { p.shown = append(p.shown, line) }
func (p *recordingProgress) Clear()           {}

// TestRun: a line per call as each log comes, the error of an unreadable
// log to OnError only, a progress line per call and per log, and the
// totals.
func TestRun(t *testing.T) {
	glare := writeLog(t, "glare", simtest.Glare)
	missing := filepath.Join(t.TempDir(), "missing.log")
	var out bytes.Buffer
	var errs []string
	prog := &recordingProgress{}
	sum, err := verify.Run(&out, []string{glare, missing}, verify.RunOptions{Jobs: 2, Open: open, Width: 100,
		Progress: prog, OnError: func(err error) { errs = append(errs, err.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Logs != 2 || sum.Calls != 1 || sum.Unreadable != 1 || sum.Diverged != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "missing.log") {
		t.Fatalf("errors %q", errs)
	}
	text := regexp.MustCompile(fmt.Sprintf(`^ok        %s  call glare  format v\d+  \d+ events, \d+ steps\n`, regexp.QuoteMeta(glare)) +
		`verified 1 call \(\d+ events, \d+ steps\) in 2 logs in \S+: 1 ok, 0 diverged, 1 log unreadable\n$`)
	if !text.MatchString(out.String()) {
		t.Fatalf("report:\n%s", out.String())
	}
	wantBars := []string{"verify [..............................] 0/2 logs, 1 calls, 0 diverged",
		"verify [###############...............] 1/2 logs, 1 calls, 0 diverged",
		"verify [##############################] 2/2 logs, 1 calls, 0 diverged"}
	if strings.Join(prog.shown, "\n") != strings.Join(wantBars, "\n") {
		t.Fatalf("progress %q", prog.shown)
	}

	// Quiet leaves out the calls that replay; JSON is one object.
	out.Reset()
	if _, err := verify.Run(&out, []string{glare}, verify.RunOptions{Open: open, Quiet: true}); err != nil ||
		!strings.HasPrefix(out.String(), "verified 1 call") {
		t.Fatalf("quiet: %v\n%s", err, out.String())
	}
	out.Reset()
	if _, err := verify.Run(&out, []string{glare, missing}, verify.RunOptions{Open: open, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var run verify.RunJSON
	if err := json.Unmarshal(out.Bytes(), &run); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(run.Logs) != 2 || run.Logs[0].Calls[0].CallID != "glare" || run.Logs[1].Error == "" ||
		run.Summary.Calls != 1 || run.Summary.OK != 1 || run.Summary.Unreadable != 1 {
		t.Fatalf("JSON:\n%s", out.String())
	}
}

// TestRunProgressOneLog: the progress of one log counts its calls, those
// not verified too.
func TestRunProgressOneLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "three.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "a", Scenario: simtest.Glare},
		simtest.Call{ID: "b", Scenario: simtest.BasicCall(1)}, simtest.Call{ID: "c", Scenario: simtest.Glare}); err != nil {
		t.Fatal(err)
	}
	damage(t, path, "b", 2)
	prog := &recordingProgress{}
	var out bytes.Buffer
	if _, err := verify.Run(&out, []string{path}, verify.RunOptions{Open: open, Progress: prog}); err != nil {
		t.Fatal(err)
	}
	want := []string{"verify [##########....................] 1/3 calls, 0 diverged",
		"verify [####################..........] 2/3 calls, 0 diverged, 1 not verified",
		"verify [##############################] 3/3 calls, 0 diverged, 1 not verified",
		"verify [##############################] 3/3 calls, 0 diverged, 1 not verified"}
	if strings.Join(prog.shown, "\n") != strings.Join(want, "\n") {
		t.Fatalf("progress %q", prog.shown)
	}
}
