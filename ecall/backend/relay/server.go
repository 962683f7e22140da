package relay

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// Default server limits, used for zero fields of ServerOptions.
const (
	DefaultMaxMessageSize    = 256 << 10
	DefaultMaxClientsPerConv = 32
	DefaultRatePerSecond     = 20
	DefaultBurst             = 40
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultWriteTimeout      = 10 * time.Second
	DefaultMaxHandshakes     = 128
	DefaultJoinBurst         = 6
	DefaultJoinInterval      = 10 * time.Second
)

// maxJoinLimiters is the number of devices' join buckets above which the
// full ones (equal to a fresh bucket) are forgotten.
const maxJoinLimiters = 4096

// MaxMaxHandshakes bounds ServerOptions.MaxHandshakes: each handshake may
// hold a joinReadLimit buffer and a goroutine for HandshakeTimeout.
const MaxMaxHandshakes = 1 << 14

// joinReadLimit is the read limit of a connection until its join is
// accepted: the largest join frame is three ids of maxIDLen bytes, each
// byte escaped at worst as six (\u0001), four keys and signatures in
// base64 (44+44+88+88 bytes) and under 200 bytes of names and punctuation:
// under 5,100 bytes (TestLargestJoinFits). A peer that has proven nothing
// is read no further.
const joinReadLimit = 8 << 10

// ServerOptions are the relay's limits. Zero fields take the defaults above.
type ServerOptions struct {
	// MaxMessageSize is the largest frame, in bytes, a client may send. A
	// larger one is read to its end, dropped (DropTooLarge) and reported to
	// its sender; the connection stays up. A frame over 4×MaxMessageSize
	// closes the connection, so a peer cannot keep the relay reading forever.
	// Values above MaxMaxMessageSize are taken as MaxMaxMessageSize.
	MaxMessageSize int64
	// MaxClientsPerConv bounds a conversation's roster; joins beyond it are
	// refused (DropConversationFull).
	MaxClientsPerConv int
	// RatePerSecond and Burst bound each client's frames (a token bucket);
	// frames beyond them are dropped (DropRateLimited). A negative
	// RatePerSecond disables the limit.
	RatePerSecond float64
	Burst         int
	// HandshakeTimeout bounds the time from the WebSocket upgrade to the
	// join frame (and the HTTP request headers when serving).
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the connections between the WebSocket upgrade
	// and the end of their join; further ones are refused before the
	// upgrade (HTTP 503, counted as DropHandshake) and may retry. Default
	// DefaultMaxHandshakes; values above MaxMaxHandshakes are taken as
	// MaxMaxHandshakes.
	MaxHandshakes int
	// JoinBurst and JoinInterval bound each device's accepted joins in a
	// conversation (a token bucket: JoinBurst joins, then one per
	// JoinInterval); joins beyond them are refused (DropRateLimited) and
	// the Client retries with backoff. Every join and replacement makes
	// the others resend what the device may have missed, so a device
	// churning its connection would otherwise get honest peers over their
	// own rate limit. Defaults DefaultJoinBurst and DefaultJoinInterval; a
	// negative JoinInterval turns the limit off.
	JoinBurst    int
	JoinInterval time.Duration
	// WriteTimeout bounds one frame's write to a client; a client that
	// cannot take a frame in this time is disconnected.
	WriteTimeout time.Duration
	// PingInterval and PingTimeout are the keepalive: the relay pings each
	// joined client every PingInterval and disconnects one whose pong does
	// not come within PingTimeout, so a connection that died silently
	// leaves the roster. Defaults DefaultPingInterval and
	// DefaultPingTimeout, at least MinPingInterval; a negative
	// PingInterval turns pings off.
	PingInterval, PingTimeout time.Duration
	// SenderQueueBytes bounds the deliveries from one sender that may wait
	// for one recipient, in bytes of frames. A box that would take its
	// sender past this share is refused (DropBacklog) and the sender told;
	// the recipient is not disturbed. A box always fits when its sender has
	// nothing waiting for that recipient, so any one accepted message gets
	// through. Default 2×MaxMessageSize.
	SenderQueueBytes int64
	// QueueBytes bounds everything waiting for one client, in bytes. With
	// every sender held to its share, only a client that has stopped
	// reading exceeds it; it is disconnected (DropSlowConsumer). Default
	// MaxClientsPerConv×SenderQueueBytes, which the senders' shares alone
	// cannot reach. SenderQueueBytes is lowered to QueueBytes if above it.
	QueueBytes int64
	// AllowConv, when set, decides which conversation ids may be joined;
	// joins to others are refused (DropUnknownConversation).
	AllowConv func(conv string) bool
	// Members, when set, is the relay's membership: a device may join a
	// conversation only if it is listed for it, with the identity key it
	// proves to hold (others are refused: DropNotMember). Nil leaves the
	// relay open: any device that proves to hold the identity key it
	// announces may join any conversation (loopback demos and tests).
	Members *Members
	// Logger receives one line per dropped frame or refused join, with its
	// reason. Nil means slog.Default().
	Logger *slog.Logger
	// Tap, when set, is called with every frame the relay reads from a
	// joined client and every frame it writes to one: exactly what the relay
	// sees. It runs on the connection's goroutines and must not block.
	Tap func(TapFrame)
}

