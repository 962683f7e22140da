package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/eventlog/replay"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{Failed(errors.New("expect failed")), ExitFailed},
		{fmt.Errorf("call x: %w", replay.ErrDiverged), ExitFailed},
		{fmt.Errorf("call x: %w", replay.ErrNoSteps), ExitFailed},
		{FlagErrorf("--runs -5: want at least 1"), ExitUsage},
		// Usage errors are marked where cobra makes them, not told by
		// their wording: a command's own error that reads like one is not.
		{errors.New(`unknown command "x" for "callrec"`), ExitError},
		{errors.New(`invalid argument "x" from the relay`), ExitError},
		{errors.New(`accepts 1 arg(s), received 0`), ExitError},
		// A missing file is bad input only where the command reads it:
		// an output path in a missing directory is not.
		{fmt.Errorf("open out/x: %w", fs.ErrNotExist), ExitError},
		{InputError(fmt.Errorf("open x: %w", fs.ErrNotExist)), ExitInput},
		{fmt.Errorf("x: %w", eventlog.ErrNotLog), ExitInput},
		{fmt.Errorf("x: %w", eventlog.ErrLocked), ExitInput},
		{fmt.Errorf("x: %w", eventlog.ErrNewerVersion), ExitInput},
		{fmt.Errorf("x: %w", eventlog.ErrCorrupt), ExitInput},
		{fmt.Errorf("x: %w", eventlog.ErrNoCall), ExitInput},
		{fmt.Errorf("out.log: %w", redact.ErrExists), ExitInput},
		{fmt.Errorf("ids: %w", redact.ErrAmbiguousIDs), ExitInput},
		{InputErrorf("holds 2 calls"), ExitInput},
		{Silent(ExitInput), ExitInput},
		{Interrupted(errors.New("interrupted")), ExitInterrupted},
		{fmt.Errorf("demo: %w", Interrupted(context.Canceled)), ExitInterrupted},
		{errors.New("disk full"), ExitError},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// run runs a tiny command tree through Run.
func run(t *testing.T, runE func() error, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{Out: &out, Err: &errb}
	root := Setup(&cobra.Command{Use: "prog"}, ios)
	n := 1
	sub := &cobra.Command{Use: "sub", Args: NoArgs, RunE: func(*cobra.Command, []string) error { return runE() }}
	sub.Flags().Var(AtLeast(&n, 1), "n", "a count")
	var name string
	two := &cobra.Command{Use: "two", Args: ExactArgs(2), RunE: func(*cobra.Command, []string) error { return runE() }}
	two.Flags().StringVar(&name, "name", "", "a name")
	_ = two.MarkFlagRequired("name")
	own := &cobra.Command{Use: "own", Args: Args(func(_ *cobra.Command, args []string) error {
		if len(args) != 1 || args[0] != "x" {
			return errors.New("own wants x")
		}
		return nil
	}), RunE: func(*cobra.Command, []string) error { return runE() }}
	group := &cobra.Command{Use: "group"} // subcommands only, no Run
	group.AddCommand(&cobra.Command{Use: "leaf", Args: NoArgs, RunE: func(*cobra.Command, []string) error { return runE() }})
	root.AddCommand(sub, two, own, group)
	return Run(root, args, ios), errb.String()
}

func TestRunPrintsOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  error
		code int
		want string
	}{
		{[]string{"nope"}, nil, ExitUsage, `prog: unknown command "nope" for "prog" (see 'prog --help')` + "\n"},
		{[]string{"sub", "--bogus"}, nil, ExitUsage, "prog: unknown flag: --bogus (see 'prog sub --help')\n"},
		{[]string{"sub", "--n", "-5"}, nil, ExitUsage, `prog: invalid argument "-5" for "--n" flag: want at least 1 (see 'prog sub --help')` + "\n"},
		{[]string{"sub", "extra"}, nil, ExitUsage, `prog: sub takes no arguments, got ["extra"] (see 'prog sub --help')` + "\n"},
		{[]string{"sub", "--n"}, nil, ExitUsage, "prog: flag needs an argument: --n (see 'prog sub --help')\n"},
		{[]string{"two", "a"}, nil, ExitUsage, "prog: accepts 2 arg(s), received 1 (see 'prog two --help')\n"},
		{[]string{"two", "a", "b"}, nil, ExitUsage, `prog: required flag(s) "name" not set (see 'prog two --help')` + "\n"},
		{[]string{"two", "a", "b", "--name", "n"}, nil, ExitOK, ""},
		{[]string{"own", "y"}, nil, ExitUsage, "prog: own wants x (see 'prog own --help')\n"},
		{[]string{"own", "x"}, nil, ExitOK, ""},
		{[]string{"sub", "--n", "2"}, errors.New(`invalid argument "x" from the relay`), ExitError, `prog: invalid argument "x" from the relay` + "\n"},
		{[]string{"group", "leaf"}, nil, ExitOK, ""},
		{[]string{"help", "sub"}, nil, ExitOK, ""},
		{[]string{"completion", "bash"}, nil, ExitOK, ""},
		{[]string{"sub"}, errors.Join(errors.New("a"), errors.New("b")), ExitError, "prog: a; b\n"},
		{[]string{"sub"}, Silent(ExitFailed), ExitFailed, ""},
		{[]string{"sub"}, nil, ExitOK, ""},
	} {
		code, stderr := run(t, func() error { return c.err }, c.args...)
		if code != c.code || stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", c.args, code, stderr, c.code, c.want)
		}
	}
	// Shell completion goes through the command cobra adds in ExecuteC.
	if code, stderr := run(t, func() error { return nil }, "__complete", "su"); code != ExitOK {
		t.Errorf("__complete: exit %d, %q", code, stderr)
	}
	code, stderr := run(t, func() error { panic("boom") }, "sub")
	if code != ExitError || !strings.HasPrefix(stderr, "prog: internal error: boom") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("panic: exit %d, %q", code, stderr)
	}
}

func TestFlagValues(t *testing.T) {
	var n int
	for _, c := range []struct {
		in   string
		want string // "" when accepted
	}{
		{"3", ""},
		{"1", ""},
		{"0x10", ""},
		{"0", "want at least 1"},
		{"-5", "want at least 1"},
		{"x", "not a number"},
	} {
		err := AtLeast(&n, 1).Set(c.in)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Set(%q) = %v, want %q", c.in, err, c.want)
		}
	}
	if n != 16 {
		t.Errorf("the last accepted value is %d, want 16", n)
	}
}

// TestErrorsEscaped: an error's text (which can name a call or a session
// id from a log) and a panic's value reach the
// terminal with their control and bidi characters escaped.
func TestErrorsEscaped(t *testing.T) {
	hostile := "call \x1b]52;c;SGVsbG8=\x07 \u202eflip\u009b\xff"
	escaped := `call \x1b]52;c;SGVsbG8=\x07 \u202eflip\u009b\xff`
	code, stderr := run(t, func() error { return InputErrorf("eventlog: %s: no such call", hostile) }, "sub")
	if code != ExitInput || stderr != "prog: eventlog: "+escaped+": no such call\n" {
		t.Errorf("error: exit %d, %q", code, stderr)
	}
	_, stderr = run(t, func() error { panic(hostile) }, "sub")
	if !strings.HasPrefix(stderr, "prog: internal error: "+escaped+" (") {
		t.Errorf("panic: %q", stderr)
	}
	var b bytes.Buffer
	PrintError(&IOStreams{Err: &b}, "prog", errors.New(hostile))
	if b.String() != "prog: "+escaped+"\n" {
		t.Errorf("PrintError: %q", b.String())
	}
}
