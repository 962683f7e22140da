// Package describe turns recorded events into what a person reads: one
// sentence per event ("recv SETUP request from B/2 sess 4x12",
// "Pending-Outgoing → Answered"), the event's fields as plain data, and the
// messages between endpoints as a ladder (who sent what to whom, which
// receive is which send's, paired by message identity in package pair),
// and a log's calls with how each connection
// ended (ListCalls). `callreplay ls`, `show` and `export` and the terminal
// viewer print these.
package describe

import (
	"fmt"

	"github.com/callrec/callrec/eventlog"
)

// Sentence returns one line describing ev: each input and output kind
// describes itself (econn and eventlog keep the sentences next to the
// kinds); a note is its text.
func Sentence(ev eventlog.Event) string {
	switch ev.Kind {
	case eventlog.KindNote:
		if ev.Note != nil && ev.Note.Text != "" {
			return ev.Note.Text
		}
		return ev.Type
	case eventlog.KindInput:
		if ev.Input == nil {
			return "empty input"
		}
		return ev.Input.Describe()
	case eventlog.KindOutput:
		if ev.Output == nil {
			return "empty output"
		}
		return ev.Output.Describe()
	}
	return fmt.Sprintf("%s %s", ev.Kind, ev.Type)
}
