package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/merge"
	"github.com/callrec/callrec/eventlog/verify"
	"github.com/callrec/callrec/internal/cmdtest"
)

// callrec is the binary the process tests build once.
var callrec = &cmdtest.Command{Name: "callrec"}

func TestMain(m *testing.M) {
	code := m.Run()
	callrec.Cleanup()
	os.Exit(code)
}

// runCLI runs the command line in this process.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &cmdutil.IOStreams{Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// verifyLogFile opens a log and replays each of its calls.
func verifyLogFile(t *testing.T, path string) []eventlog.CallInfo {
	t.Helper()
	log, err := eventlog.Open(path, 0o644, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	calls, err := log.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatalf("%s: no call recorded", path)
	}
	for _, c := range calls {
		if _, err := verify.Recorded(path, c.Meta.ID); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return calls
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// leakCheck fails the test if goroutines it started are still running a
// few seconds after it ended. os/signal's loop, started by the first
// signal.Notify of the process, runs for good and is not counted.
func leakCheck(t *testing.T) {
	before := goroutines()
	t.Cleanup(func() {
		for deadline := time.Now().Add(5 * time.Second); goroutines() > before; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("goroutines: %d before, %d after\n%s", before, goroutines(), buf[:runtime.Stack(buf, true)])
				return
			}
		}
	})
}

func goroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "os/signal.signal_recv") {
			n++
		}
	}
	return n
}

