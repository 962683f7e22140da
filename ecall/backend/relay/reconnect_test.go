package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// dialTweak dials like dial, with ClientOptions adjusted by tweak.
func dialTweak(t *testing.T, url, conv, user, client string, tweak func(*ClientOptions)) *peer {
	t.Helper()
	id, err := NewIdentity(user, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{id: id, msgs: make(chan Received, 256), errs: make(chan error, 256)}
	opts := ClientOptions{URL: url, Conv: conv, Identity: id}
	tweak(&opts)
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	c, err := Dial(ctx, opts, func(r Received) { p.msgs <- r }, func(err error) { p.errs <- err })
	if err != nil {
		t.Fatalf("Dial %s/%s: %v", user, client, err)
	}
	p.Client = c
	t.Cleanup(func() { c.Close() })
	return p
}

// cutProxy is a TCP proxy in front of the relay, so that a test can cut a
// client's connection as a network would: silently swallow what the relay
// sends (blackhole), or close the TCP connections (cut).
type cutProxy struct {
	ln     net.Listener
	target string

	mu        sync.Mutex
	conns     []net.Conn
	blackhole bool              // drop relay → client bytes
	discarded int64             // bytes dropped so far
	orphans   map[net.Conn]bool // relay sides kept open by halfCut
	wg        sync.WaitGroup
}

func startProxy(t *testing.T, relayURL string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: strings.TrimSuffix(strings.TrimPrefix(relayURL, "ws://"), "/ws")}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) url() string { return "ws://" + p.ln.Addr().String() + "/ws" }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(s, c, false)
		go p.pipe(c, s, true)
	}
}

// pipe copies from src to dst until either closes; bytes from the relay
// are dropped while the proxy is a black hole.
func (p *cutProxy) pipe(dst, src net.Conn, fromRelay bool) {
	defer p.wg.Done()
	defer func() {
		if !p.orphaned(dst) {
			dst.Close()
		}
	}()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			drop := fromRelay && (p.blackhole || p.orphans[src])
			if drop {
				p.discarded += int64(n)
			}
			p.mu.Unlock()
			if !drop {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return // EOF, a reset or a cut: the connection is over either way
		}
	}
}

func (p *cutProxy) setBlackhole() {
	p.mu.Lock()
	p.blackhole = true
	p.mu.Unlock()
}

// halfCut closes the client side of every proxied connection and keeps
// the relay side open, swallowing what the relay writes to it: a
// connection lost without the relay noticing (a NAT rebinding, a Wi-Fi
// switch). New connections are proxied normally.
func (p *cutProxy) halfCut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.orphans == nil {
		p.orphans = make(map[net.Conn]bool)
	}
	for i := 0; i+1 < len(p.conns); i += 2 {
		client, relay := p.conns[i], p.conns[i+1]
		if !p.orphans[relay] {
			p.orphans[relay] = true
			client.Close()
		}
	}
}

func (p *cutProxy) orphaned(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.orphans[c]
}

func (p *cutProxy) swallowed() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.discarded
}

// cut closes every proxied connection, both sides; new ones are accepted.
func (p *cutProxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns, p.blackhole = nil, false
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expectMsgs reads exactly want from p, in order, then nothing more.
func (p *peer) expectMsgs(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		if r := p.next(t); string(r.Data) != w {
			t.Fatalf("%s/%s: message %d is %q, want %q", p.id.User, p.id.Client, i, r.Data, w)
		}
	}
	p.none(t)
}

func mustSend(t *testing.T, p *peer, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := p.Send([]byte(m)); err != nil {
			t.Fatalf("%s/%s: Send %q: %v", p.id.User, p.id.Client, m, err)
		}
	}
}

// B's connection fails mid-conversation: first the relay's frames to B
// vanish (a2 is accepted by the relay and lost), then the TCP connection
// is closed; A and B go on sending meanwhile. B reconnects by itself and
// both sides end with every message exactly once, in order, and no error
// but B's report of the interruption.
func TestReconnectResumesWithoutLossOrDuplicates(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	px := startProxy(t, ts.url)
	resumed := make(chan Resume, 4)
	a := dial(t, ts.url, "conv", "A", "1")
	b := dialTweak(t, px.url(), "conv", "B", "1", func(o *ClientOptions) {
		o.ReconnectMin = 20 * time.Millisecond
		o.OnResume = func(r Resume) { resumed <- r }
	})
	a.waitMembers(t, 2)

	mustSend(t, a, "a1")
	mustSend(t, b, "b1")
	b.next(t)
	a.next(t)

	px.setBlackhole()
	mustSend(t, a, "a2")
	eventually(t, "a2 swallowed", func() bool { return px.swallowed() > 0 })
	px.cut()
	mustSend(t, a, "a3") // B may or may not be in the relay's roster still
	mustSend(t, b, "b2") // B may or may not have noticed the cut
	if err := b.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("B: got %v, want ErrInterrupted", err)
	}
	mustSend(t, b, "b3") // B has noticed: queued
	select {
	case r := <-resumed:
		if r.Attempts < 1 || r.Resent < 2 {
			t.Errorf("resume %+v: want at least b2 and b3 resent", r)
		}
	case <-time.After(waitTime):
		t.Fatal("B did not reconnect")
	}
	a.waitMembers(t, 2)
	mustSend(t, a, "a4")
	mustSend(t, b, "b4")

	b.expectMsgs(t, "a2", "a3", "a4")
	a.expectMsgs(t, "b2", "b3", "b4")
	if st := ts.Stats(); st.Clients != 2 {
		t.Errorf("stats %+v", st)
	}
}

