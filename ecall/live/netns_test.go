package live

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/verify"
	"github.com/callrec/callrec/internal/cmdtest"
	"github.com/callrec/callrec/internal/netns"
	"github.com/callrec/callrec/internal/turntest"
)

// The tests in this file run real `callrec call` processes in network
// namespaces (package internal/netns): two devices behind NATs, and a
// core namespace with the relay (`callrec serve`) and a TURN server
// (pion/turn, in a helper process: this test binary, re-run). Without
// root, ip or nft they skip and say why; .ci/run runs them in a step of
// their own and prints the outcome.

var callrecCmd = &cmdtest.Command{Name: "callrec", Pkg: "../../cmd/callrec"}

// TURN credentials of the core's server.
const (
	turnUser = "dev"
	turnPass = "secret"
	turnPort = "3478"
)

// nsWorld is the network with its relay and TURN server running.
type nsWorld struct {
	t        *testing.T
	net      *netns.Net
	bin, dir string
	relayURL string
	members  string
	turn     *turnProc
}

func newNSWorld(t *testing.T) *nsWorld {
	t.Helper()
	n := netns.New(t) // skips when namespaces are not allowed
	w := &nsWorld{t: t, net: n, bin: callrecCmd.Path(t), dir: t.TempDir()}
	w.keys()
	w.startRelay()
	w.turn = startTURN(t, n)
	return w
}

// keys makes A/1's and B/1's keys and the members file both pin.
func (w *nsWorld) keys() {
	var members strings.Builder
	for _, d := range []string{"A", "B"} {
		out, err := exec.Command(w.bin, "keygen", "--user", d, "--client", "1", "--out", filepath.Join(w.dir, d+".key")).Output()
		if err != nil {
			w.t.Fatalf("keygen %s: %v", d, err)
		}
		members.Write(out)
	}
	w.members = filepath.Join(w.dir, "members.txt")
	if err := os.WriteFile(w.members, []byte(members.String()), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

// startRelay runs `callrec serve` in the core namespace.
func (w *nsWorld) startRelay() {
	cmd := w.net.Command(w.net.Core, w.bin, "serve", "--listen", netns.CoreIP+":0", "--members", w.members)
	out, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		w.t.Fatalf("relay printed nothing: %s", stderr.String())
	}
	m := regexp.MustCompile(`^relay listening on (ws://\S+)$`).FindStringSubmatch(lines.Text())
	if m == nil {
		w.t.Fatalf("relay's first line: %q", lines.Text())
	}
	w.relayURL = m[1]
	go func() { _, _ = io.Copy(io.Discard, out) }()
}

// call is one `callrec call` process and what it printed.
type call struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan error
	log            string
}

// start runs `callrec call` as user ("A" or "B") in device d's namespace,
// recording into log unless it is "".
func (w *nsWorld) start(d netns.Device, user, conv, log string, args ...string) *call {
	all := []string{"call", "--relay", w.relayURL, "--key", filepath.Join(w.dir, user+".key"),
		"--pins", w.members, "--conv", conv}
	if log != "" {
		all = append(all, "--out", log)
	}
	c := &call{name: user + "/1", done: make(chan error, 1), log: log}
	c.cmd = w.net.Command(d.NS, w.bin, append(all, args...)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	if err := c.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	w.t.Cleanup(func() { _ = c.cmd.Process.Kill() })
	return c
}

// wait waits for the process, at most d, and returns its error.
func (c *call) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-c.done:
		return err
	case <-time.After(d):
		_ = c.cmd.Process.Kill()
		<-c.done
		t.Fatalf("%s did not end within %v:\n%s\n%s", c.name, d, c.stdout.String(), c.stderr.String())
		return nil
	}
}

