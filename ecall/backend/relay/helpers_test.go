package relay

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// waitTime bounds every wait in these tests: long enough for a loaded CI
// machine, short enough that a hang fails fast.
const waitTime = 5 * time.Second

// quiet is how long a test waits to conclude that nothing arrives.
const quiet = 150 * time.Millisecond

// checkLeaks fails the test if goroutines started during it outlive it.
// Register it first, so that its cleanup runs after the others.
func checkLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(waitTime)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf)
		}
	})
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	*Server
	url  string
	logs *syncBuffer
}

// startServer serves a relay on a loopback port until the test ends.
func startServer(t *testing.T, opts ServerOptions) *testServer {
	t.Helper()
	logs := new(syncBuffer)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(opts)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return &testServer{Server: s, url: "ws://" + ln.Addr().String() + "/ws", logs: logs}
}

// waitStats polls the server's counters until cond holds.
func (ts *testServer) waitStats(t *testing.T, what string, cond func(ServerStats) bool) ServerStats {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		st := ts.Stats()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; stats %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// peer is a Client with its callbacks recorded.
type peer struct {
	*Client
	id   Identity
	msgs chan Received
	errs chan error
}

func dial(t *testing.T, url, conv, user, client string) *peer {
	t.Helper()
	p, err := tryDial(t, url, conv, user, client)
	if err != nil {
		t.Fatalf("Dial %s/%s: %v", user, client, err)
	}
	return p
}

func tryDial(t *testing.T, url, conv, user, client string) (*peer, error) {
	t.Helper()
	id, err := NewIdentity(user, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	return dialOpts(t, ClientOptions{URL: url, Conv: conv, Identity: id})
}

// dialOpts dials with the given options and records the callbacks.
func dialOpts(t *testing.T, opts ClientOptions) (*peer, error) {
	t.Helper()
	p := &peer{id: opts.Identity, msgs: make(chan Received, 256), errs: make(chan error, 256)}
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := Dial(ctx, opts, func(r Received) { p.msgs <- r }, func(err error) { p.errs <- err })
	if err != nil {
		return nil, err
	}
	p.Client = c
	t.Cleanup(func() { c.Close() })
	return p, nil
}

func (p *peer) next(t *testing.T) Received {
	t.Helper()
	select {
	case r := <-p.msgs:
		return r
	case err := <-p.errs:
		t.Fatalf("%s/%s: error instead of a message: %v", p.id.User, p.id.Client, err)
	case <-time.After(waitTime):
		t.Fatalf("%s/%s: no message", p.id.User, p.id.Client)
	}
	return Received{}
}

func (p *peer) nextErr(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.errs:
		return err
	case r := <-p.msgs:
		t.Fatalf("%s/%s: message %q instead of an error", p.id.User, p.id.Client, r.Data)
	case <-time.After(waitTime):
		t.Fatalf("%s/%s: no error", p.id.User, p.id.Client)
	}
	return nil
}

// none asserts that nothing arrives for a while.
func (p *peer) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-p.msgs:
		t.Fatalf("%s/%s: unexpected message from %s/%s: %q", p.id.User, p.id.Client, r.FromUser, r.FromClient, r.Data)
	case err := <-p.errs:
		t.Fatalf("%s/%s: unexpected error: %v", p.id.User, p.id.Client, err)
	case <-time.After(quiet):
	}
}

// waitMembers waits until the roster has exactly n members.
func (p *peer) waitMembers(t *testing.T, n int) []Member {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if err := p.WaitRoster(ctx, func(ms []Member) bool { return len(ms) == n }); err != nil {
		t.Fatalf("%s/%s: waiting for %d members (have %d): %v", p.id.User, p.id.Client, n, len(p.Roster()), err)
	}
	return p.Roster()
}

// rawPeer is a hand-driven WebSocket connection: a bad peer, or a good one
// sending frames the Client would never send.
type rawPeer struct {
	ws *websocket.Conn
	id Identity
}

