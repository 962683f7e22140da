package relay

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Default client settings, used for zero fields of ClientOptions.
const (
	DefaultDialTimeout   = 10 * time.Second
	DefaultSendTimeout   = 10 * time.Second
	DefaultReplayHorizon = 10 * time.Minute
	DefaultReconnectFor  = ResendWindow
	DefaultReconnectMin  = 100 * time.Millisecond
	DefaultReconnectMax  = 5 * time.Second
)

// ClientOptions configure Dial.
type ClientOptions struct {
	// URL is the relay's WebSocket endpoint, e.g. "ws://127.0.0.1:8080/ws".
	URL string
	// Conv is the conversation to join.
	Conv string
	// Identity holds this client's ids and keys.
	Identity Identity
	// Pins are the identity keys this client expects of its peers (the
	// members file). A roster entry for a peer not pinned, or pinned with
	// another key, is refused and reported (a *KeyError); so is an entry
	// whose signature does not verify, and one whose key changed since the
	// peer was first seen by this client. Nil pins nobody: keys are then
	// trusted on first use, and OnKey shows them for out-of-band checks.
	Pins *Members
	// OnKey, when set, hears of each member's identity key the first time
	// the client accepts it (the client's own included), and whether it was
	// pinned. It runs on the client's reader goroutine (or in Dial) and
	// must not block; it may call Send and Close.
	OnKey func(m Member, pinned bool)
	// Logger receives the client's diagnostics. Nil discards them.
	Logger *slog.Logger
	// DialTimeout bounds the connection and the join. Default 10 s.
	DialTimeout time.Duration
	// SendTimeout bounds one Send's write. Default 10 s.
	SendTimeout time.Duration
	// ReplayHorizon rejects (ErrReplayed) authentic messages whose sealed
	// send time is older than this on the receiver's clock. The replay
	// window only remembers what this Client accepted; the horizon stops a
	// relay from replaying old messages to a freshly dialled client. Default
	// 10 minutes; negative disables it (then senders' clocks need not agree).
	ReplayHorizon time.Duration
	// ReconnectFor is how long a Client whose connection was lost keeps
	// trying to reconnect and rejoin before it gives up and closes
	// (ErrClosed). Default one minute (DefaultReconnectFor); negative: the
	// first loss closes the Client.
	ReconnectFor time.Duration
	// ReconnectMin and ReconnectMax bound the wait before each attempt: it
	// starts at ReconnectMin and doubles up to ReconnectMax, and each wait
	// is drawn between half and all of it, so that clients cut off together
	// do not come back together. Defaults 100 ms and 5 s.
	ReconnectMin, ReconnectMax time.Duration
	// OnResume, when set, is called on the reader goroutine after each
	// reconnect, once the messages owed to the others have been resent.
	OnResume func(Resume)
	// PingInterval and PingTimeout are the keepalive: the Client pings the
	// relay every PingInterval and takes a connection whose pong does not
	// come within PingTimeout as lost (it reconnects), so that a client
	// that only receives notices a connection that died silently. Defaults
	// DefaultPingInterval and DefaultPingTimeout, at least
	// MinPingInterval; a negative PingInterval turns pings off. The pong is
	// read by the reader goroutine: callbacks that block longer than
	// PingTimeout cost a reconnect.
	PingInterval, PingTimeout time.Duration
}

// Received is one delivered, authenticated and opened message.
type Received struct {
	FromUser, FromClient string    // the sender, as stamped by the relay and proven by its key
	ServerTime           uint32    // the relay's clock at forwarding, Unix seconds (not authenticated)
	SentAt               time.Time // the sender's clock at sealing (authenticated)
	Data                 []byte    // the decrypted Calling 3.0 message bytes
}

