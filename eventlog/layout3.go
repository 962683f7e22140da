package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Format 3 keeps the events of every call in one shared bucket, _calls,
// keyed by the call's number (4 bytes, big-endian, from the bucket's
// sequence) and Seq, so that the events of many small calls share pages
// instead of costing two bucket pages each; each call's other records
// live in a bucket nested in it, so that listing the calls reads a few
// small records per call and none of the events' pages:
//
//	_calls/
//	  0                     the records bucket (below)
//	  0 0 0 0 <call id>     the call's number (the id index)
//	  <n> <seq>             an event (codec.go), seq big-endian uint64
//	_calls/0/ (records)
//	  <n> 1                 CallMeta (meta.go's binary encoding)
//	  <n> 2                 the last Seq committed and that event's At
//	                        (nanoseconds), 8 bytes big-endian each
//	  <n> 3                 the call's outcome, stored when its writer closes
//
// The events of the newest call append at the end of _calls, where pages
// fill completely; its records append at the end of the records bucket.
// Snapshots live apart in _snapshots, keyed <n> <seq>, so that inserting
// one never splits a page of events; they commit in their own
// transaction right after their batch's.
//
// Every write transaction changes one top-level bucket, and the records
// are a nested bucket rather than a top-level one for the same reason:
// bbolt writes the pages of sibling buckets in map order, and a
// simulation's log should come out byte for byte the same from the same
// seed. A nested bucket also has a fill percent of its own, so that the
// records of an older call inserted mid-bucket do not split full pages.
var (
	bucketCalls3 = []byte("_calls")
	bucketSnaps3 = []byte("_snapshots")
	keyRecords3  = []byte{0}
)

// The tags of a call's records.
const (
	tagMeta    = 1
	tagLast    = 2
	tagOutcome = 3
)

// lastRecLen is the length of a tagLast record: Seq and At.
const lastRecLen = 16

// idPrefix starts the keys of the id index: call number 0.
var idPrefix = []byte{0, 0, 0, 0}

func idKey(id string) []byte { return append(bytes.Clone(idPrefix), id...) }

func recKey(n uint32, tag byte) []byte {
	return append(binary.BigEndian.AppendUint32(make([]byte, 0, 5), n), tag)
}

