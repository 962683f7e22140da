package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/replay/replaytest"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// Ids shaped like real ones; the caller's user id sorts first, so the
// callee wins glare.
var (
	alice = eventlog.Endpoint{User: "193ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "fcf510876f3349e4"}
	bob   = eventlog.Endpoint{User: "293ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "0a1b2c3d4e5f6789"}
)

// secrets are what a redacted log must not contain.
var secrets = []string{alice.User, alice.Client, bob.User, bob.Client,
	"198.51.100.7", "203.0.113.9", "secretpassword", "ufa", "AB:CD:EF"}

func personalLog(t *testing.T) string {
	return writeCalls(t,
		generate(t, "call", func(r *replaytest.Recorder) { replaytest.BasicCallBetween(r, alice, bob, 3) }),
		generate(t, "glare", func(r *replaytest.Recorder) { replaytest.GlareBetween(r, alice, bob) }))
}

func TestRedact(t *testing.T) {
	in := personalLog(t)
	raw, _ := os.ReadFile(in)
	for _, s := range secrets {
		if !strings.Contains(string(raw), s) {
			t.Fatalf("the original log lacks %q: the test proves nothing", s)
		}
	}
	out := filepath.Join(t.TempDir(), "redacted.log")
	if got := mustRun(t, "redact", in, out); !strings.Contains(got, "redacted 2 calls") {
		t.Fatalf("redact said %q", got)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			t.Errorf("the redacted log still contains %q", s)
		}
	}
	if r := runCmd(t, "verify", out); r.code != 0 {
		t.Fatalf("the redacted log does not verify:\n%s", r.stdout)
	}
	// Same shape as the original, event for event (the package's tests
	// check the pseudonyms themselves).
	orig, text := mustRun(t, "show", in, "--call", "call"), mustRun(t, "show", out, "--call", "call")
	if strings.Count(orig, "\n") != strings.Count(text, "\n") || !strings.Contains(text, "recv SETUP request from u1/c3") {
		t.Fatalf("redacted transcript:\n%s", text)
	}
}

func TestExportRedact(t *testing.T) {
	in := personalLog(t)
	for _, format := range export.Formats() {
		out := mustRun(t, "export", in, "--call", "call", "--format", format, "--redact")
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s --redact still contains %q", format, s)
			}
		}
	}
}

// TestRedactedLogDivergesAlike checks that redaction keeps a divergence
// where it was: a log altered before redaction reports the same step.
func TestRedactedLogDivergesAlike(t *testing.T) {
	bad, step := alterOutput(t, generate(t, "call-1", func(r *replaytest.Recorder) {
		replaytest.BasicCallBetween(r, alice, bob, 3)
	}), bob)
	in := writeCalls(t, bad)
	out := filepath.Join(t.TempDir(), "redacted.log")
	mustRun(t, "redact", in, out)
	for _, path := range []string{in, out} {
		r := runCmd(t, "verify", path)
		if r.code != cmdutil.ExitFailed || !strings.Contains(r.stdout, "step at event "+strconv.FormatUint(step, 10)+" (") {
			t.Fatalf("verify %s: exit %d\n%s", path, r.code, r.stdout)
		}
	}
}