// Client is one client's connection to a relay conversation. Send seals a
// message for every other member of the roster; deliveries are opened on
// the client's reader goroutine and handed to the callbacks given to Dial.
// A lost connection is re-established, and messages resent, as the package
// documentation describes under Reconnecting.
type Client struct {
	conv    string
	id      Identity
	url     string
	log     *slog.Logger
	keys    *keyCache
	guard   *keyGuard
	onMsg   func(Received)
	onErr   func(error)
	maxSize int64
	sendTO  time.Duration
	horizon time.Duration
	recon   reconnectPolicy
	onRes   func(Resume)
	dialTO  time.Duration
	pingIv  time.Duration // keepalive interval, 0 for none
	pingTO  time.Duration
	ctx     context.Context    // canceled by Close: ends a reconnect in progress
	cancel  context.CancelFunc //

	mu        sync.Mutex
	ws        *websocket.Conn // the current connection; written by the reader only, under mu
	connected bool            // ws has joined and resent: Send may write to it
	roster    []Member
	rosterCh  chan struct{} // closed and replaced on every roster change
	closed    bool
	closedErr error

	sendMu   sync.Mutex // orders Send calls and resends so sequence numbers reach the wire in order
	lastSeq  uint64
	outbox   []*outMsg              // recent messages, kept for resending (sendMu)
	departed map[memberKey]departed // members that left the roster recently (sendMu)
	epochs   map[memberKey]uint64   // the roster's connection epochs (sendMu, or Dial)

	windows    map[[32]byte]*replayWindow // reader goroutine only
	readerDone chan struct{}
	inCallback atomic.Bool // the reader is running onMsg or onErr
}

// Dial connects to the relay, joins opts.Conv and waits for the roster.
// onMsg receives each opened message, onErr each message that could not be
// opened (an *OpenError), each frame the server dropped (a *ServerError),
// each loss of the connection that the client reconnects after (wrapping
// ErrInterrupted) and finally the end of the connection (wrapping
// ErrClosed) unless Close was called. Both run on the client's reader goroutine, in delivery order,
// and must not block; they may call Send and Close. Either may be nil.
func Dial(ctx context.Context, opts ClientOptions, onMsg func(Received), onErr func(error)) (*Client, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if onMsg == nil {
		onMsg = func(Received) {}
	}
	if onErr == nil {
		onErr = func(error) {}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, opts.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("relay: dialing %s: %w", opts.URL, err)
	}
	c := &Client{
		conv:       opts.Conv,
		id:         opts.Identity,
		url:        opts.URL,
		ws:         ws,
		log:        opts.Logger,
		keys:       newKeyCache(opts.Identity.Private),
		sendTO:     opts.SendTimeout,
		horizon:    opts.ReplayHorizon,
		recon:      reconnectPolicy{opts.ReconnectFor, opts.ReconnectMin, opts.ReconnectMax},
		dialTO:     opts.DialTimeout,
		pingIv:     opts.PingInterval,
		pingTO:     opts.PingTimeout,
		rosterCh:   make(chan struct{}),
		departed:   make(map[memberKey]departed),
		windows:    make(map[[32]byte]*replayWindow),
		readerDone: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if opts.OnResume != nil {
		c.onRes = func(r Resume) {
			c.inCallback.Store(true)
			defer c.inCallback.Store(false)
			opts.OnResume(r)
		}
	}
	c.onMsg = func(r Received) {
		c.inCallback.Store(true)
		defer c.inCallback.Store(false)
		onMsg(r)
	}
	c.onErr = func(err error) {
		c.inCallback.Store(true)
		defer c.inCallback.Store(false)
		onErr(err)
	}
	c.guard = &keyGuard{conv: opts.Conv, self: memberKey{opts.Identity.User, opts.Identity.Client},
		selfID: opts.Identity.IdentityKey(), pins: opts.Pins, seen: make(map[memberKey]ed25519.PublicKey),
		onFail: func(e *KeyError) {
			c.log.Warn("relay: member key refused", "err", e)
			c.onErr(e)
		}}
	if opts.OnKey != nil {
		c.guard.onKey = func(m Member, pinned bool) {
			c.inCallback.Store(true)
			defer c.inCallback.Store(false)
			opts.OnKey(m, pinned)
		}
	}
	if err := c.join(ctx); err != nil {
		ws.CloseNow()
		c.cancel()
		return nil, err
	}
	c.connected = true
	c.guard.report()
	go c.readLoop()
	return c, nil
}

func (o ClientOptions) validate() error {
	if o.URL == "" {
		return errors.New("relay: ClientOptions.URL is empty")
	}
	if err := checkLocalID("conv", o.Conv); err != nil {
		return err
	}
	return o.Identity.validate()
}

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.ReplayHorizon == 0 {
		o.ReplayHorizon = DefaultReplayHorizon
	}
	if o.ReconnectFor == 0 {
		o.ReconnectFor = DefaultReconnectFor
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = DefaultReconnectMin
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = max(DefaultReconnectMax, o.ReconnectMin)
	}
	o.PingInterval, o.PingTimeout = pingDefaults(o.PingInterval, o.PingTimeout)
	return o
}

