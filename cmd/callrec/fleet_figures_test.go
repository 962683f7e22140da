package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFigureDemoCPU measures BENCHMARKS.md's cost of --fleet on a live
// call: `callrec demo` runs alternately with and without --fleet (a
// `callrec fleet serve` process on loopback), and the recorder's own CPU
// time (user + system) is compared:
//
//	CALLREC_FIGURES=fleetcpu go test -count=1 -run TestFigureDemoCPU -v ./cmd/callrec
//
// CALLREC_FIGURES_PAIRS sets the number of A/B pairs (default 4) and
// CALLREC_FIGURES_DURATION the call's length (default 10s).
func TestFigureDemoCPU(t *testing.T) {
	if f := os.Getenv("CALLREC_FIGURES"); f != "fleetcpu" && f != "1" {
		t.Skip("set CALLREC_FIGURES=fleetcpu to measure it")
	}
	pairs, _ := strconv.Atoi(os.Getenv("CALLREC_FIGURES_PAIRS"))
	if pairs <= 0 {
		pairs = 4
	}
	dur := os.Getenv("CALLREC_FIGURES_DURATION")
	if dur == "" {
		dur = "10s"
	}
	url, _, _ := startFleet(t)
	dir := t.TempDir()
	var with, without time.Duration
	for i := 0; i < pairs; i++ {
		for _, fleet := range []bool{i%2 == 0, i%2 != 0} {
			args := []string{"demo", "--duration", dur, "--out", filepath.Join(dir, fmt.Sprintf("%d-%v.db", i, fleet))}
			if fleet {
				args = append(args, "--fleet", url)
			}
			cmd := exec.Command(callrec.Path(t), args...)
			out, err := cmd.CombinedOutput()
			if err != nil || fleet != strings.Contains(string(out), "published as recording") {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			if fleet {
				with += cpu
			} else {
				without += cpu
			}
			t.Logf("pair %d fleet=%v: CPU %v", i, fleet, cpu)
		}
	}
	t.Logf("demo --duration %s, %d pairs: CPU with --fleet %v, without %v: %+.1f%%",
		dur, pairs, with/time.Duration(pairs), without/time.Duration(pairs), 100*(float64(with)/float64(without)-1))
}
