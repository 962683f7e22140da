package eventlog

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestFileGrowsWithData: a small call makes a small file, and a growing
// log grows by a share of its data, so that the file is never much larger
// than its data and growing (a truncate and a sync) stays rare.
func TestFileGrowsWithData(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchSize: 100, BatchDelay: time.Hour})
	w, _ := l.CreateCall(CallMeta{})
	appendN(t, w, 1, 50)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if size := fileSize(t, l); size > 64<<10 {
		t.Errorf("a call of 50 events: %d bytes on disk, want at most 64 KiB", size)
	}
	sizes := map[int64]bool{}
	const commits = 400
	for i := range uint64(commits) {
		appendN(t, w, 51+i*100, 150+i*100)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		size, data := fileSize(t, l), dataSize(t, l)
		if limit := data + max(data/4, minGrowth) + 4<<10; size > limit {
			t.Fatalf("after %d events: %d bytes on disk for %d of data, want at most %d", 150+i*100, size, data, limit)
		}
		sizes[size] = true
	}
	if len(sizes) > commits/10 {
		t.Errorf("the file grew %d times in %d commits", len(sizes), commits)
	}
}

func fileSize(t *testing.T, l *Log) int64 {
	t.Helper()
	fi, err := os.Stat(l.path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// dataSize is the size of the pages the log uses, free ones included.
func dataSize(t *testing.T, l *Log) (size int64) {
	t.Helper()
	if err := l.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return size
}

func TestGrowth(t *testing.T) {
	for _, c := range []struct {
		data int64
		want int
	}{{0, minGrowth}, {64 << 10, minGrowth}, {1 << 20, 256 << 10}, {4 << 20, maxGrowth}, {1 << 30, maxGrowth}} {
		if got := growth(c.data); got != c.want {
			t.Errorf("growth(%d) = %d, want %d", c.data, got, c.want)
		}
	}
}

// Close trims the file to the pages the log uses; the log opens and
// grows again after it.
func TestCloseTrims(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trim.log")
	l, err := Open(path, 0o600, &Options{NoSync: true, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	appendN(t, w, 1, 3000)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	data := dataSize(t, l)
	if size := fileSize(t, l); size <= data {
		t.Fatalf("before Close: %d bytes on disk for %d of data: nothing to trim", size, data)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != data {
		t.Fatalf("after Close: %v bytes on disk, want %d (%v)", fi.Size(), data, err)
	}
	l, err = Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	w, err = l.ResumeCall("c")
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, w, 3001, 4000)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
}
