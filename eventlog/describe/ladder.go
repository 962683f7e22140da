package describe

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// Arrow is one message between two endpoints: a recorded send matched with
// the recorded receive of the same message, or either alone.
type Arrow struct {
	From, To eventlog.Endpoint // To is zero when nobody in the log received it and the sender's peer is unknown
	Type     econn.MsgType
	Resp     bool
	Via      econn.Transport
	SessID   string // the sender's session id

	Sent, Received     uint64        // sequence numbers of the Send output and the Recv input; 0 when absent
	SentAt, ReceivedAt time.Duration // call times of those events

	// Duplicate marks a second delivery of a send its receiver already got.
	Duplicate bool
}

// Lost reports whether the message was sent but never received in the log.
func (a Arrow) Lost() bool { return a.Sent != 0 && a.Received == 0 }

// First returns the sequence number of the arrow's first event.
func (a Arrow) First() uint64 {
	if a.Sent != 0 {
		return a.Sent
	}
	return a.Received
}

// Label is the arrow's text: "SETUP", "HANGUP resp", "SETUP dup".
func (a Arrow) Label() string {
	s := a.Type.String()
	if a.Resp {
		s += " resp"
	}
	if a.Duplicate {
		s += " dup"
	}
	return s
}

type msgKey struct {
	from   eventlog.Endpoint
	typ    econn.MsgType
	resp   bool
	sessID string
}

type connKey struct {
	ep   eventlog.Endpoint
	sess string
}

// maxPending bounds how many unreceived sends of one kind a Ladder keeps
// for matching, so that memory stays flat on long calls.
const maxPending = 32

// Ladder collects the messages of a call, event by event, and matches each
// receive to the send it came from: same sender, type, request/response
// and session id, oldest first. A message the backend fanned out to
// several clients gives one arrow per receiver.
//
// NewLadder keeps every arrow for Arrows; NewStreamLadder keeps only the
// sends a receive may still match (at most maxPending per sender, type and
// session) and hands each arrow to Hooks, for exports that must not hold
// a whole call.
type Ladder struct {
	endpoints []eventlog.Endpoint
	arrows    []*Arrow // every arrow in order of creation (NewLadder only)
	hooks     Hooks
	pending   map[msgKey][]*Arrow // arrows whose send may still be received
	remotes   map[connKey]eventlog.Endpoint
	remoteSID map[connKey]string // the session id of the remote side, from received messages
}

// Hooks follow a streaming ladder's arrows. Either may be nil.
type Hooks struct {
	// New is called with each arrow as it appears. While the arrow is
	// pending, a later receive may still fill in its To, Received and
	// ReceivedAt, and receivers of the same send may add arrows with the
	// same Sent (a fan-out, a duplicate delivery).
	New func(a *Arrow)
	// Done is called once the arrow is no longer pending: it changes no
	// more, and no arrow will be copied from it. An arrow that is never
	// pending (a receive without its send, a duplicate) is Done right
	// after New.
	Done func(a *Arrow)
}

// NewLadder returns an empty ladder whose columns start with endpoints. It
// keeps every arrow, for Arrows.
func NewLadder(endpoints []eventlog.Endpoint) *Ladder {
	l := NewStreamLadder(endpoints, Hooks{})
	l.hooks.New = func(a *Arrow) { l.arrows = append(l.arrows, a) }
	return l
}

// NewStreamLadder returns an empty ladder whose columns start with
// endpoints. It keeps no arrows (Arrows returns none): hooks see them.
func NewStreamLadder(endpoints []eventlog.Endpoint, hooks Hooks) *Ladder {
	l := &Ladder{hooks: hooks, pending: make(map[msgKey][]*Arrow), remotes: make(map[connKey]eventlog.Endpoint),
		remoteSID: make(map[connKey]string)}
	for _, ep := range endpoints {
		l.column(ep)
	}
	return l
}

// created tells the hooks about a new arrow, done too unless pending.
func (l *Ladder) created(a *Arrow, pending bool) {
	if l.hooks.New != nil {
		l.hooks.New(a)
	}
	if !pending {
		l.done(a)
	}
}

