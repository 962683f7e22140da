package replay

import (
	"fmt"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// EqualOutput reports whether two outputs mean the same: messages compare
// field by field, errors by stable name, and nil props equal empty props.
// That is what survives a round trip through the log's encoding.
func EqualOutput(a, b econn.Output) bool {
	switch a := a.(type) {
	case econn.Send:
		b, ok := b.(econn.Send)
		return ok && a.Via == b.Via && equalMessage(a.Msg, b.Msg)
	case econn.Closed:
		b, ok := b.(econn.Closed)
		return ok && a.MsgTime == b.MsgTime && econn.SameError(a.Reason, b.Reason)
	case econn.Incoming:
		b, ok := b.(econn.Incoming)
		return ok && a.MsgTime == b.MsgTime && a.FromUser == b.FromUser && a.FromClient == b.FromClient &&
			a.Age == b.Age && a.SDP == b.SDP && a.Reset == b.Reset && equalProps(a.Props, b.Props)
	case econn.Answered:
		b, ok := b.(econn.Answered)
		return ok && a.Reset == b.Reset && a.SDP == b.SDP && equalProps(a.Props, b.Props)
	case econn.UpdateRequested:
		b, ok := b.(econn.UpdateRequested)
		return ok && a.FromUser == b.FromUser && a.FromClient == b.FromClient &&
			a.SDP == b.SDP && a.ShouldReset == b.ShouldReset && equalProps(a.Props, b.Props)
	case econn.UpdateAnswered:
		b, ok := b.(econn.UpdateAnswered)
		return ok && a.SDP == b.SDP && equalProps(a.Props, b.Props)
	case econn.ConfPartReceived:
		b, ok := b.(econn.ConfPartReceived)
		return ok && equalMessage(a.Msg, b.Msg)
	case econn.StateChanged, econn.SetTimer, econn.CancelTimer, econn.AlertReceived,
		econn.PingReceived, econn.Ignored:
		return a == b // plain values
	case nil:
		return b == nil
	}
	return false
}

func equalProps(a, b econn.Props) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func equalMessage(a, b *econn.Message) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

// compareOutputs returns the first difference between the recorded output
// events and the replayed outputs, or nil when they agree.
func compareOutputs(recorded []eventlog.Event, replayed []econn.Output) *Divergence {
	n := min(len(recorded), len(replayed))
	for i := 0; i < n; i++ {
		if rec, rep := recorded[i].Output, replayed[i]; !EqualOutput(rec, rep) {
			if outputName(rec) == outputName(rep) {
				return &Divergence{Index: i, Reason: fmt.Sprintf("output %d: the recorded and the replayed %s differ", i+1, outputName(rep))}
			}
			return &Divergence{Index: i, Reason: fmt.Sprintf("output %d: recorded %s, replayed %s",
				i+1, outputName(rec), outputName(rep))}
		}
	}
	switch {
	case len(recorded) > n:
		return &Divergence{Index: n, Reason: fmt.Sprintf("recorded %d outputs, replayed %d: %s is missing",
			len(recorded), len(replayed), outputName(recorded[n].Output))}
	case len(replayed) > n:
		return &Divergence{Index: n, Reason: fmt.Sprintf("recorded %d outputs, replayed %d: %s is new",
			len(recorded), len(replayed), outputName(replayed[n]))}
	}
	return nil
}

func outputName(o econn.Output) string {
	if o == nil {
		return "nothing"
	}
	return o.OutputName()
}
