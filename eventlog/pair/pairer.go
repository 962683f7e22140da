package pair

import (
	"hash/maphash"
	"slices"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// DefaultWindow is how many messages a Pairer keeps waiting for their
// other side when Options.Window is 0.
const DefaultWindow = 1024

// Options configure a Pairer. Every field may be left zero.
type Options struct {
	// Window bounds the messages kept waiting for their other side (and
	// the sends kept for further receivers of a fan-out or a duplicate
	// delivery). Past it the oldest leaves: a send that nobody received
	// is then Lost, a receive whose send never came Unmatched. 0 means
	// DefaultWindow.
	Window int
	// Result is called with each result as soon as it is known: a Paired
	// one at the later of its two events, NoSend at the receive,
	// NotRecorded at the send, Lost and Unmatched when the message
	// leaves the window or at Flush.
	Result func(Result)
	// Settled is called when a send leaves the window (or is Released):
	// no receive will be paired with it any more, and it has had all its
	// results.
	Settled func(send Side)
}

// Pairer pairs the messages of one call, event by event (Add), in memory
// bounded by the window: per waiting message its identity, its event's
// sequence number, time and endpoint, and the devices that received it.
type Pairer struct {
	opts     Options
	recorded map[eventlog.Endpoint]bool
	conns    map[connKey]*connInfo
	sends    map[key][]*entry // waiting sends by identity, oldest first
	recvs    map[key][]*entry // waiting receives by identity, oldest first
	bySeq    map[uint64]*entry
	order    []*entry // every waiting entry, oldest first; gone ones are skipped
	live     int      // entries in order that are not gone
	seed     maphash.Seed
	last     Message // the message the last event added sent or received
	lastOK   bool
}

// connKey names one ECONN: the device and its local session id.
type connKey struct {
	ep   eventlog.Endpoint
	sess string
}

// connInfo is what a Pairer learned of one ECONN's peer.
type connInfo struct {
	remote    eventlog.Endpoint // the device it talks to, once known
	remoteSID string            // the peer's session id, from its messages
}

// key is a message's identity. The digest stands for the message's bytes.
type key struct {
	from   eventlog.Endpoint
	sess   string
	typ    econn.MsgType
	resp   bool
	digest uint64
}

// entry is one waiting send or receive.
type entry struct {
	k        key
	send     bool
	side     Side
	via      econn.Transport
	to       eventlog.Endpoint   // a send's addressee, when known
	toAbsent bool                // a send's addressees are not in the log (reported NotRecorded)
	recvBy   []eventlog.Endpoint // the devices that received a send
	gone     bool
}

// New returns a Pairer for a call whose log holds the devices recorded
// (the call's Endpoints). A device that records an event is added to them
// when it appears.
func New(recorded []eventlog.Endpoint, opts Options) *Pairer {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	p := &Pairer{opts: opts, recorded: map[eventlog.Endpoint]bool{}, conns: map[connKey]*connInfo{},
		sends: map[key][]*entry{}, recvs: map[key][]*entry{}, bySeq: map[uint64]*entry{}, seed: maphash.MakeSeed()}
	for _, ep := range recorded {
		p.recorded[ep] = true
	}
	return p
}

// Recorded reports whether ep is a device of the log.
func (p *Pairer) Recorded(ep eventlog.Endpoint) bool { return p.recorded[ep] }

// Waiting returns how many sends and receives wait for their other side
// or for more receivers.
func (p *Pairer) Waiting() int { return p.live }

// Last returns the message the event last added sent or received, and
// whether it was one (a receive whose bytes do not decode is not).
func (p *Pairer) Last() (Message, bool) { return p.last, p.lastOK }

// Add takes the next event of the call.
func (p *Pairer) Add(ev eventlog.Event) {
	p.lastOK = false
	if ev.Endpoint != (eventlog.Endpoint{}) {
		p.recorded[ev.Endpoint] = true
	}
	ck := connKey{ev.Endpoint, ev.Conn}
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		if in.Remote != (eventlog.Endpoint{}) {
			p.conn(ck).remote = in.Remote
		}
		return
	case eventlog.RecvInput:
		p.recvInput(ev, ck, in)
		return
	}
	if ev.Kind == eventlog.KindNote && ev.Type == eventlog.NotePropsync && ev.Note != nil {
		p.propsyncNote(ev, ck)
		return
	}
	if s, ok := ev.Output.(econn.Send); ok && s.Msg != nil {
		p.send(ev, ck, s)
	}
}

func (p *Pairer) conn(ck connKey) *connInfo {
	c := p.conns[ck]
	if c == nil {
		c = &connInfo{}
		p.conns[ck] = c
	}
	return c
}

