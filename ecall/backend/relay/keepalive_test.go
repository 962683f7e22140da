package relay

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A client that only receives notices, by its pings, that the relay's
// frames no longer reach it, and reconnects; once the network is back,
// messages flow again.
func TestClientPingDetectsDeadConnection(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{PingInterval: -1})
	px := startProxy(t, ts.url)
	resumed := make(chan Resume, 4)
	a := dial(t, ts.url, "conv", "A", "1")
	b := dialTweak(t, px.url(), "conv", "B", "1", func(o *ClientOptions) {
		o.PingInterval, o.PingTimeout = 50*time.Millisecond, 100*time.Millisecond
		o.ReconnectMin = 20 * time.Millisecond
		o.OnResume = func(r Resume) { resumed <- r }
	})
	a.waitMembers(t, 2)
	px.setBlackhole()
	err := b.nextErr(t)
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "no pong") {
		t.Fatalf("B: got %v, want ErrInterrupted for a missing pong", err)
	}
	px.cut() // the network is back
	select {
	case <-resumed:
	case <-time.After(waitTime):
		t.Fatal("B did not reconnect")
	}
	a.waitMembers(t, 2)
	mustSend(t, a, "a1")
	b.expectMsgs(t, "a1")
}

// A joined client that stops answering pings (here: it never reads) is
// disconnected by the relay and leaves the others' roster.
func TestServerPingDropsSilentClient(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	a := dial(t, ts.url, "conv", "A", "1")
	rawJoin(t, ts.url, "conv", "R", "1") // reads nothing after its join: no pongs
	a.waitMembers(t, 2)
	a.waitMembers(t, 1)
	ts.waitStats(t, "R gone", func(st ServerStats) bool { return st.Clients == 1 })
	if !strings.Contains(ts.logs.String(), "no pong") {
		t.Errorf("log does not name the missing pong:\n%s", ts.logs.String())
	}
}

// Pings answered keep an idle connection up: nothing is reported.
func TestPingsKeepIdleConnection(t *testing.T) {
	checkLeaks(t)
	ts := startServer(t, ServerOptions{PingInterval: 20 * time.Millisecond, PingTimeout: time.Second})
	fast := func(o *ClientOptions) { o.PingInterval, o.PingTimeout = 20*time.Millisecond, time.Second }
	a := dialTweak(t, ts.url, "conv", "A", "1", fast)
	b := dialTweak(t, ts.url, "conv", "B", "1", fast)
	a.waitMembers(t, 2)
	time.Sleep(300 * time.Millisecond)
	a.none(t)
	b.none(t)
	mustSend(t, a, "a1")
	b.expectMsgs(t, "a1")
	if got := NewServer(ServerOptions{PingInterval: -1}).opts.PingInterval; got != 0 {
		t.Errorf("negative PingInterval became %v, want off (0)", got)
	}
	if got := (ClientOptions{PingInterval: time.Nanosecond}).withDefaults().PingInterval; got != MinPingInterval {
		t.Errorf("PingInterval 1ns became %v, want %v", got, MinPingInterval)
	}
}
