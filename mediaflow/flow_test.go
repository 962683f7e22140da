package mediaflow

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestOfferAnswerDataAudioStats(t *testing.T) {
	checkGoroutines(t)
	a, b := connectedPair(t, testOptions(), testOptions())

	// A direct message goes both ways.
	if err := a.SendData([]byte("HANGUP")); err != nil {
		t.Fatalf("a.SendData: %v", err)
	}
	b.rec.waitFor(t, "HANGUP at b", 1, func(e Event) bool {
		m, ok := e.(DataChannelMessage)
		return ok && bytes.Equal(m.Data, []byte("HANGUP"))
	})
	if err := b.SendData([]byte("PROPSYNC")); err != nil {
		t.Fatalf("b.SendData: %v", err)
	}
	a.rec.waitFor(t, "PROPSYNC at a", 1, func(e Event) bool {
		m, ok := e.(DataChannelMessage)
		return ok && string(m.Data) == "PROPSYNC"
	})

	// Audio flows both ways and reports arrive with counted packets.
	for _, p := range []*peer{a, b} {
		p.rec.waitFor(t, "first audio RTP", 1, func(e Event) bool {
			f, ok := e.(FirstRTP)
			return ok && f.Kind == "audio"
		})
		p.rec.waitFor(t, "stats with audio both ways", 1, func(e Event) bool {
			s, ok := e.(StatsReport)
			return ok && s.Stats.AudioRecv.Packets >= 10 && s.Stats.AudioSent.Packets >= 10
		})
		for _, want := range []string{"connected"} {
			p.rec.waitFor(t, "ICE "+want, 1, func(e Event) bool {
				s, ok := e.(ICEStateChanged)
				return ok && s.State == want
			})
			p.rec.waitFor(t, "DTLS "+want, 1, func(e Event) bool {
				s, ok := e.(DTLSStateChanged)
				return ok && s.State == want
			})
			p.rec.waitFor(t, "connection "+want, 1, func(e Event) bool {
				s, ok := e.(ConnectionStateChanged)
				return ok && s.State == want
			})
		}
	}
	st := b.Stats()
	if st.AudioRecv.Bytes != 3*st.AudioRecv.Packets {
		t.Errorf("AudioRecv.Bytes = %d for %d packets of 3-byte Opus frames", st.AudioRecv.Bytes, st.AudioRecv.Packets)
	}
	if st.AudioRecv.Lost != 0 {
		t.Errorf("AudioRecv.Lost = %d on loopback", st.AudioRecv.Lost)
	}
	if st.VideoRecv.Packets != 0 || st.VideoSent.Packets != 0 {
		t.Errorf("video counted on an audio-only call: %+v %+v", st.VideoSent, st.VideoRecv)
	}
	if st.DataSent != 1 || st.DataRecv != 1 {
		t.Errorf("DataSent, DataRecv = %d, %d; want 1, 1", st.DataSent, st.DataRecv)
	}
	if n := a.rec.count(is[FirstRTP]); n != 1 {
		t.Errorf("FirstRTP reported %d times, want once", n)
	}

	// Close is idempotent, ends with the closed state, and later calls fail.
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if a.rec.count(func(e Event) bool { return e == ConnectionStateChanged{State: "closed"} }) != 1 {
		t.Errorf("connection-state closed not delivered before Close returned: %s", names(a.rec.snapshot()))
	}
	if err := a.SendData([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("SendData after Close = %v, want ErrClosed", err)
	}
	if _, err := a.CreateOffer(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateOffer after Close = %v, want ErrClosed", err)
	}
	if err := a.SetVideo(true); !errors.Is(err, ErrClosed) {
		t.Errorf("SetVideo after Close = %v, want ErrClosed", err)
	}
	n := len(a.rec.snapshot())
	time.Sleep(300 * time.Millisecond) // longer than StatsInterval
	if m := len(a.rec.snapshot()); m != n {
		t.Errorf("%d events delivered after Close returned", m-n)
	}
	// The peer sees the data channel close.
	b.rec.waitFor(t, "data-channel-closed at b", 1, is[DataChannelClosed])
}

func TestVideo(t *testing.T) {
	checkGoroutines(t)
	opts := testOptions()
	opts.Video = true
	a, b := connectedPair(t, opts, testOptions())
	b.rec.waitFor(t, "first video RTP", 1, func(e Event) bool {
		f, ok := e.(FirstRTP)
		return ok && f.Kind == "video"
	})
	// b was made without video: it receives a's video all the same.
	b.rec.waitFor(t, "video stats at b", 1, func(e Event) bool {
		s, ok := e.(StatsReport)
		return ok && s.Stats.VideoRecv.Packets >= 3 && s.Stats.AudioRecv.Packets > 0
	})
	// Each packet carries the whole key frame behind a 4-byte VP8 payload
	// descriptor (RFC 7741: X, I and a 15-bit picture id).
	if got := b.Stats().VideoRecv; got.Bytes != uint64(len(vp8Keyframe)+4)*got.Packets {
		t.Errorf("VideoRecv %+v: want %d payload bytes per packet", got, len(vp8Keyframe)+4)
	}

	// Stopping the source stops the packets.
	if err := a.SetVideo(false); err != nil {
		t.Fatalf("SetVideo(false): %v", err)
	}
	time.Sleep(2 * VideoFrameInterval) // let a frame in flight arrive
	before := b.Stats().VideoRecv.Packets
	time.Sleep(3 * VideoFrameInterval)
	if after := b.Stats().VideoRecv.Packets; after != before {
		t.Errorf("video packets went on after SetVideo(false): %d -> %d", before, after)
	}
	if err := a.SetVideo(true); err != nil {
		t.Fatalf("SetVideo(true): %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for b.Stats().VideoRecv.Packets == before {
		if time.Now().After(deadline) {
			t.Fatal("video did not resume after SetVideo(true)")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// b answered with a receive-only video section; its own video goes
	// out on that section after b's UPDATE.
	if err := b.SetVideo(true); err != nil {
		t.Fatalf("b.SetVideo(true): %v", err)
	}
	signalPair(t, b, a, true)
	a.rec.waitFor(t, "first video RTP at a", 1, func(e Event) bool {
		f, ok := e.(FirstRTP)
		return ok && f.Kind == "video"
	})
	if n := strings.Count(b.pc.LocalDescription().SDP, "m=video"); n != 1 {
		t.Errorf("b's re-offer has %d video sections, want the one it answered", n)
	}
}

func TestLoopbackOfferHasLoopbackCandidatesOnly(t *testing.T) {
	f, err := New(testOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	offer, err := f.CreateOffer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var candidates []string
	for _, line := range strings.Split(offer, "\r\n") {
		if c, ok := strings.CutPrefix(line, "a=candidate:"); ok {
			candidates = append(candidates, c)
		}
	}
	if len(candidates) == 0 {
		t.Fatal("offer has no candidates: gathering was not complete")
	}
	for _, c := range candidates {
		// foundation component transport priority address port typ host
		fields := strings.Fields(c)
		if len(fields) < 8 || !strings.EqualFold(fields[2], "udp") || fields[4] != "127.0.0.1" || fields[7] != "host" {
			t.Errorf("candidate %q: want a UDP host candidate on 127.0.0.1", c)
		}
	}
}

func TestRenegotiationKeepsDataChannel(t *testing.T) {
	checkGoroutines(t)
	a, b := connectedPair(t, testOptions(), testOptions())

	// b turns video on: the track needs an UPDATE, here offered by b.
	if err := b.SetVideo(true); err != nil {
		t.Fatalf("SetVideo(true): %v", err)
	}
	signalPair(t, b, a, true)
	a.rec.waitFor(t, "first video RTP at a", 1, func(e Event) bool {
		f, ok := e.(FirstRTP)
		return ok && f.Kind == "video"
	})

	// And a re-offers too (UPDATE from the caller), restarting nothing.
	signalPair(t, a, b, true)

	if err := a.SendData([]byte("after update")); err != nil {
		t.Fatalf("SendData after renegotiation: %v", err)
	}
	b.rec.waitFor(t, "message after update", 1, func(e Event) bool {
		m, ok := e.(DataChannelMessage)
		return ok && string(m.Data) == "after update"
	})
	for _, p := range []*peer{a, b} {
		if n := p.rec.count(is[DataChannelOpen]); n != 1 {
			t.Errorf("DataChannelOpen %d times, want once", n)
		}
		if n := p.rec.count(is[DataChannelClosed]); n != 0 {
			t.Errorf("DataChannelClosed %d times during renegotiation", n)
		}
	}
	// Audio still flows after the two exchanges.
	before := b.Stats().AudioRecv.Packets
	deadline := time.Now().Add(2 * time.Second)
	for b.Stats().AudioRecv.Packets < before+5 {
		if time.Now().After(deadline) {
			t.Fatal("audio stopped after renegotiation")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestICERestartReoffer(t *testing.T) {
	checkGoroutines(t)
	opts := testOptions()
	opts.ICERestartOnReoffer = true
	a, b := connectedPair(t, opts, testOptions())
	ufrag := func(sdp string) string {
		for _, line := range strings.Split(sdp, "\r\n") {
			if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
				return v
			}
		}
		return ""
	}
	old := ufrag(a.pc.LocalDescription().SDP)
	signalPair(t, a, b, true)
	local := a.pc.LocalDescription().SDP
	if now := ufrag(local); now == "" || now == old {
		t.Fatalf("ICE credentials after restart: %q, before %q", now, old)
	}
	if !strings.Contains(local, "a=candidate:") || !strings.Contains(local, "a=end-of-candidates") {
		t.Fatalf("re-offer after ICE restart is not complete:\n%s", local)
	}
	if err := a.SendData([]byte("restarted")); err != nil {
		t.Fatalf("SendData after ICE restart: %v", err)
	}
	b.rec.waitFor(t, "message after ICE restart", 1, func(e Event) bool {
		m, ok := e.(DataChannelMessage)
		return ok && string(m.Data) == "restarted"
	})
}

func TestAcceptWhileOfferPending(t *testing.T) {
	checkGoroutines(t)
	a, b := newPair(t, testOptions(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := b.CreateOffer(ctx); err != nil {
		t.Fatalf("b.CreateOffer: %v", err)
	}
	offer, err := a.CreateOffer(ctx)
	if err != nil {
		t.Fatalf("a.CreateOffer: %v", err)
	}
	// pion cannot roll back a local offer: the glare loser needs a new Flow.
	if _, err := b.Accept(ctx, offer); !errors.Is(err, ErrOfferPending) {
		t.Fatalf("Accept with a local offer pending = %v, want ErrOfferPending", err)
	}
}

func TestErrors(t *testing.T) {
	checkGoroutines(t)
	a, b := newPair(t, testOptions(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if err := a.SendData([]byte("early")); !errors.Is(err, ErrDataChannelNotOpen) {
		t.Errorf("SendData before open = %v, want ErrDataChannelNotOpen", err)
	}
	if _, err := a.Reoffer(ctx); !errors.Is(err, ErrNotNegotiated) {
		t.Errorf("Reoffer before a first exchange = %v, want ErrNotNegotiated", err)
	}
	if err := a.SetAnswer("v=0\r\n"); !errors.Is(err, ErrNoOfferPending) {
		t.Errorf("SetAnswer without offer = %v, want ErrNoOfferPending", err)
	}
	if _, err := b.Accept(ctx, ""); !errors.Is(err, ErrEmptySDP) {
		t.Errorf("Accept(\"\") = %v, want ErrEmptySDP", err)
	}
	if err := a.SetAnswer("  \r\n"); !errors.Is(err, ErrEmptySDP) {
		t.Errorf("SetAnswer(blank) = %v, want ErrEmptySDP", err)
	}
	for _, bad := range []string{"not an sdp", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "v=0\r\nm=audio\r\n"} {
		if _, err := b.Accept(ctx, bad); err == nil || !strings.Contains(err.Error(), "remote offer rejected") {
			t.Errorf("Accept(%q) = %v, want a 'remote offer rejected' error", bad, err)
		}
	}

	offer, err := a.CreateOffer(ctx)
	if err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	if _, err := a.CreateOffer(ctx); !errors.Is(err, ErrOfferPending) {
		t.Errorf("second CreateOffer = %v, want ErrOfferPending", err)
	}
	if err := a.SetAnswer("garbage"); err == nil || !strings.Contains(err.Error(), "remote answer rejected") {
		t.Errorf("SetAnswer(garbage) = %v, want a 'remote answer rejected' error", err)
	}
	// After the bad answer, the real one still works.
	answer, err := b.Accept(ctx, offer)
	if err != nil {
		t.Fatalf("Accept after bad offers: %v", err)
	}
	if err := a.SetAnswer(answer); err != nil {
		t.Fatalf("SetAnswer after a bad answer: %v", err)
	}
	a.rec.waitFor(t, "data-channel-open", 1, is[DataChannelOpen])
}

func TestCreateOfferContextCanceled(t *testing.T) {
	checkGoroutines(t)
	f, err := New(testOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.CreateOffer(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateOffer(canceled) = %v, want context.Canceled", err)
	}
	if _, err := f.Accept(ctx, "v=0"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept(canceled) = %v, want context.Canceled", err)
	}
	// Nothing was changed: a new offer can be made.
	if _, err := f.CreateOffer(context.Background()); err != nil {
		t.Fatalf("CreateOffer after a canceled one: %v", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	cases := map[string]func(*Options){
		"frame interval":           func(o *Options) { o.FrameInterval = 15 * time.Millisecond },
		"negative stats":           func(o *Options) { o.StatsInterval = -time.Second },
		"loopback with ICE":        func(o *Options) { o.ICEServers = append(o.ICEServers, stunServer()) },
		"loopback with interfaces": func(o *Options) { o.Interfaces = []string{"lo"} },
		"relay only without TURN": func(o *Options) {
			o.Loopback, o.RelayOnly = false, true
			o.ICEServers = append(o.ICEServers, stunServer())
		},
		"empty interface name": func(o *Options) { o.Loopback, o.Interfaces = false, []string{""} },
		"negative ICE timeout": func(o *Options) { o.ICEFailedTimeout = -time.Second },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			o := DefaultOptions()
			mutate(&o)
			f, err := New(o, nil)
			if !errors.Is(err, ErrInvalidOptions) {
				if f != nil {
					f.Close()
				}
				t.Fatalf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func stunServer() webrtc.ICEServer {
	return webrtc.ICEServer{URLs: []string{"stun:127.0.0.1:3478"}}
}

func TestZeroDurationsTakeDefaults(t *testing.T) {
	o, err := Options{Audio: true, Loopback: true}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if o.StatsInterval != DefaultStatsInterval || o.FrameInterval != DefaultFrameInterval {
		t.Errorf("normalized %+v", o)
	}
}

// An answerer without audio receives the caller's audio and sends none;
// the caller's 40 ms packets carry two 20 ms frames (5 bytes).
func TestReceiveOnlyAnd40msFrames(t *testing.T) {
	checkGoroutines(t)
	caller := testOptions()
	caller.FrameInterval = 40 * time.Millisecond
	callee := testOptions()
	callee.Audio = false
	a, b := connectedPair(t, caller, callee)
	b.rec.waitFor(t, "stats with audio at b", 1, func(e Event) bool {
		s, ok := e.(StatsReport)
		return ok && s.Stats.AudioRecv.Packets >= 5
	})
	if got := b.Stats().AudioRecv; got.Bytes != 5*got.Packets {
		t.Errorf("AudioRecv %+v: want 5 payload bytes per 40 ms packet", got)
	}
	if got := b.Stats().AudioSent; got.Packets != 0 {
		t.Errorf("callee without audio sent %d packets", got.Packets)
	}
	time.Sleep(200 * time.Millisecond)
	if n := a.rec.count(is[FirstRTP]); n != 0 {
		t.Errorf("caller got %d FirstRTP from a callee without audio", n)
	}
}

// The sources do not tick before the connection is established (pion
// would drop their frames), and do once it is.
func TestSourcesStartWhenConnected(t *testing.T) {
	checkGoroutines(t)
	a, b := newPair(t, testOptions(), testOptions())
	time.Sleep(100 * time.Millisecond) // five frame intervals
	if n := a.framesWritten.Load() + b.framesWritten.Load(); n != 0 {
		t.Fatalf("%d frames written before any offer", n)
	}
	signalPair(t, a, b, false)
	a.rec.waitFor(t, "first audio RTP at a", 1, is[FirstRTP]) // b sent
	b.rec.waitFor(t, "first audio RTP at b", 1, is[FirstRTP]) // a sent
	if a.framesWritten.Load() == 0 || b.framesWritten.Load() == 0 {
		t.Errorf("frames written once connected: a %d, b %d", a.framesWritten.Load(), b.framesWritten.Load())
	}
}

// Direct messages larger than the read buffer arrive whole and in order
// with the small ones around them; once the peer has closed, the data
// channel refuses to send.
func TestDataLargeMessagesAndPeerClose(t *testing.T) {
	checkGoroutines(t)
	a, b := connectedPair(t, testOptions(), testOptions())
	big := bytes.Repeat([]byte("0123456789abcdef"), 40000/16) // 5 times the first buffer
	for _, m := range [][]byte{[]byte("first"), big, []byte("last")} {
		if err := a.SendData(m); err != nil {
			t.Fatalf("SendData(%d bytes): %v", len(m), err)
		}
	}
	b.rec.waitFor(t, "three messages at b", 3, is[DataChannelMessage])
	var got [][]byte
	for _, e := range b.rec.snapshot() {
		if m, ok := e.(DataChannelMessage); ok {
			got = append(got, m.Data)
		}
	}
	if len(got) != 3 || string(got[0]) != "first" || !bytes.Equal(got[1], big) || string(got[2]) != "last" {
		t.Fatalf("b received %d messages of %v bytes", len(got), lens(got))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b.rec.waitFor(t, "data-channel-closed at b", 1, is[DataChannelClosed])
	if err := b.SendData([]byte("late")); !errors.Is(err, ErrDataChannelNotOpen) {
		t.Errorf("SendData after the peer closed = %v, want ErrDataChannelNotOpen", err)
	}
}

func lens(bs [][]byte) []int {
	n := make([]int, len(bs))
	for i, b := range bs {
		n[i] = len(b)
	}
	return n
}
