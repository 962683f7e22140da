package live

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
	"github.com/pion/webrtc/v4"
)

// legSide is one Media on its own loop, collecting the events its legs
// deliver.
type legSide struct {
	loop  *Loop
	media *Media
	mu    sync.Mutex
	evs   []ecall.MediaEvent
}

func newLegSide(t *testing.T) *legSide {
	s := &legSide{loop: NewLoop()}
	s.media = NewMedia(mediaflow.DefaultOptions(), s.loop, NewRealClock(time.Now(), s.loop),
		func(_ string, ev ecall.MediaEvent) {
			s.mu.Lock()
			s.evs = append(s.evs, ev)
			s.mu.Unlock()
		})
	t.Cleanup(func() {
		s.loop.Do(s.media.Close)
		s.media.Wait()
		s.loop.Close()
	})
	return s
}

// on runs f on the side's loop.
func (s *legSide) on(f func()) { s.loop.Do(f) }

func (s *legSide) has(t ecall.MediaEventType, note string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.evs {
		if ev.Type == t && (note == "" || ev.Note != nil && ev.Note.Type == note) {
			return true
		}
	}
	return false
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestLegGlareLoserAnswersOnNewFlow: both legs made an offer (a glare);
// the loser's Accept of the winner's offer replaces its peer connection,
// and the call connects with the winner's original offer.
func TestLegGlareLoserAnswersOnNewFlow(t *testing.T) {
	checkLeaks(t)
	win, lose := newLegSide(t), newLegSide(t)
	var wl, ll ecall.Leg
	var offerW, answer string
	var err error
	win.on(func() {
		wl, err = win.media.NewLeg("w", eventlog.Endpoint{User: "A", Client: "1"})
		if err == nil {
			offerW, err = wl.Offer()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	lose.on(func() {
		ll, err = lose.media.NewLeg("l", eventlog.Endpoint{User: "B", Client: "1"})
		if err != nil {
			return
		}
		if _, err = ll.Offer(); err != nil { // the loser's own offer, dropped by the winner
			return
		}
		answer, err = ll.Accept(offerW)
	})
	if err != nil {
		t.Fatal(err)
	}
	if gen := ll.(*Leg).gen; gen != 2 {
		t.Errorf("loser's flow generation %d, want 2 (a new flow)", gen)
	}
	win.on(func() { err = wl.SetAnswer(answer) })
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "data channels", func() bool {
		return win.has(ecall.MediaDataChanOpen, "") && lose.has(ecall.MediaDataChanOpen, "")
	})
	eventually(t, "audio", func() bool { return win.has(ecall.MediaStarted, "") && lose.has(ecall.MediaStarted, "") })
	if !lose.has(ecall.MediaNote, "media.flow") {
		t.Error("the loser did not record that it replaced its peer connection")
	}
	// The replaced flow's events are dropped: one connected, not two.
	lose.mu.Lock()
	n := 0
	for _, ev := range lose.evs {
		if ev.Type == ecall.MediaConnected {
			n++
		}
	}
	lose.mu.Unlock()
	if n != 1 {
		t.Errorf("loser got %d MediaConnected, want 1", n)
	}
}

// TestLegClosedMediaRefusesLegs: after Close no leg can be made.
func TestLegClosedMediaRefusesLegs(t *testing.T) {
	s := newLegSide(t)
	var err error
	s.on(func() {
		s.media.Close()
		_, err = s.media.NewLeg("x", eventlog.Endpoint{})
	})
	if !errors.Is(err, mediaflow.ErrClosed) {
		t.Fatalf("NewLeg after Close: %v, want ErrClosed", err)
	}
}

func TestStatsNote(t *testing.T) {
	text, attrs := statsNote(mediaflow.Stats{
		AudioSent: mediaflow.StreamStats{Packets: 50, Bytes: 150, Lost: 1, RTT: 2500 * time.Microsecond, RTTKnown: true},
		AudioRecv: mediaflow.StreamStats{Packets: 48, Lost: 2, Jitter: 1500 * time.Microsecond},
		DataSent:  3, DataRecv: 2,
	})
	for _, want := range []string{"audio sent 50 pkts (peer reports 1 lost)", "received 48 pkts (2 lost, jitter 1.5ms)", "data 3 sent, 2 received"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q lacks %q", text, want)
		}
	}
	if strings.Contains(text, "video") {
		t.Errorf("%q mentions video, which never flowed", text)
	}
	for k, v := range map[string]string{"audio.sent.packets": "50", "audio.recv.lost": "2", "audio.recv.jitter_us": "1500", "data.recv": "2", "audio.sent.rtt_us": "2500"} {
		if attrs[k] != v {
			t.Errorf("attr %s = %q, want %q", k, attrs[k], v)
		}
	}
	if _, ok := attrs["audio.recv.rtt_us"]; ok {
		t.Error("an RTT attribute for a stream whose RTT is unknown")
	}
	if text, _ := statsNote(mediaflow.Stats{VideoRecv: mediaflow.StreamStats{Packets: 5}}); !strings.Contains(text, "video sent 0 pkts") {
		t.Errorf("%q: no video part", text)
	}
}

func TestLatestKeepsLastSentCounters(t *testing.T) {
	last := mediaflow.Stats{AudioSent: mediaflow.StreamStats{Packets: 40}, AudioRecv: mediaflow.StreamStats{Packets: 30}}
	final := mediaflow.Stats{AudioRecv: mediaflow.StreamStats{Packets: 45}, DataSent: 3}
	got := latest(last, final)
	if got.AudioSent.Packets != 40 || got.AudioRecv.Packets != 45 || got.DataSent != 3 {
		t.Errorf("latest = %+v", got)
	}
}

func TestRelayNote(t *testing.T) {
	for _, c := range []struct {
		err              error
		typ, reason, sub string
	}{
		{&relay.OpenError{FromUser: "A", FromClient: "1", ServerTime: 7, Err: relay.ErrTampered}, "relay.rejected", "tampered", "from A/1 rejected"},
		{&relay.OpenError{FromUser: "A", FromClient: "1", Err: relay.ErrReplayed}, "relay.rejected", "replayed", "replayed"},
		{&relay.ServerError{Reason: relay.DropRateLimited, Err: relay.ErrRateLimited}, "relay.dropped", "rate_limited", "dropped"},
		{errors.Join(errors.New("read"), relay.ErrClosed), "relay.lost", "", "lost"},
		{&relay.KeyError{User: "B", Client: "1", Got: "1111", Want: "2222", Why: "not the pinned key"}, "relay.key-refused", "not the pinned key", "key of B/1 refused"},
		{fmt.Errorf("%w: EOF", relay.ErrInterrupted), "relay.interrupted", "", "reconnecting"},
	} {
		typ, text, attrs := relayNote(c.err)
		if typ != c.typ || attrs["reason"] != c.reason || !strings.Contains(text, c.sub) {
			t.Errorf("%v: note %s %q %v", c.err, typ, text, attrs)
		}
	}
}

// TestRelayErrorRecorded: an error of the relay client reaches the log
// as a note of the device, through its loop.
func TestRelayErrorRecorded(t *testing.T) {
	wd := newWorld(t)
	a := wd.add("A/1", nil)
	a.onRelayErr(&relay.OpenError{FromUser: "B", FromClient: "1", Err: relay.ErrTampered})
	if err := a.Do(func(*ecall.Client) {}); err != nil { // the note was posted before
		t.Fatal(err)
	}
	if n := wd.count(a, "relay.rejected"); n != 1 {
		t.Fatalf("%d relay.rejected notes, want 1", n)
	}
}

// TestSubstitutedKeyRecorded: a peer announced with another key than the
// pinned one is left out of the device's roster and recorded as a note.
func TestSubstitutedKeyRecorded(t *testing.T) {
	wd := newWorld(t)
	real, err := relay.NewIdentity("B", "1", nil)
	if err != nil {
		t.Fatal(err)
	}
	pins := relay.NewMembers()
	if err := pins.Add("B", "1", real.IdentityKey(), "*"); err != nil {
		t.Fatal(err)
	}
	a := wd.add("A/1", func(c *DeviceConfig) { c.Pins = pins })
	wd.add("B/1", nil) // a fresh key: not the pinned one
	wait(t, a, "the refusal", func([]CallInfo) bool { return wd.count(a, "relay.key-refused") == 1 })
	if n := len(a.Members()); n != 1 {
		t.Errorf("A/1's roster has %d members, want only itself", n)
	}
}

func TestRelayURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":            "ws://127.0.0.1:8080/ws",
		"ws://127.0.0.1:8080/ws":    "ws://127.0.0.1:8080/ws",
		"http://example.org:80":     "ws://example.org:80/ws",
		"https://example.org:443/x": "wss://example.org:443/x",
	} {
		if got, err := RelayURL(in); err != nil || got != want {
			t.Errorf("RelayURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "example.org", "ws://nohost/ws"} {
		if _, err := RelayURL(bad); err == nil {
			t.Errorf("RelayURL(%q): no error", bad)
		}
	}
}

// TestLegUpdateGlareRollsBack: after a first exchange, a leg with its own
// re-offer out (the loser of an UPDATE glare) rolls it back, records
// that, and answers the peer's re-offer on the same peer connection; the
// peer applies the answer.
func TestLegUpdateGlareRollsBack(t *testing.T) {
	checkLeaks(t)
	a, b := newLegSide(t), newLegSide(t)
	var la, lb ecall.Leg
	var offer, answer string
	var err error
	a.on(func() {
		if la, err = a.media.NewLeg("a", eventlog.Endpoint{User: "B", Client: "1"}); err == nil {
			offer, err = la.Offer()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.on(func() {
		if lb, err = b.media.NewLeg("b", eventlog.Endpoint{User: "A", Client: "1"}); err == nil {
			answer, err = lb.Accept(offer)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	a.on(func() { err = la.SetAnswer(answer) })
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "data channels", func() bool {
		return a.has(ecall.MediaDataChanOpen, "") && b.has(ecall.MediaDataChanOpen, "")
	})
	var reA string
	a.on(func() { reA, err = la.Reoffer() })
	if err != nil {
		t.Fatal(err)
	}
	var answerB string
	b.on(func() {
		if _, err = lb.Reoffer(); err == nil {
			answerB, err = lb.Accept(reA)
		}
	})
	if err != nil {
		t.Fatalf("Accept in an UPDATE glare: %v", err)
	}
	if !b.has(ecall.MediaNote, "media.rollback") || a.has(ecall.MediaNote, "media.rollback") {
		t.Error("want a media.rollback note from the glare's loser only")
	}
	if gen := lb.(*Leg).gen; gen != 1 {
		t.Errorf("the established flow was replaced (generation %d)", gen)
	}
	a.on(func() { err = la.SetAnswer(answerB) })
	if err != nil {
		t.Fatalf("the winner's SetAnswer: %v", err)
	}
	eventually(t, "renegotiated", func() bool {
		return a.has(ecall.MediaNote, "media.renegotiated") && b.has(ecall.MediaNote, "media.renegotiated")
	})
}

// TestLegClosedWhileBuilding: a leg closed before its peer connection is
// built closes it once built; nothing is left running.
func TestLegClosedWhileBuilding(t *testing.T) {
	checkLeaks(t)
	s := newLegSide(t)
	var legs []ecall.Leg
	s.on(func() {
		for i := range 5 {
			l, err := s.media.NewLeg(fmt.Sprint("x", i), eventlog.Endpoint{})
			if err != nil {
				t.Error(err)
				return
			}
			l.Close()
			legs = append(legs, l)
		}
	})
	s.media.Wait()
	for _, l := range legs {
		if _, err := l.(*Leg).flow.CreateOffer(context.Background()); !errors.Is(err, mediaflow.ErrClosed) {
			t.Errorf("the flow of a closed leg still offers: %v", err)
		}
	}
}

// With KeepSpare, a leg is built ahead while no leg is open: the next
// NewLeg takes it, none is kept during the call, a new one is built
// SpareDelay after the call's leg closed, and Close disposes of it.
func TestSpareLeg(t *testing.T) {
	checkLeaks(t)
	s := newLegSide(t)
	var spare *Leg
	s.on(func() {
		s.media.SpareDelay = 50 * time.Millisecond
		s.media.KeepSpare()
		spare = s.media.spare
	})
	if spare == nil {
		t.Fatal("KeepSpare built no spare")
	}
	if err := spare.await(); err != nil {
		t.Fatalf("spare: %v", err)
	}
	var leg ecall.Leg
	var err error
	s.on(func() {
		leg, err = s.media.NewLeg("c1", eventlog.Endpoint{User: "B", Client: "1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if leg != ecall.Leg(spare) {
		t.Error("NewLeg did not take the spare")
	}
	s.on(func() {
		if s.media.spare != nil {
			t.Error("a spare is kept during a call")
		}
		if _, err := leg.Offer(); err != nil {
			t.Errorf("Offer on the spare: %v", err)
		}
		leg.Close()
		if s.media.spare != nil {
			t.Error("a spare was built at once when the call's leg closed, not after SpareDelay")
		}
	})
	eventually(t, "a spare after SpareDelay", func() bool {
		s.on(func() { spare = s.media.spare })
		return spare != nil
	})
	if spare.conn != "" {
		t.Errorf("the new spare belongs to connection %q", spare.conn)
	}
	// newLegSide's cleanup closes the media; checkLeaks then finds no
	// goroutine of the spare's peer connection left.
}

// A device closed within SpareDelay of its call's end, as "callrec call"
// is, builds no spare it would throw away; nor does one whose next call
// came first.
func TestSpareNotBuiltBeforeDelay(t *testing.T) {
	checkLeaks(t)
	for _, next := range []bool{false, true} {
		s := newLegSide(t)
		s.on(func() {
			s.media.SpareDelay = 100 * time.Millisecond
			s.media.KeepSpare()
			leg, err := s.media.NewLeg("c1", eventlog.Endpoint{User: "B", Client: "1"})
			if err != nil {
				t.Fatal(err)
			}
			leg.Close()
			if next {
				if _, err := s.media.NewLeg("c2", eventlog.Endpoint{User: "B", Client: "1"}); err != nil {
					t.Fatal(err)
				}
			} else {
				s.media.Close()
			}
		})
		time.Sleep(300 * time.Millisecond)
		s.on(func() {
			if s.media.spare != nil || s.media.refill != nil {
				t.Errorf("next call %v: a spare was built (or is pending) after the device closed or took a call", next)
			}
		})
	}
}

// A shared certificate close to expiry is replaced before the next Flow.
func TestCertificateRenewed(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	soon, err := webrtc.NewCertificate(key, x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "callrec"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	opts := mediaflow.DefaultOptions()
	opts.Certificate = soon
	loop := NewLoop()
	defer loop.Close()
	m := NewMedia(opts, loop, NewRealClock(time.Now(), loop), func(string, ecall.MediaEvent) {})
	got := m.flowOptions().Certificate
	if got == soon || time.Until(got.Expires()) < certRenewal {
		t.Errorf("certificate expiring in an hour not replaced (expires %v)", got.Expires())
	}
	if again := m.flowOptions().Certificate; again != got {
		t.Error("a fresh certificate was replaced again")
	}
}
