package eventlog

import (
	"time"

	"github.com/callrec/callrec/econn"
)

// FormatVersion is the version of the on-disk format this build writes and
// the newest it reads. Every older version stays readable and verifiable
// (testdata/compat/vN holds logs of each):
//
//	1  the first release; an Ignored output stored its reason as a sentence
//	2  an Ignored output stores its reason code and arguments (v1.go reads
//	   the sentences of version 1 back into codes)
//
// A file records the version of the build that created it; each call
// records its own, so a file may hold calls of several versions.
const FormatVersion = 2

// CallMeta describes one recorded call.
type CallMeta struct {
	ID            string    // the call's id, unique in its log; assigned by CreateCall when empty
	FormatVersion int       // set by CreateCall
	ToolVersion   string    // the version of the program that recorded it
	Source        string    // "sim", "live", ... free-form
	Start         time.Time // wall-clock time the call began
	Endpoints     []Endpoint
	Conns         []ConnMeta // every ECONN created during the call, in creation order
	Seed          int64      // simulation seed, when HasSeed
	HasSeed       bool
	Scenario      string            // scenario name or file, for simulations
	Labels        map[string]string // free-form
}

// ConnMeta is one ECONN's configuration as recorded.
type ConnMeta struct {
	Endpoint Endpoint
	Remote   Endpoint
	Config   econn.Config
}

// CallInfo is a call as listed by Log.Calls.
type CallInfo struct {
	Meta     CallMeta
	Events   uint64        // number of events
	Duration time.Duration // At of the last event
}
