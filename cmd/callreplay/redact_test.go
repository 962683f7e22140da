package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
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
	// Client ids keep their order: 0a1b... < 666 < fcf5...
	text := mustRun(t, "show", out, "--call", "call")
	for _, want := range []string{"recv SETUP request from u1/c3 sess " + basic.sess(0), "answer the call from u1/c3"} {
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
	for _, format := range exportFormats {
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
		if r.code != exitDiverged || !strings.Contains(r.stdout, "step at event "+strconv.FormatUint(step, 10)+" (") {
			t.Fatalf("verify %s: exit %d\n%s", path, r.code, r.stdout)
		}
	}
}

func TestPseudonymsKeepOrder(t *testing.T) {
	ids := newIDCollector()
	for _, u := range []string{"zed", "Amy", "bob", "10", "9"} {
		ids.pair(u, "")
	}
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"10", "9", "Amy", "bob", "zed"} // byte order
	for i := 1; i < len(order); i++ {
		a, b := r.user(order[i-1]), r.user(order[i])
		if !(a < b) || econn.IsWinner(a, "", b, "") {
			t.Fatalf("%s<%s but pseudonyms %s, %s", order[i-1], order[i], a, b)
		}
	}
	ids.pair("AMY", "")
	if _, err := ids.redactor(); err == nil || !strings.Contains(err.Error(), "differ only in case") {
		t.Fatalf("case-only difference: %v", err)
	}
}

func TestScrubSDP(t *testing.T) {
	// An offer as a browser writes it: addresses, ICE credentials, a
	// fingerprint.
	sdp := "v=0\r\no=- 4611731400430051336 2 IN IP4 198.51.100.7\r\ns=-\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 198.51.100.7\r\n" +
		"a=ice-ufrag:ufx\r\na=ice-pwd:secretpasswordx0123456789\r\n" +
		"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
		"a=candidate:1 1 udp 2122260223 198.51.100.7 50000 typ host\r\n" +
		"a=candidate:2 1 udp 1686052607 203.0.113.9 50001 typ srflx raddr 198.51.100.7 rport 50000\r\n"
	got := scrubSDP(sdp)
	want := "v=0\r\no=- 4611731400430051336 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n" +
		"a=ice-ufrag:redacted\r\na=ice-pwd:redactedredactedredacted\r\n" +
		"a=fingerprint:sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00\r\n" +
		"a=candidate:1 1 udp 2122260223 0.0.0.0 50000 typ host\r\n" +
		"a=candidate:2 1 udp 1686052607 0.0.0.0 50001 typ srflx raddr 0.0.0.0 rport 50000\r\n"
	if got != want {
		t.Fatalf("got:\n%q\nwant:\n%q", got, want)
	}
	if scrubSDP("a=candidate:1 1 udp 1 abcd.local 9 typ host") != "a=candidate:1 1 udp 1 redacted.local 9 typ host" {
		t.Fatal("mDNS candidate kept")
	}
}

func TestRedactText(t *testing.T) {
	ids := newIDCollector()
	ids.pair("A", "1")
	ids.pair("B", "2")
	r, err := ids.redactor()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"CANCEL from client 2, remote client is 1":               "CANCEL from client c2, remote client is c1",
		"SETUP from user B, remote user is A":                    "SETUP from user u2, remote user is u1",
		"SETUP glare: B/2 wins over A/1, dropping the offer":     "SETUP glare: u2/c2 wins over u1/c1, dropping the offer",
		"answer the call from A/1 (at 10.0.0.1)":                 "answer the call from u1/c1 (at 0.0.0.0)",
		`UPDATE for session "A", remote session is "1"`:          `UPDATE for session "A", remote session is "1"`,
		"timer #1 fired but #2 is the armed one":                 "timer #1 fired but #2 is the armed one",
		"pair 2001:db8:85a3::8a2e:370:7334 <-> fe80::1 at 12:30": "pair :: <-> :: at 12:30",
		"host 5f3c9a1e-0b6d-4c1e-9c2b-1d2e3f4a5b6c.local:50000":  "host redacted.local:50000",
	} {
		if got := r.text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}
