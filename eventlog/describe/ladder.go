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
	"github.com/callrec/callrec/eventlog/pair"
	"github.com/callrec/callrec/internal/safetext"
)

// Arrow is one message between two endpoints: a recorded send paired
// with a recorded receive of the same message (package pair: by message
// identity, never by time), or either alone.
type Arrow struct {
	From, To eventlog.Endpoint // To is zero when nobody in the log received it and the sender did not know its peer
	Type     econn.MsgType
	Resp     bool
	Via      econn.Transport
	SessID   string // the sender's session id

	Sent, Received     uint64        // sequence numbers of the Send output and the Recv input; 0 when absent
	SentAt, ReceivedAt time.Duration // call times of those events

	// Duplicate marks a second delivery of a send its receiver already got.
	Duplicate bool
	// Status is what became of the message: pair.Paired once received;
	// pair.Lost or pair.NotRecorded for a send nobody in the log
	// received; pair.NoSend or pair.Unmatched for a receive without its
	// send; 0 while that is not known yet.
	Status pair.Status
}

// Lost reports whether the message was sent and never received, though
// its receiver is in the log.
func (a Arrow) Lost() bool { return a.Status == pair.Lost }

// PeerNotRecorded reports whether the other end of the message is a
// device absent from the log: the receiver of a send nobody in the log
// received, or the sender of a receive.
func (a Arrow) PeerNotRecorded() bool { return a.Status == pair.NotRecorded || a.Status == pair.NoSend }

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

type connKey struct {
	ep   eventlog.Endpoint
	sess string
}

// Ladder collects the messages of a call, event by event, and pairs each
// receive with its send (package pair: same sender, session, type,
// request/response and bytes; identical retransmits in order). A message
// the backend fanned out to several clients gives one arrow per receiver.
//
// NewLadder keeps every arrow for Arrows; NewStreamLadder keeps only the
// arrows still waiting for their other side (as many as the pairer's
// window) and hands each arrow to Hooks, for exports that must not hold
// a whole call. Flush ends the call: what still waits gets its status.
type Ladder struct {
	endpoints []eventlog.Endpoint
	arrows    []*Arrow // every arrow in order of creation (NewLadder only)
	hooks     Hooks
	pairer    *pair.Pairer
	sends     map[uint64][]*Arrow // pending arrows of a send: its first and the fan-out copies
	recvs     map[uint64]*Arrow   // receives waiting for their send
	remotes   map[connKey]eventlog.Endpoint
	results   []pair.Result // the pairer's results during one Add
	settled   []uint64      // the sends the pairer settled during one Add
}

// Hooks follow a streaming ladder's arrows. Either may be nil.
type Hooks struct {
	// New is called with each arrow as it appears. While the arrow is
	// pending, a later event may still fill in its other side and its
	// Status, and receivers of the same send may add arrows with the
	// same Sent (a fan-out, a duplicate delivery).
	New func(a *Arrow)
	// Done is called once the arrow is no longer pending: it changes no
	// more, and no arrow will be copied from it. An arrow whose status
	// is known at once (a receive whose sender is not in the log, a
	// duplicate) is Done right after New.
	Done func(a *Arrow)
}

// NewLadder returns an empty ladder whose columns start with endpoints,
// the devices the log recorded. It keeps every arrow, for Arrows.
func NewLadder(endpoints []eventlog.Endpoint) *Ladder {
	l := NewStreamLadder(endpoints, Hooks{})
	l.hooks.New = func(a *Arrow) { l.arrows = append(l.arrows, a) }
	return l
}

// NewStreamLadder returns an empty ladder whose columns start with
// endpoints, the devices the log recorded. It keeps no arrows (Arrows
// returns none): hooks see them.
func NewStreamLadder(endpoints []eventlog.Endpoint, hooks Hooks) *Ladder {
	l := &Ladder{hooks: hooks, sends: map[uint64][]*Arrow{}, recvs: map[uint64]*Arrow{},
		remotes: map[connKey]eventlog.Endpoint{}}
	l.pairer = pair.New(endpoints, pair.Options{
		Result:  func(r pair.Result) { l.results = append(l.results, r) },
		Settled: func(s pair.Side) { l.settled = append(l.settled, s.Seq) },
	})
	for _, ep := range endpoints {
		l.column(ep)
	}
	return l
}

