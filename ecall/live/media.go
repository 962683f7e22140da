package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// CloseLinger is how long a leg whose data channel is open keeps its peer
// connection after Close, so that what it just sent gets out: a callee
// closes its leg in the very step that sends the HANGUP response, and
// pion's close would otherwise overtake the response, leaving the caller
// to wait out its terminate timer.
const CloseLinger = 200 * time.Millisecond

// DefaultGatherTimeout bounds one offer or answer: pion's ICE gathering
// takes milliseconds on loopback, seconds when a STUN server is slow.
const DefaultGatherTimeout = 10 * time.Second

// Media is ecall.Media over pion: each leg is one mediaflow.Flow. A Flow's
// events are posted into the device's loop and translated there into the
// ecall.MediaEvents the client expects; the rest (ICE, DTLS and connection
// states, statistics) become notes. Every method runs on the loop.
type Media struct {
	opts    mediaflow.Options
	loop    *Loop
	clock   ecall.Clock
	deliver func(sess string, ev ecall.MediaEvent) // the client's MediaEvent

	// GatherTimeout bounds each offer and answer (DefaultGatherTimeout).
	GatherTimeout time.Duration

	legs    map[string]*Leg // by connection, never removed: stats outlive a call
	shut    bool
	closing sync.WaitGroup // flows closing in the background

	// self is the device: of the two ends of a connection whose ICE
	// failed, the glare winner (econn.IsWinner) offers the ICE restart
	// and the other waits for it, so that the two restarts never cross.
	self eventlog.Endpoint
	// restart sends the UPDATE that restarts ICE (the client's Update);
	// nil: a leg whose ICE failed fails at once.
	restart func() error
	// remoteOf returns the remote client of a connection as the client
	// knows it now (a caller's leg is made before anyone answered).
	remoteOf func(conn string) eventlog.Endpoint
	// RestartTimeout bounds an ICE restart (DefaultRestartTimeout): a leg
	// whose ICE has not connected again within it fails.
	RestartTimeout time.Duration

	keepSpare bool // build a leg ahead while no leg is open (KeepSpare)
	spare     *Leg // built ahead, taken by the next NewLeg; nil if none
	// SpareDelay is how long after its last leg closed the media builds a
	// spare again (DefaultSpareDelay).
	SpareDelay time.Duration
	refill     ecall.Stopper // the pending rebuild of a spare; nil if none
}

// DefaultRestartTimeout bounds an ICE restart: from ICE failing to ICE
// connected again. It is the window of the media timers a call is set up
// within (ecall's DefaultDataChanTimeout): a leg gets as long to find a
// path again as it had to find one first.
const DefaultRestartTimeout = 10 * time.Second

// ErrICERestartFailed is the media failure of a leg whose ICE failed and
// did not connect again within RestartTimeout.
var ErrICERestartFailed = errors.New("live: ICE failed and the ICE restart found no path")

// DefaultSpareDelay is how long a device waits after its call ended
// before it builds a spare leg for the next one. A device that closes
// right after its call, as "callrec call" does, then builds none: building
// one at once cost every call a peer connection it threw away, about a
// tenth of what the call allocated. A second is still well before a next
// call is made or received in practice.
const DefaultSpareDelay = time.Second

// NewMedia returns media whose legs use opts and deliver their events, on
// loop, to deliver (normally the client's MediaEvent).
func NewMedia(opts mediaflow.Options, loop *Loop, clock ecall.Clock,
	deliver func(sess string, ev ecall.MediaEvent)) *Media {
	return &Media{
		opts: opts, loop: loop, clock: clock, deliver: deliver,
		GatherTimeout:  DefaultGatherTimeout,
		SpareDelay:     DefaultSpareDelay,
		RestartTimeout: DefaultRestartTimeout,
		legs:           make(map[string]*Leg),
	}
}

// NewLeg implements ecall.Media: a new peer connection for connection conn.
func (m *Media) NewLeg(conn string, remote eventlog.Endpoint) (ecall.Leg, error) {
	if m.shut {
		return nil, mediaflow.ErrClosed
	}
	l := m.spare
	m.spare = nil
	m.stopRefill()
	if l == nil {
		l = m.build()
	}
	l.conn, l.remote = conn, remote
	m.legs[conn] = l
	return l, nil
}

