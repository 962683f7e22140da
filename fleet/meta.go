package fleet

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// RecordingMeta is what bucket CALLREC_CALLS holds for one recording,
// under its id: written when the recording starts, updated when it
// closes (and after an upload).
type RecordingMeta struct {
	Rec      string            `json:"rec"`
	Conv     string            `json:"conv"`
	Devices  []string          `json:"devices"` // "USER/CLIENT" of each endpoint
	Call     string            `json:"call"`    // the call's id in its local log
	Meta     eventlog.CallMeta `json:"meta"`
	Format   int               `json:"format"` // the format version the call was recorded in
	Build    string            `json:"build"`  // the recording program's version
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`    // zero while recording
	Events   uint64            `json:"events"` // committed so far (all, once closed)
	Outcome  string            `json:"outcome"`
	Reasons  []string          `json:"reasons,omitempty"` // each closed connection's close reason, stable names
	Closed   bool              `json:"closed"`
	Redacted bool              `json:"redacted"`
}

// newRecordingMeta describes the recording of meta as it starts.
func newRecordingMeta(meta eventlog.CallMeta, redacted bool) RecordingMeta {
	devs := make([]string, len(meta.Endpoints))
	for i, ep := range meta.Endpoints {
		devs[i] = ep.String()
	}
	return RecordingMeta{Rec: RecordingID(&meta), Conv: ConvOf(&meta), Devices: devs, Call: meta.ID,
		Meta: meta, Format: meta.FormatVersion, Build: meta.ToolVersion, Start: meta.Start, Redacted: redacted}
}

// close marks the recording whole: events in all, ended at end, with the
// outcome o saw.
func (m *RecordingMeta) close(events uint64, end time.Time, o *describe.Outcome) {
	m.Events, m.End, m.Closed = events, end, true
	m.Outcome = o.String()
	m.Reasons = m.Reasons[:0]
	for _, c := range o.Conns() {
		if c.Closed {
			m.Reasons = append(m.Reasons, econn.ReasonName(econn.ErrorFromName(c.Reason)))
		}
	}
}

// decodeRecordingMeta reads a bucket value; the bucket is untrusted.
func decodeRecordingMeta(key string, data []byte) (RecordingMeta, error) {
	var m RecordingMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%w: %s: metadata: %v", ErrDamaged, key, err)
	}
	if m.Rec != key {
		return m, fmt.Errorf("%w: %s: metadata names recording %q", ErrDamaged, key, m.Rec)
	}
	return m, nil
}

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }
