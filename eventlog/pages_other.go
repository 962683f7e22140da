//go:build !linux

package eventlog

// dropMapped does nothing where the log's mapping cannot be released.
func dropMapped(addr uintptr, size int64) {}
