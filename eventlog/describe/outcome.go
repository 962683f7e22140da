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
	var b strings.Builder
	c.writeTo(&b)
	return b.String()
}

func (c ConnOutcome) writeTo(b *strings.Builder) {
	b.WriteString(c.Endpoint.User)
	b.WriteByte('/')
	b.WriteString(c.Endpoint.Client)
	b.WriteByte('#')
	b.WriteString(c.Conn)
	b.WriteByte(' ')
	b.WriteString(c.State.String())
	if c.Closed {
		// econn.ReasonName(econn.ErrorFromName(c.Reason)), without the
		// lookup: ErrorName(ErrorFromName(n)) is n.
		reason := c.Reason
		if reason == "" {
			reason = econn.ReasonName(nil)
		}
		b.WriteString(", closed: ")
		b.WriteString(reason)
	}
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
	return joinConns(len(o.conns), func(i int) *ConnOutcome { return &o.conns[i] })
}

// joinConns joins the outcomes of n connections with "; ", in one string
// built once: ls builds one per call.
func joinConns(n int, conn func(i int) *ConnOutcome) string {
	if n == 0 {
		return "no connections"
	}
	var b strings.Builder
	b.Grow(48 * n)
	for i := range n {
		if i > 0 {
			b.WriteString("; ")
		}
		conn(i).writeTo(&b)
	}
	return b.String()
}
