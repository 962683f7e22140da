package mediaflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// Flow is the media of one call leg: one peer connection with its audio
// (and video) tracks and the data channel for direct messages. Its methods
// are safe for concurrent use; negotiation methods (CreateOffer, Accept,
// SetAnswer, Reoffer, SetVideo) are serialised.
type Flow struct {
	opts   Options
	pc     *webrtc.PeerConnection
	dc     *webrtc.DataChannel
	events *dispatcher

	audio   *webrtc.TrackLocalStaticSample
	audioPk []byte // the Opus packet sent every FrameInterval

	sentStats stats.Getter // pion's counters of the sent streams, by SSRC
	senders   sync.Map     // *webrtc.RTPSender → kind, of the local tracks

	dcOpen atomic.Bool // the data channel is open: detached, pion's state lags
	negMu  sync.Mutex  // serialises offer/answer and track changes
	// reoffer is a re-offer sent but not yet applied (under negMu): see
	// Reoffer. "" when none is out.
	reoffer string
	video   atomic.Pointer[webrtc.TrackLocalStaticSample] // nil until video is added
	videoOn atomic.Bool

	mu        sync.Mutex // guards the fields below and wg.Add against Close
	closed    bool
	recv      map[uint32]*recvStream // by SSRC
	firstRTP  map[string]bool        // by kind
	connected bool                   // the connection has been established once
	up        chan struct{}          // closed when connected is set
	failed    bool                   // MediaFailed for the connection was reported

	dataSent, dataRecv atomic.Uint64
	framesWritten      atomic.Uint64 // media frames handed to pion by the sources

	stop      chan struct{} // closed by Close: stops the sources and the stats ticker
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// recvStream is one received track and its counters.
type recvStream struct {
	kind    string
	counter *rtpCounter
}

// New creates a Flow with the given options. onEvent receives every Event
// from one goroutine of the Flow, in order; it must return quickly and must
// not call Close. A nil onEvent discards events.
func New(opts Options, onEvent func(Event)) (*Flow, error) {
	opts, err := opts.normalize()
	if err != nil {
		return nil, err
	}
	f := &Flow{
		opts:     opts,
		recv:     make(map[uint32]*recvStream),
		firstRTP: make(map[string]bool),
		stop:     make(chan struct{}),
		up:       make(chan struct{}),
	}
	f.pc, f.sentStats, err = opts.newPeerConnection()
	if err != nil {
		return nil, fmt.Errorf("mediaflow: create peer connection: %w", err)
	}
	f.events = newDispatcher(onEvent)
	f.audioPk, _ = opusSilence(opts.FrameInterval)
	if err := f.setup(); err != nil {
		_ = f.Close()
		return nil, err
	}
	f.start(f.runTimers)
	return f, nil
}

// setup installs the state handlers, the data channel and the tracks.
func (f *Flow) setup() error {
	f.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		f.events.post(ICEStateChanged{State: s.String()})
	})
	f.pc.OnConnectionStateChange(f.onConnectionState)
	f.pc.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(func(p *webrtc.ICECandidatePair) {
		f.events.post(CandidatePairSelected{Local: candidate(p.Local), Remote: candidate(p.Remote)})
	})
	f.pc.SCTP().Transport().OnStateChange(func(s webrtc.DTLSTransportState) {
		f.events.post(DTLSStateChanged{State: s.String()})
	})
	f.pc.OnTrack(f.onTrack)

	negotiated, id, ordered := true, DataChannelID, true
	dc, err := f.pc.CreateDataChannel(DataChannelLabel, &webrtc.DataChannelInit{
		Negotiated: &negotiated, ID: &id, Ordered: &ordered,
	})
	if err != nil {
		return fmt.Errorf("mediaflow: create data channel: %w", err)
	}
	f.dc = dc
	dc.OnOpen(f.onDataOpen)
	// Pion reports a close itself only for a channel closed before it
	// opened; once open, readData reports it.
	dc.OnClose(func() { f.events.post(DataChannelClosed{}) })

	if f.opts.Audio {
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		}, "audio", "callrec")
		if err != nil {
			return fmt.Errorf("mediaflow: create audio track: %w", err)
		}
		if err := f.addTrack(track); err != nil {
			return err
		}
		f.audio = track
	}
	if f.opts.Video {
		if err := f.addVideo(); err != nil {
			return err
		}
		f.videoOn.Store(true)
	}
	return nil
}

