package live

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// tamperProxy sits between one client and the relay and changes one
// character of every box the relay delivers to that client: a relay (or a
// network) altering a SETUP in transit.
type tamperProxy struct {
	ln       net.Listener
	relay    string // host:port
	tampered atomic.Int64
	wg       sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

func newTamperProxy(t *testing.T, relayAddr string) *tamperProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tamperProxy{ln: ln, relay: relayAddr}
	p.wg.Add(1)
	go p.accept()
	// Cleanups run last-registered first, before the world's devices
	// close: close the proxied connections too.
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *tamperProxy) url() string { return "ws://" + p.ln.Addr().String() + "/ws" }

func (p *tamperProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.relay)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // client → relay, as is
			defer p.wg.Done()
			_, _ = io.Copy(s, c)
			s.Close()
		}()
		go func() { // relay → client, boxes altered
			defer p.wg.Done()
			p.tamper(c, s)
			c.Close()
		}()
	}
}

// tamper copies src to dst, replacing the 20th character after each
// `"box":"` with another base64 character. The relay's frames are
// uncompressed JSON, so the frame keeps its length and stays valid JSON.
func (p *tamperProxy) tamper(dst io.Writer, src io.Reader) {
	const marker = `"box":"`
	r, w := bufio.NewReader(src), bufio.NewWriter(dst)
	matched, after := 0, -1
	for {
		b, err := r.ReadByte()
		if err != nil {
			_ = w.Flush()
			return
		}
		switch {
		case after >= 0:
			after++
			if after == 20 {
				if b == 'A' {
					b = 'B'
				} else {
					b = 'A'
				}
				p.tampered.Add(1)
				after = -1
			}
		case b == marker[matched]:
			matched++
			if matched == len(marker) {
				matched, after = 0, 0
			}
		default:
			matched = 0
			if b == marker[0] {
				matched = 1
			}
		}
		if err := w.WriteByte(b); err != nil {
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// TestTamperedSetupRejectedAndRecorded: a SETUP altered on its way to B/1
// fails authentication; B/1 does not ring, records why, and its log still
// replays.
func TestTamperedSetupRejectedAndRecorded(t *testing.T) {
	wd := newWorld(t)
	proxy := newTamperProxy(t, wd.relay.ln.Addr().String())
	var mu sync.Mutex
	var rejected []eventlog.Note
	a := wd.add("A/1", nil)
	b := wd.add("B/1", func(cfg *DeviceConfig) {
		cfg.RelayURL = proxy.url()
		observe := cfg.Observe
		cfg.Observe = func(ev eventlog.Event) {
			observe(ev)
			if ev.Type == "relay.rejected" {
				mu.Lock()
				rejected = append(rejected, *ev.Note)
				mu.Unlock()
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.WaitMembers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	wait(t, b, "the rejection", func([]CallInfo) bool { return wd.count(b, "relay.rejected") > 0 })
	mu.Lock()
	n := rejected[0]
	mu.Unlock()
	if n.Attrs["reason"] != "tampered" || n.Attrs["from"] != "A/1" {
		t.Errorf("rejection note %q %v; want reason tampered from A/1", n.Text, n.Attrs)
	}
	if proxy.tampered.Load() == 0 {
		t.Fatal("the proxy altered nothing")
	}
	time.Sleep(100 * time.Millisecond) // nothing else arrives
	if calls := b.Calls(); len(calls) != 0 {
		t.Errorf("B/1 has %d connections after a forged SETUP, want none", len(calls))
	}
	if c := a.Calls(); c[0].State != econn.StatePendingOutgoing {
		t.Errorf("A/1 is %s, want still Pending-Outgoing", c[0].State)
	}
	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "closed", allClosed)
	// Close the devices while the proxy still runs (its cleanup cuts its
	// connections before the world's would close them).
	for _, d := range []*Device{a, b} {
		if err := d.Close(); err != nil {
			t.Errorf("close %s: %v", d.Self(), err)
		}
	}
	wd.verify()
}
