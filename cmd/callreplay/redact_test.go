package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
)

// Ids shaped like real ones; the caller's user id sorts first, so the
// callee wins glare.
var (
	alice = eventlog.Endpoint{User: "193ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "fcf510876f3349e4"}
	bob   = eventlog.Endpoint{User: "293ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "0a1b2c3d4e5f6789"}
)

// secrets are what a redacted log must not contain: the ids, and what
// the simulated media legs put in their SDPs (host candidates, ICE
// credentials, the first leg's fingerprint).
var secrets = []string{alice.User, alice.Client, bob.User, bob.Client,
	"10.0.0.2", "10.0.0.3", "simpassword", "ice-ufrag:sim", "1F:26:2D"}

// personalLog holds three calls between alice and bob: a basic call, a
// glare, and scenario 08, where a CANCEL from alice's other client (666)
// reaches bob, whose connection ignores it naming both clients.
func personalLog(t *testing.T) (path string, basic call) {
	basic = generate(t, "call", simtest.BasicCallBetween(alice, bob, 3))
	stranger := eventlog.Endpoint{User: alice.User, Client: "666"}
	wrongClient := strings.NewReplacer("{A}", alice.String(), "{X}", stranger.String(), "{B}", bob.String()).Replace(`clients {A} {X} {B}
start {A}
run
inject from={X} to={B} {"version":"3.0","type":"CANCEL","sessid":"$sess({A})","resp":false}
run
expect {B} state=Pending-Incoming closed=0
`)
	path = writeCalls(t, basic, generate(t, "glare", simtest.GlareBetween(alice, bob)),
		generate(t, "wrong-client", wrongClient))
	return path, basic
}

func TestRedact(t *testing.T) {
	in, basic := personalLog(t)
	raw, _ := os.ReadFile(in)
	for _, s := range secrets {
		if !strings.Contains(string(raw), s) {
			t.Fatalf("the original log lacks %q: the test proves nothing", s)
		}
	}
	out := filepath.Join(t.TempDir(), "redacted.log")
	if got := mustRun(t, "redact", in, out); !strings.Contains(got, "redacted 3 calls") {
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
	// Client ids keep their order: 0a1b... < 666 < fcf5...; session ids
	// become pseudonyms too.
	text := mustRun(t, "show", out, "--call", "call")
	if strings.Contains(text, basic.sess(0)) {
		t.Errorf("redacted transcript names the session %s", basic.sess(0))
	}
	for _, want := range []string{"recv SETUP request from u1/c3 sess s", "answer the call from u1/c3"} {
		if !strings.Contains(text, want) {
			t.Errorf("redacted transcript lacks %q", want)
		}
	}
	if wrong := mustRun(t, "show", out, "--call", "wrong-client"); !strings.Contains(wrong, "ignored CANCEL: CANCEL from client c2, remote client is c3") {
		t.Errorf("redacted ignore reason:\n%s", wrong)
	}
	// Glare resolves the same way: bob (u2) wins, alice (u1) answers.
	// An id has one pseudonym throughout the log.
	glare := mustRun(t, "show", out, "--call", "glare")
	if !regexp.MustCompile(`u1/c3 +\S+ +out +glare lost`).MatchString(glare) ||
		!strings.Contains(glare, "SETUP glare: u2/c1 wins over u1/c3") {
		t.Errorf("glare resolved differently after redaction:\n%s", glare)
	}
	// Same shape as the original, event for event.
	orig := mustRun(t, "show", in, "--call", "call")
	if strings.Count(orig, "\n") != strings.Count(text, "\n") {
		t.Fatal("redaction changed the number of events")
	}
}

func TestExportRedact(t *testing.T) {
	in, _ := personalLog(t)
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
	bad, step := alterOutput(t, generate(t, "call-1", simtest.BasicCallBetween(alice, bob, 3)), bob)
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
