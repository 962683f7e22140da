package mediaflow

import "errors"

var (
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("mediaflow: flow is closed")

	// ErrDataChannelNotOpen is returned by SendData before the data channel
	// has opened or after it has closed.
	ErrDataChannelNotOpen = errors.New("mediaflow: data channel is not open")

	// ErrEmptySDP is returned by Accept and SetAnswer for an empty SDP.
	ErrEmptySDP = errors.New("mediaflow: empty SDP")

	// ErrOfferPending is returned by CreateOffer and Reoffer while a local
	// offer still waits for its answer.
	ErrOfferPending = errors.New("mediaflow: a local offer is already waiting for its answer")

	// ErrNoOfferPending is returned by SetAnswer when no local offer waits
	// for an answer.
	ErrNoOfferPending = errors.New("mediaflow: no local offer is waiting for an answer")

	// ErrNotNegotiated is returned by Reoffer before a first offer/answer
	// exchange has completed.
	ErrNotNegotiated = errors.New("mediaflow: no offer/answer exchange has completed yet")

	// ErrConnectionFailed is carried by MediaFailed when ICE or DTLS fails
	// and the peer connection cannot carry media any more.
	ErrConnectionFailed = errors.New("mediaflow: peer connection failed")

	// ErrNoRelayCandidate is returned by CreateOffer, Reoffer and Accept
	// with Options.RelayOnly when gathering produced no relay candidate:
	// every TURN allocation failed (server unreachable, credentials
	// refused, quota), so no media path can exist.
	ErrNoRelayCandidate = errors.New("mediaflow: TURN allocation failed: no relay candidate")

	// ErrRollbackFailed is returned by Rollback when pion could not take
	// the local offer back; the Flow is then in no state to negotiate.
	ErrRollbackFailed = errors.New("mediaflow: rolling back the local offer failed")

	// ErrInvalidOptions is wrapped by New for options it cannot use.
	ErrInvalidOptions = errors.New("mediaflow: invalid options")
)
