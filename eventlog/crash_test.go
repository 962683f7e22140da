package eventlog

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests below re-run the test binary as a child process, selected by
// these environment variables, to write a log from another process.
const (
	envChildMode = "EVENTLOG_TEST_CHILD" // "append" or "hold"
	envChildPath = "EVENTLOG_TEST_PATH"
)

// TestChildProcess is not a test: it is the child's body, run by
// startChild, and skipped otherwise.
func TestChildProcess(t *testing.T) {
	path := os.Getenv(envChildPath)
	switch os.Getenv(envChildMode) {
	case "append":
		appendForever(path)
	case "hold":
		holdOpen(path)
	default:
		t.Skip("runs only as a child of the crash and lock tests")
	}
}

// appendForever continues the call "crash" (creating it the first time)
// and appends until killed: batches of random size, each flushed, printing
// "flushed <seq>" once Flush returned.
//
// It starts only when told "go" on stdin, so that the test can start the
// next child, which takes long under the race detector, while the previous
// one is still running.
func appendForever(path string) {
	if line, _ := bufio.NewReader(os.Stdin).ReadString('\n'); line != "go\n" {
		os.Exit(0)
	}
	l, err := Open(path, 0o600, &Options{Timeout: 10 * time.Second, BatchSize: 64, BatchDelay: 2 * time.Millisecond})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	w, err := l.ResumeCall("crash")
	if err != nil {
		w, err = l.CreateCall(CallMeta{ID: "crash"})
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	infos, _ := l.Calls()
	next := infos[0].Events + 1
	fmt.Println("resumed", next-1)
	for {
		for range 1 + rand.IntN(100) {
			if _, err := w.Append(noteEvent(next)); err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			next++
		}
		if err := w.Flush(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("flushed", next-1)
	}
}

// holdOpen keeps the log open for writing until its stdin closes.
func holdOpen(path string) {
	l, err := Open(path, 0o600, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	l.Close()
}

// child is a running child process and what it reported.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu      sync.Mutex
	lines   []string
	flushed uint64 // the last "flushed" seq
	resumed int64  // the "resumed" count, -1 until reported
	news    chan struct{}
}

func startChild(t *testing.T, mode, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), envChildMode+"="+mode, envChildPath+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, resumed: -1, news: make(chan struct{}, 1)}
	go c.read(stdout)
	return c
}

func (c *child) read(r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		c.mu.Lock()
		c.lines = append(c.lines, line)
		if n, ok := strings.CutPrefix(line, "flushed "); ok {
			c.flushed, _ = strconv.ParseUint(n, 10, 64)
		}
		if n, ok := strings.CutPrefix(line, "resumed "); ok {
			c.resumed, _ = strconv.ParseInt(n, 10, 64)
		}
		c.mu.Unlock()
		select {
		case c.news <- struct{}{}:
		default:
		}
	}
	close(c.news)
}

// waitLine waits until the child printed a line starting with prefix.
func (c *child) waitLine(t *testing.T, prefix string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if strings.HasPrefix(l, prefix) {
				c.mu.Unlock()
				return
			}
			if strings.HasPrefix(l, "error") {
				c.mu.Unlock()
				t.Fatalf("child: %s", l)
			}
		}
		c.mu.Unlock()
		select {
		case _, ok := <-c.news:
			if !ok {
				t.Fatalf("child exited before printing %q", prefix)
			}
		case <-timeout:
			t.Fatalf("child did not print %q", prefix)
		}
	}
}

func (c *child) report() (resumed int64, flushed uint64, lines []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resumed, c.flushed, c.lines
}

// TestCrashSafety kills a child that appends and flushes in a loop with
// SIGKILL at random moments, 50 times against one file. After each kill
// the file opens, passes bbolt's check, and holds every event up to the
// last one the child reported flushed, gapless, each decoding to exactly
// what was appended; the next child resumes where the log ends.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 50 processes")
	}
	path := filepath.Join(t.TempDir(), "crash.log")
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var have uint64 // events in the log after the previous round
	progressed := 0
	queue := []*child{startChild(t, "append", path), startChild(t, "append", path)}
	defer func() {
		for _, c := range queue {
			c.stdin.Close() // an unstarted child exits
			c.cmd.Wait()
		}
	}()
	for round := range 50 {
		c := queue[0]
		queue = append(queue[1:], startChild(t, "append", path))
		io.WriteString(c.stdin, "go\n")
		if round%5 == 4 {
			// Now and then, kill at any moment, even while opening.
			time.Sleep(time.Duration(rng.IntN(20000)) * time.Microsecond)
		} else {
			c.waitLine(t, "flushed")
			time.Sleep(time.Duration(rng.IntN(15000)) * time.Microsecond)
		}
		c.cmd.Process.Kill() // SIGKILL
		c.cmd.Wait()
		resumed, flushed, lines := c.report()
		if resumed >= 0 && uint64(resumed) != have {
			t.Fatalf("round %d: child resumed after %d events, the log held %d", round, resumed, have)
		}
		if len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1], "error") {
			t.Fatalf("round %d: child: %s", round, lines[len(lines)-1])
		}
		n := verifyCrashLog(t, path, round)
		if n < flushed || n < have {
			t.Fatalf("round %d: log holds %d events; %d were flushed, %d there before", round, n, flushed, have)
		}
		if n > have {
			progressed++
		}
		have = n
	}
	if progressed < 40 {
		t.Errorf("only %d of 50 rounds appended anything", progressed)
	}
	t.Logf("%d events after 50 kills", have)
}

// verifyCrashLog checks the log after a kill and returns its event count.
func verifyCrashLog(t *testing.T, path string, round int) uint64 {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return 0 // killed before the first child created the file
	}
	l, err := Open(path, 0, &Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("round %d: open after kill: %v", round, err)
	}
	defer l.Close()
	if err := l.Check(); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	r, err := l.Call("crash")
	if err != nil {
		if len(mustCalls(t, l)) == 0 {
			return 0 // killed before the call was created
		}
		t.Fatalf("round %d: %v", round, err)
	}
	defer r.Close()
	c := r.Cursor(nil)
	var seq uint64
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		seq++
		checkNoteEvent(t, ev, seq)
	}
	if c.Err() != nil || seq != r.Count() {
		t.Fatalf("round %d: read %d of %d events: %v", round, seq, r.Count(), c.Err())
	}
	return seq
}

func mustCalls(t *testing.T, l *Log) []CallInfo {
	t.Helper()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	return infos
}