// rawJoin connects and joins; it fails the test unless the join is accepted.
func rawJoin(t *testing.T, url, conv, user, client string) *rawPeer {
	t.Helper()
	id, err := NewIdentity(user, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rawDial(t, url)
	r.id = id
	r.write(t, r.joinFrame(t, id, conv))
	if f := r.read(t); f.Type != frameJoined {
		t.Fatalf("join answered with %+v", f)
	}
	return r
}

// joinFrame reads the server's challenge and returns a join frame for id
// that answers it, as Client.join would.
func (r *rawPeer) joinFrame(t *testing.T, id Identity, conv string) []byte {
	t.Helper()
	ch := r.readAny(t)
	if ch.Type != frameChallenge {
		t.Fatalf("first frame from the server: %+v, want a challenge", ch)
	}
	return signedJoin(id, conv, ch.Nonce)
}

func signedJoin(id Identity, conv string, nonce []byte) []byte {
	idKey := id.IdentityKey()
	return encodeFrame(&frame{Type: frameJoin, Conv: conv, User: id.User, Client: id.Client, Key: id.Public[:],
		ID: idKey, Sig: id.signAnnouncement(conv),
		Proof: ed25519.Sign(id.Signing, joinProof(nonce, conv, id.User, id.Client, id.Public[:], idKey))})
}

// signedMember is id's roster entry, as the relay distributes it.
func signedMember(id Identity, conv string) wireMember {
	return wireMember{User: id.User, Client: id.Client, Key: id.Public[:], ID: id.IdentityKey(), Sig: id.signAnnouncement(conv)}
}

// readAny returns the next frame, whatever its type.
func (r *rawPeer) readAny(t *testing.T) *frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	_, data, err := r.ws.Read(ctx)
	if err != nil {
		t.Fatalf("raw read: %v", err)
	}
	f, err := decodeFrame(data)
	if err != nil {
		t.Fatalf("raw read: %v", err)
	}
	return f
}

func rawDial(t *testing.T, url string) *rawPeer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 24)
	t.Cleanup(func() { ws.CloseNow() })
	return &rawPeer{ws: ws}
}

func (r *rawPeer) write(t *testing.T, data []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if err := r.ws.Write(ctx, websocket.MessageText, data); err != nil {
		t.Fatalf("raw write: %v", err)
	}
}

// writeUntilCut sends a frame the server is expected to answer by closing
// the connection. The server may cut the connection while the frame is
// still being written, so a write error is not a failure here; what the
// caller checks is how the others see the disconnect.
func (r *rawPeer) writeUntilCut(data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	_ = r.ws.Write(ctx, websocket.MessageText, data)
}

// read returns the next frame other than a roster update or a challenge.
func (r *rawPeer) read(t *testing.T) *frame {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), waitTime)
		_, data, err := r.ws.Read(ctx)
		cancel()
		if err != nil {
			t.Fatalf("raw read: %v", err)
		}
		f, err := decodeFrame(data)
		if err != nil {
			t.Fatalf("raw read: %v", err)
		}
		if f.Type != frameRoster && f.Type != frameChallenge {
			return f
		}
	}
}

// expectDrop reads the server's error frame for a dropped frame.
func (r *rawPeer) expectDrop(t *testing.T, reason DropReason) {
	t.Helper()
	f := r.read(t)
	if f.Type != frameError || DropReason(f.Reason) != reason {
		t.Fatalf("got %+v, want error frame with reason %s", f, reason)
	}
}

// sealFor seals data from the raw peer for a client, as Client.Send would.
func (r *rawPeer) sealFor(t *testing.T, to Identity, conv string, data []byte) addressed {
	t.Helper()
	b, err := sealBox(mustShared(t, r.id.Private, to.Public), cryptoRand, conv,
		uint64(time.Now().UnixNano()), data)
	if err != nil {
		t.Fatal(err)
	}
	return addressed{User: to.User, Client: to.Client, Box: b}
}
