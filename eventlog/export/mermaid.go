package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/pair"
	"github.com/callrec/callrec/internal/safetext"
)

// maxWaiting bounds the lines a Mermaid export holds back. A message's
// line waits while a later receive may still change it (mark it received,
// or add a receiver after it); past this many waiting lines the oldest
// message is released: drawn as it stands, and a receive of it that comes
// later is drawn as one whose send was not recorded.
const maxWaiting = 1024

// mermaidItem is one waiting piece of a Mermaid diagram: a note, or the
// arrows of one send (the send and the receivers a fan-out or a duplicate
// delivery added) or of a receive whose send is not recorded.
type mermaidItem struct {
	ep     eventlog.Endpoint // a note's
	note   string
	arrows []*describe.Arrow
	open   int // arrows still pending in the ladder
}

// mermaid draws the messages and state changes of a call as a Mermaid
// sequence diagram: solid arrows for backend messages, dotted ones for
// direct messages, crosses for lost ones (their receiver is in the log); a
// device not in the log is a participant "(not recorded)", and the
// messages it sent or was sent say so. Lines come in the order of
// their first event; each waits until it can change no more.
type mermaid struct {
	w       io.Writer
	ids     map[eventlog.Endpoint]string
	lad     *describe.Ladder
	queue   []*mermaidItem                   // waiting, in order
	groups  map[uint64]*mermaidItem          // the waiting sends by sequence number
	waiting map[*describe.Arrow]*mermaidItem // the receives waiting for their send
}

func writeMermaid(w io.Writer, c *call) error {
	// The participants come first, with every endpoint the ladder will
	// show: a first reading finds them.
	cols := describe.NewColumns(c.meta.Endpoints)
	if err := c.each(func(ev eventlog.Event) error { cols.Add(ev); return nil }); err != nil {
		return err
	}
	m := &mermaid{w: w, ids: map[eventlog.Endpoint]string{}, groups: map[uint64]*mermaidItem{},
		waiting: map[*describe.Arrow]*mermaidItem{}}
	if _, err := io.WriteString(w, "sequenceDiagram\n"); err != nil {
		return err
	}
	for i, ep := range cols.Endpoints() {
		m.ids[ep] = fmt.Sprintf("P%d", i)
		name := ep.String()
		if !cols.Recorded(ep) {
			name += " (not recorded)" // a peer of the call whose device is not in this log
		}
		if _, err := fmt.Fprintf(w, "    participant P%d as %s\n", i, mermaidText(name)); err != nil {
			return err
		}
	}
	m.lad = describe.NewStreamLadder(c.meta.Endpoints, describe.Hooks{New: m.arrow, Done: m.done})
	if err := c.each(m.event); err != nil {
		return err
	}
	m.lad.Flush() // the messages still waiting get their status
	for _, it := range m.queue {
		if err := m.write(it); err != nil {
			return err
		}
	}
	return nil
}

func (m *mermaid) event(ev eventlog.Event) error {
	m.lad.Add(ev)
	switch o := ev.Output.(type) {
	case econn.StateChanged, econn.Closed:
		m.queue = append(m.queue, &mermaidItem{ep: ev.Endpoint, note: ev.Conn + " " + o.Describe()})
	}
	if len(m.queue) > maxWaiting && m.queue[0].open > 0 {
		m.lad.Release(m.queue[0].arrows[0])
	}
	for len(m.queue) > 0 && m.queue[0].open == 0 {
		if err := m.write(m.queue[0]); err != nil {
			return err
		}
		m.queue[0] = nil
		m.queue = m.queue[1:]
	}
	return nil
}

// arrow takes a new arrow from the ladder: a send starts an item, an arrow
// copied from a send joins the send's item.
func (m *mermaid) arrow(a *describe.Arrow) {
	if a.Sent == 0 {
		it := &mermaidItem{arrows: []*describe.Arrow{a}}
		if a.Status == 0 { // its send may still come (a merged log): wait for it
			it.open = 1
			m.waiting[a] = it
		}
		m.queue = append(m.queue, it)
		return
	}
	if g, ok := m.groups[a.Sent]; ok {
		g.arrows = append(g.arrows, a)
		g.open++
		return
	}
	g := &mermaidItem{arrows: []*describe.Arrow{a}, open: 1}
	m.groups[a.Sent] = g
	m.queue = append(m.queue, g)
}

// done learns from the ladder that an arrow can change no more.
func (m *mermaid) done(a *describe.Arrow) {
	if it := m.waiting[a]; it != nil {
		it.open--
		delete(m.waiting, a)
		return
	}
	if a.Sent == 0 {
		return
	}
	if g := m.groups[a.Sent]; g != nil {
		if g.open--; g.open == 0 {
			delete(m.groups, a.Sent)
		}
	}
}

func (m *mermaid) write(it *mermaidItem) error {
	if it.arrows == nil {
		_, err := fmt.Fprintf(m.w, "    Note over %s: %s\n", m.ids[it.ep], mermaidText(it.note))
		return err
	}
	for _, a := range it.arrows {
		from, to := m.ids[a.From], m.ids[a.To]
		if to == "" {
			to = from
		}
		arrow, label := "->>", a.Label()
		if a.Via == econn.TransportDirect {
			arrow = "-->>"
		}
		switch {
		case a.Lost():
			arrow, label = strings.TrimSuffix(arrow, ">>")+"x", label+" (lost)"
		case a.Status == pair.NotRecorded:
			label += " (receiver not recorded)"
		case a.Status == pair.NoSend:
			label += " (sender not recorded)"
		case a.Sent == 0:
			label += " (send not in the log)"
		}
		if _, err := fmt.Fprintf(m.w, "    %s%s%s: %s\n", from, arrow, to, mermaidText(label)); err != nil {
			return err
		}
	}
	return nil
}

// mermaidText keeps text out of Mermaid's syntax (no statement separators
// or entity codes; a newline becomes a space) and escapes what is left of
// control and bidi characters, for a diagram's source is read in
// terminals too.
func mermaidText(s string) string { return safetext.Escape(mermaidEscaper.Replace(s)) }

var mermaidEscaper = strings.NewReplacer(";", ",", "#", "no. ", "\n", " ")
