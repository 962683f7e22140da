package eventlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/callrec/callrec/internal/parts"
)

// The schema. Three reserved top-level buckets:
//
//	_callrec/magic        "callrec-eventlog"
//	_callrec/version      FormatVersion, decimal: the newest of its calls
//	_callrec/calls/<n>    call id, n big-endian in creation order (the index)
//	_calls/...            the calls of format 3, all in one bucket keyed by
//	                      call number (layout3.go): id index and events,
//	                      and a nested bucket of each call's records
//	                      (meta, last Seq, outcome)
//	_snapshots/<n><seq>   snapshots of format 3 calls (snapshot.go)
//
// and, for each call of formats 1 and 2, a top-level bucket named by its
// id:
//
//	<call id>/meta        CallMeta, JSON
//	<call id>/events/<seq> the event (see codec.go), seq big-endian uint64
//
// The last Seq committed is recorded (format 3: a record of the call;
// formats 1 and 2: the events bucket's sequence) so that Check notices
// events missing at the end; files written before it was kept leave it
// 0, which checks nothing. The Seqs of a call run 1..N without a gap
// (see check.go).
var (
	bucketRoot  = []byte("_callrec")
	bucketCalls = []byte("calls")
	bucketEvts  = []byte("events")
	keyMagic    = []byte("magic")
	keyVersion  = []byte("version")
	keyMeta     = []byte("meta")
	magic       = []byte("callrec-eventlog")
)

// Options configures Open. The zero value (or a nil *Options) gives the
// defaults.
type Options struct {
	// Timeout is how long Open waits for the file lock (held by another
	// process that has the log open); then it returns ErrLocked. 0 means 1s.
	// A writable Open of an existing file locks twice (it checks the file
	// read-only first), so it may wait up to twice as long.
	Timeout time.Duration

	// ReadOnly opens an existing log for reading; other read-only openers
	// may share it, a writer may not.
	ReadOnly bool

	// NoSync skips fsync on commit: a machine crash can lose or damage the
	// log. For tests and benchmarks only.
	NoSync bool

	// BatchSize is the number of events per group commit; 0 means 1000.
	BatchSize int

	// BatchDelay is the longest an appended event waits before its batch
	// commits; 0 means 10ms.
	BatchDelay time.Duration

	// NoteDelay is the longest a note waits before its batch commits when
	// no input or output joins it (one that does makes the batch due
	// BatchDelay after itself); 0 means BatchDelay. Notes are context —
	// statistics, media states — not what replay re-runs, so a recorder
	// may let them wait longer than inputs and outputs: a live call's
	// steady statistics then cost a commit every NoteDelay, not every
	// BatchDelay. A process crash loses at most NoteDelay of notes and
	// BatchDelay of everything else.
	NoteDelay time.Duration

	// Preload maps the whole file into memory at Open (MAP_POPULATE, Linux
	// only), so that cursors and seeks never wait for a page fault: Open
	// then costs reading the file once. Worth it for a viewer that jumps
	// around a large log.
	Preload bool
}

// Default option values.
const (
	DefaultTimeout    = time.Second
	DefaultBatchSize  = 1000
	DefaultBatchDelay = 10 * time.Millisecond
)

// maxCallIDLen bounds call ids, which are bbolt bucket names.
const maxCallIDLen = 255

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.BatchSize <= 0 {
		r.BatchSize = DefaultBatchSize
	}
	if r.BatchDelay <= 0 {
		r.BatchDelay = DefaultBatchDelay
	}
	if r.NoteDelay < r.BatchDelay {
		r.NoteDelay = r.BatchDelay
	}
	return r
}

// Log is an open event log file. Its methods are safe for concurrent use.
type Log struct {
	db   *bolt.DB
	path string
	opts Options

	// mu guards closed and writers; CreateCall and ResumeCall hold it
	// across a commit. On a read-only log every read transaction also
	// begins and ends under it (see begin).
	mu      sync.Mutex
	closed  bool
	writers map[string]*CallWriter
	// freelistLoaded: CheckFile had bbolt load a read-only file's free
	// list, and freelistErrs is what that load found wrong (beginCheck);
	// on mu.
	freelistLoaded bool
	freelistErrs   []string

	// rmu guards readers and readersClosed. It is never held across a
	// bbolt call, so that registering or forgetting a reader, which holds
	// a read transaction, never waits for a commit that waits for that
	// transaction to end (a commit that grows the mapping does).
	rmu           sync.Mutex
	readers       map[*CallReader]struct{}
	readersClosed bool // Close has taken the readers

	metas metaCache // its own lock
}

