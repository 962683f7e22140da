//go:build linux

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// memoryLog writes a log of two calls: "long", a simulated call of about
// 200,000 events (16 MB), and "filler", 120 MB of notes that do not
// compress. It returns the path and the file's size.
func memoryLog(t *testing.T) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memory.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.LongCall(200_000)}); err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(eventlog.CallMeta{ID: "filler", Start: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var text []byte
	for i := range 30_000 {
		text = text[:0]
		for sum := sha256.Sum256([]byte(strconv.Itoa(i))); len(text) < 4000; sum = sha256.Sum256(sum[:]) {
			text = hex.AppendEncode(text, sum[:])
		}
		ev := eventlog.Event{At: time.Duration(i), Endpoint: simtest.A1, Kind: eventlog.KindNote, Type: "filler",
			Note: &eventlog.Note{Text: string(text)}}
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, fi.Size()
}

// peakRSS runs the callreplay binary with args, output discarded, and
// returns its peak resident memory: VmHWM, read every few milliseconds
// while it runs. (The rusage of the child would not do: Go starts it with
// vfork, and the kernel carries the parent's peak into the child's
// across exec.)
func peakRSS(t *testing.T, args ...string) int64 {
	t.Helper()
	cmd := exec.Command(plainCallreplay.Path(t), args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	var peak int64
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		peak = max(peak, highWater(status))
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("callreplay %v: %v", args, err)
			}
			return peak
		case <-tick.C:
		}
	}
}

// highWater returns the VmHWM of a /proc status file, 0 once the process
// is gone.
func highWater(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestProcessMemory runs the commands that read one call on a 16 MB call
// in a 140 MB log and bounds their peak RSS well under the file: they
// read only that call's pages, release them as they go, and keep what
// the call's output needs at the moment, not the call. With the whole
// file mapped in (Preload) each took more than the file; holding every
// arrow, show --ladder took more still. Today each takes about 20–30 MB.
func TestProcessMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 120 MB log")
	}
	path, size := memoryLog(t)
	const bound = 64 << 20
	if size < 2*bound {
		t.Fatalf("the log has %d bytes: too small to tell", size)
	}
	for _, c := range [][]string{
		{"show", path, "--call", "long"},
		{"show", path, "--call", "long", "--ladder"},
		{"show", path, "--call", "long", "--type", "SETUP"},
		{"export", path, "--call", "long", "-f", "jsonl"},
		{"export", path, "--call", "long", "-f", "mermaid"},
		{"export", path, "--call", "long", "-f", "chrome-trace"},
		{"export", path, "--call", "long", "-f", "text"},
	} {
		rss := peakRSS(t, c...)
		t.Logf("%v: %d MB", c[2:], rss>>20)
		if rss > bound {
			t.Errorf("callreplay %v: peak RSS %d MB in a %d MB log (bound %d MB)", c, rss>>20, size>>20, bound>>20)
		}
	}
}
