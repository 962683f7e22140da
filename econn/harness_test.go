package econn

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden transcripts under testdata/scenarios")

// This file holds the test harness: a rendering of outputs as short
// strings, and a small world of clients that carries out what their
// connections ask for (fan-out backend, data channels, virtual timers),
// the way the layer above ECONN does it.

// fmtOut renders one output on one line, so that tests compare outputs
// exactly, in order, as strings.
func fmtOut(o Output) string {
	switch o := o.(type) {
	case StateChanged:
		return fmt.Sprintf("StateChanged(%s->%s)", o.From, o.To)
	case Send:
		s := fmt.Sprintf("Send(%s %s, %s", o.Msg.Type, reqResp(o.Msg.Resp), o.Via)
		if o.Msg.SDP != "" {
			s += ", sdp=" + o.Msg.SDP
		}
		if o.Msg.Props != nil {
			s += ", props=" + fmtProps(o.Msg.Props)
		}
		if o.Msg.Type == MsgAlert {
			s += fmt.Sprintf(", level=%d, descr=%s, transient=%t", o.Msg.Level, o.Msg.Descr, o.Msg.Transient)
		}
		if o.Msg.SrcUser != "" || o.Msg.SrcClient != "" {
			s += ", src=" + o.Msg.SrcUser + "/" + o.Msg.SrcClient
		}
		return s + ")"
	case SetTimer:
		return fmt.Sprintf("SetTimer(%s, %s, #%d)", o.Action, o.After, o.Gen)
	case CancelTimer:
		return fmt.Sprintf("CancelTimer(#%d)", o.Gen)
	case Incoming:
		return fmt.Sprintf("Incoming(%s/%s, t=%d, age=%d, sdp=%s, props=%s, reset=%t)",
			o.FromUser, o.FromClient, o.MsgTime, o.Age, o.SDP, fmtProps(o.Props), o.Reset)
	case Answered:
		return fmt.Sprintf("Answered(reset=%t, sdp=%s, props=%s)", o.Reset, o.SDP, fmtProps(o.Props))
	case UpdateRequested:
		return fmt.Sprintf("UpdateRequested(%s/%s, sdp=%s, props=%s, reset=%t)",
			o.FromUser, o.FromClient, o.SDP, fmtProps(o.Props), o.ShouldReset)
	case UpdateAnswered:
		return fmt.Sprintf("UpdateAnswered(sdp=%s, props=%s)", o.SDP, fmtProps(o.Props))
	case AlertReceived:
		return fmt.Sprintf("AlertReceived(%d, %s)", o.Level, o.Descr)
	case PingReceived:
		return fmt.Sprintf("PingReceived(resp=%t)", o.Resp)
	case ConfPartReceived:
		return fmt.Sprintf("ConfPartReceived(%s)", o.Msg.Type)
	case Closed:
		return fmt.Sprintf("Closed(%q, t=%d)", ErrorName(o.Reason), o.MsgTime)
	case Ignored:
		if o.Type == 0 {
			return "Ignored(" + o.Sentence() + ")"
		}
		return fmt.Sprintf("Ignored(%s: %s)", o.Type, o.Sentence())
	}
	return fmt.Sprintf("unknown output %T", o)
}

