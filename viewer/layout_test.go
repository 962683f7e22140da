package viewer

import (
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// forkCall is a call to a user with two clients: A/1 calls B, whose
// clients B/1 and B/2 both ring; B/1 answers, B/2 is told to stop.
func forkCall(t testing.TB) *script {
	b2 := ep("B/2")
	s := newScript(t, "fork", epA, epB, b2)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
	s.newConn(epA, epB, "sessA")
	s.newConn(epB, epA, "sessB1")
	s.newConn(b2, epA, "sessB2")
	s.advance(10 * time.Millisecond)
	s.input(epA, eventlog.StepInput{In: econn.Start{SDP: sdp, Props: econn.Props{"videosend": "false"}}})
	s.advance(30 * time.Millisecond)
	s.recv(epB, epA, econn.MsgSetup)
	s.recv(b2, epA, econn.MsgSetup)
	s.advance(2 * time.Second)
	s.input(epB, eventlog.StepInput{In: econn.Answer{SDP: sdp, Props: econn.Props{"videosend": "true"}}})
	s.advance(30 * time.Millisecond)
	s.recv(epA, epB, econn.MsgSetup)
	s.input(b2, eventlog.StepInput{In: econn.End{}})
	s.note(b2, "answered elsewhere: the other client of user B took the call", map[string]string{"by": "B/1"})
	return s
}

func openFork(t *testing.T, opts Options) *Model {
	t.Helper()
	m, err := New(singleCatalog{forkCall(t).source()}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLayoutScreens are the screens at the sizes people use: 80×24 with
// three endpoints, and 200×50, where the lanes widen, the ladder follows
// the summaries and the lower panes keep to what they fill.
func TestLayoutScreens(t *testing.T) {
	cases := []struct {
		name string
		open func(*testing.T, Options) *Model
		w, h int
		at   uint64
	}{
		{"fork_80x24", openFork, 80, 24, 14},
		{"fork_note_80x24", openFork, 80, 24, 0},
		{"glare_200x50", func(t *testing.T, o Options) *Model { m, _ := openGlare(t, o); return m }, 200, 50, 17},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.open(t, Options{At: c.at})
			if c.at == 0 {
				press(m, "G")
			}
			golden(t, c.name+".txt", dump(paint(t, m, c.w, c.h)))
		})
	}
}

func TestComputeLayout(t *testing.T) {
	glare := layoutNeeds{endpoints: 2, fixed: 22, summary: 66, lower: inspectorRows}
	three := glare
	three.endpoints = 3
	t.Run("80x24 keeps the lanes that label a response", func(t *testing.T) {
		l := computeLayout(80, 24, glare)
		if l.Lane != fairLane || l.Timeline.W-22 < 32 {
			t.Errorf("lane %d, summary %d cells; want %d and at least 32", l.Lane, l.Timeline.W-22, fairLane)
		}
	})
	t.Run("80x24 with three endpoints gives the summary the larger share", func(t *testing.T) {
		l := computeLayout(80, 24, three)
		if sum := l.Timeline.W - 22; sum < 32 || sum < l.Ladder.W {
			t.Errorf("summary %d cells beside a ladder of %d", sum, l.Ladder.W)
		}
		if l.Lane < minLane {
			t.Errorf("lane %d, below %d", l.Lane, minLane)
		}
	})
	t.Run("200x50 uses the width", func(t *testing.T) {
		l := computeLayout(200, 50, glare)
		if l.Lane != maxLane {
			t.Errorf("lane %d, want %d", l.Lane, maxLane)
		}
		if l.Timeline.W != 22+66+1 {
			t.Errorf("the summary column is %d cells for summaries of 66", l.Timeline.W-22)
		}
		if l.Ladder.X != l.Timeline.W || l.Ladder.X+l.Ladder.W != 200 {
			t.Errorf("ladder %+v does not follow the timeline %+v to the edge", l.Ladder, l.Timeline)
		}
	})
	t.Run("200x50 lower panes", func(t *testing.T) {
		l := computeLayout(200, 50, glare)
		if l.Inspector.H > 48/4 || l.Inspector.H < inspectorRows {
			t.Errorf("lower panes %d rows; the inspector fills %d", l.Inspector.H, inspectorRows)
		}
		if l.Timeline.H+l.Inspector.H != 48 {
			t.Errorf("timeline %d + lower %d rows, want 48", l.Timeline.H, l.Inspector.H)
		}
		if l.Inspector.W > maxInspectorWidth || l.Detail.X+l.Detail.W != 200 {
			t.Errorf("inspector %+v, detail %+v", l.Inspector, l.Detail)
		}
	})
	t.Run("narrow", func(t *testing.T) {
		l := computeLayout(60, 16, layoutNeeds{endpoints: 6, fixed: 27, summary: 80, lower: inspectorRows})
		if l.Ladder.W > 60*2/5 || l.Timeline.W+l.Ladder.W != 60 || l.Inspector.H > 7 {
			t.Errorf("timeline %+v, ladder %+v, inspector %+v", l.Timeline, l.Ladder, l.Inspector)
		}
	})
}

// TestSummaryColumnGrows: the summary column widens when a longer summary
// scrolls into view, and the ladder moves with it.
func TestSummaryColumnGrows(t *testing.T) {
	m, _ := openGlare(t, Options{})
	m.Resize(200, 16) // the first rows' summaries are short
	before := m.lay.Timeline.W
	press(m, ":17", enter)
	if m.lay.Timeline.W <= before || m.lay.Ladder.X != m.lay.Timeline.W {
		t.Errorf("timeline %d cells wide before, %d after the long summaries showed; ladder at %d",
			before, m.lay.Timeline.W, m.lay.Ladder.X)
	}
	if !strings.Contains(dump(paint(t, m, 200, 16)), "dropping the remote offer") {
		t.Error("the longest summary is cut")
	}
}
