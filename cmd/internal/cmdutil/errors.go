package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/eventlog/replay"
)

// Exit codes, chosen in ExitCode and nowhere else.
const (
	ExitOK     = 0
	ExitFailed = 1 // a divergence or a failed expectation
	ExitUsage  = 2 // unknown command, bad flag, bad flag value, wrong arguments
	ExitInput  = 3 // input it cannot use
	ExitError  = 4 // anything else
	// ExitInterrupted is a live call's exit after Ctrl-C (SIGINT) or
	// SIGTERM ended it early and cleanly, 128+SIGINT as shells report it.
	ExitInterrupted = 130
)

// codedError gives an error an exit code without changing its text; with
// no error it is Silent's.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *codedError) Unwrap() error { return e.err }

// FlagError marks err as a usage error (exit 2).
func FlagError(err error) error { return &codedError{ExitUsage, err} }

// FlagErrorf is FlagError(fmt.Errorf(format, a...)).
func FlagErrorf(format string, a ...any) error { return FlagError(fmt.Errorf(format, a...)) }

// InputError marks err as input the command cannot use (exit 3), for
// errors the sentinels of isInput do not already say so: the command
// marks what stops it opening its input (a missing log or scenario).
func InputError(err error) error { return &codedError{ExitInput, err} }

// InputErrorf is InputError(fmt.Errorf(format, a...)).
func InputErrorf(format string, a ...any) error { return InputError(fmt.Errorf(format, a...)) }

// Failed marks err as a divergence or a failed expectation (exit 1).
func Failed(err error) error { return &codedError{ExitFailed, err} }

// Interrupted marks err as a run the user interrupted (exit 130).
func Interrupted(err error) error { return &codedError{ExitInterrupted, err} }

// Silent returns an error that exits with code and prints nothing: the
// command has reported the problem itself (verify's report of a divergence,
// the errors of several logs).
func Silent(code int) error { return &codedError{code: code} }

// isSilent reports whether err is Silent's.
func isSilent(err error) bool {
	var ce *codedError
	return errors.As(err, &ce) && ce.err == nil
}

// ExitCode maps an error to the process's exit code.
func ExitCode(err error) int {
	var ce *codedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, replay.ErrDiverged), errors.Is(err, replay.ErrNoSteps):
		return ExitFailed
	case isInput(err):
		return ExitInput
	}
	return ExitError
}

// isInput reports whether err says the input cannot be used: one of
// eventlog's sentinel errors about a log, or a log redact cannot write or
// pseudonymize. A missing file is not among them: it is bad input only
// when the command was reading it (an output directory that does not
// exist is not), so the command marks it with InputError where it opens
// its input.
func isInput(err error) bool {
	for _, target := range []error{eventlog.ErrNotLog, eventlog.ErrLocked, eventlog.ErrNewerVersion,
		eventlog.ErrCorrupt, eventlog.ErrNoCall, redact.ErrExists, redact.ErrAmbiguousIDs} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// oneLine renders an error's text on one line: its lines, trimmed, joined
// by "; " (errors.Join and cobra's suggestions span several).
func oneLine(s string) string {
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
