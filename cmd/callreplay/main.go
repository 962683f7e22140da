// Command callreplay lists, shows, verifies, exports and redacts recorded
// calls: every call in a callrec event log is rebuilt step by step from its
// log by the current code.
package main

import (
	"os"
	"runtime/debug"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

func main() {
	// Replaying keeps little alive (one pending step per connection) but
	// makes much short-lived garbage (decoded events and messages): a
	// higher GC target costs a few MB and saves about a third of the time
	// of a long verify. GOGC in the environment still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(run(os.Args[1:], cmdutil.System()))
}

func run(args []string, ios *cmdutil.IOStreams) int { return cmdutil.Run(newRootCmd(ios), args, ios) }
