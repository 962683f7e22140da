package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// result is what one command run produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCmd runs callreplay with args as a user would, output captured.
func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &cmdutil.IOStreams{Out: &out, Err: &errb})
	return result{code, out.String(), errb.String()}
}

// mustRun runs callreplay and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := runCmd(t, args...)
	if r.code != 0 {
		t.Fatalf("callreplay %s: exit %d\nstderr: %s\nstdout: %s", strings.Join(args, " "), r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

// call is one recorded call: its metadata and events.
type call struct {
	meta   eventlog.CallMeta
	events []eventlog.Event
}

// generate runs a scenario in the simulator, recorded as call id, and
// returns the call as its log holds it (tests may alter it, then write it
// with writeCalls).
func generate(t testing.TB, id, scenario string) call {
	t.Helper()
	meta, evs, err := simtest.Events(simtest.Call{ID: id, Scenario: scenario})
	if err != nil {
		t.Fatal(err)
	}
	return call{meta, evs}
}

// writeCalls writes calls into a new log file and returns its path.
func writeCalls(t testing.TB, calls ...call) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "calls.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, c := range calls {
		w, err := l.CreateCall(c.meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range c.events {
			if _, err := w.Append(ev); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func basicCall(t testing.TB) call {
	return generate(t, "call-1", simtest.BasicCall(3))
}

// sess returns the local session id of the call's i-th connection.
func (c call) sess(i int) string { return c.meta.Conns[i].Config.SessID }

// basicLog is a log holding one simulated call.
func basicLog(t testing.TB) string { return writeCalls(t, basicCall(t)) }
