package live

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/mediaflow"
)

// The figures of BENCHMARKS.md's "live mode", measured side by side in one
// run. They take a few minutes, so they run only when asked:
//
//	CALLREC_FIGURES=1 go test -count=1 -run TestFigures -v -timeout 30m ./ecall/live
//
// CALLREC_FIGURES=setup,memory,recorder,cpu picks some of them;
// CALLREC_FIGURES_SETUP_N sets the number of setups of each kind (100);
// CALLREC_FIGURES_CPU_SECONDS sets the length of the calls whose CPU time is
// compared (default 30), CALLREC_FIGURES_CPU_PAIRS the number of pairs of
// recorded and not recorded calls, run side by side (default 5);
// CALLREC_FIGURES_CPU_AA=1 runs two calls not recorded side by side instead,
// to show the measurement's noise floor.

func TestFigures(t *testing.T) {
	which := os.Getenv("CALLREC_FIGURES")
	if which == "" {
		t.Skip("set CALLREC_FIGURES=1 to measure the live-mode figures")
	}
	want := func(f string) bool { return which == "1" || strings.Contains(which, f) }
	// Both sides of every figure run under Go's default collector target,
	// as the live commands and any program embedding the packages do;
	// GOGC in the environment changes it for both.
	t.Logf("garbage collector: %s", gogc())
	if want("setup") {
		figSetup(t, envCount(t, "CALLREC_FIGURES_SETUP_N", 100))
	}
	if want("memory") {
		figMemory(t, 1, 5)
		figMemory(t, 20, 1)
	}
	if want("recorder") {
		figRecorder(t, 30*time.Second)
	}
	if !want("cpu") {
		return
	}
	secs := envCount(t, "CALLREC_FIGURES_CPU_SECONDS", 30)
	figCPU(t, time.Duration(secs)*time.Second, envCount(t, "CALLREC_FIGURES_CPU_PAIRS", 5))
}

// gogc describes the collector's target in effect.
func gogc() string {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return "GOGC=" + v + " from the environment"
	}
	return "GOGC=100 (Go's default)"
}

// envCount reads a positive number from the environment variable name, or
// returns def when it is not set.
func envCount(t *testing.T, name string, def int) int {
	s, ok := os.LookupEnv(name)
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// figureRelay starts a relay with the default limits.
func figureRelay(t *testing.T) *Relay {
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rl
}

// figureLog opens a log named name in the test's directory, as live
// recordings open theirs (LogOptions).
func figureLog(t *testing.T, name string) *eventlog.Log {
	log, err := eventlog.Open(filepath.Join(t.TempDir(), name), 0o644, LogOptions())
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// figureCall adds a call to log.
func figureCall(t *testing.T, log *eventlog.Log) *eventlog.CallWriter {
	w, err := log.CreateCall(eventlog.CallMeta{Source: "figures"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// --- a bare pion pair: the baseline -----------------------------------------

// barePair is two pion peer connections with the settings mediaflow uses on
// loopback, an Opus track each and the same negotiated data channel, and
// nothing around them: no Flow, no ECONN, no relay, no log.
type barePair struct {
	a, b         *webrtc.PeerConnection
	ta, tb       *webrtc.TrackLocalStaticSample
	openA, openB chan struct{}
	stop         chan struct{}
	done         chan struct{} // closed when sendAudio's goroutine returns
	sending      bool
}

func newBarePair(t testing.TB) *barePair {
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetInterfaceFilter(func(name string) bool { return name == "lo" || name == "lo0" })
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s))
	p := &barePair{openA: make(chan struct{}), openB: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	for _, side := range []struct {
		pc    **webrtc.PeerConnection
		track **webrtc.TrackLocalStaticSample
		open  chan struct{}
	}{{&p.a, &p.ta, p.openA}, {&p.b, &p.tb, p.openB}} {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "bare")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTrack(track); err != nil {
			t.Fatal(err)
		}
		negotiated, id := true, mediaflow.DataChannelID
		dc, err := pc.CreateDataChannel(mediaflow.DataChannelLabel, &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &id})
		if err != nil {
			t.Fatal(err)
		}
		open := side.open
		dc.OnOpen(func() { close(open) })
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			go func() {
				for {
					if _, _, err := tr.ReadRTP(); err != nil {
						return
					}
				}
			}()
		})
		*side.pc, *side.track = pc, track
	}
	return p
}