// TapFrame is one frame passed to ServerOptions.Tap.
type TapFrame struct {
	Inbound      bool // read from the client (else written to it)
	Conv         string
	User, Client string // the client's ids, as joined
	Data         []byte // the raw frame; do not modify
}

// DropReason names why the relay dropped a frame or refused a join. The
// same names appear in log lines, in ServerStats.Dropped and in the error
// frames sent to clients.
type DropReason string

// Drop reasons.
const (
	DropTooLarge            DropReason = "too_large"
	DropMalformed           DropReason = "malformed"
	DropUnknownConversation DropReason = "unknown_conversation"
	DropImpersonation       DropReason = "impersonation"
	DropRateLimited         DropReason = "rate_limited"
	DropBacklog             DropReason = "backlog" // the sender's share of a recipient's queue is used up
	DropConversationFull    DropReason = "conversation_full"
	DropDuplicateClient     DropReason = "duplicate_client"
	DropHandshake           DropReason = "handshake"
	DropUnknownRecipient    DropReason = "unknown_recipient"
	DropSlowConsumer        DropReason = "slow_consumer"
	// DropUnauthenticated: the join's proof of possession of the identity
	// key, or its key announcement, does not verify.
	DropUnauthenticated DropReason = "unauthenticated"
	// DropNotMember: the device, with this identity key, is not a member
	// of the conversation (ServerOptions.Members).
	DropNotMember DropReason = "not_member"
	// DropReplaced: a connection closed because its owner joined again
	// (proving the same identity key) on a new one.
	DropReplaced DropReason = "replaced"
)

// sentinel maps a drop reason to the error a client sees.
func (r DropReason) sentinel() error {
	switch r {
	case DropTooLarge:
		return ErrTooLarge
	case DropRateLimited:
		return ErrRateLimited
	case DropBacklog:
		return ErrBacklog
	case DropMalformed:
		return ErrMalformed
	}
	return ErrRejected
}

// ServerStats is a snapshot of the relay's counters.
type ServerStats struct {
	Conversations int                   // conversations with at least one client
	Clients       int                   // joined clients
	Forwarded     uint64                // deliver frames queued to recipients
	Dropped       map[DropReason]uint64 // dropped frames and refused joins, by reason
}

// Server is the signalling relay: an http.Handler serving WebSocket clients
// at /ws. It fans each client's boxes out to their recipients in the same
// conversation, stamped with the sender's ids and the server time, and
// keeps every client's roster current. It never holds a key.
type Server struct {
	opts ServerOptions
	log  *slog.Logger
	mux  *http.ServeMux

	handshakes chan struct{} // one token per handshake under way (MaxHandshakes)

	mu        sync.Mutex
	convs     map[string]map[memberKey]*session
	conns     map[*websocket.Conn]struct{}
	servers   []*http.Server
	addr      string
	forwarded uint64
	joins     uint64                    // accepted joins: the last connection epoch given
	joinLimit map[joinKey]*rate.Limiter // per device: its joins (JoinBurst, JoinInterval)
	dropped   map[DropReason]uint64
	closed    bool
	wg        sync.WaitGroup // one per accepted connection
}