// build starts building a leg's peer connection in the background: a
// callee's is then ready while its device rings, and the SETUP's step does
// not wait for it. Offer, Accept and the rest wait for it (see await).
func (m *Media) build() *Leg {
	l := &Leg{m: m, gen: 1, ready: make(chan struct{})}
	opts := m.flowOptions()
	m.closing.Add(1)
	go func() {
		defer m.closing.Done()
		defer close(l.ready)
		l.flow, l.err = l.create(opts, 1)
	}()
	return l
}

// certRenewal is how long before its certificate expires a device makes a
// new one: a DTLS handshake with an expired certificate fails.
const certRenewal = 24 * time.Hour

// flowOptions returns the options of the next Flow, on the loop. A shared
// certificate close to expiry (pion's are valid for a month) is replaced
// first, so that a device running for weeks keeps making calls.
func (m *Media) flowOptions() mediaflow.Options {
	if c := m.opts.Certificate; c != nil && time.Until(c.Expires()) < certRenewal {
		if fresh, err := mediaflow.NewCertificate(); err == nil {
			m.opts.Certificate = fresh
		} // else keep it: the call fails with pion's error, and says why
	}
	return m.opts
}

// KeepSpare makes the media keep one leg built ahead whenever no leg is
// open: the next call, made or received, starts with its peer connection
// ready, as it would with a bare pion pair built before the call. A device
// has one call at a time, so while it has a call no spare is kept and a
// call costs no more memory than without one. It builds the first spare
// now; after a call, the next one SpareDelay after the call's last leg
// closed.
func (m *Media) KeepSpare() {
	m.keepSpare = true
	m.buildSpare()
}

// refillSpare schedules a new spare after a leg closed, if one should be
// kept and none is, or is about to be.
func (m *Media) refillSpare() {
	if !m.keepSpare || m.shut || m.spare != nil || m.refill != nil {
		return
	}
	m.refill = m.clock.AfterFunc(m.SpareDelay, func() {
		m.refill = nil
		m.buildSpare()
	})
}

// stopRefill cancels a scheduled spare.
func (m *Media) stopRefill() {
	if m.refill != nil {
		m.refill.Stop()
		m.refill = nil
	}
}

// buildSpare builds a spare leg if one should be kept and none is.
func (m *Media) buildSpare() {
	if !m.keepSpare || m.shut || m.spare != nil {
		return
	}
	for _, l := range m.legs {
		if !l.closed {
			return // a call is in progress
		}
	}
	m.spare = m.build()
}

// Leg returns the leg of connection conn, or nil.
func (m *Media) Leg(conn string) *Leg { return m.legs[conn] }

// Close closes every leg; the flows finish closing in the background
// (Wait waits for them). Legs created later fail.
func (m *Media) Close() {
	m.shut = true
	m.stopRefill()
	for _, l := range m.legs {
		l.Close()
	}
	if m.spare != nil {
		m.spare.Close()
		m.spare = nil
	}
}

// Wait returns once every flow closed by Close or Leg.Close has finished
// closing. Call it off the loop: a closing flow still posts its last
// events there.
func (m *Media) Wait() { m.closing.Wait() }

// closeFlow closes f, after linger, without holding up the loop: pion's
// graceful close waits for its goroutines and the peer's DTLS close.
func (m *Media) closeFlow(f *mediaflow.Flow, linger time.Duration) {
	m.closing.Add(1)
	go func() {
		defer m.closing.Done()
		if linger > 0 {
			time.Sleep(linger)
		}
		_ = f.Close()
	}()
}

// Leg is the media of one connection: the current Flow and what the loop
// knows of it. Its methods run on the loop.
type Leg struct {
	m      *Media
	conn   string
	remote eventlog.Endpoint

	flow  *mediaflow.Flow
	gen   int           // the Flow's generation: events of replaced flows are dropped
	ready chan struct{} // closed once the first Flow is built (or failed to be)
	err   error         // why the first Flow could not be built

	negotiated    bool // one offer/answer exchange has completed
	renegotiating bool // a Reoffer waits for its answer
	dcOpen        bool
	closed        bool

	openedAt time.Duration // the data channel first opened (clock time; 0: never)
	stats    mediaflow.Stats

	restart *iceRestart // the ICE restart in progress; nil if none
}

