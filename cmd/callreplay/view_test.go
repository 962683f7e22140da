package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
)

func TestViewFlags(t *testing.T) {
	var got *viewOptions
	cmd := newViewCmd(&cmdutil.IOStreams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, func(o *viewOptions) error {
		got = o
		return nil
	})
	t.Setenv("NO_COLOR", "1")
	cmd.SetArgs([]string{"field.db", "--call", "call-0002", "--at", "120"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Log != "field.db" || got.Call != "call-0002" || got.At != 120 || !got.NoColor {
		t.Fatalf("options %+v", got)
	}
}

func TestViewUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"view"}, cmdutil.ExitUsage, "accepts 1 arg"},
		{[]string{"view", "a.db", "b.db"}, cmdutil.ExitUsage, "accepts 1 arg"},
		{[]string{"view", "a.db", "--at", "first"}, cmdutil.ExitUsage, "invalid argument"},
		{[]string{"view", filepath.Join(t.TempDir(), "missing.db")}, cmdutil.ExitInput, "missing.db"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &cmdutil.IOStreams{Out: &out, Err: &errb})
		if code != c.code || !strings.Contains(errb.String(), c.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.err)
		}
	}
}

func TestViewBadCall(t *testing.T) {
	path := viewTestLog(t)
	for _, args := range [][]string{{"--call", "nope"}, {"--at", "999"}} {
		var errb bytes.Buffer
		code := run(append([]string{"view", path}, args...), &cmdutil.IOStreams{Out: &bytes.Buffer{}, Err: &errb})
		if code != cmdutil.ExitInput || !strings.Contains(errb.String(), path) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

func TestViewHelpHasExample(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"view", "--help"}, &cmdutil.IOStreams{Out: &out, Err: &out}); code != cmdutil.ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Examples:", "callreplay view glare.db", "--call", "--at"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

// viewTestLog records the glare call into a new log and returns its path.
func viewTestLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "glare.db")
	if err := simtest.WriteLog(path, simtest.Call{ID: "glare", Scenario: simtest.Glare}); err != nil {
		t.Fatal(err)
	}
	return path
}

// tmuxSession runs a command in a detached tmux session on a private
// server, so the test never touches anyone else's tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func newTmux(t *testing.T, dir string, w, h int, env []string, command string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the end-to-end test of callreplay view needs it (.ci/run installs it)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("callreplay-view-test-%d", os.Getpid())}
	args := []string{"new-session", "-d", "-s", "view", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-c", dir}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	s.run(append(args, command)...)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys sends keys: each argument is a tmux key name or literal text.
func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "view"}, keys...)...)
}

