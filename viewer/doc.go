// Package viewer is the terminal replay debugger behind `callreplay view`:
// it walks a recorded call event by event, forwards and backwards, showing
// the timeline, a call-flow ladder, every connection's state and the event
// in full.
//
// The package is split the way tcell programs are usually split. Model holds
// everything a person can do (cursor, search, filter, breakpoints, call
// list) and knows nothing about terminals; it reads the call through the
// small Source interface, a window at a time, so that a call of a million
// events opens as fast as a call of ten. draw paints a Model on a
// tcell.Screen, and Run is the event loop that joins the two.
package viewer
