package sim

import (
	"time"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
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
	if skewed(sc) {
		meta.Labels = map[string]string{clocks.Label: "per device"}
	}
	w, err := opts.Log.CreateCall(meta)
	if err != nil {
		return nil, nil, err
	}
	return w, &ecall.LogRecorder{W: w, SnapshotEvery: opts.SnapshotEvery}, nil
}

// skewed reports whether a scenario sets a device's clock off the world's:
// its devices then record on different clocks, which the call's label
// says, so that readers align them (package clocks).
func skewed(sc *Scenario) bool {
	for _, c := range sc.Cmds {
		if c.Verb != "config" {
			continue
		}
		for _, kv := range c.KV {
			if kv.Key == "clock-offset" {
				return true
			}
		}
	}
	return false
}
