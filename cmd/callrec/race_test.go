//go:build race

package main

// raceEnabled: the test binary runs with the race detector, and so does
// the callrec binary the process tests build (reusing the race-built
// packages of the test build).
const raceEnabled = true
