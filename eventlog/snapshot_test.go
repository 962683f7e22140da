package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func snapData(seq uint64) []byte { return []byte(fmt.Sprintf("state after %d", seq)) }

// Snapshots come back at or before any Seq asked for, across batches,
// after reopening, and none before the first or in a call without any.
func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snap.log")
	l, err := Open(path, 0o600, &Options{NoSync: true, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	plain, _ := l.CreateCall(CallMeta{ID: "plain"})
	appendN(t, plain, 1, 5)
	for seq := uint64(1); seq <= 100; seq++ {
		appendN(t, w, seq, seq)
		if seq%10 == 5 {
			if err := w.PutSnapshot(seq, snapData(seq)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A snapshot of an event committed in an earlier batch, replaced.
	if err := w.PutSnapshot(25, []byte("again")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	r, err := l.Call("c")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, at := range []uint64{0, 1, 4} {
		if seq, data, ok, err := r.Snapshot(at); ok || err != nil {
			t.Errorf("Snapshot(%d) = %d, %q, %t, %v; want none", at, seq, data, ok, err)
		}
	}
	for at := uint64(5); at <= 200; at++ {
		want := min(at-(at+5)%10, 95)
		wantData := snapData(want)
		if want == 25 {
			wantData = []byte("again")
		}
		seq, data, ok, err := r.Snapshot(at)
		if !ok || err != nil || seq != want || !bytes.Equal(data, wantData) {
			t.Fatalf("Snapshot(%d) = %d, %q, %t, %v; want %d, %q", at, seq, data, ok, err, want, wantData)
		}
	}
	rp, err := l.Call("plain")
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	if _, _, ok, err := rp.Snapshot(5); ok || err != nil {
		t.Errorf("a call without snapshots: %t, %v", ok, err)
	}
}

func TestPutSnapshotErrors(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true})
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	appendN(t, w, 1, 3)
	for _, tc := range []struct {
		seq  uint64
		data []byte
		want string
	}{
		{0, []byte("x"), "the call has events 1..3"},
		{4, []byte("x"), "the call has events 1..3"},
		{2, nil, "is empty"},
		{2, make([]byte, MaxSnapshotSize+1), fmt.Sprintf("at most %d", MaxSnapshotSize)},
	} {
		if err := w.PutSnapshot(tc.seq, tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PutSnapshot(%d, %d bytes): %v, want %q", tc.seq, len(tc.data), err, tc.want)
		}
	}
	if err := w.PutSnapshot(3, make([]byte, MaxSnapshotSize)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := w.PutSnapshot(3, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("PutSnapshot after Close: %v", err)
	}
}

// A snapshot commits with its batch: a reader that sees it sees its event.
func TestSnapshotCommitsWithEvents(t *testing.T) {
	l := tempLog(t, &Options{NoSync: true, BatchDelay: time.Hour, BatchSize: 1000})
	w, _ := l.CreateCall(CallMeta{ID: "c"})
	appendN(t, w, 1, 10)
	if err := w.PutSnapshot(10, []byte("s")); err != nil {
		t.Fatal(err)
	}
	r, _ := l.Call("c")
	if _, _, ok, _ := r.Snapshot(10); ok || r.Count() != 0 {
		t.Errorf("before the commit: a snapshot (%t) or events (%d)", ok, r.Count())
	}
	r.Close()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, _ = l.Call("c")
	defer r.Close()
	if seq, _, ok, _ := r.Snapshot(10); !ok || seq != 10 || r.Count() != 10 {
		t.Errorf("after Flush: snapshot %d (%t), %d events", seq, ok, r.Count())
	}
}

// editSnapshots changes the snapshots of call "c" of the log at path,
// whatever the layout.
func editSnapshots(t *testing.T, path string, change func(ks keyspace) error) {
	t.Helper()
	l, err := Open(path, 0o600, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.db.Update(func(tx *bolt.Tx) error {
		c, err := l.readCall(tx, "c")
		if err != nil {
			return err
		}
		return change(c.snaps)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSnapshots(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(ks keyspace) error
		seq    uint64
		hasSeq bool
		want   string
	}{
		{"seq 0", func(ks keyspace) error { return ks.put(0, []byte("x")) }, 0, true, "snapshot of an event the call does not hold (it holds 1..10)"},
		{"past the end", func(ks keyspace) error { return ks.put(11, []byte("x")) }, 11, true, "snapshot of an event the call does not hold"},
		{"empty", func(ks keyspace) error { return ks.put(4, []byte{}) }, 4, true, "empty snapshot"},
		{"short key", func(ks keyspace) error { return ks.b.Put(append(ks.prefix, 1, 2), []byte("x")) }, 0, false, "stray key"},
	} {
		path := makeLog(t, 10)
		l, err := Open(path, 0o600, &Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		w, _ := l.ResumeCall("c")
		if err := w.PutSnapshot(5, []byte("good")); err != nil {
			t.Fatal(err)
		}
		l.Close()
		editSnapshots(t, path, tc.change)
		checkDamage(t, path, tc.seq, tc.hasSeq, tc.want)
	}
}
