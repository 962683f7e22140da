package viewer

import (
	"fmt"
	"sync"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// timerNames names the timers of a call's TimerFired inputs and
// CancelTimer outputs, which carry only the timer's generation
// ("timer #2 fired"): the action (setup, term, cancel-close) is in the
// SetTimer output of that generation, earlier on the same connection.
// econn's Describe stays as it is, since `show` and the transcripts print
// it; the viewer's rows say "setup timer #2 fired".
type timerNames struct {
	mu    sync.Mutex
	r     *eventlog.CallReader // its own reader, for looking back; nil: only what Rows saw
	known map[timerKey]econn.TimerAction
}

type timerKey struct {
	conn replay.ConnID
	gen  uint64
}

func newTimerNames(r *eventlog.CallReader) *timerNames {
	return &timerNames{r: r, known: map[timerKey]econn.TimerAction{}}
}

// name rewrites the summaries of the rows whose timer goes by number
// alone, learning from the SetTimer outputs among them first.
func (t *timerNames) name(rows []Row) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range rows {
		if st, ok := rows[i].Event.Output.(econn.SetTimer); ok {
			t.known[timerKey{replay.ConnOf(rows[i].Event), st.Gen}] = st.Action
		}
	}
	for i := range rows {
		ev := rows[i].Event
		var gen uint64
		var what string
		switch x := ev.Output.(type) {
		case econn.CancelTimer:
			gen, what = x.Gen, "cancelled"
		}
		if in, ok := ev.Input.(eventlog.StepInput); ok {
			if tf, ok := in.In.(econn.TimerFired); ok {
				gen, what = tf.Gen, "fired"
			}
		}
		if what == "" {
			continue
		}
		if a, ok := t.action(ev, gen); ok {
			rows[i].Summary = fmt.Sprintf("%s timer #%d %s", a, gen, what)
		}
	}
}

// action returns the action of timer gen of ev's connection: known
// already, or read back from ev through the SetTimer outputs of the
// connection, which the log selects by their headers without decoding
// the other events. Generations only grow, so the look stops at the
// first older one. A read error leaves the timer by number: the error
// is the log's, and the next read of those events reports it.
func (t *timerNames) action(ev eventlog.Event, gen uint64) (econn.TimerAction, bool) {
	id := replay.ConnOf(ev)
	if a, ok := t.known[timerKey{id, gen}]; ok || t.r == nil {
		return a, ok
	}
	c := t.r.Cursor(&eventlog.Filter{Endpoints: []eventlog.Endpoint{ev.Endpoint}, Conn: ev.Conn,
		Kinds: []eventlog.Kind{eventlog.KindOutput}, Types: []string{"SetTimer"}})
	c.Seek(ev.Seq) // past the last one when none follows: Prev then gives the last
	for e, ok := c.Prev(); ok; e, ok = c.Prev() {
		st, isSet := e.Output.(econn.SetTimer)
		if !isSet {
			continue
		}
		t.known[timerKey{id, st.Gen}] = st.Action
		if st.Gen <= gen {
			break
		}
	}
	a, ok := t.known[timerKey{id, gen}]
	return a, ok
}

// close closes the reader.
func (t *timerNames) close() error {
	if t.r == nil {
		return nil
	}
	return t.r.Close()
}
