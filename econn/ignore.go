package econn

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// IgnoreReason says, as a stable code, why an input changed nothing. The
// code and the IgnoreArgs are what a recorded Ignored output means: replay
// compares them, never the sentence, so rewording a sentence never makes a
// recorded call diverge. The zero value is IgnoreUnknown.
type IgnoreReason uint8

// The reasons an input is ignored, each with the facts (IgnoreArgs) it
// names. Codes are stored in logs: append new ones, never renumber. A new
// reason is a change of the log format (eventlog.FormatVersion): a build
// that does not know a code reads it as damage, so a log holding a new code
// must say it is newer.
const (
	// IgnoreUnknown: a reason this build does not know (a sentence read
	// from a log that matched no known wording); Args.Text holds it.
	IgnoreUnknown IgnoreReason = iota
	// IgnoreEndTerminating: End while already Terminating.
	IgnoreEndTerminating
	// IgnoreDataChanState: the data channel opened outside Answered (State).
	IgnoreDataChanState
	// IgnoreTimerNotArmed: a timer fired (Gen) while none is armed.
	IgnoreTimerNotArmed
	// IgnoreTimerStale: a timer fired (Gen) that is not the armed one (ArmedGen).
	IgnoreTimerStale
	// IgnoreSendFailedNoEffect: a send failure (Resp, Err) that changes nothing.
	IgnoreSendFailedNoEffect
	// IgnoreNoMessage: Recv carried no message.
	IgnoreNoMessage
	// IgnoreNoEffect: a message type that is accepted but does nothing.
	IgnoreNoEffect
	// IgnoreNotHandled: a message type a connection does not handle.
	IgnoreNotHandled
	// IgnoreWrongUser: a message from User, while the remote user is RemoteUser.
	IgnoreWrongUser
	// IgnoreWrongClient: a message from Client, while the remote client is RemoteClient.
	IgnoreWrongClient
	// IgnoreNoRemoteClient: a message from Client before the remote client is known.
	IgnoreNoRemoteClient
	// IgnoreNoRemoteSession: a message for session Sess before the remote session is known.
	IgnoreNoRemoteSession
	// IgnoreWrongSession: a message for session Sess, while the remote one is RemoteSess.
	IgnoreWrongSession
	// IgnoreInState: a request or response (Resp) not expected in State.
	IgnoreInState
	// IgnoreCancelInState: a CANCEL not expected in State.
	IgnoreCancelInState
	// IgnoreSetupGlareWon: SETUPs crossed and the local side
	// (LocalUser/LocalClient) won over the sender (User/Client).
	IgnoreSetupGlareWon
	// IgnoreUpdateGlareWon: UPDATEs crossed and the local side won.
	IgnoreUpdateGlareWon
	numIgnoreReasons
)

// IgnoreArgs are the facts an ignore reason names. Each reason uses a few
// of them (see its doc comment); the rest stay zero. The struct is
// comparable: two Ignored outputs mean the same when their Type, Reason
// and Args are equal.
type IgnoreArgs struct {
	State         State  // the state the input arrived in
	Resp          bool   // the message was a response
	Gen, ArmedGen uint64 // timer generations
	Err           string // a failed send's error, by stable name (ErrorName)

	User, Client, Sess                   string // what the message carried
	RemoteUser, RemoteClient, RemoteSess string // what the connection holds
	LocalUser, LocalClient               string // the local side (glare)

	Text string // IgnoreUnknown only: the sentence as read
}

var ignoreNames = [...]string{
	IgnoreUnknown:            "unknown",
	IgnoreEndTerminating:     "end-terminating",
	IgnoreDataChanState:      "datachan-state",
	IgnoreTimerNotArmed:      "timer-not-armed",
	IgnoreTimerStale:         "timer-stale",
	IgnoreSendFailedNoEffect: "send-failed-no-effect",
	IgnoreNoMessage:          "no-message",
	IgnoreNoEffect:           "no-effect",
	IgnoreNotHandled:         "not-handled",
	IgnoreWrongUser:          "wrong-user",
	IgnoreWrongClient:        "wrong-client",
	IgnoreNoRemoteClient:     "no-remote-client",
	IgnoreNoRemoteSession:    "no-remote-session",
	IgnoreWrongSession:       "wrong-session",
	IgnoreInState:            "in-state",
	IgnoreCancelInState:      "cancel-in-state",
	IgnoreSetupGlareWon:      "setup-glare-won",
	IgnoreUpdateGlareWon:     "update-glare-won",
}

// String returns the reason's stable name ("wrong-session").
func (r IgnoreReason) String() string {
	if r < numIgnoreReasons {
		return ignoreNames[r]
	}
	return fmt.Sprintf("IgnoreReason(%d)", uint8(r))
}

// Valid reports whether r is a known reason.
func (r IgnoreReason) Valid() bool { return r < numIgnoreReasons }

// IgnoreReasons lists every reason in code order.
func IgnoreReasons() []IgnoreReason {
	rs := make([]IgnoreReason, numIgnoreReasons)
	for i := range rs {
		rs[i] = IgnoreReason(i)
	}
	return rs
}

