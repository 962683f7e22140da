// Command callrec records Calling 3.0 calls into an event log: simulated
// calls from scenario files (sim), and live calls with real media (demo,
// serve, call).
package main

import (
	"os"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
)

func main() { os.Exit(run(os.Args[1:], cmdutil.System())) }

func run(args []string, ios *cmdutil.IOStreams) int { return cmdutil.Run(newRootCmd(ios), args, ios) }
