package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// DamageError is damage found in a log: a page bbolt's check rejects, a
// calls index that does not match the call buckets, or a call whose
// events do not run 1..N without a gap. It wraps ErrCorrupt. Damage is
// not a divergence: the log no longer holds what was recorded, so
// replaying it proves nothing either way.
type DamageError struct {
	Path string
	Call string // the call concerned; "" for the file's pages or its calls index
	// Seq is the first bad sequence number (a missing event, a stray key)
	// when HasSeq; key 0 is reported as Seq 0.
	Seq    uint64
	HasSeq bool
	// Stored is the number of well-formed events the call holds, when
	// CheckCall counted them; the call's Count is its last Seq and counts
	// events that are missing.
	Stored  uint64
	Problem string // what is wrong, for people
}

func (e *DamageError) Error() string {
	var b strings.Builder
	b.WriteString(ErrCorrupt.Error())
	for _, part := range []string{e.Path, e.callPart(), e.seqPart()} {
		if part != "" {
			b.WriteString(": " + part)
		}
	}
	b.WriteString(": " + e.Problem)
	return b.String()
}

func (e *DamageError) callPart() string {
	if e.Call == "" {
		return ""
	}
	return "call " + e.Call
}

func (e *DamageError) seqPart() string {
	if !e.HasSeq {
		return ""
	}
	return fmt.Sprintf("event %d", e.Seq)
}

func (e *DamageError) Unwrap() error { return ErrCorrupt }

// damage returns the damage of call id (or of the file, id "").
func (l *Log) damage(id, format string, a ...any) *DamageError {
	return &DamageError{Path: l.path, Call: id, Problem: fmt.Sprintf(format, a...)}
}

// eventDamage returns the damage of call id at event seq.
func (l *Log) eventDamage(id string, seq uint64, format string, a ...any) *DamageError {
	d := l.damage(id, format, a...)
	d.Seq, d.HasSeq = seq, true
	return d
}

// Check checks the whole log: every page (bbolt's consistency check), the
// calls index against the call buckets, and every call's events
// (CheckCall). It returns nil or the damage it found, as *DamageError
// values joined (errors.As finds the first), each wrapping ErrCorrupt. It
// reads every page: seconds for a large log.
func (l *Log) Check() error {
	if err := l.CheckFile(); err != nil {
		return err
	}
	infos, err := l.Calls()
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range infos {
		errs = append(errs, l.CheckCall(c.Meta.ID))
	}
	return errors.Join(errs...)
}

