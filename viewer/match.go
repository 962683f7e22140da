package viewer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Filter keeps the events that match every one of its terms; a term with
// several values keeps an event that matches any of them. The zero Filter
// keeps everything.
type Filter struct {
	Endpoints []string        // "user/client" or "user"
	Kinds     []eventlog.Kind // input, output, note
	Types     []string        // event type ("Recv", "StateChanged") or message type ("SETUP")
}

// ParseFilter parses the text typed after `f`: space-separated terms
// "ep=A/1,B/1", "kind=input", "type=SETUP". An empty text is the zero
// Filter.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	for _, term := range strings.Fields(s) {
		key, val, ok := strings.Cut(term, "=")
		if !ok || val == "" {
			return Filter{}, fmt.Errorf("filter term %q: want key=value (ep=, kind=, type=)", term)
		}
		vals := strings.Split(val, ",")
		switch strings.ToLower(key) {
		case "ep", "endpoint":
			f.Endpoints = append(f.Endpoints, vals...)
		case "kind":
			for _, v := range vals {
				k, err := eventlog.ParseKind(v)
				if err != nil {
					return Filter{}, fmt.Errorf("filter: %w", err)
				}
				f.Kinds = append(f.Kinds, k)
			}
		case "type":
			f.Types = append(f.Types, vals...)
		default:
			return Filter{}, fmt.Errorf("filter: unknown key %q: want ep=, kind= or type=", key)
		}
	}
	return f, nil
}

// Empty reports whether f keeps every event.
func (f Filter) Empty() bool {
	return len(f.Endpoints) == 0 && len(f.Kinds) == 0 && len(f.Types) == 0
}

// String renders f in the syntax ParseFilter reads.
func (f Filter) String() string {
	var terms []string
	if len(f.Endpoints) > 0 {
		terms = append(terms, "ep="+strings.Join(f.Endpoints, ","))
	}
	if len(f.Kinds) > 0 {
		ks := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			ks[i] = k.String()
		}
		terms = append(terms, "kind="+strings.Join(ks, ","))
	}
	if len(f.Types) > 0 {
		terms = append(terms, "type="+strings.Join(f.Types, ","))
	}
	return strings.Join(terms, " ")
}

// Match reports whether the filter keeps r.
func (f Filter) Match(r *Row) bool {
	if len(f.Endpoints) > 0 && !anyOf(f.Endpoints, func(e string) bool { return endpointIs(r.Event.Endpoint, e) }) {
		return false
	}
	if len(f.Kinds) > 0 && !anyOf(f.Kinds, func(k eventlog.Kind) bool { return r.Event.Kind == k }) {
		return false
	}
	if len(f.Types) > 0 && !anyOf(f.Types, func(t string) bool { return typeIs(r, t) }) {
		return false
	}
	return true
}

func anyOf[T any](vals []T, pred func(T) bool) bool {
	for _, v := range vals {
		if pred(v) {
			return true
		}
	}
	return false
}

// endpointIs matches "user/client" exactly or "user" alone against every
// client of that user, ignoring case as ECONN does for ids.
func endpointIs(ep eventlog.Endpoint, want string) bool {
	if u, c, ok := strings.Cut(want, "/"); ok {
		return strings.EqualFold(ep.User, u) && strings.EqualFold(ep.Client, c)
	}
	return strings.EqualFold(ep.User, want)
}

func typeIs(r *Row, t string) bool {
	if strings.EqualFold(r.Event.Type, t) {
		return true
	}
	mt, ok := msgType(r)
	return ok && strings.EqualFold(mt.String(), t)
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

// propsText renders props as "k=v k=v", sorted by key.
func propsText(p econn.Props) string {
	return attrsText(p)
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
