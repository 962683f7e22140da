package export

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/internal/safetext"
)

// jsonLines writes each event as one compact JSON object and a newline.
func jsonLines(w io.Writer) func(eventlog.Event) error {
	enc := json.NewEncoder(w)
	return func(ev eventlog.Event) error { return enc.Encode(describe.RecordOf(ev)) }
}

// writeText writes the text timeline of c: on a call whose devices
// recorded on different clocks (clocks.Wanted), with the clocks aligned,
// its header saying by how much each device was shifted.
func writeText(w io.Writer, c *call) error {
	est, err := clocks.OfCall(c.r)
	if err != nil {
		return err
	}
	c.clocks = est
	tl := newTimeline(w, c.meta)
	if est != nil {
		name := func(ep eventlog.Endpoint) string { return ep.String() }
		if red := c.opts.Redactor; red != nil {
			name = func(ep eventlog.Endpoint) string { return red.UserID(ep.User) + "/" + red.ClientID(ep.Client) }
		}
		tl.clockLines = est.Lines(name)
	}
	if err := tl.header(fmt.Sprintf("%d events", c.r.Count())); err != nil {
		return err
	}
	return c.each(tl.event)
}

// timeline prints events as aligned lines: sequence number, call time,
// endpoint, connection, kind and sentence. Column widths come from the
// call's metadata, not from the events, so that a long call streams.
// Every text from the log is escaped for a terminal (package safetext).
type timeline struct {
	w          io.Writer
	meta       eventlog.CallMeta
	epW, connW int
	clockLines []string // how the devices' clocks were aligned, under the summary
}

// newTimeline returns a timeline of the call meta writing to w.
func newTimeline(w io.Writer, meta eventlog.CallMeta) *timeline {
	t := &timeline{w: w, meta: meta, epW: len("ENDPOINT"), connW: len("CONN")}
	for _, ep := range meta.Endpoints {
		t.epW = max(t.epW, len(safetext.Escape(ep.String())))
	}
	for _, c := range meta.Conns {
		t.epW = max(t.epW, len(safetext.Escape(c.Endpoint.String())))
		t.connW = max(t.connW, len(safetext.Escape(c.Config.SessID)))
	}
	return t
}

// header writes the call's summary line, which ends with events ("12
// events"), and the column titles.
func (t *timeline) header(events string) error {
	m := t.meta
	parts := []string{"call " + m.ID}
	if m.Source != "" {
		parts = append(parts, m.Source)
	}
	if m.Scenario != "" {
		parts = append(parts, "scenario "+m.Scenario)
	}
	if m.HasSeed {
		parts = append(parts, fmt.Sprintf("seed %d", m.Seed))
	}
	eps := make([]string, len(m.Endpoints))
	for i, ep := range m.Endpoints {
		eps[i] = ep.String()
	}
	parts = append(parts, "endpoints "+strings.Join(eps, " "), events)
	if _, err := fmt.Fprintln(t.w, safetext.Escape(strings.Join(parts, " · "))); err != nil {
		return err
	}
	for _, l := range t.clockLines {
		if _, err := fmt.Fprintln(t.w, safetext.Escape(l)); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(t.w, "%7s  %10s  %-*s  %-*s  %-4s  %s\n", "SEQ", "TIME", t.epW, "ENDPOINT", t.connW, "CONN", "KIND", "EVENT")
	return err
}

var kindTags = map[eventlog.Kind]string{eventlog.KindInput: "in", eventlog.KindOutput: "out", eventlog.KindNote: "note"}

// event writes one event's line.
func (t *timeline) event(ev eventlog.Event) error {
	conn := ev.Conn
	if conn == "" {
		conn = "-"
	}
	_, err := fmt.Fprintf(t.w, "%7d  %10s  %-*s  %-*s  %-4s  %s\n", ev.Seq, fmt.Sprintf("+%.3fs", ev.At.Seconds()),
		t.epW, safetext.Escape(ev.Endpoint.String()), t.connW, safetext.Escape(conn), kindTags[ev.Kind],
		safetext.Escape(describe.Sentence(ev)))
	return err
}