// connect negotiates with complete gathering; it returns the time from
// CreateOffer and from the complete offer to both data channels open.
func (p *barePair) connect(t testing.TB) (total, fromOffer time.Duration) {
	complete := func(pc *webrtc.PeerConnection, d webrtc.SessionDescription) string {
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(d); err != nil {
			t.Fatal(err)
		}
		<-done
		return pc.LocalDescription().SDP
	}
	start := time.Now()
	offer, err := p.a.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	offerSDP := complete(p.a, offer)
	offered := time.Now()
	if err := p.b.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		t.Fatal(err)
	}
	answer, err := p.b.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	answerSDP := complete(p.b, answer)
	if err := p.a.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answerSDP}); err != nil {
		t.Fatal(err)
	}
	<-p.openA
	<-p.openB
	end := time.Now()
	return end.Sub(start), end.Sub(offered)
}

// sendAudio sends an Opus frame each way every 20 ms, as a Flow does.
func (p *barePair) sendAudio() {
	p.sending = true
	go func() {
		defer close(p.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		frame := []byte{0xf8, 0xff, 0xfe}
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				_ = p.ta.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond})
				_ = p.tb.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond})
			}
		}
	}()
}

func (p *barePair) close() {
	close(p.stop)
	if p.sending {
		<-p.done
	}
	_ = p.a.GracefulClose()
	_ = p.b.GracefulClose()
}

// --- a live call ---------------------------------------------------------------

// liveCall is one call between A/1 and B/1 through a relay, recorded (or
// not) into a log; B answers as soon as it rings.
type liveCall struct {
	a, b *Device
}

func newLiveCall(t *testing.T, rl *Relay, conv string, w *eventlog.CallWriter) *liveCall {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var rec ecall.Recorder
	if w != nil {
		rec = &ecall.LogRecorder{W: w}
	}
	start := time.Now()
	mk := func(name string, observe func(*Device, eventlog.Event)) *Device {
		ep, _ := eventlog.ParseEndpoint(name)
		var dev atomic.Pointer[Device]
		cfg := DeviceConfig{Self: ep, RelayURL: rl.URL(), Conv: conv, Recorder: rec, Start: start,
			OnError: func(err error) { t.Errorf("%s: %v", name, err) }}
		if observe != nil {
			cfg.Observe = func(ev eventlog.Event) { observe(dev.Load(), ev) }
		}
		d, err := NewDevice(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		dev.Store(d)
		return d
	}
	c := &liveCall{a: mk("A/1", nil)}
	// B answers on its loop right after the step that made it ring.
	c.b = mk("B/1", func(d *Device, ev eventlog.Event) {
		if _, ok := ev.Output.(econn.Incoming); ok {
			d.loop.Post(func() { _ = d.client.Answer() })
		}
	})
	if err := c.a.WaitMembers(ctx, 2); err != nil {
		t.Fatal(err)
	}
	return c
}

// connect starts the call and waits for both data channels; it returns the
// time from Start and from the SETUP sent to both open.
func (c *liveCall) connect(t *testing.T) (total, fromSetup time.Duration) {
	total, fromSetup, _ = c.connectPhases(t)
	return total, fromSetup
}

// connectPhases is connect with the phases of the setup: SETUP sent → B
// rings, rings → answer sent, answer sent → both open.
func (c *liveCall) connectPhases(t *testing.T) (total, fromSetup time.Duration, phases [3]time.Duration) {
	start := c.a.clock.Since()
	if err := c.a.Start(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*Device{c.a, c.b} {
		wait(t, d, "established", firstEstablished)
	}
	ca, cb := c.a.Calls()[0], c.b.Calls()[0]
	open := max(ca.DataChanOpen, cb.DataChanOpen)
	phases = [3]time.Duration{cb.Rang - ca.SetupSent, cb.AnswerSent - cb.Rang, open - cb.AnswerSent}
	return open - start, open - ca.SetupSent, phases
}

func (c *liveCall) hangUp(t *testing.T) {
	if err := c.a.End(); err != nil {
		t.Fatal(err)
	}
	wait(t, c.a, "closed", allClosed)
	wait(t, c.b, "closed", allClosed)
}

func (c *liveCall) close() {
	_ = c.a.Close()
	_ = c.b.Close()
}

// --- figures ---------------------------------------------------------------------

func median[T cmp.Ordered](v []T) T { return quantile(v, 1, 2) }

func p90[T cmp.Ordered](v []T) T { return quantile(v, 9, 10) }

// quantile returns the element at num/den of v sorted.
func quantile[T cmp.Ordered](v []T, num, den int) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)*num/den]
}

