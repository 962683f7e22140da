// Package fleet collects recordings from many devices in NATS JetStream:
// the recorder publishes each event after its local commit, upload ships
// existing logs, and readers list, fetch and verify what arrived. The
// local log stays the write-ahead record; the fleet is a copy that can lag
// and catch up, never the other way round.
//
// Layout (shared with the read side and with any external cluster):
//
//   - A recording is one call of one local log. Its id (RecordingID) is a
//     hash of the call's start, local id, endpoints and first session id,
//     so uploading a log again finds the same recordings.
//   - Stream CALLREC_EVENTS holds the events, one message each, on subject
//     callrec.ev.<conv>.<rec>.<device> (tokens from Token), with the event
//     in eventlog's codec as payload and headers Nats-Msg-Id "<rec>:<seq>",
//     Callrec-Seq and Callrec-Format.
//   - Bucket CALLREC_CALLS maps <rec> to its RecordingMeta (JSON), written
//     when the recording starts and updated when it closes.
//
// Writing:
//
//  1. Connect to the fleet's URL (or Serve an embedded server first), and
//     Ensure the stream and bucket exist.
//  2. Publish a live recording with Client.Watch on its CallWriter, or
//     ship an existing log with Client.Upload.
//  3. Close the Client: it waits (bounded) for what is still in flight.
//
// Idempotence: every message carries its Nats-Msg-Id, so a re-publication
// inside the stream's duplicate window is dropped by the server; beyond
// it, a publisher first asks the stream for the last event of the
// recording's subject and sends only the ones after it.
package fleet