// callPrefix is the 4-byte prefix of call n's keys.
func callPrefix(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// eventSpace is call n's events.
func eventSpace(calls *bolt.Bucket, n uint32) keyspace {
	return keyspace{b: calls, prefix: callPrefix(n)}
}

// records returns the records bucket of _calls; nil if either is missing.
func records(calls *bolt.Bucket) *bolt.Bucket {
	if calls == nil {
		return nil
	}
	return calls.Bucket(keyRecords3)
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
	recs, err := calls.CreateBucketIfNotExists(keyRecords3)
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
	recs.FillPercent = fillForCall(recs, n)
	return n, recs.Put(recKey(n, tagMeta), appendMeta(nil, meta))
}

// recordReader reads the records of format 3 calls in one read
// transaction: the buckets looked up once, one cursor that steps on from
// one call's records to the next (Calls reads the calls in number order,
// mostly), and one decoder whose strings share blocks.
type recordReader struct {
	calls, recs, snaps *bolt.Bucket
	cur                *bolt.Cursor
	k, v               []byte // where cur is; k nil before the first read
	d                  decoder
	slabs              *slabs // nil: each call's slices of their own
}

// listChunk is the block the strings of a listing's metas share.
const listChunk = 32 << 10

// newRecordReader returns a reader for one call (chunk 0), or for a
// listing, whose strings share blocks of chunk bytes and whose slices
// share slabs.
func newRecordReader(tx *bolt.Tx, chunk int) *recordReader {
	r := &recordReader{calls: tx.Bucket(bucketCalls3), snaps: tx.Bucket(bucketSnaps3)}
	r.recs = records(r.calls)
	if r.recs != nil {
		r.cur = r.recs.Cursor()
	}
	r.d.chunkSize = chunk
	if chunk > 0 {
		r.slabs = &slabs{}
	}
	return r
}

// is reports whether the cursor is at call n's record of the tag.
func (r *recordReader) is(n uint32, tag byte) bool {
	return len(r.k) == 5 && r.k[4] == tag && binary.BigEndian.Uint32(r.k) == n && r.v != nil
}

// meta moves to call n's meta record: where the cursor is when the last
// call read was n-1, else a seek.
func (r *recordReader) meta(n uint32) bool {
	if !r.is(n, tagMeta) {
		r.k, r.v = r.cur.Seek(recKey(n, tagMeta))
	}
	return r.is(n, tagMeta)
}

// next moves to the record after the current one.
func (r *recordReader) next() { r.k, r.v = r.cur.Next() }

// readCall3 reads the records of format 3 call n. When fromRecords and
// the call's writer closed (its outcome is stored), the call's length and
// duration come from its last record and no event is read: a listing
// then touches only the records' pages. Otherwise it returns the last
// event's key and value, from which readCallRef takes them.
func (l *Log) readCall3(r *recordReader, id string, n uint32, c *callData, fromRecords bool) (lastK, lastV []byte, err error) {
	if r.recs == nil || !r.meta(n) {
		return nil, nil, l.damage(id, "has no meta")
	}
	// The binary meta decodes in about the time a cache would take to
	// compare and copy it: only JSON metas are cached.
	if err := r.d.meta(r.v, &c.meta, r.slabs); err != nil {
		return nil, nil, l.damage(id, "meta: %v", err)
	}
	if c.meta.ID != id {
		return nil, nil, l.damage(id, "meta names call %q", c.meta.ID)
	}
	c.num = n
	c.events = eventSpace(r.calls, n)
	r.next()
	if r.is(n, tagLast) {
		if len(r.v) != lastRecLen {
			return nil, nil, l.damage(id, "bad last Seq record %x", r.v)
		}
		c.committed = binary.BigEndian.Uint64(r.v)
		c.committedAt = time.Duration(binary.BigEndian.Uint64(r.v[8:]))
		r.next()
	}
	if r.is(n, tagOutcome) {
		out, err := r.d.outcome(r.v, r.slabs)
		if err != nil {
			return nil, nil, l.damage(id, "outcome: %v", err)
		}
		c.outcome = out
		r.next()
	}
	if r.snaps != nil {
		c.snaps = keyspace{b: r.snaps, prefix: callPrefix(n)}
	}
	if fromRecords && c.outcome != nil {
		c.count, c.dur, c.fromRecords = c.committed, c.committedAt, true
		return nil, nil, nil
	}
	lastK, lastV = c.events.last(r.calls.Cursor())
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
		recs := records(calls)
		if recs == nil || recs.Get(recKey(n, tagMeta)) == nil {
			return fmt.Errorf("%w: call %s vanished from %s", ErrCorrupt, id, l.path)
		}
		recs.FillPercent = fillForCall(recs, n)
		if b.meta != nil {
			if err := recs.Put(recKey(n, tagMeta), b.meta); err != nil {
				return err
			}
		}
		if len(b.ends) > 0 {
			if err := putEvents3(calls, recs, n, b); err != nil {
				return err
			}
		}
		if b.outcome != nil {
			return recs.Put(recKey(n, tagOutcome), b.outcome)
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
		ks := keyspace{b: snaps, prefix: callPrefix(n)}
		snaps.FillPercent = fillFor(snaps, ks.key(b.snaps[0].seq))
		return putSnapshots(ks, b, last)
	})
}

func putEvents3(calls, recs *bolt.Bucket, n uint32, b *batch) error {
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
	return recs.Put(recKey(n, tagLast), lastRecord(b))
}

// lastRecord is the tagLast record of a batch: the Seq and At of its last
// event. The Seq lets Check notice events missing at the end; with the
// At, a listing of closed calls needs no event.
func lastRecord(b *batch) []byte {
	start := 0
	if len(b.ends) > 1 {
		start = b.ends[len(b.ends)-2]
	}
	var d decoder
	d.reset(b.buf[start:b.ends[len(b.ends)-1]])
	h := d.header() // the writer encoded it: it decodes
	rec := binary.BigEndian.AppendUint64(make([]byte, 0, lastRecLen), b.first+uint64(len(b.ends))-1)
	return binary.BigEndian.AppendUint64(rec, uint64(h.at))
}

// fillForCall returns the fill of the pages a transaction writes into
// the records bucket for call n: full when no later call has a record
// (the newest call's records append), bbolt's default otherwise.
func fillForCall(recs *bolt.Bucket, n uint32) float64 {
	if k, _ := recs.Cursor().Last(); len(k) < 4 || binary.BigEndian.Uint32(k) <= n {
		return 1.0
	}
	return bolt.DefaultFillPercent
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