func msf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

// figSetup alternates n live calls and n bare pairs, in turn first in
// each pair of setups. Besides wall time
// it takes the process's CPU time over each setup (from Start or
// CreateOffer until both channels are open), steadier than wall time on a
// loaded machine, and counts the collections that ended during setups.
func figSetup(t *testing.T, n int) {
	rl := figureRelay(t)
	defer rl.Close()
	log := figureLog(t, "setup.db")
	defer log.Close()
	var liveTotal, liveSetup, bareTotal, bareOffer, liveCPU, bareCPU []time.Duration
	var liveGCs, bareGCs uint32
	var phases [3][]time.Duration
	runLive := func(i int) {
		w := figureCall(t, log)
		c := newLiveCall(t, rl, fmt.Sprintf("setup-%d", i), w)
		cpu, gcs := cpuTime(), numGC()
		tot, setup, ph := c.connectPhases(t)
		liveCPU, liveGCs = append(liveCPU, cpuTime()-cpu), liveGCs+numGC()-gcs
		liveTotal, liveSetup = append(liveTotal, tot), append(liveSetup, setup)
		for k := range ph {
			phases[k] = append(phases[k], ph[k])
		}
		c.hangUp(t)
		c.close()
	}
	runBare := func() {
		p := newBarePair(t)
		p.sendAudio() // media from the start; pion drops frames until the track is bound
		cpu, gcs := cpuTime(), numGC()
		tot, off := p.connect(t)
		bareCPU, bareGCs = append(bareCPU, cpuTime()-cpu), bareGCs+numGC()-gcs
		bareTotal, bareOffer = append(bareTotal, tot), append(bareOffer, off)
		p.close()
	}
	for i := range n {
		// Live first, then bare first: what runs in an iteration repeats,
		// so the collections would otherwise tend to fall at the same
		// place in each, always on the same side.
		if i%2 == 0 {
			runLive(i)
			runBare()
		} else {
			runBare()
			runLive(i)
		}
	}
	t.Logf("setup on loopback, median (p90) of %d, alternating, %s:", n, gogc())
	t.Logf("| live: SETUP sent → both data channels open | %s (%s) |", msf(median(liveSetup)), msf(p90(liveSetup)))
	t.Logf("| bare pion: complete offer → both open | %s (%s) |", msf(median(bareOffer)), msf(p90(bareOffer)))
	t.Logf("| ratio | %.2f× |", float64(median(liveSetup))/float64(median(bareOffer)))
	t.Logf("| live phases: SETUP sent → B rings %s, rings → answer sent %s, answer sent → both open %s |",
		msf(median(phases[0])), msf(median(phases[1])), msf(median(phases[2])))
	t.Logf("| relay round trip (E2EE, WebSocket, loopback), median of %d | %s |", min(n, 40), msf(relayRTT(t, rl, min(n, 40))))
	t.Logf("| live: Start (offer gathering included) → both open | %s (%s) |", msf(median(liveTotal)), msf(p90(liveTotal)))
	t.Logf("| bare pion: CreateOffer → both open | %s (%s) |", msf(median(bareTotal)), msf(p90(bareTotal)))
	t.Logf("| ratio | %.2f× |", float64(median(liveTotal))/float64(median(bareTotal)))
	t.Logf("| CPU time of the process over the same, live / bare | %s (%s) / %s (%s) | %.2f× |",
		msf(median(liveCPU)), msf(p90(liveCPU)), msf(median(bareCPU)), msf(p90(bareCPU)),
		float64(median(liveCPU))/float64(median(bareCPU)))
	t.Logf("| collections ending during setups, live / bare | %d / %d of %d each |", liveGCs, bareGCs, n)
}

