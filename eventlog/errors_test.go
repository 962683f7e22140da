package eventlog

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openBoth opens path read-only and read-write and returns both errors.
func openBoth(t *testing.T, path string) [2]error {
	t.Helper()
	var errs [2]error
	for i, ro := range []bool{true, false} {
		l, err := Open(path, 0o600, &Options{ReadOnly: ro})
		if err == nil {
			l.Close()
		}
		errs[i] = err
	}
	return errs
}

func TestOpenNotALog(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	random := make([]byte, 3*4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := []byte(strings.Repeat("This is a text file, not an event log.\n", 400))
	other := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err })
	db.Close()
	for name, path := range map[string]string{
		"random bytes":        writeFile(t, random),
		"short text file":     writeFile(t, []byte("hello\n")),
		"long text file":      writeFile(t, text),
		"a directory":         t.TempDir(),
		"another bbolt file":  other,
		"one byte":            writeFile(t, []byte{0}),
		"almost two pages":    writeFile(t, random[:8000]),
		"zero-filled 3 pages": writeFile(t, make([]byte, 3*4096)),
	} {
		for i, err := range openBoth(t, path) {
			if !errors.Is(err, ErrNotLog) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s (read-only %t): err = %v", name, i == 0, err)
			}
		}
		if data, _ := os.ReadFile(path); name != "a directory" && name != "another bbolt file" &&
			!bytes.Equal(data, map[string][]byte{"random bytes": random, "short text file": []byte("hello\n"),
				"long text file": text, "one byte": {0}, "almost two pages": random[:8000],
				"zero-filled 3 pages": make([]byte, 3*4096)}[name]) {
			t.Errorf("%s: Open modified the file", name)
		}
	}
}

// An empty file is not a log for reading; opened for writing it becomes
// one (a file made by mktemp).
func TestOpenEmptyFile(t *testing.T) {
	path := writeFile(t, nil)
	if _, err := Open(path, 0, &Options{ReadOnly: true}); !errors.Is(err, ErrNotLog) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("read-only: %v", err)
	}
	l, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateCall(CallMeta{}); err != nil {
		t.Error(err)
	}
	l.Close()
}

func TestOpenMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.log")
	_, err := Open(path, 0, &Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no such log file "+path) {
		t.Errorf("err = %v", err)
	}
	if _, statErr := os.Stat(path); statErr == nil {
		t.Error("a read-only Open created the file")
	}
}

// TestOpenMissingDir: a log that cannot be created in a missing directory
// is an error naming the path once (bbolt's error names it already).
func TestOpenMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "new.log")
	_, err := Open(path, 0o600, nil)
	if !errors.Is(err, fs.ErrNotExist) || strings.Count(err.Error(), path) != 1 {
		t.Errorf("err = %v", err)
	}
}

// makeLog writes a log of n events in one call and returns its path.
func makeLog(t *testing.T, n uint64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	appendN(t, w, 1, n)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenTruncated(t *testing.T) {
	path := makeLog(t, 3000)
	used := usedSize(t, path) // bbolt grows the file ahead of use
	for _, size := range []int64{used / 2, used - 4096, 5 * 4096} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		for i, err := range openBoth(t, path) {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "truncated") {
				t.Errorf("truncated to %d of %d bytes (read-only %t): %v", size, used, i == 0, err)
			}
		}
	}
	// Cut into the meta pages, it no longer looks like a bbolt file.
	os.Truncate(path, 5000)
	for _, err := range openBoth(t, path) {
		if !errors.Is(err, ErrNotLog) {
			t.Errorf("truncated to 5000 bytes: %v", err)
		}
	}
}

// usedSize returns the size of the file's pages in use (up to bbolt's
// high-water mark).
func usedSize(t *testing.T, path string) int64 {
	t.Helper()
	db, err := bolt.Open(path, 0, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int64
	db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	return size
}

// Garbage over the data pages (the meta pages intact) gives ErrCorrupt
// from reading or from Check, never a panic.
func TestCorruptPages(t *testing.T) {
	for seed := range uint64(8) {
		path := makeLog(t, 2000)
		data, _ := os.ReadFile(path)
		pages := int(usedSize(t, path) / 4096)
		rng := rand.New(rand.NewPCG(seed, 1))
		for range 3 {
			page := 2 + rng.IntN(pages-2)
			for i := page * 4096; i < (page+1)*4096; i++ {
				data[i] = byte(rng.Uint32())
			}
		}
		os.WriteFile(path, data, 0o600)
		l, err := Open(path, 0, &Options{ReadOnly: true})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotLog) {
				t.Errorf("seed %d: open: %v", seed, err)
			}
			continue
		}
		readAll(t, l, seed)
		if err := l.Check(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("seed %d: Check on a damaged file: %v", seed, err)
		}
		l.Close()
	}
}

