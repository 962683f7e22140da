package main

import (
	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/internal/buildinfo"
)

// toolVersion is recorded in every log this program writes: the build's
// version, as --version prints it.
var toolVersion = "callrec " + buildinfo.Version()

func newRootCmd(ios *cmdutil.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "callrec",
		Short: "Record Calling 3.0 calls into an event log",
		Long: `callrec records every input of every ECONN state machine of a call into a
bbolt event log, as it happens, so that callreplay can rebuild the call step
by step. It records simulated calls from scenario files (sim) and live calls
with real WebRTC media (demo, serve, call).

Exit status: 0 success, 1 a failed expectation, an invariant violated or a
recorded call that does not replay, 2 bad flags or arguments, 3 input it
cannot use (a missing or malformed scenario, a file that is not a log), 4
anything else.`,
	}
	cmdutil.Setup(root, ios)
	root.AddCommand(newSimCmd(ios), newDemoCmd(ios), newServeCmd(ios), newCallCmd(ios), newKeygenCmd(ios),
		newFleetCmd(ios), newUploadCmd(ios))
	return root
}
