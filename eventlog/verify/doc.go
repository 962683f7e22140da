// Package verify checks recorded logs against the current code, as
// `callreplay verify` does: every call of every log is replayed with
// replay.Verify, several logs in parallel, and the reports come back in
// the order of the logs. It renders them for people (a line per call, the
// first diverging step of a call in full: its input, the state before,
// the outputs side by side and the fields that differ) and as JSON.
//
//	err := verify.Logs(paths, jobs, open, func(r verify.LogResult) error {
//		verify.WriteText(os.Stdout, r, false, 100)
//		return nil
//	})
package verify
