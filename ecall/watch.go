package ecall

import "github.com/callrec/callrec/eventlog"

// Watch is told of each call a recorder creates, once it exists (and
// after any eventlog.CallWriter.SetOnCommit of the recorder's own): it
// may follow the call's commits (CallWriter.AddOnCommit), as the fleet's
// publisher does. The recorder calls stop after the writer closed and
// before the log closes; stop reports its own failures, since a
// recording goes on whatever happens to its watchers.
type Watch func(l *eventlog.Log, w *eventlog.CallWriter) (stop func())
