package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/tail"
	"github.com/callrec/callrec/internal/cmdtest"
	"github.com/callrec/callrec/viewer"
)

// The live-tail tests run a real recorder (callrec demo) and real
// followers (callreplay show --follow, callreplay view --follow in tmux).

// line is one line a process printed and when the test read it.
type line struct {
	text string
	at   time.Time
}

// process is a command running in the background whose stdout is read
// line by line as it comes.
type process struct {
	cmd    *exec.Cmd
	lines  chan line
	stderr strings.Builder
	done   chan struct{}
	code   int
	ended  time.Time
}

func startProcess(t *testing.T, dir string, c *cmdtest.Command, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(c.Path(t), args...), lines: make(chan line, 100000), done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- line{sc.Text(), time.Now()}
		}
		close(p.lines)
		err := p.cmd.Wait()
		p.ended = time.Now()
		p.code = p.cmd.ProcessState.ExitCode()
		_ = err
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitLine reads lines until one contains s, and returns it.
func (p *process) waitLine(t *testing.T, s string) line {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.done
				t.Fatalf("%v ended (exit %d) without printing %q\nstderr: %s", p.cmd.Args, p.code, s, p.stderr.String())
			}
			if strings.Contains(l.text, s) {
				return l
			}
		case <-timeout:
			t.Fatalf("%v never printed %q", p.cmd.Args, s)
		}
	}
}

// rest reads every line until the process ends, and waits for it.
func (p *process) rest(t *testing.T) []line {
	t.Helper()
	var out []line
	timeout := time.After(90 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.done
				return out
			}
			out = append(out, l)
		case <-timeout:
			t.Fatalf("%v does not end", p.cmd.Args)
		}
	}
}

// startRecorder runs callrec demo into dir/calls.db for the duration and
// waits until it prints the command that follows it.
func startRecorder(t *testing.T, dir, duration string) *process {
	t.Helper()
	callreplay.Path(t) // built before the call starts, not during it
	rec := startProcess(t, dir, callrec, "demo", "--out", "calls.db", "--duration", duration, "--answer-after", "100ms")
	if l := rec.waitLine(t, "follow the call live: "); !strings.HasSuffix(l.text, "callreplay view calls.db --follow") {
		t.Fatalf("demo prints %q", l.text)
	}
	return rec
}

// eventLine matches a line of show's timeline and takes its Seq.
var eventLine = regexp.MustCompile(`^\s+(\d+)\s+\+\d`)

// A recorder and a show --follow process: the follower prints the events
// while the call goes on, ends when the recorder closes the call, and
// printed what show prints of the finished log.
func TestFollowShowProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live call")
	}
	dir := t.TempDir()
	rec := startRecorder(t, dir, "3s")
	// ls on the locked log points at --follow.
	callreplay.CheckOneLine(t, callreplay.RunIn(t, dir, "ls", "calls.db"), cmdutil.ExitInput, "a recorder serves it live: callreplay show calls.db --follow")
	show := startProcess(t, dir, callreplay, "show", "calls.db", "--follow")
	lines := show.rest(t)
	recLines := rec.rest(t)
	if show.code != 0 || rec.code != 0 {
		t.Fatalf("show --follow exit %d (stderr %q), demo exit %d (stderr %q)", show.code, show.stderr.String(), rec.code, rec.stderr.String())
	}
	var followed []string
	var first time.Time
	for _, l := range lines {
		if eventLine.MatchString(l.text) {
			followed = append(followed, l.text)
			if first.IsZero() {
				first = l.at
			}
		}
	}
	if len(followed) == 0 || !first.Before(rec.ended.Add(-time.Second)) {
		t.Fatalf("the follower printed %d events, the first at %v, the recorder ended at %v: not live", len(followed), first, rec.ended)
	}
	if !strings.HasSuffix(lines[0].text, "being recorded") {
		t.Errorf("header %q", lines[0].text)
	}
	whole := callreplay.RunIn(t, dir, "show", "calls.db")
	if whole.Code != 0 {
		t.Fatal(whole.Stderr)
	}
	want := strings.Split(strings.TrimSuffix(whole.Stdout, "\n"), "\n")[2:]
	if strings.Join(followed, "\n") != strings.Join(want, "\n") {
		t.Errorf("followed %d events, the log holds %d:\nfollowed: %q\nlog: %q", len(followed), len(want), followed, want)
	}
	if sock, _ := tail.SocketPath(filepath.Join(dir, "calls.db")); fileExists(sock) {
		t.Errorf("the recorder left its socket %s", sock)
	}
	if !strings.Contains(strings.Join(lineTexts(recLines), "\n"), "replay:") {
		t.Errorf("the recorder did not finish its call:\n%s", strings.Join(lineTexts(recLines), "\n"))
	}
}

func lineTexts(ls []line) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// A recorder killed mid-call: the follower says it went away; the socket
// it leaves is stale, and followers then read the log itself.
func TestFollowRecorderKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live call")
	}
	dir := t.TempDir()
	rec := startRecorder(t, dir, "60s")
	show := startProcess(t, dir, callreplay, "show", "calls.db", "--follow")
	show.waitLine(t, "connected") // B/2's data channel: the call is up
	_ = rec.cmd.Process.Signal(syscall.SIGKILL)
	show.rest(t)
	r := cmdtest.Result{Args: show.cmd.Args, Code: show.code, Stderr: show.stderr.String()}
	if err := cmdtest.OneLine("callreplay", r, cmdutil.ExitError, "the recorder went away before the call closed"); err != nil {
		t.Fatal(err)
	}
	<-rec.done
	sock, _ := tail.SocketPath(filepath.Join(dir, "calls.db"))
	if !fileExists(sock) {
		t.Fatal("a killed recorder cannot remove its socket: the test of a stale one proves nothing")
	}
	again := callreplay.RunIn(t, dir, "show", "calls.db", "--follow")
	if again.Code != 0 || !strings.Contains(again.Stdout, "events") {
		t.Fatalf("show --follow after the crash: exit %d\n%s\n%s", again.Code, again.Stdout, again.Stderr)
	}
	// The next recording replaces the stale socket.
	rec2 := startRecorder(t, dir, "1s")
	rec2.rest(t)
	if rec2.code != 0 || fileExists(sock) {
		t.Fatalf("second recorder: exit %d, socket left %v\n%s", rec2.code, fileExists(sock), rec2.stderr.String())
	}
}

