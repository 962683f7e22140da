package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// leg is a fake media leg. Its SDPs are plausible (ICE credentials, a
// fingerprint, a host candidate, so that redaction has something to do)
// and carry an "a=x-sim-leg" line that pairs offerer and answerer.
type leg struct {
	w       *World
	owner   *simClient
	conn    string
	id      int
	version int
	peer    *leg
	closed  bool
	dcOpen  bool
	linking bool // the connection is scheduled or up
	// offering: an offer of this leg waits for its answer; a leg that has
	// completed an exchange rolls it back to answer the peer's (a lost
	// UPDATE glare), as live legs do.
	offering   bool
	negotiated bool
}

func (l *leg) sdp(role string) string {
	l.version++
	return fmt.Sprintf("v=0\r\no=- %d %d IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"+
		"a=group:BUNDLE 0 1\r\na=x-%s\r\n"+
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"+
		"a=ice-ufrag:sim%04d\r\na=ice-pwd:simpassword%04dxxxxxxxxx\r\n"+
		"a=fingerprint:sha-256 %s\r\na=setup:%s\r\na=mid:0\r\na=sendrecv\r\n"+
		"a=rtpmap:111 opus/48000/2\r\n"+
		"a=candidate:1 1 udp 2130706431 10.0.%d.%d 5%04d typ host\r\n"+
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:5000\r\n"+
		"a=x-sim-leg:%d\r\n",
		1000+l.id, l.version, role, l.id, l.id, fingerprint(l.id), setupRole(role),
		l.id/250, l.id%250+1, l.id, l.id)
}

func setupRole(role string) string {
	if role == "OFFER" {
		return "actpass"
	}
	return "active"
}

func fingerprint(id int) string {
	parts := make([]string, 32)
	for i := range parts {
		parts[i] = fmt.Sprintf("%02X", (id*31+i*7)&0xff)
	}
	return strings.Join(parts, ":")
}

// legOf finds the leg an SDP came from.
func (l *leg) legOf(sdp string) (*leg, error) {
	_, rest, ok := strings.Cut(sdp, "a=x-sim-leg:")
	if !ok {
		return nil, errors.New("SDP names no simulated media leg")
	}
	id, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(rest, "\r\n", 2)[0]))
	if err != nil || id < 1 || id > len(l.w.legs) {
		return nil, fmt.Errorf("SDP names unknown media leg %q", rest)
	}
	return l.w.legs[id-1], nil
}

func (l *leg) Offer() (string, error) {
	l.offering = true
	return l.sdp("OFFER"), nil
}

func (l *leg) Reoffer() (string, error) {
	l.offering = true
	return l.sdp("OFFER"), nil
}

func (l *leg) Accept(offer string) (string, error) {
	if l.closed {
		return "", errors.New("media leg closed")
	}
	p, err := l.legOf(offer)
	if err != nil {
		return "", err
	}
	if l.offering && l.negotiated {
		// The loser of an UPDATE glare takes its re-offer back, recorded
		// as live legs record it.
		l.owner.client.MediaEvent(l.conn, ecall.MediaEvent{Type: ecall.MediaNote, Note: &ecall.Note{
			Type: "media.rollback",
			Note: eventlog.Note{Text: "own re-offer rolled back to answer the peer's UPDATE (glare lost)"},
		}})
	}
	l.offering = false
	l.negotiated = true
	l.peer = p
	return l.sdp("ANSWER"), nil
}

// SetAnswer completes the pairing: both sides now have each other's SDP,
// and the connection comes up after the media delay.
func (l *leg) SetAnswer(answer string) error {
	if l.closed {
		return errors.New("media leg closed")
	}
	p, err := l.legOf(answer)
	if err != nil {
		return err
	}
	if p.peer != l {
		return fmt.Errorf("answer from media leg %d does not answer leg %d's offer", p.id, l.id)
	}
	l.offering, l.negotiated = false, true
	l.peer = p
	// New or renegotiated (UPDATE), the connection comes up again after
	// the media delay, and the data channel reports open again.
	l.linking, p.linking = true, true
	delay := max(l.owner.mediaDelay, p.owner.mediaDelay)
	l.w.clock.AfterFunc(delay, func() { l.connect(); p.connect() })
	return nil
}

// connect brings one side up as its owner's media mode says.
func (l *leg) connect() {
	if l.closed {
		return
	}
	ev := func(t ecall.MediaEventType) { l.owner.client.MediaEvent(l.conn, ecall.MediaEvent{Type: t}) }
	switch l.owner.mediaMode {
	case "block":
		return
	case "fail":
		l.fail()
		return
	}
	ev(ecall.MediaConnected)
	if l.owner.mediaMode != "no-rtp" {
		ev(ecall.MediaStarted)
	}
	if l.closed || l.owner.mediaMode == "no-dc" {
		return
	}
	l.dcOpen = true
	ev(ecall.MediaDataChanOpen)
}

func (l *leg) fail() {
	l.owner.client.MediaEvent(l.conn, ecall.MediaEvent{
		Type: ecall.MediaFailed, Err: fmt.Errorf("simulated media failure: %w", econn.ErrIO),
	})
}

func (l *leg) SendDirect(data []byte) error {
	if !l.dcOpen || l.closed {
		return errors.New("data channel not open")
	}
	p := l.peer
	m, _ := econn.Decode(data, l.w.clock.Unix(), l.w.clock.Unix())
	e := l.w.hits(l.owner.ep, p.owner.ep, m, econn.TransportDirect)
	if e.failSend {
		return fmt.Errorf("data channel send: %w", errInjected)
	}
	if m != nil {
		l.w.Direct[m.Type]++
	}
	deliver := func() {
		if p.dcOpen && !p.closed {
			p.owner.client.MediaEvent(p.conn, ecall.MediaEvent{Type: ecall.MediaDataChanMessage, Data: data})
		}
	}
	l.w.dispatch(e.reorder, l.w.plan(e, deliver))
	return nil
}

func (l *leg) SetVideo(bool) error { return nil }

// Close ends the leg; the peer's data channel closes too.
func (l *leg) Close() {
	if l.closed {
		return
	}
	l.closed = true
	l.closeDataChan()
}

// closeDataChan closes the data channel on both sides.
func (l *leg) closeDataChan() {
	wasOpen := l.dcOpen
	l.dcOpen = false
	if !l.closed && wasOpen {
		l.owner.client.MediaEvent(l.conn, ecall.MediaEvent{Type: ecall.MediaDataChanClosed})
	}
	p := l.peer
	if wasOpen && p != nil && p.peer == l {
		// After what is already in flight on the channel.
		l.w.clock.AfterFunc(0, func() {
			if p.dcOpen {
				p.dcOpen = false
				if !p.closed {
					p.owner.client.MediaEvent(p.conn, ecall.MediaEvent{Type: ecall.MediaDataChanClosed})
				}
			}
		})
	}
}
