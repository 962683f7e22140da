package mediaflow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/callrec/callrec/internal/turntest"
)

// relayOptions are options that send media through the TURN server srv
// only, as user with password.
func relayOptions(srv *turntest.Server, user, password string) Options {
	o := testOptions()
	o.Loopback = false
	// Every interface: pion binds the TURN client to each filtered
	// interface, and it leaves loopback out of them.
	o.RelayOnly = true
	o.ICEServers = []webrtc.ICEServer{{URLs: []string{srv.URL()}, Username: user, Credential: password}}
	return o
}

func startTURN(t *testing.T) *turntest.Server {
	t.Helper()
	srv, err := turntest.Start("127.0.0.1:0", "127.0.0.1", "dev", "secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// Relay-only Flows offer relay candidates only, connect through the TURN
// server, and report a selected pair of relay candidates.
func TestRelayOnlyThroughTURN(t *testing.T) {
	checkGoroutines(t)
	srv := startTURN(t)
	a, b := newPair(t, relayOptions(srv, "dev", "secret"), relayOptions(srv, "dev", "secret"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	offer, err := a.CreateOffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(offer, "\r\n") {
		if strings.HasPrefix(line, "a=candidate:") && !strings.Contains(line, " typ relay") {
			t.Errorf("relay-only offer has candidate %q", line)
		}
	}
	answer, err := b.Accept(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*peer{a, b} {
		p.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
		var pair CandidatePairSelected
		for _, e := range p.rec.snapshot() {
			if e, ok := e.(CandidatePairSelected); ok {
				pair = e
			}
		}
		if pair.Local.Type != "relay" || pair.Remote.Type != "relay" {
			t.Errorf("selected pair %v → %v, want relay to relay", pair.Local, pair.Remote)
		}
	}
	if n := srv.Allocations(); n < 2 {
		t.Errorf("TURN server allocated %d relays, want one per side", n)
	}
}

// A relay-only Flow whose TURN allocation is refused cannot offer or
// answer: ErrNoRelayCandidate, not an offer that can never connect.
func TestRelayOnlyAllocationRefused(t *testing.T) {
	checkGoroutines(t)
	srv := startTURN(t)
	f, err := New(relayOptions(srv, "dev", "wrong"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.CreateOffer(ctx); !errors.Is(err, ErrNoRelayCandidate) {
		t.Fatalf("CreateOffer with refused credentials = %v, want ErrNoRelayCandidate", err)
	}
	if srv.Allocations() != 0 {
		t.Errorf("TURN server allocated %d relays for refused credentials", srv.Allocations())
	}
}

// Flows on loopback report their selected pair: host to host.
func TestSelectedPairOnLoopback(t *testing.T) {
	checkGoroutines(t)
	a, _ := connectedPair(t, testOptions(), testOptions())
	a.rec.waitFor(t, "candidate-pair", 1, is[CandidatePairSelected])
	for _, e := range a.rec.snapshot() {
		if e, ok := e.(CandidatePairSelected); ok {
			if e.Local.Type != "host" || e.Remote.Type != "host" || e.Local.Address != "127.0.0.1" || e.Local.Port == 0 {
				t.Errorf("pair %v → %v, want host 127.0.0.1 to host", e.Local, e.Remote)
			}
			if got := e.Local.String(); !strings.HasPrefix(got, "host udp 127.0.0.1:") {
				t.Errorf("Local.String() = %q", got)
			}
		}
	}
}
