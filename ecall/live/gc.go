package live

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target (GOGC) that TuneGC sets for
// a process running live calls. Setting up a call allocates about a
// megabyte (pion's ICE, DTLS, SCTP and interceptors, the relay's frames,
// the log's events) on a heap of a few megabytes, so with Go's default of
// 100 a collection overlaps most setups and adds about a millisecond to
// them; at 400 few do, and a call's heap may grow to five times what it
// keeps live instead of two (BENCHMARKS.md, "live mode").
const GCPercent = 400

// TuneGC sets the garbage collector's target to GCPercent unless the GOGC
// environment variable chose one, and reports whether it did. The callrec
// commands that run live calls call it at their start; it is a
// process-wide setting, so a program using this package as a library
// decides for itself.
func TuneGC() bool {
	if _, set := os.LookupEnv("GOGC"); set {
		return false
	}
	debug.SetGCPercent(GCPercent)
	return true
}
