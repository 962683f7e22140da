package mediastats_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/mediastats"
)

var a1 = eventlog.Endpoint{User: "A", Client: "1"}

func statsNote(seq uint64, at time.Duration, attrs map[string]string) eventlog.Event {
	return eventlog.Event{Seq: seq, At: at, Endpoint: a1, Conn: "c1", Kind: eventlog.KindNote,
		Type: mediastats.NoteType, Note: &eventlog.Note{Text: "stats", Attrs: attrs}}
}

func sent(packets, lost, jitterUs, rttUs string) map[string]string {
	m := map[string]string{"audio.sent.packets": packets, "audio.sent.lost": lost, "audio.sent.jitter_us": jitterUs}
	if rttUs != "" {
		m["audio.sent.rtt_us"] = rttUs
	}
	return m
}

// TestTracker feeds reports by hand: loss and RTT of an interval, a
// counter reset, a report too close to the last, and counters that do not
// parse.
func TestTracker(t *testing.T) {
	tr := mediastats.NewTracker(0)
	steps := []struct {
		ev   eventlog.Event
		want string // "" for no point, else "packets/lost/rtt"
	}{
		{statsNote(1, time.Second, sent("50", "0", "100", "")), ""},               // the baseline
		{statsNote(2, 2*time.Second, sent("95", "5", "300", "1500")), "45/5/1.5"}, // 10% lost
		{statsNote(3, 2100*time.Millisecond, sent("99", "5", "300", "")), ""},     // 100 ms: too short
		{statsNote(4, 3*time.Second, sent("145", "4", "200", "")), "50/0/NaN"},    // lost went down: 0
		{statsNote(5, 4*time.Second, sent("10", "0", "0", "")), ""},               // counters reset
		{statsNote(6, 5*time.Second, sent("60", "0", "0", "")), "50/0/NaN"},
		{statsNote(7, 6*time.Second, sent("<b>", "0", "0", "")), ""}, // skipped
		{statsNote(8, 7*time.Second, sent("70", "-1", "0", "")), ""}, // skipped
	}
	for _, s := range steps {
		got := ""
		for _, smp := range tr.Add(s.ev) {
			p := smp.Point
			if smp.Track.Name() != "A/1 audio sent" {
				t.Errorf("track %q", smp.Track.Name())
			}
			got = fmt.Sprintf("%d/%d/%v", p.Packets, p.Lost, p.RTT)
		}
		if got != s.want {
			t.Errorf("event %d: point %q, want %q", s.ev.Seq, got, s.want)
		}
	}
	if tr.Skipped != 2 || !strings.Contains(tr.FirstSkip, `event 7: attribute audio.sent.packets: "<b>" is not a count`) {
		t.Errorf("skipped %d, first %q", tr.Skipped, tr.FirstSkip)
	}
}

// TestPointRates checks the rates a point derives from its counts.
func TestPointRates(t *testing.T) {
	p := mediastats.Point{From: time.Second, At: 3 * time.Second, Packets: 90, Lost: 10}
	if p.PacketsPerSec() != 45 || p.LossPercent() != 10 {
		t.Errorf("%v packets/s, %v%% lost; want 45 and 10", p.PacketsPerSec(), p.LossPercent())
	}
	if q := (mediastats.Point{From: time.Second, At: 2 * time.Second}); !math.IsNaN(q.LossPercent()) || q.PacketsPerSec() != 0 {
		t.Errorf("an idle interval: %v packets/s, %v%% lost; want 0 and NaN", q.PacketsPerSec(), q.LossPercent())
	}
}
