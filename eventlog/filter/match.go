package filter

import (
	"slices"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Match reports whether f keeps ev, an event as read from a log. It
// decodes a received message's bytes only when a type= term asks for a
// message type and the cheaper terms have passed.
func (f Filter) Match(ev eventlog.Event) bool {
	return f.match(&ev, msgOf{})
}

// MatchMsg is Match for a caller that already knows the message type ev
// sends or receives, as MsgTypeOf(ev) returns it (the viewer's rows carry
// it): nothing is decoded again.
func (f Filter) MatchMsg(ev eventlog.Event, mt econn.MsgType, ok bool) bool {
	return f.match(&ev, msgOf{t: mt, ok: ok, known: true})
}

// msgOf is the message type of an event, looked up at most once.
type msgOf struct {
	t         econn.MsgType
	ok, known bool
}

func (m *msgOf) get(ev *eventlog.Event) (econn.MsgType, bool) {
	if !m.known {
		m.t, m.ok = MsgTypeOf(*ev)
		m.known = true
	}
	return m.t, m.ok
}

// match checks the terms cheapest first.
func (f *Filter) match(ev *eventlog.Event, m msgOf) bool {
	if len(f.kinds) > 0 && !slices.Contains(f.kinds, ev.Kind) {
		return false
	}
	if len(f.conns) > 0 && !slices.ContainsFunc(f.conns, func(c string) bool { return connIs(ev.Conn, c) }) {
		return false
	}
	if !f.MatchEndpoint(ev.Endpoint) {
		return false
	}
	return len(f.types) == 0 || slices.ContainsFunc(f.types, func(t typeName) bool { return t.match(ev, &m) })
}

func connIs(conn, want string) bool {
	if want == noConn {
		return conn == ""
	}
	return strings.EqualFold(conn, want)
}

// MatchEndpoint reports whether f's ep= terms keep the endpoint ep (true
// without ep= terms). `show --ladder` keeps the arrows with one end that
// matches.
func (f Filter) MatchEndpoint(ep eventlog.Endpoint) bool {
	if len(f.eps) == 0 {
		return true
	}
	for _, e := range f.eps {
		if strings.EqualFold(ep.User, e.user) && (e.client == "" || strings.EqualFold(ep.Client, e.client)) {
			return true
		}
	}
	return false
}

func (t typeName) match(ev *eventlog.Event, m *msgOf) bool {
	switch t.class {
	case classEvent:
		return ev.Kind != eventlog.KindNote && ev.Type == t.name
	case classMsg:
		mt, ok := m.get(ev)
		return ok && mt == t.msg
	}
	return ev.Kind == eventlog.KindNote && strings.EqualFold(ev.Type, t.name)
}

// MsgTypeOf returns the type of the message ev receives or sends: a Recv
// input (its bytes decoded as replay decodes them; none when they did not
// decode), a Send output, or the call layer's PROPSYNC note.
func MsgTypeOf(ev eventlog.Event) (econn.MsgType, bool) {
	if ev.Kind == eventlog.KindNote {
		if ev.Type == eventlog.NotePropsync {
			return econn.MsgPropsync, true
		}
		return 0, false
	}
	if s, ok := ev.Output.(econn.Send); ok && s.Msg != nil {
		return s.Msg.Type, true
	}
	switch in := ev.Input.(type) {
	case eventlog.RecvInput:
		if in.DecodeErr != "" {
			return 0, false
		}
		if msg, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil {
			return msg.Type, true
		}
	case eventlog.StepInput:
		if r, ok := in.In.(econn.Recv); ok && r.Msg != nil {
			return r.Msg.Type, true
		}
	}
	return 0, false
}

// Compile returns the part of f an eventlog cursor decides from an event's
// header alone, so that the reader skips the other events without decoding
// them: it keeps every event Match keeps, and maybe more, so a caller still
// asks Match. It is nil when the header cannot narrow f. Kinds compile;
// types compile unless one names a note type (the header compares note
// types exactly, the language ignores case); ids ignore case, so ep= and
// conn= are left to Match.
func (f Filter) Compile() *eventlog.Filter {
	h := &eventlog.Filter{Kinds: slices.Clone(f.kinds), Types: f.headerTypes()}
	if len(h.Kinds) == 0 && len(h.Types) == 0 {
		return nil
	}
	return h
}

// headerTypes returns the Event.Types the type= terms can keep, or nil
// when they cannot be told from the header.
func (f Filter) headerTypes() []string {
	var out []string
	for _, t := range f.types {
		switch t.class {
		case classEvent:
			out = append(out, t.name)
		case classMsg:
			out = append(out, eventlog.RecvInput{}.InputName(), econn.Send{}.OutputName())
			if t.msg == econn.MsgPropsync {
				out = append(out, eventlog.NotePropsync)
			}
		default:
			return nil
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
