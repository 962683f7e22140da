package ecall

import (
	"fmt"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// RecordedLine says what a recording did to the log at path, which held
// before calls: "recorded call-0001 in calls.db" for a new log, "added
// call-0002 to calls.db (2 calls)" for one that had calls already, so a
// repeated command says that the log now holds several.
func RecordedLine(path string, before int, ids []string) string {
	what := strings.Join(ids, ", ")
	if len(ids) > 3 {
		what = fmt.Sprintf("%d calls (%s to %s)", len(ids), ids[0], ids[len(ids)-1])
	}
	if before == 0 {
		return fmt.Sprintf("recorded %s in %s", what, path)
	}
	n := before + len(ids)
	return fmt.Sprintf("added %s to %s (%d calls)", what, path, n)
}

// LogCallIDs lists the calls of the log at path, none when it does not
// open (a new file; a file that is no log fails the recording itself, with
// its error).
func LogCallIDs(path string) []string {
	if path == "" {
		return nil
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return nil
	}
	defer l.Close()
	infos, _ := l.Calls()
	ids := make([]string, len(infos))
	for i, c := range infos {
		ids[i] = c.Meta.ID
	}
	return ids
}

// AddedLine says which calls a recording added to the log at path, which
// held the calls before (LogCallIDs before it ran), escaped for a
// terminal: "added call-0002 to glare.db (2 calls)"; "" when it added none.
func AddedLine(path string, before []string) string {
	after := LogCallIDs(path)
	if len(after) <= len(before) {
		return ""
	}
	// Calls are listed in the order they were created: the new ones last.
	added := after[len(before):]
	for i, id := range added {
		added[i] = safetext.Escape(id)
	}
	return RecordedLine(safetext.Escape(path), len(before), added)
}
