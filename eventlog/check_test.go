package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkDamage opens path read-only and checks that CheckCall("c"), Check
// and Calls agree on the damage: a *DamageError of call "c" at seq (when
// hasSeq) whose text holds want.
func checkDamage(t *testing.T, path string, seq uint64, hasSeq bool, want string) *DamageError {
	t.Helper()
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var d *DamageError
	for name, err := range map[string]error{"CheckCall": l.CheckCall("c"), "Check": l.Check()} {
		if !errors.As(err, &d) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v, want damage", name, err)
		}
		if d.Call != "c" || d.HasSeq != hasSeq || d.Seq != seq || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), path) {
			t.Fatalf("%s: %+v (%v), want call c, event %d (%t), %q", name, d, err, seq, hasSeq, want)
		}
	}
	return d
}

// editEvents changes the events of call "c" with plain bbolt.
func editEvents(t *testing.T, path string, change func(events keyspace) error) {
	t.Helper()
	rewrite(t, path, func(tx *bolt.Tx) error { return change(eventsOf(tx, "c")) })
}

// eventsOf returns the events of format 3 call id.
func eventsOf(tx *bolt.Tx, id string) keyspace {
	calls := tx.Bucket(bucketCalls3)
	return eventSpace(calls, callNumber(calls, id))
}

func TestCheckIntactLog(t *testing.T) {
	path := makeLog(t, 300)
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckCall("nope"); !errors.Is(err, ErrNoCall) {
		t.Fatalf("CheckCall of an unknown call: %v", err)
	}
}

// A deleted event in the middle, first or last is missing, at its Seq;
// the call holds one event fewer than its Count.
func TestCheckDeletedEvent(t *testing.T) {
	for _, seq := range []uint64{1, 5, 10} {
		path := makeLog(t, 10)
		editEvents(t, path, func(events keyspace) error { return events.b.Delete(events.key(seq)) })
		d := checkDamage(t, path, seq, true, "missing")
		if d.Stored != 9 {
			t.Errorf("deleted event %d: %d events stored, want 9", seq, d.Stored)
		}
	}
	path := makeLog(t, 10)
	editEvents(t, path, func(events keyspace) error {
		return errors.Join(events.b.Delete(events.key(4)), events.b.Delete(events.key(5)), events.b.Delete(events.key(6)))
	})
	checkDamage(t, path, 4, true, "event 4: missing through event 6 (event 7 follows 3)")
}

// Keys that are no Seq of the call: 0, far past the end, of another
// length, a bucket.
func TestCheckStrayKeys(t *testing.T) {
	for _, tc := range []struct {
		name   string
		key    func(ks keyspace) []byte
		bucket bool
		seq    uint64
		want   string
	}{
		{"key 0", func(ks keyspace) []byte { return ks.key(0) }, false, 0, "stray key 0"},
		{"seq+1000", func(ks keyspace) []byte { return ks.key(1010) }, false, 11, "missing through event 1009 (event 1010 follows 10)"},
		{"short key", func(ks keyspace) []byte { return append(bytes.Clone(ks.prefix), make([]byte, 7)...) }, false, 1,
			"stray key 0000000100000000000000"},
		{"bucket", func(ks keyspace) []byte { return ks.key(11) }, true, 11, "stray key"},
	} {
		path := makeLog(t, 10)
		editEvents(t, path, func(events keyspace) error {
			if tc.bucket {
				_, err := events.b.CreateBucket(tc.key(events))
				return err
			}
			return events.b.Put(tc.key(events), events.b.Get(events.key(3)))
		})
		if tc.bucket {
			// A bucket as the last key is a bad last key already.
			l, _ := Open(path, 0, &Options{ReadOnly: true})
			if _, err := l.Call("c"); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: Call: %v", tc.name, err)
			}
			l.Close()
			continue
		}
		checkDamage(t, path, tc.seq, true, tc.want)
	}
}

