package describe

import (
	"fmt"
	"io"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/safetext"
)

// OpenCall opens the call id of l or, when id is empty, l's only call. Of
// several calls it opens the latest recorded, the one a repeated recording
// just added, and says so on w: a note that names the log's path and what
// the program prog is doing with the call ("showing"), so that it reads as
// the command's own.
func OpenCall(l *eventlog.Log, id string, w io.Writer, prog, doing, path string) (*eventlog.CallReader, error) {
	if id != "" {
		return l.Call(id)
	}
	infos, err := l.Calls()
	if err != nil {
		return nil, err
	}
	if len(infos) < 2 {
		return l.OnlyCall() // which says what is wrong with none
	}
	// Calls come in the order they were created.
	id = infos[len(infos)-1].Meta.ID
	fmt.Fprintf(w, "%s: %s holds %d calls; %s the latest, %s (use --call to pick one)\n",
		prog, safetext.Escape(path), len(infos), doing, safetext.Escape(id))
	return l.Call(id)
}

// CallIDs lists the ids of l's calls, in the order they were created;
// none when they cannot be read (it serves shell completion).
func CallIDs(l *eventlog.Log) []string {
	infos, _ := l.Calls()
	ids := make([]string, len(infos))
	for i, c := range infos {
		ids[i] = c.Meta.ID
	}
	return ids
}

// Endpoints lists the endpoints of l's calls, each once, in the order
// they first appear.
func Endpoints(l *eventlog.Log) []string {
	var eps []string
	seen := map[eventlog.Endpoint]bool{}
	infos, _ := l.Calls()
	for _, c := range infos {
		for _, ep := range c.Meta.Endpoints {
			if !seen[ep] {
				seen[ep] = true
				eps = append(eps, ep.String())
			}
		}
	}
	return eps
}