// Sizes of the buffer direct messages are read into: it starts small
// (Calling 3.0's direct messages are a few KB at most, an UPDATE's SDP) and
// doubles for a larger message, up to the SCTP association's receive
// buffer, beyond which no message can arrive.
const (
	dataBufferSize    = 8 << 10
	maxDataBufferSize = 1 << 20
)

// onDataOpen takes over the open data channel: the API detaches data
// channels (see settingEngine), so this Flow reads them itself.
func (f *Flow) onDataOpen() {
	raw, err := f.dc.Detach()
	if err != nil {
		f.events.post(MediaFailed{Err: fmt.Errorf("mediaflow: data channel: %w", err)})
		return
	}
	f.dcOpen.Store(true)
	f.events.post(DataChannelOpen{})
	f.start(func() { f.readData(raw) })
}

// readData delivers the messages of the data channel until it closes,
// then reports the close. Pion's own reading would allocate a 64 KB
// buffer per channel, kept for the whole call, and copy every message
// twice.
func (f *Flow) readData(raw datachannel.ReadWriteCloser) {
	buf := make([]byte, dataBufferSize)
	for {
		n, _, err := raw.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) && len(buf) < maxDataBufferSize {
			buf = make([]byte, 2*len(buf)) // the message waits in pion's queue
			continue
		}
		if err != nil {
			f.dcOpen.Store(false)
			f.events.post(DataChannelClosed{})
			return
		}
		f.dataRecv.Add(1)
		f.events.post(DataChannelMessage{Data: append([]byte(nil), buf[:n]...)})
	}
}

// addVideo adds the VP8 track; it is sent while videoOn is set.
func (f *Flow) addVideo() error {
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
	}, "video", "callrec")
	if err != nil {
		return fmt.Errorf("mediaflow: create video track: %w", err)
	}
	if err := f.addTrack(track); err != nil {
		return err
	}
	f.video.Store(track)
	return nil
}

// addTrack adds a local track and reads its sender's RTCP: pion's
// interceptors (NACK responder, receiver reports for Stats) only see RTCP
// that is read.
func (f *Flow) addTrack(track webrtc.TrackLocal) error {
	sender, err := f.pc.AddTrack(track)
	if err != nil {
		return fmt.Errorf("mediaflow: add %s track: %w", track.Kind(), err)
	}
	f.senders.Store(sender, track.Kind().String())
	f.start(func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return // the sender stopped: closed or removed
			}
		}
	})
	return nil
}

// start runs fn in a goroutine that Close waits for; after Close it does
// nothing.
func (f *Flow) start(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
}

func (f *Flow) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func (f *Flow) onConnectionState(s webrtc.PeerConnectionState) {
	f.mu.Lock()
	report := false
	switch s {
	case webrtc.PeerConnectionStateConnected:
		if !f.connected {
			f.connected = true
			close(f.up)
		}
		f.failed = false // connected again (an ICE restart): a new failure is news
	case webrtc.PeerConnectionStateFailed:
		report = !f.failed
		f.failed = true
	}
	f.mu.Unlock()
	f.events.post(ConnectionStateChanged{State: s.String()})
	if report {
		f.events.post(MediaFailed{Err: ErrConnectionFailed})
	}
}

// onTrack counts every packet of a remote track until the track ends, and
// reads its receiver's RTCP: the peer's sender reports reach pion's
// receiver-report interceptor only when read, and the receiver reports
// echo them back so that the peer can measure the round-trip time.
func (f *Flow) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	kind := track.Kind().String()
	st := &recvStream{kind: kind, counter: newRTPCounter(track.Codec().ClockRate)}
	f.mu.Lock()
	f.recv[uint32(track.SSRC())] = st
	f.mu.Unlock()
	f.start(func() { f.readTrack(track, st) })
	f.start(func() {
		buf := make([]byte, recvBufferSize)
		for {
			if _, _, err := receiver.Read(buf); err != nil {
				return // the receiver stopped: closed
			}
		}
	})
}

// recvBufferSize holds one RTP packet: pion's receive MTU is 1460 bytes.
const recvBufferSize = 1500

// readTrack counts the packets of track. It reads into one buffer and
// parses each header into one packet, reused: pion's ReadRTP allocates a
// receive buffer and a packet for every packet, 1.5 KB fifty times a
// second each way for audio alone, which kept the collector busy in every
// call.
func (f *Flow) readTrack(track *webrtc.TrackRemote, st *recvStream) {
	buf := make([]byte, recvBufferSize)
	var pkt rtp.Packet
	for {
		n, _, err := track.Read(buf)
		if err == nil {
			err = pkt.Unmarshal(buf[:n])
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !f.isClosed() {
				f.events.post(MediaFailed{Err: fmt.Errorf("mediaflow: read %s track: %w", st.kind, err)})
			}
			return
		}
		f.count(st, &pkt, time.Now())
	}
}