// Recorded reports whether ep is a device of the log: one of the
// endpoints the ladder was made with, or one that recorded an event.
func (l *Ladder) Recorded(ep eventlog.Endpoint) bool { return l.pairer.Recorded(ep) }

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

// Release stops waiting for the other side of a: a send nobody received
// is lost (when its receiver is in the log), a receive whose send has not
// come is unmatched, and the arrows are Done. A receive of a released
// send that comes later is drawn without its send.
func (l *Ladder) Release(a *Arrow) {
	if a.Sent != 0 {
		l.pairer.Release(a.Sent)
	} else {
		l.pairer.Release(a.Received)
	}
	l.apply(0)
}

// Flush ends the call: every arrow still waiting gets its status and is
// Done.
func (l *Ladder) Flush() {
	l.pairer.Flush()
	l.apply(0)
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
// sends or receives, if any, as it stands after the event.
func (l *Ladder) Add(ev eventlog.Event) (Arrow, bool) {
	ck := connKey{ev.Endpoint, ev.Conn}
	switch v := ev.Input.(type) {
	case eventlog.NewConn:
		l.column(ev.Endpoint)
		if v.Remote != (eventlog.Endpoint{}) {
			l.remotes[ck] = v.Remote
		}
	case eventlog.RecvInput:
		l.column(ev.Endpoint)
	}
	var send *Arrow
	if s, ok := ev.Output.(econn.Send); ok && s.Msg != nil {
		l.column(ev.Endpoint)
		send = &Arrow{From: ev.Endpoint, To: l.remotes[ck], Type: s.Msg.Type, Resp: s.Msg.Resp, Via: s.Via,
			SessID: s.Msg.SessID, Sent: ev.Seq, SentAt: ev.At}
		if s.Msg.DestUser != "" && s.Msg.DestClient != "" {
			send.To = eventlog.Endpoint{User: s.Msg.DestUser, Client: s.Msg.DestClient}
		}
		l.column(send.To) // a peer not in the log still gets its lifeline
	}
	l.pairer.Add(ev)
	if send != nil {
		return *l.addSend(send), true
	}
	m, ok := l.pairer.Last() // a receive the pairer took: decoded once, there
	if !ok {
		l.apply(0)
		return Arrow{}, false
	}
	if _, known := l.remotes[ck]; !known {
		l.remotes[ck] = m.From
	}
	l.column(ev.Endpoint)
	l.column(m.From)
	a := l.apply(ev.Seq)
	if a == nil {
		// Its send may still come (device clocks differ in a merged log).
		a = &Arrow{From: m.From, To: ev.Endpoint, Type: m.Type, Resp: m.Resp, Via: m.Via, SessID: m.SessID,
			Received: ev.Seq, ReceivedAt: ev.At}
		l.recvs[ev.Seq] = a
		l.created(a, true)
	}
	return *a, true
}

// addSend makes the arrow of a send, unless a receive the log holds
// before it was paired with it (device clocks differ in a merged log):
// that receive's arrow is the message's then.
func (l *Ladder) addSend(a *Arrow) *Arrow {
	for _, r := range l.results {
		if w := l.recvs[r.Recv.Seq]; r.Status == pair.Paired && r.Send.Seq == a.Sent && w != nil {
			// apply pairs it (and marks it done): later receivers of
			// the send get arrows of their own.
			l.apply(0)
			return w
		}
	}
	l.created(a, true)
	l.sends[a.Sent] = []*Arrow{a}
	l.apply(0)
	return a
}

// apply takes the results and settled sends the pairer reported, and
// returns the arrow of the receive with sequence number seq among them.
func (l *Ladder) apply(seq uint64) *Arrow {
	var mine *Arrow
	for i := 0; i < len(l.results); i++ {
		if a := l.result(l.results[i]); a != nil && seq != 0 && l.results[i].Recv.Seq == seq {
			mine = a
		}
	}
	l.results = l.results[:0]
	for _, s := range l.settled {
		for _, a := range l.sends[s] {
			l.done(a)
		}
		delete(l.sends, s)
	}
	l.settled = l.settled[:0]
	return mine
}

// result applies one result of the pairer to the arrows, and returns the
// arrow of its receive, if any.
func (l *Ladder) result(r pair.Result) *Arrow {
	switch r.Status {
	case pair.Paired:
		return l.paired(r)
	case pair.Lost, pair.NotRecorded:
		for _, a := range l.sends[r.Send.Seq] {
			if a.Received == 0 {
				a.Status = r.Status
			}
		}
		if r.Status == pair.NotRecorded {
			// Nothing in the log will change it: draw it now. A fan-out
			// receiver that comes after gets an arrow of its own.
			for _, a := range l.sends[r.Send.Seq] {
				l.done(a)
			}
			delete(l.sends, r.Send.Seq)
		}
	case pair.NoSend:
		a := arrowOf(r)
		l.created(a, false)
		return a
	case pair.Unmatched:
		a := l.recvs[r.Recv.Seq]
		if a == nil { // the receive of this Add: waiting no more
			a = arrowOf(r)
			l.created(a, false)
			return a
		}
		a.Status = pair.Unmatched
		delete(l.recvs, r.Recv.Seq)
		l.done(a)
		return a
	}
	return nil
}

// paired fills in, or copies, the arrow of the send r pairs.
func (l *Ladder) paired(r pair.Result) *Arrow {
	if w := l.recvs[r.Recv.Seq]; w != nil { // a waiting receive whose send came
		w.Sent, w.SentAt, w.Status = r.Send.Seq, r.Send.At, pair.Paired
		delete(l.recvs, r.Recv.Seq)
		l.done(w)
		return w
	}
	p := l.sends[r.Send.Seq]
	if len(p) == 0 { // the send's arrows are drawn already
		a := arrowOf(r)
		l.created(a, false)
		return a
	}
	if a := p[0]; a.Received == 0 && !r.Duplicate {
		a.To, a.Received, a.ReceivedAt, a.Status = r.Recv.Endpoint, r.Recv.Seq, r.Recv.At, pair.Paired
		if a.Via == econn.TransportDirect {
			// Point to point: nobody else receives it. A duplicate
			// delivery gets an arrow of its own.
			l.done(a)
			delete(l.sends, r.Send.Seq)
		}
		return a
	}
	c := *p[0]
	c.To, c.Received, c.ReceivedAt, c.Duplicate, c.Status = r.Recv.Endpoint, r.Recv.Seq, r.Recv.At, r.Duplicate, pair.Paired
	// A fan-out copy waits with its send, so that exports keep a
	// message's arrows together; a duplicate is drawn at once.
	l.created(&c, !r.Duplicate)
	if !r.Duplicate {
		l.sends[r.Send.Seq] = append(p, &c)
	}
	return &c
}

// arrowOf is the arrow of a result whose send's arrows are gone or never
// were.
func arrowOf(r pair.Result) *Arrow {
	return &Arrow{From: r.Msg.From, To: r.To, Type: r.Msg.Type, Resp: r.Msg.Resp, Via: r.Msg.Via,
		SessID: r.Msg.SessID, Sent: r.Send.Seq, SentAt: r.Send.At, Received: r.Recv.Seq, ReceivedAt: r.Recv.At,
		Duplicate: r.Duplicate, Status: r.Status}
}

// DrawLadder writes the arrows as an ASCII call flow width columns wide:
// one column per endpoint, one line per message, with the send time on
// the left (the receive time when the send is not in the log), then a
// legend of the marks it used. Backend messages are drawn with '-',
// direct ones with '='; a received message ends in '>' or '<', a lost one
// (its receiver is in the log) in 'x'; an end whose device is not in the
// log is '?', and that device's lifeline ':'; a receive whose sender is
// in the log but whose send is not starts with '!'. Columns are display
// columns: a name is escaped (package safetext), then cut to its lane by
// display width, never inside a character or a grapheme, so wide (CJK)
// and combined characters keep the lanes aligned.
func DrawLadder(w io.Writer, endpoints []eventlog.Endpoint, arrows []Arrow, width int) error {
	d, err := startLadder(w, endpoints, absentEndpoints(arrows), width)
	if err != nil || d == nil {
		return err
	}
	for _, a := range arrows {
		if err := d.arrow(a); err != nil {
			return err
		}
	}
	return d.legend()
}

// absentEndpoints returns the devices the arrows show as not in the log:
// the far end of a send or a receive whose peer is not recorded.
func absentEndpoints(arrows []Arrow) map[eventlog.Endpoint]bool {
	absent := map[eventlog.Endpoint]bool{}
	for _, a := range arrows {
		switch a.Status {
		case pair.NotRecorded:
			absent[a.To] = true
		case pair.NoSend:
			absent[a.From] = true
		}
	}
	return absent
}

// marks records which marks a drawing used, for its legend.
type marks map[string]bool

func (m marks) use(mark string) string {
	m[mark] = true
	return mark
}

func (m marks) lifeline(absent bool) string {
	if absent {
		return m.use(":")
	}
	return "|"
}

// legend is every mark a ladder may use, with what it means, in the
// order the legend lists them.
var legend = []struct{ mark, meaning string }{
	{"-", "a message through the backend"},
	{"=", "a message on the data channel (direct)"},
	{">", "received (or '<')"},
	{"x", "lost: its receiver is in the log and never received it"},
	{"?", "not recorded: the device at this end is not in the log"},
	{":", "the lifeline of a device that is not in the log"},
	{"!", "its send is not in the log, though its sender is"},
	{"dup", "a second delivery of a message already received"},
}

// writeLegend explains the marks used, one a line.
func (m marks) writeLegend(w io.Writer) error {
	if len(m) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "legend:"); err != nil {
		return err
	}
	for _, l := range legend {
		if m[l.mark] {
			if _, err := fmt.Fprintf(w, "  %-3s %s\n", l.mark, l.meaning); err != nil {
				return err
			}
		}
	}
	return nil
}