// join answers the server's challenge with a join frame that proves this
// client holds its identity key, and reads the server's answer.
func (c *Client) join(ctx context.Context) error {
	c.ws.SetReadLimit(1 << 20)
	ch, err := c.readFrame(ctx, "challenge")
	if err != nil {
		return err
	}
	if ch.Type != frameChallenge {
		return fmt.Errorf("relay: challenge: %w: unexpected frame type %q", ErrMalformed, ch.Type)
	}
	idKey := c.id.IdentityKey()
	join := &frame{Type: frameJoin, Conv: c.conv, User: c.id.User, Client: c.id.Client, Key: c.id.Public[:],
		ID: idKey, Sig: c.id.signAnnouncement(c.conv),
		Proof: ed25519.Sign(c.id.Signing, joinProof(ch.Nonce, c.conv, c.id.User, c.id.Client, c.id.Public[:], idKey))}
	if err := c.ws.Write(ctx, websocket.MessageText, encodeFrame(join)); err != nil {
		return fmt.Errorf("relay: sending join: %w", err)
	}
	f, err := c.readFrame(ctx, "join answer")
	if err != nil {
		return err
	}
	if f.Type != frameJoined {
		return fmt.Errorf("relay: join answer: %w: unexpected frame type %q", ErrMalformed, f.Type)
	}
	if f.MaxSize <= 0 {
		return fmt.Errorf("relay: join answer: %w: no max_size", ErrMalformed)
	}
	// A relay announcing more than any relay of this package allows would
	// overflow the read limit below.
	c.maxSize = min(f.MaxSize, MaxMaxMessageSize)
	// A deliver frame carries one box of a frame of at most maxSize; a
	// roster is bounded by the server's MaxClientsPerConv.
	c.ws.SetReadLimit(2*c.maxSize + 1<<20)
	c.setRoster(f.Members)
	return nil
}

// readFrame reads and decodes one frame of the handshake.
func (c *Client) readFrame(ctx context.Context, what string) (*frame, error) {
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("relay: waiting for %s: %w", what, err)
	}
	f, err := decodeFrame(data)
	if err != nil {
		return nil, fmt.Errorf("relay: %s: %w", what, err)
	}
	if f.Type == frameError {
		return nil, serverError(f)
	}
	return f, nil
}

func serverError(f *frame) error {
	r := DropReason(f.Reason)
	err := r.sentinel()
	if f.Detail != "" {
		err = fmt.Errorf("%w: %s", err, f.Detail)
	}
	return &ServerError{Reason: r, Err: err}
}

// Roster returns the conversation's current members, this client included,
// sorted by user and client id.
func (c *Client) Roster() []Member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Member(nil), c.roster...)
}

// WaitRoster blocks until cond holds for the roster, ctx ends (its error is
// returned) or the client closes (ErrClosed).
func (c *Client) WaitRoster(ctx context.Context, cond func([]Member) bool) error {
	for {
		c.mu.Lock()
		ok, closed, ch := cond(c.roster), c.closed, c.rosterCh
		c.mu.Unlock()
		switch {
		case ok:
			return nil
		case closed:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// setRoster publishes a roster from the server, without the entries whose
// keys the client refuses (reported through onErr by guard.report, which
// the caller runs once it has released sendMu), and records the
// members' connection epochs. Called with sendMu held (or in Dial).
func (c *Client) setRoster(ws []wireMember) {
	ws = c.guard.filter(ws)
	c.epochs = make(map[memberKey]uint64, len(ws))
	for _, m := range ws {
		c.epochs[memberKey{m.User, m.Client}] = m.Epoch
	}
	ms := toMembers(ws)
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].User != ms[j].User {
			return ms[i].User < ms[j].User
		}
		return ms[i].Client < ms[j].Client
	})
	// Derive the shared keys of new members before the roster is
	// published: a derivation is two Curve25519 multiplications, which the
	// first message to or from the member (a call's SETUP) would pay
	// otherwise. Known members cost a map lookup.
	for _, m := range ms {
		if m.User != c.id.User || m.Client != c.id.Client {
			_, _ = c.keys.shared(m.Public) // an unusable key is reported when used
		}
	}
	c.mu.Lock()
	c.roster = ms
	close(c.rosterCh)
	c.rosterCh = make(chan struct{})
	c.mu.Unlock()
}

// member looks a roster member up by ids.
func (c *Client) member(user, client string) (Member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.roster {
		if m.User == user && m.Client == client {
			return m, true
		}
	}
	return Member{}, false
}

