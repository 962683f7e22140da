// Package verify checks recorded logs against the current code, as
// `callreplay verify` does: each log's integrity is checked first (a
// damaged call is reported at its first bad event, not replayed), then
// every call of every log is replayed with
// replay.Verify, the calls of a log on every core and several logs in
// parallel, and the reports come back in the order of the logs and of
// their calls. It renders them for people (a line per call, the
// first diverging step of a call in full: its input, the state before,
// the outputs side by side and the fields that differ) and as JSON.
//
//	sum, err := verify.Run(os.Stdout, paths, verify.RunOptions{Jobs: 4, Open: open, Width: 100})
//
// Run is the whole of `callreplay verify`; Logs, WriteText and JSONOf are
// its parts. Recorded checks one call just recorded, as callrec does.
package verify