// fmtIn renders one input on one line, for transcripts.
func fmtIn(in Input) string {
	switch in := in.(type) {
	case Start:
		return fmt.Sprintf("Start(sdp=%s, props=%s)", in.SDP, fmtProps(in.Props))
	case Answer:
		return fmt.Sprintf("Answer(sdp=%s, props=%s)", in.SDP, fmtProps(in.Props))
	case Close:
		return fmt.Sprintf("Close(%q, t=%d)", ErrorName(in.Reason), in.MsgTime)
	case SetError:
		return fmt.Sprintf("SetError(%q)", ErrorName(in.Err))
	case SendPropsync:
		return fmt.Sprintf("SendPropsync(%s, props=%s)", reqResp(in.Resp), fmtProps(in.Props))
	case Recv:
		if in.Msg == nil {
			return fmt.Sprintf("Recv(nothing from %s/%s)", in.FromUser, in.FromClient)
		}
		return fmt.Sprintf("Recv(%s %s from %s/%s, sess=%s, t=%d, age=%d)", in.Msg.Type, reqResp(in.Msg.Resp),
			in.FromUser, in.FromClient, in.Msg.SessID, in.Msg.Time, in.Msg.Age)
	case TimerFired:
		return fmt.Sprintf("TimerFired(#%d)", in.Gen)
	case SendFailed:
		return fmt.Sprintf("SendFailed(%s %s, %q)", in.Type, reqResp(in.Resp), ErrorName(in.Err))
	}
	return in.InputName()
}

func fmtOuts(outs []Output) []string {
	s := make([]string, len(outs))
	for i, o := range outs {
		s[i] = fmtOut(o)
	}
	return s
}

func fmtProps(p Props) string {
	if p == nil {
		return "nil"
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + p[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// --- the world: clients, a fan-out backend, data channels, virtual time ---

// world is every client of one conversation plus the backend between
// them. Its clock is virtual: time moves only in advance.
type world struct {
	t       testing.TB
	now     time.Duration
	clients []*client
	queue   []delivery
	// backend counts the messages sent through the backend by type (once
	// per send, not per recipient); direct the data-channel messages.
	backend map[MsgType]int
	direct  map[MsgType]int
	// fail, when set, makes the transport refuse a message: a non-nil
	// error is fed back to the sender as SendFailed.
	fail func(from *hconn, m *Message) error
	// setupTimeout and termTimeout are the Config values of new conns.
	setupTimeout, termTimeout time.Duration
	// transcript is every Step of every conn with its outputs, compared
	// with a golden file by checkGolden.
	transcript []string
}

// client is one device: a user id and a client id, in one conversation,
// with the connections the layer above created for it.
type client struct {
	w            *world
	user, id     string
	props        Props         // local props sent in PROPSYNC
	setupTimeout time.Duration // overrides the world's when set
	conns        []*hconn
	nextSess     int
	droppedCount int // messages no connection took
}

// hconn is one Conn as the layer above holds it: its virtual timer, its
// data-channel peer and what it told the application.
type hconn struct {
	cl   *client
	conn *Conn

	timerArmed    bool
	timerGen      uint64
	timerDeadline time.Duration

	peer *hconn // the other end of the data channel, once open

	incoming    []Incoming
	answered    []Answered
	closes      []Closed
	ignored     []Ignored
	remoteProps Props // from PROPSYNC
}

// delivery is one message in flight: its encoded bytes, to one conn (a
// direct message) or to one client (a backend message).
type delivery struct {
	data       []byte
	sentAt     time.Duration
	toConn     *hconn
	toClient   *client
	fromUser   string
	fromClient string
}

func newWorld(t testing.TB, ids ...string) *world {
	w := &world{t: t, backend: map[MsgType]int{}, direct: map[MsgType]int{}}
	for _, id := range ids {
		user, cid, ok := strings.Cut(id, "/")
		if !ok {
			t.Fatalf("client id %q: want user/client", id)
		}
		w.clients = append(w.clients, &client{w: w, user: user, id: cid})
	}
	return w
}

// client returns the client named "user/client".
func (w *world) client(id string) *client {
	for _, c := range w.clients {
		if c.user+"/"+c.id == id {
			return c
		}
	}
	w.t.Fatalf("no client %s", id)
	return nil
}

// secs is the wall time in seconds at virtual time d, for message times:
// the virtual clock starts at 1000 s.
func (w *world) secs(d time.Duration) uint32 { return 1000 + uint32(d/time.Second) }

// newConn creates a Conn for c the way the layer above does: a fresh
// session id, the world's timeouts, the creation timer armed.
func (c *client) newConn() *hconn {
	c.nextSess++
	cfg := Config{
		UserID: c.user, ClientID: c.id,
		SessID:       fmt.Sprintf("s%s%s-%d", c.user, c.id, c.nextSess),
		SetupTimeout: c.w.setupTimeout, TermTimeout: c.w.termTimeout,
	}
	if c.setupTimeout != 0 {
		cfg.SetupTimeout = c.setupTimeout
	}
	conn, outs, err := New(cfg)
	if err != nil {
		c.w.t.Fatalf("New(%+v): %v", cfg, err)
	}
	h := &hconn{cl: c, conn: conn}
	c.conns = append(c.conns, h)
	h.record("New", outs)
	h.carryOut(outs)
	return h
}

// only returns c's one connection and fails the test if it has not
// exactly one.
func (c *client) only() *hconn {
	if len(c.conns) != 1 {
		c.w.t.Fatalf("%s/%s has %d connections, want 1", c.user, c.id, len(c.conns))
	}
	return c.conns[0]
}

// call starts an outgoing call on a new connection; the error is the
// transport's, as the reference's start returns it.
func (c *client) call(sdp string, props Props) (*hconn, error) {
	h := c.newConn()
	return h, h.step(Start{SDP: sdp, Props: props})
}

// step feeds one input and carries out its outputs. A send failure is fed
// back at once and returned, like the reference's synchronous send.
func (h *hconn) step(in Input) error {
	outs, err := h.conn.Step(in)
	if err != nil {
		h.record(fmtIn(in)+" refused: "+err.Error(), nil)
		return err
	}
	h.record(fmtIn(in), outs)
	return h.carryOut(outs)
}

// record appends one Step to the world's transcript.
func (h *hconn) record(in string, outs []Output) {
	w := h.cl.w
	w.transcript = append(w.transcript, fmt.Sprintf("%-7s %s/%s %s: %s",
		w.now, h.cl.user, h.cl.id, h.conn.Config().SessID, in))
	for _, o := range outs {
		w.transcript = append(w.transcript, "        -> "+fmtOut(o))
	}
	if s := h.conn.Snapshot(); len(outs) > 0 {
		w.transcript = append(w.transcript, "        = "+s.String())
	}
}

// checkGolden compares the transcript with testdata/scenarios/NAME.txt;
// with -update it rewrites the file instead (the diff is the review).
func (w *world) checkGolden(t *testing.T) {
	t.Helper()
	path := filepath.Join("testdata", "scenarios", t.Name()+".txt")
	got := strings.Join(w.transcript, "\n") + "\n"
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./econn -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, x string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				x = wl[i]
			}
			if g != x {
				t.Fatalf("transcript differs from %s at line %d:\n got  %s\n want %s\n(go test ./econn -run %s -update rewrites it)",
					path, i+1, g, x, t.Name())
			}
		}
	}
}

