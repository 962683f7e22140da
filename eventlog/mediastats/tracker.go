package mediastats

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// NoteType is the type of the notes a live call records its media
// statistics in (ecall/live): one attribute per counter, named
// "<kind>.<dir>.<counter>" ("audio.sent.packets", "video.recv.jitter_us"),
// and "final" on the report written when the media closed.
const NoteType = "media.stats"

// The media kinds and directions a note reports.
var (
	kinds = []string{"audio", "video"}
	dirs  = []string{"sent", "recv"}
)

// DefaultMinInterval is the shortest interval a point covers: a report
// closer than this to the last one (the final report, written as the media
// closes) does not make a point of its own; its counts go into the next.
const DefaultMinInterval = 250 * time.Millisecond

// Track names one series: one media kind in one direction on one
// connection of one device.
type Track struct {
	Endpoint eventlog.Endpoint
	Conn     string
	Peer     eventlog.Endpoint // the connection's remote client, when its creation named it
	Kind     string            // "audio" or "video"
	Dir      string            // "sent" or "recv"
}

// Name reads "A/1 audio sent to B/2" (or "from B/2" for what it received).
func (t Track) Name() string {
	s := t.Endpoint.String() + " " + t.Kind + " " + t.Dir
	if t.Peer == (eventlog.Endpoint{}) {
		return s
	}
	if t.Dir == "sent" {
		return s + " to " + t.Peer.String()
	}
	return s + " from " + t.Peer.String()
}

// Point is one interval between two reports of a stream.
type Point struct {
	Seq      uint64        // the note that closed the interval
	From, At time.Duration // the interval, in call time
	Packets  uint64        // packets sent or received in the interval
	Lost     uint64        // packets lost in the interval (for a sent stream, as the peer reported)
	// Jitter and RTT are in milliseconds, as reported at the end of the
	// interval (the larger one when points merged); RTT is NaN when the
	// note had none (received streams, logs from before RTT was recorded).
	Jitter, RTT float64

	merged int // reports merged into this point
}

// PacketsPerSec is the rate of the interval.
func (p Point) PacketsPerSec() float64 {
	secs := (p.At - p.From).Seconds()
	if secs <= 0 {
		return math.NaN()
	}
	return float64(p.Packets) / secs
}

// LossPercent is the share of the interval's packets that were lost; NaN
// when none were expected.
func (p Point) LossPercent() float64 {
	if p.Packets+p.Lost == 0 {
		return math.NaN()
	}
	return 100 * float64(p.Lost) / float64(p.Packets+p.Lost)
}

// merge adds the later point q to p: counts add, gauges keep the larger.
func (p *Point) merge(q Point) {
	p.Seq, p.At = q.Seq, q.At
	p.Packets += q.Packets
	p.Lost += q.Lost
	p.Jitter = maxNum(p.Jitter, q.Jitter)
	p.RTT = maxNum(p.RTT, q.RTT)
	p.merged += q.merged
}