// TestDemo runs the demo as a newcomer would (shorter) and checks its
// summary and its log.
func TestDemo(t *testing.T) {
	leakCheck(t)
	out := filepath.Join(t.TempDir(), "calls.db")
	code, stdout, stderr := runCLI("demo", "--duration", "1s", "--answer-after", "200ms", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	mustContain(t, "demo output", stdout,
		"A/1 calls B (devices B/1, B/2)", "B/2 answers", "A/1 hangs up",
		"A/1 rang B/1 (after", "B/2 (after", "B/2 answered",
		"setup: SETUP sent → data channel open on both sides",
		"media A/1 → B/2: audio", "media B/2 → A/1: audio",
		"\nrecorded call-0001 in "+out+"\n",
		"final: A/1 Terminating, closed normal; B/1 Terminating, closed canceled (stopped ringing); B/2 Terminating, closed normal\n",
		"steps replay to the recorded outputs")
	if m := regexp.MustCompile(`media A/1 → B/2: audio (\d+) packets sent, (\d+) received`).FindStringSubmatch(stdout); m == nil || m[1] == "0" || m[2] == "0" {
		t.Errorf("no audio from A/1 to B/2: %v", m)
	}
	calls := verifyLogFile(t, out)
	checkSmall(t, out)
	meta := calls[0].Meta
	if meta.Source != "live-demo" || len(meta.Endpoints) != 3 || len(meta.Conns) != 3 {
		t.Errorf("metadata: source %q, %d endpoints, %d connections", meta.Source, len(meta.Endpoints), len(meta.Conns))
	}
	if calls[0].Events < 40 {
		t.Errorf("only %d events recorded", calls[0].Events)
	}

	// A second run adds a call to the same log: the callee hangs up, with
	// video, and one B device.
	code, stdout, stderr = runCLI("demo", "--duration", "1500ms", "--answer-after", "0s", "--devices", "1",
		"--video", "--hangup", "b", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	mustContain(t, "second demo output", stdout, "B/1 hangs up", "\nadded call-0002 to "+out+" (2 calls)\n",
		"final: A/1 Terminating, closed normal; B/1 Terminating, closed normal\n", "; video ")
	if m := regexp.MustCompile(`video (\d+) sent, (\d+) received`).FindStringSubmatch(stdout); m == nil || m[2] == "0" {
		t.Errorf("no video received: %v", m)
	}
	if calls := verifyLogFile(t, out); len(calls) != 2 {
		t.Errorf("%d calls in the log, want 2", len(calls))
	}
}

func TestLiveFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"demo", "--hangup", "c"}, `--hangup "c": want a or b`},
		{[]string{"demo", "--devices", "0"}, "--devices 0: want 1 to 16"},
		{[]string{"demo", "--duration", "0s"}, "--duration 0s: want a positive duration"},
		{[]string{"demo", "--duration", "soon"}, "invalid argument"},
		{[]string{"demo", "extra"}, `demo takes no arguments, got ["extra"]`},
		{[]string{"call", "--dial"}, "missing --relay, --user, --client, --conv"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c"}, "exactly one of --dial and --answer"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--answer"}, "exactly one of --dial and --answer"},
		{[]string{"call", "--relay", "nohost", "--user", "A", "--client", "1", "--conv", "c", "--dial"}, "--relay: relay URL"},
		{[]string{"call", "--relay", "x:1", "--user", "A/2", "--client", "1", "--conv", "c", "--dial"}, "cannot contain '/'"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--members", "1"}, "--members 1"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--ice-server", "stun:x:3478"}, "--ice-server needs --network"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--ice", "relay-only"}, "--ice relay-only needs a TURN server"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--ice", "turn=turn:x:1,turn-user=u"}, "--ice a TURN server needs turn-user and turn-pass"},
		{[]string{"demo", "--ice", "mdns=on"}, `--ice "mdns=on": unknown setting`},
		{[]string{"serve", "--max-message-size", "10"}, "--max-message-size 10"},
		{[]string{"serve", "--max-clients", "1"}, "--max-clients 1"},
		{[]string{"serve", "--rate", "0"}, "--rate 0"},
		{[]string{"serve", "--burst", "0"}, "--burst 0"},
		// Each numeric flag's range, both ends (the read limit is 4× the
		// message size: it must not overflow).
		{[]string{"serve", "--open", "--max-message-size", "4611686018427387904"}, "--max-message-size 4611686018427387904: want 1024 to 16777216"},
		{[]string{"serve", "--open", "--max-message-size", "9223372036854775807"}, "--max-message-size 9223372036854775807"},
		{[]string{"serve", "--open", "--max-clients", "1000000"}, "--max-clients 1000000: want 2 to 1024"},
		{[]string{"serve", "--open", "--rate", "NaN"}, "--rate NaN"},
		{[]string{"serve", "--open", "--rate", "1e9"}, "--rate 1e+09"},
		{[]string{"serve", "--open", "--burst", "2000000"}, "--burst 2000000: want 1 to 1000000"},
		{[]string{"call", "--relay", "x:1", "--user", "A", "--client", "1", "--conv", "c", "--dial", "--members", "5000"}, "--members 5000"},
		// Membership.
		{[]string{"serve"}, "no membership: give --members FILE (see callrec keygen), or --open"},
		{[]string{"serve", "--open", "--members", "m.txt"}, "give one of --members and --open"},
		{[]string{"keygen", "--user", "A"}, "give --user, --client and --out"},
		{[]string{"keygen", "--user", "A/1", "--client", "1", "--out", "k"}, "cannot contain '/'"},
		{[]string{"keygen", "--user", "A", "--client", "1", "--out", "k", "--conv", "a b"}, `--conv "a b"`},
	} {
		code, stdout, stderr := runCLI(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 and %q", c.args, code, stderr, stdout, c.want)
		}
	}
	// A log that cannot be opened is input it cannot use, not a usage error.
	bad := filepath.Join(dir, "not-a-log")
	if err := os.WriteFile(bad, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("demo", "--out", bad, "--duration", "1s"); code != 3 || !strings.Contains(stderr, "not a callrec event log") {
		t.Errorf("demo into a non-log: exit %d, %q", code, stderr)
	}
	// No relay listening: the call fails fast and says where it tried.
	code, _, stderr := runCLI("call", "--relay", "127.0.0.1:1", "--user", "A", "--client", "1", "--conv", "c", "--dial")
	if code != 4 || !strings.Contains(stderr, "ws://127.0.0.1:1/ws") {
		t.Errorf("call with no relay: exit %d, %q", code, stderr)
	}
}

// proc is a callrec process of a test.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func startProc(t *testing.T, ctx context.Context, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.CommandContext(ctx, callrec.Path(t), args...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

// wait waits for the process and fails the test if it did not exit 0.
func (p *proc) wait(t *testing.T) string {
	t.Helper()
	if err := <-p.done; err != nil {
		t.Errorf("%s: %v\n%s", p.name, err, p.out.String())
	}
	return p.out.String()
}