// ladderDrawer draws a ladder line by line (DrawLadder): its header
// first, then one arrow at a time, so that a call's ladder can be drawn
// as its arrows come (WriteLadder).
type ladderDrawer struct {
	w              io.Writer
	endpoints      []eventlog.Endpoint
	spacing, total int
	col            map[eventlog.Endpoint]int
	absent         map[eventlog.Endpoint]bool // columns of devices not in the log
	used           marks                      // the marks drawn, for the legend
}

const ladderMargin = 11 // "+1234.567s "

// startLadder writes the header of a ladder of endpoints, those absent
// from the log marked, or "(no endpoints)" and returns nil.
func startLadder(w io.Writer, endpoints []eventlog.Endpoint, absent map[eventlog.Endpoint]bool, width int) (*ladderDrawer, error) {
	n := len(endpoints)
	if n == 0 {
		_, err := fmt.Fprintln(w, "(no endpoints)")
		return nil, err
	}
	d := &ladderDrawer{w: w, endpoints: endpoints, spacing: max((width-ladderMargin)/n, 12),
		col: map[eventlog.Endpoint]int{}, absent: absent, used: marks{}}
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
	for i, ep := range d.endpoints {
		line[d.x(i)] = d.used.lifeline(d.absent[ep])
	}
	at := a.SentAt
	if a.Sent == 0 {
		at = a.ReceivedAt
	}
	line.put(0, fmt.Sprintf("+%.3fs", at.Seconds()))
	drawArrow(line, a, d.col, d.x, d.spacing, d.used)
	_, err := fmt.Fprintln(d.w, line)
	return err
}

// legend ends the ladder with the marks it used.
func (d *ladderDrawer) legend() error { return d.used.writeLegend(d.w) }

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

func drawArrow(line row, a Arrow, col map[eventlog.Endpoint]int, x func(int) int, spacing int, used marks) {
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
	fill := used.use("-")
	if a.Via == econn.TransportDirect {
		fill = used.use("=")
	}
	for i := lo + 1; i < hi; i++ {
		line[i] = fill
	}
	end := x1 - sign(x1-x0)
	switch {
	case a.Lost():
		line[end] = used.use("x")
	case a.Status == pair.NotRecorded, a.Received == 0: // undecided only in a ladder not flushed
		line[end] = used.use("?")
	case x1 > x0:
		used.use(">")
		line[x1-1] = ">"
	default:
		used.use(">")
		line[x1+1] = "<"
	}
	switch {
	case a.Status == pair.NoSend:
		line[x0+sign(x1-x0)] = used.use("?")
	case a.Sent == 0:
		line[x0+sign(x1-x0)] = used.use("!")
	}
	if a.Duplicate {
		used.use("dup")
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