// numGC returns the number of completed collections.
func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// relayRTT measures n round trips of a SETUP-sized message between two
// relay clients: what the two relay hops of a call's setup cost. n stays
// within the relay's default rate-limit burst: a frame over the limit is
// dropped.
func relayRTT(t *testing.T, rl *Relay, n int) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan struct{}, 1)
	var echo *relay.Client
	dial := func(user string, onMsg func(relay.Received)) *relay.Client {
		id, err := relay.NewIdentity(user, "1", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := relay.Dial(ctx, relay.ClientOptions{URL: rl.URL(), Conv: "rtt", Identity: id}, onMsg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := dial("A", func(relay.Received) { got <- struct{}{} })
	defer a.Close()
	echoed := make(chan []byte, 1)
	echo = dial("B", func(m relay.Received) { echoed <- m.Data })
	defer echo.Close()
	go func() {
		for data := range echoed {
			_ = echo.Send(data)
		}
	}()
	defer close(echoed)
	if err := a.WaitRoster(ctx, func(m []relay.Member) bool { return len(m) == 2 }); err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 3000) // a SETUP with a complete SDP
	var rtts []time.Duration
	for range n {
		start := time.Now()
		if err := a.Send(msg); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
		case <-ctx.Done():
			t.Fatalf("relay round trip %d: no echo: %v", len(rtts)+1, ctx.Err())
		}
		rtts = append(rtts, time.Since(start))
	}
	return median(rtts)
}

// settle collects garbage and returns the goroutine count and the heap in
// use.
func settle() (int, uint64) {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapInuse
}

// figMemory compares n concurrent live calls (relay, recording and both
// legs in this process) with n bare pairs, both sending audio: the median
// of reps alternating measurements (one call's heap moves by a tenth of a
// MiB from one measurement to the next).
func figMemory(t *testing.T, n, reps int) {
	memoryWarmUp(t)
	var lives, bares []float64
	var gLive, gBare int
	for range reps {
		l, gl, b, gb := memoryOnce(t, n)
		lives, bares = append(lives, l), append(bares, b)
		gLive, gBare = gl, gb
	}
	live, bare := median(lives), median(bares)
	t.Logf("memory of %d concurrent call(s), heap in use after GC / goroutines, median of %d:", n, reps)
	t.Logf("| live (relay, E2EE, recording, both legs) | %.2f MiB%s | %d |", live, fmtAll(lives), gLive)
	t.Logf("| bare pion pairs | %.2f MiB%s | %d |", bare, fmtAll(bares), gBare)
	t.Logf("| ratio | %.2f× | |", live/bare)
}

