package verify

import "github.com/callrec/callrec/eventlog"

// Recorded checks that call id of the log at path replays to its recorded
// outputs, as callrec does once it has recorded a call: it returns the
// number of steps, or why the call does not replay (replay.ErrDiverged,
// replay.ErrNoSteps, a damaged log: an *eventlog.DamageError).
func Recorded(path, id string) (steps uint64, err error) {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	c := checkAndVerify(l, id)
	if c.err != nil {
		return c.rep.Steps, c.err // the steps replayed before a bad event
	}
	return c.rep.Steps, c.rep.Check()
}
