package eventlog

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"
)

// evict drops the file at path from the kernel's page cache
// (POSIX_FADV_DONTNEED; the file must not be mapped or dirty), so that
// the next read of it goes to the disk: cold, without root and without
// touching other files' caches as drop_caches would.
func evict(tb testing.TB, path string) {
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

// BenchmarkSeekCold is the first access to the 1,000,000-event call:
// each op evicts the log from the page cache (not timed), opens it as the
// commands that read one call do (read-only, no Preload), opens the call
// and seeks to a random Seq, decoding the event there. open-µs is Open and
// Log.Call, seek-µs the first Seek; both read from the disk. A fresh
// process would pay the same, plus its start.
func BenchmarkSeekCold(b *testing.B) {
	logPath, _ := getFixture(b)
	rng := rand.New(rand.NewPCG(3, 4))
	var opens, seeks time.Duration
	for b.Loop() {
		b.StopTimer()
		evict(b, logPath)
		seq := 1 + rng.Uint64N(fixtureEvents)
		b.StartTimer()
		t0 := time.Now()
		l, err := Open(logPath, 0, &Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		r, err := l.Call("bench")
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		ev, ok := r.Cursor(nil).Seek(seq)
		t2 := time.Now()
		if !ok || ev.Seq != seq {
			b.Fatalf("Seek(%d) = %d, %t", seq, ev.Seq, ok)
		}
		opens += t1.Sub(t0)
		seeks += t2.Sub(t1)
		b.StopTimer()
		r.Close()
		l.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(opens.Microseconds())/float64(b.N), "open-µs")
	b.ReportMetric(float64(seeks.Microseconds())/float64(b.N), "seek-µs")
}
