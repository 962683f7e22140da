package mediaflow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A glare of re-offers: both sides Reoffer at once; the yielding side
// rolls its offer back and answers the other's, which the winner applies.
// The data channel stays open, direct messages still flow both ways, and
// media added by the winner's offer arrives.
func TestRollbackUnderGlare(t *testing.T) {
	checkGoroutines(t)
	win, lose := connectedPair(t, testOptions(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := win.SetVideo(true); err != nil {
		t.Fatal(err)
	}
	winOffer, err := win.Reoffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lose.Reoffer(ctx); err != nil {
		t.Fatal(err)
	}
	// The loser's offer is out: it cannot take the winner's yet.
	if _, err := lose.Accept(ctx, winOffer); !errors.Is(err, ErrOfferPending) {
		t.Fatalf("Accept with an offer out = %v, want ErrOfferPending", err)
	}
	if err := lose.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := lose.Rollback(); !errors.Is(err, ErrNoOfferPending) {
		t.Fatalf("second Rollback = %v, want ErrNoOfferPending", err)
	}
	answer, err := lose.Accept(ctx, winOffer)
	if err != nil {
		t.Fatalf("Accept after Rollback: %v", err)
	}
	if err := win.SetAnswer(answer); err != nil {
		t.Fatalf("winner's SetAnswer: %v", err)
	}
	lose.rec.waitFor(t, "first video RTP at the loser", 1, func(e Event) bool {
		f, ok := e.(FirstRTP)
		return ok && f.Kind == "video"
	})
	for _, p := range []*peer{win, lose} {
		if n := p.rec.count(is[DataChannelClosed]); n != 0 {
			t.Errorf("data channel closed %d times during the glare", n)
		}
		if err := p.SendData([]byte("after the glare")); err != nil {
			t.Errorf("SendData after the glare: %v", err)
		}
	}
	win.rec.waitFor(t, "direct message at the winner", 1, is[DataChannelMessage])
	lose.rec.waitFor(t, "direct message at the loser", 1, is[DataChannelMessage])
	// Both sides can renegotiate again, the loser offering this time.
	signalPair(t, lose, win, true)
}

func TestRollbackWithoutOffer(t *testing.T) {
	checkGoroutines(t)
	f, err := New(testOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Rollback(); !errors.Is(err, ErrNoOfferPending) {
		t.Errorf("Rollback of a new Flow = %v, want ErrNoOfferPending", err)
	}
	_ = f.Close()
	if err := f.Rollback(); !errors.Is(err, ErrClosed) {
		t.Errorf("Rollback after Close = %v, want ErrClosed", err)
	}
}

// iceUfrag returns the ICE username fragment of an SDP.
func iceUfrag(t *testing.T, sdp string) string {
	t.Helper()
	for _, line := range strings.Split(sdp, "\r\n") {
		if u, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
			return u
		}
	}
	t.Fatalf("no ICE ufrag in SDP:\n%s", sdp)
	return ""
}

// RestartOffer restarts ICE (new credentials on both sides once the peer
// accepted) and the call carries on: the data channel stays open and
// direct messages still flow. It cannot be taken back.
func TestRestartOffer(t *testing.T) {
	checkGoroutines(t)
	a, b := connectedPair(t, testOptions(), testOptions())
	before := iceUfrag(t, a.pc.CurrentLocalDescription().SDP)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	offer, err := a.RestartOffer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if iceUfrag(t, offer) == before {
		t.Fatal("the restart offer keeps the ICE credentials")
	}
	if err := a.Rollback(); !errors.Is(err, ErrRollbackFailed) {
		t.Fatalf("Rollback of a restart offer = %v, want ErrRollbackFailed", err)
	}
	answer, err := b.Accept(ctx, offer)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	a.rec.waitFor(t, "a second selected pair", 2, is[CandidatePairSelected])
	if err := a.SendData([]byte("after the restart")); err != nil {
		t.Fatal(err)
	}
	b.rec.waitFor(t, "direct message after the restart", 1, is[DataChannelMessage])
	if n := a.rec.count(is[DataChannelClosed]) + b.rec.count(is[DataChannelClosed]); n != 0 {
		t.Errorf("data channel closed %d times across the restart", n)
	}
}
