package eventlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/callrec/callrec/econn"
)

// FormatVersion is the version of the on-disk format this build writes and
// the newest it reads. Every older version stays readable and verifiable
// (testdata/compat/vN holds logs of each):
//
//	1  the first release; an Ignored output stored its reason as a sentence
//	2  an Ignored output stores its reason code and arguments (v1.go reads
//	   the sentences of version 1 back into codes)
//	3  compact: every call's events in one shared bucket keyed by call
//	   number and its other records in a bucket nested in it
//	   (layout3.go), a binary CallMeta, snapshots, and the call's outcome
//	   stored when its writer closes, with its last event's Seq and At,
//	   so that listing a closed call reads no event; versions 1 and 2
//	   keep a bucket per call with JSON meta
//
// A file records the version of the newest build that added a call to
// it; each call records its own, so a file may hold calls of several
// versions.
const FormatVersion = 3

// CallMeta describes one recorded call.
type CallMeta struct {
	ID            string    // the call's id, unique in its log; assigned by CreateCall when empty
	FormatVersion int       // set by CreateCall
	ToolVersion   string    // the version of the program that recorded it
	Source        string    // "sim", "live", ... free-form
	Start         time.Time // wall-clock time the call began
	Endpoints     []Endpoint
	Conns         []ConnMeta // every ECONN created during the call, in creation order
	Seed          int64      // simulation seed, when HasSeed
	HasSeed       bool
	Scenario      string            // scenario name or file, for simulations
	Labels        map[string]string // free-form
}

// ConnMeta is one ECONN's configuration as recorded.
type ConnMeta struct {
	Endpoint Endpoint
	Remote   Endpoint
	Config   econn.Config
}

// CallInfo is a call as listed by Log.Calls.
type CallInfo struct {
	Meta     CallMeta
	Events   uint64        // number of events
	Duration time.Duration // At of the last event
	// Outcome is how each connection ended, as stored when the call's
	// writer closed (format 3); nil for calls of older formats and calls
	// whose writer never closed: read their events then.
	Outcome []ConnOutcome
	// Damage is what Log.Calls saw wrong at the ends of the events of a
	// call without a stored outcome (nil: nothing there, or a closed call,
	// of which Calls reads no event; Log.CheckCall checks every key).
	Damage *DamageError
}

// ConnOutcome is how one connection of a call ended, as its recorded
// outputs say: the state of its last StateChanged and, once a Closed
// output came, the reason.
type ConnOutcome struct {
	Endpoint Endpoint
	Conn     string
	State    econn.State
	Closed   bool
	Reason   string // the close reason's stable name (econn.ErrorName); "" for a normal close
}

// A format 3 call stores its CallMeta in this binary encoding (wire.go's
// primitives), which decodes several times faster than JSON and takes a
// third of the bytes:
//
//	version  1 byte, 1
//	ID, ToolVersion, Source  strings; FormatVersion uvarint
//	Start    bytes (time.Time.MarshalBinary: instant and zone offset)
//	Endpoints  count+1, then User, Client of each
//	Conns      count+1, then Endpoint, Remote, and the Config's UserID,
//	           ClientID, SessID, SetupTimeout, TermTimeout (varints)
//	Seed varint, HasSeed bool, Scenario string, Labels map
const metaEncoding = 1

func appendMeta(b []byte, m *CallMeta) []byte {
	b = append(b, metaEncoding)
	b = putString(b, m.ID)
	b = putUvarint(b, uint64(m.FormatVersion))
	b = putString(putString(b, m.ToolVersion), m.Source)
	start, err := m.Start.MarshalBinary()
	if err != nil { // a zone offset that is not whole minutes: keep the instant
		start, _ = m.Start.UTC().MarshalBinary()
	}
	b = putBytes(b, start)
	b = putCount(b, len(m.Endpoints), m.Endpoints == nil)
	for _, e := range m.Endpoints {
		b = putEndpoint(b, e)
	}
	b = putCount(b, len(m.Conns), m.Conns == nil)
	for _, c := range m.Conns {
		b = putEndpoint(putEndpoint(b, c.Endpoint), c.Remote)
		cfg := &c.Config
		b = putString(putString(putString(b, cfg.UserID), cfg.ClientID), cfg.SessID)
		b = putVarint(putVarint(b, int64(cfg.SetupTimeout)), int64(cfg.TermTimeout))
	}
	b = putBool(putVarint(b, m.Seed), m.HasSeed)
	return putMap(putString(b, m.Scenario), m.Labels)
}