// Open opens the log at path, creating it (with mode) unless
// opts.ReadOnly. A nil opts gives the defaults. The errors wrap ErrNotLog,
// ErrCorrupt, ErrNewerVersion or ErrLocked and name the path; a missing
// file in read-only mode wraps fs.ErrNotExist.
//
// An existing empty file opened for writing becomes a new log, so that a
// file made by mktemp can be recorded into.
func Open(path string, mode os.FileMode, opts *Options) (*Log, error) {
	o := opts.withDefaults()
	hasData, err := checkFile(path, o.ReadOnly)
	if err != nil {
		return nil, err
	}
	if hasData && !o.ReadOnly {
		// Check the file read-only first: opening for writing reads the
		// free list, which on a truncated file is a memory fault that
		// leaves the file mapped, and so locked, for the process's life.
		ro := o
		ro.ReadOnly = true
		l, err := openLog(path, mode, ro)
		if err != nil {
			return nil, err
		}
		l.db.Close()
	}
	return openLog(path, mode, o)
}

func openLog(path string, mode os.FileMode, o Options) (*Log, error) {
	db, err := openBolt(path, mode, &o)
	if err != nil {
		return nil, err
	}
	l := &Log{db: db, path: path, opts: o,
		writers: map[string]*CallWriter{}, readers: map[*CallReader]struct{}{}}
	if err := l.init(); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// checkFile rejects what bbolt would mishandle or report unclearly, and
// reports whether the file exists with data in it.
func checkFile(path string, readOnly bool) (hasData bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && readOnly:
		return false, fmt.Errorf("eventlog: no such log file %s: %w", path, fs.ErrNotExist)
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("eventlog: %w", err)
	case fi.IsDir():
		return false, fmt.Errorf("%w: %s is a directory", ErrNotLog, path)
	case fi.Size() == 0 && readOnly:
		return false, fmt.Errorf("%w: %s is an empty file", ErrNotLog, path)
	}
	return fi.Size() > 0, nil
}

// openBolt opens the bbolt file, turning its errors and any panic or memory
// fault on a damaged file into this package's errors.
func openBolt(path string, mode os.FileMode, o *Options) (db *bolt.DB, err error) {
	var file *os.File
	bo := &bolt.Options{
		Timeout:  o.Timeout,
		ReadOnly: o.ReadOnly,
		NoSync:   o.NoSync,
		// A read transaction blocks the remapping a growing file needs;
		// mapping 1 GiB up front (address space only) makes that rare.
		InitialMmapSize: initialMmapSize,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	if o.Preload {
		bo.MmapFlags = mmapPopulate
	}
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				file.Close() // releases the lock of the half-opened db
			}
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	db, err = bolt.Open(path, mode, bo)
	if err != nil {
		return nil, openError(path, o.Timeout, err)
	}
	db.AllocSize = minGrowth
	return db, nil
}

// initialMmapSize is a variable for the tests that make bbolt remap.
var initialMmapSize = 1 << 30 * (strconv.IntSize / 64)

// With a mapping larger than the file (initialMmapSize), bbolt grows the
// file to what a commit needs plus AllocSize (16 MiB by default), and each
// growth costs a truncate and an fsync more. update sets AllocSize to a
// quarter of the data before each commit, between these bounds: a one-call
// log stays a few tens of KiB on disk, a small log grows geometrically, and
// past 4 MiB of data it grows a MiB at a time, one sync per hundreds of
// batch commits, with at most a MiB unused at the end.
const (
	minGrowth = 32 << 10
	maxGrowth = 1 << 20
)

// growth is how much the file grows past what a commit needs, for data
// of size bytes.
func growth(size int64) int {
	return int(min(max(size/4, minGrowth), maxGrowth))
}

// update runs fn in a write transaction, with the file's growth set for
// the data it holds. The write transaction holds bbolt's writer lock, the
// only place bbolt reads AllocSize.
func (l *Log) update(fn func(*bolt.Tx) error) error {
	return l.db.Update(func(tx *bolt.Tx) error {
		l.db.AllocSize = growth(tx.Size())
		return fn(tx)
	})
}

