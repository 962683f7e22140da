package describe

import (
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// ConnOutcome is how one connection of a call ended, as its recorded
// outputs say.
type ConnOutcome struct {
	Endpoint eventlog.Endpoint `json:"-"`
	Conn     string            `json:"conn"`
	State    econn.State       `json:"-"`
	Closed   bool              `json:"closed"`
	Reason   string            `json:"reason,omitempty"` // the close reason's stable name; "" for a normal close
}

// String renders "A/1#a1 Terminating, closed: canceled".
func (c ConnOutcome) String() string {
	s := c.Endpoint.String() + "#" + c.Conn + " " + c.State.String()
	if c.Closed {
		s += ", closed: " + econn.ReasonName(econn.ErrorFromName(c.Reason))
	}
	return s
}

// Outcome follows a call's events and keeps each connection's last state
// and close reason.
type Outcome struct {
	conns []ConnOutcome
	index map[connKey]int
}

// NewOutcome returns an empty Outcome.
func NewOutcome() *Outcome { return &Outcome{index: make(map[connKey]int)} }

// Add takes the next event of the call.
func (o *Outcome) Add(ev eventlog.Event) {
	k := connKey{ev.Endpoint, ev.Conn}
	if _, ok := ev.Input.(eventlog.NewConn); ok {
		if _, seen := o.index[k]; !seen {
			o.index[k] = len(o.conns)
			o.conns = append(o.conns, ConnOutcome{Endpoint: ev.Endpoint, Conn: ev.Conn})
		}
		return
	}
	i, ok := o.index[k]
	if !ok {
		return
	}
	switch out := ev.Output.(type) {
	case econn.StateChanged:
		o.conns[i].State = out.To
	case econn.Closed:
		o.conns[i].Closed, o.conns[i].Reason = true, econn.ErrorName(out.Reason)
	}
}

// Conns returns every connection's outcome in creation order.
func (o *Outcome) Conns() []ConnOutcome { return o.conns }

// String joins the connections' outcomes with "; ".
func (o *Outcome) String() string {
	parts := make([]string, len(o.conns))
	for i, c := range o.conns {
		parts[i] = c.String()
	}
	if len(parts) == 0 {
		return "no connections"
	}
	return strings.Join(parts, "; ")
}
