package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// version is the tool version recorded in every log this program writes.
const version = "callrec 0.1.0"

// exitError carries an exit code; other errors exit 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "callrec",
		Short: "Record Calling 3.0 calls into an event log",
		Long: `callrec records every input of every ECONN state machine of a call into a
bbolt event log, as it happens, so that callreplay can rebuild the call step
by step. It records simulated calls from scenario files (sim) and live calls
with real WebRTC media (demo, serve, call).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newSimCmd(stdout, stderr))
	addLiveCommands(root, stdout, stderr)
	return root
}

// run executes the command line and maps errors to exit codes in one
// place: 0 ok, 1 failure, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "callrec:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isUsageError(err) {
		return 2
	}
	return 1
}

// isUsageError recognises cobra's argument and flag errors.
func isUsageError(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