func (l *Ladder) done(a *Arrow) {
	if l.hooks.Done != nil {
		l.hooks.Done(a)
	}
}

// setPending stores the pending arrows of k, dropping the key when none
// are left so that finished sessions cost nothing.
func (l *Ladder) setPending(k msgKey, p []*Arrow) {
	if len(p) == 0 {
		delete(l.pending, k)
		return
	}
	l.pending[k] = p
}

// Release stops matching receives to the send of a: its pending arrows
// (a and those copied from it) are Done. A receive of it that comes later
// is drawn as a receive whose send is not recorded.
func (l *Ladder) Release(a *Arrow) {
	if a.Sent == 0 {
		return
	}
	k := msgKey{a.From, a.Type, a.Resp, a.SessID}
	p := l.pending[k]
	keep := p[:0]
	var gone []*Arrow
	for _, b := range p {
		if b.Sent == a.Sent {
			gone = append(gone, b)
		} else {
			keep = append(keep, b)
		}
	}
	clear(p[len(keep):])
	l.setPending(k, keep)
	for _, b := range gone {
		l.done(b)
	}
}

// Endpoints returns the ladder's columns: the endpoints given to NewLadder,
// then the others in order of appearance.
func (l *Ladder) Endpoints() []eventlog.Endpoint { return l.endpoints }

