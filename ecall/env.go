package ecall

import (
	"time"

	"github.com/callrec/callrec/eventlog"
)

// Clock is time as a client sees it: a real clock in live mode, a virtual
// one in a simulation.
type Clock interface {
	// Since returns the time since the call (the recording) began; it
	// stamps log events.
	Since() time.Duration
	// Unix returns the wall-clock time in seconds; it is the "current
	// time" handed to the decoder, which computes message ages from it.
	Unix() uint32
	// AfterFunc runs f on the client's loop after d. Stop cancels it.
	AfterFunc(d time.Duration, f func()) Stopper
}

// Stopper cancels a scheduled function.
type Stopper interface {
	// Stop prevents the function from running if it has not yet run.
	Stop()
}

// Backend sends a message to every other client of the conversation
// through the signalling relay, which stamps it with the sender's ids.
type Backend interface {
	SendBackend(data []byte) error
}

// Media creates the media leg of a connection: a peer connection with its
// data channel. Events of a leg come back through Client.MediaEvent.
type Media interface {
	NewLeg(conn string, remote eventlog.Endpoint) (Leg, error)
}

// Leg is the media of one connection. Calling 3.0 sends complete SDPs (no
// trickle ICE), so Offer and Accept return once gathering is complete.
type Leg interface {
	Offer() (string, error)              // create the local offer
	Accept(offer string) (string, error) // take a remote offer, return the answer
	SetAnswer(answer string) error       // take the remote answer to our offer
	Reoffer() (string, error)            // a new offer for UPDATE
	SendDirect(data []byte) error        // send on the data channel
	SetVideo(on bool) error              // start or stop sending video
	Close()
}

// MediaEventType says what happened on a media leg.
type MediaEventType uint8

// Media events.
const (
	MediaConnected       MediaEventType = iota + 1 // ICE and DTLS are up
	MediaStarted                                   // the first RTP packet arrived
	MediaDataChanOpen                              // the data channel opened
	MediaDataChanMessage                           // a direct message arrived
	MediaDataChanClosed                            // the data channel closed
	MediaFailed                                    // the leg failed (Err)
	MediaNote                                      // anything else worth recording (Note)
)

// MediaEvent is one event of a media leg, delivered on the client's loop.
type MediaEvent struct {
	Type MediaEventType
	Data []byte // MediaDataChanMessage
	Err  error  // MediaFailed
	Note *Note  // MediaNote: recorded as is
}

// Note is a free-form event to record: its type ("media.ice") and payload.
type Note struct {
	Type string
	eventlog.Note
}

// Recorder takes every event of a client as it happens; *eventlog.CallWriter
// is one. Inputs are appended before they are stepped.
type Recorder interface {
	Append(ev eventlog.Event) (uint64, error)
}

// Env is everything a client talks to.
type Env struct {
	Clock    Clock
	Backend  Backend
	Media    Media
	Recorder Recorder // nil: nothing is recorded
	// Observe, when set, sees every ECONN output and note of the client
	// after it was recorded (tests, the simulator's invariants, a UI).
	Observe func(ev eventlog.Event)
	// OnError, when set, hears of failures that do not stop the client:
	// a recording error, a media leg that could not be created.
	OnError func(error)
}
