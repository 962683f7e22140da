package relay

import (
	"context"
	"errors"
	"time"

	"github.com/coder/websocket"
)

// Default keepalive of both ends, used for zero PingInterval and
// PingTimeout fields of ServerOptions and ClientOptions.
const (
	DefaultPingInterval = 15 * time.Second
	DefaultPingTimeout  = 10 * time.Second
)

// MinPingInterval bounds PingInterval and PingTimeout from below: pinging
// faster only loads the relay.
const MinPingInterval = 10 * time.Millisecond

// pingDefaults fills in a keepalive's zero fields and bounds the others;
// a negative interval turns the keepalive off (0).
func pingDefaults(interval, timeout time.Duration) (time.Duration, time.Duration) {
	switch {
	case interval < 0:
		return 0, 0
	case interval == 0:
		interval = DefaultPingInterval
	}
	if timeout <= 0 {
		timeout = DefaultPingTimeout
	}
	return max(interval, MinPingInterval), max(timeout, MinPingInterval)
}

// keepalive pings ws every interval, until stop is closed or a ping fails.
// A peer whose pong does not come within timeout is taken as gone: ws is
// closed, which ends its reader (the relay's session leaves, a Client
// reconnects), after lost is called. Without pings a receive-only end would
// never notice a connection that died silently (a NAT dropping its state,
// a laptop lid closed). The pong is read by ws's reader, which must run.
func keepalive(ws *websocket.Conn, interval, timeout time.Duration, stop <-chan struct{}, lost func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := ws.Ping(ctx)
		cancel()
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			lost(err) // before the close, which the reader takes as the end
			ws.CloseNow()
			return
		case err != nil:
			return // the connection is closed: the reader sees why
		}
	}
}

// startKeepalive runs keepalive in a goroutine; the returned func stops it
// and waits for it to end. With interval 0 it does nothing.
func startKeepalive(ws *websocket.Conn, interval, timeout time.Duration, lost func(error)) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	stopCh, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		keepalive(ws, interval, timeout, stopCh, lost)
	}()
	return func() {
		close(stopCh)
		<-done
	}
}
