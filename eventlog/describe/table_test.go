package describe

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/callrec/callrec/internal/safetext"
)

// tabwriterTable is WriteCallTable as text/tabwriter lays it out, the
// reference for the columns.
func tabwriterTable(calls []CallSummary) string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART\tDURATION\tENDPOINTS\tEVENTS\tOUTCOME")
	for _, c := range calls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", safetext.Escape(c.ID), c.Start.Format(time.RFC3339), c.Duration,
			safetext.Escape(strings.Join(c.Endpoints, ",")), c.Events, safetext.Escape(c.text))
	}
	tw.Flush()
	return b.String()
}

// The table's columns are text/tabwriter's, for texts of every kind: wide
// and multi-byte characters, controls and invalid bytes (escaped), empty
// cells, a cell wider than the padding's block of spaces.
func TestWriteCallTableAsTabwriter(t *testing.T) {
	start := time.Date(2026, 11, 27, 1, 2, 3, 0, time.FixedZone("x", 3600))
	cases := [][]CallSummary{
		nil,
		{{ID: "call-0001", Start: start, Duration: "20ms", Endpoints: []string{"A/1", "B/1"}, Events: 57, text: "A/1#x Idle"}},
		{
			{ID: "ünïcödé-调用", Start: start, Duration: "1h2m3s", Endpoints: []string{"Ä/1"}, Events: 1 << 40, text: "ok"},
			{ID: "tab\tnew\nline\x1b[31m", Start: start, Duration: "0s", Endpoints: nil, Events: 0, text: "bidi \u202e here"},
			{ID: "bad\xff\xfebytes", Start: time.Time{}, Duration: "5ms", Endpoints: []string{strings.Repeat("w", 100)}, Events: 3, text: ""},
			{ID: "", Start: start, Duration: "", Endpoints: []string{"", ""}, Events: 12, text: "DAMAGED event 3: missing"},
		},
	}
	for i, calls := range cases {
		var got bytes.Buffer
		if err := WriteCallTable(&got, calls); err != nil {
			t.Fatal(err)
		}
		if want := tabwriterTable(calls); got.String() != want {
			t.Errorf("case %d:\ngot:\n%s\nwant (tabwriter):\n%s", i, got.String(), want)
		}
	}
}
