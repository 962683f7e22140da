package eventlog

import "errors"

// Sentinel errors. Errors returned by this package wrap them (test with
// errors.Is) and add the path, call id or sequence number concerned.
var (
	// ErrNotLog: the file is not a callrec event log (not a bbolt file, an
	// empty file, or a bbolt file of another program).
	ErrNotLog = errors.New("not a callrec event log")

	// ErrCorrupt: the file is a log but damaged (truncated, bad checksum,
	// an event or meta that does not decode). Copying out what is readable
	// (callreplay export) is the way to salvage it.
	ErrCorrupt = errors.New("event log is corrupt")

	// ErrNewerVersion: the log, or a call in it, was written in a format
	// newer than this build reads; use a newer callrec.
	ErrNewerVersion = errors.New("event log format is newer than this build reads (upgrade callrec)")

	// ErrNoCall: no call with the given id in the log.
	ErrNoCall = errors.New("no such call in the event log")

	// ErrNoEvent: CallReader.Get asked for a Seq the call does not have.
	ErrNoEvent = errors.New("no such event in the call")

	// ErrLocked: another process has the log open for writing, or is
	// reading it while this one wants to write; Open gave up after
	// Options.Timeout.
	ErrLocked = errors.New("event log is locked by another process (a running recorder?)")

	// ErrClosed: the Log, CallWriter or CallReader was closed.
	ErrClosed = errors.New("event log is closed")
)
