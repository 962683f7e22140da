// Package replay re-runs a recorded call through the current econn code and
// reports, step by step, what the code does now next to what it did then.
//
// A call's log holds, for every ECONN, the NewConn input that created it and
// then, for every step, one input event followed by the output events the
// step returned (see package eventlog). The engine rebuilds each connection
// with econn.New from the recorded Config, feeds it the recorded inputs in
// order — received messages are decoded again from their raw bytes, so the
// current decoder runs too — and compares the outputs it gets with the
// recorded ones. A received message that did not decode was not stepped:
// replay checks that it still fails, with the same error (the recorder may
// have logged it for no connection at all). Notes are never replayed.
//
// There are two ways in. Replayer streams a whole call once, in constant
// memory, and yields a Step for every input: the input event, the input as
// stepped, the recorded and the replayed outputs, the Snapshot before and
// after, and a Divergence when the outputs differ. `callreplay verify` is
// built on it:
//
//	r := replay.NewReplayer(src)
//	for r.Next() {
//		if st := r.Step(); st.Divergence != nil {
//			// report st
//		}
//	}
//	if err := r.Err(); err != nil {
//		// the log could not be read, or breaks the recording rules
//	}
//
// Index answers random-access questions — every connection's state at any
// event, the step an event belongs to, a window of events — from
// checkpoints it takes while it replays the call forward once, lazily, only
// as far as the questions reach. The terminal viewer is built on it:
//
//	ix := replay.NewIndex(src, nil)
//	evs, err := ix.Events(from, n) // a window of the timeline
//	at, err := ix.At(seq)          // every connection after event seq
//	st, err := ix.StepAt(seq)      // the step event seq belongs to
//
// A call recorded with snapshots (package callstate: the recorder writes
// one every few thousand events) answers faster: Index starts from the
// latest snapshot before the event asked about and replays forward from
// there, so the first question about a long call costs a few thousand
// events, not the whole call; Verify also checks that the replay
// reproduces every snapshot, and reports one it does not reproduce as a
// divergence. Logs without snapshots replay from the first event.
//
// A Source is one recorded call: Reader adapts an open *eventlog.CallReader,
// Slice holds events in memory (tests, generated calls).
//
// Outputs are compared semantically (EqualOutput): messages field by field,
// errors by their stable names (econn.ErrorName), nil and empty props alike,
// because that is what survives the log's encoding.
package replay
