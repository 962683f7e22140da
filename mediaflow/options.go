package mediaflow

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/logging"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
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

	// ICEServers are the STUN/TURN servers used when Loopback is false; a
	// TURN server's Username and Credential are its long-term credentials.
	ICEServers []webrtc.ICEServer

	// Interfaces, when Loopback is false, restricts host candidates to the
	// interfaces of these names (nil: every interface but loopback). With
	// a list, mDNS is off: host candidates carry their addresses, as a
	// Calling 3.0 peer, which never sends ".local" names, expects.
	Interfaces []string

	// RelayOnly gathers relay candidates only (ICE transport policy
	// "relay"): media goes through a TURN server of ICEServers, whatever
	// the network between the peers. Offers and answers then fail with
	// ErrNoRelayCandidate when no TURN allocation succeeded.
	RelayOnly bool

	// ICERestartOnReoffer makes Reoffer restart ICE (new credentials and
	// candidates), as after a network change.
	ICERestartOnReoffer bool

	// ICEFailedTimeout is how long ICE goes without hearing from the peer
	// before it fails (ICEStateChanged "failed", then MediaFailed); it is
	// "disconnected" after a third of it. 0 keeps pion's: disconnected
	// after 5 s, failed 25 s later.
	ICEFailedTimeout time.Duration

	// StatsInterval is the period of StatsReport events; 0 means 1 s.
	StatsInterval time.Duration

	// FrameInterval is the duration of one Opus packet: 10, 20, 40 or 60 ms;
	// 0 means 20 ms.
	FrameInterval time.Duration

	// Certificate is the DTLS certificate of the peer connection; nil
	// generates a fresh one for each Flow. A device should make one with
	// NewCertificate and reuse it for all its Flows, as browsers do: a
	// peer connection with a given certificate is built in about a
	// quarter of the time (BENCHMARKS.md), and that time is on the
	// callee's path from SETUP to answer.
	Certificate *webrtc.Certificate
}

// NewCertificate generates a DTLS certificate for Options.Certificate: an
// ECDSA P-256 key, pion's default, and a self-signed certificate valid for
// a month.
func NewCertificate() (*webrtc.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("mediaflow: certificate key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, fmt.Errorf("mediaflow: certificate: %w", err)
	}
	return cert, nil
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
	if o.ICEFailedTimeout < 0 {
		return o, fmt.Errorf("%w: ICEFailedTimeout %v is negative", ErrInvalidOptions, o.ICEFailedTimeout)
	}
	if o.StatsInterval < 0 {
		return o, fmt.Errorf("%w: StatsInterval %v is negative", ErrInvalidOptions, o.StatsInterval)
	}
	if _, ok := opusSilence(o.FrameInterval); !ok {
		return o, fmt.Errorf("%w: FrameInterval %v is not an Opus packet duration (10, 20, 40 or 60 ms)",
			ErrInvalidOptions, o.FrameInterval)
	}
	if o.Loopback && (len(o.ICEServers) > 0 || len(o.Interfaces) > 0 || o.RelayOnly) {
		return o, fmt.Errorf("%w: ICEServers, Interfaces and RelayOnly cannot be used with Loopback (loopback ICE gathers loopback host candidates only)",
			ErrInvalidOptions)
	}
	if o.RelayOnly && !hasTURN(o.ICEServers) {
		return o, fmt.Errorf("%w: RelayOnly needs a TURN server (turn: or turns: URL) in ICEServers", ErrInvalidOptions)
	}
	for _, name := range o.Interfaces {
		if name == "" {
			return o, fmt.Errorf("%w: empty interface name in Interfaces", ErrInvalidOptions)
		}
	}
	return o, nil
}

// hasTURN reports whether servers name a TURN server.
func hasTURN(servers []webrtc.ICEServer) bool {
	for _, s := range servers {
		for _, u := range s.URLs {
			if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
				return true
			}
		}
	}
	return false
}

// network names the network setting of o: the settings an API is built
// with (ICE servers and the transport policy are per peer connection).
func (o Options) network() string {
	key := "any"
	if o.Loopback {
		key = "loopback"
	}
	if !o.Loopback && o.Interfaces != nil {
		key = "if:" + strings.Join(o.Interfaces, "\x00")
	}
	if o.RelayOnly {
		key += ";relay"
	}
	if o.ICEFailedTimeout > 0 {
		key += ";failed=" + o.ICEFailedTimeout.String()
	}
	return key
}

// sharedAPI is a pion API with the state handed over during
// NewPeerConnection. Building an API (codecs, interceptor factories) costs
// about as much as the peer connection itself and nothing in it is per
// call, so Flows share one per network setting; pion copies the media
// engine and builds the interceptors for each peer connection.
type sharedAPI struct {
	mu     sync.Mutex // serialises NewPeerConnection, for getter
	api    *webrtc.API
	getter stats.Getter // set by the statistics interceptor, under mu
}

// apis holds the shared APIs, by network setting (Options.network).
var apis struct {
	sync.Mutex
	byNetwork map[string]*sharedAPI
}