type memberKey struct{ user, client string }

// joinKey is a device, with its identity key, in a conversation.
type joinKey struct {
	conv, id string
	memberKey
}

// NewServer returns a relay with the given limits.
func NewServer(opts ServerOptions) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		convs:     make(map[string]map[memberKey]*session),
		conns:     make(map[*websocket.Conn]struct{}),
		dropped:   make(map[DropReason]uint64),
		joinLimit: make(map[joinKey]*rate.Limiter),
	}
	s.handshakes = make(chan struct{}, opts.MaxHandshakes)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/ws", s.serveWS)
	return s
}

// Bounds of ServerOptions.MaxMessageSize: a SETUP is a few KB, and the
// hard read limit (4×) must not overflow an int64.
const (
	MinMaxMessageSize = 1 << 10
	MaxMaxMessageSize = 16 << 20
)

func (o ServerOptions) withDefaults() ServerOptions {
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	o.MaxMessageSize = min(o.MaxMessageSize, MaxMaxMessageSize)
	if o.MaxClientsPerConv <= 0 {
		o.MaxClientsPerConv = DefaultMaxClientsPerConv
	}
	if o.RatePerSecond == 0 {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	o.PingInterval, o.PingTimeout = pingDefaults(o.PingInterval, o.PingTimeout)
	if o.JoinBurst <= 0 {
		o.JoinBurst = DefaultJoinBurst
	}
	if o.JoinInterval == 0 {
		o.JoinInterval = DefaultJoinInterval
	}
	if o.MaxHandshakes <= 0 {
		o.MaxHandshakes = DefaultMaxHandshakes
	}
	o.MaxHandshakes = min(o.MaxHandshakes, MaxMaxHandshakes)
	if o.SenderQueueBytes <= 0 {
		o.SenderQueueBytes = satMul(2, o.MaxMessageSize)
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = satMul(int64(o.MaxClientsPerConv), o.SenderQueueBytes)
	}
	// One sender alone must never overflow a queue: that would make its
	// flood the recipient's fault.
	o.SenderQueueBytes = min(o.SenderQueueBytes, o.QueueBytes)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ServeHTTP serves the relay's WebSocket endpoint at /ws.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// ListenAndServe listens on the TCP address addr and serves the relay until
// Close, when it returns http.ErrServerClosed.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Start listens on the TCP address addr (e.g. "127.0.0.1:0") and serves
// the relay in the background until Close. Addr and URL are valid when it
// returns: the way to run a relay inside a process (the demo, tests).
func (s *Server) Start(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	if s.addr == "" {
		s.addr = l.Addr().String()
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		if err := s.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("relay: serving stopped", "addr", l.Addr().String(), "err", err)
		}
	}()
	return nil
}

// Serve serves the relay on l until Close, when it returns
// http.ErrServerClosed. Addr reports l's address from the moment Serve is
// called.
func (s *Server) Serve(l net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	if s.addr == "" {
		s.addr = l.Addr().String()
	}
	s.mu.Unlock()
	return hs.Serve(l)
}

// Addr returns the address of the first listener given to Serve (or opened
// by Start or ListenAndServe), or "" before that. After `go s.Serve(l)`,
// use l.Addr() or Start instead: Serve may not have run yet.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the WebSocket URL clients dial ("ws://ADDR/ws") for Addr, or
// "" before the relay listens.
func (s *Server) URL() string {
	if a := s.Addr(); a != "" {
		return "ws://" + a + "/ws"
	}
	return ""
}

// Close stops the listeners, disconnects every client and waits for the
// connections' goroutines to end. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	servers := s.servers
	conns := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	var errs []error
	for _, hs := range servers {
		errs = append(errs, hs.Close())
	}
	for _, c := range conns {
		c.CloseNow()
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Stats returns a snapshot of the relay's counters.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ServerStats{
		Conversations: len(s.convs),
		Forwarded:     s.forwarded,
		Dropped:       make(map[DropReason]uint64, len(s.dropped)),
	}
	for _, members := range s.convs {
		st.Clients += len(members)
	}
	for r, n := range s.dropped {
		st.Dropped[r] = n
	}
	return st
}

