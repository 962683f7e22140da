package verify

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/replay"
)

// The JSON of a verify run (`callreplay verify --json`): one object, keys
// in snake_case as in every JSON output of callrec.

// RunJSON is a whole run: every log, then the totals.
type RunJSON struct {
	Logs    []LogJSON   `json:"logs"`
	Summary SummaryJSON `json:"summary"`
}

// LogJSON is one log's result.
type LogJSON struct {
	Path  string     `json:"path"`
	Error string     `json:"error,omitempty"`
	Calls []CallJSON `json:"calls"`
}

// CallJSON is one call's report.
type CallJSON struct {
	CallID          string          `json:"call_id"`
	FormatVersion   int             `json:"format_version"`
	Events          uint64          `json:"events"`
	Steps           uint64          `json:"steps"`
	OK              bool            `json:"ok"`
	Divergences     uint64          `json:"divergences"`
	FirstDivergence *DivergenceJSON `json:"first_divergence,omitempty"`
	Damage          *DamageJSON     `json:"damage,omitempty"` // the call could not be verified
}

// DamageJSON is why a call could not be verified: its damage, with the
// first bad event when one is concerned, or another error (damaged false).
type DamageJSON struct {
	Damaged bool    `json:"damaged"`
	Seq     *uint64 `json:"seq,omitempty"`
	Problem string  `json:"problem"`
}

// DivergenceJSON is a call's first diverging step.
type DivergenceJSON struct {
	Step     uint64 `json:"step"` // its place in replay order, from 1
	Seq      uint64 `json:"seq"`  // of its input event
	Endpoint string `json:"endpoint"`
	Conn     string `json:"conn"`
	Reason   string `json:"reason"`
	Error    string `json:"error,omitempty"` // what econn refused, by stable name
	Created  bool   `json:"created"`         // the step created the connection
	Before   string `json:"before"`          // the state before the step
	// OutputIndex is the index in Recorded and Replayed of the first
	// output that differs, -1 when the input itself replays differently.
	OutputIndex int               `json:"output_index"`
	Input       describe.Record   `json:"input"`
	Recorded    []describe.Record `json:"recorded"`
	Replayed    []describe.Record `json:"replayed"`
	Fields      []FieldDiffJSON   `json:"fields,omitempty"`
}

// FieldDiffJSON is a field that differs: its path in snake_case, as in
// the data of `callreplay show --json`, and both values (null: absent).
type FieldDiffJSON struct {
	Field    string          `json:"field"`
	Recorded json.RawMessage `json:"recorded"`
	Replayed json.RawMessage `json:"replayed"`
}

// SummaryJSON is the totals of a run.
type SummaryJSON struct {
	Logs            int    `json:"logs"`
	Calls           int    `json:"calls"`
	OK              int    `json:"ok"`
	Diverged        int    `json:"diverged"`
	Damaged         int    `json:"damaged"`    // calls
	Unreadable      int    `json:"unreadable"` // logs
	UnreadableCalls int    `json:"unreadable_calls"`
	Events          uint64 `json:"events"`
	Steps           uint64 `json:"steps"`
	ElapsedMS       int64  `json:"elapsed_ms"`
}

// JSONOf converts a log's result.
func JSONOf(r LogResult) LogJSON {
	l := LogJSON{Path: r.Path, Calls: []CallJSON{}}
	if r.Err != nil {
		l.Error = r.Err.Error()
	}
	for _, c := range r.Unverified {
		l.Calls = append(l.Calls, unverifiedJSON(c))
	}
	for i := range r.Calls {
		l.Calls = append(l.Calls, callJSON(&r.Calls[i]))
	}
	return l
}

// SummaryJSONOf converts the totals of a run.
func SummaryJSONOf(s Summary, elapsed time.Duration) SummaryJSON {
	return SummaryJSON{Logs: s.Logs, Calls: s.Calls, OK: s.OK(), Diverged: s.Diverged, Damaged: s.Damaged,
		Unreadable: s.Unreadable, UnreadableCalls: s.UnreadableCalls, Events: s.Events, Steps: s.Steps,
		ElapsedMS: elapsed.Milliseconds()}
}

func unverifiedJSON(c CallError) CallJSON {
	j := CallJSON{CallID: c.CallID, Damage: &DamageJSON{Problem: c.Err.Error()}}
	if d := c.Damage(); d != nil {
		j.Damage = &DamageJSON{Damaged: true, Problem: d.Problem}
		if d.HasSeq {
			seq := d.Seq
			j.Damage.Seq = &seq
		}
	}
	return j
}

func callJSON(c *replay.Report) CallJSON {
	j := CallJSON{CallID: c.CallID, FormatVersion: c.FormatVersion, Events: c.Events, Steps: c.Steps,
		OK: c.OK(), Divergences: c.Divergences}
	if st := c.First; st != nil {
		d := &DivergenceJSON{Step: st.Number, Seq: st.Input.Seq, Endpoint: st.Conn.Endpoint.String(), Conn: st.Conn.Sess,
			Reason: st.Divergence.Reason, Created: st.Created, Before: st.Before.State.String(),
			OutputIndex: st.Divergence.Index, Input: describe.RecordOf(st.Input),
			Recorded: []describe.Record{}, Replayed: []describe.Record{}}
		if st.Err != nil {
			d.Error = econn.ErrorName(st.Err)
		}
		for _, ev := range st.Recorded {
			d.Recorded = append(d.Recorded, describe.RecordOf(ev))
		}
		for _, o := range st.Replayed {
			ev := eventlog.Event{Seq: st.Input.Seq, At: st.Input.At, Endpoint: st.Input.Endpoint, Conn: st.Input.Conn,
				Kind: eventlog.KindOutput, Type: o.OutputName(), Output: o}
			d.Replayed = append(d.Replayed, describe.RecordOf(ev))
		}
		if i := st.Divergence.Index; i >= 0 && i < len(st.Recorded) && i < len(st.Replayed) {
			for _, f := range FieldDiffs(st.Recorded[i].Output, st.Replayed[i]) {
				d.Fields = append(d.Fields, FieldDiffJSON{Field: snakePath(f.Field),
					Recorded: rawOrNull(f.Recorded), Replayed: rawOrNull(f.Replayed)})
			}
		}
		j.FirstDivergence = d
	}
	return j
}

// snakePath renders "Msg.SessID" as "msg.sess_id".
func snakePath(p string) string {
	parts := strings.Split(p, ".")
	for i, s := range parts {
		parts[i] = describe.SnakeCase(s)
	}
	return strings.Join(parts, ".")
}

// rawOrNull turns a FieldDiff value into JSON: null when absent, a
// string for a type name.
func rawOrNull(s string) json.RawMessage {
	switch {
	case s == "(none)":
		return json.RawMessage("null")
	case !json.Valid([]byte(s)):
		b, _ := json.Marshal(s)
		return b
	}
	return json.RawMessage(s)
}