// pairCall runs a call from A/1 (dialling) to B/1 (answering) with the
// given --ice settings for each, checks that both ended well and that
// their logs verify, and returns the dialler's setup time and the pair
// each side recorded.
func (w *nsWorld) pairCall(t *testing.T, conv, iceA, iceB string) (setup time.Duration, pairs [2]map[string]string) {
	t.Helper()
	logA, logB := filepath.Join(w.dir, conv+"-a.db"), filepath.Join(w.dir, conv+"-b.db")
	b := w.start(w.net.B, "B", conv, logB, "--answer", "--answer-after", "0s", "--timeout", "20s", "--ice", iceB)
	a := w.start(w.net.A, "A", conv, logA, "--dial", "--duration", "1s", "--timeout", "20s", "--ice", iceA)
	for _, c := range []*call{a, b} {
		if err := c.wait(t, 40*time.Second); err != nil {
			t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", c.name, err, c.stdout.String(), c.stderr.String())
		}
		if !strings.Contains(c.stdout.String(), "steps replay to the recorded outputs") {
			t.Errorf("%s did not verify its call:\n%s", c.name, c.stdout.String())
		}
	}
	m := regexp.MustCompile(`setup: SETUP sent → data channel open ([0-9.]+) ms`).FindStringSubmatch(a.stdout.String())
	if m == nil {
		t.Fatalf("A/1 printed no setup time:\n%s", a.stdout.String())
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	setup = time.Duration(ms * float64(time.Millisecond))
	for i, log := range []string{logA, logB} {
		pairs[i] = lastNote(t, log, "media.ice-pair")
		verifyLog(t, log)
	}
	return setup, pairs
}

// verifyLog checks that every call of the log replays (verify.Recorded).
func verifyLog(t *testing.T, path string) {
	t.Helper()
	for _, id := range callIDs(t, path) {
		if _, err := verify.Recorded(path, id); err != nil {
			t.Errorf("%s %s does not verify: %v", path, id, err)
		}
	}
}

func callIDs(t *testing.T, path string) []string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range infos {
		ids = append(ids, c.Meta.ID)
	}
	if len(ids) == 0 {
		t.Fatalf("%s holds no call", path)
	}
	return ids
}

