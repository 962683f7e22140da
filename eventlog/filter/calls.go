package filter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// CallFilter is a parsed expression over calls, as `callreplay fleet ls`
// and `fleet verify` take it: the same grammar as Filter's, with the keys
// of a call. The zero CallFilter keeps every call.
//
//	user=USER          a call with an endpoint of USER
//	device=USER[/CLIENT]  a call with that endpoint (ep= is the same key)
//	outcome=VALUE      open (still being recorded), closed, normal (every
//	                   connection closed normally), failed (one closed for
//	                   another reason), or a connection's final state
//	                   (Terminating, Answered, ...)
//	reason=NAME        a connection closed with that reason (its stable
//	                   name: normal, canceled, timeout-setup, ...)
//	since=TIME         started at TIME or later
//	until=TIME         started before TIME
//	build=VERSION      recorded by that build (by one of its devices); VERSION* any build whose
//	                   version starts so
//
// TIME is RFC 3339 (2026-11-27T10:00:00Z) or a date (2026-11-27, its
// midnight in UTC). Values ignore case, except times.
type CallFilter struct {
	users    []string
	eps      []endpoint
	outcomes []string
	reasons  []string
	since    time.Time
	until    time.Time
	builds   []string
}

// Call is what a CallFilter decides a call by.
type Call struct {
	Endpoints []eventlog.Endpoint
	Start     time.Time
	Builds    []string // the versions of the programs that recorded it
	Open      bool     // still being recorded
	States    []string // each connection's final state
	Reasons   []string // each closed connection's close reason (econn.ReasonName)
}

// callKeyList names the keys of a call expression in error messages.
const callKeyList = "user, device, outcome, reason, since, until or build"

// callAdders parse one value of each key; they return why it is bad, or "".
var callAdders = map[string]func(f *CallFilter, v string) string{
	"user":    (*CallFilter).addUser,
	"device":  (*CallFilter).addDevice,
	"ep":      (*CallFilter).addDevice,
	"outcome": (*CallFilter).addOutcome,
	"reason":  (*CallFilter).addReason,
	"since":   func(f *CallFilter, v string) string { return f.addTime(&f.since, v) },
	"until":   func(f *CallFilter, v string) string { return f.addTime(&f.until, v) },
	"build":   (*CallFilter).addBuild,
}

// ParseCalls reads a call expression. A bad term is a *TermError.
func ParseCalls(expr string) (CallFilter, error) {
	var f CallFilter
	for _, term := range strings.Fields(expr) {
		key, val, ok := strings.Cut(term, "=")
		if !ok {
			return CallFilter{}, &TermError{term, "want key=value, key one of " + callKeyList}
		}
		adder, ok := callAdders[strings.ToLower(key)]
		if !ok {
			return CallFilter{}, &TermError{term, fmt.Sprintf("unknown key %q: want %s", key, callKeyList)}
		}
		for _, v := range strings.Split(val, ",") {
			reason := checkValue(v)
			if reason == "" {
				reason = adder(&f, v)
			}
			if reason != "" {
				return CallFilter{}, &TermError{term, reason}
			}
		}
	}
	return f, nil
}

// Empty reports whether f keeps every call.
func (f CallFilter) Empty() bool {
	return len(f.users) == 0 && len(f.eps) == 0 && len(f.outcomes) == 0 && len(f.reasons) == 0 &&
		f.since.IsZero() && f.until.IsZero() && len(f.builds) == 0
}

func addFold(list *[]string, v string) {
	if !slices.ContainsFunc(*list, func(o string) bool { return strings.EqualFold(o, v) }) {
		*list = append(*list, v)
	}
}

func (f *CallFilter) addUser(v string) string { addFold(&f.users, v); return "" }

func (f *CallFilter) addDevice(v string) string {
	var g Filter
	if reason := g.addEndpoint(v); reason != "" {
		return reason
	}
	if !slices.ContainsFunc(f.eps, func(o endpoint) bool {
		return strings.EqualFold(o.user, g.eps[0].user) && strings.EqualFold(o.client, g.eps[0].client)
	}) {
		f.eps = append(f.eps, g.eps[0])
	}
	return ""
}

// outcomeWords are the outcome= values that are not a state.
var outcomeWords = []string{"open", "closed", "normal", "failed"}

func (f *CallFilter) addOutcome(v string) string {
	if _, err := econn.ParseState(v); err != nil && !slices.Contains(outcomeWords, strings.ToLower(v)) {
		return fmt.Sprintf("outcome %q: want %s or a state", v, strings.Join(outcomeWords, ", "))
	}
	addFold(&f.outcomes, v)
	return ""
}

func (f *CallFilter) addReason(v string) string { addFold(&f.reasons, v); return "" }

func (f *CallFilter) addBuild(v string) string { addFold(&f.builds, v); return "" }

// addTime sets a bound once: two since= terms would not OR as values do.
func (f *CallFilter) addTime(at *time.Time, v string) string {
	if !at.IsZero() {
		return "given twice"
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t, err = time.Parse(time.DateOnly, v)
	}
	if err != nil {
		return fmt.Sprintf("time %q: want RFC 3339 (2026-11-27T10:00:00Z) or a date (2026-11-27)", v)
	}
	*at = t
	return ""
}

// Match reports whether f keeps c: every key's terms hold, each by one of
// its values.
func (f CallFilter) Match(c Call) bool {
	switch {
	case !f.since.IsZero() && c.Start.Before(f.since),
		!f.until.IsZero() && !c.Start.Before(f.until):
		return false
	case len(f.users) > 0 && !slices.ContainsFunc(c.Endpoints, func(ep eventlog.Endpoint) bool {
		return slices.ContainsFunc(f.users, func(u string) bool { return strings.EqualFold(u, ep.User) })
	}):
		return false
	case len(f.eps) > 0 && !slices.ContainsFunc(c.Endpoints, Filter{eps: f.eps}.MatchEndpoint):
		return false
	case len(f.builds) > 0 && !slices.ContainsFunc(f.builds, func(b string) bool {
		return slices.ContainsFunc(c.Builds, func(have string) bool { return buildIs(have, b) })
	}):
		return false
	case len(f.reasons) > 0 && !slices.ContainsFunc(c.Reasons, func(r string) bool { return containsFold(f.reasons, r) }):
		return false
	}
	return len(f.outcomes) == 0 || slices.ContainsFunc(f.outcomes, func(o string) bool { return outcomeIs(c, o) })
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(o string) bool { return strings.EqualFold(o, v) })
}

func buildIs(build, want string) bool {
	if prefix, ok := strings.CutSuffix(want, "*"); ok {
		return len(build) >= len(prefix) && strings.EqualFold(build[:len(prefix)], prefix)
	}
	return strings.EqualFold(build, want)
}

// outcomeIs decides one outcome= value.
func outcomeIs(c Call, o string) bool {
	failed := slices.ContainsFunc(c.Reasons, func(r string) bool { return !strings.EqualFold(r, "normal") })
	switch strings.ToLower(o) {
	case "open":
		return c.Open
	case "closed":
		return !c.Open
	case "normal":
		return !c.Open && !failed && len(c.Reasons) == len(c.States)
	case "failed":
		return failed
	}
	return containsFold(c.States, o)
}
