package filter

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Filter is a parsed expression. The zero Filter keeps every event. A
// Filter is a value: With returns a new one and leaves its receiver alone.
type Filter struct {
	eps   []endpoint
	conns []string // noConn stands for the events of no connection
	kinds []eventlog.Kind
	types []typeName
}

// endpoint is an ep= value; an empty client stands for every client of
// the user.
type endpoint struct{ user, client string }

// noConn is the conn= value of the events of no connection, as `show`
// prints their CONN column.
const noConn = "-"

// typeClass says what a type= value names; Parse decides it once, so that
// Match and Compile agree on it.
type typeClass uint8

const (
	classEvent typeClass = iota + 1 // an input or output type: Event.Type
	classMsg                        // a message type, sent or received
	classNote                       // a note type, compared ignoring case
)

type typeName struct {
	class typeClass
	name  string        // the canonical spelling (a note type's first spelling)
	msg   econn.MsgType // for classMsg
}

// TermError is a bad term of an expression. Its message is one line that
// names the term and what is wrong with it.
type TermError struct {
	Term   string // the term as written
	Reason string
}

func (e *TermError) Error() string { return fmt.Sprintf("filter term %q: %s", e.Term, e.Reason) }

// Parse reads an expression (see the package doc). The empty expression
// is the zero Filter. A bad term is a *TermError.
func Parse(expr string) (Filter, error) {
	var f Filter
	for _, term := range strings.Fields(expr) {
		key, val, ok := strings.Cut(term, "=")
		if !ok {
			return Filter{}, &TermError{term, "want key=value, key one of " + keyList}
		}
		if err := f.add(term, key, strings.Split(val, ",")); err != nil {
			return Filter{}, err
		}
	}
	return f, nil
}

// With returns f with one more term, key=values[0],values[1],...: the
// values OR with those f already has for key. It lets a command turn its
// shorthand flags (--type SETUP) into terms without building text; a value
// with a space or a comma is an error, as Parse would split it.
func (f Filter) With(key string, values ...string) (Filter, error) {
	term := key + "=" + strings.Join(values, ",")
	for _, v := range values {
		if strings.ContainsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			return Filter{}, &TermError{term, fmt.Sprintf("value %q has a space or a comma", v)}
		}
	}
	g := Filter{eps: slices.Clone(f.eps), conns: slices.Clone(f.conns),
		kinds: slices.Clone(f.kinds), types: slices.Clone(f.types)}
	if err := g.add(term, key, values); err != nil {
		return Filter{}, err
	}
	return g, nil
}

// Empty reports whether f keeps every event.
func (f Filter) Empty() bool {
	return len(f.eps) == 0 && len(f.conns) == 0 && len(f.kinds) == 0 && len(f.types) == 0
}

// String renders f in canonical form: one term per key, in the order ep,
// conn, kind, type; repeats dropped; kinds in lower case, input, output and
// message types in their own spelling. Parse(f.String()) is f.
func (f Filter) String() string {
	var terms []string
	term := func(key string, vals []string) {
		if len(vals) > 0 {
			terms = append(terms, key+"="+strings.Join(vals, ","))
		}
	}
	term("ep", each(f.eps, func(e endpoint) string {
		if e.client == "" {
			return e.user
		}
		return e.user + "/" + e.client
	}))
	term("conn", f.conns)
	term("kind", each(f.kinds, eventlog.Kind.String))
	term("type", each(f.types, func(t typeName) string { return t.name }))
	return strings.Join(terms, " ")
}

func each[T any](vals []T, fn func(T) string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fn(v)
	}
	return out
}

// keyList names the keys in error messages.
const keyList = "ep, conn, kind or type"

// adders parse one value of each key into f; they return why a value is
// bad, or "".
var adders = map[string]func(f *Filter, v string) string{
	"ep":       (*Filter).addEndpoint,
	"endpoint": (*Filter).addEndpoint,
	"conn":     (*Filter).addConn,
	"kind":     (*Filter).addKind,
	"type":     (*Filter).addType,
}

// add parses the values of one term.
func (f *Filter) add(term, key string, vals []string) error {
	adder, ok := adders[strings.ToLower(key)]
	if !ok {
		return &TermError{term, fmt.Sprintf("unknown key %q: want %s", key, keyList)}
	}
	for _, v := range vals {
		reason := checkValue(v)
		if reason == "" {
			reason = adder(f, v)
		}
		if reason != "" {
			return &TermError{term, reason}
		}
	}
	return nil
}

// checkValue rejects what no key accepts: nothing, bytes that are not
// text, and control characters, which would garble a status line.
func checkValue(v string) string {
	switch {
	case v == "":
		return "empty value"
	case !utf8.ValidString(v):
		return fmt.Sprintf("value %q is not valid UTF-8", v)
	case strings.ContainsFunc(v, unicode.IsControl):
		return fmt.Sprintf("value %q has a control character", v)
	}
	return ""
}

func (f *Filter) addEndpoint(v string) string {
	user, client, hasClient := strings.Cut(v, "/")
	if user == "" || (hasClient && client == "") {
		return fmt.Sprintf("endpoint %q: want user or user/client", v)
	}
	e := endpoint{user, client}
	if !slices.ContainsFunc(f.eps, func(o endpoint) bool {
		return strings.EqualFold(o.user, e.user) && strings.EqualFold(o.client, e.client)
	}) {
		f.eps = append(f.eps, e)
	}
	return ""
}

func (f *Filter) addConn(v string) string {
	if !slices.ContainsFunc(f.conns, func(o string) bool { return strings.EqualFold(o, v) }) {
		f.conns = append(f.conns, v)
	}
	return ""
}

func (f *Filter) addKind(v string) string {
	k, err := eventlog.ParseKind(v)
	if err != nil {
		return err.Error()
	}
	if !slices.Contains(f.kinds, k) {
		f.kinds = append(f.kinds, k)
	}
	return ""
}

func (f *Filter) addType(v string) string {
	t := classify(v)
	if !slices.ContainsFunc(f.types, func(o typeName) bool {
		return o.class == t.class && strings.EqualFold(o.name, t.name)
	}) {
		f.types = append(f.types, t)
	}
	return ""
}

// eventTypes maps the lower-case spelling of every input and output type
// to its own.
var eventTypes = func() map[string]string {
	m := map[string]string{}
	for _, n := range eventlog.TypeNames() {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// classify decides what a type= value names, in the package doc's order.
func classify(v string) typeName {
	if n, ok := eventTypes[strings.ToLower(v)]; ok {
		return typeName{class: classEvent, name: n}
	}
	if mt, err := econn.ParseMsgType(v); err == nil {
		return typeName{class: classMsg, name: mt.String(), msg: mt}
	}
	return typeName{class: classNote, name: v}
}
