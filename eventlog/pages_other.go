//go:build !linux

package eventlog

// Where the log's mapping takes no advice, ReleasePages and Prefetch do
// nothing.
const (
	adviceDrop = iota
	adviceWillNeed
)

func advise(addr uintptr, size int64, advice int) {}
