package mediastats

import (
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/describe"
)

// Defaults of Options.
const (
	DefaultMaxPoints  = 2048
	DefaultMaxMarkers = 4096
)

// Options shape a Series.
type Options struct {
	// MinInterval is the shortest interval of a point (0:
	// DefaultMinInterval).
	MinInterval time.Duration
	// MaxPoints caps each track (0: DefaultMaxPoints): past it,
	// neighbouring points merge in pairs, and later points merge as many
	// reports as each stored one holds.
	MaxPoints int
	// MaxMarkers caps the markers (0: DefaultMaxMarkers): past it, every
	// other marker is dropped and later ones are thinned alike.
	MaxMarkers int
	// Clocks aligns the devices' times (clocks.OfCall); nil leaves them.
	Clocks *clocks.Estimate
}

func (o Options) withDefaults() Options {
	if o.MaxPoints <= 1 {
		o.MaxPoints = DefaultMaxPoints
	}
	if o.MaxMarkers <= 1 {
		o.MaxMarkers = DefaultMaxMarkers
	}
	return o
}

// Marker kinds: what a signalling event did.
const (
	MarkerSend   = "send"   // a message sent (econn.Send)
	MarkerRecv   = "recv"   // a message received
	MarkerState  = "state"  // a state change
	MarkerClosed = "closed" // the connection closed
)

// Marker is one signalling event on the time axis.
type Marker struct {
	Seq      uint64
	At       time.Duration
	Endpoint eventlog.Endpoint
	Conn     string
	Kind     string // one of the Marker kinds
	Label    string // the event's sentence (describe.Sentence): untrusted text
}

// TrackSeries is one track's points in time order.
type TrackSeries struct {
	Track  Track
	Points []Point

	per int // reports each stored point takes before the next starts
}

// Series is a call's media statistics and signalling markers.
type Series struct {
	Tracks  []TrackSeries // in the order their first point came
	Markers []Marker
	// MarkerEvery is n when only one signalling event in n is kept (see
	// Options.MaxMarkers); 1 when all are.
	MarkerEvery int
	// End is the time of the call's last event.
	End time.Duration
	// Skipped and FirstSkip: notes whose counters did not parse (Tracker).
	Skipped   int
	FirstSkip string
}

// Collector builds a Series from events given one by one.
type Collector struct {
	opts    Options
	tracker *Tracker
	index   map[Track]int
	series  Series
	seen    int // markers seen, kept or not
}

// NewCollector returns an empty Collector.
func NewCollector(opts Options) *Collector {
	opts = opts.withDefaults()
	return &Collector{opts: opts, tracker: NewTracker(opts.MinInterval), index: map[Track]int{},
		series: Series{MarkerEvery: 1}}
}

// Add reads one event as recorded; the collector aligns its time.
func (c *Collector) Add(ev eventlog.Event) {
	ev.At = c.opts.Clocks.At(&ev)
	c.series.End = max(c.series.End, ev.At)
	for _, s := range c.tracker.Add(ev) {
		c.point(s)
	}
	if kind := markerKind(ev); kind != "" && c.keepMarker() {
		// The sentence (a receive's decodes the message again) only for
		// the markers kept.
		c.marker(Marker{Seq: ev.Seq, At: ev.At, Endpoint: ev.Endpoint, Conn: ev.Conn, Kind: kind,
			Label: describe.Sentence(ev)})
	}
}

// Series returns what was collected. The Collector must not be used after.
func (c *Collector) Series() *Series {
	c.series.Skipped, c.series.FirstSkip = c.tracker.Skipped, c.tracker.FirstSkip
	return &c.series
}

func (c *Collector) point(s Sample) {
	i, ok := c.index[s.Track]
	if !ok {
		i = len(c.series.Tracks)
		c.index[s.Track] = i
		c.series.Tracks = append(c.series.Tracks, TrackSeries{Track: s.Track, per: 1})
	}
	ts := &c.series.Tracks[i]
	if n := len(ts.Points); n > 0 && ts.Points[n-1].merged < ts.per {
		ts.Points[n-1].merge(s.Point)
		return
	}
	ts.Points = append(ts.Points, s.Point)
	if len(ts.Points) > c.opts.MaxPoints {
		ts.Points = halvePoints(ts.Points)
		ts.per *= 2
	}
}

// halvePoints merges neighbouring points in pairs, in place.
func halvePoints(ps []Point) []Point {
	n := 0
	for i := 0; i < len(ps); i += 2 {
		p := ps[i]
		if i+1 < len(ps) {
			p.merge(ps[i+1])
		}
		ps[n] = p
		n++
	}
	return ps[:n]
}

// keepMarker counts a signalling event and says whether the thinning
// keeps it.
func (c *Collector) keepMarker() bool {
	c.seen++
	return (c.seen-1)%c.series.MarkerEvery == 0
}

// marker adds a kept marker, thinning the markers when over the cap.
func (c *Collector) marker(m Marker) {
	c.series.Markers = append(c.series.Markers, m)
	if len(c.series.Markers) <= c.opts.MaxMarkers {
		return
	}
	// Keep the markers whose index in the whole sequence is a multiple of
	// the doubled stride: every other one of those kept so far.
	ms := c.series.Markers
	n := 0
	for i := 0; i < len(ms); i += 2 {
		ms[n] = ms[i]
		n++
	}
	c.series.Markers = ms[:n]
	c.series.MarkerEvery *= 2
}

// markerKind says which marker ev is, "" when it is none.
func markerKind(ev eventlog.Event) string {
	switch ev.Kind {
	case eventlog.KindInput:
		if ev.Type == eventlog.TypeRecv {
			return MarkerRecv
		}
	case eventlog.KindOutput:
		switch ev.Output.(type) {
		case econn.Send:
			return MarkerSend
		case econn.StateChanged:
			return MarkerState
		case econn.Closed:
			return MarkerClosed
		}
	}
	return ""
}

// Read collects the series of the call r reads, in one pass.
func Read(r *eventlog.CallReader, opts Options) (*Series, error) {
	c := NewCollector(opts)
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		c.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return c.Series(), nil
}
