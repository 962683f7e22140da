package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// DefaultMediaDelay is how long a simulated data channel takes to open
// once both sides have each other's SDP.
const DefaultMediaDelay = 20 * time.Millisecond

// World is one simulated conversation: its clients, the virtual clock, the
// fan-out backend with its faults and the fake media.
type World struct {
	clock    Clock
	rng      *rand.Rand
	clients  []*simClient
	byEP     map[eventlog.Endpoint]*simClient
	rules    []*rule
	held     []func() // reordered messages, released after the next send
	legs     []*leg
	sessions map[string]bool
	rec      ecall.Recorder
	observe  func(eventlog.Event)
	// recorded holds each connection's recorded event types in order,
	// for the expectations on them (sequence=, count.TYPE=); nil unless a
	// scenario has such expectations.
	recorded map[string][]string

	// Backend and Direct count the messages that went through the backend
	// and over data channels, by type.
	Backend, Direct map[econn.MsgType]int
	errs            []error
}

type simClient struct {
	w          *World
	ep         eventlog.Endpoint
	cfg        ecall.Config
	client     *ecall.Client
	mediaDelay time.Duration
	mediaMode  string // ok, fail, block, no-rtp
	// clockOffset is how far the device's clock is from the world's: its
	// events are recorded, and its decoder's current time read, on it.
	clockOffset time.Duration
}

func newWorld(clients []eventlog.Endpoint, seed int64, rec ecall.Recorder) *World {
	w := &World{
		rng:      rand.New(rand.NewPCG(uint64(seed), 0x63616c6c726563)),
		byEP:     map[eventlog.Endpoint]*simClient{},
		sessions: map[string]bool{},
		rec:      rec,
		Backend:  map[econn.MsgType]int{},
		Direct:   map[econn.MsgType]int{},
	}
	for _, ep := range clients {
		sc := &simClient{w: w, ep: ep, mediaDelay: DefaultMediaDelay, mediaMode: "ok"}
		sc.cfg = ecall.Config{Self: ep, NewSessID: w.newSessID}
		w.clients = append(w.clients, sc)
		w.byEP[ep] = sc
	}
	return w
}

// start creates the ecall clients once their configuration is final.
func (w *World) start(sc *simClient) error {
	if sc.client != nil {
		return nil
	}
	var clock ecall.Clock = &w.clock
	if sc.clockOffset != 0 {
		clock = skewedClock{&w.clock, sc.clockOffset}
	}
	env := ecall.Env{
		Clock: clock, Backend: backendOf{sc}, Media: mediaOf{sc},
		Recorder: w.rec,
		OnError:  func(err error) { w.errs = append(w.errs, err) },
	}
	if w.observe != nil {
		env.Observe = w.observe
	}
	c, err := ecall.NewClient(sc.cfg, env)
	if err != nil {
		return err
	}
	sc.client = c
	return nil
}

const sessAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newSessID draws a 4-character session id from the seeded source, never
// one the world has handed out before.
func (w *World) newSessID() string {
	for {
		b := make([]byte, 4)
		for i := range b {
			b[i] = sessAlphabet[w.rng.IntN(len(sessAlphabet))]
		}
		if s := string(b); !w.sessions[s] {
			w.sessions[s] = true
			return s
		}
	}
}

// --- backend ---------------------------------------------------------------

type backendOf struct{ sc *simClient }

func (b backendOf) SendBackend(data []byte) error { return b.sc.w.sendBackend(b.sc, data) }

// errInjected is the failure a fail-send fault returns: an I/O error, so
// that it has a stable name in logs and close reasons.
var errInjected = fmt.Errorf("injected transport failure: %w", econn.ErrIO)

// sendBackend fans a message out to every other client, stamped with the
// sender's ids and the server time, through the fault rules.
func (w *World) sendBackend(from *simClient, data []byte) error {
	m, _ := econn.Decode(data, w.clock.Unix(), w.clock.Unix())
	hits := w.hits(from.ep, eventlog.Endpoint{}, m, econn.TransportBackend)
	if hits.failSend {
		return fmt.Errorf("backend send: %w", errInjected)
	}
	if m != nil {
		w.Backend[m.Type]++
	}
	serverTime := w.clock.Unix()
	var deliveries []func()
	for _, to := range w.clients {
		if to == from {
			continue
		}
		h := hits.merge(w.hits(from.ep, to.ep, m, econn.TransportBackend))
		to := to
		deliver := func() { to.client.RecvBackend(from.ep, serverTime, data) }
		deliveries = append(deliveries, w.plan(h, deliver)...)
	}
	w.dispatch(hits.reorder, deliveries)
	return nil
}

// effect is what the fault rules do to one message.
type effect struct {
	drop, duplicate, reorder, failSend bool
	delay                              time.Duration
}

// hits applies the rules to a message from from to to (zero: the whole
// fan-out, for rules without to=).
func (w *World) hits(from, to eventlog.Endpoint, m *econn.Message, via econn.Transport) effect {
	var e effect
	for _, r := range w.rules {
		wholeFanout := to == (eventlog.Endpoint{})
		if wholeFanout != (r.to == nil) && via == econn.TransportBackend {
			continue
		}
		if !r.matches(from, to, m, via, w.rng) {
			continue
		}
		r.use()
		switch r.kind {
		case "drop":
			e.drop = true
		case "delay":
			e.delay += r.by
		case "duplicate":
			e.duplicate = true
		case "reorder":
			e.reorder = true
		case "fail-send":
			e.failSend = true
		}
	}
	return e
}

// merge adds a recipient's own effects to the fan-out's.
func (e effect) merge(o effect) effect {
	e.drop = e.drop || o.drop
	e.duplicate = e.duplicate || o.duplicate
	e.delay += o.delay
	return e
}

// plan turns a delivery into what to schedule, after drop and duplicate.
func (w *World) plan(e effect, deliver func()) []func() {
	if e.drop {
		return nil
	}
	at := w.clock.now + e.delay
	one := func() { w.clock.schedule(at, deliver) }
	if e.duplicate {
		return []func(){one, one}
	}
	return []func(){one}
}

// dispatch schedules deliveries now, or holds them until the next message
// when reordered, so that the next one overtakes them.
func (w *World) dispatch(reorder bool, deliveries []func()) {
	if reorder {
		w.held = append(w.held, deliveries...)
		return
	}
	for _, d := range deliveries {
		d()
	}
	w.releaseHeld()
}

func (w *World) releaseHeld() {
	held := w.held
	w.held = nil
	for _, d := range held {
		d()
	}
}

// --- media -----------------------------------------------------------------

type mediaOf struct{ sc *simClient }

func (m mediaOf) NewLeg(conn string, remote eventlog.Endpoint) (ecall.Leg, error) {
	w := m.sc.w
	l := &leg{w: w, owner: m.sc, conn: conn, id: len(w.legs) + 1}
	w.legs = append(w.legs, l)
	return l, nil
}

// recordTypes returns an observer that keeps every connection's recorded
// event types, then passes the event on to next (if any).
func (w *World) recordTypes(next func(eventlog.Event)) func(eventlog.Event) {
	w.recorded = map[string][]string{}
	return func(ev eventlog.Event) {
		if ev.Conn != "" {
			w.recorded[ev.Conn] = append(w.recorded[ev.Conn], ev.Type)
		}
		if next != nil {
			next(ev)
		}
	}
}
