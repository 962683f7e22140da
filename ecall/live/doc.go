// Package live runs real calls through the same orchestration code as the
// simulator: it implements ecall's Media over pion/webrtc (package
// mediaflow) and ecall's Backend over the end-to-end encrypted signalling
// relay (package ecall/backend/relay), and bundles one device's event loop,
// clock, ecall.Client, media and relay connection as a Device.
//
// Everything that reaches a Client — relay deliveries, media events, timers
// and the application's commands — is posted into the Device's Loop (loop.go),
// so the Client runs on one goroutine, exactly as a simulation drives it,
// and its log replays like a simulated one. Media and relay happenings that
// are not ECONN inputs (ICE and DTLS states, statistics every second,
// messages the relay or the receiver rejected) are recorded as notes.
//
// A call in one process:
//
//	rl, _ := live.StartRelay(relay.ServerOptions{})           // 127.0.0.1, random port
//	a, _ := live.NewDevice(ctx, live.DeviceConfig{Self: ..., RelayURL: rl.URL(), Conv: "c"})
//	b, _ := live.NewDevice(ctx, ...)
//	a.WaitMembers(ctx, 2)
//	a.Start()   // SETUP over the relay; b rings
//	b.Answer()  // media connects, the data channel opens on both sides
//	a.End()     // HANGUP over the data channel
//	a.Close(); b.Close(); rl.Close()
//
// (the package example runs it). Recording: give every device of a call the
// same ecall.LogRecorder and Start, and open the log with LogOptions.
//
// Media stays on loopback unless ICE settings (ICE, ParseICE: host
// interfaces, STUN, TURN, relay-only) say otherwise; each leg records the
// candidate pair ICE selected (media.ice-pair), rolls its re-offer back
// when it loses a glare of UPDATEs (media.rollback), and restarts ICE
// through an UPDATE when ICE fails mid-call (media.ice-restart).
//
// The callrec commands' call flows live here too: RunCall is one device of
// `callrec call` (its Script dials, or answers after ringing), RunDemo the
// whole three-device call of `callrec demo`, Serve the relay of `callrec
// serve`, Summary what a device's connections did.
package live