// serveWS upgrades one connection and runs its session to the end.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "relay closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	select {
	case s.handshakes <- struct{}{}:
	default:
		s.count(DropHandshake)
		s.log.Warn("relay: connection refused", "remote", r.RemoteAddr, "reason", DropHandshake,
			"detail", fmt.Sprintf("%d handshakes under way", cap(s.handshakes)))
		http.Error(w, "relay busy", http.StatusServiceUnavailable)
		return
	}
	sess, ws := s.accept(w, r)
	if ws == nil {
		return
	}
	defer s.untrack(ws)
	if sess == nil {
		return
	}
	// Frames between MaxMessageSize and this hard limit are drained and
	// dropped; larger ones make the library close the connection.
	ws.SetReadLimit(4 * s.opts.MaxMessageSize)
	sess.run()
}

// accept upgrades the connection and runs its handshake, holding one of
// the MaxHandshakes slots throughout. It returns the tracked connection
// (nil if the upgrade failed) and the joined session (nil if refused).
func (s *Server) accept(w http.ResponseWriter, r *http.Request) (*session, *websocket.Conn) {
	defer func() { <-s.handshakes }()
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Info("relay: websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return nil, nil
	}
	if !s.track(ws) {
		ws.CloseNow()
		return nil, nil
	}
	// Until the join is accepted, only a join frame is worth reading.
	ws.SetReadLimit(joinReadLimit)
	return s.handshake(ws, r.RemoteAddr), ws
}

func (s *Server) track(ws *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[ws] = struct{}{}
	return true
}

func (s *Server) untrack(ws *websocket.Conn) {
	s.mu.Lock()
	delete(s.conns, ws)
	s.mu.Unlock()
	ws.CloseNow()
}

// handshake challenges the client, reads and checks its join frame and
// registers the session. On failure it tells the client why, closes the
// connection and returns nil: a connection that has not proven its
// membership receives nothing but the challenge and the refusal.
func (s *Server) handshake(ws *websocket.Conn, remote string) *session {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.HandshakeTimeout)
	defer cancel()
	nonce := make([]byte, challengeLen)
	if _, err := io.ReadFull(cryptoRand, nonce); err != nil {
		s.log.Error("relay: drawing a challenge", "err", err)
		return nil
	}
	err := ws.Write(ctx, websocket.MessageText, encodeFrame(&frame{Type: frameChallenge, Nonce: nonce}))
	var data []byte
	if err == nil {
		_, data, err = ws.Read(ctx)
	}
	if err != nil {
		s.count(DropHandshake)
		s.log.Info("relay: join not received", "remote", remote, "reason", DropHandshake, "err", err)
		return nil
	}
	sess := &session{srv: s, ws: ws, remote: remote}
	f, reason, detail := s.checkJoin(data, nonce)
	if f != nil {
		sess.conv, sess.user, sess.client = f.Conv, f.User, f.Client
	}
	if reason != "" {
		sess.refuse(ctx, reason, detail)
		return nil
	}
	copy(sess.key[:], f.Key)
	sess.id, sess.sig = ed25519.PublicKey(f.ID), f.Sig
	sess.init()
	if reason, detail := s.join(sess); reason != "" {
		sess.refuse(ctx, reason, detail)
		return nil
	}
	return sess
}