func openError(path string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return fmt.Errorf("%w: %s (gave up after %v)", ErrLocked, path, timeout)
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrVersionMismatch):
		return fmt.Errorf("%w: %s: %v", ErrNotLog, path, err)
	case strings.Contains(err.Error(), "file size too small"): // bbolt has no sentinel for it
		return fmt.Errorf("%w: %s: %v", ErrNotLog, path, err)
	case errors.Is(err, bolt.ErrChecksum):
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	// The file's own errors (a missing directory, no permission) name
	// the path already.
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Path == path {
		return fmt.Errorf("eventlog: %w", err)
	}
	return fmt.Errorf("eventlog: open %s: %w", path, err)
}

// init checks the file's size, magic and version, and writes them into a
// new file.
func (l *Log) init() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	fi, err := os.Stat(l.path)
	if err != nil {
		return fmt.Errorf("eventlog: %w", err)
	}
	var fresh bool
	err = l.db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("%w: %s is truncated: %d bytes, the log needs %d",
				ErrCorrupt, l.path, fi.Size(), tx.Size())
		}
		root := tx.Bucket(bucketRoot)
		if root == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return fmt.Errorf("%w: %s is a bbolt file of another program (no %s bucket)", ErrNotLog, l.path, bucketRoot)
			}
			fresh = true
			return nil
		}
		return l.checkRoot(root)
	})
	if err != nil || !fresh || l.opts.ReadOnly {
		return err
	}
	return l.update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucket(bucketRoot)
		if err == nil {
			err = errors.Join(root.Put(keyMagic, magic),
				root.Put(keyVersion, []byte(strconv.Itoa(FormatVersion))))
		}
		if err == nil {
			_, err = root.CreateBucket(bucketCalls)
		}
		return err
	})
}

func (l *Log) checkRoot(root *bolt.Bucket) error {
	if m := root.Get(keyMagic); string(m) != string(magic) {
		return fmt.Errorf("%w: %s: bad magic %q", ErrNotLog, l.path, m)
	}
	v, err := strconv.Atoi(string(root.Get(keyVersion)))
	switch {
	case err != nil:
		return fmt.Errorf("%w: %s: bad format version: %v", ErrCorrupt, l.path, err)
	case v > FormatVersion:
		return fmt.Errorf("%w: %s has format version %d, this build reads up to %d",
			ErrNewerVersion, l.path, v, FormatVersion)
	case root.Bucket(bucketCalls) == nil:
		return fmt.Errorf("%w: %s: no calls index", ErrCorrupt, l.path)
	}
	return nil
}

// recoverCorrupt turns a panic inside bbolt (which asserts on damaged
// pages) or a memory fault on a truncated mapping into ErrCorrupt. Deferred
// next to debug.SetPanicOnFault(true).
func (l *Log) recoverCorrupt(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %v", ErrCorrupt, l.path, r)
	}
}

// Path returns the file's path as given to Open.
func (l *Log) Path() string { return l.path }

// Close flushes and closes the call writers still open, releases the call
// readers still open (their cursors then report ErrClosed) and closes the
// file. Closing twice is a no-op.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	var ws []*CallWriter
	for _, w := range l.writers {
		ws = append(ws, w)
	}
	l.mu.Unlock()
	l.rmu.Lock()
	l.readersClosed = true
	var rs []*CallReader
	for r := range l.readers {
		rs = append(rs, r)
	}
	l.rmu.Unlock()
	var err error
	for _, w := range ws {
		err = errors.Join(err, w.Close())
	}
	for _, r := range rs {
		r.Close()
	}
	if !l.opts.ReadOnly {
		l.trim()
	}
	return errors.Join(err, l.db.Close())
}

// trim cuts the file down to the pages the log uses: a growing log
// keeps up to a quarter of its size spare at the end (see growth), which
// a finished log does not need. It runs while the file is still locked,
// after the last commit; the next writer grows the file again. It is
// best effort: a system that cannot shrink a mapped file keeps a larger,
// equally good log.
func (l *Log) trim() {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { recover() }() // a damaged file: the reads report it
	var size int64
	if l.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }) != nil {
		return
	}
	if fi, err := os.Stat(l.path); err != nil || fi.Size() <= size {
		return
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	if f.Truncate(size) == nil && !l.opts.NoSync {
		f.Sync()
	}
	f.Close()
}

func (l *Log) checkOpen() error {
	if l.closed {
		return fmt.Errorf("%w: %s", ErrClosed, l.path)
	}
	return nil
}

