// Package redact removes personal data from recorded calls so that a field
// log can be shared. Every field that can hold personal data has a policy
// (the README's "Redaction" table): user, client and session ids, prop
// values, label values, keys and call ids that are not plain words become
// pseudonyms, one per value throughout the log; SDPs are scrubbed line by
// line; free text keeps only the words of the program's own vocabulary;
// credentials and key material are replaced. econn's kinds pass each of
// their fields through an econn.Redactor, and this package handles the
// logged inputs, notes and metadata, so that every field is covered by
// construction. The redacted call replays, and verifies, exactly like the
// original.
//
// Log copies a whole log redacted, into a new file. For one call, New
// reads the calls to learn their values, then Redactor.Meta and
// Redactor.Event redact what a reader yields, one event at a time
// (eventlog/export does this for `export --redact`).
package redact

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Redactor replaces personal data by pseudonyms and placeholders,
// consistently across calls' metadata, inputs, outputs, raw messages and
// notes, so that a redacted call replays exactly like the original.
//
// User ids keep their byte order (glare resolution compares ids, see
// econn.IsWinner): the i-th smallest user id becomes "u<i>", zero-padded
// to one width, and client ids likewise "c<i>". Ids that differ only in
// case cannot keep both their order and their case-insensitive equality
// (econn compares remote ids with strings.EqualFold), so they are refused
// (ErrAmbiguousIDs). Session ids, which econn compares case-insensitively
// and never orders, become "s<i>", one per id regardless of case.
//
// A Redactor is not changed by use: it may redact from several
// goroutines.
type Redactor struct {
	users, clients map[string]string
	sessions       map[string]string // by lower case
	values         map[string]string // prop values
	keys           map[string]string // prop, label and attribute keys that are not plain
	labels         map[string]string // label values
	callIDs        map[string]string // call ids that are not plain
	numbers        map[string]string // long numbers, by their digits
}

// New reads each call once to collect the values it holds and returns the
// Redactor for them all: a value has one pseudonym throughout the calls.
func New(calls ...*eventlog.CallReader) (*Redactor, error) {
	vals := newCollector()
	for _, r := range calls {
		if err := vals.call(r); err != nil {
			return nil, fmt.Errorf("call %s: %w", r.Meta().ID, err)
		}
	}
	return vals.redactor()
}

// collector gathers every value calls hold that gets a pseudonym.
type collector struct {
	users, clients, sessions, values, keys, labels, callIDs, numbers map[string]bool
}

func newCollector() *collector {
	return &collector{users: map[string]bool{}, clients: map[string]bool{}, sessions: map[string]bool{},
		values: map[string]bool{}, keys: map[string]bool{}, labels: map[string]bool{}, callIDs: map[string]bool{},
		numbers: map[string]bool{}}
}

// call reads one call to collect the values it holds.
func (c *collector) call(r *eventlog.CallReader) error {
	c.meta(r.Meta())
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		c.event(ev)
	}
	return cur.Err()
}

func (c *collector) pair(user, client string) {
	if user != "" {
		c.users[user] = true
	}
	if client != "" {
		c.clients[client] = true
	}
}

func (c *collector) endpoint(ep eventlog.Endpoint) { c.pair(ep.User, ep.Client) }

func (c *collector) config(cfg econn.Config) {
	c.pair(cfg.UserID, cfg.ClientID)
	c.SessID(cfg.SessID)
}

func (c *collector) key(k string) {
	if !isPlain(k) {
		c.keys[k] = true
	}
}

func (c *collector) meta(m eventlog.CallMeta) {
	if !isPlain(m.ID) {
		c.callIDs[m.ID] = true
	}
	for _, s := range []string{m.ToolVersion, m.Source, m.Scenario} {
		c.collectNumbers(s)
	}
	for _, ep := range m.Endpoints {
		c.endpoint(ep)
	}
	for _, cm := range m.Conns {
		c.endpoint(cm.Endpoint)
		c.endpoint(cm.Remote)
		c.config(cm.Config)
	}
	for k, v := range m.Labels {
		c.key(k)
		if v != "" {
			c.labels[v] = true
		}
	}
}

// redactor returns the pseudonyms for the values collected.
func (c *collector) redactor() (*Redactor, error) {
	users, err := ordered(c.users, "u")
	if err != nil {
		return nil, fmt.Errorf("user ids: %w", err)
	}
	clients, err := ordered(c.clients, "c")
	if err != nil {
		return nil, fmt.Errorf("client ids: %w", err)
	}
	return &Redactor{users: users, clients: clients, sessions: numbered(c.sessions, "s"),
		values: numbered(c.values, "v"), keys: numbered(c.keys, "k"), labels: numbered(c.labels, "label"),
		callIDs: numbered(c.callIDs, "call-r"), numbers: numbered(c.numbers, "n")}, nil
}

// ordered numbers ids in byte order, refusing ids that differ only in
// case.
func ordered(ids map[string]bool, prefix string) (map[string]string, error) {
	folded := map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		k := strings.ToLower(id)
		if other, ok := folded[k]; ok {
			return nil, fmt.Errorf("%q and %q %w", other, id, ErrAmbiguousIDs)
		}
		folded[k] = id
	}
	return numbered(ids, prefix), nil
}

