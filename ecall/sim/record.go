package sim

import (
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/eventlog"
)

// newRecorder creates the call a run records into.
func newRecorder(opts Options, sc *Scenario) (*eventlog.CallWriter, ecall.Recorder, error) {
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
		return nil, nil, err
	}
	return w, &ecall.LogRecorder{W: w, SnapshotEvery: opts.SnapshotEvery}, nil
}
