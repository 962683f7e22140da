package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/verify"
)

// runSim runs callrec with args as a user would and returns the exit code
// and what it printed.
func runSim(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &cmdutil.IOStreams{Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// TestSimRecordsReproducibleLogs: every scenario file passes, and the same
// files and seed write a byte-identical log.
func TestSimRecordsReproducibleLogs(t *testing.T) {
	files, err := filepath.Glob("../../testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	dir := t.TempDir()
	var logs [][]byte
	for _, name := range []string{"a.db", "b.db"} {
		path := filepath.Join(dir, name)
		args := append([]string{"sim", "--seed", "3", "--out", path}, files...)
		code, out, errs := runSim(t, args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		ok := 0
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "ok ") {
				ok++
			}
		}
		if got := ok; got != len(files) {
			t.Fatalf("%d of %d scenarios ok:\n%s", got, len(files), out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, b)
	}
	if !bytes.Equal(logs[0], logs[1]) {
		t.Fatal("same scenarios and seed wrote different logs")
	}
}

func TestSimFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wrong := write("wrong.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\n")
	ok := write("ok.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Pending-Incoming\n")
	bad := write("bad.txt", "clients A/1 B/1\nstart A/1\nadvance later\n")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sim", wrong}, 1, "callrec: 1 expectation failed in 1 of 1 scenario\n"},
		{[]string{"sim", bad}, 3, "bad.txt:3: bad duration \"later\""},
		{[]string{"sim", filepath.Join(dir, "missing.txt")}, 3, "no such file"},
		// An output that cannot be created is not input: exit 4.
		{[]string{"sim", "--out", filepath.Join(dir, "no-such-dir", "x.db"), ok}, 4, "no-such-dir/x.db: no such file"},
		{[]string{"sim"}, 2, "sim needs a scenario file"},
		{[]string{"sim", "--explore", wrong}, 2, "--explore takes no scenario files"},
		{[]string{"sim", "--frobnicate", wrong}, 2, "unknown flag"},
	}
	for _, c := range cases {
		code, _, errs := runSim(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(errs, c.want) != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q once", c.args, code, errs, c.code, c.want)
		}
	}
	// A malformed file stops the run before anything is recorded.
	out := filepath.Join(dir, "none.db")
	if code, _, _ := runSim(t, "sim", "--out", out, wrong, bad); code != 3 {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a malformed scenario must stop the run before the log is created (stat: %v)", err)
	}
}

// TestSimFailureLines: each failed expectation is a line of its own on
// stdout, after its scenario's FAIL line (also with -q), and stderr holds
// one line that counts them.
func TestSimFailureLines(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	two := write("two.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 state=Answered\nexpect A/1 state=Answered\n")
	one := write("one.txt", "clients A/1 B/1\nstart A/1\nrun\nexpect B/1 incoming=2\n")
	glare := "../../testdata/scenarios/04-glare.txt"
	want := "FAIL two\n" +
		"two:4: expect B/1 state: want Answered, got Pending-Incoming\n" +
		"two:5: expect A/1 state: want Answered, got Pending-Outgoing\n" +
		"FAIL one\n" +
		"one:4: expect B/1 incoming: want 2, got 1\n"
	code, stdout, stderr := runSim(t, "sim", "-q", two, glare, one)
	if code != 1 || stdout != want || stderr != "callrec: 3 expectations failed in 2 of 3 scenarios\n" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestSimExplore(t *testing.T) {
	code, out, errs := runSim(t, "sim", "--explore", "--runs", "200", "--seed", "1", "--fail-dir", t.TempDir())
	if code != 0 || !strings.Contains(out, "explored 200 random scenarios (seeds 1..200)") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestSimExploreOut: --out records every explored run as a call, and the
// log verifies.
func TestSimExploreOut(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "big.db")
	code, out, errs := runSim(t, "sim", "--explore", "--runs", "40", "--seed", "7", "--fail-dir", dir, "--out", log)
	if code != 0 || !strings.HasSuffix(out, "\nrecorded 40 calls (call-0001 to call-0040) in "+log+"\n") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	res := verify.Log(log, func(p string) (*eventlog.Log, error) {
		return eventlog.Open(p, 0, &eventlog.Options{ReadOnly: true})
	})
	var sum verify.Summary
	sum.Add(res)
	if res.Err != nil || sum.Calls != 40 || sum.OK() != 40 || sum.Events == 0 {
		t.Fatalf("verify: %+v", sum)
	}
}

// TestSimParseErrors: callrec sim lists every bad line of a scenario on
// stderr, one per line as file:line: what is wrong, then one summary line;
// it exits 3 and records nothing. Past the limit one line counts the
// rest; a line too long is named.
func TestSimParseErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.txt", "start A/1\nclients A/1 B/1\nstart B/9\nrun\nadvance soon\nfrobnicate\n")
	out := filepath.Join(dir, "none.db")
	code, stdout, stderr := runSim(t, "sim", "--out", out, bad)
	want := bad + ":1: start before the clients line\n" +
		bad + ":3: unknown client B/9 (not on the clients line)\n" +
		bad + ":5: bad duration \"soon\" (e.g. 200ms, 5s)\n" +
		bad + ":6: unknown command \"frobnicate\"\n" +
		"callrec: 4 errors in " + bad + "\n"
	if code != 3 || stdout != "" || stderr != want {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", code, stdout, stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a bad scenario must record nothing (stat: %v)", err)
	}

	many := write("many.txt", "clients A/1\n"+strings.Repeat("frob\n", 30))
	code, _, stderr = runSim(t, "sim", many)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != 3 || len(lines) != 22 || lines[0] != many+`:2: unknown command "frob"` ||
		lines[20] != many+": and 10 more errors (only the first 20 are listed)" ||
		lines[21] != "callrec: 30 errors in "+many {
		t.Fatalf("exit %d, %d lines:\n%s", code, len(lines), stderr)
	}

	long := write("long.txt", "clients A/1 B/1\n"+strings.Repeat("x", 1<<20+1)+"\nrun x\n")
	code, _, stderr = runSim(t, "sim", long)
	want = long + ":2: line too long (longer than 1048576 bytes); skipped\n" +
		long + ":3: run: unexpected \"x\"\n" +
		"callrec: 2 errors in " + long + "\n"
	if code != 3 || stderr != want {
		t.Fatalf("exit %d\nstderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}

// TestSimExploreProgress: a long exploration shows its progress on a
// terminal's stderr, cleared before the report; none off a terminal or in
// a short run.
func TestSimExploreProgress(t *testing.T) {
	explore := func(tty bool) (string, string) {
		var out, errb bytes.Buffer
		code := run([]string{"sim", "--explore", "--runs", "5", "--fail-dir", t.TempDir()},
			&cmdutil.IOStreams{Out: &out, Err: &errb, ErrTerminal: tty})
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String(), errb.String()
	}
	if _, e := explore(true); e != "" {
		t.Fatalf("progress of a short exploration: %q", e)
	}
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	progressAfter = 0
	out, e := explore(true)
	if !strings.HasPrefix(e, "\rexplore [######........................] 1/5 runs") || !strings.HasSuffix(e, "\r") ||
		!strings.HasPrefix(out, "explored 5 random scenarios") {
		t.Fatalf("progress %q, report %q", e, out)
	}
	if _, e := explore(false); e != "" {
		t.Fatalf("progress off a terminal: %q", e)
	}
}