// readAll reads what it can; any failure must be ErrCorrupt or ErrNoCall.
func readAll(t *testing.T, l *Log, seed uint64) {
	t.Helper()
	if _, err := l.Calls(); err != nil && !errors.Is(err, ErrCorrupt) {
		t.Errorf("seed %d: Calls: %v", seed, err)
	}
	r, err := l.Call("c")
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoCall) {
			t.Errorf("seed %d: Call: %v", seed, err)
		}
		return
	}
	defer r.Close()
	c := r.Cursor(nil)
	for _, ok := c.First(); ok; _, ok = c.Next() {
	}
	for _, ok := c.Last(); ok; _, ok = c.Prev() {
	}
	if err := c.Err(); err != nil && !errors.Is(err, ErrCorrupt) {
		t.Errorf("seed %d: cursor: %v", seed, err)
	}
	for seq := uint64(1); seq <= 2000; seq += 97 {
		if _, err := r.Get(seq); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoEvent) {
			t.Errorf("seed %d: Get(%d): %v", seed, seq, err)
		}
	}
}

// rewrite changes a log with plain bbolt.
func rewrite(t *testing.T, path string, change func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(change); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func TestNewerVersion(t *testing.T) {
	path := makeLog(t, 3)
	rewrite(t, path, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRoot).Put(keyVersion, []byte(strconv.Itoa(FormatVersion+1)))
	})
	for _, err := range openBoth(t, path) {
		if !errors.Is(err, ErrNewerVersion) || !strings.Contains(err.Error(), "upgrade") {
			t.Errorf("newer log: %v", err)
		}
	}

	path = makeLog(t, 3)
	rewrite(t, path, func(tx *bolt.Tx) error {
		return editMeta(tx, "c", func(m *CallMeta) { m.FormatVersion++ })
	})
	l, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if infos, err := l.Calls(); err != nil || infos[0].Meta.FormatVersion != FormatVersion+1 {
		t.Errorf("Calls lists a newer call: %v", err)
	}
	if _, err := l.Call("c"); !errors.Is(err, ErrNewerVersion) {
		t.Errorf("Call of a newer call: %v", err)
	}
	if _, err := l.ResumeCall("c"); err == nil {
		t.Error("ResumeCall of a newer call succeeded")
	}
}

func TestBadMagic(t *testing.T) {
	path := makeLog(t, 1)
	rewrite(t, path, func(tx *bolt.Tx) error { return tx.Bucket(bucketRoot).Put(keyMagic, []byte("x")) })
	for _, err := range openBoth(t, path) {
		if !errors.Is(err, ErrNotLog) {
			t.Errorf("bad magic: %v", err)
		}
	}
}

func TestCorruptEventValue(t *testing.T) {
	path := makeLog(t, 10)
	rewrite(t, path, func(tx *bolt.Tx) error {
		return eventsOf(tx, "c").put(5, []byte{3, 0, 99})
	})
	l, _ := Open(path, 0, nil)
	defer l.Close()
	r, _ := l.Call("c")
	defer r.Close()
	c := r.Cursor(nil)
	n := 0
	for _, ok := c.First(); ok; _, ok = c.Next() {
		n++
	}
	if n != 4 || !errors.Is(c.Err(), ErrCorrupt) || !strings.Contains(c.Err().Error(), "event 5") {
		t.Errorf("read %d events, err %v", n, c.Err())
	}
	if _, err := r.Get(5); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Get(5): %v", err)
	}
}

// A second Open of a log open for writing, in this process or another,
// fails with ErrLocked after the timeout instead of hanging.
func TestLocked(t *testing.T) {
	path := makeLog(t, 1)
	l, err := Open(path, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkLocked(t, path)
	l.Close()

	c := startChild(t, "hold", path)
	c.waitLine(t, "ready")
	checkLocked(t, path)
	c.stdin.Close()
	c.cmd.Wait()
	l, err = Open(path, 0, &Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open after the holder exited: %v", err)
	}
	l.Close()
}

func checkLocked(t *testing.T, path string) {
	t.Helper()
	for _, ro := range []bool{false, true} {
		start := time.Now()
		_, err := Open(path, 0, &Options{ReadOnly: ro, Timeout: 100 * time.Millisecond})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) ||
			!strings.Contains(err.Error(), "running recorder") {
			t.Errorf("read-only %t: err = %v", ro, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("read-only %t: Open took %v with a 100ms timeout", ro, d)
		}
	}
}

func TestPreload(t *testing.T) {
	path := makeLog(t, 100)
	for _, ro := range []bool{true, false} {
		l, err := Open(path, 0, &Options{ReadOnly: ro, Preload: true})
		if err != nil {
			t.Fatal(err)
		}
		r, err := l.Call("c")
		if err != nil {
			t.Fatal(err)
		}
		ev, ok := r.Cursor(nil).Seek(77)
		if !ok {
			t.Fatal("Seek(77) found nothing")
		}
		checkNoteEvent(t, ev, 77)
		r.Close()
		l.Close()
	}
}
