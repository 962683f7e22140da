package live

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// LogOptions are the event log options for recording live calls. A live
// call records a burst of events while it is set up and torn down and, in
// between, a statistics note a second per leg; each group commit costs two
// fsyncs and ~0.7 ms of CPU on the project's machines, so with the log's
// 10 ms default nearly every event would commit on its own. Here inputs
// and outputs wait up to a second and notes up to five: a steady call
// commits once every five seconds, and a process crash loses at most the
// last second of inputs and outputs and five of notes.
func LogOptions() *eventlog.Options {
	return &eventlog.Options{BatchDelay: time.Second, NoteDelay: 5 * time.Second}
}

// ErrClosed is returned by the commands of a closed Device.
var ErrClosed = errors.New("live: device closed")

// DeviceConfig configures NewDevice.
type DeviceConfig struct {
	// Self is the device's user and client id.
	Self eventlog.Endpoint
	// RelayURL is the relay's WebSocket endpoint (see RelayURL) and Conv
	// the conversation to join.
	RelayURL, Conv string
	// Identity is the device's identity key and E2EE key pair; nil draws
	// fresh ones (enough on an open relay only).
	Identity *relay.Identity
	// Pins are the identity keys the device expects of its peers; a peer
	// announced with another key is left out and recorded as a
	// relay.key-refused note (see relay.ClientOptions.Pins).
	Pins *relay.Members
	// OnKey hears of each member's identity key as the device first
	// accepts it (relay.ClientOptions.OnKey).
	OnKey func(m relay.Member, pinned bool)
	// Media configures every leg; nil means mediaflow.DefaultOptions()
	// (audio, loopback only).
	Media *mediaflow.Options
	// RestartTimeout bounds the ICE restart of a leg whose ICE failed
	// mid-call (0: DefaultRestartTimeout).
	RestartTimeout time.Duration
	// Client is the ecall configuration; its Self is set from Self, and a
	// nil NewSessID draws random session ids.
	Client ecall.Config
	// Recorder records the device's events (nil: none), for instance an
	// ecall.LogRecorder shared by every device of a call.
	Recorder ecall.Recorder
	// Start is the origin of the device's clock; devices recording into
	// the same call share it so their events line up. Zero means now.
	Start time.Time
	// Observe, when set, sees every recorded event, on the device's loop.
	Observe func(eventlog.Event)
	// OnError hears of failures that do not stop the device.
	OnError func(error)
	// Logger receives the relay client's diagnostics (nil: none).
	Logger *slog.Logger
}

// Device is one live client: an ecall.Client with its loop, clock, media
// and relay connection. Its methods are safe for concurrent use; each runs
// its work on the loop.
type Device struct {
	cfg     DeviceConfig
	loop    *Loop
	clock   *RealClock
	media   *Media
	backend backend
	client  *ecall.Client
	relay   *relay.Client

	conns        map[string]*connTimes // by session id; loop only
	waiters      []*waiter             // the Waits in progress; loop only
	wakeDeferred bool                  // a wakeWaiters is queued on the loop

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close
}

// connTimes are the moments of one connection the summary reports, on the
// device's clock (0: not yet).
type connTimes struct {
	setupSent, rang, answerSent, closedAt time.Duration
}

