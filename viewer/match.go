package viewer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/filter"
)

// Filter is the timeline's filter: the language of eventlog/filter (see
// its package doc), applied to rows. The zero Filter keeps everything.
type Filter struct {
	filter.Filter
}

// ParseFilter parses the text typed after `f`, e.g. "ep=A/1,B kind=input
// type=SETUP". An empty text is the zero Filter.
func ParseFilter(s string) (Filter, error) {
	f, err := filter.Parse(s)
	return Filter{f}, err
}

// Match reports whether the filter keeps r. A row already knows the
// message its event carries, so nothing is decoded again.
func (f Filter) Match(r *Row) bool {
	mt, ok := msgType(r)
	if !ok {
		mt, ok = filter.MsgTypeOf(r.Event)
	}
	return f.MatchMsg(r.Event, mt, ok)
}

// msgType is the type of the message the event sends or receives.
func msgType(r *Row) (econn.MsgType, bool) {
	if r.Msg != nil {
		return r.Msg.Type, true
	}
	if s, ok := r.Event.Output.(econn.Send); ok && s.Msg != nil {
		return s.Msg.Type, true
	}
	return 0, false
}

// BreakKind says what a breakpoint stops at.
type BreakKind uint8

// Breakpoint kinds.
const (
	BreakState   BreakKind = iota + 1 // a connection entered State
	BreakRecv                         // a message of type Msg was received
	BreakSend                         // a message of type Msg was sent
	BreakIgnored                      // an input was ignored
	BreakClose                        // a connection closed (the Closed notification)
)

// Breakpoint is one condition `c` and `C` stop at.
type Breakpoint struct {
	Kind  BreakKind
	State econn.State   // for BreakState
	Msg   econn.MsgType // for BreakRecv and BreakSend
}

// ParseBreakpoint parses the text typed after `b`: "state=Conflict-Resolution",
// "recv=SETUP", "send=CANCEL", "ignored" or "close".
func ParseBreakpoint(s string) (Breakpoint, error) {
	s = strings.TrimSpace(s)
	key, val, _ := strings.Cut(s, "=")
	switch strings.ToLower(key) {
	case "state":
		st, err := econn.ParseState(val)
		if err != nil {
			return Breakpoint{}, fmt.Errorf("breakpoint: %w", err)
		}
		return Breakpoint{Kind: BreakState, State: st}, nil
	case "recv", "send":
		mt, err := econn.ParseMsgType(val)
		if err != nil {
			return Breakpoint{}, fmt.Errorf("breakpoint: %w", err)
		}
		k := BreakRecv
		if strings.EqualFold(key, "send") {
			k = BreakSend
		}
		return Breakpoint{Kind: k, Msg: mt}, nil
	case "ignored":
		return Breakpoint{Kind: BreakIgnored}, nil
	case "close":
		return Breakpoint{Kind: BreakClose}, nil
	}
	return Breakpoint{}, fmt.Errorf("breakpoint %q: want state=STATE, recv=TYPE, send=TYPE, ignored or close", s)
}

// String renders b in the syntax ParseBreakpoint reads.
func (b Breakpoint) String() string {
	switch b.Kind {
	case BreakState:
		return "state=" + b.State.String()
	case BreakRecv:
		return "recv=" + b.Msg.String()
	case BreakSend:
		return "send=" + b.Msg.String()
	case BreakIgnored:
		return "ignored"
	case BreakClose:
		return "close"
	}
	return fmt.Sprintf("BreakKind(%d)", b.Kind)
}

// Match reports whether event r hits the breakpoint.
func (b Breakpoint) Match(r *Row) bool {
	ev := &r.Event
	switch b.Kind {
	case BreakState:
		sc, ok := ev.Output.(econn.StateChanged)
		return ok && sc.To == b.State
	case BreakRecv:
		mt, ok := msgType(r)
		return ok && ev.Kind == eventlog.KindInput && mt == b.Msg
	case BreakSend:
		mt, ok := msgType(r)
		return ok && ev.Kind == eventlog.KindOutput && mt == b.Msg
	case BreakIgnored:
		_, ok := ev.Output.(econn.Ignored)
		return ok
	case BreakClose:
		_, ok := ev.Output.(econn.Closed)
		return ok
	}
	return false
}

// matchText reports whether needle (already lower-case) occurs, ignoring
// case, in the row's summary, its type, endpoint or connection, or its
// payload: message bytes and fields, SDP, props, reasons, note text.
func matchText(r *Row, needle string) bool {
	found := false
	visit := func(s string) bool {
		if !found && containsFold(s, needle) {
			found = true
		}
		return found
	}
	if visit(r.Summary) || visit(r.Event.Type) || visit(r.Event.Endpoint.String()) || visit(r.Event.Conn) {
		return true
	}
	eachPayloadText(&r.Event, visit)
	return found
}

// containsFold is strings.Contains ignoring case; needle is lower-case.
func containsFold(s, needle string) bool {
	if len(needle) > len(s) {
		return false
	}
	return strings.Contains(strings.ToLower(s), needle)
}

// eachPayloadText calls visit with every searchable text of the event's
// payload until visit returns true.
func eachPayloadText(ev *eventlog.Event, visit func(string) bool) {
	// Each kind knows its own data (econn.InputData, OutputData) and its
	// sentence; a raw received message is searched as it arrived.
	var texts []string
	switch in := ev.Input.(type) {
	case eventlog.RecvInput:
		texts = append(texts, string(in.Data), in.DecodeErr, in.FromUser, in.FromClient)
	case eventlog.NewConn:
		texts = append(texts, in.Config.SessID, in.Remote.String())
	case eventlog.StepInput:
		texts = append(texts, in.In.Describe())
		texts = append(texts, econn.InputData(in.In)...)
	}
	if ev.Output != nil {
		texts = append(texts, ev.Output.Describe())
		texts = append(texts, econn.OutputData(ev.Output)...)
	}
	if ev.Note != nil {
		texts = append(texts, ev.Note.Text, attrsText(ev.Note.Attrs))
	}
	for _, t := range texts {
		if t != "" && visit(t) {
			return
		}
	}
}

func attrsText(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}
