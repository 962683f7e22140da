//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/callrec/callrec/ecall/sim/simtest"
)

// A terminal for the viewer: the tests start the real `callreplay view`
// on a pseudo-terminal, as a person runs it, and read what it draws.

// pty is the master side of a pseudo-terminal and what was read from it.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer
	changed       chan struct{}
}

func ioctl(fd, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// openPty opens a pseudo-terminal of rows × cols.
func openPty(t testing.TB, rows, cols uint16) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(master.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(master.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws := [4]uint16{rows, cols, 0, 0}
	if err := ioctl(slave.Fd(), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatal(err)
	}
	p := &pty{master: master, slave: slave, changed: make(chan struct{}, 1)}
	go p.read()
	t.Cleanup(func() { slave.Close(); master.Close() })
	return p
}

func (p *pty) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.out.Write(buf[:n])
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// waitFor waits until the terminal's output holds text, and reports
// whether it did within timeout.
func (p *pty) waitFor(text string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		found := bytes.Contains(p.out.Bytes(), []byte(text))
		p.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-p.changed:
		case <-deadline:
			return false
		}
	}
}

func (p *pty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startView starts `callreplay view args...` on the terminal p, its
// controlling terminal.
func startView(t testing.TB, p *pty, args ...string) *exec.Cmd {
	t.Helper()
	return startBin(t, p, callreplay.Path(t), append([]string{"view"}, args...)...)
}

// startBin starts the binary bin with args on the terminal p.
func startBin(t testing.TB, p *pty, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.slave, p.slave, p.slave
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// firstFrame is text of the viewer's first frame of an open call: the
// status bar, drawn on its last row.
const firstFrame = "q quit"

// quitView presses q and waits for the viewer to exit.
func quitView(t testing.TB, p *pty, cmd *exec.Cmd) {
	t.Helper()
	if _, err := p.master.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("view exited: %v\n%q", err, lastBytes(p.output()))
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("view did not quit on q\n%q", lastBytes(p.output()))
	}
}

func lastBytes(s string) string { return s[max(0, len(s)-400):] }

// TestViewFirstFrame starts the real viewer on a pseudo-terminal, waits
// for the first frame of the call and quits with q.
func TestViewFirstFrame(t *testing.T) {
	path := basicLog(t)
	p := openPty(t, 30, 100)
	cmd := startView(t, p, path)
	if !p.waitFor(firstFrame, 20*time.Second) {
		cmd.Process.Kill()
		t.Fatalf("no first frame in 20 s:\n%q", lastBytes(p.output()))
	}
	if !strings.Contains(p.output(), "call-1") {
		t.Fatalf("the frame does not name the call:\n%q", lastBytes(p.output()))
	}
	quitView(t, p, cmd)
}

// BenchmarkViewFirstPaint is what a person waits for after typing
// `callreplay view LOG` on a call of 1,000,000 events: the process
// starts, opens the log as the command does, opens the call and draws
// its first frame on a 100×30 terminal; the op ends when the frame has
// reached the terminal. "warm" has the file in the page cache (just
// recorded), "cold" evicts it from the cache before each start (not
// timed). Each op then quits the viewer (not timed).
//
// With CALLREPLAY_BASE naming another callreplay binary (an older
// build), each op starts both, in turns, the order alternating between
// ops: ms-base and ms-new are the medians, x-base the median ratio of
// the pairs (new / base).
func BenchmarkViewFirstPaint(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.db")
	if err := simtest.WriteLog(path, simtest.Call{ID: "big", Scenario: simtest.BasicCall(1_000_000 / simtest.RoundEvents)}); err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 50<<20 {
		b.Fatalf("the log of 1M events: %v, %d bytes", err, fi.Size())
	}
	bins := []string{callreplay.Path(b)}
	if base := os.Getenv("CALLREPLAY_BASE"); base != "" {
		bins = append(bins, base)
	}
	for _, cold := range []bool{false, true} {
		b.Run(map[bool]string{false: "warm", true: "cold"}[cold], func(b *testing.B) {
			var times [2][]float64
			var ratios []float64
			for i := 0; b.Loop(); i++ {
				var d [2]time.Duration
				for k := range bins {
					if i%2 == 1 {
						k = len(bins) - 1 - k
					}
					b.StopTimer()
					if cold {
						evictFile(b, path)
					}
					b.StartTimer()
					d[k] = firstPaint(b, bins[k], path)
					times[k] = append(times[k], d[k].Seconds()*1000)
				}
				if len(bins) == 2 {
					ratios = append(ratios, d[0].Seconds()/d[1].Seconds())
				}
			}
			b.ReportMetric(median(times[0]), "ms-new")
			if len(bins) == 2 {
				b.ReportMetric(median(times[1]), "ms-base")
				b.ReportMetric(median(ratios), "x-base")
			}
		})
	}
}

// firstPaint starts `bin view path` on a new terminal and returns the
// time until its first frame; it quits the viewer with the timer
// stopped.
func firstPaint(b *testing.B, bin, path string) time.Duration {
	b.StopTimer()
	p := openPty(b, 30, 100)
	b.StartTimer()
	start := time.Now()
	cmd := startBin(b, p, bin, "view", path)
	if !p.waitFor(firstFrame, time.Minute) {
		cmd.Process.Kill()
		b.Fatalf("%s: no first frame in a minute:\n%q", bin, lastBytes(p.output()))
	}
	d := time.Since(start)
	b.StopTimer()
	quitView(b, p, cmd)
	p.slave.Close()
	p.master.Close()
	b.StartTimer()
	return d
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// evictFile drops the file at path from the kernel's page cache
// (POSIX_FADV_DONTNEED), so that the next read of it goes to the disk.
func evictFile(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	const fadvDontNeed = 4
	if _, _, errno := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); errno != 0 {
		tb.Fatalf("fadvise %s: %v", path, errno)
	}
}
