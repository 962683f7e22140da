package describe

import (
	"io"

	"github.com/callrec/callrec/eventlog"
)

// maxWaitingArrows bounds the sends whose lines WriteLadder holds back
// while a later receive may still change them. Past it the oldest send is
// released: drawn as it stands, and a receive of it that comes later is
// drawn as one whose send is not in the log.
const maxWaitingArrows = 1024

// WriteLadder draws the messages of the call r reads, from sequence
// number from on, as DrawLadder does, keeping the arrows with an end keep
// keeps (nil keeps all). It streams: a first reading finds the columns,
// and in the second a message's line is drawn once its arrow can change
// no more (its last receive is seen, or no receive can match it), in the
// order of the arrows' first events. What it holds is bounded by
// maxWaitingArrows, not by the length of the call.
func WriteLadder(w io.Writer, r *eventlog.CallReader, keep func(eventlog.Endpoint) bool, from uint64, width int) error {
	cols := NewColumns(r.Meta().Endpoints)
	if err := eachFrom(r, columnEvents, from, func(ev eventlog.Event) error { cols.Add(ev); return nil }); err != nil {
		return err
	}
	absent := map[eventlog.Endpoint]bool{}
	for _, ep := range cols.Endpoints() {
		if !cols.Recorded(ep) {
			absent[ep] = true // a peer whose device is not in the log
		}
	}
	d, err := startLadder(w, cols.Endpoints(), absent, width)
	if err != nil || d == nil {
		return err
	}
	q := &arrowQueue{groups: map[uint64]*arrowGroup{}, waiting: map[*Arrow]*arrowGroup{}, draw: func(a Arrow) error {
		if keep != nil && !keep(a.From) && !keep(a.To) {
			return nil
		}
		return d.arrow(a)
	}}
	q.lad = NewStreamLadder(r.Meta().Endpoints, Hooks{New: q.add, Done: q.done})
	if err := eachFrom(r, nil, from, q.event); err != nil {
		return err
	}
	q.lad.Flush() // the messages still waiting get their status
	if err := q.flush(true); err != nil {
		return err
	}
	return d.legend()
}

// columnEvents are the events that can add a column to a ladder: a new
// connection, a message sent or received, a PROPSYNC received over the
// data channel. The first reading skips the others undecoded.
var columnEvents = &eventlog.Filter{Types: []string{eventlog.TypeNew, eventlog.TypeRecv, "Send", eventlog.NotePropsync}}

// eachFrom calls fn with the events of r that f selects (nil: all) from
// sequence number from on.
func eachFrom(r *eventlog.CallReader, f *eventlog.Filter, from uint64, fn func(eventlog.Event) error) error {
	cur := r.Cursor(f)
	for ev, ok := cur.Seek(max(from, 1)); ok; ev, ok = cur.Next() {
		if err := fn(ev); err != nil {
			return err
		}
	}
	return cur.Err()
}

// arrowGroup is the arrows of one send (the send and the receivers a
// fan-out or a duplicate delivery added), or one receive whose send is not
// in the log (or not yet: a receive waits for its send, which a merged
// log may hold after it).
type arrowGroup struct {
	arrows []*Arrow
	open   int // arrows still pending in the ladder
}

// arrowQueue puts a streaming ladder's arrows in the order of their first
// events: groups in the order they appear, each drawn when it and those
// before it can change no more.
type arrowQueue struct {
	lad     *Ladder
	draw    func(Arrow) error
	queue   []*arrowGroup          // waiting, in order
	groups  map[uint64]*arrowGroup // the waiting sends by sequence number
	waiting map[*Arrow]*arrowGroup // the receives waiting for their send
}

func (q *arrowQueue) event(ev eventlog.Event) error {
	q.lad.Add(ev)
	if len(q.queue) > maxWaitingArrows && q.queue[0].open > 0 {
		q.lad.Release(q.queue[0].arrows[0])
	}
	return q.flush(false)
}

// flush draws the groups at the head of the queue that can change no
// more, or all of them at the end.
func (q *arrowQueue) flush(all bool) error {
	for len(q.queue) > 0 && (all || q.queue[0].open == 0) {
		for _, a := range q.queue[0].arrows {
			if err := q.draw(*a); err != nil {
				return err
			}
		}
		q.queue[0] = nil
		q.queue = q.queue[1:]
	}
	return nil
}

// add takes a new arrow from the ladder: a send starts a group, an arrow
// copied from a send joins the send's group.
func (q *arrowQueue) add(a *Arrow) {
	if a.Sent == 0 {
		g := &arrowGroup{arrows: []*Arrow{a}}
		if a.Status == 0 { // its send may still come: wait for it
			g.open = 1
			q.waiting[a] = g
		}
		q.queue = append(q.queue, g)
		return
	}
	if g, ok := q.groups[a.Sent]; ok {
		g.arrows = append(g.arrows, a)
		g.open++
		return
	}
	g := &arrowGroup{arrows: []*Arrow{a}, open: 1}
	q.groups[a.Sent] = g
	q.queue = append(q.queue, g)
}

// done learns from the ladder that an arrow can change no more.
func (q *arrowQueue) done(a *Arrow) {
	if g := q.waiting[a]; g != nil {
		g.open--
		delete(q.waiting, a)
		return
	}
	if a.Sent == 0 {
		return
	}
	if g := q.groups[a.Sent]; g != nil {
		if g.open--; g.open == 0 {
			delete(q.groups, a.Sent)
		}
	}
}
