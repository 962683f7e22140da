package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/callrec/callrec/eventlog/mediastats"
)

// --- media plots ------------------------------------------------------------
//
// The page's <section id="plots"> is drawn by static/plots.js, with the
// vendored uPlot (static/vendor/uplot), from what /api/plots answers: the
// call's media statistics as series (package mediastats) and its
// signalling events as markers, times in seconds on the call's (aligned)
// timeline.

// plotsAnswer is /api/plots.
type plotsAnswer struct {
	End         num          `json:"end"` // seconds: the call's last event
	Tracks      []plotTrack  `json:"tracks"`
	Markers     []plotMarker `json:"markers"`
	MarkerEvery int          `json:"marker_every"` // 1, or n when one signalling event in n is shown
	Skipped     int          `json:"skipped"`      // stats notes that did not parse
	FirstSkip   string       `json:"first_skip,omitempty"`
}

// plotTrack is one stream's points as columns: T[i] is the end of the
// i-th interval, in seconds; Seq[i] the note that ended it.
type plotTrack struct {
	Name     string   `json:"name"` // "A/1 audio sent to B/2"
	Endpoint string   `json:"endpoint"`
	Kind     string   `json:"kind"` // audio, video
	Dir      string   `json:"dir"`  // sent, recv
	T        []num    `json:"t"`
	Seq      []uint64 `json:"seq"`
	PPS      []num    `json:"pps"`    // packets per second
	Loss     []num    `json:"loss"`   // percent; null when nothing was expected
	Jitter   []num    `json:"jitter"` // ms
	RTT      []num    `json:"rtt"`    // ms; null when not known
}

// plotMarker is one signalling event.
type plotMarker struct {
	Seq      uint64 `json:"seq"`
	T        num    `json:"t"`
	Endpoint string `json:"endpoint"`
	Kind     string `json:"kind"` // send, recv, state, closed
	Label    string `json:"label"`
}

// num is a number in an answer: NaN and infinities are null, and six
// significant digits are plenty for a plot.
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', 6, 64), nil
}

func secs(d time.Duration) num { return num(d.Seconds()) }

// handlePlots reads the call once, on a reader of its own, into series
// whose size mediastats caps (points per track, markers).
func (s *Server) handlePlots(w http.ResponseWriter, r *http.Request, c *callView) {
	rd, err := c.l.Call(c.meta.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	defer rd.Close()
	series, err := mediastats.Read(rd, mediastats.Options{Clocks: c.clocks})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, plotsOf(series))
}

// plotsOf turns a Series into the answer, every text from the log escaped.
func plotsOf(s *mediastats.Series) plotsAnswer {
	a := plotsAnswer{End: secs(s.End), Tracks: make([]plotTrack, 0, len(s.Tracks)),
		Markers: make([]plotMarker, 0, len(s.Markers)), MarkerEvery: s.MarkerEvery,
		Skipped: s.Skipped, FirstSkip: esc(s.FirstSkip)}
	for _, ts := range s.Tracks {
		a.Tracks = append(a.Tracks, plotTrackOf(ts))
	}
	for _, m := range s.Markers {
		a.Markers = append(a.Markers, plotMarker{Seq: m.Seq, T: secs(m.At), Endpoint: esc(m.Endpoint.String()),
			Kind: m.Kind, Label: esc(m.Label)})
	}
	return a
}

func plotTrackOf(ts mediastats.TrackSeries) plotTrack {
	n := len(ts.Points)
	t := plotTrack{Name: esc(ts.Track.Name()), Endpoint: esc(ts.Track.Endpoint.String()),
		Kind: ts.Track.Kind, Dir: ts.Track.Dir, T: make([]num, n), Seq: make([]uint64, n),
		PPS: make([]num, n), Loss: make([]num, n), Jitter: make([]num, n), RTT: make([]num, n)}
	for i, p := range ts.Points {
		t.T[i], t.Seq[i] = secs(p.At), p.Seq
		t.PPS[i], t.Loss[i] = num(p.PacketsPerSec()), num(p.LossPercent())
		t.Jitter[i], t.RTT[i] = num(p.Jitter), num(p.RTT)
	}
	return t
}