// Send seals data for every other member of the roster and sends the boxes
// in one frame. Members with an unusable key (ErrBadKey) are left out and
// logged. With nobody else in the conversation it sends nothing and
// returns nil. It returns ErrClosed after Close or once the Client gave up
// reconnecting, and ErrTooLarge when the frame would exceed the server's
// limit.
//
// The message is kept for ResendWindow: if the connection is lost, or a
// recipient's is, it is sent again after the reconnect to those who may
// have missed it (see Client). While the Client reconnects, Send queues the
// message and returns nil; it returns ErrInterrupted once maxOutbox
// messages are waiting.
func (c *Client) Send(data []byte) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	closed, closedErr, roster, ws, connected := c.closed, c.closedErr, c.roster, c.ws, c.connected
	c.mu.Unlock()
	if closed {
		return closedErr
	}
	if int64(len(data)) > c.maxSize {
		return fmt.Errorf("%w: message of %d bytes, server limit %d", ErrTooLarge, len(data), c.maxSize)
	}
	others := make([]Member, 0, len(roster))
	for _, m := range roster {
		if m.User != c.id.User || m.Client != c.id.Client {
			others = append(others, m)
		}
	}
	msg := &outMsg{seq: c.nextSeq(), at: time.Now(), data: data, to: make(map[memberKey][32]byte, len(others))}
	boxes, err := c.sealFor(msg, others, false)
	if err != nil {
		return err
	}
	if len(boxes) == 0 {
		// Nobody to send to now; kept all the same, for a member that
		// left and comes back within the resend window.
		msg.written = true
		return c.remember(msg)
	}
	fr := encodeFrame(&frame{Type: frameSend, Conv: c.conv, Boxes: boxes})
	if int64(len(fr)) > c.maxSize {
		return fmt.Errorf("%w: frame of %d bytes for %d recipients, server limit %d",
			ErrTooLarge, len(fr), len(boxes), c.maxSize)
	}
	for _, m := range others {
		msg.to[memberKey{m.User, m.Client}] = m.Public
	}
	if err := c.remember(msg); err != nil {
		return err
	}
	if !connected {
		return nil // resent once the Client has reconnected
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.sendTO)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, fr); err != nil {
		if c.recon.enabled() {
			// The reader will see the connection fail, reconnect and
			// resend the message.
			ws.CloseNow()
			c.log.Warn("relay: send failed, resending after reconnect", "err", err)
			return nil
		}
		return fmt.Errorf("%w: sending: %v", ErrClosed, err)
	}
	msg.written = true
	return nil
}

// sealFor seals msg for each member (leaving out, and logging, members
// with an unusable key) and returns the addressed boxes.
func (c *Client) sealFor(msg *outMsg, members []Member, resend bool) ([]addressed, error) {
	boxes := make([]addressed, 0, len(members))
	for _, m := range members {
		shared, err := c.keys.shared(m.Public)
		if err != nil {
			c.log.Warn("relay: recipient left out", "user", m.User, "client", m.Client, "err", err)
			continue
		}
		b, err := sealBox(shared, cryptoRand, c.conv, msg.seq, msg.data)
		if err != nil {
			return nil, err
		}
		boxes = append(boxes, addressed{User: m.User, Client: m.Client, Box: b, Resend: resend})
	}
	return boxes, nil
}

// SendBackend is Send under the name of ecall's Backend interface, so that
// a Client can be an ecall client's signalling transport.
func (c *Client) SendBackend(data []byte) error { return c.Send(data) }

// nextSeq returns the next sequence number: the current time in Unix
// nanoseconds, or one more than the last if the clock has not advanced.
// Being a time, it also rises across reconnects with the same key, and
// receivers can check its age (ReplayHorizon).
func (c *Client) nextSeq() uint64 {
	seq := uint64(time.Now().UnixNano())
	if seq <= c.lastSeq {
		seq = c.lastSeq + 1
	}
	c.lastSeq = seq
	return seq
}

// Close leaves the conversation, closes the connection and waits for the
// reader goroutine to end. Called from a callback, it closes the connection
// at once and the reader ends when the callback returns.
func (c *Client) Close() error {
	c.mu.Lock()
	already := c.closed
	if !already {
		c.markClosedLocked(ErrClosed)
	}
	ws, connected := c.ws, c.connected
	c.mu.Unlock()
	c.cancel() // ends a reconnect in progress
	if c.inCallback.Load() {
		// The reader is (most likely) this goroutine: waiting for it, or
		// for the close handshake it would read, would deadlock.
		ws.CloseNow()
		return nil
	}
	if already {
		<-c.readerDone
		return nil
	}
	var err error
	if connected {
		err = ws.Close(websocket.StatusNormalClosure, "")
	} else {
		ws.CloseNow() // a lost connection, or one still joining
	}
	<-c.readerDone
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("relay: closing: %w", err)
	}
	return nil
}

