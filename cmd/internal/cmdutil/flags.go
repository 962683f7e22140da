package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Flag values that refuse meaningless numbers while the flags are parsed,
// so that `--runs -5` is a usage error naming the flag (pflag reports
// `invalid argument "-5" for "--runs" flag: want at least 1`).

// IntRange is an int flag holding a value in [Min, Max].
type IntRange struct {
	P        *int
	Min, Max int
}

// AtLeast returns an int flag value that refuses numbers below lo.
func AtLeast(p *int, lo int) *IntRange { return &IntRange{p, lo, math.MaxInt} }

// Between returns an int flag value that refuses numbers outside [lo, hi].
func Between(p *int, lo, hi int) *IntRange { return &IntRange{p, lo, hi} }

func (f *IntRange) String() string { return strconv.Itoa(*f.P) }
func (f *IntRange) Type() string   { return "int" }

// Set parses s and checks its range.
func (f *IntRange) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return fmt.Errorf("not a number")
	}
	switch {
	case f.Max == math.MaxInt && n < int64(f.Min):
		return fmt.Errorf("want at least %d", f.Min)
	case n < int64(f.Min) || n > int64(f.Max):
		return fmt.Errorf("want %d to %d", f.Min, f.Max)
	}
	*f.P = int(n)
	return nil
}

// DurationFlag is a duration flag that refuses negative durations, and
// zero unless ZeroOK.
type DurationFlag struct {
	P      *time.Duration
	ZeroOK bool
}

// Positive returns a duration flag value that refuses zero and negative
// durations.
func Positive(p *time.Duration) *DurationFlag { return &DurationFlag{P: p} }

// NonNegative returns a duration flag value that refuses negative
// durations.
func NonNegative(p *time.Duration) *DurationFlag { return &DurationFlag{P: p, ZeroOK: true} }

func (f *DurationFlag) String() string { return f.P.String() }
func (f *DurationFlag) Type() string   { return "duration" }

// Set parses s and checks its sign.
func (f *DurationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a duration (like 1.5s or 200ms)")
	case d < 0 || d == 0 && !f.ZeroOK:
		if f.ZeroOK {
			return fmt.Errorf("want zero or more")
		}
		return fmt.Errorf("want a positive duration")
	}
	*f.P = d
	return nil
}