// CheckFile checks what is shared by the calls: every page is reachable
// once and the free list is consistent (bbolt's check), the calls index
// lists each call at most once and nothing else, and the shared bucket of
// format 3 holds only the records of numbered calls. A call
// bucket the index misses is no damage: a crash between CreateCall's two
// transactions leaves one.
func (l *Log) CheckFile() (err error) {
	tx, freelist, err := l.beginCheck()
	if err != nil {
		return err
	}
	defer l.rollback(tx)
	if !l.opts.ReadOnly {
		// As before reads ran side by side: the check of a writable log
		// runs under the log's mutex, apart from CreateCall and
		// ResumeCall. (The commits of its writers may still change the
		// free list the check reads; the commands check logs they open
		// read-only.)
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	return l.checkFile(tx, freelist)
}

// beginCheck begins CheckFile's transaction and, on a read-only file,
// has bbolt load the free list its check reads. bbolt loads it lazily,
// in the check, unguarded, while transactions beginning and ending
// beside it read it (under bbolt's meta lock): loading it here, under
// the log's mutex that every read transaction of a read-only log begins
// and ends under (begin, rollback), leaves the check only reading it — a
// read-only file's free list never changes after — and the check can run
// beside the readers. What the load finds wrong (a damaged free list
// page) is kept for every CheckFile to report (bbolt loads it once), and
// returned.
func (l *Log) beginCheck() (tx *bolt.Tx, freelist []string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tx, err = l.beginLocked(); err != nil {
		return nil, nil, err
	}
	if l.opts.ReadOnly && !l.freelistLoaded {
		// A page out of range: the check loads the free list, reports
		// the page and stops.
		for e := range tx.Check(bolt.WithPageId(1)) {
			if !strings.HasPrefix(e.Error(), "page ID (1) out of range") {
				l.freelistErrs = append(l.freelistErrs, e.Error())
			}
		}
		l.freelistLoaded = true
	}
	return tx, slices.Clone(l.freelistErrs), nil
}

// checkFile is CheckFile's check; freelist is what loading the free list
// found wrong.
func (l *Log) checkFile(tx *bolt.Tx, freelist []string) error {
	problems := freelist
	for e := range tx.Check() { // drained to the end: the checker reads tx
		if len(problems) < 10 {
			problems = append(problems, e.Error())
		}
	}
	if len(problems) > 0 {
		return l.damage("", "%s", strings.Join(problems, "; "))
	}
	if root := tx.Bucket(bucketRoot); root != nil {
		if _, err := l.callIDs(tx, root); err != nil {
			return err
		}
	}
	return l.checkCalls3(tx)
}

// CheckCall checks one call: its metadata decodes, its events are keyed
// 1..N without a gap or a stray key, and none is missing at the end (N
// is at least the last Seq committed); in format 3, N is the last Seq
// committed and the last event's At the one recorded with it (what Calls
// lists of a closed call without reading its events). Damage is a *DamageError naming
// the first bad Seq; an unknown call is ErrNoCall. It reads every key of
// the call, not the events themselves: decoding them is the reader's.
func (l *Log) CheckCall(id string) error {
	return l.view(func(tx *bolt.Tx) error {
		c, err := l.readCall(tx, id)
		if err != nil {
			return err
		}
		return l.checkCall(&c)
	})
}

// Check checks the reader's call as CheckCall does, in the reader's
// transaction: what it sees is what the reader reads.
func (r *CallReader) Check() (err error) {
	if err := r.checkOpen(); err != nil {
		return err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer r.log.recoverCorrupt(&err)
	return r.log.checkCall(&r.data)
}

// checkEnds checks what Calls reads of a call in a few steps: its first
// event is 1 and its last is the last committed. The damage it returns
// has no Stored count.
func (l *Log) checkEnds(c *callData) *DamageError {
	id := c.meta.ID
	if c.count == 0 {
		if c.committed > 0 {
			return l.eventDamage(id, 1, "%s (the call committed %d)", missing(1, c.committed), c.committed)
		}
		return nil
	}
	cur := c.events.b.Cursor()
	k, _ := c.events.first(cur)
	switch first, ok := c.events.seqOf(k); {
	case !ok:
		return l.eventDamage(id, 1, "stray key %x among the events", k)
	case first == 0:
		return l.eventDamage(id, 0, "stray key 0 (events start at 1)")
	case first > 1:
		return l.eventDamage(id, 1, "%s (the first event is %d)", missing(1, first-1), first)
	case c.count < c.committed:
		return l.eventDamage(id, c.count+1, "%s (the call committed %d)", missing(c.count+1, c.committed), c.committed)
	case c.count > c.committed && c.num != 0: // older builds did not always record it
		return l.eventDamage(id, c.committed+1, "events after the last committed, %d (the last is %d)", c.committed, c.count)
	}
	return nil
}

// checkCall checks the keys of a call read by readCall.
func (l *Log) checkCall(c *callData) error {
	if err := l.checkEvents(c.meta.ID, c.events, c.committed); err != nil {
		return err
	}
	if err := l.checkLastRecord(c); err != nil {
		return err
	}
	return l.checkSnapshots(c.meta.ID, c.snaps, max(c.count, c.committed))
}

// checkLastRecord checks a format 3 call's last record against its
// events (which checkEvents found gapless up to at least the record's
// Seq): Calls lists a closed call by the record alone.
func (l *Log) checkLastRecord(c *callData) error {
	id := c.meta.ID
	switch {
	case c.num == 0:
		return nil
	case c.count > c.committed:
		return l.eventDamage(id, c.committed+1, "events after the last committed, %d (the last is %d)", c.committed, c.count)
	case c.count > 0 && c.dur != c.committedAt:
		return l.eventDamage(id, c.count, "the last event is at %v, its call's record says %v", c.dur, c.committedAt)
	}
	return nil
}

// view runs fn in a read transaction, with a damaged page an error. The
// log's mutex is not held while fn runs: the workers of verify read calls
// side by side. A Close that comes while fn runs waits in bbolt for the
// transaction to end.
func (l *Log) view(fn func(tx *bolt.Tx) error) (err error) {
	tx, err := l.begin()
	if err != nil {
		return err
	}
	defer l.rollback(tx)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverCorrupt(&err)
	return fn(tx)
}

// begin begins a read transaction of an open log. It holds the log's
// mutex while it does, so that no transaction begins once Close has
// begun. On a read-only log every read transaction also ends under the
// mutex (rollback): CheckFile has bbolt load the free list under it,
// which bbolt reads as transactions begin and end (beginCheck). A
// writable log's transactions end without it: CreateCall holds the
// mutex across a commit, and a commit that grows the mapping waits for
// every read transaction to end.
func (l *Log) begin() (*bolt.Tx, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.beginLocked()
}

// beginLocked is begin with the log's mutex held.
func (l *Log) beginLocked() (*bolt.Tx, error) {
	if err := l.checkOpen(); err != nil {
		return nil, err
	}
	tx, err := l.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %s: %w", l.path, err)
	}
	return tx, nil
}

// rollback ends a read transaction begun by begin.
func (l *Log) rollback(tx *bolt.Tx) error {
	if l.opts.ReadOnly {
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	return tx.Rollback()
}

// checkEvents walks the keys of a call's events and returns the first
// damage with the number of good events; committed is the last Seq
// committed as recorded.
func (l *Log) checkEvents(id string, events keyspace, committed uint64) error {
	var first *DamageError
	note := func(seq uint64, format string, a ...any) {
		if first == nil {
			first = l.eventDamage(id, seq, format, a...)
		}
	}
	want, stored := uint64(1), uint64(0)
	cur := events.b.Cursor()
	// A tight loop: ls walks the keys of every call of a log.
	p := events.prefix
	for k, v := events.first(cur); k != nil; k, v = cur.Next() {
		if len(k) != len(p)+8 || !samePrefix(k, p) || v == nil {
			if !bytes.HasPrefix(k, p) {
				break // past the call's events
			}
			note(want, "stray key %x among the events", k)
			continue
		}
		seq := binary.BigEndian.Uint64(k[len(p):])
		if seq == 0 {
			note(0, "stray key 0 (events start at 1)")
			continue
		}
		switch {
		case seq > want && want == 1:
			note(want, "%s (the first event is %d)", missing(want, seq-1), seq)
		case seq > want:
			note(want, "%s (event %d follows %d)", missing(want, seq-1), seq, want-1)
		}
		want = seq + 1
		stored++
	}
	// A call resumed by an older build may hold more events than the
	// sequence says, never fewer.
	if last := want - 1; committed > last {
		note(last+1, "%s (the call committed %d)", missing(last+1, committed), committed)
	}
	if first == nil {
		return nil
	}
	first.Stored = stored
	return first
}

func missing(from, to uint64) string {
	if from == to {
		return "missing"
	}
	return fmt.Sprintf("missing through event %d", to)
}

// callRef names a call: its id and, for format 3, its number (0 for a
// call of format 1 or 2, which has a bucket of its own).
type callRef struct {
	id  string
	num uint32
}

// callIDs returns the calls in creation order: those the calls index
// lists, then any call the index misses (a crash between CreateCall's
// two transactions), format 3 then older ones, each in name order. An
// index entry that is not a call, names a call twice or names a missing
// one is damage, and so is a reserved bucket other than the root and the
// format 3 buckets. CreateCall numbers the entries 1, 2, ... from the
// index's sequence and nothing removes one, so a missing number is a call
// deleted from the file.
func (l *Log) callIDs(tx *bolt.Tx, root *bolt.Bucket) ([]callRef, error) {
	numbered, byID, err := l.callNumbers(tx)
	if err != nil {
		return nil, err
	}
	refs := make([]callRef, 0, len(numbered))
	listed := map[string]uint64{} // the calls of formats 1 and 2 listed
	index := root.Bucket(bucketCalls)
	next := uint64(1)
	err = index.ForEach(func(k, v []byte) error {
		if len(k) != 8 || len(v) == 0 {
			return l.damage("", "stray key %x in the calls index", k)
		}
		n := binary.BigEndian.Uint64(k)
		if n == 0 || n > index.Sequence() {
			return l.damage(string(v), "stray entry %d in the calls index (entries run 1..%d)", n, index.Sequence())
		}
		if n != next {
			return l.damage("", "calls index entry %d missing: a call was removed", next)
		}
		next++
		// A numbered call's id is looked up without a copy, and its
		// entry kept with it.
		if i, ok := byID[string(v)]; ok {
			c := &numbered[i]
			if c.entry != 0 {
				return l.damage(c.id, "listed twice in the calls index (entries %d and %d)", c.entry, n)
			}
			c.entry = n
			refs = append(refs, callRef{id: c.id, num: c.num})
			return nil
		}
		id := string(v)
		if first, dup := listed[id]; dup {
			return l.damage(id, "listed twice in the calls index (entries %d and %d)", first, n)
		}
		if tx.Bucket(v) == nil || strings.HasPrefix(id, "_") {
			return l.damage(id, "listed in the calls index (entry %d) but missing", n)
		}
		listed[id] = n
		refs = append(refs, callRef{id: id})
		return nil
	})
	if err == nil && next <= index.Sequence() {
		err = l.damage("", "calls index entries %d..%d missing: calls were removed", next, index.Sequence())
	}
	if err != nil {
		return nil, err
	}
	for _, c := range numbered { // in name order
		if c.entry == 0 {
			refs = append(refs, callRef{id: c.id, num: c.num})
		}
	}
	err = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		id := string(name)
		if _, ok := listed[id]; ok {
			return nil
		}
		if i, ok := byID[id]; ok && numbered[i].entry != 0 {
			return nil
		}
		switch {
		case id == string(bucketRoot), id == string(bucketCalls3), id == string(bucketSnaps3):
		case strings.HasPrefix(id, "_"):
			return l.damage("", "stray bucket %q", id)
		default:
			refs = append(refs, callRef{id: id})
		}
		return nil
	})
	return refs, err
}

