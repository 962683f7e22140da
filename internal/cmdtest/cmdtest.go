// Package cmdtest is what the process tests of callrec and callreplay
// share: the command built once from the package under test, run as a
// user runs it, and checks of what it printed (an error on one line of
// stderr, --version against the build information, snake_case JSON
// keys), and a server started until its first line says where it listens.
// Only tests import it.
package cmdtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Command is a program under test, built on first use from the package in
// the test's working directory (or Pkg), with -race when the test runs
// with it.
type Command struct {
	Name string // the binary's name and the prefix of its errors
	Pkg  string // the package to build, relative to the test's directory; "" is "."
	// NoRace builds without -race even when the test runs with it: for
	// figures such as peak memory, which the race detector's shadow
	// memory would multiply.
	NoRace bool

	once      sync.Once
	dir, path string
	err       error
}

// Path builds the command once and returns the binary's path.
func (c *Command) Path(t testing.TB) string {
	t.Helper()
	c.once.Do(func() {
		if c.dir, c.err = os.MkdirTemp("", c.Name+"-test-"); c.err != nil {
			return
		}
		c.path = filepath.Join(c.dir, c.Name)
		// -buildvcs=true: record the revision where the tree is a git
		// checkout (the environment may turn it off), for --version.
		args := []string{"build", "-buildvcs=true", "-o", c.path}
		if raceEnabled && !c.NoRace {
			// The race-built packages of the test build are reused.
			args = append(args, "-race")
		}
		pkg := c.Pkg
		if pkg == "" {
			pkg = "."
		}
		if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
			c.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.path
}

// Cleanup removes the binary; TestMain calls it after the tests ran.
func (c *Command) Cleanup() {
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// Result is what one run of the binary did.
type Result struct {
	Args           []string
	Code           int
	Stdout, Stderr string
}

// Run runs the binary with args and returns its exit status and output.
func (c *Command) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return c.RunIn(t, "", args...)
}

// RunIn is Run in the working directory dir ("" is the test's).
func (c *Command) RunIn(t testing.TB, dir string, args ...string) Result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(c.Path(t), args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := Result{Args: args, Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// CheckOneLine fails the test unless r exited with code and printed one
// line on stderr, "name: ...", holding want, which appears nowhere else.
func (c *Command) CheckOneLine(t testing.TB, r Result, code int, want string) {
	t.Helper()
	if err := OneLine(c.Name, r, code, want); err != nil {
		t.Fatal(err)
	}
}

// OneLine is CheckOneLine's check: nil when it passes.
func OneLine(name string, r Result, code int, want string) error {
	switch {
	case r.Code != code:
		return fmt.Errorf("%s %v: exit %d, want %d\nstderr: %s", name, r.Args, r.Code, code, r.Stderr)
	case strings.Count(r.Stderr, "\n") != 1 || !strings.HasPrefix(r.Stderr, name+": ") || !strings.Contains(r.Stderr, want):
		return fmt.Errorf("%s %v: stderr %q: want one line \"%s: ...%s...\"", name, r.Args, r.Stderr, name, want)
	}
	if n := strings.Count(r.Stdout+r.Stderr, want); n != 1 {
		return fmt.Errorf("%s %v: %q printed %d times:\nstdout: %s\nstderr: %s", name, r.Args, want, n, r.Stdout, r.Stderr)
	}
	return nil
}

// CheckVersion runs --version and fails the test unless it prints the
// name, the module version ("devel" for a build from a work tree) and,
// when the build recorded it, the VCS revision, as the binary's build
// information (go version -m) says.
func (c *Command) CheckVersion(t testing.TB) {
	t.Helper()
	r := c.Run(t, "--version")
	if r.Code != 0 {
		t.Fatalf("--version: exit %d, %q", r.Code, r.Stderr)
	}
	info, err := exec.Command("go", "version", "-m", c.Path(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := Version(c.Name, r.Stdout, string(info)); err != nil {
		t.Fatal(err)
	}
}

var (
	infoModule   = regexp.MustCompile(`(?m)^\tmod\t\S+\t(\S+)`)
	infoRevision = regexp.MustCompile(`(?m)^\tbuild\tvcs\.revision=([0-9a-f]+)`)
)

// Version is CheckVersion's check of what --version printed against the
// output of go version -m: nil when they agree.
func Version(name, printed, info string) error {
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + ` (devel|v\S+)( \(revision ([0-9a-f]{12})(, modified)?\))?\n$`)
	m := line.FindStringSubmatch(printed)
	if m == nil {
		return fmt.Errorf("--version printed %q", printed)
	}
	want := "devel"
	if mod := infoModule.FindStringSubmatch(info); mod != nil && mod[1] != "(devel)" {
		want = mod[1]
	}
	rev := infoRevision.FindStringSubmatch(info)
	if m[1] != want || rev != nil && !strings.HasPrefix(rev[1], m[3]) || rev != nil && m[3] == "" || rev == nil && m[3] != "" {
		return fmt.Errorf("--version %q, build information:\n%s", printed, info)
	}
	return nil
}

// CheckSnakeKeys fails the test for every key of v, at any depth, that is
// not snake_case. Below a key for which data(path, key) is true the keys
// are data (message types, props) and not checked; path is the dotted
// path of the object holding key.
func CheckSnakeKeys(t testing.TB, v any, data func(path, key string) bool) {
	t.Helper()
	for _, bad := range NotSnake(v, data) {
		t.Errorf("key %s is not snake_case", bad)
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// NotSnake lists the keys of v that are not snake_case, as path.key.
func NotSnake(v any, data func(path, key string) bool) []string {
	var bad []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if !snake.MatchString(k) {
					bad = append(bad, fmt.Sprintf("%q at %s", k, path))
				}
				if data == nil || !data(path, k) {
					walk(e, path+"."+k)
				}
			}
		case []any:
			for _, e := range x {
				walk(e, path+"[]")
			}
		}
	}
	walk(v, "")
	slices.Sort(bad)
	return bad
}

// FirstLine starts cmd, a server that announces itself on stdout, and
// kills it when the test ends. It returns re's first group in the first
// line of stdout that re matches (lines before it are passed over, the
// rest of stdout is drained so the process never blocks on it) and the
// buffer cmd's stderr goes to (to read once cmd ended). The test fails
// when stdout ends, or 20 s pass, without a matching line.
func FirstLine(t testing.TB, cmd *exec.Cmd, re *regexp.Regexp) (string, *bytes.Buffer) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	got := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var m []string
		for m == nil && sc.Scan() {
			m = re.FindStringSubmatch(sc.Text())
		}
		got <- m
		io.Copy(io.Discard, out)
	}()
	select {
	case m := <-got:
		if m != nil {
			return m[1], stderr
		}
	case <-time.After(20 * time.Second):
	}
	// stderr is whole, and no longer written, once the process ended.
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("%v printed no line matching %s; stderr %s", cmd.Args, re, stderr.String())
	return "", nil
}
