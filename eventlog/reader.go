package eventlog

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CallReader reads one call. It holds a bbolt read transaction for its
// whole life: it sees the call as it was when Log.Call returned, and events
// appended later stay invisible to it. Close it when done: while it is
// open, a writer in the same process cannot grow the file beyond its
// current mapping (1 GiB at first) and waits, and Log.Close releases it.
//
// A CallReader and its cursors are not safe for concurrent use; open one
// reader per goroutine.
type CallReader struct {
	log    *Log
	tx     *bolt.Tx
	data   callData
	closed bool
	passed int // keys its cursors passed, for releasing pages (Cursor.walk)
}

// Meta returns the call's metadata.
func (r *CallReader) Meta() CallMeta { return r.data.meta }

// Count returns the number of events; their Seqs are 1..Count.
func (r *CallReader) Count() uint64 { return r.data.count }

// Duration returns the At of the last event.
func (r *CallReader) Duration() time.Duration { return r.data.dur }

// Close releases the read transaction. Closing twice is a no-op.
func (r *CallReader) Close() error {
	return r.log.forgetReader(r)
}

func (r *CallReader) checkOpen() error {
	if r.closed {
		return fmt.Errorf("%w: reader of call %s", ErrClosed, r.data.meta.ID)
	}
	return nil
}