// carryOut does what the outputs ask. The slice belongs to the Conn and is
// reused by the next Step, so it is copied first.
func (h *hconn) carryOut(outs []Output) error {
	outs = append([]Output(nil), outs...)
	var sendErr error
	for _, o := range outs {
		switch o := o.(type) {
		case Send:
			if err := h.send(o); err != nil {
				sendErr = err
				if ferr := h.step(SendFailed{Type: o.Msg.Type, Resp: o.Msg.Resp, Err: err}); ferr != nil {
					h.cl.w.t.Fatalf("SendFailed refused: %v", ferr)
				}
			}
		case SetTimer:
			h.timerArmed, h.timerGen, h.timerDeadline = true, o.Gen, h.cl.w.now+o.After
		case CancelTimer:
			if !h.timerArmed || h.timerGen != o.Gen {
				h.cl.w.t.Errorf("CancelTimer(#%d) but timer armed=%t #%d", o.Gen, h.timerArmed, h.timerGen)
			}
			h.timerArmed = false
		case Incoming:
			h.incoming = append(h.incoming, o)
		case Answered:
			h.answered = append(h.answered, o)
		case Closed:
			h.closes = append(h.closes, o)
		case Ignored:
			h.ignored = append(h.ignored, o)
		}
	}
	return sendErr
}

