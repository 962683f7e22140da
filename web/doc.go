// Package web serves a read-only web page over one or more event logs: the
// call list (filtered with package filter's language), the ladder of the
// selected call as SVG with its messages paired across devices (package
// describe, which asks package pair), the state of every connection at
// the step under a cursor (replay.Index), the call's verify result
// (replay.Verify), export links (package export) and a place for the
// media plots.
//
// The page is a few plain JavaScript modules and a style sheet embedded in
// the binary (static/): no framework, no build step, no network beyond the
// server it came from. It asks a small JSON API for what it shows:
//
//	GET /api/calls?filter=EXPR          the calls of every log, filtered
//	GET /api/call?log=L&call=ID          one call: its columns and size
//	GET /api/events?log=L&call=ID&from=SEQ&n=N
//	                                     a window of at most MaxWindow events
//	                                     and the messages that touch it
//	GET /api/step?log=L&call=ID&seq=SEQ  one event in full and every
//	                                     connection's state after it
//	GET /api/steps?log=L&call=ID&from=SEQ&n=N
//	                                     at most MaxSteps of those, from SEQ on
//	                                     (the page asks ahead of its cursor)
//	GET /api/verify?log=L&call=ID        the call replayed and compared
//	GET /api/export?log=L&call=ID&format=F
//	                                     the call as JSON lines, Mermaid or
//	                                     a Chrome trace, as a download
//	GET /api/plots?log=L&call=ID         the media statistics (plots.go)
//
// Every answer is bounded: no request reads more than a window of events,
// except verify and export, which stream the call once. Text from a log is
// untrusted: the API escapes control and bidi characters (package
// safetext) and encoding/json escapes markup characters; the page puts
// text into the document only as text nodes (textContent), never as
// markup, so a session id, a prop or an SDP holding markup shows as the
// characters it is.
package web
