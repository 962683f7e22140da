package replay

import (
	"fmt"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// EqualOutput reports whether two outputs mean the same; each kind
// decides (econn.Output.Equal): messages field by field, errors by stable
// name, nil props equal to empty props, Ignored by reason code and
// arguments. That is what survives a round trip through the log.
func EqualOutput(a, b econn.Output) bool { return econn.EqualOutputs(a, b) }

// compareOutputs returns the first difference between the recorded output
// events and the replayed outputs, or nil when they agree.
func compareOutputs(recorded []eventlog.Event, replayed []econn.Output) *Divergence {
	n := min(len(recorded), len(replayed))
	for i := 0; i < n; i++ {
		if rec, rep := recorded[i].Output, replayed[i]; !EqualOutput(rec, rep) {
			if OutputName(rec) == OutputName(rep) {
				return &Divergence{Index: i, Reason: fmt.Sprintf("output %d: the recorded and the replayed %s differ", i+1, OutputName(rep))}
			}
			return &Divergence{Index: i, Reason: fmt.Sprintf("output %d: recorded %s, replayed %s",
				i+1, OutputName(rec), OutputName(rep))}
		}
	}
	switch {
	case len(recorded) > n:
		return &Divergence{Index: n, Reason: fmt.Sprintf("recorded %d outputs, replayed %d: %s is missing",
			len(recorded), len(replayed), OutputName(recorded[n].Output))}
	case len(replayed) > n:
		return &Divergence{Index: n, Reason: fmt.Sprintf("recorded %d outputs, replayed %d: %s is new",
			len(recorded), len(replayed), OutputName(replayed[n]))}
	}
	return nil
}

// OutputName names an output's kind as divergences and field diffs say
// it: the kind's name, "nothing" for a missing output.
func OutputName(o econn.Output) string {
	if o == nil {
		return "nothing"
	}
	return o.OutputName()
}