// send carries out a Send: through the backend to every other client of
// the conversation, or over the data channel to the paired conn. The
// message is encoded here and decoded on delivery.
func (h *hconn) send(o Send) error {
	w := h.cl.w
	if want, _ := TransportFor(o.Msg.Type); want != o.Via {
		w.t.Errorf("%s sent via %s, want %s", o.Msg.Type, o.Via, want)
	}
	if o.Msg.SessID != h.conn.Config().SessID {
		w.t.Errorf("%s carries session %q, want the local %q", o.Msg.Type, o.Msg.SessID, h.conn.Config().SessID)
	}
	if w.fail != nil {
		if err := w.fail(h, o.Msg); err != nil {
			return err
		}
	}
	data, err := o.Msg.Encode()
	if err != nil {
		w.t.Fatalf("encode %s: %v", o.Msg.Type, err)
	}
	if o.Via == TransportDirect {
		if h.peer == nil {
			return fmt.Errorf("%w: no data channel for %s", ErrDataChannel, o.Msg.Type)
		}
		w.direct[o.Msg.Type]++
		w.queue = append(w.queue, delivery{data: data, sentAt: w.now, toConn: h.peer})
		return nil
	}
	w.fanOut(h.cl, o.Msg.Type, data)
	return nil
}

// fanOut is the backend: it queues data for every client of the
// conversation except the sender, stamped with the sender's ids.
func (w *world) fanOut(from *client, typ MsgType, data []byte) {
	w.backend[typ]++
	for _, c := range w.clients {
		if c == from {
			continue
		}
		w.queue = append(w.queue, delivery{data: data, sentAt: w.now, toClient: c,
			fromUser: from.user, fromClient: from.id})
	}
}

// run delivers every queued message, including those sent in reaction,
// until nothing is in flight.
func (w *world) run() {
	for len(w.queue) > 0 {
		w.deliverOne()
	}
}

// deliverOne delivers the oldest message in flight.
func (w *world) deliverOne() {
	d := w.queue[0]
	w.queue = w.queue[1:]
	m, err := Decode(d.data, w.secs(w.now), w.secs(d.sentAt))
	if err != nil {
		w.t.Fatalf("decode %s: %v", d.data, err)
	}
	if d.toConn != nil {
		d.toConn.recvDirect(m)
		return
	}
	d.toClient.recvBackend(d.fromUser, d.fromClient, m)
}

// recvBackend routes a backend message as the layer above does.
func (c *client) recvBackend(fromUser, fromClient string, m *Message) {
	if strings.EqualFold(fromUser, c.user) {
		// Another device of mine: only its SETUP response matters, it
		// means that device answered, so stop ringing here.
		if m.Type == MsgSetup && m.Resp {
			for _, h := range c.conns {
				if h.conn.State() == StatePendingIncoming {
					h.step(Close{Reason: ErrCanceled, MsgTime: m.Time})
				}
			}
		}
		return
	}
	h := c.route(fromUser, fromClient)
	if h == nil {
		if m.Type != MsgSetup || m.Resp {
			c.droppedCount++
			return
		}
		h = c.newConn()
	}
	h.step(Recv{FromUser: fromUser, FromClient: fromClient, Msg: m})
}

// route picks the conn for a message from (user, client): the one bound to
// that client; else the conversation's call in progress, whose ECONN
// checks the sender itself (an outgoing call learns its remote client from
// the answer; a second caller's SETUP is refused as from the wrong client).
func (c *client) route(user, cid string) *hconn {
	for _, h := range c.conns {
		s := h.conn.Snapshot()
		if strings.EqualFold(s.UserRemote, user) && strings.EqualFold(s.ClientRemote, cid) {
			return h
		}
	}
	for i := len(c.conns) - 1; i >= 0; i-- {
		if c.conns[i].conn.State() != StateTerminating {
			return c.conns[i]
		}
	}
	return nil
}