// numberedCall is a call of format 3's id index, with the calls index
// entry that lists it (0: none).
type numberedCall struct {
	id    string
	num   uint32
	entry uint64
}

// callNumbers reads the id index of format 3 in one walk: the calls in
// name order, and the position of each id.
func (l *Log) callNumbers(tx *bolt.Tx) ([]numberedCall, map[string]int, error) {
	calls := tx.Bucket(bucketCalls3)
	if calls == nil {
		return nil, nil, nil
	}
	// Sized for the calls numbered (as far as a damaged file can say).
	size := min(calls.Sequence(), 1<<16)
	numbered, byID := make([]numberedCall, 0, size), make(map[string]int, size)
	c := calls.Cursor()
	for k, v := c.Seek(idPrefix); k != nil && bytes.HasPrefix(k, idPrefix); k, v = c.Next() {
		id := string(k[len(idPrefix):])
		if len(v) != 4 || id == "" || strings.HasPrefix(id, "_") {
			return nil, nil, l.damage("", "stray key %x in the call numbers", k)
		}
		byID[id] = len(numbered)
		numbered = append(numbered, numberedCall{id: id, num: binary.BigEndian.Uint32(v)})
	}
	return numbered, byID, nil
}

// checkCalls3 checks the keys of the shared format 3 buckets: the id
// index numbers each call once, every other key of _calls is an event
// key of a numbered call, the records bucket holds only records of
// numbered calls with a known tag, and every snapshot belongs to a
// numbered call. It seeks past each call's events (CheckCall walks
// those), so it costs a few seeks per call.
func (l *Log) checkCalls3(tx *bolt.Tx) error {
	calls := tx.Bucket(bucketCalls3)
	if calls == nil {
		return nil
	}
	c := calls.Cursor()
	k, v := c.First()
	if bytes.Equal(k, keyRecords3) && v == nil {
		k, v = c.Next() // the records bucket
	}
	nums := map[uint32]string{}
	for ; k != nil && len(k) > len(idPrefix) && bytes.HasPrefix(k, idPrefix); k, v = c.Next() {
		id := string(k[len(idPrefix):])
		if len(v) != 4 {
			return l.damage(id, "bad call number %x", v)
		}
		n := binary.BigEndian.Uint32(v)
		if other, dup := nums[n]; dup || n == 0 || uint64(n) > calls.Sequence() {
			return l.damage(id, "call number %d is taken (by %q) or out of range 1..%d", n, other, calls.Sequence())
		}
		nums[n] = id
	}
	for k != nil {
		if _, known := nums[callOf(k)]; !known || len(k) < 4 {
			return l.damage("", "stray key %x among the calls", k)
		}
		end := prefixEnd(k[:4]) // CheckCall checks the call's keys
		if end == nil {
			break
		}
		k, v = c.Seek(end)
	}
	if err := l.checkRecords(records(calls), nums); err != nil {
		return err
	}
	return l.checkSnapshotCalls(tx, nums)
}