// TestCallAcrossProcesses runs the relay and three devices as separate
// processes on loopback: A/1 dials, B/2 answers quickly, B/1 would answer
// later and stops ringing instead; each log verifies.
func TestCallAcrossProcesses(t *testing.T) {
	bin := callrec.Path(t)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	dir := t.TempDir()

	// As the README shows: a key per device, their lines in one members
	// file, which the relay admits and every device pins.
	members := filepath.Join(dir, "members.txt")
	var lines0 strings.Builder
	for _, d := range []string{"A1", "B1", "B2"} {
		code, stdout, stderr := runCLI("keygen", "--user", d[:1], "--client", d[1:], "--conv", "c1", "--out", filepath.Join(dir, d+".key"))
		if code != 0 {
			t.Fatalf("keygen %s: exit %d: %s", d, code, stderr)
		}
		lines0.WriteString(stdout)
	}
	if err := os.WriteFile(members, []byte(lines0.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	serve := exec.CommandContext(ctx, bin, "serve", "--listen", "127.0.0.1:0", "--rate", "50", "--members", members)
	serveOut, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(serveOut)
	if !lines.Scan() {
		t.Fatalf("relay printed nothing: %s", serveErr.String())
	}
	m := regexp.MustCompile(`^relay listening on (ws://\S+)$`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("relay's first line: %q", lines.Text())
	}
	url := m[1]
	common := func(user, client string) []string {
		return []string{"call", "--relay", url, "--key", filepath.Join(dir, user+client+".key"), "--pins", members, "--conv", "c1",
			"--out", filepath.Join(dir, user+client+".db"), "--timeout", "30s"}
	}
	// An intruder with a key of its own is turned away.
	if code, _, stderr := runCLI("call", "--relay", url, "--user", "X", "--client", "1", "--conv", "c1", "--dial", "--timeout", "5s"); code != 4 || !strings.Contains(stderr, "not_member") {
		t.Errorf("intruder: exit %d, %q; want exit 4 and not_member", code, stderr)
	}
	b1 := startProc(t, ctx, "B/1", append(common("B", "1"), "--answer", "--answer-after", "20s")...)
	b2 := startProc(t, ctx, "B/2", append(common("B", "2"), "--answer", "--answer-after", "300ms")...)
	a1 := startProc(t, ctx, "A/1", append(common("A", "1"), "--dial", "--members", "3", "--duration", "1s")...)
	outA, outB1, outB2 := a1.wait(t), b1.wait(t), b2.wait(t)

	if err := serve.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	if err := serve.Wait(); err != nil {
		t.Errorf("relay: %v\n%s", err, serveErr.String())
	}
	mustContain(t, "relay output", rest.String(), "relay stopped:", "dropped: not_member=1\n")
	mustContain(t, "relay stderr", serveErr.String(), "relay admits the 3 devices of "+members)

	mustContain(t, "A/1 output", outA, "A/1 key fingerprint ", "peer B/1 key fingerprint ", "peer B/2 key fingerprint ", "(pinned)", "A/1 calls c1", "connected to B/2", "A/1 hangs up",
		"A/1: Outgoing call with B/2: final state Terminating, closed normal",
		"setup: SETUP sent → data channel open", "steps replay to the recorded outputs")
	mustContain(t, "B/2 output", outB2, "B/2 rings", "B/2 answers", "connected to A/1",
		"B/2: Incoming call with A/1: final state Terminating, closed normal", "answer sent → data channel open")
	mustContain(t, "B/1 output", outB1, "B/1 rings", "B/1 stopped ringing",
		"B/1: Incoming call with A/1: final state Terminating, closed canceled (stopped ringing)")
	if strings.Contains(outB1, "B/1 answers") {
		t.Errorf("B/1 answered a call B/2 had taken:\n%s", outB1)
	}
	for _, name := range []string{"A1", "B1", "B2"} {
		calls := verifyLogFile(t, filepath.Join(dir, name+".db"))
		if calls[0].Meta.Source != "live" || calls[0].Meta.Labels["conv"] != "c1" {
			t.Errorf("%s: metadata %+v", name, calls[0].Meta)
		}
	}
	// The three recordings, just made, merge into one call of the three
	// devices, and every device's connections still verify in it.
	var paths []string
	for _, name := range []string{"A1", "B1", "B2"} {
		paths = append(paths, filepath.Join(dir, name+".db"))
	}
	merged := filepath.Join(dir, "call.db")
	rep, err := merge.Files(paths, merged, merge.Options{})
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if len(rep.Calls) != 1 || len(rep.Calls[0].Devices) != 3 {
		t.Fatalf("merge made %+v; want one call of A/1, B/1 and B/2", rep.Calls)
	}
	verifyLogFile(t, merged)
}
