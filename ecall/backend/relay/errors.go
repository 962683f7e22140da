package relay

import (
	"errors"
	"fmt"
)

// Sentinel errors. Each is errors.Is-able; the errors handed to a client's
// error callback wrap one of them (see OpenError and ServerError).
var (
	// ErrTampered: a delivered box failed authentication. Its ciphertext or
	// nonce was changed, it was sealed by another key than the roster's key
	// for the stamped sender, or it was not sealed for this client at all.
	ErrTampered = errors.New("relay: message failed authentication (tampered or forged)")
	// ErrReplayed: an authentic box whose sequence number this client has
	// already accepted from the same sender, or one older than the replay
	// window or the freshness horizon.
	ErrReplayed = errors.New("relay: replayed message")
	// ErrUnknownSender: a delivery stamped with a user and client id that
	// are not in the conversation's roster, so there is no key to open it.
	ErrUnknownSender = errors.New("relay: message from a sender not in the roster")
	// ErrMisrouted: an authentic box sealed for another conversation.
	ErrMisrouted = errors.New("relay: message sealed for another conversation")
	// ErrBadKey: a roster public key that cannot be used safely (a
	// low-order Curve25519 point, for which the shared key is public).
	ErrBadKey = errors.New("relay: unusable public key")
	// ErrMalformed: a frame or box that does not follow the wire format.
	ErrMalformed = errors.New("relay: malformed frame")
	// ErrTooLarge: a frame over the server's MaxMessageSize.
	ErrTooLarge = errors.New("relay: message too large")
	// ErrRateLimited: the server dropped a frame because the client sent
	// faster than RatePerSecond with Burst.
	ErrRateLimited = errors.New("relay: rate limit exceeded")
	// ErrBacklog: the server refused boxes because the client already had
	// ServerOptions.SenderQueueBytes waiting for their recipient (a
	// recipient reading slower than the client sends, or a flood).
	ErrBacklog = errors.New("relay: too much waiting for a recipient")
	// ErrRejected: the server refused the join (conversation full, unknown
	// conversation, duplicate client) or dropped a frame for another reason.
	ErrRejected = errors.New("relay: rejected by server")
	// ErrInterrupted: the client's connection was lost and it is
	// reconnecting (reported to the error callback), or too many messages
	// wait for the reconnect (returned by Send).
	ErrInterrupted = errors.New("relay: connection interrupted, reconnecting")
	// ErrClosed: the client or server is closed, or the connection was lost
	// and the client gave up reconnecting (or was told not to try).
	ErrClosed = errors.New("relay: closed")
)

// OpenError is reported to a client's error callback when a delivered
// message could not be opened. It names the sender as stamped by the relay
// (which an untrusted relay may have forged) and wraps ErrTampered,
// ErrReplayed, ErrUnknownSender, ErrMisrouted, ErrBadKey or ErrMalformed.
type OpenError struct {
	FromUser, FromClient string
	ServerTime           uint32
	Err                  error
}

// Error names the stamped sender and the reason.
func (e *OpenError) Error() string {
	return fmt.Sprintf("relay: message from %s/%s dropped: %v", e.FromUser, e.FromClient, e.Err)
}

// Unwrap returns the sentinel error.
func (e *OpenError) Unwrap() error { return e.Err }

// ServerError is reported to a client's error callback (or returned from
// Dial) when the server dropped one of the client's frames or refused its
// join. Reason is the server's drop reason (see DropReason); Err is the
// matching sentinel (ErrTooLarge, ErrRateLimited, ErrMalformed, ErrRejected).
type ServerError struct {
	Reason DropReason
	Err    error
}

// Error names the server's drop reason.
func (e *ServerError) Error() string {
	return fmt.Sprintf("relay: server dropped frame (%s): %v", e.Reason, e.Err)
}

// Unwrap returns the sentinel error.
func (e *ServerError) Unwrap() error { return e.Err }
