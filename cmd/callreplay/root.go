package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/callrec/callrec/eventlog"
)

// Exit codes, chosen in exitCode and nowhere else.
const (
	exitOK       = 0
	exitDiverged = 1 // verify found a divergence
	exitUsage    = 2 // bad flags or arguments
	exitInput    = 3 // a log that cannot be used: missing, not a log, locked, newer, corrupt, unknown call
	exitFailure  = 4 // anything else (writing the output failed, ...)
)

// ioStreams is where commands read and write, and what they know about the
// terminal; tests swap it for buffers.
type ioStreams struct {
	Out, Err io.Writer
	// OutTerminal and ErrTerminal report whether Out and Err are terminals.
	OutTerminal, ErrTerminal bool
	// Width is the terminal's width in columns, 0 when unknown.
	Width int
}

func newSystemIO() *ioStreams {
	s := &ioStreams{Out: os.Stdout, Err: os.Stderr,
		OutTerminal: term.IsTerminal(int(os.Stdout.Fd())), ErrTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
	if s.OutTerminal {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.Width = w
		}
	}
	return s
}

// outWidth is the width to draw in: the terminal's, else 100.
func (s *ioStreams) outWidth() int {
	if s.Width > 0 {
		return s.Width
	}
	return 100
}

// newRootCmd builds the command tree. Every subcommand is one line here.
func newRootCmd(ios *ioStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "callreplay",
		Short: "List, show, verify, export and redact recorded calls",
		Long: "callreplay reads callrec event logs. Every call in a log is rebuilt step by step\n" +
			"from its recorded inputs by the current ECONN code; verify compares what the\n" +
			"code does now with what it did when the call was recorded.\n\n" +
			"Exit status: 0 success, 1 verify found a divergence, 2 bad flags or arguments,\n" +
			"3 a log that cannot be used (missing, not a log, locked, newer format, corrupt,\n" +
			"unknown call), 4 anything else.",
		Example: "  callrec sim testdata/scenarios/04-glare.txt --out glare.db\n" +
			"  callreplay ls glare.db\n" +
			"  callreplay show glare.db --ladder\n" +
			"  callreplay verify glare.db",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newLsCmd(ios, nil))
	root.AddCommand(newShowCmd(ios, nil))
	root.AddCommand(newVerifyCmd(ios, nil))
	root.AddCommand(newExportCmd(ios, nil))
	root.AddCommand(newRedactCmd(ios, nil))
	root.AddCommand(newViewCmd(ios, nil))
	return root
}

// run executes the command line and turns its error into one line on
// stderr and an exit code.
func run(args []string, ios *ioStreams) (code int) {
	defer func() {
		// A bug must not greet a user with a stack trace either.
		if p := recover(); p != nil {
			fmt.Fprintf(ios.Err, "callreplay: internal error: %v (please report it with the command line)\n", p)
			code = exitFailure
		}
	}()
	root := newRootCmd(ios)
	root.SetArgs(args)
	err := root.Execute()
	code = exitCode(err)
	if err != nil && !errors.Is(err, errDiverged) {
		fmt.Fprintln(ios.Err, "callreplay: "+oneLine(err.Error()))
		if code == exitUsage {
			fmt.Fprintln(ios.Err, "Run 'callreplay --help' for usage.")
		}
	}
	return code
}

// errDiverged is returned by verify after it has reported a divergence.
var errDiverged = errors.New("replay diverged from the record")

// usageError marks bad flags or arguments.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDiverged):
		return exitDiverged
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, eventlog.ErrNotLog), errors.Is(err, eventlog.ErrLocked),
		errors.Is(err, eventlog.ErrNewerVersion), errors.Is(err, eventlog.ErrCorrupt),
		errors.Is(err, eventlog.ErrNoCall), errors.Is(err, errInput):
		return exitInput
	}
	return exitFailure
}

// errInput marks other bad input: a log holding several calls when one is
// needed, an output file that already exists.
var errInput = errors.New("bad input")

// isCobraUsage recognizes the errors cobra returns for unknown commands and
// wrong argument counts, which it does not type.
func isCobraUsage(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "accepts ") ||
		strings.HasPrefix(s, "requires at least") || strings.HasPrefix(s, "unknown flag") ||
		strings.HasPrefix(s, "unknown shorthand flag") || strings.HasPrefix(s, "required flag")
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
