package describe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/parts"
	"github.com/callrec/callrec/internal/safetext"
)

// CallSummary is one call of a log as `callreplay ls` lists it: its
// metadata and how every connection ended.
type CallSummary struct {
	ID            string        `json:"id"`
	FormatVersion int           `json:"format_version"` // the log format the call is stored in
	Start         time.Time     `json:"start"`
	Duration      string        `json:"duration"`
	Endpoints     []string      `json:"endpoints"`
	Events        uint64        `json:"events"`
	Source        string        `json:"source,omitempty"`
	Scenario      string        `json:"scenario,omitempty"`
	Seed          *int64        `json:"seed,omitempty"`
	Outcome       []ConnSummary `json:"outcome"`
	// Damage is what the integrity check (or reading the outcome) found
	// wrong with the call; Events then counts the events it holds.
	Damage *DamageSummary `json:"damage,omitempty"`
	text   string         // the outcome on one line
}

// DamageSummary is a damaged call's first bad event (when one is
// concerned) and what is wrong.
type DamageSummary struct {
	Seq     *uint64 `json:"seq,omitempty"`
	Problem string  `json:"problem"`
}

// ConnSummary is one connection's outcome, with its endpoint and state
// spelled out.
type ConnSummary struct {
	Endpoint string `json:"endpoint"`
	ConnOutcome
	State string `json:"state"`
}

// ListCalls summarizes every call of l, in the log's order. A call whose
// outcome was stored when it closed costs a few records, whatever its
// length, and no event: damage to its events is verify's to find. The
// other calls are read event by event, and every key checked: a damaged
// one is listed with its damage, as far as it can be read.
func ListCalls(l *eventlog.Log) ([]CallSummary, error) {
	infos, err := l.Calls()
	if err != nil {
		return nil, err
	}
	calls := make([]CallSummary, len(infos))
	// A log of thousands of calls is summarized in parts side by side,
	// as eventlog.Log.Calls reads them.
	_, err = parts.Run(len(infos), parts.Count(len(infos), 1024, 4), func(lo, hi int) (int, error) {
		for i := lo; i < hi; i++ {
			c, err := listCall(l, infos[i])
			if err != nil {
				return i - lo, err
			}
			calls[i] = c
		}
		return hi - lo, nil
	})
	if err != nil {
		return nil, err
	}
	return calls, nil
}

// listCall is a call's line of the listing: its summary and, for a call
// whose outcome was not stored, what the integrity check finds.
func listCall(l *eventlog.Log, info eventlog.CallInfo) (CallSummary, error) {
	c, err := Summarize(l, info)
	var d *eventlog.DamageError
	if err != nil && !errors.As(err, &d) {
		return c, err
	}
	if info.Damage != nil {
		d = info.Damage
	}
	if info.Outcome == nil {
		// The check names the first bad event and counts the good
		// ones; a damaged payload only reading finds.
		switch cerr := l.CheckCall(info.Meta.ID); {
		case errors.As(cerr, &d):
			c.Events = d.Stored
		case cerr != nil:
			return c, cerr
		}
	}
	if d != nil {
		c.damaged(d)
	}
	return c, nil
}

func (c *CallSummary) damaged(d *eventlog.DamageError) {
	c.Damage = &DamageSummary{Problem: d.Problem}
	where := ""
	if d.HasSeq {
		seq := d.Seq
		c.Damage.Seq = &seq
		where = fmt.Sprintf("event %d: ", seq)
	}
	c.text = strings.TrimSuffix("DAMAGED "+where+d.Problem+"; "+c.text, "; ")
}

// Summarize reads one call's outputs to tell how it ended. On an error
// reading them the summary holds the call's metadata.
func Summarize(l *eventlog.Log, info eventlog.CallInfo) (CallSummary, error) {
	m := info.Meta
	c := CallSummary{ID: m.ID, FormatVersion: m.FormatVersion, Start: m.Start.UTC(), Duration: info.Duration.Round(time.Millisecond).String(), Events: info.Events,
		Source: m.Source, Scenario: m.Scenario, Endpoints: make([]string, 0, len(m.Endpoints)), Outcome: []ConnSummary{}}
	if m.HasSeed {
		seed := m.Seed
		c.Seed = &seed
	}
	for _, ep := range m.Endpoints {
		c.Endpoints = append(c.Endpoints, ep.String())
	}
	if info.Outcome != nil {
		// As stored when the writer closed: no event to read.
		c.Outcome = make([]ConnSummary, len(info.Outcome))
		for i, co := range info.Outcome {
			c.Outcome[i] = connSummary(storedConn(co))
		}
	} else {
		out, err := readOutcome(l, info.Meta.ID)
		if err != nil {
			return c, err
		}
		c.Outcome = make([]ConnSummary, len(out.conns))
		for i, co := range out.conns {
			c.Outcome[i] = connSummary(co)
		}
	}
	c.text = joinConns(len(c.Outcome), func(i int) *ConnOutcome { return &c.Outcome[i].ConnOutcome })
	return c, nil
}

func connSummary(co ConnOutcome) ConnSummary {
	return ConnSummary{Endpoint: co.Endpoint.String(), ConnOutcome: co, State: co.State.String()}
}

// storedConn is a connection's outcome as its call's writer stored it.
func storedConn(co eventlog.ConnOutcome) ConnOutcome {
	return ConnOutcome{Endpoint: co.Endpoint, Conn: co.Conn, State: co.State, Closed: co.Closed, Reason: co.Reason}
}

// readOutcome works out how a call's connections ended from its events.
func readOutcome(l *eventlog.Log, id string) (*Outcome, error) {
	r, err := l.Call(id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// Only these events say how a connection ended; the filter skips
	// decoding the others.
	out := NewOutcome()
	cur := r.Cursor(&eventlog.Filter{Types: []string{eventlog.TypeNew, "StateChanged", "Closed"}})
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		out.Add(ev)
	}
	return out, cur.Err()
}

// WriteCallTable writes the calls as a table, a line each, the outcome
// of every connection at the end of the line. The texts from the log are
// escaped for a terminal; a tab or newline in one cannot break the table.
// The columns are laid out as text/tabwriter would (cells padded with
// spaces to the widest, in characters, plus two), in one pass over
// cells kept as strings: a log of 10,000 calls lists in milliseconds.
func WriteCallTable(w io.Writer, calls []CallSummary) error {
	const cols = 6
	rows := make([][cols]string, 0, len(calls)+1)
	rows = append(rows, [cols]string{"ID", "START", "DURATION", "ENDPOINTS", "EVENTS", "OUTCOME"})
	for _, c := range calls {
		rows = append(rows, [cols]string{safetext.Escape(c.ID), c.Start.Format(time.RFC3339), c.Duration,
			safetext.Escape(strings.Join(c.Endpoints, ",")), strconv.FormatUint(c.Events, 10), safetext.Escape(c.text)})
	}
	var width [cols - 1]int
	for _, r := range rows {
		for i := range width {
			width[i] = max(width[i], utf8.RuneCountInString(r[i]))
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, r := range rows {
		for i := range width {
			bw.WriteString(r[i])
			pad(bw, width[i]+tablePadding-utf8.RuneCountInString(r[i]))
		}
		bw.WriteString(r[cols-1])
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// tablePadding is the space between two columns of a table.
const tablePadding = 2

// pad writes n spaces.
func pad(w *bufio.Writer, n int) {
	const spaces = "                                "
	for ; n > len(spaces); n -= len(spaces) {
		w.WriteString(spaces)
	}
	w.WriteString(spaces[:n])
}