// notes returns the notes of type typ in the log's calls, in order.
func notes(t *testing.T, path, typ string) []eventlog.Event {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out []eventlog.Event
	for _, id := range callIDs(t, path) {
		r, err := l.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		cur := r.Cursor(nil)
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			if ev.Kind == eventlog.KindNote && ev.Type == typ && ev.Note != nil {
				out = append(out, ev)
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	return out
}

// lastNote returns the attributes of the last note of type typ.
func lastNote(t *testing.T, path, typ string) map[string]string {
	t.Helper()
	ns := notes(t, path, typ)
	if len(ns) == 0 {
		t.Fatalf("%s recorded no %s note", path, typ)
	}
	return ns[len(ns)-1].Note.Attrs
}

// TestNetnsCalls: calls between two devices in their own namespaces,
// through the relay of a third, in the four ways ICE can be set: host to
// host; through the NATs with STUN; through TURN only; and with a TURN
// allocation that fails. Each device is a real `callrec call` process.
func TestNetnsCalls(t *testing.T) {
	w := newNSWorld(t)
	stun := "stun=stun:" + netns.CoreIP + ":" + turnPort
	turn := "turn=turn:" + netns.CoreIP + ":" + turnPort + ",turn-user=" + turnUser
	var direct, relayed time.Duration

	t.Run("direct", func(t *testing.T) {
		var pairs [2]map[string]string
		direct, pairs = w.pairCall(t, "direct", "host="+netns.Public, "host="+netns.Public)
		for i, d := range []netns.Device{w.net.A, w.net.B} {
			if p := pairs[i]; p["type"] != "host" || !strings.HasPrefix(p["local"], "host udp "+d.PublicIP+":") {
				t.Errorf("%s recorded pair %v, want host to host from %s", d.NS, p, d.PublicIP)
			}
		}
	})
	t.Run("nat-stun", func(t *testing.T) {
		ice := "host=" + netns.Inside + "," + stun
		_, pairs := w.pairCall(t, "stun", ice, ice)
		for i, d := range []netns.Device{w.net.A, w.net.B} {
			p := pairs[i]
			// Through the NATs: one end of the pair at least is a mapping
			// (srflx or prflx), and no end is a private host address.
			if p["type"] != "srflx" || strings.Contains(p["remote"], "192.168.") {
				t.Errorf("%s recorded pair %v, want one through the NATs' mappings", d.NS, p)
			}
		}
	})
	t.Run("relay-only", func(t *testing.T) {
		before := w.turn.allocations(t)
		ice := "host=" + netns.Inside + "," + turn + ",turn-pass=" + turnPass + ",relay-only"
		var pairs [2]map[string]string
		relayed, pairs = w.pairCall(t, "relay", ice, ice)
		for i, p := range pairs {
			if p["type"] != "relay" || p["local.type"] != "relay" || !strings.HasPrefix(p["local"], "relay udp "+netns.CoreIP+":") {
				t.Errorf("device %d recorded pair %v, want relay to relay through %s", i, p, netns.CoreIP)
			}
		}
		if n := w.turn.allocations(t) - before; n < 2 {
			t.Errorf("the TURN server allocated %d relays for the call, want one per device at least", n)
		}
	})
	t.Run("turn-refused", func(t *testing.T) {
		w.turnRefused(t, turn)
	})
	if direct > 0 && relayed > 0 {
		t.Logf("netns figure: setup (SETUP sent → data channel open) direct %.1f ms, through TURN %.1f ms",
			direct.Seconds()*1000, relayed.Seconds()*1000)
	}
}

// turnRefused: A/1 dials relay-only with a password the TURN server
// refuses. Its offer cannot be made: the connection closes with io, the
// log records the named error (a media.failed note naming
// mediaflow.ErrNoRelayCandidate), and replays.
func (w *nsWorld) turnRefused(t *testing.T, turn string) {
	refused := w.turn.refused(t)
	logA := filepath.Join(w.dir, "refused-a.db")
	// B/1 only makes up the conversation: it never rings, and records
	// nothing (a log without a step has nothing to verify).
	b := w.start(w.net.B, "B", "refused", "", "--answer", "--timeout", "3s")
	a := w.start(w.net.A, "A", "refused", logA, "--dial", "--timeout", "20s",
		"--ice", "host="+netns.Inside+","+turn+",turn-pass=wrong,relay-only")
	if err := a.wait(t, 30*time.Second); err == nil {
		t.Errorf("A/1 succeeded with refused TURN credentials:\n%s", a.stdout.String())
	}
	if !strings.Contains(a.stderr.String(), "TURN allocation failed: no relay candidate") {
		t.Errorf("A/1's error does not name the TURN failure: %q", a.stderr.String())
	}
	_ = b.wait(t, 15*time.Second) // fails: nobody called
	failed := notes(t, logA, "media.failed")
	if len(failed) != 1 || !strings.Contains(failed[0].Note.Text, "TURN allocation failed: no relay candidate") {
		t.Errorf("A/1 recorded media.failed %v, want one naming the TURN failure", failed)
	}
	var reason error
	l, err := eventlog.Open(logA, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range callIDs(t, logA) {
		r, err := l.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		cur := r.Cursor(nil)
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			if c, isClosed := ev.Output.(econn.Closed); isClosed {
				reason = c.Reason
			}
		}
		r.Close()
	}
	l.Close()
	if !econn.SameError(reason, econn.ErrIO) {
		t.Errorf("A/1's log records the close reason %v, want io", reason)
	}
	verifyLog(t, logA)
	if w.turn.refused(t) == refused {
		t.Error("the TURN server refused nothing: the failure came from elsewhere")
	}
}

// turnProc is the TURN server of the core namespace: this test binary
// run again as TestHelperTURNProcess inside the namespace.
type turnProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	mu    sync.Mutex
	stder lockedBuffer
}

const turnHelperEnv = "CALLREC_TURN_HELPER"

func startTURN(t *testing.T, n *netns.Net) *turnProc {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &turnProc{}
	p.cmd = n.Command(n.Core, self, "-test.run=^TestHelperTURNProcess$")
	p.cmd.Env = append(os.Environ(), turnHelperEnv+"="+strings.Join(
		[]string{netns.CoreIP + ":" + turnPort, netns.CoreIP, turnUser, turnPass}, " "))
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.stder
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.in.Close() // the helper stops at the end of its input
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	})
	p.out = bufio.NewScanner(out)
	if !p.out.Scan() || p.out.Text() != "turn ready" {
		t.Fatalf("TURN helper: %q %s", p.out.Text(), p.stder.String())
	}
	return p
}

