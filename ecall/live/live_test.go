package live

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/mediaflow"
)

// world is one conversation in the test process: a loopback relay, a log
// call every device records into, and the devices.
type world struct {
	t     *testing.T
	relay *Relay
	log   *eventlog.Log
	w     *eventlog.CallWriter
	rec   *ecall.LogRecorder // shared by every device, as in a real call
	start time.Time
	devs  map[string]*Device

	mu    sync.Mutex
	types map[string]int // "A/1 media.stats" → events recorded
}

// count counts d's recorded events of type typ (the world's Observe).
func (wd *world) count(d *Device, typ string) int {
	wd.mu.Lock()
	defer wd.mu.Unlock()
	return wd.types[d.Self().String()+" "+typ]
}

func newWorld(t *testing.T) *world {
	t.Helper()
	checkLeaks(t)
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := eventlog.Open(filepath.Join(t.TempDir(), "calls.db"), 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	w, err := log.CreateCall(eventlog.CallMeta{Source: "live-test", Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wd := &world{t: t, relay: rl, log: log, w: w, rec: &ecall.LogRecorder{W: w}, start: time.Now(), devs: map[string]*Device{}, types: map[string]int{}}
	t.Cleanup(wd.close)
	return wd
}

// add joins a device ("A/1") to the conversation.
func (wd *world) add(name string, tweak func(*DeviceConfig)) *Device {
	wd.t.Helper()
	ep, err := eventlog.ParseEndpoint(name)
	if err != nil {
		wd.t.Fatal(err)
	}
	cfg := DeviceConfig{
		Self: ep, RelayURL: wd.relay.URL(), Conv: "conv-1",
		Recorder: wd.rec, Start: wd.start,
		OnError: func(err error) { wd.t.Errorf("%s: %v", name, err) },
		Observe: func(ev eventlog.Event) {
			wd.mu.Lock()
			wd.types[name+" "+ev.Type]++
			wd.mu.Unlock()
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := NewDevice(ctx, cfg)
	if err != nil {
		wd.t.Fatal(err)
	}
	wd.devs[name] = d
	return d
}

func (wd *world) close() {
	for _, d := range wd.devs {
		if err := d.Close(); err != nil {
			wd.t.Errorf("close %s: %v", d.Self(), err)
		}
	}
	if err := wd.relay.Close(); err != nil {
		wd.t.Errorf("close relay: %v", err)
	}
	if err := wd.log.Close(); err != nil {
		wd.t.Errorf("close log: %v", err)
	}
}

// wait waits (at most 10 s) until cond holds for d's connections.
func wait(t *testing.T, d *Device, what string, cond func([]CallInfo) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Wait(ctx, cond); err != nil {
		t.Fatalf("%s: waiting for %s: %v\n%s", d.Self(), what, err, describe(d.Calls()))
	}
}

func describe(calls []CallInfo) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(c.Sess[:8] + " " + c.Remote.String() + " " + c.State.String())
		if c.Closed > 0 {
			b.WriteString(" closed: " + econn.ErrorName(c.Reason))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// establish has a call b once both see each other on the relay (within
// 10 s), b answer it, and waits until both have their data channel.
func establish(t *testing.T, a, b *Device) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.WaitMembers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	wait(t, b, "ringing", ringing)
	if err := b.Answer(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "established", firstEstablished)
	wait(t, b, "established", firstEstablished)
}

// firstEstablished: the device's first connection has its data channel.
func firstEstablished(calls []CallInfo) bool {
	return len(calls) > 0 && calls[0].State == econn.StateDataChanEstablished
}

// verify replays the recorded call and fails on any divergence.
func (wd *world) verify() int {
	wd.t.Helper()
	if err := wd.w.Flush(); err != nil {
		wd.t.Fatal(err)
	}
	r, err := wd.log.Call(wd.w.ID())
	if err != nil {
		wd.t.Fatal(err)
	}
	defer r.Close()
	return verifyReader(wd.t, r)
}

func verifyReader(t *testing.T, r *eventlog.CallReader) int {
	t.Helper()
	rp := replay.NewReplayer(replay.Reader(r))
	steps := 0
	for rp.Next() {
		steps++
		if st := rp.Step(); st.Divergence != nil {
			t.Fatalf("replay diverges at step %d: %+v", steps, st.Divergence)
		}
	}
	if err := rp.Err(); err != nil {
		t.Fatal(err)
	}
	if steps == 0 {
		t.Fatal("nothing replayed")
	}
	return steps
}

// checkLeaks fails the test if goroutines started during it are still
// running a few seconds after its cleanups.
func checkLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:n])
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestCallOneAnswersOtherStopsRinging is the demo's call: A/1 calls B, B/1
// and B/2 ring, B/2 answers, audio flows both ways, A/1 hangs up; the log
// replays to the same outputs.
func TestCallOneAnswersOtherStopsRinging(t *testing.T) {
	wd := newWorld(t)
	a := wd.add("A/1", nil)
	b1 := wd.add("B/1", nil)
	b2 := wd.add("B/2", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.WaitMembers(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	ringing := func(c []CallInfo) bool { return len(c) == 1 && c[0].State == econn.StatePendingIncoming }
	wait(t, b1, "ringing", ringing)
	wait(t, b2, "ringing", ringing)
	if err := b2.Answer(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "established", firstEstablished)
	wait(t, b2, "established", firstEstablished)
	wait(t, b1, "stop ringing", allClosed)
	// Audio flows: at least a few stats reports' worth of packets.
	wait(t, b2, "audio", func(c []CallInfo) bool { return c[0].Stats.AudioRecv.Packets >= 25 })
	// An UPDATE renegotiates and both sides come back to
	// DataChanEstablished on the same connection.
	if err := a.Update(); err != nil {
		t.Fatal(err)
	}
	renegotiated := func(c []CallInfo) bool { return len(c) == 1 && c[0].State == econn.StateDataChanEstablished }
	wait(t, a, "update", func(c []CallInfo) bool { return wd.count(a, "media.renegotiated") == 1 && renegotiated(c) })
	wait(t, b2, "update", func(c []CallInfo) bool { return wd.count(b2, "media.renegotiated") == 1 && renegotiated(c) })
	if err := a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, a, "closed", allClosed)
	wait(t, b2, "closed", allClosed)

	ca, cb1, cb2 := a.Calls()[0], b1.Calls()[0], b2.Calls()[0]
	if ca.Reason != nil || cb2.Reason != nil {
		t.Errorf("close reasons: A %v, B/2 %v; want normal", ca.Reason, cb2.Reason)
	}
	if !econn.SameError(cb1.Reason, econn.ErrCanceled) || cb1.Incoming != 1 {
		t.Errorf("B/1: reason %v, incoming %d; want canceled after one incoming", cb1.Reason, cb1.Incoming)
	}
	if ca.Remote.String() != "B/2" || ca.Dir != econn.DirOutgoing || cb2.Dir != econn.DirIncoming {
		t.Errorf("A's remote %s dir %v, B/2's dir %v", ca.Remote, ca.Dir, cb2.Dir)
	}
	if ca.SetupSent == 0 || ca.DataChanOpen <= ca.SetupSent || cb2.DataChanOpen <= cb2.AnswerSent {
		t.Errorf("times: A setup %v open %v, B/2 answer %v open %v", ca.SetupSent, ca.DataChanOpen, cb2.AnswerSent, cb2.DataChanOpen)
	}
	if ca.Stats.AudioRecv.Packets == 0 || cb2.Stats.AudioSent.Packets == 0 {
		t.Errorf("no audio: A %+v, B/2 %+v", ca.Stats, cb2.Stats)
	}
	if cb1.Stats.AudioRecv.Packets != 0 {
		t.Errorf("B/1 never answered but received audio: %+v", cb1.Stats)
	}
	wd.verify()
	if n := len(wd.w.Meta().Conns); n != 3 {
		t.Errorf("%d connections in the metadata, want 3", n)
	}
}

// A Wait that gives up leaves nothing behind on the loop; a Wait on a
// closed device returns ErrClosed.
func TestWaitCanceledAndClosed(t *testing.T) {
	checkLeaks(t)
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	d, err := NewDevice(context.Background(), DeviceConfig{
		Self: eventlog.Endpoint{User: "A", Client: "1"}, RelayURL: rl.URL(), Conv: "wait"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	never := func([]CallInfo) bool { return false }
	if err := d.Wait(ctx, never); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait: got %v, want the context's deadline", err)
	}
	var left int
	d.Do(func(*ecall.Client) { left = len(d.waiters) })
	if left != 0 {
		t.Errorf("%d waiters left after a canceled Wait", left)
	}
	if err := d.Wait(context.Background(), func([]CallInfo) bool { return true }); err != nil {
		t.Errorf("Wait for a condition that holds: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Wait(context.Background(), never); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait on a closed device: got %v, want ErrClosed", err)
	}
}

// Wait sees the state a step leaves, not the state when the step's first
// event was recorded: a call that closes at once, with no event after its
// close (its leg never got a peer connection), still ends a Wait for it.
func TestWaitSeesTheEndOfAStep(t *testing.T) {
	checkLeaks(t)
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	bad := mediaflow.DefaultOptions()
	bad.FrameInterval = 7 * time.Millisecond // not an Opus duration: no Flow can be built
	d, err := NewDevice(context.Background(), DeviceConfig{
		Self: eventlog.Endpoint{User: "A", Client: "1"}, RelayURL: rl.URL(), Conv: "wait-step", Media: &bad})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- d.Wait(ctx, allClosed)
	}()
	eventually(t, "the Wait registered", func() bool {
		n := 0
		d.Do(func(*ecall.Client) { n = len(d.waiters) })
		return n == 1
	})
	_ = d.Start() // fails: the offer cannot be made
	if err := <-done; err != nil {
		t.Fatalf("Wait(all closed): %v; calls: %s", err, describe(d.Calls()))
	}
}

// A device that cannot join leaves nothing running.
func TestNewDeviceFailureLeavesNothing(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/ws"
	ln.Close() // nobody listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = NewDevice(ctx, DeviceConfig{Self: eventlog.Endpoint{User: "A", Client: "1"}, RelayURL: url, Conv: "c"})
	if err == nil {
		t.Fatal("NewDevice joined a relay that is not there")
	}
}
