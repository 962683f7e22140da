package cmdutil

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is where commands read and write, and what they know about the
// terminal; tests swap it for buffers.
type IOStreams struct {
	Out, Err io.Writer
	// OutTerminal and ErrTerminal report whether Out and Err are terminals.
	OutTerminal, ErrTerminal bool
	// Width is the terminal's width in columns, 0 when unknown.
	Width int
}

// System returns the process's standard output and error.
func System() *IOStreams {
	s := &IOStreams{Out: os.Stdout, Err: os.Stderr,
		OutTerminal: term.IsTerminal(int(os.Stdout.Fd())), ErrTerminal: term.IsTerminal(int(os.Stderr.Fd()))}
	if s.OutTerminal {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.Width = w
		}
	}
	return s
}

// OutWidth is the width to draw in: the terminal's, else 100.
func (s *IOStreams) OutWidth() int {
	if s.Width > 0 {
		return s.Width
	}
	return 100
}
