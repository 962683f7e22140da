//go:build unix

package mediaflow

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkMediaCPU measures the CPU time (user + system, whole process)
// that one connected Flow pair costs while its sources run: 50 Opus
// packets/s each way, 1 s statistics, RTCP; with video, 10 VP8 frames/s
// from the caller too. Each iteration is a 2-second window.
func BenchmarkMediaCPU(b *testing.B) {
	for _, video := range []bool{false, true} {
		name := "audio"
		if video {
			name = "audio+video"
		}
		b.Run(name, func(b *testing.B) {
			opts := DefaultOptions()
			opts.Video = video
			p := &flowPair{openA: make(chan struct{}), openB: make(chan struct{})}
			var err error
			if p.a, err = New(opts, openNotifier(p.openA)); err != nil {
				b.Fatal(err)
			}
			if p.b, err = New(DefaultOptions(), openNotifier(p.openB)); err != nil {
				b.Fatal(err)
			}
			defer p.close()
			p.connect(b)
			time.Sleep(500 * time.Millisecond) // past connection start-up
			const window = 2 * time.Second
			var busy time.Duration
			b.ResetTimer()
			for range b.N {
				c0 := cpuTime(b)
				time.Sleep(window)
				busy += cpuTime(b) - c0
			}
			b.ReportMetric(100*float64(busy)/float64(window*time.Duration(b.N)), "cpu-%")
			s := p.b.Stats()
			b.ReportMetric(float64(s.AudioRecv.Packets), "audio-pkts-recv")
		})
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
