package mediaflow

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/logging"
)

// The loopback filter keeps exactly the interfaces flagged loopback, as
// the per-call lookup does.
func TestLoopbackFilter(t *testing.T) {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Skipf("no interface list here: %v", err)
	}
	keep := loopbackFilter()
	loopbacks := 0
	for _, iface := range ifaces {
		want := iface.Flags&net.FlagLoopback != 0
		if want {
			loopbacks++
		}
		if got := keep(iface.Name); got != want {
			t.Errorf("filter(%q) = %v, want %v (flags %v)", iface.Name, got, want, iface.Flags)
		}
		if got := isLoopbackInterface(iface.Name); got != want {
			t.Errorf("isLoopbackInterface(%q) = %v, want %v", iface.Name, got, want)
		}
	}
	if loopbacks == 0 {
		t.Skip("no loopback interface on this machine")
	}
	if keep("no-such-interface") {
		t.Error("filter keeps an interface that does not exist")
	}
}

// fingerprint returns the DTLS fingerprint line of an SDP.
func fingerprint(t *testing.T, sdp string) string {
	t.Helper()
	for _, line := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(line, "a=fingerprint:") {
			return line
		}
	}
	t.Fatalf("no fingerprint in SDP:\n%s", sdp)
	return ""
}

// Flows given one Certificate offer its fingerprint and connect; Flows
// without one each draw their own.
func TestCertificateReused(t *testing.T) {
	checkGoroutines(t)
	cert, err := NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	withCert := testOptions()
	withCert.Certificate = cert
	var offers, answers []string
	for range 2 {
		a, b := newPair(t, withCert, testOptions())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		offer, err := a.CreateOffer(ctx)
		if err != nil {
			t.Fatal(err)
		}
		answer, err := b.Accept(ctx, offer)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SetAnswer(answer); err != nil {
			t.Fatal(err)
		}
		a.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
		b.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
		offers, answers = append(offers, fingerprint(t, offer)), append(answers, fingerprint(t, answer))
	}
	if offers[0] != offers[1] {
		t.Errorf("flows with one certificate offered two fingerprints:\n%s\n%s", offers[0], offers[1])
	}
	if answers[0] == answers[1] {
		t.Errorf("flows without a certificate share a fingerprint: %s", answers[0])
	}
}

// Flows share one pion API, yet each gets the statistics of its own peer
// connection, also when they are built concurrently.
func TestSharedAPIStatsPerFlow(t *testing.T) {
	checkGoroutines(t)
	const n = 8
	flows := make([]*Flow, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { flows[i], errs[i] = New(testOptions(), nil) })
	}
	wg.Wait()
	seen := make(map[stats.Getter]bool)
	for i, f := range flows {
		if errs[i] != nil {
			t.Fatalf("New: %v", errs[i])
		}
		defer f.Close()
		if f.sentStats == nil {
			t.Fatalf("flow %d has no statistics getter", i)
		}
		if seen[f.sentStats] {
			t.Errorf("flow %d shares its statistics getter with another flow", i)
		}
		seen[f.sentStats] = true
	}
}

// On loopback, the peer connections of an API share one list of the
// interfaces, which holds the loopback interface; off loopback each ICE
// agent lists its own, so that a long-running device sees network changes.
func TestLoopbackSharesNet(t *testing.T) {
	o := DefaultOptions()
	_, n := o.settingEngine()
	if n == nil {
		t.Fatal("loopback settings share no interface list")
	}
	ifaces, err := n.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, iface := range ifaces {
		found = found || iface.Flags&net.FlagLoopback != 0
	}
	if !found {
		t.Error("the shared interface list has no loopback interface")
	}
	o.Loopback = false
	if _, n := o.settingEngine(); n != nil {
		t.Error("network settings share an interface list")
	}
}

// The loggers of an API are made once per scope and write where the base
// factory's do.
func TestSharedLoggers(t *testing.T) {
	var out strings.Builder
	base := logging.NewDefaultLoggerFactory()
	base.Writer = &out
	f := newSharedLoggers(base)
	ice1, ice2, dtls := f.NewLogger("ice"), f.NewLogger("ice"), f.NewLogger("dtls")
	if ice1 != ice2 {
		t.Error("two loggers for one scope")
	}
	if ice1 == dtls {
		t.Error("one logger for two scopes")
	}
	dtls.Error("handshake failed")
	if got := out.String(); !strings.Contains(got, "dtls ERROR: ") || !strings.Contains(got, "handshake failed") {
		t.Errorf("logged %q", got)
	}
}
