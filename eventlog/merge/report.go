package merge

import (
	"fmt"
	"io"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// Write prints the report for people, one line per call of the merged log
// and one per device kept once, then the totals:
//
//	merged call-0001 (conversation c1; 97 events): a1.db call-0001 (A/1), b1.db call-0001 (B/1), b2.db call-0001 (B/2)
//	copied call-0002 (12 events): x.db call-0002 (C/1), no partner
//	  b1-copy.db call-0001 records B/1 exactly as b1.db call-0001 does: kept once
//	wrote 2 calls (109 events) to merged.db
//
// Every name read from a log or given as a path is escaped.
func (rep *Report) Write(w io.Writer) error {
	for i := range rep.Calls {
		c := &rep.Calls[i]
		verb, tail := "merged", ""
		if !c.Merged() {
			verb, tail = "copied", ", no partner"
		}
		conv := ""
		if c.Conv != "" {
			conv = "conversation " + c.Conv + "; "
		}
		parts := make([]string, len(c.From))
		for i, p := range c.From {
			parts[i] = fmt.Sprintf("%s (%s)", p.Source, endpoints(p.Devices))
		}
		if _, err := fmt.Fprintf(w, "%s %s (%s%d events): %s%s\n", verb, safetext.Escape(c.ID),
			safetext.Escape(conv), c.Events, strings.Join(parts, ", "), tail); err != nil {
			return err
		}
		for _, d := range c.Duplicates {
			if _, err := fmt.Fprintf(w, "  %s records %s exactly as %s does: kept once\n",
				d.Dropped, safetext.Escape(d.Device.String()), d.Kept); err != nil {
				return err
			}
		}
	}
	_, err := fmt.Fprintf(w, "wrote %d calls (%d events) to %s\n", len(rep.Calls), rep.Events, safetext.Escape(rep.Out))
	return err
}

// String names the recording as "FILE call ID", escaped.
func (s Source) String() string {
	return safetext.Escape(s.File) + " call " + safetext.Escape(s.Call)
}

func endpoints(eps []eventlog.Endpoint) string {
	if len(eps) == 0 {
		return "a copy"
	}
	s := make([]string, len(eps))
	for i, ep := range eps {
		s[i] = safetext.Escape(ep.String())
	}
	return strings.Join(s, ", ")
}