// iceRestart is an ICE restart in progress on a leg whose ICE failed.
type iceRestart struct {
	offerer  bool          // this end offers the restart (else it waits for the peer's)
	offered  bool          // the restart offer was made
	started  time.Duration // when ICE failed, on the device's clock
	deadline ecall.Stopper // fails the leg when ICE does not connect again
}

// create builds a Flow of generation gen whose events go to the loop.
func (l *Leg) create(opts mediaflow.Options, gen int) (*mediaflow.Flow, error) {
	return mediaflow.New(opts, func(ev mediaflow.Event) {
		l.m.loop.Post(func() { l.onEvent(gen, ev) })
	})
}

// await waits until the first Flow is built and returns why it could not
// be.
func (l *Leg) await() error {
	<-l.ready
	return l.err
}

// newFlow replaces the leg's Flow with a fresh one.
func (l *Leg) newFlow() error {
	l.gen++
	f, err := l.create(l.m.flowOptions(), l.gen)
	if err != nil {
		return err
	}
	l.flow = f
	l.dcOpen = false
	return nil
}

func (l *Leg) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), l.m.GatherTimeout)
}

// Offer implements ecall.Leg.
func (l *Leg) Offer() (string, error) {
	if err := l.await(); err != nil {
		return "", err
	}
	ctx, cancel := l.ctx()
	defer cancel()
	return l.flow.CreateOffer(ctx)
}

// Accept implements ecall.Leg: the answer to a SETUP or an UPDATE. A Flow
// that has an offer of its own out has lost a glare. The loser of a SETUP
// glare answers with a new Flow and drops the old one (nothing is up
// yet, and its offer was applied to gather candidates). The loser of an
// UPDATE glare rolls its re-offer back, which the winner dropped, and
// answers the winner's on the same Flow: the call stays up. Only a
// rollback that fails is a media failure (mediaflow.ErrRollbackFailed),
// which ecall records and closes the connection on.
func (l *Leg) Accept(offer string) (string, error) {
	if err := l.await(); err != nil {
		return "", err
	}
	ctx, cancel := l.ctx()
	defer cancel()
	update := l.negotiated
	sdp, err := l.flow.Accept(ctx, offer)
	if errors.Is(err, mediaflow.ErrOfferPending) && update {
		if rerr := l.flow.Rollback(); rerr != nil {
			return "", fmt.Errorf("answer the peer's UPDATE while our own re-offer is out: %w", rerr)
		}
		l.renegotiating = false
		l.note("media.rollback", "own re-offer rolled back to answer the peer's UPDATE (glare lost)", nil)
		sdp, err = l.flow.Accept(ctx, offer)
	} else if errors.Is(err, mediaflow.ErrOfferPending) {
		l.note("media.flow", "own offer pending: answer the peer's offer on a new peer connection", nil)
		l.m.closeFlow(l.flow, 0)
		if err := l.newFlow(); err != nil {
			return "", err
		}
		update = false
		sdp, err = l.flow.Accept(ctx, offer)
	}
	if err != nil {
		return "", err
	}
	l.negotiated = true
	if update {
		l.renegotiated()
	}
	return sdp, nil
}

// SetAnswer implements ecall.Leg.
func (l *Leg) SetAnswer(answer string) error {
	if err := l.await(); err != nil {
		return err
	}
	if err := l.flow.SetAnswer(answer); err != nil {
		return err
	}
	l.negotiated = true
	if l.renegotiating {
		l.renegotiating = false
		l.renegotiated()
	}
	return nil
}

// Reoffer implements ecall.Leg.
func (l *Leg) Reoffer() (string, error) {
	if err := l.await(); err != nil {
		return "", err
	}
	ctx, cancel := l.ctx()
	defer cancel()
	reoffer := l.flow.Reoffer
	if r := l.restart; r != nil && r.offerer && !r.offered {
		reoffer, r.offered = l.flow.RestartOffer, true
	}
	sdp, err := reoffer(ctx)
	if err == nil {
		l.renegotiating = true
	}
	return sdp, err
}

// renegotiated reports the end of an UPDATE's exchange. ecall expects the
// data channel to report open again (the ECONN went back to Answered and
// waits for it); pion keeps the channel up through renegotiation, so the
// leg says so itself, after the step that got here.
func (l *Leg) renegotiated() {
	gen := l.gen
	l.m.loop.Post(func() {
		if l.closed || gen != l.gen {
			return
		}
		l.note("media.renegotiated", "media renegotiated", nil)
		if l.dcOpen {
			l.m.deliver(l.conn, ecall.MediaEvent{Type: ecall.MediaDataChanOpen})
		}
	})
}

