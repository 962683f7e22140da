package ecall

import "github.com/callrec/callrec/eventlog"

// LogRecorder records a client's events into one call of an event log and
// lists every ECONN in the call's metadata as it is created (the NewConn
// input), so that a log's reader knows each connection's endpoints and
// Config without scanning its events. Several clients of one conversation
// may share a LogRecorder: the CallWriter is safe for concurrent use.
type LogRecorder struct {
	W *eventlog.CallWriter
}

// Append records ev; a NewConn input also goes into the metadata, before
// the event itself, so that a call's Conns lists every connection its
// events name.
func (r LogRecorder) Append(ev eventlog.Event) (uint64, error) {
	if nc, ok := ev.Input.(eventlog.NewConn); ok {
		err := r.W.UpdateMeta(func(m *eventlog.CallMeta) {
			m.Conns = append(m.Conns, eventlog.ConnMeta{Endpoint: ev.Endpoint, Remote: nc.Remote, Config: nc.Config})
		})
		if err != nil {
			return 0, err
		}
	}
	return r.W.Append(ev)
}