// checkJoin decodes a join frame and checks, in this order, its form, its
// keys, the conversation, the proof of possession of the identity key and
// the membership. It returns the frame (nil if undecodable) and, when the
// join is refused, why.
func (s *Server) checkJoin(data, nonce []byte) (*frame, DropReason, string) {
	if int64(len(data)) > s.opts.MaxMessageSize {
		return nil, DropTooLarge, "join frame too large"
	}
	f, err := decodeFrame(data)
	if err == nil && f.Type != frameJoin {
		err = errors.New("first frame must be a join, got " + f.Type)
	}
	if err != nil {
		return nil, DropMalformed, err.Error()
	}
	if err := checkPublicKey(f.Key); err != nil {
		return f, DropMalformed, err.Error()
	}
	if s.opts.AllowConv != nil && !s.opts.AllowConv(f.Conv) {
		return f, DropUnknownConversation, "conversation not served here"
	}
	id := ed25519.PublicKey(f.ID)
	if !ed25519.Verify(id, joinProof(nonce, f.Conv, f.User, f.Client, f.Key, f.ID), f.Proof) {
		return f, DropUnauthenticated, "the proof of possession of the identity key does not verify"
	}
	if !verifyMember(f.Conv, wireMember{User: f.User, Client: f.Client, Key: f.Key, ID: f.ID, Sig: f.Sig}) {
		return f, DropUnauthenticated, "the key announcement does not verify"
	}
	if s.opts.Members != nil && !s.opts.Members.Allows(f.Conv, f.User, f.Client, id) {
		return f, DropNotMember, "this device and key are not a member of the conversation"
	}
	return f, "", ""
}

// join adds sess to its conversation and sends the new roster to everyone
// in it. It returns a drop reason when the join is refused. A device that
// joins again with the identity key it joined with replaces its earlier
// connection (stale, or lost without the relay noticing yet); with
// another key (possible on an open relay only) it is a duplicate. Each
// accepted join gets a new epoch in its roster entry: the others see a
// replacement as a departure and return, and resend what they had sent
// to the old connection.
func (s *Server) join(sess *session) (DropReason, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.convs[sess.conv]
	k := memberKey{sess.user, sess.client}
	old := members[k]
	if old != nil && !old.id.Equal(sess.id) {
		return DropDuplicateClient, "this user and client id is in the conversation with another identity key"
	}
	if old == nil && len(members) >= s.opts.MaxClientsPerConv {
		return DropConversationFull, "conversation has the maximum number of clients"
	}
	if !s.allowJoinLocked(joinKey{sess.conv, string(sess.id), k}) {
		return DropRateLimited, fmt.Sprintf("over %d joins, then one per %v, for this device", s.opts.JoinBurst, s.opts.JoinInterval)
	}
	if members == nil {
		members = make(map[memberKey]*session)
		s.convs[sess.conv] = members
	}
	if old != nil {
		s.dropped[DropReplaced]++
		s.log.Info("relay: connection replaced by its owner's new one", old.attrs(DropReplaced, sess.remote)...)
		// Not here: srv.mu is held, and the close handshake waits.
		go old.ws.Close(websocket.StatusPolicyViolation, string(DropReplaced))
	}
	sess.epoch = newEpoch(old)
	members[k] = sess
	roster := rosterOf(members)
	sess.enqueue(encodeFrame(&frame{Type: frameJoined, Conv: sess.conv,
		Time: uint32(time.Now().Unix()), Members: roster, MaxSize: s.opts.MaxMessageSize}))
	s.broadcastLocked(members, sess, encodeFrame(&frame{Type: frameRoster, Conv: sess.conv, Members: roster}))
	return "", ""
}

// allowJoinLocked takes a token from the device's join bucket. Only
// proven joins get here, and the bucket is the identity key's, so nobody
// can spend a device's tokens but the device. Called with s.mu held.
func (s *Server) allowJoinLocked(k joinKey) bool {
	if s.opts.JoinInterval < 0 {
		return true
	}
	now := time.Now()
	if len(s.joinLimit) >= maxJoinLimiters {
		for k, l := range s.joinLimit {
			if l.TokensAt(now) >= float64(l.Burst()) {
				delete(s.joinLimit, k)
			}
		}
	}
	l := s.joinLimit[k]
	if l == nil {
		l = rate.NewLimiter(rate.Every(s.opts.JoinInterval), s.opts.JoinBurst)
		s.joinLimit[k] = l
	}
	return l.AllowN(now, 1)
}

// newEpoch draws a connection epoch, other than old's. It is random
// rather than a count, which would tell members how many joins the relay
// has seen in every conversation.
func newEpoch(old *session) uint64 {
	for {
		e := mathrand.Uint64()
		if e != 0 && (old == nil || e != old.epoch) {
			return e
		}
	}
}

