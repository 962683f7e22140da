package export

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/mediastats"
)

// traceEvent is one event of the Chrome trace event format (the JSON
// object format Perfetto and chrome://tracing load).
type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"` // microseconds
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	ID   int            `json:"id,omitempty"` // flows: both ends share it
	Bp   string         `json:"bp,omitempty"`
	S    string         `json:"s,omitempty"`
	Args map[string]any `json:"args,omitempty"`
}

// The trace is {"traceEvents":[...],"displayTimeUnit":"ms"}: written as
// an opening, the events one by one as they happen, and a closing.
const (
	traceOpen  = `{"traceEvents":[`
	traceClose = `],"displayTimeUnit":"ms"}` + "\n"
)

// Thread ids within an endpoint's process: notes, then two per connection.
const notesTid = 1

type connTrack struct {
	ep   eventlog.Endpoint
	sess string
}

type openState struct {
	name  string
	start float64
}

type flowStart struct {
	start    float64
	pid, tid int
}

// chromeTrace writes trace events as it goes and keeps only what later
// events refer to: the tracks, each connection's open state, and where
// the flows of the sends still pending in the ladder start.
type chromeTrace struct {
	w      io.Writer
	n      int // trace events written
	pids   map[eventlog.Endpoint]int
	tids   map[connTrack]int
	nextT  map[int]int
	free   map[[2]int]float64 // (pid, tid) -> first free microsecond
	states map[connTrack]openState
	order  []connTrack // connections in creation order

	lad      *describe.Ladder
	sendAt   map[uint64]flowStart // send seq -> its slice, where the flow starts
	pending  map[uint64]int       // send seq -> its arrows pending in the ladder
	released []uint64             // sends whose arrows all left the ladder during this event
	flows    int
	end      float64

	stats *mediastats.Tracker // the media statistics notes as counter points
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// emit writes one trace event.
func (t *chromeTrace) emit(e traceEvent) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if t.n > 0 {
		b = append([]byte{','}, b...)
	}
	t.n++
	_, err = t.w.Write(b)
	return err
}

func (t *chromeTrace) pid(ep eventlog.Endpoint) (int, error) {
	if p, ok := t.pids[ep]; ok {
		return p, nil
	}
	p := len(t.pids) + 1
	t.pids[ep] = p
	t.nextT[p] = notesTid + 1
	if err := t.meta("process_name", p, 0, ep.String()); err != nil {
		return 0, err
	}
	return p, t.meta("thread_name", p, notesTid, "notes")
}

// tid returns the state track (even) or message track (odd) of a connection.
func (t *chromeTrace) tid(ep eventlog.Endpoint, sess string, messages bool) (int, int, error) {
	p, err := t.pid(ep)
	if err != nil {
		return 0, 0, err
	}
	k := connTrack{ep, sess}
	tid, ok := t.tids[k]
	if !ok {
		tid = t.nextT[p]
		t.nextT[p] += 2
		t.tids[k] = tid
		t.order = append(t.order, k)
		if err := t.meta("thread_name", p, tid, sess+" state"); err != nil {
			return 0, 0, err
		}
		if err := t.meta("thread_name", p, tid+1, sess+" messages"); err != nil {
			return 0, 0, err
		}
	}
	if messages {
		return p, tid + 1, nil
	}
	return p, tid, nil
}

func (t *chromeTrace) meta(name string, pid, tid int, value string) error {
	return t.emit(traceEvent{Name: name, Ph: "M", Pid: pid, Tid: tid, Args: map[string]any{"name": value}})
}

// slice adds a complete event no earlier than the track's first free
// microsecond, so that slices on one track never overlap; it returns the
// start used.
func (t *chromeTrace) slice(pid, tid int, at float64, dur float64, name, cat string, args map[string]any) (float64, error) {
	k := [2]int{pid, tid}
	at = max(at, t.free[k])
	t.free[k] = at + dur
	d := dur
	return at, t.emit(traceEvent{Name: name, Cat: cat, Ph: "X", Ts: at, Dur: &d, Pid: pid, Tid: tid, Args: args})
}

func (t *chromeTrace) closeState(k connTrack, end float64) error {
	st, ok := t.states[k]
	if !ok {
		return nil
	}
	delete(t.states, k)
	p, tid, err := t.tid(k.ep, k.sess, false)
	if err != nil {
		return err
	}
	_, err = t.slice(p, tid, st.start, max(end-st.start, 0), st.name, "state", nil)
	return err
}

// writeChromeTrace writes the call as a Chrome trace: a process per
// endpoint; per connection a track of its states as spans and a track of
// the messages it sent and received as one-microsecond slices, joined
// sender to receiver by flow events; notes as instant events; media
// statistics notes also as counter tracks (see counters). Each flow
// event has the cat, pid, tid and ts of its slice, which is how both
// Perfetto (the enclosing slice) and Chrome's viewer (equal fields) bind
// a flow to a slice.
func writeChromeTrace(w io.Writer, c *call) error {
	t := &chromeTrace{w: w, pids: map[eventlog.Endpoint]int{}, tids: map[connTrack]int{}, nextT: map[int]int{},
		free: map[[2]int]float64{}, states: map[connTrack]openState{},
		sendAt: map[uint64]flowStart{}, pending: map[uint64]int{}, stats: mediastats.NewTracker(0)}
	t.lad = describe.NewStreamLadder(c.meta.Endpoints, describe.Hooks{New: t.arrow, Done: t.done})
	if _, err := io.WriteString(w, traceOpen); err != nil {
		return err
	}
	for _, ep := range c.meta.Endpoints {
		if _, err := t.pid(ep); err != nil {
			return err
		}
	}
	if err := c.each(t.event); err != nil {
		return err
	}
	for _, k := range t.order {
		if err := t.closeState(k, t.end); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, traceClose)
	return err
}