func putEndpoint(b []byte, e Endpoint) []byte { return putString(putString(b, e.User), e.Client) }

func (d *decoder) endpoint(what string) Endpoint {
	return Endpoint{User: d.string(what), Client: d.string(what)}
}

// decodeMeta decodes appendMeta's encoding into m.
func decodeMeta(data []byte, m *CallMeta) error {
	var d decoder
	return d.meta(data, m, nil)
}

// slabs hold the slices of many metas and outcomes decoded for a
// listing, allocated a block at a time as the decoder's chunk holds
// their strings: a listing of 10,000 calls then makes a few hundred
// allocations, not 30,000.
type slabs struct {
	endpoints []Endpoint
	conns     []ConnMeta
	outcomes  []ConnOutcome
}

// slabLen is the number of elements of a slab.
const slabLen = 256

// take returns n zeroed elements of *slab (nil: of their own), with no
// room to append into the next ones; never nil (a stored outcome of no
// connection is not a missing one).
func take[T any](slab *[]T, n int) []T {
	if slab == nil || n == 0 {
		return make([]T, n) // of 0 elements allocates nothing
	}
	if n > len(*slab) {
		*slab = make([]T, max(n, slabLen))
	}
	s := (*slab)[:n:n]
	*slab = (*slab)[n:]
	return s
}

// meta decodes appendMeta's encoding into m; its strings go to d's
// chunk, its slices to sl unless nil.
func (d *decoder) meta(data []byte, m *CallMeta, sl *slabs) error {
	d.reset(data)
	if v := d.byte1("meta encoding"); d.err == nil && v != metaEncoding {
		return fmt.Errorf("unknown meta encoding %d", v)
	}
	m.ID = d.string("id")
	m.FormatVersion = int(d.uint32("format version"))
	m.ToolVersion, m.Source = d.string("tool version"), d.string("source")
	if start := d.bytes("start"); d.err == nil {
		if err := m.Start.UnmarshalBinary(start); err != nil {
			d.fail("start: %v", err)
		}
	}
	if n, isNil := d.count("endpoints", 2); !isNil {
		m.Endpoints = take(sl.endpointSlab(), n)
		for i := range m.Endpoints {
			m.Endpoints[i] = d.endpoint("endpoint")
		}
	}
	if n, isNil := d.count("conns", 9); !isNil {
		m.Conns = take(sl.connSlab(), n)
		for i := range m.Conns {
			c := &m.Conns[i]
			c.Endpoint, c.Remote = d.endpoint("conn endpoint"), d.endpoint("conn remote")
			cfg := &c.Config
			cfg.UserID, cfg.ClientID, cfg.SessID = d.string("user id"), d.string("client id"), d.string("sess id")
			cfg.SetupTimeout = time.Duration(d.varint("setup timeout"))
			cfg.TermTimeout = time.Duration(d.varint("term timeout"))
		}
	}
	m.Seed, m.HasSeed = d.varint("seed"), d.bool("has seed")
	m.Scenario, m.Labels = d.string("scenario"), d.stringMap("labels")
	if d.err == nil && d.left() != 0 {
		d.fail("%d trailing bytes", d.left())
	}
	return d.err
}

// outcomeTracker follows the events a writer appends and keeps each
// connection's outcome, as describe.Outcome does from the stored events.
type outcomeTracker struct {
	conns []ConnOutcome
	index map[connKey]int
}

type connKey struct {
	ep   Endpoint
	conn string
}

func newOutcomeTracker(conns []ConnOutcome) *outcomeTracker {
	t := &outcomeTracker{conns: conns, index: map[connKey]int{}}
	for i, c := range conns {
		t.index[connKey{c.Endpoint, c.Conn}] = i
	}
	return t
}

