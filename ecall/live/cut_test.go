package live

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// cutProxy is a TCP proxy in front of the relay whose connections a test
// can close, as a network failure would.
type cutProxy struct {
	ln     net.Listener
	mu     sync.Mutex
	target string // the relay's host:port
	conns  []net.Conn
	wg     sync.WaitGroup
}

// startCutProxy starts a proxy to be pointed at a relay with to. Start it
// before the world, so that the devices close before the proxy does.
func startCutProxy(t *testing.T) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) to(relayURL string) {
	p.mu.Lock()
	p.target = strings.TrimSuffix(strings.TrimPrefix(relayURL, "ws://"), "/ws")
	p.mu.Unlock()
}

func (p *cutProxy) url() string { return "ws://" + p.ln.Addr().String() + "/ws" }

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(s, c)
		go p.pipe(c, s)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut closes every proxied connection; new ones are accepted.
func (p *cutProxy) cut() int {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return len(conns) / 2
}

// received records the message types a device received, with their
// transport ("UPDATE via backend"), from its Recv inputs.
type received struct {
	mu   sync.Mutex
	msgs []string
}

func (r *received) observe(ev eventlog.Event) {
	in, ok := ev.Input.(eventlog.RecvInput)
	if !ok || ev.Kind != eventlog.KindInput {
		return
	}
	var m struct {
		Type string `json:"type"`
		Resp bool   `json:"resp"`
	}
	if json.Unmarshal(in.Data, &m) != nil {
		return
	}
	if m.Resp {
		m.Type += " response"
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m.Type+" via "+in.Via.String())
	r.mu.Unlock()
}

func (r *received) has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.msgs, s)
}

// TestCallSurvivesRelayCut: B/1's connection to the relay is cut in the
// middle of an established call, and A/1 renegotiates at that very
// moment. B/1's relay client reconnects by itself and A/1's UPDATE, sent
// while B/1 was away, is resent to it: the renegotiation completes over
// the relay, A/1 hangs up, the HANGUP is exchanged and the call ends
// normally on both sides; the log records the interruption and the resume.
func TestCallSurvivesRelayCut(t *testing.T) {
	px := startCutProxy(t)
	wd := newWorld(t)
	px.to(wd.relay.URL())
	var recvA, recvB received
	a := wd.add("A/1", func(c *DeviceConfig) { c.Observe = both(c.Observe, recvA.observe) })
	b := wd.add("B/1", func(c *DeviceConfig) {
		c.RelayURL = px.url()
		c.Observe = both(c.Observe, recvB.observe)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.WaitMembers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	wait(t, b, "ringing", func(c []CallInfo) bool { return len(c) == 1 && c[0].State == econn.StatePendingIncoming })
	if err := b.Answer(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "established", firstEstablished)
	wait(t, b, "established", firstEstablished)

	if n := px.cut(); n != 1 {
		t.Fatalf("cut %d connections, want B/1's one", n)
	}
	if err := a.Update(); err != nil {
		t.Fatal(err)
	}
	renegotiated := func(d *Device) func(c []CallInfo) bool {
		return func(c []CallInfo) bool {
			return wd.count(d, "media.renegotiated") == 1 && len(c) == 1 && c[0].State == econn.StateDataChanEstablished
		}
	}
	wait(t, b, "the UPDATE after the cut", renegotiated(b))
	wait(t, a, "the UPDATE answered", renegotiated(a))
	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "closed", allClosed)
	wait(t, b, "closed by the HANGUP", allClosed)
	ca, cb := a.Calls()[0], b.Calls()[0]
	if ca.Reason != nil || cb.Reason != nil {
		t.Errorf("close reasons: A %v, B %v; want both normal", ca.Reason, cb.Reason)
	}
	for _, want := range []struct {
		r   *received
		msg string
	}{{&recvB, "UPDATE via backend"}, {&recvA, "UPDATE response via backend"}, {&recvB, "HANGUP via direct"}, {&recvA, "HANGUP response via direct"}} {
		if !want.r.has(want.msg) {
			t.Errorf("no %s received; A got %v, B got %v", want.msg, recvA.msgs, recvB.msgs)
		}
	}
	eventually(t, "B/1's resume recorded", func() bool { return wd.count(b, "relay.resumed") == 1 })
	if n := wd.count(b, "relay.interrupted"); n != 1 {
		t.Errorf("%d relay.interrupted notes for B/1, want 1", n)
	}
	for _, d := range []*Device{a, b} {
		for _, typ := range []string{"relay.lost", "relay.rejected", "relay.dropped", "relay.error"} {
			if n := wd.count(d, typ); n != 0 {
				t.Errorf("%s: %d %s notes", d.Self(), n, typ)
			}
		}
	}
	wd.verify()
}

func both(f, g func(eventlog.Event)) func(eventlog.Event) {
	return func(ev eventlog.Event) {
		if f != nil {
			f(ev)
		}
		g(ev)
	}
}
