package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReportParseError: the bad lines go to w one each, escaped, and the
// error is their one-line summary; another error passes through.
func TestReportParseError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad\x1b.txt")
	if err := os.WriteFile(path, []byte("clients A/1 B/1\nfrobnicate\nstart\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFiles([]string{path})
	var w bytes.Buffer
	sum := ReportParseError(&w, err)
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `bad\x1b.txt:2: `) || strings.Contains(w.String(), "\x1b") {
		t.Errorf("printed %q, want two escaped file:line messages", w.String())
	}
	if sum == nil || sum.Error() != "2 errors in "+path {
		t.Errorf("summary %v", sum)
	}
	other := errors.New("open x: no such file")
	if got := ReportParseError(&w, other); got != other {
		t.Errorf("another error came back as %v", got)
	}
}

// TestRunReported: text prints each scenario and then the calls added to
// the log, "recorded" into a new log and "added" to one that has calls;
// quiet prints neither the ok lines nor that; JSON prints the report alone.
func TestRunReported(t *testing.T) {
	glare, err := ParseFile(filepath.Join(scenarioDir, "04-glare.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "glare.db")
	bo := BatchOptions{Out: out, Seed: 1}
	run := func(ro ReportOptions) string {
		t.Helper()
		var w bytes.Buffer
		rep, err := RunReported(&w, []*Scenario{glare}, bo, ro)
		if err != nil || rep.Err() != nil {
			t.Fatalf("RunReported: %v, %v", err, rep.Err())
		}
		return w.String()
	}
	okLine := regexp.MustCompile(`(?m)^ok   04-glare\s.*call call-0001\n`)
	if got := run(ReportOptions{}); !okLine.MatchString(got) || !strings.HasSuffix(got, "recorded call-0001 in "+out+"\n") {
		t.Errorf("first run printed %q", got)
	}
	if got := run(ReportOptions{}); !strings.HasSuffix(got, "added call-0002 to "+out+" (2 calls)\n") {
		t.Errorf("second run printed %q", got)
	}
	if got := run(ReportOptions{Quiet: true}); got != "" {
		t.Errorf("quiet run printed %q", got)
	}
	var rep BatchReport
	if err := json.Unmarshal([]byte(run(ReportOptions{JSON: true})), &rep); err != nil || rep.OK != 1 {
		t.Errorf("JSON run: %v, %+v", err, rep)
	}
}

// TestExploreReportWrite: text or JSON as asked.
func TestExploreReportWrite(t *testing.T) {
	rep, err := ExploreRuns(ExploreOptions{First: 1, Runs: 3, FailDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var text, js, want bytes.Buffer
	if err := rep.Write(&text, false); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteText(&want); err != nil || text.String() != want.String() {
		t.Errorf("text %q, want %q", text.String(), want.String())
	}
	if err := rep.Write(&js, true); err != nil || !json.Valid(js.Bytes()) {
		t.Errorf("JSON %q: %v", js.String(), err)
	}
}
