package mediastats_test

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/eventlog/mediastats"
)

// TestLiveRecordedDemo records a short demo call with today's code (real
// pion peers on loopback) and reads its series: audio both ways on A/1
// and B/2, about 50 packets/s, and a round-trip time on the sent streams
// once the RTCP reports have gone round, which logs of format v2 lack.
func TestLiveRecordedDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("records a live call")
	}
	path := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	con := live.Console{Out: io.Discard, Err: io.Discard, ToolVersion: "test"}
	if _, err := con.Demo(ctx, live.DemoConfig{Log: path, Duration: 3500 * time.Millisecond,
		AnswerAfter: 100 * time.Millisecond, Devices: 1}); err != nil {
		t.Fatal(err)
	}
	s := readSeries(t, openCall(t, path), mediastats.Options{})
	if len(s.Tracks) != 4 {
		t.Fatalf("tracks %q, want audio each way on A/1 and B/1", trackNames(s))
	}
	for _, ts := range s.Tracks {
		rtt := false
		for _, p := range ts.Points {
			if pps := p.PacketsPerSec(); pps < 35 || pps > 65 {
				t.Errorf("%s at %v: %.1f packets/s, want about 50", ts.Track.Name(), p.At, pps)
			}
			rtt = rtt || !math.IsNaN(p.RTT)
		}
		if want := ts.Track.Dir == "sent"; rtt != want || len(ts.Points) < 2 {
			t.Errorf("%s: %d points, an RTT: %v, want %v", ts.Track.Name(), len(ts.Points), rtt, want)
		}
	}
}
