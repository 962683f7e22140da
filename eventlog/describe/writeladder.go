package describe

import (
	"io"
	"slices"

	"github.com/callrec/callrec/eventlog"
)

// WriteLadder draws the messages of the call r reads, from sequence
// number from on, as DrawLadder does, keeping the arrows with an end keep
// keeps (nil keeps all). The whole call from there is read first: a
// message's arrow is complete only once its last receive is seen.
func WriteLadder(w io.Writer, r *eventlog.CallReader, keep func(eventlog.Endpoint) bool, from uint64, width int) error {
	l := NewLadder(r.Meta().Endpoints)
	cur := r.Cursor(nil)
	for ev, ok := cur.Seek(max(from, 1)); ok; ev, ok = cur.Next() {
		l.Add(ev)
	}
	if err := cur.Err(); err != nil {
		return err
	}
	l.Flush()
	arrows := l.Arrows()
	if keep != nil {
		arrows = slices.DeleteFunc(arrows, func(a Arrow) bool { return !keep(a.From) && !keep(a.To) })
	}
	return DrawLadder(w, l.Endpoints(), arrows, width)
}
