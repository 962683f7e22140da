package live

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/tail"
)

// serveTail serves the call w records to followers on the log's socket
// (package tail) and tells out the command that follows it. A recording
// that cannot be followed is still a recording: a failure is a warning.
func serveTail(l *eventlog.Log, w *eventlog.CallWriter, logger *slog.Logger, out io.Writer) *tail.Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv, err := tail.Serve(l, &tail.ServerOptions{Logger: logger})
	if err != nil {
		logger.Warn("the call cannot be followed live", "err", err)
		return nil
	}
	srv.Watch(w)
	if out != nil {
		fmt.Fprintf(out, "follow the call live: %s\n", FollowCommand(l.Path()))
	}
	return srv
}

// FollowCommand is the command line that follows the recording into the
// log at path while it goes on.
func FollowCommand(path string) string {
	return "callreplay view " + shellQuote(path) + " --follow"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '.' || r == '_' || r == '-' || r == '+' || r == ':' || r == '=' || r == ',') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	if s == "" {
		return "''"
	}
	return s
}
