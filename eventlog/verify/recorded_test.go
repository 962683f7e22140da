package verify_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/verify"
)

// TestRecorded: a recorded call replays with its steps; a call with no
// steps and an unknown call are errors that say so.
func TestRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "glare", Scenario: simtest.Glare}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(eventlog.CallMeta{ID: "empty", Endpoints: []eventlog.Endpoint{simtest.A1}})
	if err == nil {
		err = w.Close()
	}
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if steps, err := verify.Recorded(path, "glare"); err != nil || steps < 10 {
		t.Fatalf("glare: %d steps, %v", steps, err)
	}
	if _, err := verify.Recorded(path, "empty"); !errors.Is(err, replay.ErrNoSteps) {
		t.Fatalf("a call with no steps: %v", err)
	}
	if _, err := verify.Recorded(path, "nope"); !errors.Is(err, eventlog.ErrNoCall) {
		t.Fatalf("an unknown call: %v", err)
	}
	if _, err := verify.Recorded(filepath.Join(t.TempDir(), "missing.log"), "glare"); err == nil {
		t.Fatal("a missing log verifies")
	}
}
