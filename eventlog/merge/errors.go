package merge

import "errors"

// Sentinel errors. Errors returned by this package wrap them (test with
// errors.Is) and add the files, calls and devices concerned.
var (
	// ErrExists: the output log already exists. Merge writes a new log,
	// never into one of its inputs or another log.
	ErrExists = errors.New("already exists; merge writes a new log")

	// ErrConflict: two recordings of one call claim the same device with
	// different events; merging would make up a device that never was.
	ErrConflict = errors.New("records the same device differently")

	// ErrNoInput: no log to merge.
	ErrNoInput = errors.New("no log to merge")
)