// arrow and done count the ladder's pending arrows of each send, so that
// a send's flow start is forgotten once no receive can match it.
func (t *chromeTrace) arrow(a *describe.Arrow) {
	if a.Sent != 0 {
		t.pending[a.Sent]++
	}
}

func (t *chromeTrace) done(a *describe.Arrow) {
	if a.Sent == 0 {
		return
	}
	if t.pending[a.Sent]--; t.pending[a.Sent] == 0 {
		t.released = append(t.released, a.Sent)
	}
}

func (t *chromeTrace) event(ev eventlog.Event) error {
	err := t.step(ev)
	for _, seq := range t.released {
		if t.pending[seq] == 0 {
			delete(t.pending, seq)
			delete(t.sendAt, seq)
		}
	}
	t.released = t.released[:0]
	return err
}

func (t *chromeTrace) step(ev eventlog.Event) error {
	at := micros(ev.At)
	t.end = max(t.end, at)
	k := connTrack{ev.Endpoint, ev.Conn}
	switch {
	case ev.Kind == eventlog.KindNote:
		p, err := t.pid(ev.Endpoint)
		if err != nil {
			return err
		}
		if err := t.emit(traceEvent{Name: ev.Type, Cat: "note", Ph: "i", Ts: at, Pid: p, Tid: notesTid, S: "t",
			Args: map[string]any{"text": describe.Sentence(ev), "seq": ev.Seq}}); err != nil {
			return err
		}
		return t.counters(p, t.stats.Add(ev))
	case ev.Kind == eventlog.KindInput:
		t.stats.Add(ev) // the tracker learns the connections' remotes
	}
	if ev.Type == eventlog.TypeNew {
		if _, _, err := t.tid(ev.Endpoint, ev.Conn, false); err != nil {
			return err
		}
		t.states[k] = openState{econn.StateIdle.String(), at}
	}
	if sc, ok := ev.Output.(econn.StateChanged); ok {
		if err := t.closeState(k, at); err != nil {
			return err
		}
		t.states[k] = openState{sc.To.String(), at}
	}
	a, ok := t.lad.Add(ev)
	if !ok {
		return nil
	}
	return t.message(ev, a, at)
}

// message draws the send or receive ev of the arrow a, and the flow from
// its send to a receive.
func (t *chromeTrace) message(ev eventlog.Event, a describe.Arrow, at float64) error {
	p, tid, err := t.tid(ev.Endpoint, ev.Conn, true)
	if err != nil {
		return err
	}
	args := map[string]any{"seq": ev.Seq, "text": describe.Sentence(ev), "via": a.Via.String()}
	if a.Received != ev.Seq {
		start, err := t.slice(p, tid, at, 1, "send "+a.Label(), "message", args)
		t.sendAt[ev.Seq] = flowStart{start, p, tid}
		return err
	}
	start, err := t.slice(p, tid, at, 1, "recv "+a.Label(), "message", args)
	if err != nil {
		return err
	}
	s, ok := t.sendAt[a.Sent]
	if !ok || a.Sent == 0 {
		return nil
	}
	t.flows++
	id := t.flows
	if err := t.emit(traceEvent{Name: a.Label(), Cat: "message", Ph: "s", Ts: s.start, Pid: s.pid, Tid: s.tid, ID: id}); err != nil {
		return err
	}
	return t.emit(traceEvent{Name: a.Label(), Cat: "message", Ph: "f", Bp: "e", Ts: start, Pid: p, Tid: tid, ID: id})
}

// counters draws the media statistics points of a note as counter events
// in the endpoint's process: per stream, a track each for packets per
// second, loss, jitter and RTT (Perfetto names a track by the event's
// name and its argument's key: "audio sent to B/2 loss %"). A counter
// holds its value until the next, so each point is placed at the start
// of the interval it describes.
func (t *chromeTrace) counters(pid int, samples []mediastats.Sample) error {
	for _, s := range samples {
		base := counterName(s.Track)
		from := micros(s.Point.From)
		for _, c := range []struct {
			name, unit string
			v          float64
		}{
			{"packets", "per s", s.Point.PacketsPerSec()},
			{"loss", "%", s.Point.LossPercent()},
			{"jitter", "ms", s.Point.Jitter},
			{"RTT", "ms", s.Point.RTT},
		} {
			if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
				continue // not measured in this interval
			}
			if err := t.emit(traceEvent{Name: base + " " + c.name, Cat: "media", Ph: "C", Ts: from, Pid: pid,
				Args: map[string]any{c.unit: c.v}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// counterName names a stream within its endpoint's process: "audio sent
// to B/2", or with the connection's session id when its remote is unknown.
func counterName(tr mediastats.Track) string {
	switch {
	case tr.Peer == (eventlog.Endpoint{}):
		return tr.Kind + " " + tr.Dir + " " + tr.Conn
	case tr.Dir == "sent":
		return tr.Kind + " sent to " + tr.Peer.String()
	}
	return tr.Kind + " " + tr.Dir + " from " + tr.Peer.String()
}
