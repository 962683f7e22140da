// Package sim is the one simulated world of callrec: a virtual clock, a
// backend that fans messages out to every client of the conversation with
// seeded faults (drop, delay, duplicate, reorder, failed sends), fake media
// legs, the scenario language of `callrec sim`, and exploration of random
// scenarios under invariant checks.
//
// It runs ecall's production code (routing, timers, recording) behind
// ecall's interfaces, so a simulated call is recorded exactly as a live one
// and its log replays and verifies like any field log. The same scenario
// and seed give a byte-identical log. Tests of the programs that read logs
// record their calls through it (package simtest).
package sim
