// Package eventlog stores recorded calls in one bbolt file: each call's
// metadata and the events of its ECONNs (every input, the outputs it
// produced, and notes) keyed by a gapless sequence number. A recorder
// appends through a CallWriter, which group-commits batches in the
// background; the replayer and the viewer read through a CallReader and
// its Cursor, forwards, backwards and by Seek.
//
// Events are stored in a compact binary encoding whose fixed header (kind,
// type, time, endpoint, connection) lets a Filter skip events without
// decoding their payloads. Received messages are kept as their raw bytes
// (RecvInput) so that replay runs the real decoder; errors are kept by
// their stable names (econn.ErrorName).
//
// Durability: an event is durable once a Flush that followed it returns,
// or once its batch committed (Options.BatchSize events or
// Options.BatchDelay after the batch's first event). A crash loses at most
// the batches not yet committed and never damages earlier ones.
//
// One process at a time may have a log open for writing; read-only opens
// share the file with each other but not with a writer (bbolt's file lock).
// Open fails with ErrLocked after Options.Timeout rather than wait.
package eventlog
