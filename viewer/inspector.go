package viewer

import (
	"fmt"

	"github.com/callrec/callrec/eventlog"
)

// inspector is what the lower panes show about the event under the
// cursor: every connection's state there (the inspector pane, one
// connection at a time, pinned or following the cursor), the step the
// event belongs to, and the detail pane's mode and scroll. The states
// come from the Source, which takes them from the replay engine; the
// inspector only remembers for which event it fetched them. inspect.go
// and detail.go render what it holds.
type inspector struct {
	states   []ConnState // at statesAt
	statesAt int         // the event the states were fetched for; -1: none
	warming  float64     // the replay's progress while the states at the cursor are not ready; -1 otherwise
	step     []Row       // the step at stepAt
	stepAt   int
	pin      string // connection the inspector keeps showing; "" follows the cursor

	diff, zoom bool // the detail pane shows the state diff; it fills the screen
	detailOff  int  // the detail pane's scroll
}

func newInspector() inspector { return inspector{statesAt: -1, stepAt: -1, warming: -1} }

// fetch fetches the states at event i of a call of n events unless it
// has them. While the Source is still warming up to i it fetches nothing
// and notes the progress: Tick comes back.
func (in *inspector) fetch(src Source, i, n int) error {
	in.warming = -1
	if in.statesAt == i || n == 0 {
		return nil
	}
	if w, ok := src.(Warming); ok {
		if ready, progress := w.StatesReady(i); !ready {
			in.states, in.statesAt, in.warming = nil, -1, progress
			return nil
		}
	}
	st, err := src.States(i)
	if err != nil {
		st = nil
	}
	in.states, in.statesAt = st, i
	return err
}

// stepReach bounds how far around the cursor Step looks for the step's
// input and outputs.
const stepReach = 64

// stepOf returns the step event r belongs to: its input first, then the
// outputs the step returned; nil for a note or no event.
func (in *inspector) stepOf(src Source, r *Row) ([]Row, error) {
	if r == nil || r.Event.Kind == eventlog.KindNote {
		return nil, nil
	}
	if in.stepAt == r.Index {
		return in.step, nil
	}
	from := max(r.Index-stepReach, 0)
	rows, err := src.Rows(from, r.Index-from+1+stepReach)
	if err != nil {
		return nil, err
	}
	in.step, in.stepAt = stepAround(rows, r.Index-from, r), r.Index
	return in.step, nil
}

// stepAround finds in rows the step of event r, which is rows[at]: the
// input of r's connection at or before it, and that input's outputs
// after it.
func stepAround(rows []Row, at int, r *Row) []Row {
	same := func(x *Row) bool { return x.Event.Endpoint == r.Event.Endpoint && x.Event.Conn == r.Event.Conn }
	in := -1
	for i := at; i >= 0 && i < len(rows); i-- {
		if same(&rows[i]) && rows[i].Event.Kind == eventlog.KindInput {
			in = i
			break
		}
	}
	if in < 0 {
		return nil
	}
	step := []Row{rows[in]}
	for _, x := range rows[in+1:] {
		if !same(&x) {
			continue
		}
		if x.Event.Kind == eventlog.KindInput {
			break
		}
		if x.Event.Kind == eventlog.KindOutput {
			step = append(step, x)
		}
	}
	return step
}

// inspected returns the connection the inspector shows: the pinned one,
// else the one event r belongs to; ok is false when no connection exists
// yet.
func (in *inspector) inspected(r *Row) (c ConnState, pos int, ok bool) {
	if len(in.states) == 0 {
		return ConnState{}, 0, false
	}
	if in.pin != "" {
		for i, s := range in.states {
			if connKey(s) == in.pin {
				return s, i, true
			}
		}
	}
	if r != nil {
		if i := connOfEvent(in.states, &r.Event); i >= 0 {
			return in.states[i], i, true
		}
	}
	return in.states[0], 0, true
}

// connOfEvent returns the index of ev's connection among states: the
// last one of its endpoint with its session, or, for an event of no
// connection, the endpoint's first; -1 when there is none.
func connOfEvent(states []ConnState, ev *eventlog.Event) int {
	best := -1
	for i, s := range states {
		if s.Endpoint == ev.Endpoint && (s.Conn == ev.Conn || (ev.Conn == "" && best < 0)) {
			best = i
		}
	}
	return best
}

func connKey(s ConnState) string { return s.Endpoint.String() + " " + s.Conn }

// cyclePin steps the inspector through every connection and back to
// following the cursor, which is on event r; it returns what it did.
func (in *inspector) cyclePin(dir int, r *Row) string {
	if len(in.states) == 0 {
		return ""
	}
	_, pos, _ := in.inspected(r)
	if in.pin == "" {
		pos = -1
		if dir < 0 {
			pos = len(in.states)
		}
	}
	pos += dir
	if pos < 0 || pos >= len(in.states) {
		in.pin = ""
		return "inspector follows the cursor"
	}
	in.pin = connKey(in.states[pos])
	return fmt.Sprintf("inspector pinned to %s (%d of %d; Tab cycles)", in.pin, pos+1, len(in.states))
}

// scrollDetail scrolls the detail pane by d lines (negative: up).
func (in *inspector) scrollDetail(d int) { in.detailOff = max(in.detailOff+d, 0) }

// scrollTop shows the detail pane from its first line.
func (in *inspector) scrollTop() { in.detailOff = 0 }

// toggleDiff switches the detail pane between the event and the state
// diff.
func (in *inspector) toggleDiff() { in.diff, in.detailOff = !in.diff, 0 }

// setZoom shows the detail pane full screen, or back in its place.
func (in *inspector) setZoom(on bool) { in.zoom, in.detailOff = on, 0 }
