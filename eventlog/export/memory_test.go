package export_test

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/pair"
)

// longLog records a call of about n events (ping rounds, an update every
// fifty) into a new log.
func longLog(tb testing.TB, n int) string {
	tb.Helper()
	return writeCall(tb, simtest.LongCall(n))
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sampler is a writer that measures the live heap when the bytes written
// pass given marks.
type sampler struct {
	n     int
	marks []int
	heaps []uint64
}

func (s *sampler) Write(p []byte) (int, error) {
	s.n += len(p)
	for len(s.heaps) < len(s.marks) && s.n >= s.marks[len(s.heaps)] {
		s.heaps = append(s.heaps, heap())
	}
	return len(p), nil
}

// TestMemoryIsFlat exports a call of 100,000 events in every format and
// checks that the live heap does not grow between a fifth and nine tenths
// of the output: nothing is kept per event.
func TestMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("records a call of 100,000 events")
	}
	r := openCall(t, longLog(t, 100_000))
	if r.Count() < 90_000 {
		t.Fatalf("the long call has %d events", r.Count())
	}
	for _, f := range export.Formats() {
		t.Run(f, func(t *testing.T) {
			opts := export.Options{Format: export.Format(f)}
			size := &sampler{}
			if err := export.Write(size, r, opts); err != nil {
				t.Fatal(err)
			}
			s := &sampler{marks: []int{size.n / 5, size.n * 9 / 10}}
			base := heap()
			if err := export.Write(s, r, opts); err != nil {
				t.Fatal(err)
			}
			if len(s.heaps) != 2 {
				t.Fatalf("%d of 2 samples taken", len(s.heaps))
			}
			// 70,000 events written in between: keeping even 30 bytes
			// of each would show.
			if grew := int64(s.heaps[1]) - int64(s.heaps[0]); grew > 2<<20 {
				t.Fatalf("the heap grew by %d bytes over 70,000 events", grew)
			}
			// An export that holds its output back to the end would grow
			// before the first mark: bound what it holds outright. The
			// streaming exports hold well under 1 MiB; the whole call's
			// arrows and notes take several.
			if held := int64(max(s.heaps[0], s.heaps[1])) - int64(base); held > 1<<20 {
				t.Fatalf("the export held %d bytes", held)
			}
			t.Logf("%s: %d bytes out; heap %+d B at 20%%, %+d B at 90%% of the output", f, size.n,
				int64(s.heaps[0])-int64(base), int64(s.heaps[1])-int64(base))
		})
	}
}

// TestMermaidMatchesWholeLadder draws a long call, where the first SETUP
// stays pending to the end and so the waiting lines pass maxWaiting, and
// compares it with the diagram drawn from the whole call in memory (the
// way the export worked before it streamed).
func TestMermaidMatchesWholeLadder(t *testing.T) {
	r := openCall(t, longLog(t, 20_000))
	var b strings.Builder
	if err := export.Write(&b, r, export.Options{Format: export.Mermaid}); err != nil {
		t.Fatal(err)
	}
	want := wholeMermaid(t, r)
	if strings.Count(want, "\n") < 2000 {
		t.Fatalf("only %d lines: the window is not passed", strings.Count(want, "\n"))
	}
	if got := b.String(); got != want {
		t.Fatalf("streamed diagram differs:\n%s", firstDiff(want, got))
	}
}

// wholeMermaid draws the diagram from every arrow and note of the call,
// sorted: the reference the streaming export must match.
func wholeMermaid(t *testing.T, r *eventlog.CallReader) string {
	lad := describe.NewLadder(r.Meta().Endpoints)
	type note struct {
		seq  uint64
		ep   eventlog.Endpoint
		text string
	}
	var notes []note
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		lad.Add(ev)
		switch o := ev.Output.(type) {
		case econn.StateChanged, econn.Closed:
			notes = append(notes, note{ev.Seq, ev.Endpoint, ev.Conn + " " + o.Describe()})
		}
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	lad.Flush()
	esc := strings.NewReplacer(";", ",", "#", "no. ", "\n", " ").Replace
	ids := map[eventlog.Endpoint]string{}
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for i, ep := range lad.Endpoints() {
		ids[ep] = fmt.Sprintf("P%d", i)
		name := ep.String()
		if !lad.Recorded(ep) {
			name += " (not recorded)"
		}
		fmt.Fprintf(&b, "    participant P%d as %s\n", i, esc(name))
	}
	arrows := lad.Arrows()
	for i, j := 0, 0; i < len(arrows) || j < len(notes); {
		if j < len(notes) && (i == len(arrows) || notes[j].seq < arrows[i].First()) {
			fmt.Fprintf(&b, "    Note over %s: %s\n", ids[notes[j].ep], esc(notes[j].text))
			j++
			continue
		}
		a := arrows[i]
		i++
		from, to := ids[a.From], ids[a.To]
		if to == "" {
			to = from
		}
		arrow, label := "->>", a.Label()
		if a.Via == econn.TransportDirect {
			arrow = "-->>"
		}
		switch {
		case a.Lost():
			arrow, label = strings.TrimSuffix(arrow, ">>")+"x", label+" (lost)"
		case a.Status == pair.NotRecorded:
			label += " (receiver not recorded)"
		case a.Status == pair.NoSend:
			label += " (sender not recorded)"
		case a.Sent == 0:
			label += " (send not in the log)"
		}
		fmt.Fprintf(&b, "    %s%s%s: %s\n", from, arrow, to, esc(label))
	}
	return b.String()
}

// BenchmarkWrite exports calls of 10,000 and 100,000 events; B/event, the
// bytes allocated per event written, stays flat as the call grows (run
// with -benchmem for B/op).
func BenchmarkWrite(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		r := openCall(b, longLog(b, n))
		events := float64(r.Count())
		for _, f := range export.Formats() {
			b.Run(fmt.Sprintf("%s/events=%dk", f, n/1000), func(b *testing.B) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for b.Loop() {
					if err := export.Write(io.Discard, r, export.Options{Format: export.Format(f)}); err != nil {
						b.Fatal(err)
					}
				}
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/events, "B/event")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/events, "ns/event")
			})
		}
	}
}
