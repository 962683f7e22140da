package eventlog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CallWriter appends the events of one call. Append encodes an event into
// the current batch and returns; a background goroutine commits a batch in
// one bbolt transaction when it holds Options.BatchSize events or when it
// is due, whichever comes first, while Append fills the next batch. A batch
// is due Options.BatchDelay after its first input, output or metadata
// change, and Options.NoteDelay after its first note. Append blocks only when the next batch is
// full too, that is for at most one commit.
//
// A failed commit breaks the writer: that error is returned by every later
// Append, UpdateMeta and Flush (the events of the failed batch are lost, and
// later ones would leave a gap). ResumeCall continues the call after the
// cause is fixed.
//
// Its methods are safe for concurrent use.
type CallWriter struct {
	log       *Log
	id        string
	batchSize int
	delay     time.Duration // for inputs, outputs and metadata
	noteDelay time.Duration // for notes

	mu        sync.Mutex
	cond      sync.Cond // on mu: a batch was taken or committed, or the loop ended
	meta      CallMeta
	metaDirty bool
	seq       uint64 // the last Seq assigned
	gen       uint64 // counts Appends and UpdateMetas
	durable   uint64 // the gen committed
	flushGen  uint64 // the gen a Flush waits for
	pend      *batch // being filled
	spare     *batch // the other buffer, while pend is filled; nil while committing
	err       error  // sticky commit error
	closing   bool
	closed    bool

	wake     chan struct{}                // tells the loop that something changed
	done     chan struct{}                // closed when the loop ends
	onCommit atomic.Pointer[func(Commit)] // SetOnCommit's hook
}

// Commit is a batch of a call as it committed, for SetOnCommit's hook.
// Data and Meta are the writer's buffers: valid only during the call.
type Commit struct {
	First  uint64 // Seq of the first event; 0 when the batch has none
	Data   []byte // the events in their stored form (EncodeEvent), back to back
	Ends   []int  // the end offset in Data of each event
	Meta   []byte // the call's metadata as stored (JSON) when the batch changed it, else nil
	Closed bool   // the writer closed: no batch follows (Data empty)
}

// SetOnCommit makes fn run on the writer's goroutine after each batch
// commits, and once more with Closed set when the writer closes; nil
// removes it. A slow fn holds up the next commit.
func (w *CallWriter) SetOnCommit(fn func(Commit)) {
	if fn == nil {
		w.onCommit.Store(nil)
		return
	}
	w.onCommit.Store(&fn)
}

// AddOnCommit makes fn run after the hook already set (SetOnCommit's or
// an earlier AddOnCommit's), so that several parties — the live tail, the
// fleet — follow one writer's commits.
func (w *CallWriter) AddOnCommit(fn func(Commit)) {
	for {
		old := w.onCommit.Load()
		f := fn
		if old != nil {
			prev := *old
			f = func(c Commit) { prev(c); fn(c) }
		}
		if w.onCommit.CompareAndSwap(old, &f) {
			return
		}
	}
}

// batch is a run of encoded events committed in one transaction.
type batch struct {
	first uint64    // Seq of the first event
	buf   []byte    // the encoded events, back to back
	ends  []int     // end offset in buf of each event
	keys  []byte    // scratch for the big-endian keys
	due   time.Time // when the batch must commit; zero while empty
	meta  []byte    // the meta to store with it, JSON; nil if unchanged
	gen   uint64    // the writer's gen when taken

	snaps   []snapRef // snapshots to store after the events
	snapBuf []byte    // their data, back to back
}

func (b *batch) reset() {
	b.buf, b.ends, b.meta, b.due = b.buf[:0], b.ends[:0], nil, time.Time{}
	b.snaps, b.snapBuf = b.snaps[:0], b.snapBuf[:0]
}

