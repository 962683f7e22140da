package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// Format 3 keeps every call's records in one shared bucket, _calls, keyed
// by the call's number (4 bytes, big-endian, from the bucket's sequence)
// and a tag, so that the events of many small calls share pages instead
// of costing two bucket pages each:
//
//	0 0 0 0 0 <call id>    the call's number (the id index)
//	<n> 1                  CallMeta (meta.go's binary encoding)
//	<n> 2                  the last Seq committed, 8 bytes big-endian
//	<n> 5 <seq>            an event (codec.go), seq big-endian uint64
//	<n> 6                  the call's outcome, stored when its writer closes
//
// A call's events sort after its other records, so that the events of the
// newest call append at the end of the bucket, where pages fill
// completely. Snapshots live apart in _snapshots, keyed <n> <seq>, so that
// inserting one never splits a page of events; they commit in their own
// transaction right after their batch's.
//
// Every write transaction changes one top-level bucket: bbolt writes the
// pages of sibling buckets in map order, and a simulation's log should
// come out byte for byte the same from the same seed.
var (
	bucketCalls3 = []byte("_calls")
	bucketSnaps3 = []byte("_snapshots")
)

// The tags of a call's records.
const (
	tagMeta    = 1
	tagLast    = 2
	tagEvent   = 5
	tagOutcome = 6
)

// idPrefix starts the keys of the id index: call number 0, tag 0.
var idPrefix = []byte{0, 0, 0, 0, 0}

func idKey(id string) []byte { return append(bytes.Clone(idPrefix), id...) }

func recKey(n uint32, tag byte) []byte {
	return append(binary.BigEndian.AppendUint32(make([]byte, 0, 13), n), tag)
}

// eventSpace is call n's events.
func eventSpace(b *bolt.Bucket, n uint32) keyspace {
	return keyspace{b: b, prefix: recKey(n, tagEvent)}
}