func (c *Client) markClosedLocked(err error) {
	c.closed, c.closedErr = true, err
	close(c.rosterCh)
	c.rosterCh = make(chan struct{})
}

// readLoop reads each connection, with its keepalive, until it fails,
// then reconnects.
func (c *Client) readLoop() {
	defer close(c.readerDone)
	for {
		c.mu.Lock()
		ws := c.ws
		c.mu.Unlock()
		var pingErr error // written by the keepalive before stopPings returns
		stopPings := startKeepalive(ws, c.pingIv, c.pingTO, func(err error) {
			pingErr = fmt.Errorf("no pong within %v: %w", c.pingTO, err)
		})
		err := c.readConn(ws)
		stopPings()
		if pingErr != nil {
			err = pingErr
		}
		if !c.reconnect(err) {
			return
		}
	}
}

// readConn handles ws's frames until reading fails.
func (c *Client) readConn(ws *websocket.Conn) error {
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			return err
		}
		c.handle(data)
	}
}

// lost records the end of the connection and reports it unless Close
// caused it.
func (c *Client) lost(err error) {
	c.mu.Lock()
	byClose := c.closed
	if !byClose {
		c.markClosedLocked(fmt.Errorf("%w: connection lost: %v", ErrClosed, err))
	}
	closedErr, ws := c.closedErr, c.ws
	c.mu.Unlock()
	ws.CloseNow()
	if !byClose {
		c.log.Warn("relay: connection lost", "err", err)
		c.onErr(closedErr)
	}
}

// handle dispatches one frame from the server.
func (c *Client) handle(data []byte) {
	f, err := decodeFrame(data)
	if err != nil {
		c.log.Warn("relay: bad frame from server", "err", err)
		c.onErr(fmt.Errorf("relay: frame from server: %w", err))
		return
	}
	switch f.Type {
	case frameRoster:
		c.rosterFrame(f.Members)
	case frameDeliver:
		c.deliver(f)
	case frameError:
		err := serverError(f)
		c.log.Warn("relay: server dropped a frame", "err", err)
		c.onErr(err)
	default:
		c.onErr(fmt.Errorf("relay: frame from server: %w: unexpected type %q", ErrMalformed, f.Type))
	}
}

// deliver opens one box and hands it to onMsg, or reports why it could not.
func (c *Client) deliver(f *frame) {
	msg, err := c.open(f)
	if err != nil && f.Resend && errors.Is(err, ErrReplayed) {
		// A message resent after a reconnect that had arrived before.
		c.log.Debug("relay: resent message already received", "user", f.User, "client", f.Client)
		return
	}
	if err != nil {
		oe := &OpenError{FromUser: f.User, FromClient: f.Client, ServerTime: f.Time, Err: err}
		c.log.Warn("relay: message rejected", "err", oe)
		c.onErr(oe)
		return
	}
	c.onMsg(msg)
}

func (c *Client) open(f *frame) (Received, error) {
	m, ok := c.member(f.User, f.Client)
	if !ok {
		return Received{}, ErrUnknownSender
	}
	shared, err := c.keys.shared(m.Public)
	if err != nil {
		return Received{}, err
	}
	seq, data, err := openBox(shared, c.conv, f.Box)
	if err != nil {
		return Received{}, err
	}
	sent := time.Unix(0, int64(seq))
	if c.horizon > 0 && time.Since(sent) > c.horizon {
		return Received{}, fmt.Errorf("%w: sealed %v ago, beyond the replay horizon %v",
			ErrReplayed, time.Since(sent).Round(time.Second), c.horizon)
	}
	w := c.windows[m.Public]
	if w == nil {
		w = new(replayWindow)
		c.windows[m.Public] = w
	}
	if err := w.accept(seq); err != nil {
		return Received{}, err
	}
	st := f.Time
	if f.Resend && sent.Unix() >= 0 && sent.Unix() < int64(st) {
		// The relay stamps a resent message with the time it forwards it
		// again; its age must count from the first sending.
		st = uint32(sent.Unix())
	}
	return Received{FromUser: f.User, FromClient: f.Client, ServerTime: st, SentAt: sent, Data: data}, nil
}