// maxNum is the larger of a and b, NaN only when both are.
func maxNum(a, b float64) float64 {
	switch {
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return max(a, b)
}

// Sample is one point of one track.
type Sample struct {
	Track Track
	Point Point
}

// counters is one stream's cumulative counters in one report.
type counters struct {
	packets, lost uint64
	jitter, rtt   float64 // ms; rtt NaN when absent
}

// baseline is where a stream's next interval starts.
type baseline struct {
	at            time.Duration
	packets, lost uint64
}

type connKey struct {
	ep   eventlog.Endpoint
	conn string
}

// Tracker turns media.stats notes into points as the events come. It keeps
// a baseline per stream and the remote of each connection: bounded by the
// call's connections, not by its length. A connection's remote is the
// first one known; in a conference, a connection receiving from several
// clients is still named after the first.
type Tracker struct {
	minInterval time.Duration
	peers       map[connKey]eventlog.Endpoint
	base        map[Track]baseline
	out         []Sample

	// Skipped counts the notes (or streams of a note) whose counters did
	// not parse; FirstSkip says what was wrong with the first.
	Skipped   int
	FirstSkip string
}

// NewTracker returns a Tracker; minInterval 0 means DefaultMinInterval.
func NewTracker(minInterval time.Duration) *Tracker {
	if minInterval <= 0 {
		minInterval = DefaultMinInterval
	}
	return &Tracker{minInterval: minInterval, peers: map[connKey]eventlog.Endpoint{}, base: map[Track]baseline{}}
}

// Add reads one event, with its At on the timeline the points are to use.
// For a media.stats note it returns a sample for each stream whose
// interval the note closes; nil for any other event. The slice is reused
// by the next call.
func (t *Tracker) Add(ev eventlog.Event) []Sample {
	t.out = t.out[:0]
	if ev.Kind == eventlog.KindInput {
		t.learnPeer(ev)
		return nil
	}
	if ev.Kind != eventlog.KindNote || ev.Type != NoteType || ev.Note == nil {
		return nil
	}
	for _, kind := range kinds {
		for _, dir := range dirs {
			t.stream(ev, kind, dir)
		}
	}
	return t.out
}

// learnPeer notes a connection's remote client: from its creation, or
// (a caller's connection is created before anyone answers) from the first
// message it receives.
func (t *Tracker) learnPeer(ev eventlog.Event) {
	k := connKey{ev.Endpoint, ev.Conn}
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		t.peers[k] = in.Remote
	case eventlog.RecvInput:
		if t.peers[k] == (eventlog.Endpoint{}) {
			t.peers[k] = eventlog.Endpoint{User: in.FromUser, Client: in.FromClient}
		}
	}
}

// stream reads one stream of the note ev, if the note reports it.
func (t *Tracker) stream(ev eventlog.Event, kind, dir string) {
	prefix := kind + "." + dir + "."
	if _, ok := ev.Note.Attrs[prefix+"packets"]; !ok {
		return
	}
	c, err := parseCounters(ev.Note.Attrs, prefix)
	if err != nil {
		t.skip(ev, err)
		return
	}
	tr := Track{Endpoint: ev.Endpoint, Conn: ev.Conn, Peer: t.peers[connKey{ev.Endpoint, ev.Conn}], Kind: kind, Dir: dir}
	b, seen := t.base[tr]
	now := baseline{at: ev.At, packets: c.packets, lost: c.lost}
	switch {
	case !seen || c.packets < b.packets || ev.At < b.at:
		// The first report, or counters that went back (a new peer
		// connection): a new baseline, no interval yet.
		t.base[tr] = now
		return
	case ev.At-b.at < t.minInterval:
		return // too short an interval: it goes into the next one
	}
	t.base[tr] = now
	lost := uint64(0)
	if c.lost > b.lost { // a late packet can lower the count of lost ones
		lost = c.lost - b.lost
	}
	t.out = append(t.out, Sample{Track: tr, Point: Point{Seq: ev.Seq, From: b.at, At: ev.At,
		Packets: c.packets - b.packets, Lost: lost, Jitter: c.jitter, RTT: c.rtt, merged: 1}})
}

func (t *Tracker) skip(ev eventlog.Event, err error) {
	if t.Skipped == 0 {
		t.FirstSkip = fmt.Sprintf("event %d: %v", ev.Seq, err)
	}
	t.Skipped++
}

// parseCounters reads the counters of the stream whose attributes start
// with prefix ("audio.sent.").
func parseCounters(attrs map[string]string, prefix string) (counters, error) {
	c := counters{rtt: math.NaN()}
	var err error
	if c.packets, err = uintAttr(attrs, prefix+"packets"); err != nil {
		return c, err
	}
	if c.lost, err = uintAttr(attrs, prefix+"lost"); err != nil {
		return c, err
	}
	jitter, err := uintAttr(attrs, prefix+"jitter_us")
	if err != nil {
		return c, err
	}
	c.jitter = float64(jitter) / 1000
	if _, ok := attrs[prefix+"rtt_us"]; ok {
		rtt, err := uintAttr(attrs, prefix+"rtt_us")
		if err != nil {
			return c, err
		}
		c.rtt = float64(rtt) / 1000
	}
	return c, nil
}

// uintAttr parses one counter; a missing counter counts as 0 (older notes
// lacked some).
func uintAttr(attrs map[string]string, key string) (uint64, error) {
	s, ok := attrs[key]
	if !ok {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %q is not a count", key, s)
	}
	return v, nil
}
