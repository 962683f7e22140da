// Package viewer is the terminal replay debugger behind `callreplay view`:
// it walks a recorded call event by event, forwards and backwards, showing
// the timeline, a call-flow ladder, every connection's state and the event
// in full.
//
// The package is split the way tcell programs are usually split. Model holds
// everything a person can do and knows nothing about terminals; it reads
// the call through the small Source interface, a window at a time, so that
// a call of a million events opens as fast as a call of ten. draw paints a
// Model on a tcell.Screen, and Run is the event loop that joins the two and
// the only code that touches the screen or files.
//
// Model is made of four sub-models, each in its own file with what changes
// it: callList (calllist.go), timeline with the cursor (timeline.go),
// finder with the filter, search and breakpoints (finder.go, with its
// filter index in filter.go and its scans in scan.go) and inspector with
// the detail pane (inspector.go). One key table (keymap.go) says what
// every key does in every mode and is also what the help screen lists.
// What the replay engine knows — each connection's state and props before
// and after a step — comes from package replay through the Source;
// Filter and Breakpoint (match.go) say what an event matches.
package viewer
