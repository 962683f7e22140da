package eventlog

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/callrec/callrec/econn"
)

// Format 1 stored an Ignored output's reason as the sentence econn wrote
// then. The sentences are frozen here, as they were worded in format 1, and
// parsed back into the reason code and its arguments, so that a call
// recorded in format 1 verifies by meaning against today's econn whatever
// today's wording is. A sentence that matches none reads as IgnoreUnknown
// with the text kept.
var v1Wording = []struct {
	reason econn.IgnoreReason
	text   string
}{
	{econn.IgnoreEndTerminating, "End in state Terminating: already terminating"},
	{econn.IgnoreDataChanState, "data channel established in state {state}, not Answered"},
	{econn.IgnoreTimerNotArmed, "timer #{gen} fired but no timer is armed"},
	{econn.IgnoreTimerStale, "timer #{gen} fired but #{armed} is the armed one"},
	{econn.IgnoreSendFailedNoEffect, "send of {type} {reqresp} failed ({err}): no effect"},
	{econn.IgnoreNoMessage, "received no message"},
	{econn.IgnoreNoEffect, "{type} accepted: it has no effect on a connection"},
	{econn.IgnoreNotHandled, "{type} is not handled by a connection"},
	{econn.IgnoreWrongUser, "{type} from user {user}, remote user is {remote-user}"},
	{econn.IgnoreWrongClient, "{type} from client {client}, remote client is {remote-client}"},
	{econn.IgnoreNoRemoteClient, "{type} from client {client}, no remote client yet"},
	{econn.IgnoreNoRemoteSession, "{type} for session {sess}, no remote session yet"},
	{econn.IgnoreWrongSession, "{type} for session {sess}, remote session is {remote-sess}"},
	{econn.IgnoreSetupGlareWon, "SETUP glare: {local-user}/{local-client} wins over {user}/{client}, dropping the remote offer"},
	{econn.IgnoreUpdateGlareWon, "UPDATE glare: {local-user}/{local-client} wins over {user}/{client}, dropping the remote update"},
	{econn.IgnoreInState, "{type} {reqresp} in state {state}"},
	{econn.IgnoreCancelInState, "{type} in state {state}"},
}

type v1Pattern struct {
	reason econn.IgnoreReason
	re     *regexp.Regexp
	facts  []string // the placeholder of each capture group
}

var v1Patterns = func() []v1Pattern {
	placeholder := regexp.MustCompile(`\{[a-z-]+\}`)
	ps := make([]v1Pattern, len(v1Wording))
	for i, w := range v1Wording {
		var facts []string
		var expr strings.Builder
		expr.WriteString("(?s)^") // a value may hold a newline (a joined error)
		rest := w.text
		for _, loc := range placeholder.FindAllStringIndex(w.text, -1) {
			expr.WriteString(regexp.QuoteMeta(w.text[len(w.text)-len(rest) : loc[0]]))
			name := w.text[loc[0]+1 : loc[1]-1]
			facts = append(facts, name)
			expr.WriteString(v1FactExpr(name))
			rest = w.text[loc[1]:]
		}
		expr.WriteString(regexp.QuoteMeta(rest) + "$")
		ps[i] = v1Pattern{reason: w.reason, re: regexp.MustCompile(expr.String()), facts: facts}
	}
	return ps
}()

func v1FactExpr(name string) string {
	switch name {
	case "gen", "armed":
		return `([0-9]+)`
	case "reqresp":
		return `(request|response)`
	case "sess", "remote-sess":
		return `("(?:[^"\\]|\\.)*")`
	case "type", "state":
		return `([^\s]+)`
	}
	return `(.*?)`
}

// parseIgnoredV1 turns a format-1 sentence back into an Ignored output.
func parseIgnoredV1(t econn.MsgType, sentence string) econn.Ignored {
	for _, p := range v1Patterns {
		m := p.re.FindStringSubmatch(sentence)
		if m == nil {
			continue
		}
		o := econn.Ignored{Type: t, Reason: p.reason}
		if setV1Facts(&o, p.facts, m[1:]) {
			return o
		}
	}
	return econn.Ignored{Type: t, Reason: econn.IgnoreUnknown, Args: econn.IgnoreArgs{Text: sentence}}
}

// setV1Facts fills o's arguments from the captured facts; false when one
// does not parse (a {type} that is not o's type, an unknown state).
func setV1Facts(o *econn.Ignored, facts, values []string) bool {
	a := &o.Args
	for i, name := range facts {
		v := values[i]
		var err error
		switch name {
		case "type":
			if v != o.Type.String() {
				return false
			}
		case "reqresp":
			a.Resp = v == "response"
		case "state":
			a.State, err = econn.ParseState(v)
		case "gen":
			a.Gen, err = strconv.ParseUint(v, 10, 64)
		case "armed":
			a.ArmedGen, err = strconv.ParseUint(v, 10, 64)
		case "err":
			a.Err = v
		case "user":
			a.User = v
		case "client":
			a.Client = v
		case "sess":
			a.Sess, err = strconv.Unquote(v)
		case "remote-user":
			a.RemoteUser = v
		case "remote-client":
			a.RemoteClient = v
		case "remote-sess":
			a.RemoteSess, err = strconv.Unquote(v)
		case "local-user":
			a.LocalUser = v
		case "local-client":
			a.LocalClient = v
		}
		if err != nil {
			return false
		}
	}
	return true
}
