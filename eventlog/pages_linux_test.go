package eventlog

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// residentFile returns how much of this process's memory maps files
// (RssFile in /proc/self/status), in bytes.
func residentFile(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// bulkyLog writes a call of n notes of about size bytes each, whose text
// does not compress, and opens it read-only without Preload.
func bulkyLog(t *testing.T, n, size int) (*CallReader, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bulky.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.CreateCall(CallMeta{Start: time.Unix(0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var text []byte
	for i := range n {
		text = text[:0]
		for sum := sha256.Sum256([]byte(strconv.Itoa(i))); len(text) < size; sum = sha256.Sum256(sum[:]) {
			text = hex.AppendEncode(text, sum[:])
		}
		ev := Event{At: time.Duration(i), Endpoint: Endpoint{"u", "c"}, Kind: KindNote, Type: "bulk", Note: &Note{Text: string(text)}}
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
	l, err = Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	r, err := l.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	return r, fi.Size()
}

// TestReleasePages reads a call of 24 MB through its mapping, which
// leaves its pages resident, and releases them.
func TestReleasePages(t *testing.T) {
	r, size := bulkyLog(t, ReleaseEvery/3, 4096)
	base := residentFile(t)
	cur := r.Cursor(nil)
	n := 0
	for _, ok := cur.First(); ok; _, ok = cur.Next() {
		n++
	}
	if cur.Err() != nil || n != ReleaseEvery/3 {
		t.Fatalf("read %d events: %v", n, cur.Err())
	}
	read := residentFile(t) - base
	if read < size/2 {
		t.Fatalf("reading the %d-byte file left only %d bytes resident: nothing to release", size, read)
	}
	r.ReleasePages()
	if left := residentFile(t) - base; left > 2<<20 {
		t.Fatalf("%d of %d bytes still resident after ReleasePages", left, read)
	}
	if _, err := r.Get(1); err != nil {
		t.Fatalf("reading after ReleasePages: %v", err)
	}
}

// TestCursorReleasesPages reads a call of 90 MB, all of it and then
// skipping it under a filter that selects nothing, and checks that the
// resident part of the mapping never holds more than about ReleaseEvery
// events.
func TestCursorReleasesPages(t *testing.T) {
	const n = 4 * ReleaseEvery
	r, file := bulkyLog(t, n, 1024)
	// What ReleaseEvery events take in the file, a quarter more for the
	// branch pages and the bbolt pages around them, and 4 MiB of slack.
	bound := file/(n/ReleaseEvery)*5/4 + 4<<20
	if file < 2*bound {
		t.Fatalf("the file of %d bytes is too small for the bound of %d", file, bound)
	}
	base := residentFile(t)
	var peak int64
	cur := r.Cursor(nil)
	i := 0
	for _, ok := cur.First(); ok; _, ok = cur.Next() {
		if i++; i%1000 == 0 {
			peak = max(peak, residentFile(t)-base)
		}
	}
	if cur.Err() != nil || i != n {
		t.Fatalf("read %d events: %v", i, cur.Err())
	}
	if peak > bound {
		t.Fatalf("reading a %d-byte file kept %d bytes resident (bound %d)", file, peak, bound)
	}
	r.ReleasePages()
	base = residentFile(t)
	if _, ok := r.Cursor(&Filter{Types: []string{"none"}}).First(); ok {
		t.Fatal("the filter selected an event")
	}
	if held := residentFile(t) - base; held > bound {
		t.Fatalf("skipping a %d-byte file kept %d bytes resident (bound %d)", file, held, bound)
	}
	t.Logf("file %d bytes, resident at most %d reading, bound %d", file, peak, bound)
}

// TestPrefetch: Prefetch maps nothing in (unlike Preload, the file does
// not become resident) and fails on a closed log.
func TestPrefetch(t *testing.T) {
	r, size := bulkyLog(t, ReleaseEvery/3, 4096)
	l := r.log
	base := residentFile(t)
	if err := l.Prefetch(); err != nil {
		t.Fatal(err)
	}
	if grew := residentFile(t) - base; grew > size/4 {
		t.Fatalf("Prefetch made %d of %d bytes resident", grew, size)
	}
	if _, err := r.Get(ReleaseEvery / 4); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := l.Prefetch(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Prefetch on a closed log: %v", err)
	}
}

// mappedBytes returns how much of the mapping at addr is resident in
// this process (its Rss in /proc/self/smaps): the pages it touched, and
// the neighbours the kernel maps with each (fault-around, 64 KiB by
// default).
func mappedBytes(t *testing.T, addr uintptr) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	found := false
	for s.Scan() {
		line := s.Text()
		if start, _, ok := strings.Cut(strings.Fields(line + " ")[0], "-"); ok && !strings.HasSuffix(line, "kB") {
			a, err := strconv.ParseUint(start, 16, 64)
			found = err == nil && uintptr(a) == addr
			continue
		}
		if v, ok := strings.CutPrefix(line, "Rss:"); ok && found {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("the log's mapping is not in /proc/self/smaps")
	return 0
}

// TestCallsTouchesNoEventPages lists a 16 MB log of 400 closed calls,
// each with its events on pages of their own, and checks that Calls maps
// in only a few pages: the calls' records, not the pages of their events
// (a listing that read the first or the last event of every call would
// map in nearly the whole file, a page cluster per call).
func TestCallsTouchesNoEventPages(t *testing.T) {
	const calls, events = 400, 30
	path := filepath.Join(t.TempDir(), "many.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var text []byte
	for c := range calls {
		w, err := l.CreateCall(CallMeta{Start: time.Unix(int64(c), 0), Endpoints: []Endpoint{{"u", "c"}}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range events {
			text = text[:0]
			for sum := sha256.Sum256([]byte(strconv.Itoa(c*events + i))); len(text) < 1000; sum = sha256.Sum256(sum[:]) {
				text = hex.AppendEncode(text, sum[:])
			}
			if _, err := w.Append(Event{At: time.Duration(i), Endpoint: Endpoint{"u", "c"}, Kind: KindNote, Type: "bulk", Note: &Note{Text: string(text)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	list := func() {
		infos, err := l.Calls()
		if err != nil || len(infos) != calls || infos[calls-1].Events != events || infos[calls-1].Outcome == nil {
			t.Fatalf("Calls: %d calls, %v", len(infos), err)
		}
	}
	list() // the code's own pages, and the heap it needs
	var size int64
	l.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	advise(l.db.Info().Data, size, adviceDrop)
	if left := mappedBytes(t, l.db.Info().Data); left > size/16 {
		t.Fatalf("%d bytes of the mapping still resident after dropping it", left)
	}
	list()
	mapped := mappedBytes(t, l.db.Info().Data)
	if mapped > size/4 {
		t.Fatalf("listing %d calls of a %d-byte log mapped in %d bytes of it (bound %d)", calls, size, mapped, size/4)
	}
	t.Logf("listing %d calls of a %d-byte log mapped in %d bytes of it", calls, size, mapped)
}
