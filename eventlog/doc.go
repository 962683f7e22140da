// Package eventlog stores recorded calls in one bbolt file: each call's
// metadata and the events of its ECONNs (every input, the outputs it
// produced, and notes) keyed by a gapless sequence number, snapshots of
// its state, and how its connections ended. The recorder writes it, the
// replayer and the viewer read it, and field logs travel as these files.
//
// Layout (format 3, log.go and layout3.go): the events of every call
// share one bucket, keyed by the call's number, so that a log of many
// small calls is smaller than its own JSON-lines export; the events of
// the newest call append at the end of the bucket, in full pages. Each
// call's few other records (its meta, last Seq, outcome) share a bucket
// apart, so that listing the calls reads none of the events' pages.
//
// Writing:
//
//  1. Open the file (it is created if missing) and CreateCall, or
//     ResumeCall after a restart.
//  2. Append each event as it happens: an input before it is stepped, then
//     the outputs the step returned, and notes. Append returns the event's
//     Seq at once; a background goroutine group-commits batches of
//     Options.BatchSize events, or Options.BatchDelay after a batch's first
//     event.
//  3. Flush where an event must be durable before going on; PutSnapshot
//     where a reader should be able to start without replaying from the
//     first event; Close the CallWriter (or the Log) at the end: it stores
//     the call's outcome (each connection's last state and close reason,
//     which the writer follows from the outputs appended) and trims the
//     file to the pages it uses.
//
// Reading: Log.Calls lists the calls, with the outcome stored at Close
// (nil for calls of older formats or whose writer never closed: read the
// events then); a closed call costs it a few records and no event; Log.Call opens one as a CallReader, a snapshot held by a
// read transaction until Close; its Cursor moves forwards and backwards,
// Seeks by Seq, and with a Filter skips events by their header without
// decoding their payloads; Snapshot finds the latest state snapshot at or
// before a Seq.
//
// An input event holds one of the closed set of logged inputs (Input):
// StepInput, an econn input stepped as it is; RecvInput, a received
// message kept as its raw bytes so that replay runs the real decoder; and
// NewConn, the creation of an ECONN. Outputs are econn's. Events are
// stored in a compact binary encoding (EncodeEvent, DecodeEvent) that
// decodes about ten times faster than JSON; errors are kept by their
// stable names (econn.ErrorName).
//
// Versions: each call records the FormatVersion it was written in. Every
// older version stays readable (v1.go reads format 1's ignore sentences
// back into reason codes; calls of formats 1 and 2 keep a bucket each,
// with JSON meta); testdata/compat holds logs of each version, and a
// newer version than the build knows is ErrNewerVersion. New calls are
// always written in the current format, and ResumeCall appends only to
// calls of the current format.
//
// Integrity: Check (or CheckFile and CheckCall) finds damage no read
// would notice — an event deleted or a stray key among a call's events, a
// snapshot of an event the call does not hold, a calls index that lists a
// call twice, a page bbolt's own check rejects — as a *DamageError naming
// the call and the first bad Seq.
//
// Concurrency: a Log's methods are safe for concurrent use, and reads run
// side by side, each in a read transaction of its own: verify replays the
// calls of one log on every core, and Calls reads a large read-only log in
// parts. CheckFile of a read-only log runs beside the readers too, once
// it has had bbolt load the file's free list (see beginCheck).
//
// Durability: a crash loses at most the batches not yet committed and
// never damages earlier ones; the file opens again and ResumeCall goes on
// after the last stored event.
//
// Caveats: one process at a time may have a log open for writing, and
// read-only opens share the file with each other but not with a writer
// (bbolt's file lock): Open fails with ErrLocked after Options.Timeout
// rather than wait. A damaged or foreign file gives ErrNotLog or
// ErrCorrupt, never a panic. Reading a whole large log or seeking around
// it is faster with Options.Preload.
package eventlog
