// Package tail follows a call while it is recorded. bbolt lets one process
// at a time have a log open for writing, and readers wait for it: so the
// recorder serves the events it commits on a local socket next to the log
// (SocketPath), and a viewer that finds the log locked attaches there
// instead of opening the file.
//
// Recording side:
//
//  1. Serve(log) once the log is open: it listens on the socket (mode
//     0600, replacing a socket left by a recorder that crashed) and
//     answers followers from the log and from the calls it watches.
//  2. Watch(w) each CallWriter: every batch the writer commits is passed
//     on to that call's followers at once (eventlog's on-commit hook).
//  3. Close the writers, then the Server, then the log.
//
// Following side: Follow connects, asks for a call, and gets its history —
// the metadata first, then every event committed so far — then each batch
// as it commits, until the recorder closes the call (Follower.Done,
// Follower.Err nil) or goes away (ErrGone). A Follower is a replay.Source
// over what arrived so far, so the replay engine and the viewer read it
// like a call in a file.
//
// The protocol (version 1) is a sequence of frames on a Unix stream
// socket: a 4-byte big-endian length (of what follows, at most
// MaxFrame), a type byte, the body. The follower sends one Hello (magic,
// its version, the call id it wants, "" for the latest); the recorder
// answers Hello (magic, its version), then Meta (the call's metadata as
// the log stores it, JSON), Events frames (the commit time, the first
// Seq, the events in the log's codec, eventlog.EncodeEvent), more Meta
// frames when the metadata changes, and Done with the reason it stops; or
// an Error frame saying why it will not. A side that does not speak the
// other's version says so in an Error frame and hangs up.
//
// Everything a follower receives is untrusted: frames are size-bounded,
// Seqs must run on without a gap, every event must decode, the metadata
// must name the call asked for, and the total held is bounded
// (Options.MaxBytes). Bad input is an error naming what was wrong
// (ErrProtocol and the others in errors.go), never a panic. Only the local
// user may connect: the socket is mode 0600, the recorder checks each
// follower's user id where the system tells it (Linux), and the follower
// checks that the socket and the recorder belong to its own user.
package tail