// The calls index against the buckets: a call listed twice, a listed
// call that is missing, an entry that is no call, a stray reserved
// bucket. Calls refuses them too, so that no command acts on a call twice.
func TestCheckIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(tx *bolt.Tx) error
		call   string
		want   string
	}{
		{"listed twice", func(tx *bolt.Tx) error { return addIndex(tx, []byte("c")) }, "c",
			"call c: listed twice in the calls index (entries 1 and 2)"},
		{"missing", func(tx *bolt.Tx) error { return addIndex(tx, []byte("gone")) }, "gone",
			"call gone: listed in the calls index (entry 2) but missing"},
		{"stray entry", func(tx *bolt.Tx) error { return index(tx).Put([]byte("x"), []byte("c")) }, "",
			"stray key 78 in the calls index"},
		{"stray bucket", func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("_extra")); return err }, "",
			`stray bucket "_extra"`},
	} {
		path := makeLog(t, 3)
		rewrite(t, path, tc.change)
		l, err := Open(path, 0, &Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		_, cerr := l.Calls()
		for name, err := range map[string]error{"Calls": cerr, "CheckFile": l.CheckFile(), "Check": l.Check()} {
			var d *DamageError
			if !errors.As(err, &d) || d.Call != tc.call || d.HasSeq || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %s: %v, want %q", tc.name, name, err, tc.want)
			}
		}
		l.Close()
	}
}

func index(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket(bucketRoot).Bucket(bucketCalls) }

func addIndex(tx *bolt.Tx, id []byte) error {
	n, err := index(tx).NextSequence()
	if err != nil {
		return err
	}
	return index(tx).Put(seqKey(n), id)
}

// A call bucket the index misses (a crash between CreateCall's two
// transactions: the second, which takes the index's next number, never
// ran) is listed and no damage.
func TestCheckUnlistedCall(t *testing.T) {
	path := makeLog(t, 3)
	rewrite(t, path, func(tx *bolt.Tx) error {
		if err := index(tx).Delete(seqKey(1)); err != nil {
			return err
		}
		return index(tx).SetSequence(0)
	})
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if infos, err := l.Calls(); err != nil || len(infos) != 1 || l.Check() != nil {
		t.Fatalf("calls %v, %v; check %v", infos, err, l.Check())
	}
}

