package mediaflow

import (
	"time"
)

// StreamStats describes one direction of one media kind.
type StreamStats struct {
	// Packets is the number of RTP packets sent or received.
	Packets uint64
	// Bytes is the number of RTP payload bytes (headers excluded).
	Bytes uint64
	// Lost is the number of packets missing from the sequence. For a
	// received stream it is counted from sequence-number gaps; for a sent
	// stream it is what the peer reported in its RTCP receiver reports.
	Lost uint64
	// Jitter is the RFC 3550 interarrival jitter estimate; for a sent
	// stream, the peer's estimate from its receiver reports.
	Jitter time.Duration
	// RTT is the round-trip time to the peer, known for a sent stream once
	// a receiver report of the peer has echoed one of our sender reports
	// (RFC 3550 section 6.4.1); RTTKnown says whether one has.
	RTT      time.Duration
	RTTKnown bool
}

// Stats is a snapshot of a Flow's media and data channel counters.
type Stats struct {
	AudioSent, AudioRecv StreamStats
	VideoSent, VideoRecv StreamStats

	// DataSent and DataRecv count direct messages on the data channel.
	DataSent, DataRecv uint64
}

// rtpCounter counts one received RTP stream (one SSRC). It follows the
// receiver side of RFC 3550: extended highest sequence number for loss
// (appendix A.3) and the interarrival jitter estimate (section 6.4.1,
// appendix A.8). It is not safe for concurrent use.
type rtpCounter struct {
	clockRate uint32

	packets, bytes uint64

	started bool
	baseSeq int64 // extended sequence number of the first packet
	maxSeq  int64 // highest extended sequence number seen

	epoch       time.Time // arrival times are measured from here
	lastTransit uint32
	jitter      float64 // in timestamp units
}

func newRTPCounter(clockRate uint32) *rtpCounter {
	return &rtpCounter{clockRate: clockRate}
}

// add counts one packet that arrived at the given time.
func (c *rtpCounter) add(seq uint16, timestamp uint32, payloadLen int, arrival time.Time) {
	c.packets++
	c.bytes += uint64(payloadLen)
	arrivalUnits := c.arrivalUnits(arrival)
	transit := arrivalUnits - timestamp
	if !c.started {
		c.started = true
		c.baseSeq, c.maxSeq = int64(seq), int64(seq)
		c.lastTransit = transit
		return
	}
	// The signed 16-bit distance from the highest sequence number places
	// seq in the right wrap-around cycle, also for late (reordered) packets.
	ext := c.maxSeq + int64(int16(seq-uint16(c.maxSeq)))
	if ext > c.maxSeq {
		c.maxSeq = ext
	}
	if ext < c.baseSeq {
		c.baseSeq = ext
	}
	d := int32(transit - c.lastTransit)
	c.lastTransit = transit
	if d < 0 {
		d = -d
	}
	c.jitter += (float64(d) - c.jitter) / 16
}

// arrivalUnits converts an arrival time into the stream's timestamp units.
// Only differences matter, so the counter's own epoch is the origin.
func (c *rtpCounter) arrivalUnits(arrival time.Time) uint32 {
	if c.epoch.IsZero() {
		c.epoch = arrival
	}
	// Integer arithmetic keeps perfectly paced packets at zero jitter;
	// splitting off whole seconds keeps the product far from overflow.
	elapsed := arrival.Sub(c.epoch)
	secs, rest := int64(elapsed/time.Second), int64(elapsed%time.Second)
	units := secs*int64(c.clockRate) + rest*int64(c.clockRate)/int64(time.Second)
	return uint32(units) // wraps like RTP timestamps do
}

// stats returns the counters; Lost is expected minus received, never
// negative (duplicates can make received exceed expected).
func (c *rtpCounter) stats() StreamStats {
	s := StreamStats{Packets: c.packets, Bytes: c.bytes}
	if !c.started {
		return s
	}
	expected := uint64(c.maxSeq - c.baseSeq + 1)
	if expected > c.packets {
		s.Lost = expected - c.packets
	}
	if c.clockRate > 0 {
		s.Jitter = time.Duration(c.jitter / float64(c.clockRate) * float64(time.Second))
	}
	return s
}

// addStream adds b's counters into a: packets, bytes and loss sum; jitter
// and RTT take the larger value, as the figures of the worst stream.
func addStream(a, b StreamStats) StreamStats {
	a.Packets += b.Packets
	a.Bytes += b.Bytes
	a.Lost += b.Lost
	a.Jitter = max(a.Jitter, b.Jitter)
	if b.RTTKnown {
		a.RTT = max(a.RTT, b.RTT)
		a.RTTKnown = true
	}
	return a
}
