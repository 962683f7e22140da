package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

// smallLog is the most a log of one short call may take on disk: bbolt
// preallocates, and a tiny call must not make a file of a megabyte.
const smallLog = 256 << 10

func checkSmall(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= smallLog {
		t.Errorf("%s: %d bytes on disk, want under %d", path, fi.Size(), smallLog)
	}
}

// TestProcessSimRepeated: recording a scenario into a log that has a call
// says that it added one, and how many the log holds now.
func TestProcessSimRepeated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "glare.db")
	scenario := "../../testdata/scenarios/13-glare-resolved.txt"
	for _, want := range []string{
		"recorded call-0001 in " + out + "\n",
		"added call-0002 to " + out + " (2 calls)\n",
	} {
		r := callrec.Run(t, "sim", scenario, "--out", out)
		if r.Code != 0 || r.Stderr != "" || !strings.HasSuffix(r.Stdout, want) {
			t.Fatalf("sim: exit %d, stderr %q, stdout %q; want it to end with %q", r.Code, r.Stderr, r.Stdout, want)
		}
		checkSmall(t, out)
	}
	r := callrec.Run(t, "sim", scenario, scenario, scenario, scenario, "--out", out)
	if want := "added 4 calls (call-0003 to call-0006) to " + out + " (6 calls)\n"; r.Code != 0 || !strings.HasSuffix(r.Stdout, want) {
		t.Errorf("sim of four scenarios: exit %d, stdout %q; want it to end with %q", r.Code, r.Stdout, want)
	}
	// --quiet prints failures only, --json one JSON object: no line.
	for _, flag := range []string{"--quiet", "--json"} {
		r := callrec.Run(t, "sim", scenario, "--out", out, flag)
		if r.Code != 0 || strings.Contains(r.Stdout, "added") {
			t.Errorf("sim %s: exit %d, stdout %q", flag, r.Code, r.Stdout)
		}
	}
	if calls := verifyLogFile(t, out); len(calls) != 8 {
		t.Errorf("%d calls in the log, want 8", len(calls))
	}
}

// TestProcessDemoInterrupted sends SIGINT to a running demo, as Ctrl-C
// does: the caller hangs up, the call closes and is recorded and
// verified, and the process says it was interrupted and exits 130.
func TestProcessDemoInterrupted(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		after string // the line of stdout after which the signal comes
	}{
		{"connected", []string{"--duration", "60s", "--answer-after", "100ms"}, "connected; the call lasts 1m0s"},
		{"ringing", []string{"--duration", "1s", "--answer-after", "60s"}, "A/1 calls B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "calls.db")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, callrec.Path(t), append([]string{"demo", "--out", out}, c.args...)...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := bufio.NewReader(stdout)
			var seen strings.Builder
			for !strings.Contains(seen.String(), c.after) {
				line, err := lines.ReadString('\n')
				seen.WriteString(line)
				if err != nil {
					t.Fatalf("demo ended before %q: %v\n%s\n%s", c.after, err, seen.String(), stderr.String())
				}
			}
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(lines)
			seen.Write(rest)
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != cmdutil.ExitInterrupted {
				t.Fatalf("demo after SIGINT: %v, want exit %d\n%s\n%s", err, cmdutil.ExitInterrupted, seen.String(), stderr.String())
			}
			mustContain(t, "demo output", seen.String(), "interrupted: A/1 hangs up\n", "recorded call-0001 in "+out,
				"steps replay to the recorded outputs")
			if want := "callrec: interrupted: call-0001 was hung up early (recorded in " + out + ")\n"; stderr.String() != want {
				t.Errorf("stderr %q, want %q", stderr.String(), want)
			}
			verifyLogFile(t, out)
			checkSmall(t, out)
		})
	}
}