// callOf returns the call number a format 3 key starts with; 0 for a key
// too short to hold one.
func callOf(k []byte) uint32 {
	if len(k) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(k)
}

// checkRecords checks that the records bucket holds only records of
// numbered calls with a known tag.
func (l *Log) checkRecords(recs *bolt.Bucket, nums map[uint32]string) error {
	if recs == nil {
		return nil // each numbered call then has no meta: Calls says so
	}
	c := recs.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		id, known := nums[callOf(k)]
		switch {
		case !known || v == nil:
			return l.damage("", "stray key %x among the call records", k)
		case len(k) != 5 || (k[4] != tagMeta && k[4] != tagLast && k[4] != tagOutcome):
			return l.damage(id, "stray key %x among its records", k)
		}
	}
	return nil
}

// checkSnapshotCalls checks that every snapshot belongs to a numbered call.
func (l *Log) checkSnapshotCalls(tx *bolt.Tx, nums map[uint32]string) error {
	snaps := tx.Bucket(bucketSnaps3)
	if snaps == nil {
		return nil
	}
	c := snaps.Cursor()
	for k, _ := c.First(); k != nil; {
		if len(k) < 4 {
			return l.damage("", "stray key %x among the snapshots", k)
		}
		n := binary.BigEndian.Uint32(k)
		if _, known := nums[n]; !known {
			return l.damage("", "snapshot %x of no call", k)
		}
		end := prefixEnd(k[:4])
		if end == nil {
			break
		}
		k, _ = c.Seek(end)
	}
	return nil
}

// samePrefix is bytes.HasPrefix for the short prefixes of keyspaces,
// without a call per key.
func samePrefix(k, p []byte) bool {
	if len(k) < len(p) {
		return false
	}
	for i := range p {
		if k[i] != p[i] {
			return false
		}
	}
	return true
}

// CallIDs lists the ids of the log's calls in creation order, as Calls
// does, reading only the calls index: what a command that then opens
// every call needs.
func (l *Log) CallIDs() (ids []string, err error) {
	err = l.view(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketRoot)
		if root == nil {
			return nil // an empty file opened read-only
		}
		refs, err := l.callIDs(tx, root)
		if err != nil {
			return err
		}
		ids = make([]string, len(refs))
		for i, r := range refs {
			ids[i] = r.id
		}
		return nil
	})
	return ids, err
}
