package merge

import (
	"container/heap"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
)

// stream is one recording's events on their way into the merged call.
type stream struct {
	rec   *recording
	r     *eventlog.CallReader
	cur   *eventlog.Cursor
	ev    eventlog.Event
	shift time.Duration // from the recording's start to the merged call's
	order int           // the recording's place in its group, for ties
}

// at is the head event's time in the merged call.
func (s *stream) at() time.Duration { return s.ev.At + s.shift }

// advance moves to the recording's next event it gives, skipping the
// devices another recording gives; false at the end (or on an error,
// which the cursor keeps).
func (s *stream) advance() bool {
	for ev, ok := s.cur.Next(); ok; ev, ok = s.cur.Next() {
		if !s.rec.drop[ev.Endpoint] {
			s.ev = ev
			return true
		}
	}
	return false
}

// streams orders the heads of the recordings by time, then by the
// recording's start: the earliest event is written next. Each recording's
// own events keep their order, which is what its ECONNs replay.
type streams []*stream

func (h streams) Len() int { return len(h) }
func (h streams) Less(i, j int) bool {
	if a, b := h[i].at(), h[j].at(); a != b {
		return a < b
	}
	return h[i].order < h[j].order
}
func (h streams) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *streams) Push(x any)   { *h = append(*h, x.(*stream)) }
func (h *streams) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// writeGroup writes the recordings of g as one call of out, with the id
// id ("" for the next free one), and returns its metadata and how many
// events it wrote.
func (m *merger) writeGroup(out *eventlog.Log, g []*recording, id string) (eventlog.CallMeta, uint64, error) {
	meta := mergedMeta(g)
	meta.ID = id
	h := make(streams, 0, len(g))
	defer func() {
		for _, s := range h {
			s.r.Close()
		}
	}()
	for i, rec := range g {
		r, err := rec.in.log.Call(rec.info.Meta.ID)
		if err != nil {
			return meta, 0, err
		}
		s := &stream{rec: rec, r: r, cur: r.Cursor(nil), shift: rec.info.Meta.Start.Sub(meta.Start), order: i}
		if !s.advance() {
			if err := s.cur.Err(); err != nil {
				r.Close()
				return meta, 0, err
			}
			r.Close()
			continue
		}
		h = append(h, s)
	}
	heap.Init(&h)
	w, err := out.CreateCall(meta)
	if err != nil {
		return meta, 0, err
	}
	meta.ID = w.ID()
	n, err := m.drain(w, &h)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return meta, n, err
}

// drain appends the earliest head event of h until every stream ended.
func (m *merger) drain(w *eventlog.CallWriter, h *streams) (uint64, error) {
	var n uint64
	for h.Len() > 0 {
		s := (*h)[0]
		ev := s.ev
		ev.At = s.at()
		if _, err := w.Append(ev); err != nil {
			return n, err
		}
		n++
		m.tick()
		if s.advance() {
			heap.Fix(h, 0)
			continue
		}
		if err := s.cur.Err(); err != nil {
			return n, err
		}
		heap.Pop(h)
		s.r.Close()
	}
	return n, nil
}

// mergedMeta describes the call g's recordings make together: it starts
// at the earliest one's start and has every device (once) and every ECONN
// in creation order. A recording alone keeps its metadata as it is.
func mergedMeta(g []*recording) eventlog.CallMeta {
	if len(g) == 1 {
		return g[0].info.Meta
	}
	first := g[0].info.Meta
	meta := eventlog.CallMeta{Start: first.Start, Labels: map[string]string{},
		ToolVersion: joinDistinct(g, func(m *eventlog.CallMeta) string { return m.ToolVersion }),
		Source:      joinDistinct(g, func(m *eventlog.CallMeta) string { return m.Source }),
		Scenario:    joinDistinct(g, func(m *eventlog.CallMeta) string { return m.Scenario }),
	}
	if sameSeed(g) {
		meta.Seed, meta.HasSeed = first.Seed, first.HasSeed
	}
	seen := map[eventlog.Endpoint]bool{}
	var froms []string
	for i := len(g) - 1; i >= 0; i-- { // the earliest recording's label wins
		maps.Copy(meta.Labels, g[i].info.Meta.Labels)
	}
	for _, rec := range g {
		froms = append(froms, rec.in.path+" "+rec.info.Meta.ID)
		for _, ep := range rec.info.Meta.Endpoints {
			if !seen[ep] && !rec.drop[ep] {
				seen[ep] = true
				meta.Endpoints = append(meta.Endpoints, ep)
			}
		}
	}
	meta.Labels[LabelMerged] = strings.Join(froms, "; ")
	// Each recording kept its device's clock: readers align them.
	meta.Labels[clocks.Label] = "per recording"
	meta.Conns = mergedConns(g)
	return meta
}

// mergedConns lists the ECONNs of g's recordings, each once, by the
// wall-clock time of their creation (those whose creation no event shows
// last, in recording order).
func mergedConns(g []*recording) []eventlog.ConnMeta {
	type conn struct {
		eventlog.ConnMeta
		born time.Time
	}
	var cs []conn
	seen := map[connKey]bool{}
	for _, rec := range g {
		for _, c := range rec.info.Meta.Conns {
			k := connKey{c.Endpoint, c.Config.SessID}
			if seen[k] || rec.drop[c.Endpoint] {
				continue
			}
			seen[k] = true
			cs = append(cs, conn{c, rec.born[k]})
		}
	}
	slices.SortStableFunc(cs, func(a, b conn) int {
		switch {
		case a.born.IsZero() || b.born.IsZero():
			return boolCmp(a.born.IsZero(), b.born.IsZero())
		}
		return a.born.Compare(b.born)
	})
	out := make([]eventlog.ConnMeta, len(cs))
	for i, c := range cs {
		out[i] = c.ConnMeta
	}
	return out
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// joinDistinct joins the distinct non-empty values of a metadata field of
// g's recordings, in order, with "+".
func joinDistinct(g []*recording, field func(*eventlog.CallMeta) string) string {
	var vals []string
	for _, rec := range g {
		if v := field(&rec.info.Meta); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, "+")
}

// sameSeed says whether g's recordings all have the same seed, or none.
func sameSeed(g []*recording) bool {
	for _, rec := range g[1:] {
		m := &rec.info.Meta
		if m.HasSeed != g[0].info.Meta.HasSeed || m.Seed != g[0].info.Meta.Seed {
			return false
		}
	}
	return true
}