// A log whose free list lost a page reads as before, but fails bbolt's
// check, and so Check and CheckFile.
func TestCheckLeakedPage(t *testing.T) {
	path := makeLog(t, 2000)
	leakFreePage(t, path)
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.CheckCall("c"); err != nil {
		t.Fatalf("the call itself is intact: %v", err)
	}
	for name, err := range map[string]error{"CheckFile": l.CheckFile(), "Check": l.Check()} {
		var d *DamageError
		if !errors.As(err, &d) || d.Call != "" || !strings.Contains(err.Error(), "unreachable unfreed") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// leakFreePage drops the last page id from the file's free list, in place:
// that page is then neither reachable nor free. The meta checksum does not
// cover the free list page, so bbolt opens the file as before.
func leakFreePage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u64 := binary.LittleEndian.Uint64
	pageSize := int(binary.LittleEndian.Uint32(data[16+8:])) // meta 0 says it
	// The meta pages are 0 and 1; the one with the higher txid is current.
	// meta: 16-byte page header, magic, version, page size, flags (4 each),
	// root bucket (16), freelist pgid (8), high-water mark (8), txid (8).
	meta := func(p int) []byte { return data[p*pageSize+16:] }
	m := meta(0)
	if u64(meta(1)[48:]) > u64(m[48:]) {
		m = meta(1)
	}
	free := int(u64(m[32:])) * pageSize
	count := binary.LittleEndian.Uint16(data[free+10:])
	if count == 0 || count == 0xFFFF {
		t.Fatalf("the free list holds %d pages; the test needs a short list", count)
	}
	binary.LittleEndian.PutUint16(data[free+10:], count-1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A call removed from the file, bucket and index entry, leaves a gap in
// the index's numbers; an entry numbered 0 (CreateCall starts at 1) is
// stray, not a second listing that slips past the duplicate check.
func TestCheckRemovedCallAndEntryZero(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(tx *bolt.Tx) error
		want   string
	}{
		"call removed": {func(tx *bolt.Tx) error {
			id := index(tx).Get(seqKey(1))
			if err := removeCall3(tx, string(id)); err != nil {
				return err
			}
			return index(tx).Delete(seqKey(1))
		}, "calls index entry 1 missing"},
		"entry 0": {func(tx *bolt.Tx) error { return index(tx).Put(seqKey(0), index(tx).Get(seqKey(1))) }, "stray entry 0"},
	} {
		t.Run(name, func(t *testing.T) {
			path := makeLog(t, 3)
			rewrite(t, path, func(tx *bolt.Tx) error {
				if err := addIndexedCall(tx, "second"); err != nil {
					return err
				}
				return tc.change(tx)
			})
			l, err := Open(path, 0, &Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := l.Check(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("check: %v, want damage: %s", err, tc.want)
			}
		})
	}
}

// addIndexedCall adds an empty call bucket and its index entry, as
// CreateCall would.
func addIndexedCall(tx *bolt.Tx, id string) error {
	if _, err := tx.CreateBucket([]byte(id)); err != nil {
		return err
	}
	return addIndex(tx, []byte(id))
}

// removeCall3 deletes format 3 call id's events and records, but not its
// index entry.
func removeCall3(tx *bolt.Tx, id string) error {
	calls := tx.Bucket(bucketCalls3)
	prefix := callPrefix(callNumber(calls, id))
	for _, b := range []*bolt.Bucket{calls, records(calls)} {
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return calls.Delete(idKey(id))
}

// editMeta changes the meta of format 3 call id.
func editMeta(tx *bolt.Tx, id string, change func(m *CallMeta)) error {
	calls := tx.Bucket(bucketCalls3)
	key := recKey(callNumber(calls, id), tagMeta)
	var m CallMeta
	if err := decodeMeta(records(calls).Get(key), &m); err != nil {
		return err
	}
	change(&m)
	return records(calls).Put(key, appendMeta(nil, &m))
}

// The shared bucket of format 3 holds only the records of numbered
// calls: CheckFile (and Check) name a key that is none.
func TestCheckSharedBucket(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(tx *bolt.Tx) error
		want   string
	}{
		{"record of no call", func(tx *bolt.Tx) error { return records3(tx).Put(recKey(7, tagMeta), []byte("x")) },
			"stray key 0000000701 among the call records"},
		{"unknown tag", func(tx *bolt.Tx) error { return records3(tx).Put(recKey(1, 4), []byte("x")) },
			"call c: stray key 0000000104 among its records"},
		{"short record key", func(tx *bolt.Tx) error { return records3(tx).Put([]byte{0, 0, 0, 1}, []byte("x")) },
			"call c: stray key 00000001 among its records"},
		{"event of no call", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCalls3).Put(eventSpace(nil, 7).key(1), []byte("x"))
		}, "stray key 000000070000000000000001 among the calls"},
		{"short key", func(tx *bolt.Tx) error { return tx.Bucket(bucketCalls3).Put([]byte{1}, []byte("x")) },
			"stray key 01 among the calls"},
		{"number taken twice", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCalls3).Put(idKey("d"), []byte{0, 0, 0, 1})
		}, `call d: call number 1 is taken (by "c")`},
		{"snapshot of no call", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketSnaps3)
			if err == nil {
				err = b.Put(binary.BigEndian.AppendUint64([]byte{0, 0, 0, 9}, 1), []byte("x"))
			}
			return err
		}, "snapshot 000000090000000000000001 of no call"},
	} {
		path := makeLog(t, 3)
		rewrite(t, path, tc.change)
		l, err := Open(path, 0, &Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{"CheckFile": l.CheckFile(), "Check": l.Check()} {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %s: %v, want %q", tc.name, name, err, tc.want)
			}
		}
		l.Close()
	}
}

// records3 returns the records bucket of format 3.
func records3(tx *bolt.Tx) *bolt.Bucket { return records(tx.Bucket(bucketCalls3)) }

// forgetOutcome deletes call id's stored outcome, as if its writer never
// closed.
func forgetOutcome(tx *bolt.Tx, id string) error {
	return records3(tx).Delete(recKey(callNumber(tx.Bucket(bucketCalls3), id), tagOutcome))
}