// recvDirect handles a data-channel message: PROPSYNC here, as the layer
// above does, everything else to the ECONN with its remote ids.
func (h *hconn) recvDirect(m *Message) {
	s := h.conn.Snapshot()
	if m.Type == MsgPropsync {
		h.remoteProps = m.Props
		if !m.Resp && s.State == StateDataChanEstablished {
			h.step(SendPropsync{Resp: true, Props: h.cl.localProps()})
		}
		return
	}
	h.step(Recv{FromUser: s.UserRemote, FromClient: s.ClientRemote, Msg: m})
}

func (c *client) localProps() Props {
	if c.props == nil {
		return Props{}
	}
	return c.props
}

// openDataChannel pairs two conns of one call and tells both that the
// data channel is up; each then sends its props (PROPSYNC request).
func (w *world) openDataChannel(a, b *hconn) {
	a.peer, b.peer = b, a
	for _, h := range []*hconn{a, b} {
		h.step(DataChanEstablished{})
		if h.conn.State() == StateDataChanEstablished {
			h.step(SendPropsync{Props: h.cl.localProps()})
		}
	}
	w.run()
}

// advance moves the virtual clock by d, firing due timers in deadline
// order and delivering what they cause.
func (w *world) advance(d time.Duration) {
	end := w.now + d
	for {
		var next *hconn
		for _, c := range w.clients {
			for _, h := range c.conns {
				if h.timerArmed && h.timerDeadline <= end &&
					(next == nil || h.timerDeadline < next.timerDeadline) {
					next = h
				}
			}
		}
		if next == nil {
			break
		}
		w.now = next.timerDeadline
		next.timerArmed = false
		next.step(TimerFired{Gen: next.timerGen})
		w.run()
	}
	w.now = end
}

// --- assertions used by the scenarios ---

func (h *hconn) name() string {
	return h.cl.user + h.cl.id + "<->" + h.conn.Snapshot().UserRemote + h.conn.Snapshot().ClientRemote
}

func (h *hconn) wantState(t testing.TB, s State) {
	t.Helper()
	if got := h.conn.State(); got != s {
		t.Errorf("%s: state %s, want %s", h.name(), got, s)
	}
}

func (h *hconn) wantDir(t testing.TB, d Dir) {
	t.Helper()
	if got := h.conn.Snapshot().Dir; got != d {
		t.Errorf("%s: direction %s, want %s", h.name(), got, d)
	}
}

// wantCloses checks the Closed notifications, by reason name in order.
func (h *hconn) wantCloses(t testing.TB, reasons ...error) {
	t.Helper()
	got := make([]string, len(h.closes))
	for i, c := range h.closes {
		got[i] = ErrorName(c.Reason)
	}
	want := make([]string, len(reasons))
	for i, r := range reasons {
		want[i] = ErrorName(r)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || len(got) != len(want) {
		t.Errorf("%s: closed %d times with %q, want %d times with %q", h.name(), len(got), got, len(want), want)
	}
	if len(want) > 0 && !errors.Is(h.closes[0].Reason, reasons[0]) {
		t.Errorf("%s: close reason %v is not %v", h.name(), h.closes[0].Reason, reasons[0])
	}
}

func (h *hconn) wantCounts(t testing.TB, incoming, answered int) {
	t.Helper()
	if len(h.incoming) != incoming || len(h.answered) != answered {
		t.Errorf("%s: %d incoming, %d answered; want %d, %d",
			h.name(), len(h.incoming), len(h.answered), incoming, answered)
	}
}

// wantTraffic checks the backend counts: pairs of type and count; every
// type not listed must have gone through zero times.
func (w *world) wantBackend(t testing.TB, counts map[MsgType]int) {
	t.Helper()
	for _, typ := range msgTypes {
		if w.backend[typ] != counts[typ] {
			t.Errorf("backend carried %d %s, want %d", w.backend[typ], typ, counts[typ])
		}
	}
}
