//go:build !unix

package mediaflow

import "time"

// processCPU is not measured here: BenchmarkSetup then reports no CPU
// ratio.
func processCPU() time.Duration { return 0 }