// leave removes sess from its conversation and sends the others the new roster.
func (s *Server) leave(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.convs[sess.conv]
	k := memberKey{sess.user, sess.client}
	if members[k] != sess {
		return
	}
	delete(members, k)
	if len(members) == 0 {
		delete(s.convs, sess.conv)
		return
	}
	s.broadcastLocked(members, nil, encodeFrame(&frame{Type: frameRoster, Conv: sess.conv, Members: rosterOf(members)}))
}

func (s *Server) broadcastLocked(members map[memberKey]*session, except *session, data []byte) {
	for _, m := range members {
		if m != except {
			m.enqueue(data)
		}
	}
}

// rosterOf lists members sorted by user and client id, so that every client
// sees the same order.
func rosterOf(members map[memberKey]*session) []wireMember {
	ms := make([]wireMember, 0, len(members))
	for _, m := range members {
		ms = append(ms, wireMember{User: m.user, Client: m.client, Key: m.key[:], ID: m.id, Sig: m.sig, Epoch: m.epoch})
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].User != ms[j].User {
			return ms[i].User < ms[j].User
		}
		return ms[i].Client < ms[j].Client
	})
	return ms
}

// fanOut queues one deliver frame per addressed box to its recipient,
// stamped with the sender's joined ids and the server time. Boxes beyond
// the sender's share of a recipient's queue are refused; the sender hears
// of it once per run of frames with refusals, as for the rate limit.
func (s *Server) fanOut(from *session, boxes []addressed) {
	now := uint32(time.Now().Unix())
	// Encode outside the lock: it is the bulk of the work.
	frames := make([][]byte, len(boxes))
	for i, b := range boxes {
		frames[i] = encodeFrame(&frame{Type: frameDeliver, User: from.user, Client: from.client,
			Time: now, Box: b.Box, Resend: b.Resend})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.convs[from.conv]
	refused := map[memberKey]int{}
	for i, b := range boxes {
		k := memberKey{b.User, b.Client}
		to := members[k]
		if to == nil || to == from {
			s.dropped[DropUnknownRecipient]++
			s.log.Debug("relay: box for a client not in the conversation dropped",
				from.attrs(DropUnknownRecipient, b.User+"/"+b.Client)...)
			continue
		}
		// Once one box for a recipient is refused, so are the frame's
		// later ones for it: what gets through stays in order.
		if refused[k] > 0 || !to.deliver(from.member(), frames[i]) {
			refused[k]++
			s.dropped[DropBacklog]++
			continue
		}
		s.forwarded++
	}
	from.reportBacklog(refused)
}

// reportBacklog logs and reports a frame's refused boxes, once per run of
// frames with refusals. Called on the sender's reader with srv.mu held.
func (ss *session) reportBacklog(refused map[memberKey]int) {
	if len(refused) == 0 {
		ss.backlogged = false
		return
	}
	if ss.backlogged {
		return
	}
	ss.backlogged = true
	keys := make([]memberKey, 0, len(refused))
	for k := range refused {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].user < keys[j].user || keys[i].user == keys[j].user && keys[i].client < keys[j].client
	})
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d for %s/%s", refused[k], k.user, k.client)
	}
	detail := fmt.Sprintf("boxes refused, over %d bytes waiting per recipient: %s; further refusals are counted until a frame gets through",
		ss.srv.opts.SenderQueueBytes, b.String())
	ss.srv.log.Warn("relay: frame dropped", ss.attrs(DropBacklog, detail)...)
	ss.notify(DropBacklog, detail)
}

func (s *Server) count(r DropReason) {
	s.mu.Lock()
	s.dropped[r]++
	s.mu.Unlock()
}

// satMul multiplies two non-negative numbers, saturating at MaxInt64.
func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// rateLimiter returns a client's token bucket.
func (s *Server) rateLimiter() *rate.Limiter {
	if s.opts.RatePerSecond < 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(rate.Limit(s.opts.RatePerSecond), s.opts.Burst)
}