// counts asks the helper for its counters.
func (p *turnProc) counts(t *testing.T) (allocations, refused int64) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.in, "count\n"); err != nil {
		t.Fatal(err)
	}
	if !p.out.Scan() {
		t.Fatalf("TURN helper stopped: %s", p.stder.String())
	}
	if _, err := fmt.Sscanf(p.out.Text(), "allocations %d refused %d", &allocations, &refused); err != nil {
		t.Fatalf("TURN helper said %q: %v", p.out.Text(), err)
	}
	return allocations, refused
}

func (p *turnProc) allocations(t *testing.T) int64 { a, _ := p.counts(t); return a }
func (p *turnProc) refused(t *testing.T) int64     { _, r := p.counts(t); return r }

// TestHelperTURNProcess is the TURN server of the namespace tests when
// run by startTURN (its environment says where and for whom); it does
// nothing otherwise. It answers "count" lines with its counters and
// stops at the end of its input.
func TestHelperTURNProcess(t *testing.T) {
	spec := os.Getenv(turnHelperEnv)
	if spec == "" {
		t.Skip("the TURN server of the namespace tests, run by them")
	}
	f := strings.Fields(spec)
	if len(f) != 4 {
		t.Fatalf("%s=%q: want LISTEN RELAY-IP USER PASSWORD", turnHelperEnv, spec)
	}
	srv, err := turntest.Start(f[0], f[1], f[2], f[3])
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fmt.Println("turn ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "count" {
			fmt.Printf("allocations %d refused %d\n", srv.Allocations(), srv.Refused())
		}
	}
}

// TestFigureNetnsSetup measures the setup of a call (SETUP sent → data
// channel open, as the dialler prints it) host to host against relay-only
// through TURN, in one run, alternating which goes first, for
// BENCHMARKS.md:
//
//	CALLREC_NETNS_FIGURE=10 go test -run '^TestFigureNetnsSetup$' -v ./ecall/live
func TestFigureNetnsSetup(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CALLREC_NETNS_FIGURE"))
	if n <= 0 {
		t.Skip("a figure for BENCHMARKS.md: set CALLREC_NETNS_FIGURE=N (calls of each kind)")
	}
	w := newNSWorld(t)
	kinds := map[string]string{
		"direct": "host=" + netns.Public,
		"turn": "host=" + netns.Inside + ",turn=turn:" + netns.CoreIP + ":" + turnPort +
			",turn-user=" + turnUser + ",turn-pass=" + turnPass + ",relay-only",
	}
	got := map[string][]time.Duration{}
	for i := range n {
		order := []string{"direct", "turn"}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, k := range order {
			setup, _ := w.pairCall(t, fmt.Sprintf("fig-%s-%d", k, i), kinds[k], kinds[k])
			got[k] = append(got[k], setup)
		}
	}
	for _, k := range []string{"direct", "turn"} {
		d := got[k]
		slices.Sort(d)
		t.Logf("netns figure: %-6s setup median %6.1f ms, min %6.1f, max %6.1f (%d calls)", k,
			ms64(d[len(d)/2]), ms64(d[0]), ms64(d[len(d)-1]), len(d))
	}
	t.Logf("netns figure: TURN/direct median ratio %.2f", float64(got["turn"][n/2])/float64(got["direct"][n/2]))
}

func ms64(d time.Duration) float64 { return d.Seconds() * 1000 }