func (l *Log) checkWritable() error {
	if err := l.checkOpen(); err != nil {
		return err
	}
	if l.opts.ReadOnly {
		return fmt.Errorf("eventlog: %s is open read-only", l.path)
	}
	return nil
}

// CreateCall adds a call to the log and returns its writer. An empty
// meta.ID gets the next free "call-NNNN"; an id that exists is an error.
// FormatVersion is set to this build's.
func (l *Log) CreateCall(meta CallMeta) (w *CallWriter, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritable(); err != nil {
		return nil, err
	}
	meta.FormatVersion = FormatVersion
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	// Two transactions, each changing one top-level bucket: bbolt writes
	// the pages of sibling buckets in map order, and a simulation's log
	// should come out byte for byte the same from the same seed. Calls
	// lists a call whose second transaction a crash prevented.
	var num uint32
	err = l.update(func(tx *bolt.Tx) error {
		if meta.ID == "" {
			meta.ID = freeCallID(tx)
		}
		if err := checkCallID(meta.ID); err != nil {
			return err
		}
		if callExists(tx, meta.ID) {
			return fmt.Errorf("eventlog: %s: call %q already exists", l.path, meta.ID)
		}
		num, err = createCall3(tx, &meta)
		return err
	})
	if err == nil {
		err = l.update(func(tx *bolt.Tx) error {
			root := tx.Bucket(bucketRoot)
			calls := root.Bucket(bucketCalls)
			n, err := calls.NextSequence()
			if err == nil {
				err = calls.Put(seqKey(n), []byte(meta.ID))
			}
			if v, _ := strconv.Atoi(string(root.Get(keyVersion))); err == nil && v < FormatVersion {
				// Older builds cannot read the call: they must say so.
				err = root.Put(keyVersion, []byte(strconv.Itoa(FormatVersion)))
			}
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	return l.newWriterLocked(meta, 0, num, nil), nil
}

// freeCallID returns "call-NNNN" for the lowest N above the number of
// calls listed that names no bucket.
func freeCallID(tx *bolt.Tx) string {
	for n := tx.Bucket(bucketRoot).Bucket(bucketCalls).Sequence() + 1; ; n++ {
		id := fmt.Sprintf("call-%04d", n)
		if !callExists(tx, id) {
			return id
		}
	}
}

func checkCallID(id string) error {
	switch {
	case strings.HasPrefix(id, "_"):
		return fmt.Errorf("eventlog: call id %q: ids starting with _ are reserved", id)
	case len(id) > maxCallIDLen:
		return fmt.Errorf("eventlog: call id %.20q...: longer than %d bytes", id, maxCallIDLen)
	}
	return nil
}

// ResumeCall opens an existing call for appending, after a restart or a
// crash: its events continue from the last one stored. One writer per call
// at a time, and only calls of this build's FormatVersion. The call's
// stored outcome is dropped until the new writer closes; a call whose
// writer never closed has its outcome so far read from its events.
func (l *Log) ResumeCall(id string) (w *CallWriter, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkWritable(); err != nil {
		return nil, err
	}
	if _, busy := l.writers[id]; busy {
		return nil, fmt.Errorf("eventlog: %s: call %q is already open for writing", l.path, id)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	var c callData
	var conns []ConnOutcome
	err = l.db.View(func(tx *bolt.Tx) error {
		if c, err = l.readCall(tx, id); err != nil {
			return err
		}
		if c.meta.FormatVersion != FormatVersion {
			return fmt.Errorf("eventlog: %s: call %s has format version %d, this build appends only to version %d",
				l.path, id, c.meta.FormatVersion, FormatVersion)
		}
		if conns = c.outcome; conns == nil {
			conns, err = l.scanOutcome(&c)
		}
		return err
	})
	if err == nil && c.outcome != nil {
		// The stored outcome ends with the events stored: drop it until
		// the writer closes again.
		err = l.update(func(tx *bolt.Tx) error {
			return records(tx.Bucket(bucketCalls3)).Delete(recKey(c.num, tagOutcome))
		})
	}
	if err != nil {
		return nil, err
	}
	return l.newWriterLocked(c.meta, c.count, c.num, conns), nil
}

// scanOutcome works out a call's outcome from its stored events.
func (l *Log) scanOutcome(c *callData) ([]ConnOutcome, error) {
	t := newOutcomeTracker(nil)
	r := &CallReader{log: l, data: *c}
	cur := r.Cursor(&Filter{Types: []string{TypeNew, "StateChanged", "Closed"}})
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		t.add(&ev)
	}
	return t.conns, cur.Err()
}

// callData is what Calls, Call and ResumeCall read of a call.
type callData struct {
	meta      CallMeta
	num       uint32   // the call's number in format 3; 0 for older calls
	events    keyspace // its events, keyed by Seq
	snaps     keyspace // its snapshots; b nil when the log has none
	count     uint64   // the last Seq stored
	committed uint64   // the last Seq committed, as recorded (0: not recorded)
	// committedAt is the At of event committed, as recorded (format 3).
	committedAt time.Duration
	dur         time.Duration
	outcome     []ConnOutcome // as stored at Close; nil if not
	// fromRecords: count and dur are the recorded ones, no event was read
	// (a closed format 3 call, listed).
	fromRecords bool
}

func (l *Log) readCall(tx *bolt.Tx, id string) (callData, error) {
	if strings.HasPrefix(id, "_") {
		return callData{}, fmt.Errorf("%w: %q in %s", ErrNoCall, id, l.path)
	}
	return l.readCallRef(tx, newRecordReader(tx, 0), callRef{id: id, num: callNumber(tx.Bucket(bucketCalls3), id)}, false)
}

// readCallRef reads a call's records and its last event; with
// fromRecords, a closed call of format 3 only its records (see readCall3).
func (l *Log) readCallRef(tx *bolt.Tx, recs *recordReader, ref callRef, fromRecords bool) (callData, error) {
	var c callData
	var err error
	var k, v []byte
	id := ref.id
	if ref.num != 0 {
		k, v, err = l.readCall3(recs, id, ref.num, &c, fromRecords)
	} else if b := tx.Bucket([]byte(id)); b != nil {
		if err = l.readCall2(b, id, &c); err == nil {
			k, v = c.events.last(c.events.b.Cursor())
		}
	} else {
		return c, fmt.Errorf("%w: %q in %s", ErrNoCall, id, l.path)
	}
	if err != nil {
		return c, err
	}
	if k == nil {
		return c, nil
	}
	seq, ok := c.events.seqOf(k)
	if !ok || v == nil {
		return c, l.damage(id, "stray key %x after the events", k)
	}
	c.count = seq
	var d decoder
	d.reset(v)
	h := d.header()
	if d.err != nil {
		return c, l.eventDamage(id, c.count, "%v", d.err)
	}
	c.dur = h.at
	return c, nil
}

// readCall2 reads a call of format 1 or 2: a bucket of its own.
func (l *Log) readCall2(b *bolt.Bucket, id string, c *callData) error {
	data := b.Get(keyMeta)
	if data == nil {
		return l.damage(id, "has no meta")
	}
	// Decoded into a variable of its own, which the cache's decoder
	// makes escape: a listing's callData of every format stays on the
	// stack.
	var m CallMeta
	if err := l.metas.decode(id, data, &m, jsonMeta); err != nil {
		return l.damage(id, "meta: %v", err)
	}
	c.meta = m
	events := b.Bucket(bucketEvts)
	if events == nil {
		return l.damage(id, "has no events bucket")
	}
	c.events = keyspace{b: events}
	c.committed = events.Sequence()
	return nil
}

// Calls lists the log's calls in creation order, with their metadata,
// number of events, duration and stored outcome, as committed. It reads
// a few records per call. Of a call whose writer closed (its outcome is
// stored) it reads no event: its number of events and duration are the
// ones recorded with its last batch, and Damage is nil. Of any other call
// it reads the first and the last event, never those between: its
// Damage is what those show (events missing at either end, events after
// the last committed). CheckCall finds the rest.
func (l *Log) Calls() (infos []CallInfo, err error) {
	var refs []callRef
	count := 1 // parts
	var n int  // infos read
	err = l.view(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketRoot)
		if root == nil {
			return nil // an empty file opened read-only
		}
		if refs, err = l.callIDs(tx, root); err != nil {
			return err
		}
		infos = make([]CallInfo, len(refs))
		if count = l.listParts(len(refs)); count > 1 {
			return nil // read below, side by side
		}
		return l.readInfos(tx, refs, infos, &n)
	})
	if err == nil && count > 1 {
		n, err = l.readInfosParallel(refs, infos, count)
	}
	if err != nil {
		return infos[:n], err
	}
	return infos, nil
}

// listParts is how many goroutines Calls reads the records of n calls
// with: a read-only log's calls are read in parts side by side, each in a
// transaction of its own (nothing writes a file opened read-only, so
// they all see the same log); a writable log's in the one transaction
// that listed them.
func (l *Log) listParts(n int) int {
	if !l.opts.ReadOnly {
		return 1
	}
	return parts.Count(n, minCallsPerPart, 4)
}

// minCallsPerPart: below it, a goroutine and a transaction of its own
// cost more than the part's records take to read.
const minCallsPerPart = 1024

// readInfos reads the records of refs into infos, counting in *n those
// read so far: when a damaged page panics, the count is still right.
func (l *Log) readInfos(tx *bolt.Tx, refs []callRef, infos []CallInfo, n *int) error {
	recs := newRecordReader(tx, listChunk)
	for i, ref := range refs {
		*n = i
		c, err := l.readCallRef(tx, recs, ref, true)
		if err != nil {
			return err
		}
		infos[i] = CallInfo{Meta: c.meta, Events: c.count, Duration: c.dur, Outcome: c.outcome}
		if !c.fromRecords {
			infos[i].Damage = l.checkEnds(&c)
		}
	}
	*n = len(refs)
	return nil
}

// readInfosParallel is readInfos in parts, each in a transaction of its
// own; an error is the first in the order of refs, returned with the
// number of infos read before it.
func (l *Log) readInfosParallel(refs []callRef, infos []CallInfo, count int) (int, error) {
	return parts.Run(len(refs), count, func(lo, hi int) (n int, err error) {
		err = l.view(func(tx *bolt.Tx) error {
			return l.readInfos(tx, refs[lo:hi], infos[lo:hi], &n)
		})
		return n, err
	})
}

// Call opens a call for reading. The reader holds a read transaction: it
// sees the call as committed when Call returned, and must be closed.
func (l *Log) Call(id string) (r *CallReader, err error) {
	// The log's mutex is held to begin the transaction and to register
	// the reader, not while the call's records are read, so that the
	// workers of verify open calls side by side.
	tx, err := l.begin()
	if err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, l.path, p)
		}
		if err != nil {
			l.rollback(tx) // an open read transaction would block Close
		}
	}()
	c, err := l.readCall(tx, id)
	if err != nil {
		return nil, err
	}
	if c.meta.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("%w: %s: call %s has format version %d, this build reads up to %d",
			ErrNewerVersion, l.path, id, c.meta.FormatVersion, FormatVersion)
	}
	return l.register(&CallReader{log: l, tx: tx, data: c})
}

