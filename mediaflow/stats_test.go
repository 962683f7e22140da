package mediaflow

import (
	"testing"
	"time"
)

// feed sends packets with the given sequence numbers through a counter,
// 20 ms apart on the clock and in RTP time (960 units at 48 kHz), except
// that arrival may be skewed per packet.
func feed(c *rtpCounter, seqs []uint16, skew func(i int) time.Duration) {
	t0 := time.Unix(1000, 0)
	for i, seq := range seqs {
		ts := uint32(seq) * 960
		at := t0.Add(time.Duration(seq) * 20 * time.Millisecond)
		if skew != nil {
			at = at.Add(skew(i))
		}
		c.add(seq, ts, 3, at)
	}
}

func TestRTPCounterLoss(t *testing.T) {
	cases := []struct {
		name string
		seqs []uint16
		want StreamStats
	}{
		{"in order", []uint16{1, 2, 3, 4}, StreamStats{Packets: 4, Bytes: 12}},
		{"one gap", []uint16{1, 2, 4, 5}, StreamStats{Packets: 4, Bytes: 12, Lost: 1}},
		{"reordered", []uint16{1, 3, 2, 4}, StreamStats{Packets: 4, Bytes: 12}},
		{"late packet before the first", []uint16{5, 4, 6}, StreamStats{Packets: 3, Bytes: 9}},
		{"duplicate", []uint16{1, 2, 2, 3}, StreamStats{Packets: 4, Bytes: 12}},
		{"wrap", []uint16{65534, 65535, 0, 2}, StreamStats{Packets: 4, Bytes: 12, Lost: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newRTPCounter(48000)
			feed(c, tc.seqs, nil)
			got := c.stats()
			got.Jitter = 0 // arrival times follow sequence numbers: covered below
			if got != tc.want {
				t.Errorf("stats = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRTPCounterJitter(t *testing.T) {
	seqs := make([]uint16, 500)
	for i := range seqs {
		seqs[i] = uint16(i)
	}
	// Perfect pacing: no jitter at all.
	c := newRTPCounter(48000)
	feed(c, seqs, nil)
	if j := c.stats().Jitter; j != 0 {
		t.Errorf("jitter with perfect pacing = %v, want 0", j)
	}
	// Every other packet arrives 4 ms late: each transit difference is 4 ms,
	// so the estimate converges to 4 ms (J += (|D| - J) / 16).
	c = newRTPCounter(48000)
	feed(c, seqs, func(i int) time.Duration { return time.Duration(i%2) * 4 * time.Millisecond })
	if j := c.stats().Jitter; j < 3900*time.Microsecond || j > 4100*time.Microsecond {
		t.Errorf("jitter with ±4 ms alternation = %v, want ~4ms", j)
	}
	// The same with a 90 kHz clock (video).
	v := newRTPCounter(90000)
	t0 := time.Unix(0, 0)
	for i := range 500 {
		at := t0.Add(time.Duration(i)*100*time.Millisecond + time.Duration(i%2)*10*time.Millisecond)
		v.add(uint16(i), uint32(i)*9000, 31, at)
	}
	if j := v.stats().Jitter; j < 9900*time.Microsecond || j > 10100*time.Microsecond {
		t.Errorf("90 kHz jitter = %v, want ~10ms", j)
	}
}

func TestAddStream(t *testing.T) {
	a := StreamStats{Packets: 1, Bytes: 2, Lost: 3, Jitter: time.Millisecond}
	b := StreamStats{Packets: 10, Bytes: 20, Lost: 30, Jitter: 5 * time.Millisecond}
	want := StreamStats{Packets: 11, Bytes: 22, Lost: 33, Jitter: 5 * time.Millisecond}
	if got := addStream(a, b); got != want {
		t.Errorf("addStream = %+v, want %+v", got, want)
	}
	// RTT: the larger of those known; an unknown one changes nothing.
	a.RTT, a.RTTKnown = 3*time.Millisecond, true
	want.RTT, want.RTTKnown = 3*time.Millisecond, true
	if got := addStream(a, b); got != want {
		t.Errorf("addStream with one RTT = %+v, want %+v", got, want)
	}
	b.RTT, b.RTTKnown = 7*time.Millisecond, true
	want.RTT = 7 * time.Millisecond
	if got := addStream(a, b); got != want {
		t.Errorf("addStream with two RTTs = %+v, want %+v", got, want)
	}
}
