package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog/describe"
)

// stepAnswer is /api/step: one event in full and every connection as the
// replay engine rebuilds it at that event.
type stepAnswer struct {
	Seq    uint64      `json:"seq"`
	Row    eventRow    `json:"row"`
	Fields any         `json:"fields"` // the event as `show --json` prints it (describe.Record), escaped
	States []connState `json:"states"`
}

// connState is one connection at the step: its data before and after.
type connState struct {
	Endpoint    string            `json:"endpoint"`
	Conn        string            `json:"conn"`
	Remote      string            `json:"remote,omitempty"`
	Before      map[string]string `json:"before,omitempty"` // absent when the step created the connection
	After       map[string]string `json:"after"`
	Changed     bool              `json:"changed"`
	Created     bool              `json:"created"`
	Deadline    string            `json:"deadline,omitempty"` // when the armed timer fires, call time
	LocalProps  map[string]string `json:"local_props"`
	RemoteProps map[string]string `json:"remote_props"`
}

func (s *Server) handleStep(w http.ResponseWriter, r *http.Request, c *callView) {
	seq, err := intArg(r, "seq", 1)
	if err == nil && (seq == 0 || seq > c.n) {
		err = fmt.Errorf("seq=%d: the call has events 1 to %d", seq, c.n)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ans, err := c.step(seq)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, ans)
}

// MaxSteps is the most steps one /api/steps answer holds.
const MaxSteps = 16

// stepsAnswer is /api/steps: consecutive steps, each as /api/step answers
// it. The page asks for the steps ahead of its cursor this way, in one
// request rather than one each.
type stepsAnswer struct {
	Steps []*stepAnswer `json:"steps"`
}

func (s *Server) handleSteps(w http.ResponseWriter, r *http.Request, c *callView) {
	from, err := intArg(r, "from", 1)
	if err == nil && (from == 0 || from > c.n) {
		err = fmt.Errorf("from=%d: the call has events 1 to %d", from, c.n)
	}
	var n uint64
	if err == nil {
		n, err = intArg(r, "n", 1)
	}
	if err == nil && n == 0 {
		err = fmt.Errorf("n=0: ask for at least one step")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	n = min(n, MaxSteps, c.n-from+1)
	ans := stepsAnswer{Steps: make([]*stepAnswer, 0, n)}
	// Each step takes the index on its own, so that a step asked for
	// meanwhile (/api/step) waits for one replay, not for all of them.
	for seq := from; seq < from+n; seq++ {
		st, err := c.step(seq)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		ans.Steps = append(ans.Steps, st)
	}
	writeJSON(w, ans)
}

func (c *callView) step(seq uint64) (*stepAnswer, error) {
	st, err := c.ix.At(seq)
	if err != nil {
		return nil, err
	}
	ev := st.Event
	ans := &stepAnswer{Seq: seq, Row: c.row(ev), States: []connState{}}
	if ans.Fields, err = escapedRecord(describe.RecordOf(ev)); err != nil {
		return nil, err
	}
	for _, cs := range st.Conns {
		out := connState{Endpoint: esc(cs.ID.Endpoint.String()), Conn: esc(cs.ID.Sess), After: snapshotFields(cs.After),
			Changed: cs.Changed() || cs.PropsChanged(), Created: cs.Created,
			LocalProps: escProps(cs.LocalProps), RemoteProps: escProps(cs.RemoteProps)}
		if cs.Remote.User != "" {
			out.Remote = esc(cs.Remote.String())
		}
		if !cs.Created {
			out.Before = snapshotFields(cs.Before)
		}
		if cs.After.Timer.Armed {
			out.Deadline = fmtAt(cs.Deadline + c.clocks.Of(cs.ID.Endpoint))
		}
		ans.States = append(ans.States, out)
	}
	return ans, nil
}

// snapshotFields is a connection's data as named fields of text, so the
// page can show which changed.
func snapshotFields(s econn.Snapshot) map[string]string {
	timer := "off"
	if s.Timer.Armed {
		timer = fmt.Sprintf("%s after %s (#%d)", s.Timer.Action, s.Timer.After, s.Timer.Gen)
	}
	m := map[string]string{
		"state": s.State.String(), "dir": s.Dir.String(), "local": s.UserID + "/" + s.ClientID + "/" + s.SessIDLocal,
		"remote": s.UserRemote + "/" + s.ClientRemote + "/" + s.SessIDRemote, "conflict": s.Conflict.String(),
		"timer": timer, "closed": fmt.Sprint(s.Closed), "setup_error": errName(s.SetupErr), "error": errName(s.Err),
	}
	for k, v := range m {
		m[k] = esc(v)
	}
	return m
}

func errName(err error) string { return econn.ErrorName(err) }

func escProps(p econn.Props) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[esc(k)] = esc(v)
	}
	return out
}

// escapedRecord is r as generic JSON with every string, keys too,
// escaped for people (safetext), but for line ends.
func escapedRecord(r describe.Record) (any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return escAll(v), nil
}

func escAll(v any) any {
	switch x := v.(type) {
	case string:
		// Line ends stay real (an SDP is shown line by line, as text);
		// every other control character is escaped.
		lines := strings.Split(x, "\n")
		for i, l := range lines {
			lines[i] = esc(strings.TrimSuffix(l, "\r"))
		}
		return strings.Join(lines, "\n")
	case []any:
		for i := range x {
			x[i] = escAll(x[i])
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[esc(k)] = escAll(e)
		}
		return out
	}
	return v
}
