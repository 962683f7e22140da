// Package redact removes personal data from recorded calls so that a field
// log can be shared: user and client ids become order-preserving
// pseudonyms, SDPs lose ICE credentials, addresses and fingerprints, and
// free text loses the ids and addresses it names. The redacted call
// replays, and verifies, exactly like the original.
//
// Log copies a whole log redacted. For one call, New reads the calls to
// learn their ids, then Redactor.Meta and Redactor.Event redact what a
// reader yields, one event at a time (eventlog/export does this for
// `export --redact`).
package redact

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Redactor replaces user and client ids by pseudonyms and scrubs SDPs,
// consistently across calls' metadata, inputs, outputs and raw messages,
// so that a redacted call replays exactly like the original.
//
// Pseudonyms keep the ids' byte order (glare resolution compares ids, see
// econn.IsWinner): the i-th smallest user id becomes "u<i>", zero-padded
// to one width, and client ids likewise "c<i>". Ids that differ only in
// case cannot keep both their order and their case-insensitive equality
// (econn compares remote ids with strings.EqualFold), so they are refused
// (ErrAmbiguousIDs).
type Redactor struct {
	users, clients map[string]string
}

// New reads each call once to collect the ids it mentions and returns the
// Redactor for them all: an id has one pseudonym throughout the calls.
func New(calls ...*eventlog.CallReader) (*Redactor, error) {
	ids := newCollector()
	for _, r := range calls {
		if err := ids.call(r); err != nil {
			return nil, fmt.Errorf("call %s: %w", r.Meta().ID, err)
		}
	}
	return ids.redactor()
}

// collector gathers every user and client id calls mention.
type collector struct {
	users, clients map[string]bool
}

func newCollector() *collector {
	return &collector{users: map[string]bool{}, clients: map[string]bool{}}
}

// call reads one call to collect the ids it mentions.
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

func (c *collector) meta(m eventlog.CallMeta) {
	for _, ep := range m.Endpoints {
		c.endpoint(ep)
	}
	for _, cm := range m.Conns {
		c.endpoint(cm.Endpoint)
		c.endpoint(cm.Remote)
		c.pair(cm.Config.UserID, cm.Config.ClientID)
	}
}

// redactor returns the pseudonyms for the ids collected.
func (c *collector) redactor() (*Redactor, error) {
	users, err := pseudonyms(c.users, "u")
	if err != nil {
		return nil, fmt.Errorf("user ids: %w", err)
	}
	clients, err := pseudonyms(c.clients, "c")
	if err != nil {
		return nil, fmt.Errorf("client ids: %w", err)
	}
	return &Redactor{users: users, clients: clients}, nil
}

func pseudonyms(ids map[string]bool, prefix string) (map[string]string, error) {
	sorted := slices.Sorted(maps.Keys(ids))
	folded := map[string]string{}
	for _, id := range sorted {
		k := strings.ToLower(id)
		if other, ok := folded[k]; ok {
			return nil, fmt.Errorf("%q and %q %w", other, id, ErrAmbiguousIDs)
		}
		folded[k] = id
	}
	width := len(fmt.Sprint(len(sorted)))
	out := make(map[string]string, len(sorted))
	for i, id := range sorted {
		out[id] = fmt.Sprintf("%s%0*d", prefix, width, i+1)
	}
	return out, nil
}

func (r *Redactor) user(id string) string {
	if p, ok := r.users[id]; ok {
		return p
	}
	return id
}

func (r *Redactor) client(id string) string {
	if p, ok := r.clients[id]; ok {
		return p
	}
	return id
}

func (r *Redactor) endpoint(ep eventlog.Endpoint) eventlog.Endpoint {
	return eventlog.Endpoint{User: r.user(ep.User), Client: r.client(ep.Client)}
}

func (r *Redactor) config(c econn.Config) econn.Config {
	c.UserID, c.ClientID = r.user(c.UserID), r.client(c.ClientID)
	return c
}

// Meta returns a redacted copy of a call's metadata.
func (r *Redactor) Meta(m eventlog.CallMeta) eventlog.CallMeta {
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
			labels[k] = r.text(v)
		}
		m.Labels = labels
	}
	return m
}

// Event returns a redacted copy of one event. It fails (ErrUnredactable)
// on an input or output of a kind it does not know.
func (r *Redactor) Event(ev eventlog.Event) (eventlog.Event, error) {
	ev.Endpoint = r.endpoint(ev.Endpoint)
	var err error
	if ev.Input != nil {
		if ev.Input, err = r.input(ev.Input); err != nil {
			return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
		}
	}
	ev.Output = econn.RedactOutput(ev.Output, r)
	if ev.Note != nil {
		n := eventlog.Note{Text: r.text(ev.Note.Text)}
		if ev.Note.Attrs != nil {
			n.Attrs = make(map[string]string, len(ev.Note.Attrs))
			for k, v := range ev.Note.Attrs {
				n.Attrs[k] = r.text(v)
			}
		}
		ev.Note = &n
	}
	return ev, nil
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

var (
	// idWord is a word that may be an id: after "user"/"client", or a
	// "user/client" pair, followed by punctuation or the end.
	idWord = regexp.MustCompile(`(^|[\s(])(user (?:is )?|client (?:is )?)?([^\s/,;:()]+)(/([^\s/,;:()#]+))?`)
	ipv4   = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	// ipv6 matches full addresses and compressed ones with "::" between
	// groups; a bare "::1" names no one.
	ipv6 = regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}\b`)
	mdns = regexp.MustCompile(`\b[0-9A-Za-z-]+\.local\b`)
)

// text redacts free text (ignore reasons, notes, labels): ids where the
// words around them say so ("from user A", "client 1", "A/1"), IP
// addresses, mDNS host names, and SDP credentials. econn's ignore reasons
// name ids only in these forms, so a redacted reason still equals the
// replayed one.
func (r *Redactor) text(s string) string {
	if strings.Contains(s, "a=") && strings.Contains(s, "\n") {
		s = ScrubSDP(s)
	}
	s = idWord.ReplaceAllStringFunc(s, func(w string) string {
		m := idWord.FindStringSubmatch(w)
		lead, kind, first, slash, second := m[1], m[2], m[3], m[4], m[5]
		switch {
		case slash != "":
			if _, okU := r.users[first]; okU {
				if _, okC := r.clients[second]; okC {
					return lead + kind + r.users[first] + "/" + r.clients[second]
				}
			}
		case strings.HasPrefix(kind, "user "):
			return lead + kind + r.user(first)
		case strings.HasPrefix(kind, "client "):
			return lead + kind + r.client(first)
		}
		return w
	})
	s = ipv4.ReplaceAllString(s, "0.0.0.0")
	s = ipv6.ReplaceAllString(s, "::")
	return mdns.ReplaceAllString(s, "redacted.local")
}
