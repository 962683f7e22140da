package web

import (
	"net/http"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/verify"
)

// verifyAnswer is /api/verify: the call replayed through the current
// code and compared with its record (replay.Verify, as `callreplay
// verify` does).
type verifyAnswer struct {
	OK          bool        `json:"ok"`
	Error       string      `json:"error,omitempty"` // the call could not be replayed to its end
	Events      uint64      `json:"events"`
	Steps       uint64      `json:"steps"`
	Divergences uint64      `json:"divergences"`
	First       *divergence `json:"first,omitempty"`
}

// divergence is the first diverging step: its outputs side by side.
type divergence struct {
	Step     uint64      `json:"step"` // its place in replay order, from 1
	Seq      uint64      `json:"seq"`  // of its input event
	Endpoint string      `json:"endpoint"`
	Conn     string      `json:"conn"`
	Input    string      `json:"input"`
	Reason   string      `json:"reason"`
	Before   string      `json:"before"` // "" when the step created the connection
	Rows     []outputRow `json:"rows"`
	Fields   []fieldDiff `json:"fields"` // of the first differing output
}

// outputRow is one line of the side-by-side table.
type outputRow struct {
	Recorded string `json:"recorded"`
	Replayed string `json:"replayed"`
	Differs  bool   `json:"differs"`
}

type fieldDiff struct {
	Field    string `json:"field"`
	Recorded string `json:"recorded"`
	Replayed string `json:"replayed"`
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, c *callView) {
	writeJSON(w, c.verify())
}

// verify replays the call once, on a reader of its own (the index's is
// busy answering steps), and keeps the answer: the log does not change.
func (c *callView) verify() *verifyAnswer {
	c.verifyOnce.Do(func() {
		ans := &verifyAnswer{}
		c.verified = ans
		r, err := c.l.Call(c.meta.ID)
		if err != nil {
			ans.Error = esc(err.Error())
			return
		}
		defer r.Close()
		rep, err := replay.Verify(replay.Reader(r))
		ans.Events, ans.Steps, ans.Divergences = rep.Events, rep.Steps, rep.Divergences
		if err == nil {
			err = rep.Check() // no steps proves nothing
		}
		if err != nil && rep.First == nil {
			ans.Error = esc(err.Error())
		}
		ans.OK = err == nil
		if rep.First != nil {
			ans.First = divergenceOf(rep.First)
		}
	})
	return c.verified
}

func divergenceOf(d *replay.Divergent) *divergence {
	ev := d.Input
	out := &divergence{Step: d.Number, Seq: ev.Seq, Endpoint: esc(ev.Endpoint.String()), Conn: esc(d.Conn.Sess),
		Input: esc(describe.Sentence(ev)), Reason: esc(d.Divergence.Reason), Rows: []outputRow{}, Fields: []fieldDiff{}}
	if !d.Created {
		out.Before = esc(d.Before.String())
	}
	for i := range max(len(d.Recorded), len(d.Replayed)) {
		var rec, rep econn.Output
		var row outputRow
		if i < len(d.Recorded) {
			rec = d.Recorded[i].Output
			row.Recorded = esc(describe.Sentence(d.Recorded[i]))
		}
		if i < len(d.Replayed) {
			rep = d.Replayed[i]
			row.Replayed = esc(rep.Describe())
		}
		row.Differs = i >= len(d.Recorded) || i >= len(d.Replayed) || !replay.EqualOutput(rec, rep)
		out.Rows = append(out.Rows, row)
	}
	if i := d.Divergence.Index; i >= 0 && i < len(d.Recorded) && i < len(d.Replayed) {
		for _, f := range verify.FieldDiffs(d.Recorded[i].Output, d.Replayed[i]) {
			out.Fields = append(out.Fields, fieldDiff{Field: esc(f.Field), Recorded: esc(f.Recorded), Replayed: esc(f.Replayed)})
		}
	}
	return out
}