// waitOutput waits until c printed text, at most d.
func (c *call) waitOutput(t *testing.T, text string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(c.stdout.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q within %v:\n%s\n%s", c.name, text, d, c.stdout.String(), c.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// restartOutcomes returns the outcomes of the media.ice-restart notes of
// a log, in order ("started offer", "recovered", ...).
func restartOutcomes(t *testing.T, log string) []string {
	t.Helper()
	var out []string
	for _, ev := range notes(t, log, "media.ice-restart") {
		o := ev.Note.Attrs["outcome"]
		if r := ev.Note.Attrs["role"]; r != "" {
			o += " " + r
		}
		out = append(out, o)
	}
	return out
}

// closeReason returns the reason the log's last connection closed with.
func closeReason(t *testing.T, path string) error {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var reason error
	for _, id := range callIDs(t, path) {
		r, err := l.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		cur := r.Cursor(nil)
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			if c, isClosed := ev.Output.(econn.Closed); isClosed {
				reason = c.Reason
			}
		}
		r.Close()
	}
	return reason
}

// TestNetnsICERestart cuts device A's link in the middle of a call. ICE
// fails on both ends; B/1, the glare winner, restarts ICE through an
// UPDATE, A/1 waits for it. With the link back before the restart's
// deadline the call recovers on the same connections; without, both legs
// fail (ErrICERestartFailed) and the connections close with io. Both
// calls are recorded, with the restart and its outcome as notes, and
// replay.
func TestNetnsICERestart(t *testing.T) {
	w := newNSWorld(t)
	run := func(t *testing.T, conv, ice string, duration string, cutFor time.Duration) (logA, logB string) {
		logA, logB = filepath.Join(w.dir, conv+"-a.db"), filepath.Join(w.dir, conv+"-b.db")
		b := w.start(w.net.B, "B", conv, logB, "--answer", "--answer-after", "0s", "--timeout", "40s", "--ice", ice)
		a := w.start(w.net.A, "A", conv, logA, "--dial", "--duration", duration, "--timeout", "40s", "--ice", ice)
		a.waitOutput(t, "connected to B/1", 20*time.Second)
		time.Sleep(time.Second)
		if err := w.net.SetLink(w.net.A, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(cutFor)
		if err := w.net.SetLink(w.net.A, true); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*call{a, b} {
			_ = c.wait(t, 40*time.Second)
			verifyLog(t, c.log)
		}
		return logA, logB
	}
	t.Run("recovers", func(t *testing.T) {
		// ICE fails 3 s into the cut; the link is back 1.5 s later, well
		// within the restart's 8 s.
		logA, logB := run(t, "restart-ok", "host="+netns.Public+",failed-after=3s,restart-within=8s", "10s", 4500*time.Millisecond)
		for log, want := range map[string]string{logA: "started answer,recovered", logB: "started offer,recovered"} {
			if got := strings.Join(restartOutcomes(t, log), ","); got != want {
				t.Errorf("%s: ICE restart notes %q, want %q", filepath.Base(log), got, want)
			}
			if r := closeReason(t, log); r != nil {
				t.Errorf("%s closed with %v, want a normal hangup after the recovery", filepath.Base(log), r)
			}
		}
	})
	t.Run("fails", func(t *testing.T) {
		// The link stays down past the restart's 4 s.
		logA, logB := run(t, "restart-fail", "host="+netns.Public+",failed-after=3s,restart-within=4s", "20s", 8*time.Second)
		for log, want := range map[string]string{logA: "started answer,failed", logB: "started offer,failed"} {
			if got := strings.Join(restartOutcomes(t, log), ","); got != want {
				t.Errorf("%s: ICE restart notes %q, want %q", filepath.Base(log), got, want)
			}
			if r := closeReason(t, log); !econn.SameError(r, econn.ErrIO) {
				t.Errorf("%s closed with %v, want io", filepath.Base(log), r)
			}
			failed := notes(t, log, "media.failed")
			if len(failed) == 0 || !strings.Contains(failed[len(failed)-1].Note.Text, ErrICERestartFailed.Error()) {
				t.Errorf("%s: media.failed notes %v, want one naming %q", filepath.Base(log), failed, ErrICERestartFailed)
			}
		}
	})
}