// waitFor polls the pane until it shows every text, and returns it.
func (s *tmuxSession) waitFor(texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var pane string
	for time.Now().Before(deadline) {
		pane = s.run("capture-pane", "-p", "-t", "view")
		ok := true
		for _, text := range texts {
			ok = ok && strings.Contains(pane, text)
		}
		if ok {
			return pane
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("the pane never showed %q:\n%s", texts, pane)
	return ""
}

// colourEscape matches an SGR escape that sets a foreground or background
// colour (39 and 49, back to the default, are no colour).
var colourEscape = regexp.MustCompile(`\x1b\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

// The real binary in a real terminal: open the glare scenario's golden
// log, set a breakpoint on Conflict-Resolution, continue to it, see why
// (the step: a SETUP from B/2 while calling, glare lost), look at the
// diff, copy the event, read the help, click, scroll, resize, quit.
var (
	wroteTo = regexp.MustCompile(`wrote event \d+ as JSON to (/\S+)`)
	matchOf = regexp.MustCompile(`match (\d+)/(\d+)`)
)

// sameFile reports whether paths a and b name one file.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func TestViewInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the end-to-end test of callreplay view needs it (.ci/run installs it)")
	}
	dir := t.TempDir()
	bin := callreplay.Path(t)
	// The golden log of the glare scenario, copied: the test must not
	// touch the repository's file.
	golden, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "04-glare.log"))
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "glare.log")
	if err := os.WriteFile(logPath, golden, 0o644); err != nil {
		t.Fatal(err)
	}
	done := filepath.Join(dir, "exited")
	s := newTmux(t, dir, 100, 30, []string{"NO_COLOR=1"},
		fmt.Sprintf("%s view %s; echo $? > %s; sleep 60", bin, logPath, done))

	s.waitFor("call 04-glare", "A/1", "B/2", "h help")
	// NO_COLOR: attributes (bold, underline, reverse) but no colour at all.
	if ansi := s.run("capture-pane", "-p", "-e", "-t", "view"); colourEscape.MatchString(ansi) {
		t.Errorf("NO_COLOR set, yet the screen has colours: %q", colourEscape.FindAllString(ansi, 5))
	}
	s.keys("b")
	s.keys("-l", "state=Conflict-Resolution")
	s.keys("Enter")
	s.keys("c")
	pane := s.waitFor("breakpoint: state=Conflict-Resolution")
	for _, want := range []string{"Pending-Outgoing → Conflict-Resolution", "loser", "step #", "glare lost"} {
		if !strings.Contains(pane, want) {
			t.Errorf("at the breakpoint the pane lacks %q:\n%s", want, pane)
		}
	}
	s.keys("d")
	s.waitFor("State diff", "none → loser")
	s.keys("y")
	s.waitFor("write event as JSON to: event-")
	s.keys("Enter")
	pane = s.waitFor("wrote event")
	matches, _ := filepath.Glob(filepath.Join(dir, "event-*.json"))
	if len(matches) != 1 {
		t.Fatalf("y wrote %v\n%s", matches, pane)
	}
	// The status line names the file in full, wherever the directory is.
	if said := wroteTo.FindStringSubmatch(pane); said == nil || !sameFile(said[1], matches[0]) {
		t.Errorf("y wrote %s; the status line says %q\n%s", matches[0], said, pane)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil || !strings.Contains(string(data), `"to": "Conflict-Resolution"`) {
		t.Fatalf("copied event: %v\n%s", err, data)
	}
	s.keys("h")
	s.waitFor("callreplay view — keys", "reverse-continue")
	s.keys("x", "j", "k", "G", "g")
	s.waitFor("#1 of 1..")
	// Search: n and N step through the matches, the status line counts.
	s.keys("/")
	s.keys("-l", "SETUP")
	s.keys("Enter")
	pane = s.waitFor("/setup: match ")
	got := matchOf.FindStringSubmatch(pane)
	if got == nil {
		t.Fatalf("/SETUP: no match k/n\n%s", pane)
	}
	k, _ := strconv.Atoi(got[1])
	total := got[2]
	s.keys("n")
	s.waitFor(fmt.Sprintf("/setup: match %d/%s", k+1, total))
	s.keys("N")
	s.waitFor(fmt.Sprintf("/setup: match %d/%s", k, total))
	s.keys("G", "n") // past the last: wraps to the first
	s.waitFor("/setup: match 1/"+total, "wrapped around")
	s.keys("N") // before the first: wraps to the last
	s.waitFor("/setup: match "+total+"/"+total, "wrapped around")
	s.keys("g")
	s.waitFor("#1 of 1..")
	// The mouse, as the terminal reports it (SGR, 1-based): a click on the
	// sixth event row, then one wheel notch down (three events).
	s.keys("-l", "\x1b[<0;5;8M")
	s.keys("-l", "\x1b[<0;5;8m")
	s.waitFor("#6 of 1..")
	s.keys("-l", "\x1b[<65;5;8M")
	s.waitFor("#9 of 1..")
	// Shrink the terminal to 80×24: the viewer redraws for it.
	s.run("resize-window", "-t", "view", "-x", "80", "-y", "24")
	pane = s.waitFor("#9 of 1..", "State ")
	lines := strings.Split(strings.TrimRight(pane, "\n"), "\n")
	if len(lines) != 24 || !strings.HasPrefix(lines[23], "#9 of 1..") {
		t.Fatalf("after resizing to 80×24 the status line is not the last of 24:\n%s", pane)
	}
	s.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// The shell creates the file before echo writes the line: wait
		// for the line.
		if b, err := os.ReadFile(done); err == nil && strings.HasSuffix(string(b), "\n") {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Fatalf("callreplay view exited %s", code)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("q did not end callreplay view")
}
