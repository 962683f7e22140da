package mediaflow

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// barePair is the baseline: two pion peer connections with the same
// loopback settings, an Opus track and the same negotiated data channel,
// and no Flow around them.
type barePair struct {
	a, b         *webrtc.PeerConnection
	openA, openB chan struct{}
}

func newBarePair(b *testing.B) *barePair {
	var s webrtc.SettingEngine
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetInterfaceFilter(loopbackFilter())
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s))
	p := &barePair{openA: make(chan struct{}), openB: make(chan struct{})}
	for _, side := range []struct {
		pc   **webrtc.PeerConnection
		open chan struct{}
	}{{&p.a, p.openA}, {&p.b, p.openB}} {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "bare")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pc.AddTrack(track); err != nil {
			b.Fatal(err)
		}
		negotiated, id := true, DataChannelID
		dc, err := pc.CreateDataChannel(DataChannelLabel, &webrtc.DataChannelInit{Negotiated: &negotiated, ID: &id})
		if err != nil {
			b.Fatal(err)
		}
		open := side.open
		dc.OnOpen(func() { close(open) })
		*side.pc = pc
	}
	return p
}

// connect runs offer/answer with complete gathering and waits for both
// data channels.
func (p *barePair) connect(b *testing.B) {
	complete := func(pc *webrtc.PeerConnection, d webrtc.SessionDescription) string {
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(d); err != nil {
			b.Fatal(err)
		}
		<-done
		return pc.LocalDescription().SDP
	}
	offer, err := p.a.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	offerSDP := complete(p.a, offer)
	if err := p.b.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		b.Fatal(err)
	}
	answer, err := p.b.CreateAnswer(nil)
	if err != nil {
		b.Fatal(err)
	}
	answerSDP := complete(p.b, answer)
	if err := p.a.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answerSDP}); err != nil {
		b.Fatal(err)
	}
	<-p.openA
	<-p.openB
}

func (p *barePair) close() {
	_ = p.a.GracefulClose()
	_ = p.b.GracefulClose()
}

// flowPair is the same call leg built with two Flows.
type flowPair struct {
	a, b         *Flow
	openA, openB chan struct{}
}

func newFlowPair(b *testing.B) *flowPair {
	p := &flowPair{openA: make(chan struct{}), openB: make(chan struct{})}
	var err error
	if p.a, err = New(DefaultOptions(), openNotifier(p.openA)); err != nil {
		b.Fatal(err)
	}
	if p.b, err = New(DefaultOptions(), openNotifier(p.openB)); err != nil {
		b.Fatal(err)
	}
	return p
}

// openNotifier returns an event function that closes open when the data
// channel opens.
func openNotifier(open chan struct{}) func(Event) {
	return func(e Event) {
		if _, ok := e.(DataChannelOpen); ok {
			close(open)
		}
	}
}

func (p *flowPair) connect(b *testing.B) {
	ctx := context.Background()
	offer, err := p.a.CreateOffer(ctx)
	if err != nil {
		b.Fatal(err)
	}
	answer, err := p.b.Accept(ctx, offer)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.a.SetAnswer(answer); err != nil {
		b.Fatal(err)
	}
	<-p.openA
	<-p.openB
}

func (p *flowPair) close() {
	_ = p.a.Close()
	_ = p.b.Close()
}

type pair interface {
	connect(b *testing.B)
	close()
}

var pairKinds = []struct {
	name string
	make func(b *testing.B) pair
}{
	{"bare-pion", func(b *testing.B) pair { return newBarePair(b) }},
	{"flow", func(b *testing.B) pair { return newFlowPair(b) }},
}

// BenchmarkSetup measures CreateOffer → data channel open on both sides
// for a bare pion pair and a Flow pair, alternating within each iteration
// (each kind first in turn) so that both see the same machine load; building and closing the peer
// connections is not timed. ns/op is the sum of both setups. Besides wall
// time it reports the process's CPU time over each setup (steadier on a
// loaded machine; unix only) and the collections that ended during each
// kind's setups, per setup.
func BenchmarkSetup(b *testing.B) {
	took := make([][]time.Duration, len(pairKinds))
	cpu := make([][]time.Duration, len(pairKinds))
	gcs := make([]uint32, len(pairKinds))
	b.StopTimer()
	for i := range b.N {
		for j := range pairKinds {
			// Each kind in turn goes first: what runs in an iteration
			// repeats, so the collections would otherwise tend to fall at
			// the same place in each, always on the same side.
			k := (i + j) % len(pairKinds)
			kind := pairKinds[k]
			p := kind.make(b)
			start, cpu0, gc0 := time.Now(), processCPU(), numGC()
			b.StartTimer()
			p.connect(b)
			b.StopTimer()
			took[k] = append(took[k], time.Since(start))
			cpu[k] = append(cpu[k], processCPU()-cpu0)
			gcs[k] += numGC() - gc0
			p.close()
		}
	}
	medians := make([]float64, len(pairKinds))
	cpuMedians := make([]float64, len(pairKinds))
	for k, kind := range pairKinds {
		slices.Sort(took[k])
		slices.Sort(cpu[k])
		medians[k] = ms(took[k][len(took[k])/2])
		cpuMedians[k] = ms(cpu[k][len(cpu[k])/2])
		b.ReportMetric(medians[k], "ms-median-"+kind.name)
		b.ReportMetric(ms(took[k][len(took[k])*9/10]), "ms-p90-"+kind.name)
		b.ReportMetric(cpuMedians[k], "ms-cpu-median-"+kind.name)
		b.ReportMetric(float64(gcs[k])/float64(b.N), "gc/setup-"+kind.name)
	}
	b.ReportMetric(medians[1]/medians[0], "flow/bare")
	if cpuMedians[0] > 0 {
		b.ReportMetric(cpuMedians[1]/cpuMedians[0], "cpu-flow/bare")
	}
}

// numGC returns the number of completed collections.
func numGC() uint32 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.NumGC
}

// BenchmarkEstablishedPair measures what one connected pair holds: live
// heap and goroutines, after a settling period with audio flowing.
func BenchmarkEstablishedPair(b *testing.B) {
	for _, kind := range pairKinds {
		b.Run(kind.name, func(b *testing.B) {
			var heap, routines float64
			for range b.N {
				g0, h0 := settle()
				p := kind.make(b)
				p.connect(b)
				time.Sleep(300 * time.Millisecond)
				g1, h1 := settle()
				heap += float64(h1) - float64(h0)
				routines += float64(g1 - g0)
				p.close()
			}
			b.ReportMetric(heap/float64(b.N)/1024, "heap-KiB/pair")
			b.ReportMetric(routines/float64(b.N), "goroutines/pair")
		})
	}
}

// settle collects garbage and returns the goroutine count and live heap.
func settle() (goroutines int, heap uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapAlloc
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkNew builds a Flow (and closes it, untimed): with a certificate
// of its own each time, and with one certificate reused, as a device does.
func BenchmarkNew(b *testing.B) {
	cert, err := NewCertificate()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cert *webrtc.Certificate
	}{{"fresh-certificate", nil}, {"reused-certificate", cert}} {
		b.Run(c.name, func(b *testing.B) {
			o := DefaultOptions()
			o.Certificate = c.cert
			for b.Loop() {
				f, err := New(o, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = f.Close()
				b.StartTimer()
			}
		})
	}
}
