// Package filter is the one filter language for a call's events: the
// viewer's `f` prompt, `callreplay show|export --filter`, and whatever
// lists events next. Parse reads an expression, Match decides an event, and
// Compile gives the part a cursor can decide from an event's header alone,
// so that a reader skips the rest without decoding it.
//
// # Grammar
//
//	expr  = [ term { space term } ]
//	term  = key "=" value { "," value }
//	key   = "ep" | "endpoint" | "conn" | "kind" | "type"
//
// Keys and values ignore case. A value holds no space and no comma, and no
// control character. Terms AND together; the values of one key OR, whether
// listed with commas or in repeated terms ("type=SETUP type=HANGUP" is
// "type=SETUP,HANGUP"). The empty expression keeps every event.
//
//	ep=USER          the events of every client of USER
//	ep=USER/CLIENT   the events of that one client
//	conn=SESSID      the events of the connection with that local session
//	                 id; conn=- the events of no connection (notes about
//	                 an endpoint)
//	kind=KIND        input, output or note
//	type=NAME        NAME is, in this order of precedence:
//	                 - an input or output type (eventlog.TypeNames: Start,
//	                   Recv, Send, StateChanged, ...): events of that type;
//	                 - a message type (SETUP, HANGUP, PROPSYNC, ...): the
//	                   events that receive or send such a message (Recv,
//	                   Send, and the call layer's ecall.propsync note);
//	                 - else a note type (media.ice, app.start, ...): notes
//	                   of that type.
//
// Ids ignore case as ECONN compares them. Examples:
//
//	type=SETUP ep=A         SETUPs A's clients received or sent
//	ep=A/1,B/2 kind=input   the inputs of two clients
//	type=StateChanged,Closed conn=9GMi
//	type=media.ice kind=note
//
// # Calls
//
// ParseCalls reads the same grammar with the keys of a call (user,
// device, outcome, reason, since, until, build; see CallFilter): the
// calls `callreplay fleet ls` lists and `fleet verify` checks.
//
// # Errors
//
// Parse fails on the first bad term with a *TermError, whose one-line
// message names the term and what is wrong with it.
package filter
