package econn

import (
	"errors"
	"strings"
)

// Error is an error with a stable name. Close reasons, send failures and
// sticky errors travel through logs by name (see ErrorName), so that a
// replayed call compares equal to the recorded one.
type Error struct {
	name string
	text string
}

// Error returns the human-readable text.
func (e *Error) Error() string { return e.text }

// Name returns the stable name ("canceled", "timed-out", ...).
func (e *Error) Name() string { return e.name }

// Sentinel errors. Each is errors.Is-able and has a stable name.
var (
	// ErrInvalid: a missing or malformed argument (empty user id, no props).
	ErrInvalid = &Error{"invalid", "invalid argument"}
	// ErrProto: a local command refused in the current state.
	ErrProto = &Error{"proto", "protocol error"}
	// ErrCanceled: the call was canceled (remote CANCEL, answered elsewhere).
	ErrCanceled = &Error{"canceled", "canceled"}
	// ErrTimedOut: a setup or media timer expired.
	ErrTimedOut = &Error{"timed-out", "timed out"}
	// ErrBadMessage: a message missing a required field or with a mistyped one.
	ErrBadMessage = &Error{"bad-message", "bad message"}
	// ErrVersion: a message whose version is not "3.0".
	ErrVersion = &Error{"version", "protocol version mismatch"}
	// ErrUnsupported: a message type this codec or state machine does not know.
	ErrUnsupported = &Error{"unsupported", "unsupported message type"}
	// ErrIO: a media or transport I/O failure (the reference's EIO).
	ErrIO = &Error{"io", "I/O error"}
	// ErrDataChannel: the data channel closed or failed.
	ErrDataChannel = &Error{"datachannel", "data channel error"}
	// ErrTooLarge: a message over MaxMessageSize, or a connection state
	// over MaxStateSize.
	ErrTooLarge = &Error{"too-large", "message too large"}
	// ErrBadState: connection state bytes (RestoreConn) that are damaged,
	// of another version, or describe a state no connection can be in.
	ErrBadState = &Error{"bad-state", "bad connection state"}
)

var namedErrors = []*Error{
	ErrInvalid, ErrProto, ErrCanceled, ErrTimedOut, ErrBadMessage, ErrVersion,
	ErrUnsupported, ErrIO, ErrDataChannel, ErrTooLarge, ErrBadState,
}

// ErrorName returns err's stable name: "" for nil, the sentinel's name for
// an error that wraps a sentinel, and "error:" + text for any other error.
func ErrorName(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.name
	}
	return "error:" + err.Error()
}

// ErrorFromName is the inverse of ErrorName: "" gives nil, a sentinel's name
// gives the sentinel, anything else an *Error carrying that name, so that
// ErrorName(ErrorFromName(n)) == n.
func ErrorFromName(name string) error {
	if name == "" {
		return nil
	}
	for _, e := range namedErrors {
		if e.name == name {
			return e
		}
	}
	return &Error{name: name, text: strings.TrimPrefix(name, "error:")}
}

// SameError reports whether a and b have the same stable name.
func SameError(a, b error) bool { return ErrorName(a) == ErrorName(b) }