func fmtAll(v []float64) string {
	if len(v) < 2 {
		return ""
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// memoryOnce measures n live calls, then n bare pairs, once: heap in use
// (MiB) and goroutines of each.
func memoryOnce(t *testing.T, n int) (live float64, gLive int, bare float64, gBare int) {
	g0, h0 := settle()
	rl := figureRelay(t)
	log := figureLog(t, "mem.db")
	var calls []*liveCall
	for i := range n {
		w := figureCall(t, log)
		c := newLiveCall(t, rl, fmt.Sprintf("mem-%d", i), w)
		c.connect(t)
		calls = append(calls, c)
	}
	time.Sleep(2 * time.Second) // stats reports, RTCP, recording batches
	g1, h1 := settle()
	for _, c := range calls {
		c.hangUp(t)
		c.close()
	}
	rl.Close()
	log.Close()

	g2, h2 := settle()
	var pairs []*barePair
	for range n {
		p := newBarePair(t)
		p.connect(t)
		p.sendAudio()
		pairs = append(pairs, p)
	}
	time.Sleep(2 * time.Second)
	g3, h3 := settle()
	for _, p := range pairs {
		p.close()
	}
	live = float64(int64(h1)-int64(h0)) / (1 << 20)
	bare = float64(int64(h3)-int64(h2)) / (1 << 20)
	return live, g1 - g0, bare, g3 - g2
}

// memoryWarmUp runs one live call and one bare pair, so that what a
// process allocates once and keeps (pion's shared API, codec tables, the
// JSON codecs' caches, the loopback interface list) is not counted as the
// memory of the calls measured next, on either side.
func memoryWarmUp(t *testing.T) {
	rl := figureRelay(t)
	log := figureLog(t, "warm.db")
	w := figureCall(t, log)
	c := newLiveCall(t, rl, "mem-warm-up", w)
	c.connect(t)
	c.hangUp(t)
	c.close()
	rl.Close()
	log.Close()
	p := newBarePair(t)
	p.connect(t)
	p.sendAudio()
	p.close()
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// figCPU compares the CPU time of calls of duration d recorded into a log
// and not recorded. Each call runs in a process of its own
// (TestFiguresCPUChild), and the two of a pair run at the same time: what
// the machine does meanwhile (other work, the kernel's accounting of
// loopback traffic, frequency changes) then weighs on both alike, which
// calls run one after the other in one process could not promise. The
// order in which the two start alternates from pair to pair.
func figCPU(t *testing.T, d time.Duration, pairs int) {
	var with, without, diffs []time.Duration
	for i := range pairs {
		modes := []string{"recorded", "not-recorded"}
		if os.Getenv("CALLREC_FIGURES_CPU_AA") != "" {
			// The noise floor: two identical calls side by side.
			modes[0] = "not-recorded"
		}
		if i%2 == 1 {
			modes[0], modes[1] = modes[1], modes[0]
		}
		var used [2]time.Duration
		var errs [2]error
		var wg sync.WaitGroup
		for k, mode := range modes {
			wg.Go(func() { used[k], errs[k] = cpuChild(mode, d) })
			time.Sleep(10 * time.Millisecond)
		}
		wg.Wait()
		for k := range errs {
			if errs[k] != nil {
				t.Fatalf("%s call: %v", modes[k], errs[k])
			}
		}
		rec, plain := used[0], used[1]
		if modes[1] == "recorded" {
			rec, plain = plain, rec
		}
		with, without = append(with, rec), append(without, plain)
		diffs = append(diffs, rec-plain)
	}
	t.Logf("CPU time of a %v call (both devices and the relay in one process), recorded and not, %d pairs of processes run side by side:", d, pairs)
	t.Logf("| recorded | %v | median %v |", roundAll(with), median(with).Round(time.Millisecond))
	t.Logf("| not recorded | %v | median %v |", roundAll(without), median(without).Round(time.Millisecond))
	t.Logf("| difference per pair | %v | median %v, %+.1f%% |", roundAll(diffs), median(diffs).Round(time.Millisecond),
		100*float64(median(diffs))/float64(median(without)))
}

func roundAll(ds []time.Duration) []time.Duration {
	r := make([]time.Duration, len(ds))
	for i, d := range ds {
		r[i] = d.Round(time.Millisecond)
	}
	return r
}

// cpuChild runs TestFiguresCPUChild in a child process and returns the
// CPU time of its call.
func cpuChild(mode string, d time.Duration) (time.Duration, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestFiguresCPUChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "CALLREC_FIGURES_CHILD="+mode,
		fmt.Sprintf("CALLREC_FIGURES_CHILD_SECONDS=%d", int(d.Seconds())))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%w\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if ns, ok := strings.CutPrefix(line, "CALLREC_CPU_NS "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(ns), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("child's CPU line %q: %v", line, err)
			}
			return time.Duration(n), nil
		}
	}
	return 0, fmt.Errorf("no CPU figure in the child's output:\n%s", out)
}

