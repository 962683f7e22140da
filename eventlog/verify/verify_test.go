package verify_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/verify"
)

// writeLog records the scenario, simulated, as call id into a new log
// and returns its path.
func writeLog(t *testing.T, id, scenario string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), id+".log")
	if err := simtest.WriteLog(path, simtest.Call{ID: id, Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(path string) (*eventlog.Log, error) {
	return eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
}

// Logs verified in parallel come back in the order given, each with its
// calls or its error, and add up.
func TestLogsInOrder(t *testing.T) {
	glare := writeLog(t, "glare", simtest.Glare)
	basic := writeLog(t, "basic", simtest.BasicCall(5))
	missing := filepath.Join(t.TempDir(), "missing.log")
	paths := []string{basic, missing, glare, basic, glare}
	var got []string
	var sum verify.Summary
	var text bytes.Buffer
	err := verify.Logs(paths, 3, open, func(r verify.LogResult) error {
		got = append(got, r.Path)
		sum.Add(r)
		if r.Path == missing && r.Err == nil || r.Path != missing && (r.Err != nil || len(r.Calls) != 1) {
			t.Errorf("%s: %+v", r.Path, r)
		}
		return verify.WriteText(&text, r, false, 100)
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(paths, " ") {
		t.Fatalf("order %v, want %v", got, paths)
	}
	if sum.Logs != 5 || sum.Calls != 4 || sum.Unreadable != 1 || sum.Diverged != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := strings.Count(text.String(), fmt.Sprintf("format v%d", eventlog.FormatVersion)); n != 4 {
		t.Fatalf("%d calls say their format version:\n%s", n, text.String())
	}
	// each's error stops the run and comes back.
	stop := errors.New("stop")
	n := 0
	if err := verify.Logs(paths, 2, open, func(verify.LogResult) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("Logs after an error: %v, %d calls", err, n)
	}
}

func TestFieldDiffs(t *testing.T) {
	a := econn.Send{Msg: &econn.Message{Type: econn.MsgSetup, SessID: "x", Resp: true}}
	b := econn.Send{Msg: &econn.Message{Type: econn.MsgSetup, SessID: "y", Resp: true}}
	d := verify.FieldDiffs(a, b)
	if len(d) != 1 || d[0] != (verify.FieldDiff{Field: "Msg.SessID", Recorded: `"x"`, Replayed: `"y"`}) {
		t.Fatalf("diffs %+v", d)
	}
	d = verify.FieldDiffs(a, econn.Answered{})
	if len(d) != 1 || d[0].Field != "type" || d[0].Recorded != "Send" || d[0].Replayed != "Answered" {
		t.Fatalf("diffs of different types %+v", d)
	}
	// A missing output is named as divergences name it.
	d = verify.FieldDiffs(nil, a)
	if len(d) != 1 || d[0].Field != "type" || d[0].Recorded != replay.OutputName(nil) || d[0].Replayed != "Send" {
		t.Fatalf("diffs against nothing %+v", d)
	}
	if d = verify.FieldDiffs(a, a); len(d) != 0 {
		t.Fatalf("equal outputs differ in %+v", d)
	}
}