// digest stands for the message's bytes: its wire form as the encoder
// writes it, so that a receive's bytes decoded and written again compare
// equal to the send's however an older encoder spaced or ordered them.
// The source and destination ids are left out: the sender is part of the
// identity already, the receiver is whoever recorded the receive, and a
// PROPSYNC the call layer handled is recorded without them.
func (p *Pairer) digest(m *econn.Message) uint64 {
	c := *m
	c.SrcUser, c.SrcClient, c.DestUser, c.DestClient = "", "", "", ""
	b, err := c.Encode()
	if err != nil {
		// Not encodable (invalid text from a damaged log): the identity
		// without the bytes still pairs such messages with each other.
		return 0
	}
	return maphash.Bytes(p.seed, b)
}

func (p *Pairer) recvInput(ev eventlog.Event, ck connKey, in eventlog.RecvInput) {
	if in.DecodeErr != "" {
		return // no identity to pair by
	}
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err != nil {
		return
	}
	from := eventlog.Endpoint{User: in.FromUser, Client: in.FromClient}
	c := p.conn(ck)
	if c.remote == (eventlog.Endpoint{}) {
		c.remote = from
	}
	if ev.Conn != "" && from == c.remote {
		// Only the peer's own messages: a second answer the ECONN ignores
		// (both callee devices answered) must not stand for it.
		c.remoteSID = m.SessID
	}
	p.recv(ev, key{from, m.SessID, m.Type, m.Resp, p.digest(m)}, in.Via)
}

// propsyncNote takes a PROPSYNC the call layer handled itself: its note
// holds the props, the connection says from whom and with which session.
func (p *Pairer) propsyncNote(ev eventlog.Event, ck connKey) {
	c := p.conns[ck]
	if c == nil || c.remote == (eventlog.Endpoint{}) {
		return
	}
	m := &econn.Message{Type: econn.MsgPropsync, SessID: c.remoteSID, Resp: ev.Note.Attrs["resp"] == "true",
		Props: eventlog.PropsOfNote(ev.Note)}
	if c.remoteSID == "" {
		// The events that named the peer's session are not among those
		// added (a window of the call): a waiting send may name it.
		m.SessID = p.sessionOfWaiting(c.remote, m)
	}
	p.recv(ev, key{c.remote, m.SessID, m.Type, m.Resp, p.digest(m)}, econn.TransportDirect)
}

// sessionOfWaiting returns the session of the oldest waiting send from
// from that is m but for its session, or "". It looks through every
// waiting send, which only a PROPSYNC note on a connection whose peer's
// session is unknown asks for.
func (p *Pairer) sessionOfWaiting(from eventlog.Endpoint, m *econn.Message) string {
	var best *entry
	for sk, es := range p.sends {
		if sk.from != from || sk.typ != m.Type || sk.resp != m.Resp {
			continue
		}
		c := *m
		c.SessID = sk.sess
		if p.digest(&c) != sk.digest {
			continue
		}
		for _, e := range es {
			if !e.gone && (best == nil || e.side.Seq < best.side.Seq) {
				best = e
			}
		}
	}
	if best == nil {
		return ""
	}
	return best.k.sess
}

func (p *Pairer) send(ev eventlog.Event, ck connKey, s econn.Send) {
	e := &entry{k: key{ev.Endpoint, s.Msg.SessID, s.Msg.Type, s.Msg.Resp, p.digest(s.Msg)}, send: true,
		side: Side{Seq: ev.Seq, At: ev.At, Endpoint: ev.Endpoint}, via: s.Via}
	p.last, p.lastOK = e.msg(), true
	if s.Msg.DestUser != "" && s.Msg.DestClient != "" {
		e.to = eventlog.Endpoint{User: s.Msg.DestUser, Client: s.Msg.DestClient}
	} else if c := p.conns[ck]; c != nil {
		e.to = c.remote
	}
	e.toAbsent = !p.addresseeRecorded(e)
	// Receives the log holds before their send (devices' clocks differ in
	// a merged log): the oldest of each receiver pairs with this send.
	for _, r := range p.recvs[e.k] {
		if !r.gone && !slices.Contains(e.recvBy, r.side.Endpoint) {
			e.recvBy = append(e.recvBy, r.side.Endpoint)
			p.drop(r)
			delete(p.bySeq, r.side.Seq)
			p.pairedResult(e, r.side, false)
		}
	}
	p.recvs[e.k] = compact(p.recvs[e.k])
	if len(p.recvs[e.k]) == 0 {
		delete(p.recvs, e.k)
	}
	if len(e.recvBy) == 0 && e.toAbsent {
		p.result(Result{Status: NotRecorded, Msg: e.msg(), Send: e.side, To: e.to})
	}
	p.sends[e.k] = append(p.sends[e.k], e)
	p.bySeq[e.side.Seq] = e
	p.push(e)
}

// addresseeRecorded reports whether a device the send e may reach is in
// the log: its addressee, or, when the sender did not know it (a request
// fanned out to a user's devices), any device of another user.
func (p *Pairer) addresseeRecorded(e *entry) bool {
	if e.to != (eventlog.Endpoint{}) {
		return p.recorded[e.to]
	}
	for ep := range p.recorded {
		if ep.User != e.k.from.User {
			return true
		}
	}
	return false
}

