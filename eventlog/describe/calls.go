package describe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callrec/callrec/eventlog"
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
	text          string        // the outcome on one line
}

// ConnSummary is one connection's outcome, with its endpoint and state
// spelled out.
type ConnSummary struct {
	Endpoint string `json:"endpoint"`
	ConnOutcome
	State string `json:"state"`
}

// ListCalls summarizes every call of l, in the log's order.
func ListCalls(l *eventlog.Log) ([]CallSummary, error) {
	infos, err := l.Calls()
	if err != nil {
		return nil, err
	}
	calls := make([]CallSummary, 0, len(infos))
	for _, info := range infos {
		c, err := Summarize(l, info)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// Summarize reads one call's outputs to tell how it ended.
func Summarize(l *eventlog.Log, info eventlog.CallInfo) (CallSummary, error) {
	r, err := l.Call(info.Meta.ID)
	if err != nil {
		return CallSummary{}, err
	}
	defer r.Close()
	// Only these events say how a connection ended; the filter skips
	// decoding the others.
	out := NewOutcome()
	cur := r.Cursor(&eventlog.Filter{Types: []string{eventlog.TypeNew, "StateChanged", "Closed"}})
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		out.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return CallSummary{}, err
	}
	m := info.Meta
	c := CallSummary{ID: m.ID, FormatVersion: m.FormatVersion, Start: m.Start.UTC(), Duration: info.Duration.Round(time.Millisecond).String(), Events: info.Events,
		Source: m.Source, Scenario: m.Scenario, Endpoints: []string{}, Outcome: []ConnSummary{}, text: out.String()}
	if m.HasSeed {
		seed := m.Seed
		c.Seed = &seed
	}
	for _, ep := range m.Endpoints {
		c.Endpoints = append(c.Endpoints, ep.String())
	}
	for _, co := range out.Conns() {
		c.Outcome = append(c.Outcome, ConnSummary{Endpoint: co.Endpoint.String(), ConnOutcome: co, State: co.State.String()})
	}
	return c, nil
}

// WriteCallTable writes the calls as a table, a line each, the outcome
// of every connection at the end of the line. The texts from the log are
// escaped for a terminal; a tab or newline in one cannot break the table.
func WriteCallTable(w io.Writer, calls []CallSummary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART\tDURATION\tENDPOINTS\tEVENTS\tOUTCOME")
	for _, c := range calls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", safetext.Escape(c.ID), c.Start.Format(time.RFC3339), c.Duration,
			safetext.Escape(strings.Join(c.Endpoints, ",")), c.Events, safetext.Escape(c.text))
	}
	return tw.Flush()
}

// WriteCallsJSON writes the calls as an indented JSON array.
func WriteCallsJSON(w io.Writer, calls []CallSummary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(calls)
}
