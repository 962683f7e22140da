package cmdutil

import (
	"fmt"
	"strconv"
)

// IntAtLeast is an int flag value that refuses numbers below Min while
// the flags are parsed, so that `--runs -5` is a usage error naming the
// flag (pflag reports `invalid argument "-5" for "--runs" flag: want at
// least 1`).
type IntAtLeast struct {
	P   *int
	Min int
}

// AtLeast returns an int flag value that refuses numbers below lo.
func AtLeast(p *int, lo int) *IntAtLeast { return &IntAtLeast{p, lo} }

func (f *IntAtLeast) String() string { return strconv.Itoa(*f.P) }
func (f *IntAtLeast) Type() string   { return "int" }

// Set parses s and checks it.
func (f *IntAtLeast) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	switch {
	case err != nil:
		return fmt.Errorf("not a number")
	case n < int64(f.Min):
		return fmt.Errorf("want at least %d", f.Min)
	}
	*f.P = int(n)
	return nil
}