// numbered gives the i-th smallest value the pseudonym prefix<i>,
// zero-padded to one width.
func numbered(vals map[string]bool, prefix string) map[string]string {
	sorted := slices.Sorted(maps.Keys(vals))
	width := len(fmt.Sprint(len(sorted)))
	out := make(map[string]string, len(sorted))
	for i, v := range sorted {
		out[v] = fmt.Sprintf("%s%0*d", prefix, width, i+1)
	}
	return out
}

// lookup returns the pseudonym of v; a value the collector never saw
// (none, when the Redactor comes from New or Log) is redacted as text,
// never passed through.
func (r *Redactor) lookup(m map[string]string, v string) string {
	if v == "" {
		return ""
	}
	if p, ok := m[v]; ok {
		return p
	}
	return r.text(v)
}

func (r *Redactor) user(id string) string   { return r.lookup(r.users, id) }
func (r *Redactor) client(id string) string { return r.lookup(r.clients, id) }
func (r *Redactor) sess(id string) string   { return r.lookup(r.sessions, strings.ToLower(id)) }

// key keeps a plain key (a word of the vocabulary: "videosend", "conv")
// and pseudonymises any other.
func (r *Redactor) key(k string) string {
	if isPlain(k) {
		return k
	}
	return r.lookup(r.keys, k)
}

// keptValues are the prop values ECONN's peers understand (docs/protocol.md,
// "Props understood"): they name no one and make a log readable.
var keptValues = map[string]bool{"true": true, "false": true, "paused": true}

func (r *Redactor) value(v string) string {
	if keptValues[v] {
		return v
	}
	return r.lookup(r.values, v)
}

func (r *Redactor) endpoint(ep eventlog.Endpoint) eventlog.Endpoint {
	return eventlog.Endpoint{User: r.user(ep.User), Client: r.client(ep.Client)}
}

func (r *Redactor) config(c econn.Config) econn.Config {
	c.UserID, c.ClientID, c.SessID = r.user(c.UserID), r.client(c.ClientID), r.sess(c.SessID)
	return c
}

// Meta returns a redacted copy of a call's metadata: ids, endpoints and
// configs as everywhere, label keys as keys and values by pseudonym (the
// conversation id, the relay's address), the call id unless it is plain,
// the tool version, source and scenario as text. The start time and the
// seed are kept.
func (r *Redactor) Meta(m eventlog.CallMeta) eventlog.CallMeta {
	if !isPlain(m.ID) {
		m.ID = r.lookup(r.callIDs, m.ID)
	}
	m.ToolVersion, m.Source, m.Scenario = r.text(m.ToolVersion), r.text(m.Source), r.text(m.Scenario)
	m.Endpoints = slices.Clone(m.Endpoints)
	for i, ep := range m.Endpoints {
		m.Endpoints[i] = r.endpoint(ep)
	}
	m.Conns = slices.Clone(m.Conns)
	for i, c := range m.Conns {
		m.Conns[i] = eventlog.ConnMeta{Endpoint: r.endpoint(c.Endpoint), Remote: r.endpoint(c.Remote), Config: r.config(c.Config)}
	}
	if m.Labels != nil {
		labels := make(map[string]string, len(m.Labels))
		for k, v := range m.Labels {
			labels[r.key(k)] = r.lookup(r.labels, v)
		}
		m.Labels = labels
	}
	return m
}

// Event returns a redacted copy of one event. It fails (ErrUnredactable)
// on an input of a kind it does not know.
func (r *Redactor) Event(ev eventlog.Event) (eventlog.Event, error) {
	ev.Endpoint = r.endpoint(ev.Endpoint)
	ev.Conn = r.sess(ev.Conn)
	var err error
	switch {
	case ev.Input != nil:
		if ev.Input, err = r.input(ev.Input); err != nil {
			return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
		}
		ev.Type = ev.Input.InputName()
	case ev.Output != nil:
		ev.Output = ev.Output.Redact(r)
		ev.Type = ev.Output.OutputName()
	default:
		ev.Type = r.text(ev.Type)
	}
	ev.Note = r.note(ev.Note)
	return ev, nil
}

// note redacts a note: its text as text, its attributes' keys as keys
// and values as text, but for a "prop.<key>" attribute (NotePropsync),
// which is a prop and redacts as one.
func (r *Redactor) note(n *eventlog.Note) *eventlog.Note {
	if n == nil {
		return nil
	}
	c := eventlog.Note{Text: r.text(n.Text)}
	if n.Attrs != nil {
		c.Attrs = make(map[string]string, len(n.Attrs))
		for k, v := range n.Attrs {
			if name, ok := strings.CutPrefix(k, "prop."); ok {
				c.Attrs["prop."+r.key(name)] = r.value(v)
			} else {
				c.Attrs[r.key(k)] = r.text(v)
			}
		}
	}
	return &c
}

func zeroed(b []byte) []byte {
	if b == nil {
		return nil
	}
	return make([]byte, len(b))
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "redacted"
}
