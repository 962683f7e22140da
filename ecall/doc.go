// Package ecall is the call orchestration layer above ECONN: one Client per
// device in a conversation, with one ECONN per remote client. It routes
// received messages to the right ECONN (creating one for a new caller),
// carries out ECONN outputs (sends over the backend or the data channel,
// timers, media offers and answers), runs the reference's media timers and
// records every ECONN input before stepping it, then its outputs.
//
// A Client talks to the world only through the interfaces in Env — Clock,
// Backend, Media, Recorder — so the live mode (real timers, pion, a network
// relay) and the deterministic simulation (package ecall/sim) run this same
// code. A Client is not safe for concurrent use: live mode posts every
// call to it through one goroutine (the Loop of package ecall/live).
package ecall