// ignoreFacts lists, per reason, the IgnoreArgs fields it names; the other
// fields stay zero. TestIgnoreFactsMatchWording keeps it and the wording
// in step.
var ignoreFacts = [...][]string{
	IgnoreUnknown:            {"Text"},
	IgnoreEndTerminating:     nil,
	IgnoreDataChanState:      {"State"},
	IgnoreTimerNotArmed:      {"Gen"},
	IgnoreTimerStale:         {"Gen", "ArmedGen"},
	IgnoreSendFailedNoEffect: {"Resp", "Err"},
	IgnoreNoMessage:          nil,
	IgnoreNoEffect:           nil,
	IgnoreNotHandled:         nil,
	IgnoreWrongUser:          {"User", "RemoteUser"},
	IgnoreWrongClient:        {"Client", "RemoteClient"},
	IgnoreNoRemoteClient:     {"Client"},
	IgnoreNoRemoteSession:    {"Sess"},
	IgnoreWrongSession:       {"Sess", "RemoteSess"},
	IgnoreInState:            {"Resp", "State"},
	IgnoreCancelInState:      {"State"},
	IgnoreSetupGlareWon:      {"LocalUser", "LocalClient", "User", "Client"},
	IgnoreUpdateGlareWon:     {"LocalUser", "LocalClient", "User", "Client"},
}

// Facts returns the names of the IgnoreArgs fields the reason names, so
// that a reader shows those and not the zero values of the others (a zero
// State reads "Idle").
func (r IgnoreReason) Facts() []string {
	if !r.Valid() {
		return nil
	}
	return slices.Clone(ignoreFacts[r])
}

// ignoreWording is the one place the sentences live. A placeholder in
// braces names a fact: {type} the message type, {reqresp} "request" or
// "response", {state}, {gen}, {armed}, {err}, the ids by IgnoreArgs field
// ({user}, {remote-client}, ...); {sess} and {remote-sess} are quoted.
var ignoreWording = [...]string{
	IgnoreUnknown:            "{text}",
	IgnoreEndTerminating:     "End in state Terminating: already terminating",
	IgnoreDataChanState:      "data channel established in state {state}, not Answered",
	IgnoreTimerNotArmed:      "timer #{gen} fired but no timer is armed",
	IgnoreTimerStale:         "timer #{gen} fired but #{armed} is the armed one",
	IgnoreSendFailedNoEffect: "send of {type} {reqresp} failed ({err}): no effect",
	IgnoreNoMessage:          "received no message",
	IgnoreNoEffect:           "{type} accepted: it has no effect on a connection",
	IgnoreNotHandled:         "{type} is not handled by a connection",
	IgnoreWrongUser:          "{type} from user {user}, remote user is {remote-user}",
	IgnoreWrongClient:        "{type} from client {client}, remote client is {remote-client}",
	IgnoreNoRemoteClient:     "{type} from client {client}, no remote client yet",
	IgnoreNoRemoteSession:    "{type} for session {sess}, no remote session yet",
	IgnoreWrongSession:       "{type} for session {sess}, remote session is {remote-sess}",
	IgnoreInState:            "{type} {reqresp} in state {state}",
	IgnoreCancelInState:      "{type} in state {state}",
	IgnoreSetupGlareWon:      "SETUP glare: {local-user}/{local-client} wins over {user}/{client}, dropping the remote offer",
	IgnoreUpdateGlareWon:     "UPDATE glare: {local-user}/{local-client} wins over {user}/{client}, dropping the remote update",
}

// Sentence renders the reason for a person: the one place where an
// Ignored output becomes words.
func (o Ignored) Sentence() string {
	if !o.Reason.Valid() {
		return o.Reason.String()
	}
	return expandIgnore(ignoreWording[o.Reason], o.Type, &o.Args)
}

func expandIgnore(tmpl string, t MsgType, a *IgnoreArgs) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:open])
		b.WriteString(ignoreFact(tmpl[open+1:open+end], t, a))
		tmpl = tmpl[open+end+1:]
	}
}

func ignoreFact(name string, t MsgType, a *IgnoreArgs) string {
	switch name {
	case "type":
		return t.String()
	case "reqresp":
		return ReqResp(a.Resp)
	case "state":
		return a.State.String()
	case "gen":
		return strconv.FormatUint(a.Gen, 10)
	case "armed":
		return strconv.FormatUint(a.ArmedGen, 10)
	case "err":
		return a.Err
	case "user":
		return a.User
	case "client":
		return a.Client
	case "sess":
		return strconv.Quote(a.Sess)
	case "remote-user":
		return a.RemoteUser
	case "remote-client":
		return a.RemoteClient
	case "remote-sess":
		return strconv.Quote(a.RemoteSess)
	case "local-user":
		return a.LocalUser
	case "local-client":
		return a.LocalClient
	case "text":
		return a.Text
	}
	return "{" + name + "}"
}
