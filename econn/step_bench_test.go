package econn

import (
	"runtime"
	"testing"
)

// Benchmarks of one whole call through Step, per side. Each iteration
// creates a Conn and steps it from start to close; the figures are
// reported per input (New counts as one) so that they compare with the
// target of under 1 µs and at most 2 allocations per input. Received
// messages are built once, outside the loop: the cost of decoding them is
// the codec's benchmark.
//
//	go test ./econn -run '^$' -bench 'BenchmarkCall' -benchmem

var benchCfg = Config{UserID: "B", ClientID: "1", SessID: "sB"}

// BenchmarkCallCaller: New, Start, Recv(SETUP resp), DataChanEstablished,
// End, Recv(HANGUP resp).
func BenchmarkCallCaller(b *testing.B) {
	from := peerLo
	inputs := []Input{
		Start{SDP: "offer", Props: Props{"videosend": "true"}},
		from.recv(MsgSetup, true),
		DataChanEstablished{},
		End{},
		from.recv(MsgHangup, true),
	}
	benchCall(b, inputs, StateTerminating)
}

// BenchmarkCallCallee: New, Recv(SETUP req), Answer, DataChanEstablished,
// Recv(HANGUP req).
func BenchmarkCallCallee(b *testing.B) {
	from := peerLo
	inputs := []Input{
		from.recv(MsgSetup, false),
		Answer{SDP: "answer", Props: Props{"videosend": "true"}},
		DataChanEstablished{},
		from.recv(MsgHangup, false),
	}
	benchCall(b, inputs, StateTerminating)
}

func benchCall(b *testing.B, inputs []Input, final State) {
	perCall := float64(len(inputs) + 1) // + New
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c, _, err := New(benchCfg)
		if err != nil {
			b.Fatal(err)
		}
		for _, in := range inputs {
			if _, err := c.Step(in); err != nil {
				b.Fatal(err)
			}
		}
		if c.State() != final {
			b.Fatalf("call ended in %s, want %s", c.State(), final)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	n := float64(b.N) * perCall
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/input")
	b.ReportMetric(float64(ms.Mallocs-mallocs)/n, "allocs/input")
}
