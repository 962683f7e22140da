package mediaflow

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
)

// Defaults used by DefaultOptions and for zero durations.
const (
	DefaultStatsInterval = time.Second
	DefaultFrameInterval = 20 * time.Millisecond

	// VideoFrameInterval is the pace of the built-in video source (10 fps).
	VideoFrameInterval = 100 * time.Millisecond

	// DataChannelLabel is the label of the data channel for direct messages.
	DataChannelLabel = "calling-3.0"

	// DataChannelID is the SCTP stream id of the data channel. Both sides
	// create it as a negotiated channel with this id, so it opens on both
	// sides whoever made the offer (a glare loser may have offered first).
	DataChannelID uint16 = 0
)

// Options configures a Flow.
type Options struct {
	// Audio adds an Opus audio track that sends comfort-noise frames.
	Audio bool

	// Video adds a VP8 video track from the start and sends on it (the
	// "videosend" property is on). Without it, SetVideo(true) adds the
	// track later, and it is sent after the next offer/answer exchange.
	Video bool

	// Loopback restricts ICE to UDP4 host candidates on the loopback
	// interface with mDNS off: calls within one machine, no network needed.
	Loopback bool

	// ICEServers are the STUN/TURN servers used when Loopback is false.
	ICEServers []webrtc.ICEServer

	// ICERestartOnReoffer makes Reoffer restart ICE (new credentials and
	// candidates), as after a network change.
	ICERestartOnReoffer bool

	// StatsInterval is the period of StatsReport events; 0 means 1 s.
	StatsInterval time.Duration

	// FrameInterval is the duration of one Opus packet: 10, 20, 40 or 60 ms;
	// 0 means 20 ms.
	FrameInterval time.Duration
}

// DefaultOptions returns audio-only, loopback-only options with 1 s
// statistics and 20 ms Opus frames.
func DefaultOptions() Options {
	return Options{
		Audio:         true,
		Loopback:      true,
		StatsInterval: DefaultStatsInterval,
		FrameInterval: DefaultFrameInterval,
	}
}

// normalize fills zero durations with defaults and rejects what cannot work.
func (o Options) normalize() (Options, error) {
	if o.StatsInterval == 0 {
		o.StatsInterval = DefaultStatsInterval
	}
	if o.FrameInterval == 0 {
		o.FrameInterval = DefaultFrameInterval
	}
	if o.StatsInterval < 0 {
		return o, fmt.Errorf("%w: StatsInterval %v is negative", ErrInvalidOptions, o.StatsInterval)
	}
	if _, ok := opusSilence(o.FrameInterval); !ok {
		return o, fmt.Errorf("%w: FrameInterval %v is not an Opus packet duration (10, 20, 40 or 60 ms)",
			ErrInvalidOptions, o.FrameInterval)
	}
	if o.Loopback && len(o.ICEServers) > 0 {
		return o, fmt.Errorf("%w: ICEServers cannot be used with Loopback (loopback ICE gathers host candidates only)",
			ErrInvalidOptions)
	}
	return o, nil
}

// api builds the pion API: default codecs; NACK, RTCP reports and TWCC
// interceptors as pion's defaults have them; and a statistics interceptor
// of the Flow's own whose Getter is handed to onStats (pion's default one
// keeps its getters private). The network settings follow the options.
func (o Options) api(onStats stats.NewPeerConnectionCallback) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("mediaflow: register codecs: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure NACK: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure RTCP reports: %w", err)
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure TWCC: %w", err)
	}
	sf, err := stats.NewInterceptor()
	if err != nil {
		return nil, fmt.Errorf("mediaflow: statistics interceptor: %w", err)
	}
	sf.OnNewPeerConnection(onStats)
	ir.Add(sf)

	var s webrtc.SettingEngine
	if o.Loopback {
		// Measured on this project's machines: these settings take setup on
		// loopback from ~6.6 ms to ~4.5 ms (MEASUREMENTS.md).
		s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		s.SetIncludeLoopbackCandidate(true)
		s.SetInterfaceFilter(isLoopbackInterface)
		s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(s)), nil
}

// isLoopbackInterface keeps loopback interfaces only ("lo" on Linux, "lo0"
// on the BSDs and macOS), judged by the interface's flags, not its name.
func isLoopbackInterface(name string) bool {
	iface, err := net.InterfaceByName(name)
	return err == nil && iface.Flags&net.FlagLoopback != 0
}
