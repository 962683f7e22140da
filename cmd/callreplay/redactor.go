package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// redactor replaces user and client ids by pseudonyms and scrubs SDPs,
// consistently across a call's metadata, inputs, outputs and raw messages,
// so that the redacted call replays exactly like the original.
//
// Pseudonyms keep the ids' byte order (glare resolution compares ids, see
// econn.IsWinner): the i-th smallest user id becomes "u<i>", zero-padded
// to one width, and client ids likewise "c<i>". Ids that differ only in
// case cannot keep both their order and their case-insensitive equality
// (econn compares remote ids with strings.EqualFold), so they are refused.
type redactor struct {
	users, clients map[string]string
}

// idCollector gathers every user and client id a call mentions.
type idCollector struct {
	users, clients map[string]bool
}

func newIDCollector() *idCollector {
	return &idCollector{users: map[string]bool{}, clients: map[string]bool{}}
}

func (c *idCollector) pair(user, client string) {
	if user != "" {
		c.users[user] = true
	}
	if client != "" {
		c.clients[client] = true
	}
}

func (c *idCollector) endpoint(ep eventlog.Endpoint) { c.pair(ep.User, ep.Client) }

func (c *idCollector) meta(m eventlog.CallMeta) {
	for _, ep := range m.Endpoints {
		c.endpoint(ep)
	}
	for _, cm := range m.Conns {
		c.endpoint(cm.Endpoint)
		c.endpoint(cm.Remote)
		c.pair(cm.Config.UserID, cm.Config.ClientID)
	}
}

func (c *idCollector) message(m *econn.Message) {
	if m == nil {
		return
	}
	c.pair(m.SrcUser, m.SrcClient)
	c.pair(m.DestUser, m.DestClient)
	for _, p := range m.Participants {
		c.pair(p.UserID, p.ClientID)
	}
}

func (c *idCollector) event(ev eventlog.Event) {
	c.endpoint(ev.Endpoint)
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		c.pair(in.Config.UserID, in.Config.ClientID)
		c.endpoint(in.Remote)
	case eventlog.RecvInput:
		c.pair(in.FromUser, in.FromClient)
		if m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil {
			c.message(m)
		} else if w := rawFields(in.Data); w != nil {
			c.pair(str(w["src_userid"]), str(w["src_clientid"]))
			c.pair(str(w["dest_userid"]), str(w["dest_clientid"]))
		}
	}
	switch out := ev.Output.(type) {
	case econn.Send:
		c.message(out.Msg)
	case econn.Incoming:
		c.pair(out.FromUser, out.FromClient)
	case econn.UpdateRequested:
		c.pair(out.FromUser, out.FromClient)
	case econn.ConfPartReceived:
		c.message(out.Msg)
	}
}

// redactor returns the pseudonyms for the ids collected.
func (c *idCollector) redactor() (*redactor, error) {
	users, err := pseudonyms(c.users, "u")
	if err != nil {
		return nil, fmt.Errorf("user ids: %w", err)
	}
	clients, err := pseudonyms(c.clients, "c")
	if err != nil {
		return nil, fmt.Errorf("client ids: %w", err)
	}
	return &redactor{users: users, clients: clients}, nil
}

