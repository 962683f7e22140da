package live

import (
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// Both ends send an UPDATE at once over real pion legs. B/1 wins the
// glare (econn.IsWinner) and ignores A/1's UPDATE; A/1 rolls its own
// re-offer back, answers B/1's, and the call stays up on the same peer
// connections: both return to DataChanEstablished, media keeps flowing,
// nothing closes, and the log replays.
func TestUpdateGlareRollsBack(t *testing.T) {
	wd, a, b := glare(t, nil)
	up := func(d *Device) func([]CallInfo) bool {
		return func(c []CallInfo) bool {
			return wd.count(d, "media.renegotiated") == 1 && len(c) == 1 && c[0].State == econn.StateDataChanEstablished
		}
	}
	wait(t, a, "renegotiated after the glare", up(a))
	wait(t, b, "renegotiated after the glare", up(b))
	if n, m := wd.count(a, "media.rollback"), wd.count(b, "media.rollback"); n != 1 || m != 0 {
		t.Errorf("rollbacks: A/1 %d, B/1 %d; want 1 and 0 (A/1 lost the glare)", n, m)
	}
	if n := wd.count(b, "Ignored"); n == 0 {
		t.Error("B/1 did not ignore A/1's UPDATE")
	}
	// Media still flows both ways on the same connection.
	before := a.Calls()[0].Stats.AudioRecv.Packets
	wait(t, a, "audio after the glare", func(c []CallInfo) bool { return c[0].Stats.AudioRecv.Packets > before+10 })
	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "closed", allClosed)
	wait(t, b, "closed", allClosed)
	for _, d := range []*Device{a, b} {
		c := d.Calls()
		if len(c) != 1 || c[0].Reason != nil || wd.count(d, "media.failed") != 0 {
			t.Errorf("%s: %s, %d media failures; want one connection closed normally", d.Self(), describe(c), wd.count(d, "media.failed"))
		}
	}
	wd.verify()
}

// A true failure: A/1's re-offer restarts ICE, so it was applied at once
// and cannot be taken back (pion refuses an SDP rollback). A/1 records
// the failure, naming mediaflow.ErrRollbackFailed, and closes the
// connection (io); the log replays.
func TestUpdateGlareRollbackFails(t *testing.T) {
	var failure string
	wd, a, b := glare(t, func(cfg *DeviceConfig) {
		media := mediaflow.DefaultOptions()
		media.ICERestartOnReoffer = true
		cfg.Media = &media
		observe := cfg.Observe
		cfg.Observe = func(ev eventlog.Event) {
			observe(ev)
			if ev.Type == "media.failed" && ev.Note != nil {
				failure = ev.Note.Text // on A/1's loop; read after it closed
			}
		}
	})
	wait(t, a, "closed", allClosed)
	// A/1 closed from UpdateRecv, which sends nothing (ECONN.md, Close):
	// B/1 would wait for its UPDATE's answer until its setup timer.
	if err := b.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, b, "closed", allClosed)
	c := a.Calls()
	if len(c) != 1 || !econn.SameError(c[0].Reason, econn.ErrIO) {
		t.Errorf("A/1: %s; want its connection closed with io", describe(c))
	}
	var text string
	_ = a.Do(func(*ecall.Client) { text = failure })
	if !strings.Contains(text, mediaflow.ErrRollbackFailed.Error()) {
		t.Errorf("A/1 recorded media.failed %q, want it to name %q", text, mediaflow.ErrRollbackFailed)
	}
	wd.verify()
}

// glare sets up a call between A/1 and B/1 (A/1's configuration tweaked
// by tweakA) and makes both send an UPDATE at once.
func glare(t *testing.T, tweakA func(*DeviceConfig)) (*world, *Device, *Device) {
	t.Helper()
	if !econn.IsWinner("B", "1", "A", "1") {
		t.Fatal("the test expects B/1 to win the glare")
	}
	wd := newWorld(t)
	a, b := wd.add("A/1", tweakA), wd.add("B/1", nil)
	establish(t, a, b)
	wait(t, b, "audio", func(c []CallInfo) bool { return c[0].Stats.AudioRecv.Packets >= 5 })

	// B/1's loop is held while A/1 sends its UPDATE, so B/1 sends its own
	// before it can see A/1's: a glare every time.
	var errA, errB error
	if err := b.Do(func(cl *ecall.Client) {
		errA = a.Update()
		errB = cl.Update()
	}); err != nil {
		t.Fatal(err)
	}
	if errA != nil || errB != nil {
		t.Fatalf("updates: A/1 %v, B/1 %v", errA, errB)
	}
	return wd, a, b
}
