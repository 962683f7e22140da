package live

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/callrec/callrec/ecall/backend/relay"
)

// Relay is a signalling relay server listening on a TCP address: on a
// random loopback port for calls within one process (the demo, tests), on
// a given address for `callrec serve`.
type Relay struct {
	srv  *relay.Server
	ln   net.Listener
	done chan error
}

// StartRelay runs a relay on a random port of 127.0.0.1.
func StartRelay(opts relay.ServerOptions) (*Relay, error) {
	return ListenRelay("127.0.0.1:0", opts)
}

// ListenRelay runs a relay on addr ("host:port"; port 0 picks one).
func ListenRelay(addr string, opts relay.ServerOptions) (*Relay, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("relay: listen on %s: %w", addr, err)
	}
	r := &Relay{srv: relay.NewServer(opts), ln: ln, done: make(chan error, 1)}
	go func() { r.done <- r.srv.Serve(ln) }()
	return r, nil
}

// URL returns the relay's WebSocket endpoint, e.g. ws://127.0.0.1:40123/ws.
func (r *Relay) URL() string { return "ws://" + r.ln.Addr().String() + "/ws" }

// Server returns the relay server (its Stats).
func (r *Relay) Server() *relay.Server { return r.srv }

// Close disconnects every client, stops the relay and waits for it.
func (r *Relay) Close() error {
	err := r.srv.Close()
	if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	r.done <- nil // a second Close does not block
	return err
}

// RelayURL turns what a user types into the relay's WebSocket URL:
// "host:port", "ws://host:port", "http://host:port" and the same with
// "/ws" all name the endpoint ws://host:port/ws (wss for https).
func RelayURL(s string) (string, error) {
	u := strings.TrimSpace(s)
	if u == "" {
		return "", errors.New("relay URL is empty")
	}
	switch {
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://"):
		u = "ws://" + u
	}
	hostStart := strings.Index(u, "//") + 2
	if strings.IndexByte(u[hostStart:], '/') < 0 {
		u += "/ws"
	}
	if _, _, err := net.SplitHostPort(hostOf(u[hostStart:])); err != nil {
		return "", fmt.Errorf("relay URL %q: want host:port: %w", s, err)
	}
	return u, nil
}

func hostOf(s string) string {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i]
	}
	return s
}

// backend is ecall.Backend over a relay client; the client is set once
// dialled (before the device takes commands).
type backend struct {
	c atomic.Pointer[relay.Client]
}

func (b *backend) SendBackend(data []byte) error {
	c := b.c.Load()
	if c == nil {
		return relay.ErrClosed
	}
	return c.Send(data)
}