// SendDirect implements ecall.Leg.
func (l *Leg) SendDirect(data []byte) error {
	if err := l.await(); err != nil {
		return err
	}
	return l.flow.SendData(data)
}

// SetVideo implements ecall.Leg.
func (l *Leg) SetVideo(on bool) error {
	if err := l.await(); err != nil {
		return err
	}
	return l.flow.SetVideo(on)
}

// Close implements ecall.Leg: it keeps the final statistics, records them
// (after the step that closed the leg) and closes the Flow.
func (l *Leg) Close() {
	if l.closed {
		return
	}
	l.closed = true
	if l.restart != nil {
		l.restart.deadline.Stop()
		l.restart = nil
	}
	defer l.m.refillSpare() // the device may have no call any more
	select {
	case <-l.ready:
	default:
		// Closed before its peer connection was built (a call that
		// stopped ringing at once): close it once it is.
		l.m.closing.Add(1)
		go func() {
			defer l.m.closing.Done()
			if l.await() == nil {
				_ = l.flow.Close()
			}
		}()
		return
	}
	if l.err != nil {
		return
	}
	if l.conn == "" { // an unused spare: nothing to report
		l.m.closeFlow(l.flow, 0)
		return
	}
	l.stats = latest(l.stats, l.flow.Stats())
	linger := time.Duration(0)
	if l.dcOpen {
		linger = CloseLinger
	}
	l.dcOpen = false
	l.m.closeFlow(l.flow, linger)
	text, attrs := statsNote(l.stats)
	attrs["final"] = "true"
	l.m.loop.Post(func() { l.note("media.stats", "final: "+text, attrs) })
}

// latest merges the final counters into the last report, stream by
// stream: pion forgets a sent stream's counters once the peer has closed
// the connection, and the last report is then the better figure.
func latest(last, final mediaflow.Stats) mediaflow.Stats {
	pick := func(a, b mediaflow.StreamStats) mediaflow.StreamStats {
		if b.Packets >= a.Packets {
			return b
		}
		return a
	}
	final.AudioSent = pick(last.AudioSent, final.AudioSent)
	final.AudioRecv = pick(last.AudioRecv, final.AudioRecv)
	final.VideoSent = pick(last.VideoSent, final.VideoSent)
	final.VideoRecv = pick(last.VideoRecv, final.VideoRecv)
	return final
}

// Stats returns the leg's statistics: the last report while it runs, the
// final counters once closed.
func (l *Leg) Stats() mediaflow.Stats { return l.stats }

// OpenedAt returns when the data channel first opened, on the device's
// clock, and whether it did.
func (l *Leg) OpenedAt() (time.Duration, bool) { return l.openedAt, l.openedAt != 0 }

// onEvent translates one event of the Flow of generation gen.
func (l *Leg) onEvent(gen int, ev mediaflow.Event) {
	if l.closed || gen != l.gen || l.conn == "" {
		return // a closed or replaced Flow's last words, or a spare's
	}
	deliver := func(t ecall.MediaEventType) { l.m.deliver(l.conn, ecall.MediaEvent{Type: t}) }
	switch e := ev.(type) {
	case mediaflow.DataChannelOpen:
		l.dcOpen = true
		if l.openedAt == 0 {
			l.openedAt = l.m.clock.Since()
		}
		deliver(ecall.MediaDataChanOpen)
	case mediaflow.DataChannelMessage:
		l.m.deliver(l.conn, ecall.MediaEvent{Type: ecall.MediaDataChanMessage, Data: e.Data})
	case mediaflow.DataChannelClosed:
		l.dcOpen = false
		deliver(ecall.MediaDataChanClosed)
	case mediaflow.ConnectionStateChanged:
		l.note("media.connection", "peer connection "+e.State, map[string]string{"state": e.State})
		if e.State == "connected" { // ICE and DTLS are both up
			deliver(ecall.MediaConnected)
		}
	case mediaflow.CandidatePairSelected:
		text, attrs := pairNote(e)
		l.note("media.ice-pair", text, attrs)
	case mediaflow.ICEStateChanged:
		l.note("media.ice", "ICE "+e.State, map[string]string{"state": e.State})
		if e.State == "connected" && l.restart != nil {
			l.restartDone(true)
		}
	case mediaflow.DTLSStateChanged:
		l.note("media.dtls", "DTLS "+e.State, map[string]string{"state": e.State})
	case mediaflow.FirstRTP:
		if e.Kind == "audio" {
			deliver(ecall.MediaStarted)
		} else {
			l.note("media.first-rtp", "first "+e.Kind+" packet received", map[string]string{"kind": e.Kind})
		}
	case mediaflow.MediaFailed:
		if errors.Is(e.Err, mediaflow.ErrConnectionFailed) && l.restartICE() {
			return // the restart's outcome decides
		}
		l.m.deliver(l.conn, ecall.MediaEvent{Type: ecall.MediaFailed, Err: e.Err})
	case mediaflow.StatsReport:
		l.stats = latest(l.stats, e.Stats)
		text, attrs := statsNote(e.Stats)
		l.note("media.stats", text, attrs)
	default:
		l.note("media."+ev.EventName(), fmt.Sprintf("%s %+v", ev.EventName(), ev), nil)
	}
}