// newPeerConnection builds a peer connection with the API for o and
// returns it with the statistics Getter of its sent streams.
func (o Options) newPeerConnection() (*webrtc.PeerConnection, stats.Getter, error) {
	s, err := o.sharedAPI()
	if err != nil {
		return nil, nil, err
	}
	cfg := webrtc.Configuration{ICEServers: o.ICEServers}
	if o.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	if o.Certificate != nil {
		cfg.Certificates = []webrtc.Certificate{*o.Certificate}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getter = nil
	pc, err := s.api.NewPeerConnection(cfg)
	if err != nil {
		return nil, nil, err
	}
	return pc, s.getter, nil
}

// sharedAPI returns the API for o's network setting, building it once.
func (o Options) sharedAPI() (*sharedAPI, error) {
	apis.Lock()
	defer apis.Unlock()
	key := o.network()
	if s := apis.byNetwork[key]; s != nil {
		return s, nil
	}
	s := &sharedAPI{}
	api, err := o.api(func(_ string, g stats.Getter) { s.getter = g })
	if err != nil {
		return nil, err
	}
	s.api = api
	if apis.byNetwork == nil {
		apis.byNetwork = make(map[string]*sharedAPI)
	}
	apis.byNetwork[key] = s
	return s, nil
}

// api builds the pion API: default codecs; NACK, RTCP reports and TWCC
// interceptors as pion's defaults have them; and a statistics interceptor
// whose Getters are handed to onStats (pion's default one keeps its
// getters private). The network settings follow o.Loopback and
// o.Interfaces.
func (o Options) api(onStats stats.NewPeerConnectionCallback) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, fmt.Errorf("mediaflow: register codecs: %w", err)
	}
	ir := &interceptor.Registry{}
	sf, err := stats.NewInterceptor()
	if err != nil {
		return nil, fmt.Errorf("mediaflow: statistics interceptor: %w", err)
	}
	sf.OnNewPeerConnection(onStats)
	// First in the chain, next to the network: it then sees the sender
	// reports the reports interceptor writes, which is how it measures the
	// round-trip time when the peer's receiver reports echo them.
	ir.Add(sf)
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure NACK: %w", err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure RTCP reports: %w", err)
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, fmt.Errorf("mediaflow: configure TWCC: %w", err)
	}

	s, _ := o.settingEngine()
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(s)), nil
}

// settingEngine returns pion's settings for o's network setting, and the
// network (interfaces) that every peer connection made with them shares;
// nil when each lists its own.
func (o Options) settingEngine() (webrtc.SettingEngine, transport.Net) {
	var s webrtc.SettingEngine
	s.LoggerFactory = newSharedLoggers(logging.NewDefaultLoggerFactory())
	// A Flow reads its data channel itself (Flow.readData), into a buffer
	// of a few KB instead of pion's 64 KB per channel.
	s.DetachDataChannels()
	if t := o.ICEFailedTimeout; t > 0 {
		// Keepalives often enough that a live path is never taken for a
		// dead one.
		// pion counts the failure from the disconnection.
		s.SetICETimeouts(t/3, t-t/3, min(2*time.Second, t/10))
	}
	if !o.Loopback {
		if o.Interfaces != nil {
			keep := make(map[string]bool, len(o.Interfaces))
			for _, name := range o.Interfaces {
				keep[name] = true
			}
			s.SetInterfaceFilter(func(name string) bool { return keep[name] })
			s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		}
		if o.RelayOnly {
			// Pion waits 2 s before it nominates a relay pair, in case a
			// better pair succeeds; with relay candidates only there is
			// none, and the wait is the whole of a call's setup.
			s.SetRelayAcceptanceMinWait(0)
		}
		return s, nil
	}
	// Measured on this project's machines: these settings take setup on
	// loopback from ~6.6 ms to ~4.5 ms (MEASUREMENTS.md).
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIncludeLoopbackCandidate(true)
	s.SetInterfaceFilter(loopbackFilter())
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Each ICE agent would otherwise list every interface and address
	// through netlink (about 20 KB of garbage per peer connection); the
	// loopback interfaces do not come and go, so the API lists them once.
	// Pion refreshes the list only with continual gathering, which Flows
	// do not use. Off loopback, where interfaces change under a
	// long-running device, each agent still lists its own.
	n, err := stdnet.NewNet()
	if err != nil {
		return s, nil
	}
	s.SetNet(n)
	return s, n
}

// loopbackFilter returns an interface filter that keeps loopback
// interfaces only ("lo" on Linux, "lo0" on the BSDs and macOS), judged by
// the interfaces' flags, not their names. The interfaces are listed once,
// when the filter is made: pion calls the filter for every interface
// several times per gathering, and a lookup per call (net.InterfaceByName
// dumps the whole interface table) cost a quarter of a live call's setup
// allocations.
func loopbackFilter() func(name string) bool {
	loopback := make(map[string]bool)
	ifaces, err := net.Interfaces()
	if err != nil {
		// Without the list, fall back to a lookup per call.
		return isLoopbackInterface
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback != 0 {
			loopback[iface.Name] = true
		}
	}
	return func(name string) bool { return loopback[name] }
}

// isLoopbackInterface reports whether the interface called name is a
// loopback interface.
func isLoopbackInterface(name string) bool {
	iface, err := net.InterfaceByName(name)
	return err == nil && iface.Flags&net.FlagLoopback != 0
}

// sharedLoggers hands out one logger per scope ("ice", "dtls", "sctp",
// ...) for all the peer connections of an API. Pion's default factory
// builds a logger of five log.Loggers with formatted prefixes for every
// component of every peer connection, about 15 KB of garbage per peer
// connection; its loggers hold no state of their own beyond the writer
// and the level, so sharing them changes nothing in what is logged.
type sharedLoggers struct {
	base    logging.LoggerFactory
	mu      sync.Mutex
	byScope map[string]logging.LeveledLogger
}

func newSharedLoggers(base logging.LoggerFactory) *sharedLoggers {
	return &sharedLoggers{base: base, byScope: make(map[string]logging.LeveledLogger)}
}

// NewLogger implements logging.LoggerFactory.
func (s *sharedLoggers) NewLogger(scope string) logging.LeveledLogger {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.byScope[scope]
	if !ok {
		l = s.base.NewLogger(scope)
		s.byScope[scope] = l
	}
	return l
}
