package main

import (
	"io"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
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

type chromeTrace struct {
	TraceEvents     []traceEvent `json:"traceEvents"`
	DisplayTimeUnit string       `json:"displayTimeUnit"`
}

// Thread ids within an endpoint's process: notes, then two per connection.
const notesTid = 1

// trackSet assigns processes to endpoints and threads to connections.
type trackSet struct {
	t      *chromeTrace
	pids   map[eventlog.Endpoint]int
	tids   map[connTrack]int
	nextT  map[int]int
	free   map[[2]int]float64 // (pid, tid) -> first free microsecond
	states map[connTrack]openState
	order  []connTrack // connections in creation order
}

type flowStart struct {
	start    float64
	pid, tid int
}

type connTrack struct {
	ep   eventlog.Endpoint
	sess string
}

type openState struct {
	name  string
	start float64
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (ts *trackSet) pid(ep eventlog.Endpoint) int {
	if p, ok := ts.pids[ep]; ok {
		return p
	}
	p := len(ts.pids) + 1
	ts.pids[ep] = p
	ts.nextT[p] = notesTid + 1
	ts.meta("process_name", p, 0, ep.String())
	ts.meta("thread_name", p, notesTid, "notes")
	return p
}

// tid returns the state track (even) or message track (odd) of a connection.
func (ts *trackSet) tid(ep eventlog.Endpoint, sess string, messages bool) (int, int) {
	p := ts.pid(ep)
	k := connTrack{ep, sess}
	t, ok := ts.tids[k]
	if !ok {
		t = ts.nextT[p]
		ts.nextT[p] += 2
		ts.tids[k] = t
		ts.order = append(ts.order, k)
		ts.meta("thread_name", p, t, sess+" state")
		ts.meta("thread_name", p, t+1, sess+" messages")
	}
	if messages {
		return p, t + 1
	}
	return p, t
}

func (ts *trackSet) meta(name string, pid, tid int, value string) {
	ts.t.TraceEvents = append(ts.t.TraceEvents, traceEvent{Name: name, Ph: "M", Pid: pid, Tid: tid,
		Args: map[string]any{"name": value}})
}

// slice adds a complete event no earlier than the track's first free
// microsecond, so that slices on one track never overlap; it returns the
// start used.
func (ts *trackSet) slice(pid, tid int, at float64, dur float64, name, cat string, args map[string]any) float64 {
	k := [2]int{pid, tid}
	at = max(at, ts.free[k])
	ts.free[k] = at + dur
	d := dur
	ts.t.TraceEvents = append(ts.t.TraceEvents, traceEvent{Name: name, Cat: cat, Ph: "X", Ts: at, Dur: &d,
		Pid: pid, Tid: tid, Args: args})
	return at
}

func (ts *trackSet) closeState(k connTrack, end float64) {
	st, ok := ts.states[k]
	if !ok {
		return
	}
	delete(ts.states, k)
	p, t := ts.tid(k.ep, k.sess, false)
	ts.slice(p, t, st.start, max(end-st.start, 0), st.name, "state", nil)
}

// writeChromeTrace writes the call as a Chrome trace: a process per
// endpoint; per connection a track of its states as spans and a track of
// the messages it sent and received as one-microsecond slices, joined
// sender to receiver by flow events; notes as instant events. Each flow
// event has the cat, pid, tid and ts of its slice, which is how both
// Perfetto (the enclosing slice) and Chrome's viewer (equal fields) bind
// a flow to a slice.
func writeChromeTrace(w io.Writer, v *callView) error {
	t := &chromeTrace{DisplayTimeUnit: "ms", TraceEvents: []traceEvent{}}
	ts := &trackSet{t: t, pids: map[eventlog.Endpoint]int{}, tids: map[connTrack]int{}, nextT: map[int]int{},
		free: map[[2]int]float64{}, states: map[connTrack]openState{}}
	for _, ep := range v.meta.Endpoints {
		ts.pid(ep)
	}
	lad := describe.NewLadder(v.meta.Endpoints)
	sendAt := map[uint64]flowStart{} // send seq -> its slice, where the flow starts
	flows := 0
	var end float64
	err := v.each(func(ev eventlog.Event) error {
		at := micros(ev.At)
		end = max(end, at)
		k := connTrack{ev.Endpoint, ev.Conn}
		switch {
		case ev.Kind == eventlog.KindNote:
			p := ts.pid(ev.Endpoint)
			t.TraceEvents = append(t.TraceEvents, traceEvent{Name: ev.Type, Cat: "note", Ph: "i", Ts: at,
				Pid: p, Tid: notesTid, S: "t", Args: map[string]any{"text": describe.Sentence(ev), "seq": ev.Seq}})
			return nil
		case ev.Type == eventlog.TypeNew:
			ts.tid(ev.Endpoint, ev.Conn, false)
			ts.states[k] = openState{econn.StateIdle.String(), at}
		}
		if sc, ok := ev.Output.(econn.StateChanged); ok {
			ts.closeState(k, at)
			ts.states[k] = openState{sc.To.String(), at}
		}
		a, ok := lad.Add(ev)
		if !ok {
			return nil
		}
		p, tid := ts.tid(ev.Endpoint, ev.Conn, true)
		args := map[string]any{"seq": ev.Seq, "text": describe.Sentence(ev), "via": a.Via.String()}
		if a.Received == ev.Seq {
			start := ts.slice(p, tid, at, 1, "recv "+a.Label(), "message", args)
			if s, ok := sendAt[a.Sent]; ok && a.Sent != 0 {
				flows++
				id := flows
				t.TraceEvents = append(t.TraceEvents,
					traceEvent{Name: a.Label(), Cat: "message", Ph: "s", Ts: s.start, Pid: s.pid, Tid: s.tid, ID: id},
					traceEvent{Name: a.Label(), Cat: "message", Ph: "f", Bp: "e", Ts: start, Pid: p, Tid: tid, ID: id})
			}
			return nil
		}
		start := ts.slice(p, tid, at, 1, "send "+a.Label(), "message", args)
		sendAt[ev.Seq] = flowStart{start, p, tid}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range ts.order {
		ts.closeState(k, end)
	}
	return writeJSON(w, t)
}
