package verify

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/replay"
)

// FieldDiff is one field in which a recorded and a replayed output differ,
// with both values as JSON ("(none)" when the output lacks the field).
type FieldDiff struct {
	Field              string // flattened Go field names: "Msg.SessID"
	Recorded, Replayed string
}

// FieldDiffs lists the fields, flattened ("Msg.SessID") and sorted, in
// which two outputs differ; for outputs of different types, the type.
func FieldDiffs(rec, rep econn.Output) []FieldDiff {
	if rec == nil || rep == nil || rec.OutputName() != rep.OutputName() {
		return []FieldDiff{{"type", replay.OutputName(rec), replay.OutputName(rep)}}
	}
	a, b := map[string]string{}, map[string]string{}
	flatten(a, "", describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Output: rec}).Data)
	flatten(b, "", describe.RecordOf(eventlog.Event{Kind: eventlog.KindOutput, Output: rep}).Data)
	keys := maps.Collect(maps.All(a))
	maps.Copy(keys, b)
	var diffs []FieldDiff
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if a[k] != b[k] {
			diffs = append(diffs, FieldDiff{k, orNone(a[k]), orNone(b[k])})
		}
	}
	return diffs
}

// flatten stores v's leaves in m under dotted keys, as JSON.
func flatten(m map[string]string, prefix string, v any) {
	if obj, ok := v.(map[string]any); ok {
		for k, x := range obj {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(m, key, x)
		}
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprint(v))
	}
	m[prefix] = string(b)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