// register adds a reader to those Close releases.
func (l *Log) register(r *CallReader) (*CallReader, error) {
	l.rmu.Lock()
	defer l.rmu.Unlock()
	if l.readersClosed {
		// Close came meanwhile: it does not know this reader.
		return nil, fmt.Errorf("%w: %s", ErrClosed, l.path)
	}
	l.readers[r] = struct{}{}
	return r, nil
}

// OnlyCall opens the log's one call for reading: ErrNoCall if it has none,
// an error listing the ids if it has several.
func (l *Log) OnlyCall() (*CallReader, error) {
	infos, err := l.Calls()
	if err != nil {
		return nil, err
	}
	switch len(infos) {
	case 0:
		return nil, fmt.Errorf("%w: %s holds no call", ErrNoCall, l.path)
	case 1:
		return l.Call(infos[0].Meta.ID)
	}
	ids := make([]string, len(infos))
	for i, c := range infos {
		ids[i] = c.Meta.ID
	}
	return nil, fmt.Errorf("eventlog: %s holds %d calls (%s): name one", l.path, len(ids), strings.Join(ids, ", "))
}

func (l *Log) forgetWriter(w *CallWriter) {
	l.mu.Lock()
	if l.writers[w.id] == w {
		delete(l.writers, w.id)
	}
	l.mu.Unlock()
}

// forgetReader ends a reader's transaction, once: its owner and Close
// may both close it.
func (l *Log) forgetReader(r *CallReader) error {
	l.rmu.Lock()
	_, open := l.readers[r]
	delete(l.readers, r)
	r.closed = true
	l.rmu.Unlock()
	if !open {
		return nil
	}
	return l.rollback(r.tx)
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}
