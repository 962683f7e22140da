// Package mediaflow carries the media of one call leg over WebRTC with
// pion/webrtc v4: one peer connection with an Opus audio track, an optional
// VP8 video track and one data channel for the Calling 3.0 direct messages.
// It creates and accepts complete (non-trickle) offers and answers, sends
// real RTP from built-in sources, counts what it receives, and reports
// everything that happens as Events for the call orchestration to record.
//
// A call leg is driven like this:
//
//  1. New builds the peer connection; onEvent receives every Event, one at a
//     time, from a goroutine of the Flow. It must not block and must not call
//     Close (post the event into the caller's own loop instead).
//  2. The calling side sends the SDP of CreateOffer in its SETUP; the called
//     side passes it to Accept and sends the returned answer back; the
//     calling side gives that answer to SetAnswer. Both SDPs are complete:
//     ICE gathering has finished before they are returned. A Flow whose own
//     offer is out refuses a peer's offer with ErrOfferPending: the side
//     that yields in a glare takes its offer back with Rollback (or, before
//     any exchange, may answer on a new Flow) and then Accepts. After any
//     other negotiation error, close the Flow.
//  3. DataChannelOpen on both sides means the call is connected; direct
//     messages then travel with SendData and arrive as DataChannelMessage.
//  4. An UPDATE re-negotiates with Reoffer on one side, Accept on the other
//     and SetAnswer again; the data channel and the tracks stay up. After
//     ICE failed (MediaFailed with ErrConnectionFailed), RestartOffer in
//     place of Reoffer restarts ICE on both sides.
//  5. StatsReport arrives every StatsInterval once connected; Close ends the
//     leg, delivers the last events (ConnectionStateChanged "closed") and
//     returns after every goroutine of the Flow has stopped.
//
// Options.Loopback (the default) keeps ICE on the loopback interface so that
// tests and demos need no network. Off loopback, Options.Interfaces names
// the interfaces of host candidates, ICEServers the STUN and TURN servers
// (with a TURN server's credentials) and RelayOnly sends media through
// TURN only; CandidatePairSelected says which pair ICE chose.
package mediaflow
