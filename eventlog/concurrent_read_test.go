package eventlog

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCheckFileBesideReaders runs CheckFile while other goroutines open,
// read and close calls of the same read-only log, as verify's workers do:
// the race detector watches bbolt's free list, which CheckFile has bbolt
// load (a fresh Log each round, so the load meets the readers) while
// transactions begin and end.
func TestCheckFileBesideReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.log")
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 8
	for range calls {
		w, err := l.CreateCall(CallMeta{})
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, w, 1, 200)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		ro, err := Open(path, 0, &Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		infos, err := ro.Calls()
		if err != nil || len(infos) != calls {
			t.Fatalf("Calls: %d calls, %v", len(infos), err)
		}
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range calls {
					id := infos[(i+g)%calls].Meta.ID
					if err := ro.CheckCall(id); err != nil {
						t.Errorf("round %d: CheckCall %s: %v", round, id, err)
						return
					}
					r, err := ro.Call(id)
					if err != nil {
						t.Errorf("round %d: Call %s: %v", round, id, err)
						return
					}
					n := 0
					c := r.Cursor(nil)
					for ev, ok := c.First(); ok; ev, ok = c.Next() {
						n++
						checkNoteEvent(t, ev, uint64(n))
					}
					r.Close()
					if c.Err() != nil || n != 200 {
						t.Errorf("round %d: call %s: %d events, %v", round, id, n, c.Err())
					}
				}
			}()
		}
		if err := ro.CheckFile(); err != nil {
			t.Errorf("round %d: CheckFile: %v", round, err)
		}
		wg.Wait()
		if err := ro.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadsBesideGrowingWriters: on a writable log, reads (Calls, a
// reader opened and closed) go on while calls are created and appended
// to and the file outgrows bbolt's mapping, so that commits remap and
// wait for every read transaction to end. A read must never need what a
// commit holds (the log's mutex, which CreateCall holds across its
// commit) to end its transaction: the test hangs if one does.
func TestReadsBesideGrowingWriters(t *testing.T) {
	defer func(size int) { initialMmapSize = size }(initialMmapSize)
	initialMmapSize = 0 // every growth of the file remaps
	l := tempLog(t, &Options{NoSync: true})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			infos, err := l.Calls()
			if err != nil {
				t.Errorf("Calls: %v", err)
				return
			}
			if len(infos) > 0 {
				r, err := l.Call(infos[len(infos)-1].Meta.ID)
				if err != nil {
					t.Errorf("Call: %v", err)
					return
				}
				c := r.Cursor(nil)
				for _, ok := c.First(); ok; _, ok = c.Next() {
				}
				if c.Err() != nil {
					t.Errorf("call %s: %v", infos[len(infos)-1].Meta.ID, c.Err())
				}
				r.Close()
			}
		}
	}()
	for range 40 {
		w, err := l.CreateCall(CallMeta{})
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, w, 1, 300)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
}

// TestCheckFileReportsADamagedFreeList: a read-only log's free list is
// loaded before the check, apart from it; what is wrong with it is still
// the check's finding, every time.
func TestCheckFileReportsADamagedFreeList(t *testing.T) {
	path := makeLog(t, 3000)
	// The free list page of the newer meta page, marked a leaf.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var metas [2][]byte
	pageSize := int64(os.Getpagesize())
	for i := range metas {
		metas[i] = make([]byte, 64)
		if _, err := f.ReadAt(metas[i], int64(i)*pageSize+16); err != nil {
			t.Fatal(err)
		}
	}
	meta := metas[0]
	if binary.LittleEndian.Uint64(metas[1][48:]) > binary.LittleEndian.Uint64(meta[48:]) { // txid
		meta = metas[1]
	}
	if ps := int64(binary.LittleEndian.Uint32(meta[8:])); ps != pageSize {
		t.Fatalf("page size %d, want %d", ps, pageSize)
	}
	freelist := int64(binary.LittleEndian.Uint64(meta[32:]))
	if _, err := f.WriteAt([]byte{0x02, 0x00}, freelist*pageSize+8); err != nil { // flags: leaf
		t.Fatal(err)
	}
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range 2 {
		err := l.CheckFile()
		var d *DamageError
		if !errors.As(err, &d) || !strings.Contains(err.Error(), "freelist") {
			t.Fatalf("CheckFile: %v", err)
		}
	}
}
