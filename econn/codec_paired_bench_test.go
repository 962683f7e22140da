//go:build unix

package econn

import (
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDecodeSetup3KPaired decodes the 3 KB SETUP with the codec and
// with the baseline in turn, 200 of each per op, the order alternating
// between ops: x-encoding-json is the median of the ops' ratios of CPU
// time per decode (codec / baseline), µs-codec and µs-baseline the
// medians of each side. Run with -benchtime 200x or so.
func BenchmarkDecodeSetup3KPaired(b *testing.B) {
	data := readSetup3K(b)
	const rounds = 200
	ours := func() error {
		for range rounds {
			if _, err := Decode(data, 2, 1); err != nil {
				return err
			}
		}
		return nil
	}
	theirs := func() error {
		for range rounds {
			if err := decodeStdJSON(data); err != nil {
				return err
			}
		}
		return nil
	}
	var ratios, us, them []float64
	for i := 0; b.Loop(); i++ {
		first, second := ours, theirs
		if i%2 == 1 {
			first, second = theirs, ours
		}
		t0 := cpuTime()
		err1 := first()
		t1 := cpuTime()
		err2 := second()
		t2 := cpuTime()
		if err := errors.Join(err1, err2); err != nil {
			b.Fatal(err)
		}
		a, c := t1-t0, t2-t1
		if i%2 == 1 {
			a, c = c, a
		}
		ratios = append(ratios, float64(a)/float64(c))
		us = append(us, float64(a.Nanoseconds())/rounds/1000)
		them = append(them, float64(c.Nanoseconds())/rounds/1000)
	}
	b.ReportMetric(median(ratios), "x-encoding-json")
	b.ReportMetric(median(us), "µs-codec")
	b.ReportMetric(median(them), "µs-baseline")
}

// cpuTime is the CPU time of the process, user and system, the garbage
// collector's included: steadier than wall time on a loaded machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