// TestFiguresCPUChild is one call of figCPU, run in a process of its own:
// a relay and two devices, a warm-up call, then the measured call of
// CALLREC_FIGURES_CHILD_SECONDS, recorded into a log opened with
// LogOptions or not recorded (CALLREC_FIGURES_CHILD). It prints the CPU
// time the process used from the measured call's start to its end, the
// log's last commit included.
func TestFiguresCPUChild(t *testing.T) {
	mode := os.Getenv("CALLREC_FIGURES_CHILD")
	if mode == "" {
		t.Skip("run by TestFigures (CALLREC_FIGURES=cpu)")
	}
	secs, err := strconv.Atoi(os.Getenv("CALLREC_FIGURES_CHILD_SECONDS"))
	if err != nil || secs < 1 {
		t.Fatalf("CALLREC_FIGURES_CHILD_SECONDS=%q", os.Getenv("CALLREC_FIGURES_CHILD_SECONDS"))
	}
	rl := figureRelay(t)
	defer rl.Close()
	var w *eventlog.CallWriter
	if mode == "recorded" {
		log := figureLog(t, "cpu.db")
		defer log.Close()
		w = figureCall(t, log)
	}
	// A first call, not measured, so that the measured one pays for no
	// warming up.
	warm := newLiveCall(t, rl, "cpu-warm-up", nil)
	warm.connect(t)
	time.Sleep(2 * time.Second)
	warm.hangUp(t)
	warm.close()

	c := newLiveCall(t, rl, "cpu", w)
	runtime.GC()
	before := cpuTime()
	c.connect(t)
	time.Sleep(time.Duration(secs) * time.Second)
	c.hangUp(t)
	if w != nil {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	used := cpuTime() - before
	c.close()
	fmt.Printf("CALLREC_CPU_NS %d\n", used.Nanoseconds())
}

// figRecorder isolates the recorder's own CPU on a live call: it records
// one call of duration d, then appends that call's events again, each at
// its original moment, into a log opened with LogOptions, in rounds that
// alternate with rounds keeping the same pace and appending nothing. The
// difference is what recording costs the call; it is set against the CPU
// time of the call itself. Unlike the side-by-side calls of figCPU, both
// sides of the difference run the same deterministic work, so the figure
// resolves a fraction of a percent.
func figRecorder(t *testing.T, d time.Duration) {
	events, callCPU := recordOneCall(t, d)
	log := figureLog(t, "rec.db")
	defer log.Close()
	settle()
	var used [2]time.Duration
	const rounds = 4 // two of each, after one not counted
	for round := -1; round < rounds; round++ {
		record := round >= 0 && round%2 == 1
		var w *eventlog.CallWriter
		var rec *ecall.LogRecorder
		if record {
			w = figureCall(t, log)
			rec = &ecall.LogRecorder{W: w}
		}
		runtime.GC()
		before := cpuTime()
		start := time.Now()
		for _, ev := range events {
			time.Sleep(time.Until(start.Add(ev.At)))
			if w != nil {
				ev.Seq = 0
				if _, err := rec.Append(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		if w != nil {
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if round >= 0 {
			used[round%2] += cpuTime() - before
		}
	}
	per := (used[1] - used[0]) / (rounds / 2)
	t.Logf("the recorder alone: the %d events of a recorded %v call appended again at their own pace into a log opened with LogOptions, %d rounds alternating with rounds of the same pace and nothing appended:",
		len(events), d, rounds)
	t.Logf("| paced, nothing recorded, per round | %v |", (used[0] / (rounds / 2)).Round(100*time.Microsecond))
	t.Logf("| paced, recorded, per round | %v |", (used[1] / (rounds / 2)).Round(100*time.Microsecond))
	t.Logf("| recorder's CPU per call | %v |", per.Round(100*time.Microsecond))
	t.Logf("| the call's own CPU (both devices and the relay) | %v |", callCPU.Round(time.Millisecond))
	t.Logf("| recorder / call | %.2f%% (target < 2%%) |", 100*float64(per)/float64(callCPU))
}

// recordOneCall records a live call of duration d and returns its events
// and the CPU time the process used for it.
func recordOneCall(t *testing.T, d time.Duration) ([]eventlog.Event, time.Duration) {
	rl := figureRelay(t)
	defer rl.Close()
	log := figureLog(t, "call.db")
	defer log.Close()
	w := figureCall(t, log)
	c := newLiveCall(t, rl, "recorded", w)
	runtime.GC()
	before := cpuTime()
	c.connect(t)
	time.Sleep(d)
	c.hangUp(t)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	used := cpuTime() - before
	c.close()
	r, err := log.Call(w.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var events []eventlog.Event
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		events = append(events, ev)
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return events, used
}
