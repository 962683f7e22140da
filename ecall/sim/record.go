package sim

import (
	"time"

	"github.com/callrec/callrec/eventlog"
)

// recorder writes a run into a call of the log, and lists each ECONN in
// the call's metadata as it is created.
type recorder struct {
	w *eventlog.CallWriter
}

func newRecorder(opts Options, sc *Scenario) (*recorder, error) {
	meta := eventlog.CallMeta{
		ID:          opts.CallID,
		ToolVersion: opts.ToolVersion,
		Source:      "sim",
		Start:       time.Unix(BaseUnix, 0).UTC(),
		Endpoints:   sc.Clients,
		Seed:        opts.Seed,
		HasSeed:     true,
		Scenario:    sc.Name,
	}
	w, err := opts.Log.CreateCall(meta)
	if err != nil {
		return nil, err
	}
	return &recorder{w: w}, nil
}

// Append records ev; a new ECONN also goes into the metadata.
func (r *recorder) Append(ev eventlog.Event) (uint64, error) {
	if nc, ok := ev.Input.(eventlog.NewConn); ok {
		err := r.w.UpdateMeta(func(m *eventlog.CallMeta) {
			m.Conns = append(m.Conns, eventlog.ConnMeta{Endpoint: ev.Endpoint, Remote: nc.Remote, Config: nc.Config})
		})
		if err != nil {
			return 0, err
		}
	}
	return r.w.Append(ev)
}