// Of a call whose writer never closed, Calls sees damage at the ends of
// its events without reading the rest: the first is not 1, the last is
// not the last committed. Of a closed call it reads no event: it lists
// what the call's records say, and CheckCall finds the damage.
func TestCallsSeesDamageAtTheEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(events keyspace) error
		seq    uint64
		want   string // "" for no damage seen
		count  uint64
	}{
		{"intact", func(keyspace) error { return nil }, 0, "", 10},
		{"middle deleted", func(ks keyspace) error { return ks.b.Delete(ks.key(5)) }, 0, "", 10},
		{"first deleted", func(ks keyspace) error { return ks.b.Delete(ks.key(1)) }, 1, "missing (the first event is 2)", 10},
		{"last deleted", func(ks keyspace) error { return ks.b.Delete(ks.key(10)) }, 10, "missing (the call committed 10)", 9},
		{"stray 0", func(ks keyspace) error { return ks.put(0, []byte("x")) }, 0, "stray key 0", 10},
		{"stray after", func(ks keyspace) error { return ks.put(20, ks.b.Get(ks.key(3))) }, 11, "events after the last committed, 10 (the last is 20)", 20},
	} {
		for _, closed := range []bool{true, false} {
			path := makeLog(t, 10)
			editEvents(t, path, tc.change)
			if !closed {
				rewrite(t, path, func(tx *bolt.Tx) error { return forgetOutcome(tx, "c") })
			}
			l, err := Open(path, 0, &Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			infos, err := l.Calls()
			l.Close()
			if err != nil {
				t.Fatal(err)
			}
			d, want, count := infos[0].Damage, tc.want, tc.count
			if closed {
				want, count = "", 10
			}
			switch {
			case want == "" && d != nil:
				t.Errorf("%s (closed %t): damage %v", tc.name, closed, d)
			case want != "" && (d == nil || d.Seq != tc.seq || !d.HasSeq || !strings.Contains(d.Error(), want)):
				t.Errorf("%s (closed %t): damage %v, want at %d: %s", tc.name, closed, d, tc.seq, want)
			case infos[0].Events != count || (closed && infos[0].Duration != 10*time.Millisecond):
				t.Errorf("%s (closed %t): %d events, %v, want %d", tc.name, closed, infos[0].Events, infos[0].Duration, count)
			}
		}
	}
}

// A closed call is listed from its records alone: with every event
// deleted, Calls still lists its length, duration and outcome (a Calls
// that read an event of it would see none), and CheckCall reports the
// damage.
func TestCallsReadsNoEventOfClosedCalls(t *testing.T) {
	path := makeLog(t, 10)
	editEvents(t, path, func(ks keyspace) error {
		for seq := uint64(1); seq <= 10; seq++ {
			if err := ks.b.Delete(ks.key(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	l, err := Open(path, 0, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	if c := infos[0]; c.Events != 10 || c.Duration != 10*time.Millisecond || c.Outcome == nil || c.Damage != nil {
		t.Errorf("Calls: %d events, %v, outcome %v, damage %v; want 10, 10ms, stored, none", c.Events, c.Duration, c.Outcome, c.Damage)
	}
	var d *DamageError
	if err := l.CheckCall("c"); !errors.As(err, &d) || d.Seq != 1 || !strings.Contains(err.Error(), "missing through event 10") {
		t.Errorf("CheckCall: %v", err)
	}
}

// The last record, which Calls lists a closed call by, must agree with
// the events: CheckCall names a last event whose At differs from the
// recorded one.
func TestCheckLastRecord(t *testing.T) {
	path := makeLog(t, 10)
	rewrite(t, path, func(tx *bolt.Tx) error {
		key := recKey(callNumber(tx.Bucket(bucketCalls3), "c"), tagLast)
		rec := bytes.Clone(records3(tx).Get(key))
		binary.BigEndian.PutUint64(rec[8:], 12345)
		return records3(tx).Put(key, rec)
	})
	checkDamage(t, path, 10, true, "the last event is at 10ms, its call's record says 12.345µs")
	rewrite(t, path, func(tx *bolt.Tx) error {
		return records3(tx).Put(recKey(callNumber(tx.Bucket(bucketCalls3), "c"), tagLast), []byte{1})
	})
	checkDamage(t, path, 0, false, "bad last Seq record 01")
}
