package mediastats_test

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/mediastats"
)

// liveDemo is `callrec demo` recorded at format version 2: A/1 calls B,
// B/1 and B/2 ring, B/2 answers; 5 s of Opus audio (50 packets/s each
// way, none lost); A hangs up. Stats reports every second.
var liveDemo = filepath.Join("..", "..", "testdata", "compat", "v2", "live-demo.db")

func openCall(t testing.TB, path string) *eventlog.CallReader {
	t.Helper()
	return simtest.OpenCall(t, path, "")
}

func readSeries(t testing.TB, r *eventlog.CallReader, opts mediastats.Options) *mediastats.Series {
	t.Helper()
	s, err := mediastats.Read(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func trackNames(s *mediastats.Series) []string {
	var names []string
	for _, ts := range s.Tracks {
		names = append(names, ts.Track.Name())
	}
	return names
}

// TestLiveDemo reads the v2 demo: one track per device and direction of
// the two devices that talked (B/1 stopped ringing before any media),
// four one-second intervals each (the first report is the baseline, the
// final one comes 2 ms after the last), at 50 packets/s, nothing lost.
func TestLiveDemo(t *testing.T) {
	s := readSeries(t, openCall(t, liveDemo), mediastats.Options{})
	want := []string{"A/1 audio sent to B/2", "A/1 audio recv from B/2", "B/2 audio sent to A/1", "B/2 audio recv from A/1"}
	if got := trackNames(s); !slices.Equal(got, want) {
		t.Fatalf("tracks %q, want %q", got, want)
	}
	for _, ts := range s.Tracks {
		if len(ts.Points) != 4 {
			t.Errorf("%s: %d points, want 4", ts.Track.Name(), len(ts.Points))
		}
		var prev time.Duration
		for _, p := range ts.Points {
			if pps := p.PacketsPerSec(); pps < 45 || pps > 55 {
				t.Errorf("%s at %v: %.1f packets/s, want about 50", ts.Track.Name(), p.At, pps)
			}
			if p.LossPercent() != 0 {
				t.Errorf("%s at %v: loss %v%%, want 0", ts.Track.Name(), p.At, p.LossPercent())
			}
			if ts.Track.Dir == "recv" && (p.Jitter <= 0 || p.Jitter > 5) {
				t.Errorf("%s at %v: jitter %v ms, want a fraction of a millisecond", ts.Track.Name(), p.At, p.Jitter)
			}
			if !math.IsNaN(p.RTT) {
				t.Errorf("%s: RTT %v in a log from before RTT was recorded", ts.Track.Name(), p.RTT)
			}
			if p.From < prev || p.At-p.From < 900*time.Millisecond {
				t.Errorf("%s: interval %v..%v after %v", ts.Track.Name(), p.From, p.At, prev)
			}
			prev = p.At
		}
	}
	if s.Skipped != 0 {
		t.Errorf("skipped %d notes: %s", s.Skipped, s.FirstSkip)
	}
	if s.End.Round(time.Millisecond) != 5515*time.Millisecond {
		t.Errorf("end %v, want 5.515s", s.End)
	}
	checkDemoMarkers(t, s)
}

// checkDemoMarkers checks the demo's signalling markers against its
// timeline (`callreplay show`): 8 sends, 5 receives (the PROPSYNCs are
// handled above ECONN), 13 state changes, 3 closes.
func checkDemoMarkers(t *testing.T, s *mediastats.Series) {
	t.Helper()
	count := map[string]int{}
	for _, m := range s.Markers {
		count[m.Kind]++
	}
	want := map[string]int{mediastats.MarkerSend: 8, mediastats.MarkerRecv: 5, mediastats.MarkerState: 13, mediastats.MarkerClosed: 3}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s markers, want %d (all: %v)", count[k], k, n, count)
		}
	}
	first, last := s.Markers[0], s.Markers[len(s.Markers)-1]
	if first.Seq != 5 || first.Kind != mediastats.MarkerState || first.Label != "Idle → Pending-Outgoing" || first.Endpoint.String() != "A/1" {
		t.Errorf("first marker %+v, want A/1's state change at 5", first)
	}
	if last.Seq != 96 || last.Kind != mediastats.MarkerClosed || !strings.Contains(last.Label, "normal") {
		t.Errorf("last marker %+v, want A/1's close at 96", last)
	}
	if s.MarkerEvery != 1 {
		t.Errorf("MarkerEvery %d with all markers kept", s.MarkerEvery)
	}
}

// TestCaps reads the demo with tiny caps: points merge without changing
// the totals or the span, and the markers kept are every n-th.
func TestCaps(t *testing.T) {
	r := openCall(t, liveDemo)
	full := readSeries(t, r, mediastats.Options{})
	small := readSeries(t, r, mediastats.Options{MaxPoints: 2, MaxMarkers: 5})
	for i, ts := range small.Tracks {
		all := full.Tracks[i].Points
		if len(ts.Points) > 2 || len(ts.Points) == 0 {
			t.Fatalf("%s: %d points with MaxPoints 2", ts.Track.Name(), len(ts.Points))
		}
		if got, want := sum(ts.Points), sum(all); got != want {
			t.Errorf("%s: %d packets merged, %d in all", ts.Track.Name(), got, want)
		}
		if ts.Points[0].From != all[0].From || ts.Points[len(ts.Points)-1].At != all[len(all)-1].At {
			t.Errorf("%s: merged span differs", ts.Track.Name())
		}
	}
	if len(small.Markers) > 5 || small.MarkerEvery != 8 {
		t.Fatalf("%d markers, every %d, with MaxMarkers 5 of 29", len(small.Markers), small.MarkerEvery)
	}
	for i, m := range small.Markers {
		if m != full.Markers[i*small.MarkerEvery] {
			t.Errorf("marker %d is %+v, want %+v", i, m, full.Markers[i*small.MarkerEvery])
		}
	}
}

func sum(ps []mediastats.Point) uint64 {
	var n uint64
	for _, p := range ps {
		n += p.Packets
	}
	return n
}
