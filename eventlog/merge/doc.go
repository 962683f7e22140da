// Package merge joins the recordings that the devices of one call made,
// each in its own log, into one multi-device call in a new log
// (`callreplay merge`). Recordings are matched by their conversation and
// session ids — a device's received messages name the session ids of the
// peers that sent them — never by file names or times; the devices' events
// are put on one timeline by each recording's wall-clock start, and every
// device's ECONNs still replay on their own in the merged call.
//
// The steps, as Files runs them:
//
//  1. Open every input read-only and check its integrity (copying
//     renumbers events, which would hide a gap).
//  2. Scan each call's NewConn and Recv inputs for the session ids it owns
//     and the ones it heard from; link recordings of different logs with
//     the same conversation whose sessions meet (union-find).
//  3. Within each group, a device recorded twice must be recorded
//     identically (a digest of its events at their wall-clock times): an
//     identical copy is kept once and reported, a different one refuses
//     the whole merge (ErrConflict) naming both files and calls.
//  4. Write each group as one call, the events of its recordings merged in
//     wall-clock order by one cursor per recording, so that memory does
//     not grow with the calls' length; a call with no partner is copied as
//     it is.
package merge