// note records a note on the leg's connection.
func (l *Leg) note(typ, text string, attrs map[string]string) {
	n := &ecall.Note{Type: typ}
	n.Text, n.Attrs = text, attrs
	l.m.deliver(l.conn, ecall.MediaEvent{Type: ecall.MediaNote, Note: n})
}

// restartICE starts an ICE restart after the leg's connection failed (a
// network change, a NAT that forgot its mapping), before anything closes
// the call: the glare winner of the two ends sends an UPDATE whose offer
// restarts ICE, the other answers it when it comes. It reports false
// when no restart can be tried (none configured, no exchange yet); the
// failure is then the leg's. A restart already in progress carries on.
func (l *Leg) restartICE() bool {
	if l.m.restart == nil || !l.negotiated || l.closed {
		return false
	}
	if l.restart != nil {
		return true
	}
	remote := l.remote
	if l.m.remoteOf != nil {
		remote = l.m.remoteOf(l.conn)
	}
	r := &iceRestart{
		offerer: econn.IsWinner(l.m.self.User, l.m.self.Client, remote.User, remote.Client),
		started: l.m.clock.Since(),
	}
	l.restart = r
	r.deadline = l.m.clock.AfterFunc(l.m.RestartTimeout, func() {
		if l.restart == r {
			l.restartDone(false)
		}
	})
	attrs := map[string]string{"outcome": "started", "role": "answer"}
	if !r.offerer {
		l.note("media.ice-restart", "ICE failed: waiting for the peer's ICE restart", attrs)
		return true
	}
	attrs["role"] = "offer"
	l.note("media.ice-restart", "ICE failed: restarting ICE through an UPDATE", attrs)
	if err := l.m.restart(); err != nil && l.restart == r {
		// The UPDATE could not go out (the ECONN is not established):
		// the leg fails now rather than at the deadline.
		l.note("media.ice-restart", "ICE restart not sent: "+err.Error(), map[string]string{"outcome": "not-sent"})
		l.restartDone(false)
	}
	return true
}

// restartDone ends the ICE restart in progress: ICE connected again
// (ok), or the deadline passed and the leg fails with
// ErrICERestartFailed.
func (l *Leg) restartDone(ok bool) {
	r := l.restart
	l.restart = nil
	r.deadline.Stop()
	took := l.m.clock.Since() - r.started
	attrs := map[string]string{"after_ms": strconv.FormatInt(took.Milliseconds(), 10)}
	if ok {
		attrs["outcome"] = "recovered"
		l.note("media.ice-restart", fmt.Sprintf("ICE connected again %s after it failed", took.Round(time.Millisecond)), attrs)
		return
	}
	attrs["outcome"] = "failed"
	l.note("media.ice-restart", fmt.Sprintf("ICE restart failed: no path %s after ICE failed", took.Round(time.Millisecond)), attrs)
	l.m.deliver(l.conn, ecall.MediaEvent{Type: ecall.MediaFailed,
		Err: fmt.Errorf("%w (within %v)", ErrICERestartFailed, l.m.RestartTimeout)})
}
