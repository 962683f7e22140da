// Package cmdutil is what the callrec and callreplay commands share: their
// streams (IOStreams), the one mapping of errors to exit codes (ExitCode),
// the printing of an error (once, on one line, after the program's name),
// flag checks that turn bad values into usage errors, the --version text
// from the build information, and a progress line for terminals.
//
// A command's RunE parses flags and calls a package; it marks errors with
// FlagErrorf (usage, 2), InputError (input it cannot use, 3) or Failed (a
// divergence or a failed expectation, 1) and returns them. Run, called from
// main, prints the error and returns the exit code:
//
//	0  ok
//	1  a divergence or a failed expectation
//	2  usage: unknown command, bad flag, bad flag value, wrong arguments
//	3  input it cannot use: a missing log or scenario, not a log, a locked
//	   log, a newer format, a corrupt log, an unknown call, an unreadable
//	   scenario
//	4  anything else, such as an output file that cannot be created
package cmdutil
