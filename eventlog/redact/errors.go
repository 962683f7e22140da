package redact

import "errors"

// Sentinel errors. Errors returned by this package wrap them (test with
// errors.Is) and add the path, call, event or ids concerned.
var (
	// ErrExists: the output log already exists. Redaction writes a new
	// log, never into one that may hold unredacted calls.
	ErrExists = errors.New("already exists; redact writes a new log")

	// ErrAmbiguousIDs: two ids differ only in case. econn compares remote
	// ids case-insensitively and glare compares them by byte order; no
	// pseudonyms keep both, so the redacted log would not replay alike.
	ErrAmbiguousIDs = errors.New("differ only in case; their pseudonyms could not keep both order and equality")

	// ErrUnredactable: an event the redactor cannot redact: an input or
	// output of a kind it does not know (it fails closed rather than
	// passing personal data through), or a received message that fails
	// to decode in a way no redacted form reproduces.
	ErrUnredactable = errors.New("cannot redact")
)
