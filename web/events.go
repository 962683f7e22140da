package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/pair"
)

// MaxWindow is the most events one /api/events answer holds: a request for
// more gets this many, so no answer grows with the call.
const MaxWindow = 1000

// pairMargin is how far before and after a window the pairing reads, so
// that a message whose send or receive lies just outside the window is
// still paired: a message is received within a few events of its send.
const pairMargin = 256

// callAnswer is /api/call: what the page needs before any event.
type callAnswer struct {
	Log       int      `json:"log"`
	LogName   string   `json:"log_name"`
	ID        string   `json:"id"`   // as recorded: the page never shows it
	Name      string   `json:"name"` // the id escaped, to show
	Events    uint64   `json:"events"`
	Start     string   `json:"start"`
	Columns   []column `json:"columns"`
	ClockNote string   `json:"clock_note,omitempty"`
	Scenario  string   `json:"scenario,omitempty"`
	Source    string   `json:"source,omitempty"`
}

// column is one lifeline of the ladder: a device, recorded in the log or
// only named by the messages of those that are.
type column struct {
	Name     string `json:"name"`
	Recorded bool   `json:"recorded"`
}

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request, c *callView) {
	ans := callAnswer{Log: c.log, LogName: esc(s.logs[c.log].Name), ID: c.meta.ID, Name: esc(c.meta.ID), Events: c.n,
		Start: c.meta.Start.UTC().Format(time.RFC3339), Scenario: esc(c.meta.Scenario), Source: esc(c.meta.Source),
		Columns: []column{}}
	for _, ep := range c.meta.Endpoints {
		ans.Columns = append(ans.Columns, column{Name: esc(ep.String()), Recorded: true})
	}
	for _, conn := range c.meta.Conns {
		if conn.Remote != (eventlog.Endpoint{}) && !hasColumn(ans.Columns, esc(conn.Remote.String())) {
			ans.Columns = append(ans.Columns, column{Name: esc(conn.Remote.String())})
		}
	}
	if c.clocks != nil {
		ans.ClockNote = esc(c.clocks.Short(eventlog.Endpoint.String))
	}
	writeJSON(w, ans)
}

func hasColumn(cols []column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// eventsAnswer is /api/events: a window of the call's events and the
// messages with a send or a receive in it.
type eventsAnswer struct {
	From    uint64     `json:"from"`
	Events  []eventRow `json:"events"`
	Arrows  []arrow    `json:"arrows"`
	Columns []column   `json:"columns"` // every device the window's messages name
}

// eventRow is one event as the timeline and the ladder show it.
type eventRow struct {
	Seq      uint64 `json:"seq"`
	AtNanos  int64  `json:"at_ns"`
	At       string `json:"at"`
	Endpoint string `json:"endpoint"`
	Conn     string `json:"conn,omitempty"`
	Kind     string `json:"kind"`
	Type     string `json:"type"`
	Text     string `json:"text"`
	// Mark is what the ladder marks on the device's lifeline: "ignored"
	// (an input the connection ignored), "closed" (the connection
	// closed), "state" (a state change), "error" (a refused command or a
	// message that did not decode); "" for none.
	Mark  string `json:"mark,omitempty"`
	State string `json:"state,omitempty"` // the new state of a state change
}

// arrow is one message between two devices (describe.Arrow): a send
// paired with its receive, or either alone.
type arrow struct {
	From     string `json:"from"`
	To       string `json:"to"` // "" when nobody in the log received it and its receiver is not known
	Label    string `json:"label"`
	Direct   bool   `json:"direct"` // on the data channel, not through the backend
	Sent     uint64 `json:"sent"`   // the send's event; 0 when not in the log
	Received uint64 `json:"received"`
	Status   string `json:"status"` // paired, lost, not recorded, send not recorded, unmatched
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, c *callView) {
	from, err := intArg(r, "from", 1)
	if err == nil && from == 0 {
		err = fmt.Errorf("from=0: events count from 1")
	}
	var n uint64
	if err == nil {
		n, err = intArg(r, "n", 200)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ans, err := c.window(from, min(n, MaxWindow))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, ans)
}

// window describes the events [from, from+n) and pairs their messages,
// reading pairMargin events on each side.
func (c *callView) window(from, n uint64) (*eventsAnswer, error) {
	ans := &eventsAnswer{From: from, Events: []eventRow{}, Arrows: []arrow{}, Columns: []column{}}
	if from > c.n || n == 0 {
		return ans, nil
	}
	end := min(from+n, c.n+1) // exclusive
	start := max(from, pairMargin+1) - pairMargin
	evs, err := c.ix.Events(start, int(min(end+pairMargin, c.n+1)-start))
	if err != nil {
		return nil, err
	}
	lad := describe.NewLadder(c.meta.Endpoints)
	for _, conn := range c.meta.Conns {
		if conn.Remote != (eventlog.Endpoint{}) {
			lad.Add(eventlog.Event{Endpoint: conn.Endpoint, Conn: conn.Config.SessID, Kind: eventlog.KindInput,
				Type: eventlog.TypeNew, Input: eventlog.NewConn{Remote: conn.Remote}})
		}
	}
	for _, ev := range evs {
		lad.Add(ev)
		if ev.Seq >= from && ev.Seq < end {
			ans.Events = append(ans.Events, c.row(ev))
		}
	}
	lad.Flush()
	for _, a := range lad.Arrows() {
		if in(a.Sent, from, end) || in(a.Received, from, end) {
			ans.Arrows = append(ans.Arrows, arrowOf(a))
		}
	}
	for _, ep := range lad.Endpoints() {
		ans.Columns = append(ans.Columns, column{Name: esc(ep.String()), Recorded: lad.Recorded(ep)})
	}
	return ans, nil
}

func in(seq, from, end uint64) bool { return seq != 0 && seq >= from && seq < end }

func arrowOf(a describe.Arrow) arrow {
	out := arrow{From: esc(a.From.String()), Label: esc(a.Label()), Direct: a.Via == econn.TransportDirect,
		Sent: a.Sent, Received: a.Received}
	if a.To != (eventlog.Endpoint{}) {
		out.To = esc(a.To.String())
	}
	if a.Status != 0 {
		out.Status = a.Status.String()
	} else if a.Received != 0 {
		out.Status = pair.Paired.String()
	}
	return out
}

// row describes one event for the timeline and the ladder.
func (c *callView) row(ev eventlog.Event) eventRow {
	at := time.Duration(c.at(&ev))
	row := eventRow{Seq: ev.Seq, AtNanos: int64(at), At: fmtAt(at), Endpoint: esc(ev.Endpoint.String()), Conn: esc(ev.Conn),
		Kind: ev.Kind.String(), Type: esc(ev.Type), Text: esc(describe.Sentence(ev))}
	switch o := ev.Output.(type) {
	case econn.Ignored:
		row.Mark = "ignored"
	case econn.Closed:
		row.Mark = "closed"
	case econn.StateChanged:
		row.Mark, row.State = "state", o.To.String()
	}
	if rv, ok := ev.Input.(eventlog.RecvInput); ok && rv.DecodeErr != "" {
		row.Mark = "error"
	}
	return row
}

// fmtAt is a call time as the timeline shows it: seconds with
// milliseconds.
func fmtAt(d time.Duration) string { return fmt.Sprintf("%+.3fs", d.Seconds()) }
