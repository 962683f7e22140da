// Package simtest records simulated calls for the tests of the programs
// that read logs (replay, describe, the viewer, callreplay). Every call is
// run by the simulator (package ecall/sim) and written by ecall's
// recorder into a real event log, exactly as `callrec sim --out` writes
// it, so the tests read what the field produces — no second world and no
// hand-made routing.
//
// The stock calls are scenario texts: BasicCall, Glare and LongCall.
// ReadCall and CallOf read a recorded call back, for any test of a log.
package simtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/eventlog"
)

// The endpoints of the stock calls.
var (
	A1 = eventlog.Endpoint{User: "A", Client: "1"}
	B1 = eventlog.Endpoint{User: "B", Client: "1"}
)

// Seed is the seed the helpers run scenarios with.
const Seed = 1

// Call is one call to record: its id and its scenario text.
type Call struct {
	ID       string
	Scenario string
	// SnapshotEvery is the recorder's distance between call snapshots
	// (sim.Options.SnapshotEvery: 0 the default, negative none).
	SnapshotEvery int
}

// OpenCall opens call id ("": the only call) of the log at path,
// read-only; the test's cleanup closes both.
func OpenCall(tb testing.TB, path, id string) *eventlog.CallReader {
	tb.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	var r *eventlog.CallReader
	if id == "" {
		r, err = l.OnlyCall()
	} else {
		r, err = l.Call(id)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// WriteLog records the calls, in order, into a new log file at path. The
// scenario's expectations are checked; a failed one is an error.
func WriteLog(path string, calls ...Call) error {
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		return err
	}
	for _, c := range calls {
		if err = Record(l, c); err != nil {
			break
		}
	}
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	return err
}

// Record runs one call's scenario into a new call of l.
func Record(l *eventlog.Log, c Call) error {
	sc, err := sim.ParseString(c.ID+".txt", c.Scenario)
	if err != nil {
		return err
	}
	_, err = sim.Run(sc, sim.Options{Seed: Seed, Log: l, CallID: c.ID, ToolVersion: "simtest", SnapshotEvery: c.SnapshotEvery})
	if err != nil {
		return fmt.Errorf("simtest: call %s: %w", c.ID, err)
	}
	return nil
}

// Events records one call into a temporary log and reads it back: the
// call's metadata and its events, numbered from 1, as a log reader
// returns them.
func Events(c Call) (eventlog.CallMeta, []eventlog.Event, error) {
	dir, err := os.MkdirTemp("", "simtest")
	if err != nil {
		return eventlog.CallMeta{}, nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "call.log")
	if err := WriteLog(path, c); err != nil {
		return eventlog.CallMeta{}, nil, err
	}
	return readCall(path, "")
}

// ReadCall reads call id of the log at path: its metadata and its events,
// as a log reader returns them. A failure fails the test.
func ReadCall(t testing.TB, path, id string) (eventlog.CallMeta, []eventlog.Event) {
	t.Helper()
	meta, evs, err := readCall(path, id)
	if err != nil {
		t.Fatal(err)
	}
	return meta, evs
}

// CallOf reads call id of the open log l as ReadCall does.
func CallOf(t testing.TB, l *eventlog.Log, id string) (eventlog.CallMeta, []eventlog.Event) {
	t.Helper()
	meta, evs, err := callOf(l, id)
	if err != nil {
		t.Fatal(err)
	}
	return meta, evs
}

// readCall reads call id of the log at path (id "": its only call).
func readCall(path, id string) (eventlog.CallMeta, []eventlog.Event, error) {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return eventlog.CallMeta{}, nil, err
	}
	defer l.Close()
	return callOf(l, id)
}

func callOf(l *eventlog.Log, id string) (eventlog.CallMeta, []eventlog.Event, error) {
	var r *eventlog.CallReader
	var err error
	if id == "" {
		r, err = l.OnlyCall()
	} else {
		r, err = l.Call(id)
	}
	if err != nil {
		return eventlog.CallMeta{}, nil, err
	}
	defer r.Close()
	var evs []eventlog.Event
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		evs = append(evs, ev)
	}
	return r.Meta(), evs, cur.Err()
}