func (l *Log) newWriterLocked(meta CallMeta, last uint64) *CallWriter {
	w := &CallWriter{log: l, id: meta.ID, batchSize: l.opts.BatchSize,
		delay: l.opts.BatchDelay, noteDelay: l.opts.NoteDelay,
		meta: meta, seq: last, pend: &batch{}, spare: &batch{},
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.cond.L = &w.mu
	l.writers[w.id] = w
	go w.loop()
	return w
}

// ID returns the call's id.
func (w *CallWriter) ID() string { return w.id }

// Append adds ev to the call, assigns its Seq (1-based, gapless) and fills
// Type from the input or output when empty. The event is durable once a
// later Flush returns, or after its batch commits.
func (w *CallWriter) Append(ev Event) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		if err := w.usableLocked(); err != nil {
			return 0, err
		}
		if len(w.pend.ends) < w.batchSize {
			break
		}
		w.cond.Wait() // both buffers full: wait for the commit in progress
	}
	ev.Seq = w.seq + 1
	n := len(w.pend.buf)
	buf, err := appendEvent(w.pend.buf, &ev)
	if err != nil {
		w.pend.buf = buf[:n]
		return 0, fmt.Errorf("eventlog: call %s: event %d: %w", w.id, ev.Seq, err)
	}
	w.pend.buf = buf
	w.pend.ends = append(w.pend.ends, len(buf))
	if len(w.pend.ends) == 1 {
		w.pend.first = ev.Seq
	}
	if ev.Kind == KindNote {
		w.dueLocked(w.noteDelay)
	} else {
		w.dueLocked(w.delay)
	}
	if len(w.pend.ends) >= w.batchSize {
		w.poke()
	}
	w.seq++
	w.gen++
	return ev.Seq, nil
}

// UpdateMeta changes the call's metadata (add a ConnMeta, an endpoint, a
// label); the change is stored with the next batch. The ID and
// FormatVersion cannot change.
func (w *CallWriter) UpdateMeta(update func(*CallMeta)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	m := w.meta
	update(&m)
	if m.ID != w.meta.ID || m.FormatVersion != w.meta.FormatVersion {
		return fmt.Errorf("eventlog: call %s: UpdateMeta may not change ID or FormatVersion", w.id)
	}
	w.meta = m
	w.metaDirty = true
	w.dueLocked(w.delay)
	w.gen++
	return nil
}

// Meta returns the call's metadata as last updated (committed or not).
func (w *CallWriter) Meta() CallMeta {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.meta
}

// Flush returns when everything appended so far is durable, or with the
// error that prevented it.
func (w *CallWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usableLocked(); err != nil {
		return err
	}
	target := w.gen
	if w.flushGen < target {
		w.flushGen = target
		w.poke()
	}
	for w.durable < target && w.err == nil {
		w.cond.Wait()
	}
	return w.err
}

// Close flushes the writer and stops its goroutine; the call stays in the
// log, readable, and can be continued with ResumeCall. Closing twice is a
// no-op.
func (w *CallWriter) Close() error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closing = true
	w.poke()
	w.mu.Unlock()
	<-w.done
	w.mu.Lock()
	w.closed = true
	err := w.err
	w.mu.Unlock()
	w.log.forgetWriter(w)
	if fn := w.onCommit.Load(); fn != nil {
		(*fn)(Commit{Closed: true})
	}
	return err
}

func (w *CallWriter) usableLocked() error {
	switch {
	case w.err != nil:
		return w.err
	case w.closing:
		return fmt.Errorf("%w: call writer %s", ErrClosed, w.id)
	}
	return nil
}

// dueLocked makes the current batch due at most delay from now, and wakes
// the loop when that moves its deadline.
func (w *CallWriter) dueLocked(delay time.Duration) {
	due := time.Now().Add(delay)
	if w.pend.due.IsZero() || due.Before(w.pend.due) {
		w.pend.due = due
		w.poke()
	}
}

func (w *CallWriter) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// loop commits batches until the writer closes or breaks.
func (w *CallWriter) loop() {
	defer close(w.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		w.mu.Lock()
		b, wait, exit := w.nextLocked(time.Now())
		w.mu.Unlock()
		switch {
		case b != nil:
			w.commit(b)
		case exit:
			return
		case wait > 0:
			timer.Reset(wait)
			select {
			case <-w.wake:
				timer.Stop()
			case <-timer.C:
			}
		default:
			<-w.wake
		}
	}
}

