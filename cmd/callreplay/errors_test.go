package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// checkFails runs args and checks the exit status and that stderr is one
// line naming the problem (plus cobra's usage hint for usage errors).
func checkFails(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	r := runCmd(t, args...)
	if r.code != code {
		t.Fatalf("callreplay %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "callreplay: ") || !strings.Contains(lines[0], want) {
		t.Fatalf("callreplay %s: stderr %q, want one line with %q", strings.Join(args, " "), r.stderr, want)
	}
	if len(lines) > 1 && !(code == cmdutil.ExitUsage && len(lines) == 2) {
		t.Fatalf("callreplay %s: stderr has %d lines:\n%s", strings.Join(args, " "), len(lines), r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("stack trace:\n%s", r.stderr)
	}
}

// newerLog returns a copy of a log whose format version is newer than this
// build reads.
func newerLog(t *testing.T) string {
	t.Helper()
	path := basicLog(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("_callrec")).Put([]byte("version"), []byte("99"))
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.log")
	notLog := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notLog, []byte(strings.Repeat("this is not a log\n", 2000)), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.log")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	good := basicLog(t)
	two := writeCalls(t, basicCall(t), generate(t, "glare", simtest.Glare))
	newer := newerLog(t)
	// A golden log holds only the pages in use: cut, it lacks some.
	truncated := filepath.Join(dir, "truncated.log")
	data, err := os.ReadFile(goldenLog("02-hangup"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, data[:len(data)/3], 0o600); err != nil {
		t.Fatal(err)
	}

	// Every command that reads a log refuses the same bad logs.
	reads := [][]string{{"ls"}, {"show"}, {"verify"}, {"export", "--format", "jsonl"}}
	for _, cmd := range reads {
		name := cmd[0]
		with := func(path string) []string { return append([]string{name, path}, cmd[1:]...) }
		t.Run(name, func(t *testing.T) {
			checkFails(t, cmdutil.ExitInput, "no such log file", with(missing)...)
			checkFails(t, cmdutil.ExitInput, "not a callrec event log", with(notLog)...)
			checkFails(t, cmdutil.ExitInput, "not a callrec event log", with(empty)...)
			checkFails(t, cmdutil.ExitInput, "newer", with(newer)...)
			checkFails(t, cmdutil.ExitInput, "corrupt", with(truncated)...)
		})
	}
	t.Run("redact", func(t *testing.T) {
		checkFails(t, cmdutil.ExitInput, "no such log file", "redact", missing, filepath.Join(dir, "r1.log"))
		checkFails(t, cmdutil.ExitInput, "not a callrec event log", "redact", notLog, filepath.Join(dir, "r2.log"))
		checkFails(t, cmdutil.ExitInput, "already exists", "redact", good, notLog)
		if _, err := os.Stat(filepath.Join(dir, "r1.log")); err == nil {
			t.Fatal("a failed redact left its output behind")
		}
	})
	// An output that cannot be created is not input: exit 4, the path
	// named once.
	t.Run("output", func(t *testing.T) {
		out := filepath.Join(dir, "no-such-dir", "out")
		checkFails(t, cmdutil.ExitError, out+": no such file", "export", good, "--format", "text", "--out", out)
		checkFails(t, cmdutil.ExitError, out+": no such file", "redact", good, out)
		for _, args := range [][]string{{"export", good, "-f", "text", "-o", out}, {"redact", good, out}} {
			if r := runCmd(t, args...); strings.Count(r.stderr, out) != 1 {
				t.Errorf("%v: stderr %q names the path %d times", args, r.stderr, strings.Count(r.stderr, out))
			}
		}
	})
	t.Run("unknown call", func(t *testing.T) {
		checkFails(t, cmdutil.ExitInput, "no such call", "show", good, "--call", "nope")
		checkFails(t, cmdutil.ExitInput, "no such call", "export", good, "--call", "nope", "--format", "text")
	})
	t.Run("several calls", func(t *testing.T) {
		// The latest call, with a note on stderr; --call picks.
		for _, c := range []struct {
			doing string
			args  []string
		}{{"showing", []string{"show", two}}, {"exporting", []string{"export", two, "--format", "text"}}} {
			r := runCmd(t, c.args...)
			want := "callreplay: " + two + " holds 2 calls; " + c.doing + " the latest, glare (use --call to pick one)\n"
			if r.code != 0 || r.stderr != want || !strings.Contains(r.stdout, "call glare ·") {
				t.Errorf("%v: exit %d, stderr %q (want %q)\n%s", c.args, r.code, r.stderr, want, r.stdout)
			}
		}
		r := runCmd(t, "show", two, "--call", "call-1")
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "call call-1 ·") {
			t.Errorf("show --call call-1: exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
		}
	})
	t.Run("locked", func(t *testing.T) {
		l, err := eventlog.Open(good, 0o600, nil) // a recorder holding the log
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		checkFails(t, cmdutil.ExitInput, "locked", "show", good)
		checkFails(t, cmdutil.ExitInput, "locked", "verify", good)
	})
	t.Run("usage", func(t *testing.T) {
		checkFails(t, cmdutil.ExitUsage, "accepts 1 arg(s), received 0", "show")
		checkFails(t, cmdutil.ExitUsage, "requires at least 1 arg(s)", "verify")
		checkFails(t, cmdutil.ExitUsage, "accepts 2 arg(s)", "redact", good)
		checkFails(t, cmdutil.ExitUsage, "--kind", "show", good, "--kind", "bogus")
		checkFails(t, cmdutil.ExitUsage, "--endpoint", "show", good, "--endpoint", "nobody/")
		checkFails(t, cmdutil.ExitUsage, "--format", "export", good, "--format", "pdf")
		checkFails(t, cmdutil.ExitUsage, "required flag", "export", good)
		checkFails(t, cmdutil.ExitUsage, "--jobs", "verify", good, "--jobs", "0")
		checkFails(t, cmdutil.ExitUsage, "unknown flag", "ls", good, "--frobnicate")
		checkFails(t, cmdutil.ExitUsage, "unknown command", "frobnicate")
	})
}