// recv pairs a receive with the oldest waiting send of the same message
// that its device has not received yet; failing that, with the latest it
// has (a duplicate delivery); failing that, it waits for its send.
func (p *Pairer) recv(ev eventlog.Event, k key, via econn.Transport) {
	side := Side{Seq: ev.Seq, At: ev.At, Endpoint: ev.Endpoint}
	p.last, p.lastOK = Message{k.from, k.sess, k.typ, k.resp, via}, true
	if !p.recorded[k.from] {
		p.result(Result{Status: NoSend, Msg: Message{k.from, k.sess, k.typ, k.resp, via}, Recv: side,
			To: ev.Endpoint})
		return
	}
	// A device takes the sends of one message in order, so those it
	// received come first: look back from the newest to the last it
	// received (retransmits of one message can fill the window).
	var next, dup *entry
	es := p.sends[k]
	for i := len(es) - 1; i >= 0; i-- {
		if s := es[i]; slices.Contains(s.recvBy, ev.Endpoint) {
			dup = s
			break
		} else if !s.gone {
			next = s
		}
	}
	if next != nil {
		next.recvBy = append(next.recvBy, ev.Endpoint)
		p.pairedResult(next, side, false)
		return
	}
	if dup != nil {
		p.pairedResult(dup, side, true)
		return
	}
	r := &entry{k: k, side: side, via: via}
	p.recvs[k] = append(p.recvs[k], r)
	p.bySeq[side.Seq] = r
	p.push(r)
}

func (p *Pairer) pairedResult(s *entry, recv Side, dup bool) {
	p.result(Result{Status: Paired, Msg: s.msg(), Send: s.side, Recv: recv, To: recv.Endpoint, Duplicate: dup})
}

func (e *entry) msg() Message {
	return Message{From: e.k.from, SessID: e.k.sess, Type: e.k.typ, Resp: e.k.resp, Via: e.via}
}

func (p *Pairer) result(r Result) {
	if p.opts.Result != nil {
		p.opts.Result(r)
	}
}

// push adds a waiting entry, and lets the oldest go past the window.
func (p *Pairer) push(e *entry) {
	p.order = append(p.order, e)
	p.live++
	for p.live > p.opts.Window {
		p.evictOldest()
	}
	if len(p.order) > 2*p.opts.Window {
		p.order = compact(p.order)
	}
}

func (p *Pairer) evictOldest() {
	for len(p.order) > 0 {
		e := p.order[0]
		p.order[0] = nil
		p.order = p.order[1:]
		if !e.gone {
			p.settle(e)
			return
		}
	}
}

// Release stops waiting for the other side of the event with sequence
// number seq: a send gets its final result now (Lost when nobody received
// it) and Settled, and a receive of it that comes later is Unmatched; a
// receive still waiting for its send is Unmatched now. For callers that
// bound their own buffers more tightly than the window.
func (p *Pairer) Release(seq uint64) {
	if e := p.bySeq[seq]; e != nil && !e.gone {
		p.settle(e)
	}
}

// Flush ends the call: every waiting message gets its final result, in
// the order of its event.
func (p *Pairer) Flush() {
	for p.live > 0 {
		p.evictOldest()
	}
	p.order = nil
}

// settle takes a waiting entry out and reports what became of it.
func (p *Pairer) settle(e *entry) {
	p.drop(e)
	if e.send {
		p.sends[e.k] = remove(p.sends[e.k], e)
		if len(p.sends[e.k]) == 0 {
			delete(p.sends, e.k)
		}
		delete(p.bySeq, e.side.Seq)
		if len(e.recvBy) == 0 && !e.toAbsent {
			p.result(Result{Status: Lost, Msg: e.msg(), Send: e.side, To: e.to})
		}
		if p.opts.Settled != nil {
			p.opts.Settled(e.side)
		}
		return
	}
	p.recvs[e.k] = remove(p.recvs[e.k], e)
	if len(p.recvs[e.k]) == 0 {
		delete(p.recvs, e.k)
	}
	delete(p.bySeq, e.side.Seq)
	p.result(Result{Status: Unmatched, Msg: e.msg(), Recv: e.side, To: e.side.Endpoint})
}

// drop marks e as no longer waiting.
func (p *Pairer) drop(e *entry) {
	if !e.gone {
		e.gone = true
		p.live--
	}
}

// remove takes the gone entry e out of es. The window lets the oldest go
// first, so e is most often es[0]: that costs nothing.
func remove(es []*entry, e *entry) []*entry {
	if len(es) > 0 && es[0] == e {
		es[0] = nil
		return es[1:]
	}
	return compact(es)
}

// compact removes the gone entries, reusing the slice.
func compact(es []*entry) []*entry {
	out := es[:0]
	for _, e := range es {
		if !e.gone {
			out = append(out, e)
		}
	}
	clear(es[len(out):])
	return out
}

// Call pairs the messages of the call r reads, in one pass, and calls
// result with every result (as Options.Result does).
func Call(r *eventlog.CallReader, result func(Result)) error {
	p := New(r.Meta().Endpoints, Options{Result: result})
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		p.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return err
	}
	p.Flush()
	return nil
}
