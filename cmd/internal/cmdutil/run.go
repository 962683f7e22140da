package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/internal/buildinfo"
	"github.com/callrec/callrec/internal/safetext"
)

// Setup prepares a program's root command: output to ios, errors left to
// Run (cobra prints neither errors nor usage), bad flags as usage errors
// in every subcommand, and --version.
func Setup(root *cobra.Command, ios *IOStreams) *cobra.Command {
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetOut(ios.Out)
	root.SetErr(ios.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return FlagError(err) })
	root.Version = buildinfo.Version()
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	return root
}

// Run executes root with args, prints its error once on one line after
// the program's name, and returns the exit code. An error can hold text
// from a log or a peer (a call id, a session id): it is printed escaped
// for a terminal (package safetext).
func Run(root *cobra.Command, args []string, ios *IOStreams) (code int) {
	name := root.Name()
	defer func() {
		// A bug must not greet a user with a stack trace either.
		if p := recover(); p != nil {
			fmt.Fprintf(ios.Err, "%s: internal error: %s (please report it with the command line)\n", name, safetext.Escape(fmt.Sprint(p)))
			code = ExitError
		}
	}()
	if args == nil {
		args = []string{} // not os.Args: the unknownCommand check below looks at args
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err != nil && unknownCommand(root, args) {
		err = FlagError(err)
	}
	code = ExitCode(err)
	if err == nil || isSilent(err) {
		return code
	}
	line := name + ": " + errorLine(err)
	if code == ExitUsage && cmd != nil {
		line += fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	fmt.Fprintln(ios.Err, line)
	return code
}

// unknownCommand reports whether args name no command of root. Cobra
// returns that error, untyped, from Find before any hook of ours runs
// (root's Args cannot take it over: a root with Args set and no Run
// prints its help for an unknown command), so Run asks Find again: by
// then ExecuteC has added help, completion and __complete to the tree,
// so Find answers as it did inside ExecuteC, and when it fails it is
// the error ExecuteC returned.
func unknownCommand(root *cobra.Command, args []string) bool {
	_, _, err := root.Find(args)
	return err != nil
}

// PrintError prints err on one line after the program's name, for a
// command that reports several errors itself and returns Silent.
func PrintError(ios *IOStreams, name string, err error) {
	fmt.Fprintln(ios.Err, name+": "+errorLine(err))
}

// errorLine is err's text on one line, escaped for a terminal.
func errorLine(err error) string { return safetext.Escape(oneLine(err.Error())) }

// NoArgs refuses positional arguments, as a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%s takes no arguments, got %q", cmd.Name(), args)
	}
	return checkFlags(cmd)
}

// ExactArgs and MinArgs are cobra's argument checks, as usage errors.
func ExactArgs(n int) cobra.PositionalArgs { return Args(cobra.ExactArgs(n)) }

// MinArgs: see ExactArgs.
func MinArgs(n int) cobra.PositionalArgs { return Args(cobra.MinimumNArgs(n)) }

// Args turns a command's own argument check into one whose errors are
// usage errors. Every command's Args is NoArgs, ExactArgs, MinArgs or
// Args(check): they also check required flags and flag groups, which
// cobra does after Args with errors of no type of their own.
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return FlagError(err)
		}
		return checkFlags(cmd)
	}
}

// checkFlags runs cobra's checks of required flags and flag groups early,
// as usage errors; cobra's own run of them later then passes.
func checkFlags(cmd *cobra.Command) error {
	if err := cmd.ValidateRequiredFlags(); err != nil {
		return FlagError(err)
	}
	if err := cmd.ValidateFlagGroups(); err != nil {
		return FlagError(err)
	}
	return nil
}