// NewDevice creates the device, connects it to the relay and joins the
// conversation. ctx bounds the dial.
func NewDevice(ctx context.Context, cfg DeviceConfig) (*Device, error) {
	if cfg.Self.User == "" || cfg.Self.Client == "" {
		return nil, errors.New("live: a device needs a user id and a client id")
	}
	if cfg.Conv == "" {
		return nil, fmt.Errorf("live: device %s needs a conversation id", cfg.Self)
	}
	id, err := identity(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	opts := mediaflow.DefaultOptions()
	if cfg.Media != nil {
		opts = *cfg.Media
	}
	if opts.Certificate == nil {
		// One DTLS certificate for all the device's calls: a callee's peer
		// connection is then built in a quarter of the time.
		if opts.Certificate, err = mediaflow.NewCertificate(); err != nil {
			return nil, fmt.Errorf("live: %s: %w", cfg.Self, err)
		}
	}
	d := &Device{
		cfg: cfg, loop: NewLoop(), conns: make(map[string]*connTimes),
		done: make(chan struct{}),
	}
	d.clock = NewRealClock(cfg.Start, d.loop)
	d.media = NewMedia(opts, d.loop, d.clock, func(sess string, ev ecall.MediaEvent) { d.client.MediaEvent(sess, ev) })
	d.media.self = cfg.Self
	d.media.restart = func() error { return d.client.Update() }
	d.media.remoteOf = func(conn string) eventlog.Endpoint {
		for _, c := range d.client.Calls() {
			if c.Sess() == conn {
				return c.Remote()
			}
		}
		return eventlog.Endpoint{}
	}
	if cfg.RestartTimeout > 0 {
		d.media.RestartTimeout = cfg.RestartTimeout
	}
	ccfg := cfg.Client
	ccfg.Self = cfg.Self
	if ccfg.NewSessID == nil {
		ccfg.NewSessID = NewSessID
	}
	d.client, err = ecall.NewClient(ccfg, ecall.Env{
		Clock: d.clock, Backend: &d.backend, Media: d.media,
		Recorder: cfg.Recorder, Observe: d.observe, OnError: cfg.OnError,
	})
	if err != nil {
		d.loop.Close()
		return nil, err
	}
	d.relay, err = relay.Dial(ctx, relay.ClientOptions{
		URL: cfg.RelayURL, Conv: cfg.Conv, Identity: id, Logger: cfg.Logger,
		Pins: cfg.Pins, OnKey: cfg.OnKey,
		OnResume: d.onRelayResume,
	}, d.onRelayMsg, d.onRelayErr)
	if err != nil {
		d.loop.Close()
		return nil, fmt.Errorf("live: %s: join %s at %s: %w", cfg.Self, cfg.Conv, cfg.RelayURL, err)
	}
	d.backend.c.Store(d.relay)
	// Only now, so that a device that failed to start leaves no spare.
	d.loop.Do(d.media.KeepSpare)
	return d, nil
}

func identity(cfg DeviceConfig) (relay.Identity, error) {
	if cfg.Identity != nil {
		if cfg.Identity.User != cfg.Self.User || cfg.Identity.Client != cfg.Self.Client {
			return relay.Identity{}, fmt.Errorf("live: identity of %s/%s given to device %s",
				cfg.Identity.User, cfg.Identity.Client, cfg.Self)
		}
		return *cfg.Identity, nil
	}
	return relay.NewIdentity(cfg.Self.User, cfg.Self.Client, nil)
}

// NewSessID draws a random session id of 8 letters and digits.
func NewSessID() string {
	// The reference draws 5 random characters; 8 keep collisions within a
	// conversation negligible and transcripts readable.
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// Self returns the device's endpoint.
func (d *Device) Self() eventlog.Endpoint { return d.cfg.Self }

// Clock returns the device's clock.
func (d *Device) Clock() *RealClock { return d.clock }

// Do runs f with the client on the device's loop and waits for it. It
// returns ErrClosed once the device is closed.
func (d *Device) Do(f func(cl *ecall.Client)) error {
	if !d.loop.Do(func() { f(d.client) }) {
		return ErrClosed
	}
	return nil
}

// do runs a client command on the loop and returns its error.
func (d *Device) do(cmd func(cl *ecall.Client) error) error {
	var err error
	if derr := d.Do(func(cl *ecall.Client) { err = cmd(cl) }); derr != nil {
		return derr
	}
	return err
}

// Start calls the conversation (ecall.Client.Start).
func (d *Device) Start() error { return d.do((*ecall.Client).Start) }

// Answer answers the first ringing connection (ecall.Client.Answer).
func (d *Device) Answer() error { return d.do((*ecall.Client).Answer) }

// End ends every connection (ecall.Client.End).
func (d *Device) End() error { return d.do((*ecall.Client).End) }

// Update renegotiates media on the established connections.
func (d *Device) Update() error { return d.do((*ecall.Client).Update) }

// WaitMembers waits until the conversation's roster has at least n
// members, this device included: a message sent earlier would not reach
// the late ones.
func (d *Device) WaitMembers(ctx context.Context, n int) error {
	return d.relay.WaitRoster(ctx, func(m []relay.Member) bool { return len(m) >= n })
}

// Members returns the conversation's roster.
func (d *Device) Members() []relay.Member { return d.relay.Roster() }

// Wait waits until cond holds for the device's connections, checking it
// on the device's loop after every step that recorded an event (cond must
// not call the Device); it returns ctx's error or ErrClosed.
func (d *Device) Wait(ctx context.Context, cond func([]CallInfo) bool) error {
	w := &waiter{cond: cond, done: make(chan struct{})}
	if err := d.Do(func(*ecall.Client) {
		if cond(d.callsOnLoop()) {
			close(w.done)
			return
		}
		d.waiters = append(d.waiters, w)
	}); err != nil {
		return err
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		d.loop.Post(func() { d.waiters = slices.DeleteFunc(d.waiters, func(x *waiter) bool { return x == w }) })
		return ctx.Err()
	case <-d.done:
		return ErrClosed
	}
}

// waiter is one Wait in progress.
type waiter struct {
	cond func([]CallInfo) bool
	done chan struct{} // closed once cond held
}

// wakeWaiters checks the conditions of the Waits in progress, on the loop,
// after a step that recorded events. Checking here rather than in the
// waiting goroutines spares the loop a round trip per event and waiter
// while a call is set up.
func (d *Device) wakeWaiters() {
	if len(d.waiters) == 0 {
		return
	}
	calls := d.callsOnLoop()
	d.waiters = slices.DeleteFunc(d.waiters, func(w *waiter) bool {
		if w.cond(calls) {
			close(w.done)
			return true
		}
		return false
	})
}

// observe runs on the loop for every recorded event: it keeps the times
// the summary reports and wakes Wait.
func (d *Device) observe(ev eventlog.Event) {
	if ev.Conn != "" && ev.Kind == eventlog.KindOutput {
		t := d.conns[ev.Conn]
		if t == nil {
			t = &connTimes{}
			d.conns[ev.Conn] = t
		}
		switch o := ev.Output.(type) {
		case econn.Send:
			if o.Msg.Type == econn.MsgSetup && !o.Msg.Resp && t.setupSent == 0 {
				t.setupSent = ev.At
			}
			if o.Msg.Type == econn.MsgSetup && o.Msg.Resp && t.answerSent == 0 {
				t.answerSent = ev.At
			}
		case econn.Incoming:
			if t.rang == 0 {
				t.rang = ev.At
			}
		case econn.Closed:
			t.closedAt = ev.At
		}
	}
	if d.cfg.Observe != nil {
		d.cfg.Observe(ev)
	}
	// An event is recorded in the middle of a step: check the waiters once
	// the step is over, when the connection shows all of it, and before
	// anything else changes it.
	if len(d.waiters) > 0 && !d.wakeDeferred {
		d.wakeDeferred = true
		d.loop.Defer(func() {
			d.wakeDeferred = false
			d.wakeWaiters()
		})
	}
}

// onRelayMsg hands a delivery to the client, on the loop.
func (d *Device) onRelayMsg(m relay.Received) {
	from := eventlog.Endpoint{User: m.FromUser, Client: m.FromClient}
	d.loop.Post(func() { d.client.RecvBackend(from, m.ServerTime, m.Data) })
}

// onRelayErr records what the relay client could not deliver: a message
// that failed authentication or was replayed, a frame the server dropped,
// the loss of the connection.
func (d *Device) onRelayErr(err error) {
	d.loop.Post(func() { d.note(relayNote(err)) })
}

// onRelayResume records that the relay client is back after an
// interruption, on the loop.
func (d *Device) onRelayResume(r relay.Resume) {
	d.loop.Post(func() { d.note(resumeNote(r)) })
}

// resumeNote describes a reconnect as a note.
func resumeNote(r relay.Resume) (string, string, map[string]string) {
	down := r.Down.Round(time.Millisecond)
	return "relay.resumed", fmt.Sprintf("reconnected to the relay after %v (%d attempts), %d messages resent", down, r.Attempts, r.Resent),
		map[string]string{"down_ms": fmt.Sprint(down.Milliseconds()), "attempts": fmt.Sprint(r.Attempts), "resent": fmt.Sprint(r.Resent)}
}

// relayNote describes a relay error as a note.
func relayNote(err error) (string, string, map[string]string) {
	attrs := map[string]string{"error": err.Error()}
	var oe *relay.OpenError
	var se *relay.ServerError
	var ke *relay.KeyError
	switch {
	case errors.As(err, &ke):
		attrs["member"] = ke.User + "/" + ke.Client
		attrs["reason"], attrs["announced"], attrs["expected"] = ke.Why, ke.Got, ke.Want
		return "relay.key-refused", err.Error(), attrs
	case errors.As(err, &oe):
		attrs["from"] = oe.FromUser + "/" + oe.FromClient
		attrs["server_time"] = fmt.Sprint(oe.ServerTime)
		attrs["reason"] = openReason(oe.Err)
		return "relay.rejected", fmt.Sprintf("message from %s/%s rejected: %v", oe.FromUser, oe.FromClient, oe.Err), attrs
	case errors.As(err, &se):
		attrs["reason"] = string(se.Reason)
		return "relay.dropped", "the relay dropped a frame of ours: " + err.Error(), attrs
	case errors.Is(err, relay.ErrInterrupted):
		return "relay.interrupted", "connection to the relay interrupted, reconnecting: " + err.Error(), attrs
	case errors.Is(err, relay.ErrClosed):
		return "relay.lost", "connection to the relay lost: " + err.Error(), attrs
	}
	return "relay.error", err.Error(), attrs
}

func openReason(err error) string {
	for _, r := range []struct {
		err  error
		name string
	}{
		{relay.ErrTampered, "tampered"}, {relay.ErrReplayed, "replayed"},
		{relay.ErrUnknownSender, "unknown-sender"}, {relay.ErrMisrouted, "misrouted"},
		{relay.ErrMalformed, "malformed"},
	} {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "other"
}

// note records a note of the device itself (no connection), on the loop.
func (d *Device) note(typ, text string, attrs map[string]string) {
	ev := eventlog.Event{
		At: d.clock.Since(), Endpoint: d.cfg.Self, Kind: eventlog.KindNote, Type: typ,
		Note: &eventlog.Note{Text: text, Attrs: attrs},
	}
	if d.cfg.Recorder != nil {
		if _, err := d.cfg.Recorder.Append(ev); err != nil && d.cfg.OnError != nil {
			d.cfg.OnError(fmt.Errorf("%s: record %s: %w", d.cfg.Self, typ, err))
		}
	}
	d.observe(ev)
}

// Close leaves the conversation and closes the device: connections still
// open are closed (canceled) and recorded as such, every media leg is
// closed and every goroutine of the device has stopped when it returns.
// Closing twice is a no-op.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	// Close the connections first, so that a CANCEL still reaches the
	// relay.
	d.loop.Do(func() {
		for _, c := range d.client.Calls() {
			if c.Closed() == 0 {
				d.note("app.shutdown", "the device shuts down: close its connections", nil)
				break
			}
		}
		d.client.CloseAll(econn.ErrCanceled)
		d.media.Close()
	})
	err := d.relay.Close()
	if errors.Is(err, relay.ErrClosed) {
		err = nil
	}
	d.media.Wait()
	d.loop.Close()
	close(d.done)
	return err
}