// B's connection dies without the relay noticing, and B rejoins before it
// does: the relay replaces the stale connection, into which it had
// written a2. The replacement carries a new epoch in B's roster entry, so
// A sees B leave and return and resends a2; nothing is lost or doubled.
func TestStaleConnectionReplacedResends(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	px := startProxy(t, ts.url)
	resumed := make(chan Resume, 4)
	a := dial(t, ts.url, "conv", "A", "1")
	b := dialTweak(t, px.url(), "conv", "B", "1", func(o *ClientOptions) {
		o.ReconnectMin = 300 * time.Millisecond
		o.ReconnectMax = 300 * time.Millisecond
		o.OnResume = func(r Resume) { resumed <- r }
	})
	a.waitMembers(t, 2)
	mustSend(t, a, "a1")
	b.expectMsgs(t, "a1")

	px.halfCut()
	if err := b.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("B: got %v, want ErrInterrupted", err)
	}
	mustSend(t, a, "a2") // the relay still has B on the stale connection
	eventually(t, "a2 swallowed", func() bool { return px.swallowed() > 0 })
	select {
	case <-resumed:
	case <-time.After(waitTime):
		t.Fatal("B did not reconnect")
	}
	b.expectMsgs(t, "a2")
	mustSend(t, a, "a3")
	b.expectMsgs(t, "a3")
	if st := ts.Stats(); st.Dropped[DropReplaced] != 1 || st.Clients != 2 {
		t.Errorf("stats %+v: want one replaced connection, two clients", st)
	}
}

// Messages kept for resending go only to members they were meant for: a
// member that joins later gets none of them.
func TestNewMemberGetsNoOldMessages(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	px := startProxy(t, ts.url)
	a := dial(t, ts.url, "conv", "A", "1")
	b := dialTweak(t, px.url(), "conv", "B", "1", func(o *ClientOptions) { o.ReconnectMin = 20 * time.Millisecond })
	a.waitMembers(t, 2)
	mustSend(t, a, "old")
	b.next(t)
	px.cut()
	if err := b.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("B: got %v, want ErrInterrupted", err)
	}
	c := dial(t, ts.url, "conv", "C", "1")
	c.waitMembers(t, 3)
	a.waitMembers(t, 3)
	mustSend(t, a, "new")
	c.expectMsgs(t, "new")
	b.expectMsgs(t, "new")
}

// With ReconnectFor passed, the Client gives up: ErrClosed, to the
// callback and from Send. Until then Send queues.
func TestReconnectGivesUp(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dialTweak(t, ts.url, "conv", "A", "1", func(o *ClientOptions) {
		o.ReconnectFor, o.ReconnectMin, o.ReconnectMax = 300*time.Millisecond, 10*time.Millisecond, 50*time.Millisecond
	})
	dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if err := a.Send([]byte("queued")); err != nil {
		t.Errorf("Send while reconnecting: %v", err)
	}
	err := a.nextErr(t)
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "gave up reconnecting") {
		t.Fatalf("got %v, want ErrClosed after giving up", err)
	}
	if err := a.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after giving up: %v", err)
	}
}

// Close ends a reconnect in progress at once.
func TestCloseWhileReconnecting(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	a := dialTweak(t, ts.url, "conv", "A", "1", func(o *ClientOptions) { o.ReconnectMin = time.Hour })
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.nextErr(t); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(waitTime):
		t.Fatal("Close did not end the reconnect")
	}
	a.none(t)
}

// While reconnecting, Send queues at most maxOutbox messages.
func TestSendQueueBoundedWhileReconnecting(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	px := startProxy(t, ts.url)
	a := dialTweak(t, px.url(), "conv", "A", "1", func(o *ClientOptions) { o.ReconnectMin = time.Hour })
	dial(t, ts.url, "conv", "B", "1")
	a.waitMembers(t, 2)
	px.cut() // A keeps B in its roster: every message waits for B
	a.nextErr(t)
	for i := 0; i < maxOutbox; i++ {
		if err := a.Send([]byte(fmt.Sprint(i))); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := a.Send([]byte("one too many")); !errors.Is(err, ErrInterrupted) {
		t.Errorf("got %v, want ErrInterrupted", err)
	}
}

// A resent box the receiver already has is dropped without a report; an
// unmarked copy is still reported as a replay. A resent message's server
// time is that of its first sending (its sealed send time), not the
// relay's stamp on the resend.
func TestResentCopiesAndServerTime(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{})
	b := dial(t, ts.url, "conv", "B", "1")
	m := rawJoin(t, ts.url, "conv", "M", "1")
	b.waitMembers(t, 2)
	sent := time.Now().Add(-30 * time.Second)
	box, err := sealBox(mustShared(t, m.id.Private, b.id.Public), cryptoRand, "conv", uint64(sent.UnixNano()), []byte("early"))
	if err != nil {
		t.Fatal(err)
	}
	send := func(resend bool) {
		m.write(t, encodeFrame(&frame{Type: frameSend, Conv: "conv",
			Boxes: []addressed{{User: "B", Client: "1", Box: box, Resend: resend}}}))
	}
	send(true)
	r := b.next(t)
	if string(r.Data) != "early" || r.ServerTime != uint32(sent.Unix()) {
		t.Errorf("got %q at server time %d, want \"early\" at its send time %d", r.Data, r.ServerTime, sent.Unix())
	}
	send(true)
	b.none(t)
	send(false)
	if err := b.nextErr(t); !errors.Is(err, ErrReplayed) {
		t.Errorf("unmarked copy: got %v, want ErrReplayed", err)
	}
}
