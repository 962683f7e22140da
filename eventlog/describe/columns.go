package describe

import (
	"slices"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Columns finds the columns of a call's ladder, in the order a Ladder
// gives them (Ladder.Endpoints), and which devices the log recorded,
// without pairing messages: the first reading of a streamed ladder or
// diagram, which must name its columns before its first line.
type Columns struct {
	endpoints []eventlog.Endpoint
	recorded  map[eventlog.Endpoint]bool
	remotes   map[connKey]eventlog.Endpoint
}

// NewColumns returns the columns of a call whose log recorded the
// devices endpoints; they come first.
func NewColumns(endpoints []eventlog.Endpoint) *Columns {
	c := &Columns{recorded: map[eventlog.Endpoint]bool{}, remotes: map[connKey]eventlog.Endpoint{}}
	for _, ep := range endpoints {
		c.recorded[ep] = true
		c.add(ep)
	}
	return c
}

func (c *Columns) add(ep eventlog.Endpoint) {
	if ep != (eventlog.Endpoint{}) && !slices.Contains(c.endpoints, ep) {
		c.endpoints = append(c.endpoints, ep)
	}
}

// Add takes the next event of the call: the columns it adds are those a
// Ladder's Add adds.
func (c *Columns) Add(ev eventlog.Event) {
	if ev.Endpoint != (eventlog.Endpoint{}) {
		c.recorded[ev.Endpoint] = true
	}
	ck := connKey{ev.Endpoint, ev.Conn}
	switch v := ev.Input.(type) {
	case eventlog.NewConn:
		c.add(ev.Endpoint)
		if v.Remote != (eventlog.Endpoint{}) {
			c.remotes[ck] = v.Remote
		}
	case eventlog.RecvInput:
		c.add(ev.Endpoint)
		if v.DecodeErr != "" {
			return
		}
		if _, err := econn.Decode(v.Data, v.CurrTime, v.MsgTime); err != nil {
			return // no message: no column for its sender
		}
		from := eventlog.Endpoint{User: v.FromUser, Client: v.FromClient}
		if _, known := c.remotes[ck]; !known {
			c.remotes[ck] = from
		}
		c.add(from)
	}
	if ev.Kind == eventlog.KindNote && ev.Type == eventlog.NotePropsync && ev.Note != nil {
		if _, known := c.remotes[ck]; known {
			c.add(ev.Endpoint)
		}
	}
	if s, ok := ev.Output.(econn.Send); ok && s.Msg != nil {
		c.add(ev.Endpoint)
		to := c.remotes[ck]
		if s.Msg.DestUser != "" && s.Msg.DestClient != "" {
			to = eventlog.Endpoint{User: s.Msg.DestUser, Client: s.Msg.DestClient}
		}
		c.add(to)
	}
}

// Endpoints returns the columns.
func (c *Columns) Endpoints() []eventlog.Endpoint { return c.endpoints }

// Recorded reports whether ep is a device of the log.
func (c *Columns) Recorded(ep eventlog.Endpoint) bool { return c.recorded[ep] }