func (t *outcomeTracker) add(ev *Event) {
	switch ev.Kind {
	case KindInput:
		if _, ok := ev.Input.(NewConn); ok {
			k := connKey{ev.Endpoint, ev.Conn}
			if _, seen := t.index[k]; !seen {
				t.index[k] = len(t.conns)
				t.conns = append(t.conns, ConnOutcome{Endpoint: ev.Endpoint, Conn: ev.Conn})
			}
		}
	case KindOutput:
		// Only these outputs say how a connection ends; the others cost
		// no lookup.
		switch out := ev.Output.(type) {
		case econn.StateChanged:
			if c := t.conn(ev); c != nil {
				c.State = out.To
			}
		case econn.Closed:
			if c := t.conn(ev); c != nil {
				c.Closed, c.Reason = true, econn.ErrorName(out.Reason)
			}
		}
	}
}

func (t *outcomeTracker) conn(ev *Event) *ConnOutcome {
	if i, ok := t.index[connKey{ev.Endpoint, ev.Conn}]; ok {
		return &t.conns[i]
	}
	return nil
}

// appendOutcome encodes the outcome: count+1, then per connection its
// endpoint, conn, state (uvarint), closed (bool) and reason.
func appendOutcome(b []byte, conns []ConnOutcome) []byte {
	b = putCount(b, len(conns), false)
	for _, c := range conns {
		b = putString(putEndpoint(b, c.Endpoint), c.Conn)
		b = putString(putBool(putUvarint(b, uint64(c.State)), c.Closed), c.Reason)
	}
	return b
}

func decodeOutcome(data []byte) ([]ConnOutcome, error) {
	var d decoder
	return d.outcome(data, nil)
}

// outcome decodes appendOutcome's encoding; its strings go to d's chunk,
// its slice to sl unless nil.
func (d *decoder) outcome(data []byte, sl *slabs) ([]ConnOutcome, error) {
	d.reset(data)
	n, _ := d.count("outcome", 6)
	conns := take(sl.outcomeSlab(), n)
	for i := range conns {
		c := &conns[i]
		c.Endpoint, c.Conn = d.endpoint("endpoint"), d.string("conn")
		c.State, c.Closed, c.Reason = econn.State(d.uint8("state")), d.bool("closed"), d.string("reason")
	}
	if d.err == nil && d.left() != 0 {
		d.fail("%d trailing bytes", d.left())
	}
	return conns, d.err
}

// The slabs of sl, nil when sl is.
func (sl *slabs) endpointSlab() *[]Endpoint {
	if sl == nil {
		return nil
	}
	return &sl.endpoints
}

func (sl *slabs) connSlab() *[]ConnMeta {
	if sl == nil {
		return nil
	}
	return &sl.conns
}

func (sl *slabs) outcomeSlab() *[]ConnOutcome {
	if sl == nil {
		return nil
	}
	return &sl.outcomes
}

// metaCache keeps the metadata Calls decoded, with the bytes it came
// from, so that opening a listed call (verify: Calls, then Call for each)
// decodes each call's meta once. A changed meta has changed bytes and is
// decoded again.
type metaCache struct {
	mu sync.Mutex // readers of several goroutines share it
	m  map[string]cachedMeta
}

type cachedMeta struct {
	raw  []byte
	meta CallMeta
}

// maxCachedMetas bounds the cache (about a KiB each).
const maxCachedMetas = 1 << 16

// decode sets *m from data, the stored meta of call id, with dec.
func (mc *metaCache) decode(id string, data []byte, m *CallMeta, dec func([]byte, *CallMeta) error) error {
	mc.mu.Lock()
	e, ok := mc.m[id]
	mc.mu.Unlock()
	if ok && bytes.Equal(e.raw, data) {
		*m = e.meta.clone()
		return nil
	}
	if err := dec(data, m); err != nil {
		return err
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.m == nil {
		mc.m = map[string]cachedMeta{}
	}
	if len(mc.m) < maxCachedMetas {
		mc.m[id] = cachedMeta{raw: bytes.Clone(data), meta: m.clone()}
	}
	return nil
}

// clone copies the slices and the map, which the caller may change.
func (m CallMeta) clone() CallMeta {
	m.Endpoints = slices.Clone(m.Endpoints)
	m.Conns = slices.Clone(m.Conns)
	m.Labels = maps.Clone(m.Labels)
	return m
}

func jsonMeta(data []byte, m *CallMeta) error { return json.Unmarshal(data, m) }