// nextLocked returns the batch to commit now, or how long to wait for one
// (0: until woken), or that the loop should end.
func (w *CallWriter) nextLocked(now time.Time) (b *batch, wait time.Duration, exit bool) {
	pending := len(w.pend.ends) > 0 || w.metaDirty || len(w.pend.snaps) > 0
	if w.err != nil || !pending {
		return nil, 0, w.err != nil || w.closing
	}
	due := len(w.pend.ends) >= w.batchSize || w.flushGen > w.durable || w.closing
	if wait := w.pend.due.Sub(now); !due && wait > 0 {
		return nil, wait, false
	}
	b = w.pend
	b.gen = w.gen
	if w.metaDirty {
		meta, err := json.Marshal(w.meta)
		if err != nil {
			w.failLocked(fmt.Errorf("eventlog: call %s: encode meta: %w", w.id, err))
			return nil, 0, true
		}
		b.meta, w.metaDirty = meta, false
	}
	w.pend, w.spare = w.spare, nil
	w.cond.Broadcast() // Appends waiting for room
	return b, 0, false
}

func (w *CallWriter) failLocked(err error) {
	w.err = err
	w.cond.Broadcast()
}

// commit stores b and hands its buffer back for reuse.
func (w *CallWriter) commit(b *batch) {
	err := w.log.commit(w.id, b)
	if fn := w.onCommit.Load(); fn != nil && err == nil {
		c := Commit{Data: b.buf, Ends: b.ends, Meta: b.meta}
		if len(b.ends) > 0 {
			c.First = b.first
		}
		(*fn)(c)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		last := b.first + uint64(len(b.ends)) - 1
		w.failLocked(fmt.Errorf("eventlog: call %s: commit of events %d..%d: %w", w.id, b.first, last, err))
		return
	}
	w.durable = b.gen
	b.reset()
	w.spare = b
	w.cond.Broadcast()
}

// commit writes one batch in one transaction. It checks that the batch
// continues the stored events exactly, so that no writer bug can leave a
// gap or overwrite an event.
func (l *Log) commit(id string, b *batch) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	return l.update(func(tx *bolt.Tx) error {
		cb := tx.Bucket([]byte(id))
		if cb == nil {
			return fmt.Errorf("%w: call %s vanished from %s", ErrCorrupt, id, l.path)
		}
		if b.meta != nil {
			if err := cb.Put(keyMeta, b.meta); err != nil {
				return err
			}
		}
		events := cb.Bucket(bucketEvts)
		if events == nil {
			return fmt.Errorf("%w: call %s in %s has no events bucket", ErrCorrupt, id, l.path)
		}
		if len(b.ends) > 0 {
			events.FillPercent = 1.0 // append-only: fill pages completely
			if err := putEvents(events, b); err != nil {
				return err
			}
		}
		if len(b.snaps) == 0 {
			return nil
		}
		snaps, err := cb.CreateBucketIfNotExists(bucketSnaps)
		if err != nil {
			return err
		}
		return putSnapshots(keyspace{b: snaps}, b, lastSeq(events))
	})
}

// lastSeq returns the Seq of a call's last stored event.
func lastSeq(events *bolt.Bucket) uint64 {
	if k, _ := events.Cursor().Last(); len(k) == 8 {
		return binary.BigEndian.Uint64(k)
	}
	return 0
}

func putEvents(events *bolt.Bucket, b *batch) error {
	last := lastSeq(events)
	if last+1 != b.first {
		return fmt.Errorf("eventlog: batch starts at event %d but the call holds %d events", b.first, last)
	}
	b.keys = b.keys[:0]
	for i := range b.ends {
		b.keys = binary.BigEndian.AppendUint64(b.keys, b.first+uint64(i))
	}
	start := 0
	for i, end := range b.ends {
		if err := events.Put(b.keys[8*i:8*i+8], b.buf[start:end]); err != nil {
			return err
		}
		start = end
	}
	// The last Seq committed: Check notices events missing at the end.
	return events.SetSequence(b.first + uint64(len(b.ends)) - 1)
}