// count adds one received packet to its stream's counters and reports the
// first packet of each kind.
func (f *Flow) count(st *recvStream, pkt *rtp.Packet, now time.Time) {
	f.mu.Lock()
	st.counter.add(pkt.SequenceNumber, pkt.Timestamp, len(pkt.Payload), now)
	first := !f.firstRTP[st.kind]
	f.firstRTP[st.kind] = true
	f.mu.Unlock()
	if first {
		f.events.post(FirstRTP{Kind: st.kind})
	}
}

// waitUp waits until the connection is first established; it reports
// false if the Flow closed first.
func (f *Flow) waitUp() bool {
	select {
	case <-f.up:
		return true
	case <-f.stop:
		return false
	}
}

// runTimers sends the built-in audio and video at their pace and posts
// a StatsReport every StatsInterval, from the moment the connection is
// established until Close. Before, pion would drop the samples anyway; not
// ticking spares a Flow that rings, or waits for a call, fifty wake-ups a
// second. One goroutine serves all three tickers: a goroutine's stack is
// scanned in every collection, and a call has two Flows.
func (f *Flow) runTimers() {
	if !f.waitUp() {
		return
	}
	audio := time.NewTicker(f.opts.FrameInterval)
	defer audio.Stop()
	video := time.NewTicker(VideoFrameInterval)
	defer video.Stop()
	stats := time.NewTicker(f.opts.StatsInterval)
	defer stats.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-audio.C:
			if f.audio != nil {
				f.writeSample(f.audio, f.audioPk, f.opts.FrameInterval)
			}
		case <-video.C:
			if track := f.video.Load(); track != nil && f.videoOn.Load() {
				f.writeSample(track, vp8Keyframe, VideoFrameInterval)
			}
		case <-stats.C:
			f.postStats()
		}
	}
}

func (f *Flow) writeSample(track *webrtc.TrackLocalStaticSample, data []byte, d time.Duration) {
	f.framesWritten.Add(1)
	err := track.WriteSample(media.Sample{Data: data, Duration: d})
	if err != nil && !errors.Is(err, io.ErrClosedPipe) && !f.isClosed() {
		f.events.post(MediaFailed{Err: fmt.Errorf("mediaflow: write %s track: %w", track.Kind(), err)})
	}
}

// postStats posts a StatsReport while the connection is established.
func (f *Flow) postStats() {
	f.mu.Lock()
	connected := f.connected
	f.mu.Unlock()
	if connected {
		f.events.post(StatsReport{Stats: f.Stats()})
	}
}

// Stats returns the current counters: received streams from this Flow's own
// counting, sent streams from pion's statistics and the peer's RTCP reports.
func (f *Flow) Stats() Stats {
	var s Stats
	f.mu.Lock()
	closed := f.closed
	for _, st := range f.recv {
		if st.kind == "video" {
			s.VideoRecv = addStream(s.VideoRecv, st.counter.stats())
		} else {
			s.AudioRecv = addStream(s.AudioRecv, st.counter.stats())
		}
	}
	f.mu.Unlock()
	s.DataSent, s.DataRecv = f.dataSent.Load(), f.dataRecv.Load()
	if closed || f.sentStats == nil {
		return s
	}
	f.senders.Range(func(k, v any) bool {
		sent := &s.AudioSent
		if v.(string) == "video" {
			sent = &s.VideoSent
		}
		for _, enc := range k.(*webrtc.RTPSender).GetParameters().Encodings {
			if st := f.sentStats.Get(uint32(enc.SSRC)); st != nil {
				remote := st.RemoteInboundRTPStreamStats
				*sent = addStream(*sent, StreamStats{
					Packets: st.OutboundRTPStreamStats.PacketsSent,
					Bytes:   st.OutboundRTPStreamStats.BytesSent,
					Lost:    uint64(max(remote.PacketsLost, 0)),
					Jitter:  time.Duration(remote.Jitter * float64(time.Second)),
					// NTP's middle 32 bits (15 µs steps) can put a loopback
					// round trip a little below zero.
					RTT:      max(remote.RoundTripTime, 0),
					RTTKnown: remote.RoundTripTimeMeasurements > 0,
				})
			}
		}
		return true
	})
	return s
}