// Ctrl-C ends show --follow with the exit status of an interrupted
// command; the recording goes on.
func TestFollowInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live call")
	}
	dir := t.TempDir()
	rec := startRecorder(t, dir, "4s")
	show := startProcess(t, dir, callreplay, "show", "calls.db", "--follow")
	show.waitLine(t, "new connection")
	_ = show.cmd.Process.Signal(os.Interrupt)
	show.rest(t)
	r := cmdtest.Result{Args: show.cmd.Args, Code: show.code, Stderr: show.stderr.String()}
	if err := cmdtest.OneLine("callreplay", r, cmdutil.ExitInterrupted, "interrupted after event"); err != nil {
		t.Fatal(err)
	}
	rec.rest(t)
	if rec.code != 0 {
		t.Fatalf("the recorder failed after its follower left: %s", rec.stderr.String())
	}
}

// A hostile process on the socket gets a one-line error out of show and
// view, never a panic.
func TestFollowHostilePeer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	sock, _ := tail.SocketPath(filepath.Join(dir, "calls.db"))
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	streams := [][]byte{
		[]byte("\x00\x00\x00\x19Hcallrec-tail\x01\x00\x00\x00\x00\x05M{}}}"), // a Hello, then a broken frame
		[]byte("\xff\xff\xff\xffHcallrec-tail"),                              // a frame of 4 GiB
		[]byte("\x00\x00\x00\x0fHcallrec-tail\x07\x00"),                      // version 7
		[]byte("\x00\x00\x00\x0eHcallrec-tail\x01" + "\x00\x00\x00\x2cM" + `{"ID":"c\u001b[2J","FormatVersion":2}` + "\x00\x00\x00\x05E\x00\x01\x01\x01"),
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.ReadAtLeast(c, make([]byte, 64), 4)
			_, _ = c.Write(streams[i%len(streams)])
			c.Close()
		}
	}()
	for i := range streams {
		r := callreplay.RunIn(t, dir, "show", "calls.db", "--follow")
		if r.Code == 0 || strings.Count(r.Stderr, "\n") != 1 || strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "\x1b") {
			t.Errorf("stream %d: exit %d\nstdout: %q\nstderr: %q", i, r.Code, r.Stdout, r.Stderr)
		}
	}
	ln.Close()
	wg.Wait()
}

// The viewer in a real terminal follows a recording: the events arrive,
// the cursor stays where the person put it, the title says live, then how
// the recording ended; the viewer outlives the recorder.
func TestViewFollowInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a live call")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	bin := callreplay.Path(t)
	rec := startRecorder(t, dir, "5s")
	done := filepath.Join(dir, "exited")
	s := newTmux(t, dir, 120, 30, []string{"NO_COLOR=1"}, fmt.Sprintf("%s view calls.db --follow; echo $? > %s; sleep 60", bin, done))
	s.waitFor("● live", "following the recording live")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		pane := s.waitFor("● live")
		if eventsIn(t, pane) > 0 { // the first events arrived while it is live
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no events arrive:\n%s", pane)
		}
	}
	s.keys("j", "j")
	s.waitFor("#3 of 1..")
	first := eventsIn(t, s.waitFor("#3 of 1.."))
	rec.rest(t)
	pane := s.waitFor("recording ended: the recorder closed the call")
	if n := eventsIn(t, pane); n <= first || !strings.Contains(pane, fmt.Sprintf("#3 of 1..%d", n)) {
		t.Fatalf("after the call: %d events (had %d), the cursor should still be on #3:\n%s", n, first, pane)
	}
	s.keys("End")
	s.waitFor(fmt.Sprintf("#%d of 1..%d", eventsIn(t, pane), eventsIn(t, pane)))
	s.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for !fileExists(done) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if b, err := os.ReadFile(done); err != nil || strings.TrimSpace(string(b)) != "0" {
		t.Fatalf("view exit status %q (%v)", b, err)
	}
}

var titleEvents = regexp.MustCompile(`│ (\d+) events`)

func eventsIn(t *testing.T, pane string) int {
	t.Helper()
	m := titleEvents.FindStringSubmatch(pane)
	if m == nil {
		t.Fatalf("no event count in the title:\n%s", pane)
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

// view on a log being recorded attaches by itself and says so; --follow
// on a log nobody records opens the file and says that.
func TestViewCatalogAttaches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.db")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(eventlog.CallMeta{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := tail.Serve(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Watch(w)
	cat, note, closeCat, err := viewCatalog(&viewOptions{Log: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, live := cat.(*viewer.LiveCatalog); !live || note != liveNote(false) {
		t.Fatalf("view on a locked log: %T, note %q", cat, note)
	}
	closeCat()
	w.Close()
	srv.Close()
	l.Close()
	cat, note, closeCat, err = viewCatalog(&viewOptions{Log: path, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeCat()
	if _, file := cat.(*viewer.LogCatalog); !file || !strings.Contains(note, "not being recorded") {
		t.Fatalf("view --follow on a log nobody records: %T, note %q", cat, note)
	}
}
