package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/fleet"
	"github.com/callrec/callrec/internal/cmdtest"
)

// readmeBlock returns the lines of the first sh block after heading in
// the README.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), heading+"\n")
	if !ok {
		t.Fatalf("README: no section %q", heading)
	}
	_, block, ok := strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatalf("README %q: no sh block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return strings.Split(strings.TrimSpace(block), "\n")
}

// shellWords splits a README command line as sh would for the few forms
// the README uses: words, 'quoted words', a trailing # comment.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// walkProc is a command of the walk run in the background.
type walkProc struct {
	line string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

// TestREADMEFieldDiagnostics runs the README's "Field diagnostics" walk
// as it stands, in a fresh directory: the fleet and the relay on free
// ports (their URLs substituted in the later commands), three devices
// recording with --fleet, fleet ls (with a filter), pull, verify of the
// pulled log, view's catalog (the screen needs a terminal: the command's
// options are parsed and its catalog opened), and fleet verify done by two
// worker processes.
func TestREADMEFieldDiagnostics(t *testing.T) {
	if testing.Short() {
		t.Skip("a live call across processes")
	}
	bins := map[string]string{"bin/callrec": callrec.Path(t), "bin/callreplay": callreplay.Path(t)}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	subst := map[string]string{}
	var calls, workers []*walkProc
	outputs := map[string]string{} // a foreground command's stdout, by its line
	for _, line := range readmeBlock(t, "## Field diagnostics") {
		words := shellWords(line)
		for k, v := range subst {
			for i := range words {
				words[i] = strings.ReplaceAll(words[i], k, v)
			}
		}
		bin, ok := bins[words[0]]
		if !ok {
			t.Fatalf("README line %q: not a callrec or callreplay command", line)
		}
		args := words[1:]
		background := args[len(args)-1] == "&"
		var appendTo string
		if background {
			args = args[:len(args)-1]
		}
		if n := len(args); n > 2 && args[n-2] == ">>" {
			appendTo, args = filepath.Join(dir, args[n-1]), args[:n-2]
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		switch {
		case args[0] == "fleet" && args[1] == "serve": // the fleet, on a free port
			cmd.Args = listenAnywhere(cmd.Args)
			subst["nats://127.0.0.1:4222"], _ = cmdtest.FirstLine(t, cmd, regexp.MustCompile(`^(nats://\S+)$`))
		case args[0] == "serve": // the relay, on a free port
			cmd.Args = listenAnywhere(cmd.Args)
			subst["127.0.0.1:8080"], _ = cmdtest.FirstLine(t, cmd, regexp.MustCompile(`^relay listening on ws://(\S+)$`))
		case args[0] == "view":
			waitAll(t, calls)
			checkFleetView(t, args[1:])
		case background:
			p := &walkProc{line: line, cmd: cmd, done: make(chan error, 1)}
			cmd.Stdout, cmd.Stderr = &p.out, &p.out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { p.done <- cmd.Wait() }()
			if args[0] == "call" {
				calls = append(calls, p)
			} else {
				workers = append(workers, p)
			}
		default:
			if words[0] == "bin/callreplay" {
				waitAll(t, calls) // the recordings are published when their recorders end
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s%s", line, err, stdout.String(), stderr.String())
			}
			if appendTo != "" {
				f, err := os.OpenFile(appendTo, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				f.Write(stdout.Bytes())
				f.Close()
			}
			outputs[strings.Join(args[:2], " ")] += stdout.String()
		}
	}
	if len(calls) != 2 || len(workers) != 2 {
		t.Fatalf("the walk started %d background calls and %d workers, want 2 and 2", len(calls), len(workers))
	}
	// Listed twice (the second time filtered): the one call of c1, its
	// three devices from three recordings.
	rows := regexp.MustCompile(`(?m)^(c1\.[0-9a-f]{32})\s+\S+\s+\S+\s+(\S+)\s+(\d+)\s`).FindAllStringSubmatch(outputs["fleet ls"], -1)
	if len(rows) != 2 || rows[0][1] != rows[1][1] || rows[0][3] != "3" {
		t.Errorf("fleet ls: rows %q; want the call of c1 twice, from 3 recordings:\n%s", rows, outputs["fleet ls"])
	} else {
		for _, dev := range []string{"A/1", "B/1", "B/2"} {
			if !strings.Contains(rows[0][2], dev) {
				t.Errorf("fleet ls: devices %s, no %s", rows[0][2], dev)
			}
		}
	}
	if v := outputs["fleet verify"]; !strings.Contains(v, "fleet verified 1 call (") ||
		!strings.Contains(v, ": 1 ok, 0 diverged, 0 damaged, 0 failed\n") {
		t.Errorf("fleet verify:\n%s", v)
	}
	if v := outputs["verify call.db"]; !strings.Contains(v, "1 ok, 0 diverged") {
		t.Errorf("verify of the pulled call:\n%s", v)
	}
	// The workers did the work, and stop on Ctrl-C.
	var worked string
	for _, w := range workers {
		w.cmd.Process.Signal(syscall.SIGINT)
		err := <-w.done
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != cmdutil.ExitInterrupted {
			t.Errorf("%s: %v\n%s", w.line, err, w.out.String())
		}
		worked += w.out.String()
	}
	if !regexp.MustCompile(`(?m)^ok\s+c1\.`).MatchString(worked) {
		t.Errorf("no worker reported the call:\n%s", worked)
	}
}

// listenAnywhere puts port 0 in a --listen flag.
func listenAnywhere(args []string) []string {
	for i := range args[:len(args)-1] {
		if args[i] == "--listen" {
			args[i+1] = "127.0.0.1:0"
		}
	}
	return args
}

// waitAll waits for the background recorders, which must exit 0.
func waitAll(t *testing.T, ps []*walkProc) {
	t.Helper()
	for _, p := range ps {
		if p.done == nil {
			continue
		}
		if err := <-p.done; err != nil {
			t.Fatalf("%s: %v\n%s", p.line, err, p.out.String())
		}
		p.done = nil
	}
}

// checkFleetView parses view's arguments as the command does and opens
// its catalog: the fleet call, pulled, with its three devices.
func checkFleetView(t *testing.T, args []string) {
	t.Helper()
	var opts *viewOptions
	cmd := newViewCmd(&cmdutil.IOStreams{Out: io.Discard, Err: io.Discard}, func(o *viewOptions) error { opts = o; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	cat, _, closeCat, err := viewCatalog(opts)
	if err != nil {
		t.Fatalf("view %v: %v", args, err)
	}
	defer closeCat()
	entries, err := cat.Calls()
	if err != nil || len(entries) != 1 || len(entries[0].Info.Meta.Endpoints) != 3 {
		t.Fatalf("view %v: calls %+v, %v; want one call of 3 devices", args, entries, err)
	}
}

// startFleet serves an embedded fleet for one test and returns its URL
// and a client of it.
func startFleet(t *testing.T) (string, *fleet.Client) {
	t.Helper()
	srv, err := fleet.Serve(fleet.ServerOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), MaxStore: 1 << 30,
		MaxMemory: 64 << 20, Ready: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := fleet.Connect(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv.URL(), c
}

// fleet verify exits as verify does: 1 with a diverging call (its step
// printed), 3 once a recording is damaged; --json gives every call once;
// bad flags are usage errors.
func TestFleetVerifyExitCodes(t *testing.T) {
	url, c := startFleet(t)
	good := basicCall(t)
	bad, _ := alterOutput(t, generate(t, "call-0002", simtest.BasicCall(3)), simtest.B1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	up, err := c.Upload(ctx, writeCalls(t, good, bad), fleet.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "fleet", "verify", "--fleet", url, "--workers", "2")
	if r.code != cmdutil.ExitFailed || !strings.Contains(r.stdout, "DIVERGED  _.") || !strings.Contains(r.stdout, "call call-0002") ||
		!strings.Contains(r.stdout, ": 1 ok, 1 diverged, 0 damaged, 0 failed") {
		t.Fatalf("fleet verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var j fleet.VerifyJSON
	r = runCmd(t, "fleet", "verify", "--json", "--filter", "until=2100-01-01", "--workers", "1", "--fleet", url)
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || r.code != cmdutil.ExitFailed ||
		j.Summary.Calls != 2 || j.Summary.Diverged != 1 || len(j.Calls) != 2 {
		t.Fatalf("fleet verify --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}

	// An event of the good call gone from the stream: damaged, exit 3.
	s, err := c.JetStream().Stream(ctx, fleet.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, fleet.RecordingSubjects(up.Recordings[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMsg(ctx, m.Sequence); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, "fleet", "verify", "--fleet", url, "--quiet")
	if r.code != cmdutil.ExitInput || !strings.Contains(r.stdout, "DAMAGED   _."+up.Recordings[0]) || strings.Contains(r.stdout, "ok        ") {
		t.Fatalf("fleet verify of a damaged recording: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fleet", "ls"}, "no fleet: give --fleet nats://HOST:PORT or set CALLREC_FLEET"},
		{[]string{"fleet", "ls", "--fleet", url, "--filter", "kind=input"}, `--filter: filter term "kind=input": unknown key "kind"`},
		{[]string{"fleet", "verify", "--fleet", url, "--ack-wait", "10ms"}, "--ack-wait 10ms: want at least 1s"},
		{[]string{"fleet", "ls", "--fleet", "http://x"}, `"http://x" is not nats://HOST:PORT`},
	} {
		r := runCmd(t, tc.args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	r = runCmd(t, "fleet", "pull", "nope", "--fleet", url, "--out", filepath.Join(t.TempDir(), "x.db"))
	if r.code != cmdutil.ExitInput || !strings.Contains(r.stderr, `no such call: "nope"`) {
		t.Errorf("pull of no call: exit %d, %q", r.code, r.stderr)
	}
}

// ls --filter takes the call language of fleet ls on a local log.
func TestLsFilter(t *testing.T) {
	timeout, err := os.ReadFile("../../testdata/scenarios/09-caller-timeout.txt")
	if err != nil {
		t.Fatal(err)
	}
	path := writeCalls(t, basicCall(t), generate(t, "timeout", string(timeout)))
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{"user=A", []string{"call-1", "timeout"}},
		{"user=nobody", nil},
		{"outcome=normal", []string{"call-1"}},
		{"outcome=failed", []string{"timeout"}},
		{"reason=timed-out device=A/1", []string{"timeout"}},
		{"outcome=closed", []string{"call-1", "timeout"}},
		{"build=nope", nil},
		{"until=2000-01-01", nil},
	} {
		out := mustRun(t, "ls", path, "--filter", tc.expr)
		got := regexp.MustCompile(`(?m)^(call-1|timeout)\s`).FindAllStringSubmatch(out, -1)
		var ids []string
		for _, m := range got {
			ids = append(ids, m[1])
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ls --filter %q: %v, want %v\n%s", tc.expr, ids, tc.want, out)
		}
	}
	r := runCmd(t, "ls", path, "--filter", "type=SETUP")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.stderr, `unknown key "type"`) {
		t.Errorf("ls --filter type=SETUP: exit %d, %q", r.code, r.stderr)
	}
}