func pseudonyms(ids map[string]bool, prefix string) (map[string]string, error) {
	sorted := slices.Sorted(maps.Keys(ids))
	folded := map[string]string{}
	for _, id := range sorted {
		k := strings.ToLower(id)
		if other, ok := folded[k]; ok {
			return nil, cmdutil.InputErrorf("%q and %q differ only in case; their pseudonyms could not keep both order and equality", other, id)
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

func (r *redactor) user(id string) string {
	if p, ok := r.users[id]; ok {
		return p
	}
	return id
}

func (r *redactor) client(id string) string {
	if p, ok := r.clients[id]; ok {
		return p
	}
	return id
}

func (r *redactor) endpoint(ep eventlog.Endpoint) eventlog.Endpoint {
	return eventlog.Endpoint{User: r.user(ep.User), Client: r.client(ep.Client)}
}

func (r *redactor) config(c econn.Config) econn.Config {
	c.UserID, c.ClientID = r.user(c.UserID), r.client(c.ClientID)
	return c
}

// meta redacts a call's metadata.
func (r *redactor) meta(m eventlog.CallMeta) eventlog.CallMeta {
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

// event redacts one event.
func (r *redactor) event(ev eventlog.Event) (eventlog.Event, error) {
	ev.Endpoint = r.endpoint(ev.Endpoint)
	if ev.Input != nil {
		in, err := r.input(ev.Input)
		if err != nil {
			return ev, fmt.Errorf("event %d: %w", ev.Seq, err)
		}
		ev.Input = in
	}
	if ev.Output != nil {
		ev.Output = r.output(ev.Output)
	}
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

func (r *redactor) input(in econn.Input) (econn.Input, error) {
	switch in := in.(type) {
	case eventlog.NewConn:
		return eventlog.NewConn{Config: r.config(in.Config), Remote: r.endpoint(in.Remote)}, nil
	case eventlog.RecvInput:
		return r.recv(in)
	case econn.Start:
		return econn.Start{SDP: scrubSDP(in.SDP), Props: in.Props}, nil
	case econn.Answer:
		return econn.Answer{SDP: scrubSDP(in.SDP), Props: in.Props}, nil
	case econn.UpdateReq:
		return econn.UpdateReq{SDP: scrubSDP(in.SDP), Props: in.Props}, nil
	case econn.UpdateResp:
		return econn.UpdateResp{SDP: scrubSDP(in.SDP), Props: in.Props}, nil
	}
	return in, nil
}

// recv redacts a received message: decoded, redacted and encoded again; a
// message that does not decode is redacted as raw JSON (or replaced) in a
// way that fails to decode with the same error.
func (r *redactor) recv(in eventlog.RecvInput) (econn.Input, error) {
	in.FromUser, in.FromClient = r.user(in.FromUser), r.client(in.FromClient)
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err == nil {
		data, err := r.message(m).Encode()
		if err != nil {
			return nil, fmt.Errorf("encode the redacted %s: %w", m.Type, err)
		}
		in.Data = data
		return in, nil
	}
	want := econn.ErrorName(err)
	for _, data := range r.undecodable(in.Data, want) {
		_, err := econn.Decode(data, in.CurrTime, in.MsgTime)
		if econn.ErrorName(err) == want {
			in.Data = data
			return in, nil
		}
	}
	return nil, fmt.Errorf("cannot redact a message that fails to decode with %s and keep it failing so", want)
}

// undecodable proposes redacted forms of data, which fails to decode with
// the error named want, best first.
func (r *redactor) undecodable(data []byte, want string) [][]byte {
	var out [][]byte
	if w := rawFields(data); w != nil {
		for _, k := range []string{"src_userid", "dest_userid"} {
			if s, ok := w[k].(string); ok {
				w[k] = r.user(s)
			}
		}
		for _, k := range []string{"src_clientid", "dest_clientid"} {
			if s, ok := w[k].(string); ok {
				w[k] = r.client(s)
			}
		}
		if s, ok := w["sdp"].(string); ok {
			w["sdp"] = scrubSDP(s)
		}
		if b, err := json.Marshal(w); err == nil {
			out = append(out, b)
		}
	}
	if want == econn.ErrorName(econn.ErrTooLarge) {
		out = append(out, []byte(strings.Repeat("x", len(data))))
	}
	return append(out, []byte(`{"redacted": `)) // not JSON
}

// rawFields parses data as a JSON object; nil when it is none.
func rawFields(data []byte) map[string]any {
	var w map[string]any
	if json.Unmarshal(data, &w) != nil {
		return nil
	}
	return w
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// message returns a redacted copy of m.
func (r *redactor) message(m *econn.Message) *econn.Message {
	if m == nil {
		return nil
	}
	c := *m
	c.SrcUser, c.SrcClient = r.user(m.SrcUser), r.client(m.SrcClient)
	c.DestUser, c.DestClient = r.user(m.DestUser), r.client(m.DestClient)
	c.SDP = scrubSDP(m.SDP)
	c.Secret, c.Entropy = zeroed(m.Secret), zeroed(m.Entropy)
	if m.Username != "" {
		c.Username = "redacted"
	}
	if m.ICEServers != nil {
		c.ICEServers = make([]econn.ICEServer, len(m.ICEServers))
		for i, s := range m.ICEServers {
			c.ICEServers[i] = econn.ICEServer{URLs: s.URLs, Username: redacted(s.Username), Credential: redacted(s.Credential)}
		}
	}
	if m.Participants != nil {
		c.Participants = make([]econn.ConfParticipant, len(m.Participants))
		for i, p := range m.Participants {
			p.UserID, p.ClientID = r.user(p.UserID), r.client(p.ClientID)
			c.Participants[i] = p
		}
	}
	if m.Keys != nil {
		c.Keys = make([]econn.ConfKey, len(m.Keys))
		for i, k := range m.Keys {
			c.Keys[i] = econn.ConfKey{Idx: k.Idx, Data: zeroed(k.Data)}
		}
	}
	return &c
}

func (r *redactor) output(o econn.Output) econn.Output {
	switch o := o.(type) {
	case econn.Send:
		return econn.Send{Msg: r.message(o.Msg), Via: o.Via}
	case econn.Incoming:
		o.FromUser, o.FromClient, o.SDP = r.user(o.FromUser), r.client(o.FromClient), scrubSDP(o.SDP)
		return o
	case econn.Answered:
		o.SDP = scrubSDP(o.SDP)
		return o
	case econn.UpdateRequested:
		o.FromUser, o.FromClient, o.SDP = r.user(o.FromUser), r.client(o.FromClient), scrubSDP(o.SDP)
		return o
	case econn.UpdateAnswered:
		o.SDP = scrubSDP(o.SDP)
		return o
	case econn.ConfPartReceived:
		return econn.ConfPartReceived{Msg: r.message(o.Msg)}
	case econn.Ignored:
		o.Reason = r.text(o.Reason)
		return o
	}
	return o
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

// text redacts free text (ignore reasons, notes): ids where the words
// around them say so ("from user A", "client 1", "A/1"), IP addresses,
// mDNS host names, and SDP credentials. econn's ignore reasons name ids only in these
// forms, so a redacted reason still equals the replayed one.
func (r *redactor) text(s string) string {
	if strings.Contains(s, "a=") && strings.Contains(s, "\n") {
		s = scrubSDP(s)
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

// scrubSDP removes what identifies a peer from an SDP: ICE credentials,
// certificate fingerprints, and addresses in candidates, c=, o= and
// a=rtcp lines. Line endings and everything else are kept.
func scrubSDP(sdp string) string {
	if sdp == "" {
		return ""
	}
	lines := strings.SplitAfter(sdp, "\n")
	for i, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		end := line[len(body):]
		lines[i] = scrubSDPLine(body) + end
	}
	return strings.Join(lines, "")
}

func scrubSDPLine(l string) string {
	switch {
	case strings.HasPrefix(l, "a=ice-ufrag:"):
		return "a=ice-ufrag:redacted"
	case strings.HasPrefix(l, "a=ice-pwd:"):
		return "a=ice-pwd:redactedredactedredacted"
	case strings.HasPrefix(l, "a=fingerprint:"):
		alg, fp, _ := strings.Cut(strings.TrimPrefix(l, "a=fingerprint:"), " ")
		return "a=fingerprint:" + alg + " " + zeroHex(fp)
	case strings.HasPrefix(l, "a=candidate:"):
		f := strings.Fields(l)
		if len(f) > 4 {
			f[4] = anyAddr(f[4])
		}
		for j := 5; j+1 < len(f); j++ {
			if f[j] == "raddr" {
				f[j+1] = anyAddr(f[j+1])
			}
		}
		return strings.Join(f, " ")
	case strings.HasPrefix(l, "c=IN "), strings.HasPrefix(l, "o="), strings.HasPrefix(l, "a=rtcp:"):
		f := strings.Fields(l)
		for j := 1; j < len(f); j++ {
			if f[j-1] == "IP4" || f[j-1] == "IP6" {
				f[j] = anyAddr(f[j])
			}
		}
		return strings.Join(f, " ")
	}
	return l
}

// anyAddr replaces an address by the unspecified one of its family, and
// an mDNS name by a fixed one.
func anyAddr(a string) string {
	switch {
	case strings.HasSuffix(a, ".local"):
		return "redacted.local"
	case strings.Contains(a, ":"):
		return "::"
	}
	return "0.0.0.0"
}

func zeroHex(fp string) string {
	b := []byte(fp)
	for i, c := range b {
		if c != ':' {
			b[i] = '0'
		}
	}
	return string(b)
}