// callNumber returns the number of the format 3 call id, or 0.
func callNumber(calls *bolt.Bucket, id string) uint32 {
	if calls == nil {
		return 0
	}
	v := calls.Get(idKey(id))
	if len(v) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

// callExists reports whether a call of any format has the id.
func callExists(tx *bolt.Tx, id string) bool {
	return tx.Bucket([]byte(id)) != nil || callNumber(tx.Bucket(bucketCalls3), id) != 0
}

// createCall3 stores a new call's number and meta; the caller lists it in
// the calls index in a second transaction.
func createCall3(tx *bolt.Tx, meta *CallMeta) (uint32, error) {
	calls, err := tx.CreateBucketIfNotExists(bucketCalls3)
	if err != nil {
		return 0, err
	}
	seq, err := calls.NextSequence()
	if err != nil {
		return 0, err
	}
	if seq > math.MaxUint32 {
		return 0, errors.New("eventlog: the log holds as many calls as format 3 numbers")
	}
	n := uint32(seq)
	if err := calls.Put(idKey(meta.ID), binary.BigEndian.AppendUint32(nil, n)); err != nil {
		return 0, err
	}
	return n, calls.Put(recKey(n, tagMeta), appendMeta(nil, meta))
}

// readCall3 reads what Calls, Call and ResumeCall need of format 3 call
// n, with one cursor over its records (a few seeks: ls reads every call),
// and returns its last event's key and value.
func (l *Log) readCall3(calls *bolt.Bucket, id string, n uint32, c *callData) (lastK, lastV []byte, err error) {
	var key [5]byte
	rec := func(tag byte) []byte {
		binary.BigEndian.PutUint32(key[:], n)
		key[4] = tag
		return key[:]
	}
	cur := calls.Cursor()
	k, data := cur.Seek(rec(tagMeta))
	if !bytes.Equal(k, rec(tagMeta)) || data == nil {
		return nil, nil, l.damage(id, "has no meta")
	}
	// The binary meta decodes in about the time a cache would take to
	// compare and copy it: only JSON metas are cached.
	if err := decodeMeta(data, &c.meta); err != nil {
		return nil, nil, l.damage(id, "meta: %v", err)
	}
	if c.meta.ID != id {
		return nil, nil, l.damage(id, "meta names call %q", c.meta.ID)
	}
	c.num = n
	c.events = eventSpace(calls, n)
	if k, last := cur.Next(); bytes.Equal(k, rec(tagLast)) {
		if len(last) != 8 {
			return nil, nil, l.damage(id, "bad last Seq record %x", last)
		}
		c.committed = binary.BigEndian.Uint64(last)
	}
	// The outcome follows the events: seek it, and step back to the last
	// event.
	k, o := cur.Seek(rec(tagOutcome))
	if bytes.Equal(k, rec(tagOutcome)) {
		out, err := decodeOutcome(o)
		if err != nil {
			return nil, nil, l.damage(id, "outcome: %v", err)
		}
		c.outcome = out
	}
	if k == nil {
		lastK, lastV = c.events.within(cur.Last())
	} else {
		lastK, lastV = c.events.within(cur.Prev())
	}
	if snaps := l.snapBucket3(calls.Tx()); snaps != nil {
		c.snaps = keyspace{b: snaps, prefix: binary.BigEndian.AppendUint32(nil, n)}
	}
	return lastK, lastV, nil
}

func (l *Log) snapBucket3(tx *bolt.Tx) *bolt.Bucket { return tx.Bucket(bucketSnaps3) }

// commit3 writes one batch of format 3 call n: its meta, its events and
// the last Seq, then (in a transaction of its own) its snapshots. It
// checks that the batch continues the stored events exactly, so that no
// writer bug can leave a gap or overwrite an event.
func (l *Log) commit3(id string, n uint32, b *batch) error {
	err := l.update(func(tx *bolt.Tx) error {
		calls := tx.Bucket(bucketCalls3)
		if calls == nil || calls.Get(recKey(n, tagMeta)) == nil {
			return fmt.Errorf("%w: call %s vanished from %s", ErrCorrupt, id, l.path)
		}
		if b.meta != nil {
			if err := calls.Put(recKey(n, tagMeta), b.meta); err != nil {
				return err
			}
		}
		if len(b.ends) > 0 {
			if err := putEvents3(calls, n, b); err != nil {
				return err
			}
		}
		if b.outcome != nil {
			return calls.Put(recKey(n, tagOutcome), b.outcome)
		}
		return nil
	})
	if err != nil || len(b.snaps) == 0 {
		return err
	}
	return l.update(func(tx *bolt.Tx) error {
		snaps, err := tx.CreateBucketIfNotExists(bucketSnaps3)
		if err != nil {
			return err
		}
		last := lastSeq(eventSpace(tx.Bucket(bucketCalls3), n))
		ks := keyspace{b: snaps, prefix: binary.BigEndian.AppendUint32(nil, n)}
		snaps.FillPercent = fillFor(snaps, ks.key(b.snaps[0].seq))
		return putSnapshots(ks, b, last)
	})
}

func putEvents3(calls *bolt.Bucket, n uint32, b *batch) error {
	ks := eventSpace(calls, n)
	if last := lastSeq(ks); last+1 != b.first {
		return fmt.Errorf("eventlog: batch starts at event %d but the call holds %d events", b.first, last)
	}
	calls.FillPercent = fillFor(calls, ks.key(b.first))
	b.keys = b.keys[:0]
	for i := range b.ends {
		b.keys = binary.BigEndian.AppendUint64(append(b.keys, ks.prefix...), b.first+uint64(i))
	}
	start, kl := 0, len(ks.prefix)+8
	for i, end := range b.ends {
		if err := calls.Put(b.keys[kl*i:kl*i+kl], b.buf[start:end]); err != nil {
			return err
		}
		start = end
	}
	last := b.first + uint64(len(b.ends)) - 1
	// The last Seq committed: Check notices events missing at the end.
	return calls.Put(recKey(n, tagLast), binary.BigEndian.AppendUint64(nil, last))
}

// fillFor returns the fill of the pages a transaction writes into b:
// full when its first key comes after every key of b, so that appends
// (the newest call's events) leave no gaps; bbolt's default otherwise (a
// call recorded while a later one is), which leaves room for the next
// insert in the middle.
func fillFor(b *bolt.Bucket, first []byte) float64 {
	if k, _ := b.Cursor().Last(); k == nil || bytes.Compare(first, k) > 0 {
		return 1.0
	}
	return bolt.DefaultFillPercent
}

// lastSeq returns the Seq of the last event stored in ks, 0 for none.
func lastSeq(ks keyspace) uint64 {
	k, _ := ks.last(ks.b.Cursor())
	seq, _ := ks.seqOf(k)
	return seq
}