// Get returns the event with the given Seq, or an error wrapping
// ErrNoEvent (or ErrCorrupt).
func (r *CallReader) Get(seq uint64) (ev Event, err error) {
	if err := r.checkOpen(); err != nil {
		return Event{}, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer r.log.recoverCorrupt(&err)
	v := r.data.events.b.Get(r.data.events.key(seq))
	if v == nil {
		return Event{}, fmt.Errorf("%w: call %s has events 1..%d, not %d", ErrNoEvent, r.data.meta.ID, r.data.count, seq)
	}
	ev, err = DecodeEvent(seq, v)
	return ev, r.placed(err)
}

// placed names the log and the call in a decode error's damage.
func (r *CallReader) placed(err error) error {
	var d *DamageError
	if errors.As(err, &d) {
		d.Path, d.Call = r.log.path, r.data.meta.ID
	}
	return err
}

// Filter selects events by their header, without decoding the payload of
// the others. Empty fields select everything; the fields combine with AND,
// the values within a field with OR.
type Filter struct {
	Endpoints []Endpoint
	Kinds     []Kind
	Types     []string // Event.Type values: "Recv", "Send", "StateChanged", a note's type
	Conn      string   // the local session id
}

// compiledFilter is a Filter prepared for matching raw headers.
type compiledFilter struct {
	endpoints []Endpoint
	kinds     [KindNote + 1]bool
	anyKind   bool
	ids       [256]bool // input and output type ids selected by Types
	notes     []string  // note types selected by Types
	anyType   bool
	conn      string
}

func compileFilter(f *Filter) *compiledFilter {
	if f == nil || (len(f.Endpoints) == 0 && len(f.Kinds) == 0 && len(f.Types) == 0 && f.Conn == "") {
		return nil
	}
	c := &compiledFilter{endpoints: f.Endpoints, conn: f.Conn,
		anyKind: len(f.Kinds) == 0, anyType: len(f.Types) == 0, notes: f.Types}
	for _, k := range f.Kinds {
		if k >= KindInput && k <= KindNote {
			c.kinds[k] = true
		}
	}
	for _, t := range f.Types {
		for id := range types {
			if types[id].name == t && t != "" {
				c.ids[id] = true
			}
		}
	}
	return c
}

func (c *compiledFilter) match(h *header) bool {
	if !c.anyKind && !c.kinds[h.kind] {
		return false
	}
	if c.conn != "" && string(h.conn) != c.conn {
		return false
	}
	if !c.anyType && !c.matchType(h) {
		return false
	}
	if len(c.endpoints) == 0 {
		return true
	}
	for _, e := range c.endpoints {
		if string(h.user) == e.User && string(h.client) == e.Client {
			return true
		}
	}
	return false
}

func (c *compiledFilter) matchType(h *header) bool {
	if h.id != 0 {
		return c.ids[h.id]
	}
	for _, t := range c.notes {
		if string(h.note) == t {
			return true
		}
	}
	return false
}

// Cursor moves over a call's events in Seq order, visiting only those its
// filter selects. Like a bbolt cursor, each move returns the event it lands
// on, or false past either end; moving back from past the end lands on the
// last event, and forward from before the first on the first. On a new
// cursor Next acts as First and Prev finds nothing. A decode
// error or a closed reader stops it: the move returns false and Err says
// why.
type Cursor struct {
	r   *CallReader
	c   *bolt.Cursor
	ks  keyspace
	f   *compiledFilter
	ed  eventDecoder
	err error
	pos cursorPos
}

type cursorPos uint8

const (
	posNone cursorPos = iota // not yet moved
	posOn
	posBeforeFirst
	posAfterLast
)

// Cursor returns a cursor over the events f selects (nil: all).
func (r *CallReader) Cursor(f *Filter) *Cursor {
	c := &Cursor{r: r, f: compileFilter(f), ks: r.data.events,
		ed: eventDecoder{intern: map[string]string{}, d: decoder{chunkSize: firstChunk, chunkMax: maxChunk}}}
	if !r.closed {
		c.c = r.data.events.b.Cursor()
	}
	return c
}

// The blocks a cursor copies decoded strings into (decoder.chunk) grow
// from firstChunk to maxChunk: 32 KiB blocks serve a long call with one
// allocation per hundred events or so, while a short call's strings (a
// few hundred bytes an event) fit in a few KiB.
const (
	firstChunk = 1 << 10
	maxChunk   = 32 << 10
)

// Err returns the error that stopped the cursor, if any.
func (c *Cursor) Err() error { return c.err }

// First moves to the first selected event.
func (c *Cursor) First() (ev Event, ok bool) {
	if !c.usable() {
		return Event{}, false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.recover(&ok)
	k, v := c.ks.first(c.c)
	return c.forward(k, v)
}

// Last moves to the last selected event.
func (c *Cursor) Last() (ev Event, ok bool) {
	if !c.usable() {
		return Event{}, false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.recover(&ok)
	k, v := c.ks.last(c.c)
	return c.backward(k, v)
}

// Next moves to the next selected event.
func (c *Cursor) Next() (ev Event, ok bool) {
	switch {
	case !c.usable() || c.pos == posAfterLast:
		return Event{}, false
	case c.pos == posNone || c.pos == posBeforeFirst:
		return c.First()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.recover(&ok)
	k, v := c.ks.next(c.c)
	return c.forward(k, v)
}

// Prev moves to the previous selected event.
func (c *Cursor) Prev() (ev Event, ok bool) {
	switch {
	case !c.usable() || c.pos == posBeforeFirst || c.pos == posNone:
		return Event{}, false
	case c.pos == posAfterLast:
		return c.Last()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.recover(&ok)
	k, v := c.ks.prev(c.c)
	return c.backward(k, v)
}

// Seek moves to the first selected event with Seq >= seq.
func (c *Cursor) Seek(seq uint64) (ev Event, ok bool) {
	if !c.usable() {
		return Event{}, false
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer c.recover(&ok)
	k, v := c.ks.seek(c.c, seq)
	return c.forward(k, v)
}

func (c *Cursor) usable() bool {
	if c.err != nil {
		return false
	}
	if err := c.r.checkOpen(); err != nil {
		c.err = err
		return false
	}
	return true
}

func (c *Cursor) recover(ok *bool) {
	if r := recover(); r != nil {
		c.err = fmt.Errorf("%w: %s: call %s: %v", ErrCorrupt, c.r.log.path, c.r.data.meta.ID, r)
		*ok = false
	}
}

// forward returns the first selected event at or after (k, v).
func (c *Cursor) forward(k, v []byte) (Event, bool) {
	for ; k != nil; k, v = c.ks.next(c.c) {
		c.walk()
		if ev, match := c.decode(k, v); match || c.err != nil {
			return ev, c.err == nil
		}
	}
	c.pos = posAfterLast
	return Event{}, false
}

// backward returns the last selected event at or before (k, v).
func (c *Cursor) backward(k, v []byte) (Event, bool) {
	for ; k != nil; k, v = c.ks.prev(c.c) {
		c.walk()
		if ev, match := c.decode(k, v); match || c.err != nil {
			return ev, c.err == nil
		}
	}
	c.pos = posBeforeFirst
	return Event{}, false
}

func (c *Cursor) decode(k, v []byte) (Event, bool) {
	seq, ok := c.ks.seqOf(k)
	if !ok || v == nil {
		c.err = c.r.log.damage(c.r.data.meta.ID, "stray key %x among the events", k)
		return Event{}, false
	}
	ev, match, err := c.ed.decode(seq, v, c.f)
	if err != nil {
		c.err = c.r.placed(err)
		return Event{}, false
	}
	if match {
		c.pos = posOn
	}
	return ev, match
}