// CreateOffer returns a complete offer for SETUP: ICE gathering has
// finished, so the SDP carries every candidate.
func (f *Flow) CreateOffer(ctx context.Context) (string, error) {
	return f.offer(ctx, nil)
}

// Reoffer returns a new complete offer for UPDATE after a first exchange;
// the peer answers it with Accept and this side applies the answer with
// SetAnswer. With Options.ICERestartOnReoffer it restarts ICE.
//
// A re-offer that keeps ICE as it is carries the candidates already
// gathered, so it is complete without being applied: the Flow applies it
// only with its answer, in SetAnswer, and Rollback takes it back by
// forgetting it. pion (v4.2) refuses an SDP rollback from
// have-local-offer, so an applied offer could not be taken back, and the
// side that yields in a glare of UPDATEs could not answer.
func (f *Flow) Reoffer(ctx context.Context) (string, error) {
	if f.pc.CurrentRemoteDescription() == nil {
		return "", ErrNotNegotiated
	}
	if f.opts.ICERestartOnReoffer {
		return f.offer(ctx, &webrtc.OfferOptions{ICERestart: true})
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("mediaflow: offer: %w", err)
	}
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return "", ErrClosed
	}
	if f.pc.SignalingState() != webrtc.SignalingStateStable || f.reoffer != "" {
		return "", ErrOfferPending
	}
	if f.pc.ICEGatheringState() != webrtc.ICEGatheringStateComplete {
		// Not expected after an exchange; applying the offer gathers.
		sdp, err := f.applyOffer(ctx, nil)
		return sdp, err
	}
	offer, err := f.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("mediaflow: create offer: %w", err)
	}
	f.reoffer = offer.SDP
	return offer.SDP, nil
}

// RestartOffer returns a new complete offer for UPDATE that restarts ICE:
// new credentials, candidates gathered again on the interfaces as they
// are now. It is how a leg whose ICE failed (the network changed under
// it) asks the peer to look for a path again; the peer's Accept restarts
// its side, and SetAnswer applies the answer. The DTLS association and
// the data channel carry on over the new path. Unlike Reoffer's, this
// offer is applied at once (gathering needs it), so Rollback cannot take
// it back.
func (f *Flow) RestartOffer(ctx context.Context) (string, error) {
	if f.pc.CurrentRemoteDescription() == nil {
		return "", ErrNotNegotiated
	}
	return f.offer(ctx, &webrtc.OfferOptions{ICERestart: true})
}

func (f *Flow) offer(ctx context.Context, opts *webrtc.OfferOptions) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("mediaflow: offer: %w", err)
	}
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return "", ErrClosed
	}
	if f.pc.SignalingState() != webrtc.SignalingStateStable || f.reoffer != "" {
		return "", ErrOfferPending
	}
	return f.applyOffer(ctx, opts)
}

// applyOffer creates an offer, applies it and waits for gathering; under
// negMu.
func (f *Flow) applyOffer(ctx context.Context, opts *webrtc.OfferOptions) (string, error) {
	offer, err := f.pc.CreateOffer(opts)
	if err != nil {
		return "", fmt.Errorf("mediaflow: create offer: %w", err)
	}
	sdp, err := f.setLocal(ctx, offer)
	if err != nil {
		return "", fmt.Errorf("mediaflow: offer: %w", err)
	}
	return sdp, nil
}

// Accept applies a remote offer (of SETUP or UPDATE) and returns the
// complete answer. It fails with ErrOfferPending while a local offer waits
// for its answer: the side that yields in a glare first takes its own
// offer back with Rollback.
func (f *Flow) Accept(ctx context.Context, offer string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("mediaflow: accept: %w", err)
	}
	if strings.TrimSpace(offer) == "" {
		return "", ErrEmptySDP
	}
	if err := checkSDP(offer); err != nil {
		return "", fmt.Errorf("mediaflow: remote offer rejected: %w", err)
	}
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return "", ErrClosed
	}
	if f.pc.SignalingState() != webrtc.SignalingStateStable || f.reoffer != "" {
		return "", ErrOfferPending
	}
	err := f.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer})
	if err != nil {
		return "", fmt.Errorf("mediaflow: remote offer rejected: %w", err)
	}
	answer, err := f.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("mediaflow: create answer: %w", err)
	}
	sdp, err := f.setLocal(ctx, answer)
	if err != nil {
		return "", fmt.Errorf("mediaflow: answer: %w", err)
	}
	return sdp, nil
}