// BasicCall is a complete call from A/1 to B/1: A calls with props, B
// answers two seconds later with its own, the data channels open and the
// props are synced, then rounds of pings (one each way) a second apart
// with an update every 50 rounds. Along the way B gets a CANCEL for a
// session that is not the call's (ignored) and two messages that do not
// decode: one over the data channel (recorded for B's connection) and one
// through the backend (recorded for none). Then A hangs up.
func BasicCall(rounds int) string { return BasicCallBetween(A1, B1, rounds) }

// BasicCallBetween is BasicCall between other endpoints: caller, callee.
func BasicCallBetween(caller, callee eventlog.Endpoint, rounds int) string {
	var b strings.Builder
	b.WriteString(`clients {A} {B}
props {A} videosend=false
props {B} videosend=true
start {A}
run
advance 2s
answer {B}
run
advance 300ms
propsync {A} muted=false
run
inject from={A} to={B} {"version":"3.0","type":"CANCEL","sessid":"nope","resp":false}
inject from={A} to={B} via=direct {"version":"3.0","type":
inject from={A} to={B} {"version":"2.0","type":"SETUP","sessid":"x","resp":false}
run
`)
	for i := 0; i < rounds; i++ {
		b.WriteString("advance 1s\nping {A}\nping {B}\nrun\n")
		if i%50 == 49 {
			b.WriteString("advance 1s\nupdate {A}\nrun\nadvance 100ms\n")
		}
	}
	b.WriteString(`advance 1s
end {A}
run
expect {A} state=Terminating closed=1 reason=normal
expect {B} state=Terminating closed=1 reason=normal
advance 10s
`)
	return between(b.String(), caller, callee)
}

// between writes the endpoints a and b where a scenario template says
// {A} and {B}.
func between(template string, a, b eventlog.Endpoint) string {
	return strings.NewReplacer("{A}", a.String(), "{B}", b.String()).Replace(template)
}

// BasicCallEvents is how many events BasicCall(0) records, and
// RoundEvents how many each ping round adds (UpdateEvents each update).
const (
	BasicCallEvents = 72
	RoundEvents     = 8
	UpdateEvents    = 38
)

// LongCall is BasicCall with enough ping rounds to make about n events.
func LongCall(n int) string {
	perFifty := 50*RoundEvents + UpdateEvents
	return BasicCall(max(0, n-BasicCallEvents) * 50 / perFifty)
}

// Glare is A/1 and B/1 calling each other at the same time: B/1 wins; A/1
// goes to Conflict-Resolution and answers B/1's offer; the data channels
// open and A/1 hangs up.
var Glare = GlareBetween(A1, B1)

// GlareBetween is Glare between other endpoints; the one whose ids
// compare greater wins.
func GlareBetween(x, y eventlog.Endpoint) string {
	return between(`clients {A} {B}
start {A}
start {B}
run
advance 1s
expect {A} state=DatachanEstablished
expect {B} state=DatachanEstablished
end {A}
run
expect {A} state=Terminating closed=1
expect {B} state=Terminating closed=1
advance 10s
`, x, y)
}

// HostileB is the callee of Hostile: its user id holds an escape sequence
// (red text) and a right-to-left override.
var HostileB = eventlog.Endpoint{User: "B\x1b[31m\u202e", Client: "1"}

// HostileSessID is the session id of the SETUP a peer forges in Hostile:
// an OSC 52 sequence, which sets the clipboard of a terminal that prints
// it.
const HostileSessID = "\x1b]52;c;SGVsbG8=\x07"

// Hostile is a call in which every text a peer controls attacks the
// terminal that prints it: the callee's user id (HostileB), the caller's
// props (a bidi override and a C1 CSI), a forged SETUP with the session
// id HostileSessID and a bidi prop (JSON escapes, decoded), and a message
// that does not decode holding the raw escape sequence and a byte that is
// not UTF-8. A/1 calls, B answers, the forged SETUP resets B's
// connection, A/1 cancels.
var Hostile = between(`clients A/1 {B}
props A/1 nick=`+"\u202eevil\u009b"+`
start A/1
run
answer {B}
run
inject from=A/1 to={B} {"version":"3.0","type":"SETUP","sessid":"\u001b]52;c;SGVsbG8=\u0007","resp":false,"sdp":"v=0","props":{"nick":"\u202eevil"}}
inject from=A/1 to={B} `+HostileSessID+"\xff"+`
run
end A/1
run
advance 10s
`, A1, HostileB)
