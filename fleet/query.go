package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/internal/safetext"
)

// QueryOptions configure Calls.
type QueryOptions struct {
	Filter filter.CallFilter // the calls to keep; the zero value keeps all
	// Streams are the settings of the links bucket, when Calls creates it.
	Streams StreamOptions
}

// Calls lists the fleet's calls that opts.Filter keeps, in the order of
// their start. Recordings whose events cannot be read are reported in the
// error (errors.Join) with the calls still listed: such a recording is
// linked by its metadata only.
func (c *Client) Calls(ctx context.Context, opts QueryOptions) ([]Call, error) {
	recs, err := c.Recordings(ctx)
	if err != nil {
		return nil, err
	}
	links, lerr := c.links(ctx, recs, opts.Streams)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var out []Call
	for _, c := range GroupCalls(recs, links) {
		if opts.Filter.Match(c.FilterCall()) {
			out = append(out, c)
		}
	}
	return out, lerr
}

// CallJSON is a call as `fleet ls --json` lists it.
type CallJSON struct {
	ID         string          `json:"id"`
	Conv       string          `json:"conv"`
	Start      time.Time       `json:"start"`
	End        *time.Time      `json:"end,omitempty"` // absent while recording
	Open       bool            `json:"open"`
	Devices    []string        `json:"devices"`
	Events     uint64          `json:"events"`
	Builds     []string        `json:"builds"`
	Outcome    string          `json:"outcome"`
	Recordings []RecordingMeta `json:"recordings"`
}

// JSON converts c.
func (c *Call) JSON() CallJSON {
	j := CallJSON{ID: c.ID, Conv: c.Conv, Start: c.Start().UTC(), Open: c.Open(), Devices: c.Devices(),
		Events: c.Events(), Builds: c.Builds(), Outcome: c.Outcome(), Recordings: c.Recordings}
	if end := c.End(); !end.IsZero() {
		end = end.UTC()
		j.End = &end
	}
	return j
}

// WriteCallsJSON writes calls as an indented JSON array.
func WriteCallsJSON(w io.Writer, calls []Call) error {
	out := make([]CallJSON, len(calls))
	for i := range calls {
		out[i] = calls[i].JSON()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteCallTable writes calls as a table, a line each, as `callreplay ls`
// lists a log's: id, start, duration, devices, recordings, events,
// outcome. Text from the fleet is escaped for a terminal.
func WriteCallTable(w io.Writer, calls []Call) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tSTART\tDURATION\tDEVICES\tRECORDINGS\tEVENTS\tOUTCOME")
	for i := range calls {
		c := &calls[i]
		dur := "recording"
		if end := c.End(); !end.IsZero() {
			dur = end.Sub(c.Start()).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", safetext.Escape(c.ID), c.Start().UTC().Format(time.RFC3339), dur,
			safetext.Escape(strings.Join(c.Devices(), ",")), len(c.Recordings), c.Events(), safetext.Escape(c.Outcome()))
	}
	return tw.Flush()
}