// Arrows returns the messages in the order of their first event.
func (l *Ladder) Arrows() []Arrow {
	out := make([]Arrow, len(l.arrows))
	for i, a := range l.arrows {
		out[i] = *a
	}
	slices.SortStableFunc(out, func(a, b Arrow) int {
		switch x, y := a.First(), b.First(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return out
}

func (l *Ladder) column(ep eventlog.Endpoint) {
	if ep != (eventlog.Endpoint{}) && !slices.Contains(l.endpoints, ep) {
		l.endpoints = append(l.endpoints, ep)
	}
}

// Add takes the next event of the call. It returns the arrow the event
// sends or receives, if any.
func (l *Ladder) Add(ev eventlog.Event) (Arrow, bool) {
	ck := connKey{ev.Endpoint, ev.Conn}
	switch v := ev.Input.(type) {
	case eventlog.NewConn:
		l.column(ev.Endpoint)
		if v.Remote != (eventlog.Endpoint{}) {
			l.remotes[ck] = v.Remote
		}
	case eventlog.RecvInput:
		return l.recv(ev, ck, v)
	}
	if ev.Kind == eventlog.KindNote && ev.Type == eventlog.NotePropsync && ev.Note != nil {
		from, ok := l.remotes[ck]
		if !ok {
			return Arrow{}, false
		}
		k := msgKey{from, econn.MsgPropsync, ev.Note.Attrs["resp"] == "true", l.remoteSID[ck]}
		return l.received(ev, k, econn.TransportDirect), true
	}
	if s, ok := ev.Output.(econn.Send); ok && s.Msg != nil {
		return l.send(ev, ck, s), true
	}
	return Arrow{}, false
}

func (l *Ladder) send(ev eventlog.Event, ck connKey, s econn.Send) Arrow {
	l.column(ev.Endpoint)
	a := &Arrow{From: ev.Endpoint, To: l.remotes[ck], Type: s.Msg.Type, Resp: s.Msg.Resp, Via: s.Via,
		SessID: s.Msg.SessID, Sent: ev.Seq, SentAt: ev.At}
	k := msgKey{a.From, a.Type, a.Resp, a.SessID}
	l.created(a, true)
	p := append(l.pending[k], a)
	if len(p) > maxPending {
		old := p[0]
		p = p[1:]
		l.done(old)
	}
	l.pending[k] = p
	return *a
}

func (l *Ladder) recv(ev eventlog.Event, ck connKey, in eventlog.RecvInput) (Arrow, bool) {
	if in.DecodeErr != "" {
		return Arrow{}, false
	}
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err != nil {
		return Arrow{}, false
	}
	from := eventlog.Endpoint{User: in.FromUser, Client: in.FromClient}
	if _, ok := l.remotes[ck]; !ok {
		l.remotes[ck] = from
	}
	if ev.Conn != "" {
		l.remoteSID[ck] = m.SessID
	}
	l.column(from)
	return l.received(ev, msgKey{from, m.Type, m.Resp, m.SessID}, in.Via), true
}

// received matches the receive ev of a message of kind k to its send.
func (l *Ladder) received(ev eventlog.Event, k msgKey, via econn.Transport) Arrow {
	l.column(ev.Endpoint)
	p := l.pending[k]
	for n, a := range p {
		switch {
		case a.Received == 0 && (a.To == ev.Endpoint || a.To == eventlog.Endpoint{}):
			a.To, a.Received, a.ReceivedAt = ev.Endpoint, ev.Seq, ev.At
			if a.Via == econn.TransportDirect {
				l.setPending(k, slices.Delete(p, n, n+1))
				l.done(a)
			}
			return *a
		case a.Received != 0 && a.Via == econn.TransportBackend && !receivedBy(p, a.Sent, ev.Endpoint):
			// The backend fanned the message out: one more receiver.
			c := *a
			c.To, c.Received, c.ReceivedAt = ev.Endpoint, ev.Seq, ev.At
			keep := len(p) < maxPending
			l.created(&c, keep)
			if keep {
				l.pending[k] = append(p, &c)
			}
			return c
		}
	}
	for n := len(p) - 1; n >= 0; n-- {
		if a := *p[n]; a.Received != 0 && a.To == ev.Endpoint {
			// Delivered again (a duplicating transport): the latest send wins.
			a.Received, a.ReceivedAt, a.Duplicate = ev.Seq, ev.At, true
			l.created(&a, false)
			return a
		}
	}
	a := Arrow{From: k.from, To: ev.Endpoint, Type: k.typ, Resp: k.resp, Via: via, SessID: k.sessID,
		Received: ev.Seq, ReceivedAt: ev.At}
	l.created(&a, false)
	return a
}

// receivedBy reports whether the send seq among the arrows p was received
// by ep.
func receivedBy(p []*Arrow, seq uint64, ep eventlog.Endpoint) bool {
	for _, a := range p {
		if a.Sent == seq && a.To == ep && a.Received != 0 {
			return true
		}
	}
	return false
}

// DrawLadder writes the arrows as an ASCII call flow width columns wide:
// one column per endpoint, one line per message, with the send time on
// the left. Backend messages are drawn with '-', direct ones with '=';
// a lost message ends in 'x', one whose send is not in the log starts
// with '?'. Columns are display columns: a name is escaped (package
// safetext), then cut to its lane by display width, never inside a
// character or a grapheme, so wide (CJK) and combined characters keep
// the lanes aligned.
func DrawLadder(w io.Writer, endpoints []eventlog.Endpoint, arrows []Arrow, width int) error {
	d, err := startLadder(w, endpoints, width)
	if err != nil || d == nil {
		return err
	}
	for _, a := range arrows {
		if err := d.arrow(a); err != nil {
			return err
		}
	}
	return nil
}

// ladderDrawer draws a ladder line by line (DrawLadder): its header
// first, then one arrow at a time, so that a call's ladder can be drawn
// as its arrows come (WriteLadder).
type ladderDrawer struct {
	w              io.Writer
	n              int // endpoints
	spacing, total int
	col            map[eventlog.Endpoint]int
}

const ladderMargin = 11 // "+1234.567s "

// startLadder writes the header of a ladder of endpoints, or "(no
// endpoints)" and returns nil.
func startLadder(w io.Writer, endpoints []eventlog.Endpoint, width int) (*ladderDrawer, error) {
	n := len(endpoints)
	if n == 0 {
		_, err := fmt.Fprintln(w, "(no endpoints)")
		return nil, err
	}
	d := &ladderDrawer{w: w, n: n, spacing: max((width-ladderMargin)/n, 12), col: map[eventlog.Endpoint]int{}}
	d.total = d.x(n-1) + d.spacing/2
	for i, ep := range endpoints {
		d.col[ep] = i
	}
	head := newRow(d.total)
	for i, ep := range endpoints {
		name := truncate(safetext.Escape(ep.String()), d.spacing-1)
		head.put(max(0, d.x(i)-uniseg.StringWidth(name)/2), name)
	}
	_, err := fmt.Fprintln(w, head)
	return d, err
}

// x is the column of lane i.
func (d *ladderDrawer) x(i int) int { return ladderMargin + d.spacing/2 + i*d.spacing }

// arrow writes the line of a.
func (d *ladderDrawer) arrow(a Arrow) error {
	line := newRow(d.total)
	for i := range d.n {
		line[d.x(i)] = "|"
	}
	at := a.SentAt
	if a.Sent == 0 {
		at = a.ReceivedAt
	}
	line.put(0, fmt.Sprintf("+%.3fs", at.Seconds()))
	drawArrow(line, a, d.col, d.x, d.spacing)
	_, err := fmt.Fprintln(d.w, line)
	return err
}

// A row is a drawn line, one display column a cell. A cell holds the
// grapheme cluster that starts there, or "" when a wide cluster on its
// left covers it.
type row []string

func newRow(n int) row {
	r := make(row, n)
	for i := range r {
		r[i] = " "
	}
	return r
}

// put draws s from column x on, cluster by cluster, as far as the row
// goes. A wide cluster that a character overwrites in part is replaced
// by spaces, so no half of one is left.
func (r row) put(x int, s string) {
	for s != "" {
		g, rest, w, _ := uniseg.FirstGraphemeClusterInString(s, -1)
		s = rest
		if w == 0 { // nothing of its own to show (a lone joiner): keep it with its neighbour
			if x > 0 {
				r.set(x-1, r[x-1]+g)
			}
			continue
		}
		if x+w > len(r) {
			return
		}
		r.set(x, g)
		for i := 1; i < w; i++ {
			r.set(x+i, "")
		}
		x += w
	}
}

// set puts cell i, clearing what is left of a wide cluster it cuts.
func (r row) set(i int, cell string) {
	if r[i] == "" { // the right part of a wide cluster: its start goes too
		for j := i - 1; j >= 0; j-- {
			done := r[j] != ""
			r[j] = " "
			if done {
				break
			}
		}
	}
	r[i] = cell
	for j := i + 1; j < len(r) && r[j] == ""; j++ {
		r[j] = " " // the rest of the wide cluster that started at i
	}
}

// String is the row as printed, without trailing spaces.
func (r row) String() string {
	return strings.TrimRight(strings.Join(r, ""), " ")
}

func drawArrow(line row, a Arrow, col map[eventlog.Endpoint]int, x func(int) int, spacing int) {
	from, okFrom := col[a.From]
	to, okTo := col[a.To]
	if !okFrom || !okTo {
		// Half an arrow towards the unknown side.
		if okFrom {
			to, okTo = from, true
		} else {
			from = to
		}
	}
	x0, x1 := x(from), x(to)
	if x0 == x1 { // the other end is unknown: a short arrow, inwards at the right edge
		x1 = x0 + spacing - 4
		if x1 >= len(line) {
			x1 = x0 - spacing + 4
		}
	}
	lo, hi := min(x0, x1), max(x0, x1)
	fill := "-"
	if a.Via == econn.TransportDirect {
		fill = "="
	}
	for i := lo + 1; i < hi; i++ {
		line[i] = fill
	}
	switch {
	case a.Lost():
		line[x1-sign(x1-x0)] = "x"
	case x1 > x0:
		line[x1-1] = ">"
	default:
		line[x1+1] = "<"
	}
	if a.Sent == 0 {
		line[x0+sign(x1-x0)] = "?"
	}
	label := truncate(safetext.Escape(a.Label()), hi-lo-5)
	if label != "" {
		line.put(lo+(hi-lo-uniseg.StringWidth(label))/2, label)
	}
}

func sign(v int) int {
	if v < 0 {
		return -1
	}
	return 1
}

// truncate cuts s to at most n display columns, between grapheme
// clusters: half a character would print as bytes that are not UTF-8,
// and half a cluster as another character (an e without its accent, one
// half of a flag).
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	cut, width := 0, 0
	for rest := s; rest != ""; {
		_, r, w, _ := uniseg.FirstGraphemeClusterInString(rest, -1)
		if width+w > n {
			break
		}
		width += w
		rest = r
		cut = len(s) - len(rest)
	}
	return s[:cut]
}
