package tail

import "errors"

// Sentinel errors; the errors of this package wrap them and say more.
var (
	// ErrNoRecorder: no recorder serves the log: no socket, or one that
	// nobody listens on (a recorder that crashed left it).
	ErrNoRecorder = errors.New("no recorder is serving this log")

	// ErrUnsafe: the socket is not one the local user's recorder made
	// (another owner, not a socket, a peer of another user).
	ErrUnsafe = errors.New("the live-tail socket is not the local user's")

	// ErrProtocol: the peer sent something the protocol does not allow:
	// a frame too large, an unknown type, a bad field, a gap in the
	// events, an event that does not decode.
	ErrProtocol = errors.New("live-tail protocol error")

	// ErrVersion: the peer speaks another version of the protocol.
	ErrVersion = errors.New("live-tail protocol version not supported")

	// ErrRefused: the recorder answered with an error (no such call, too
	// many followers, this follower too slow).
	ErrRefused = errors.New("the recorder refused")

	// ErrGone: the connection ended before the recorder closed the call
	// (it crashed or was killed).
	ErrGone = errors.New("the recorder went away before the call closed")

	// ErrStopped: the recorder stopped serving before the call closed
	// (it is shutting down).
	ErrStopped = errors.New("the recorder stopped serving before the call closed")

	// ErrTooLarge: the call outgrew Options.MaxBytes on the follower.
	ErrTooLarge = errors.New("the followed call is larger than the follower holds")

	// ErrUnsupported: live tail needs Unix domain sockets.
	ErrUnsupported = errors.New("live tail is not supported on this system")
)