// Rollback takes back the local offer that waits for its answer (an SDP
// rollback): the Flow returns to the last completed exchange, its tracks,
// data channel and connection untouched, and can Accept the peer's offer.
// It is how the side that yields in a glare of UPDATEs answers the
// winner's: the winner drops the yielding side's offer, whose answer
// would never come. It fails with ErrNoOfferPending when no offer is out,
// and with ErrRollbackFailed when pion refuses.
func (f *Flow) Rollback() error {
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return ErrClosed
	}
	if f.reoffer != "" {
		f.reoffer = "" // never applied: nothing else to undo
		return nil
	}
	pending := f.pc.PendingLocalDescription()
	if f.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer || pending == nil {
		return ErrNoOfferPending
	}
	// An applied offer (a first one, or one that restarts ICE): pion's SDP
	// rollback, which pion v4.2 refuses (see Reoffer). Pion parses the
	// description of a rollback too: give it the offer.
	err := f.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback, SDP: pending.SDP})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRollbackFailed, err)
	}
	return nil
}

// SetAnswer applies the remote answer to the last CreateOffer or Reoffer.
func (f *Flow) SetAnswer(answer string) error {
	if strings.TrimSpace(answer) == "" {
		return ErrEmptySDP
	}
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return ErrClosed
	}
	if f.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer && f.reoffer == "" {
		return ErrNoOfferPending
	}
	if err := checkSDP(answer); err != nil {
		return fmt.Errorf("mediaflow: remote answer rejected: %w", err)
	}
	if f.reoffer != "" {
		// The re-offer is applied with its answer (see Reoffer).
		offer := f.reoffer
		f.reoffer = ""
		if err := f.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
			return fmt.Errorf("mediaflow: apply the re-offer: %w", err)
		}
	}
	err := f.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
	if err != nil {
		return fmt.Errorf("mediaflow: remote answer rejected: %w", err)
	}
	return nil
}

// setLocal applies a local description and waits until ICE gathering has
// completed (Calling 3.0 sends no trickle candidates), the context ends or
// the Flow closes.
func (f *Flow) setLocal(ctx context.Context, desc webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(f.pc)
	if err := f.pc.SetLocalDescription(desc); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering not complete: %w", ctx.Err())
	case <-f.stop:
		return "", ErrClosed
	}
	local := f.pc.LocalDescription()
	if local == nil {
		return "", ErrClosed
	}
	if f.opts.RelayOnly && !strings.Contains(local.SDP, " typ relay") {
		return "", ErrNoRelayCandidate
	}
	return local.SDP, nil
}

// candidate describes one end of a selected pair.
func candidate(c *webrtc.ICECandidate) Candidate {
	if c == nil {
		return Candidate{}
	}
	return Candidate{
		Type: c.Typ.String(), Protocol: c.Protocol.String(), Address: c.Address, Port: c.Port,
		RelatedAddress: c.RelatedAddress,
	}
}

// SendData sends one direct message on the data channel.
func (f *Flow) SendData(b []byte) error {
	if f.isClosed() {
		return ErrClosed
	}
	if !f.dcOpen.Load() {
		return ErrDataChannelNotOpen
	}
	if err := f.dc.Send(b); err != nil {
		return fmt.Errorf("mediaflow: send on data channel: %w", err)
	}
	f.dataSent.Add(1)
	return nil
}

// SetVideo starts (on) or stops sending the built-in video source. If the
// Flow was made without Options.Video, the first SetVideo(true) adds the
// video track, which is sent once an offer/answer exchange (Reoffer and the
// peer's Accept, or Accept of the peer's offer) has negotiated it.
func (f *Flow) SetVideo(on bool) error {
	f.negMu.Lock()
	defer f.negMu.Unlock()
	if f.isClosed() {
		return ErrClosed
	}
	if on && f.video.Load() == nil {
		if err := f.addVideo(); err != nil {
			return err
		}
	}
	f.videoOn.Store(on)
	return nil
}

// Close ends the peer connection and returns once every goroutine of the
// Flow has stopped and the last events (the "closed" states) have been
// delivered. It is idempotent.
func (f *Flow) Close() error {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		close(f.stop)
		if err := f.pc.GracefulClose(); err != nil {
			f.closeErr = fmt.Errorf("mediaflow: close peer connection: %w", err)
		}
		f.wg.Wait()
		f.events.close()
	})
	return f.closeErr
}
