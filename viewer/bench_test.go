package viewer

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// benchEvents is the size of the call the benchmarks open.
const benchEvents = 1_000_000

var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// bigLog returns a log holding one call of at least benchEvents events,
// simulated once per test process: a basic call with enough pings.
func bigLog(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "callrec-viewer-bench")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "big.db")
		benchErr = recordBig(benchPath)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func recordBig(path string) error {
	// Enough ping rounds for benchEvents; the updates add a few more.
	return simtest.WriteLog(path, simtest.Call{ID: "big", Scenario: simtest.BasicCall(benchEvents / simtest.RoundEvents)})
}

// BenchmarkOpenFirstScreen opens the 1,000,000-event call of a log file
// and paints the first screen on a simulated screen, in this process:
// the viewer's share of what a person waits for after typing `callreplay
// view`. The whole wait, process start and terminal included, is
// BenchmarkViewFirstPaint in cmd/callreplay.
func BenchmarkOpenFirstScreen(b *testing.B) {
	path := bigLog(b)
	scr := newScreen(b, 100, 30)
	b.ResetTimer()
	for b.Loop() {
		l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		cat := NewLogCatalog(l, nil)
		m, err := New(cat, Options{})
		if err != nil {
			b.Fatal(err)
		}
		m.Resize(100, 30)
		draw(scr, m)
		scr.Show()
		if m.n < benchEvents {
			b.Fatalf("the call has %d events", m.n)
		}
		cat.Close()
		l.Close()
	}
}

// BenchmarkKey answers one key press and repaints, at the start, the
// middle and the end of the 1,000,000-event call, once the index has its
// checkpoints (Warm builds them in the background after opening).
func BenchmarkKey(b *testing.B) {
	path := bigLog(b)
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	cat := NewLogCatalog(l, nil)
	defer cat.Close()
	src, err := cat.Open("big")
	if err != nil {
		b.Fatal(err)
	}
	cs := src.(*CallSource)
	start := time.Now()
	<-cs.done // let Warm build every checkpoint
	b.Logf("warming the index of %d events took %v", cs.n, time.Since(start))
	scr := newScreen(b, 100, 30)
	m, err := New(singleCatalog{src}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	m.Resize(100, 30)
	for _, pos := range []int{0, cs.n / 2, cs.n - 2} {
		for _, key := range []string{"j", "i", "G", "/"} {
			b.Run(fmt.Sprintf("at=%d/key=%s", pos, key), func(b *testing.B) {
				m.setCursor(pos, true)
				m.refresh()
				flip := 0
				var worst time.Duration
				for b.Loop() {
					t0 := time.Now()
					flip++
					switch key {
					case "j": // j and k in turn: the cursor stays near pos
						press(m, string("jk"[flip%2]))
					case "i":
						press(m, string("iI"[flip%2]))
					case "G": // the longest jumps: G and back
						if flip%2 == 0 {
							press(m, "G")
						} else {
							press(m, fmt.Sprintf(":%d", pos+1), enter)
						}
					case "/": // search for the next PING request
						press(m, "/PING request", enter)
						m.setCursor(pos, false)
					}
					draw(scr, m)
					scr.Show()
					worst = max(worst, time.Since(t0))
					if m.msgErr {
						b.Fatal(m.msg)
					}
				}
				b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
			})
		}
	}
}

// BenchmarkColdJumpToEnd opens the 1,000,000-event call and presses G at
// once, before the background warming got far. The key is answered at
// once; the inspector says "replaying" until the warming reaches the end
// (BenchmarkKey logs how long that takes).
func BenchmarkColdJumpToEnd(b *testing.B) {
	path := bigLog(b)
	scr := newScreen(b, 100, 30)
	b.ResetTimer()
	for b.Loop() {
		l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		cat := NewLogCatalog(l, nil)
		m, err := New(cat, Options{})
		if err != nil {
			b.Fatal(err)
		}
		m.Resize(100, 30)
		press(m, "G")
		draw(scr, m)
		scr.Show()
		if m.msgErr || m.Cursor() != m.n-1 || !m.Pending() {
			b.Fatalf("G: cursor %d of %d, %s", m.Cursor(), m.n, m.msg)
		}
		cat.Close()
		l.Close()
	}
}

// BenchmarkFilteredKey sets a filter on the 1,000,000-event call, lets
// the event loop build its index (logged: how long), then answers j/k
// and G/g under it: a dense filter (every input) and a sparse one (three
// Ignored events in the whole call).
func BenchmarkFilteredKey(b *testing.B) {
	path := bigLog(b)
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	cat := NewLogCatalog(l, nil)
	defer cat.Close()
	src, err := cat.Open("big")
	if err != nil {
		b.Fatal(err)
	}
	<-src.(*CallSource).done
	scr := newScreen(b, 100, 30)
	m, err := New(singleCatalog{src}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	m.Resize(100, 30)
	for _, filter := range []string{"kind=input", "type=Ignored"} {
		m.prompt = &prompt{kind: promptFilter, text: []rune(filter)}
		start := time.Now()
		var worst time.Duration
		press(m, "", enter)
		for m.Busy() {
			t0 := time.Now()
			m.Tick()
			worst = max(worst, time.Since(t0))
		}
		b.Logf("filter %s: %s, indexed in %v, longest step %v", filter, m.filterStatus(), time.Since(start), worst)
		for _, keys := range []string{"jk", "Gg"} {
			b.Run(fmt.Sprintf("filter=%s/keys=%s", filter, keys), func(b *testing.B) {
				flip := 0
				var worst time.Duration
				for b.Loop() {
					t0 := time.Now()
					flip++
					press(m, string(keys[flip%2]))
					draw(scr, m)
					scr.Show()
					worst = max(worst, time.Since(t0))
					if m.msgErr {
						b.Fatal(m.msg)
					}
				}
				b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms")
			})
		}
	}
}
