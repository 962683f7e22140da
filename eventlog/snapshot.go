package eventlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// A snapshot is an opaque record of a call's state after one of its
// events, stored next to the events so that a reader can start from it
// instead of replaying from the first event. This package stores and
// checks them; what they hold is the writer's business (the recorder's
// ECONN states, which verify can compare with its own replay).
//
// Snapshots are keyed by the Seq of the event they follow; a call has at
// most one per Seq (a later PutSnapshot of the same Seq replaces it).
// Calls written before snapshots existed have none.

// MaxSnapshotSize bounds one snapshot's data.
const MaxSnapshotSize = 1 << 20

// snapRef is a queued snapshot: its Seq and its data's end in
// batch.snapBuf (it starts where the previous one ends).
type snapRef struct {
	seq uint64
	end int
}

// PutSnapshot queues data as the snapshot of the call's state after
// event afterSeq, which must already be appended. It commits with the
// batch being filled, right after that batch's events (in a transaction
// of its own, so that the events' pages stay full: a crash between the
// two loses the snapshot), so a reader never sees a snapshot of events it
// cannot read. data is copied; it must hold 1 to MaxSnapshotSize bytes.
func (w *CallWriter) PutSnapshot(afterSeq uint64, data []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	switch {
	case afterSeq == 0 || afterSeq > w.seq:
		return fmt.Errorf("eventlog: call %s: snapshot after event %d: the call has events 1..%d", w.id, afterSeq, w.seq)
	case len(data) == 0:
		return fmt.Errorf("eventlog: call %s: snapshot after event %d is empty", w.id, afterSeq)
	case len(data) > MaxSnapshotSize:
		return fmt.Errorf("eventlog: call %s: snapshot after event %d: %d bytes, at most %d", w.id, afterSeq, len(data), MaxSnapshotSize)
	}
	b := w.pend
	b.snapBuf = append(b.snapBuf, data...)
	b.snaps = append(b.snaps, snapRef{seq: afterSeq, end: len(b.snapBuf)})
	w.dueLocked(w.delay)
	w.gen++
	return nil
}

// putSnapshots stores a batch's snapshots into the call's snapshot
// keyspace, creating it on first use. last is the call's last stored Seq.
func putSnapshots(ks keyspace, b *batch, last uint64) error {
	start := 0
	for _, s := range b.snaps {
		if s.seq == 0 || s.seq > last {
			return fmt.Errorf("eventlog: snapshot after event %d but the call holds %d events", s.seq, last)
		}
		if err := ks.put(s.seq, b.snapBuf[start:s.end]); err != nil {
			return err
		}
		start = s.end
	}
	return nil
}

// Snapshot returns the latest snapshot after an event at or before Seq
// atOrBefore: its Seq and a copy of its data. ok is false when there is
// none (always, for calls recorded before snapshots existed).
func (r *CallReader) Snapshot(atOrBefore uint64) (seq uint64, data []byte, ok bool, err error) {
	if err := r.checkOpen(); err != nil {
		return 0, nil, false, err
	}
	if r.data.snaps.b == nil || atOrBefore == 0 {
		return 0, nil, false, nil
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer r.log.recoverCorrupt(&err)
	k, v := r.data.snaps.atOrBefore(atOrBefore)
	if k == nil {
		return 0, nil, false, nil
	}
	seq, good := r.data.snaps.seqOf(k)
	if !good || v == nil || len(v) == 0 || seq > r.data.count {
		return 0, nil, false, r.log.eventDamage(r.data.meta.ID, seq, "bad snapshot key %x", k)
	}
	return seq, bytes.Clone(v), true, nil
}

// checkSnapshots walks a call's snapshot keys: each names an event of
// the call (1..last) and holds data.
func (l *Log) checkSnapshots(id string, ks keyspace, last uint64) error {
	if ks.b == nil {
		return nil
	}
	c := ks.b.Cursor()
	for k, v := ks.first(c); k != nil; k, v = ks.next(c) {
		seq, good := ks.seqOf(k)
		switch {
		case !good || v == nil:
			return l.damage(id, "stray key %x among the snapshots", k)
		case seq == 0 || seq > last:
			return l.eventDamage(id, seq, "snapshot of an event the call does not hold (it holds 1..%d)", last)
		case len(v) == 0:
			return l.eventDamage(id, seq, "empty snapshot")
		}
	}
	return nil
}

// keyspace is a run of Seq-keyed values: the keys of bucket b that
// start with prefix, each followed by a big-endian Seq.
type keyspace struct {
	b      *bolt.Bucket
	prefix []byte
}

func (ks keyspace) key(seq uint64) []byte {
	k := make([]byte, 0, len(ks.prefix)+8)
	return binary.BigEndian.AppendUint64(append(k, ks.prefix...), seq)
}

func (ks keyspace) put(seq uint64, v []byte) error { return ks.b.Put(ks.key(seq), v) }

// seqOf returns the Seq of a key of the keyspace; false for a key of
// another length.
func (ks keyspace) seqOf(k []byte) (uint64, bool) {
	if len(k) != len(ks.prefix)+8 || !samePrefix(k, ks.prefix) {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(ks.prefix):]), true
}

// within returns k, v when k belongs to the keyspace, nil otherwise.
func (ks keyspace) within(k, v []byte) ([]byte, []byte) {
	if k == nil || !samePrefix(k, ks.prefix) {
		return nil, nil
	}
	return k, v
}

func (ks keyspace) first(c *bolt.Cursor) ([]byte, []byte) {
	if len(ks.prefix) == 0 {
		return c.First()
	}
	return ks.within(c.Seek(ks.prefix))
}

func (ks keyspace) next(c *bolt.Cursor) ([]byte, []byte) { return ks.within(c.Next()) }
func (ks keyspace) prev(c *bolt.Cursor) ([]byte, []byte) { return ks.within(c.Prev()) }

// last moves c to the keyspace's last key.
func (ks keyspace) last(c *bolt.Cursor) ([]byte, []byte) {
	end := prefixEnd(ks.prefix)
	if end == nil {
		return c.Last()
	}
	if k, _ := c.Seek(end); k == nil {
		return ks.within(c.Last())
	}
	return ks.within(c.Prev())
}

// seek moves c to the first key of Seq seq or after.
func (ks keyspace) seek(c *bolt.Cursor, seq uint64) ([]byte, []byte) {
	var buf [24]byte
	key := binary.BigEndian.AppendUint64(append(buf[:0], ks.prefix...), seq)
	return ks.within(c.Seek(key))
}

// prefixEnd returns the first key after every key starting with prefix;
// nil when there is none (an empty prefix or all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// atOrBefore returns the last key at or before seq.
func (ks keyspace) atOrBefore(seq uint64) ([]byte, []byte) {
	c := ks.b.Cursor()
	want := ks.key(seq)
	k, v := c.Seek(want)
	switch {
	case k != nil && bytes.Equal(k, want):
		return k, v
	case k == nil:
		return ks.within(c.Last())
	}
	return ks.within(c.Prev())
}
