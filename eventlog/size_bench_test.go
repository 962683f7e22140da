package eventlog_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
)

// The compact-log goal: a log of many small calls is at most 0.8× the
// size of its own JSON-lines export. The measuring command:
//
//	go test ./eventlog -run ScenarioLogSize -v
//	go test ./eventlog -run '^$' -bench ScenarioLogSize
const maxSizeRatio = 0.8

// scenarioLog records every scenario of testdata/scenarios, a call each,
// into one new log, as `callrec sim testdata/scenarios/*.txt --out` does,
// and returns its path.
func scenarioLog(tb testing.TB) string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no scenarios: %v", err)
	}
	var calls []simtest.Call
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		calls = append(calls, simtest.Call{ID: strings.TrimSuffix(filepath.Base(f), ".txt"), Scenario: string(text)})
	}
	path := filepath.Join(tb.TempDir(), "scenarios.db")
	if err := simtest.WriteLog(path, calls...); err != nil {
		tb.Fatal(err)
	}
	return path
}

// sizes returns the log's size on disk, the size of the JSON-lines export
// of all its calls, and its number of events.
func sizes(tb testing.TB, path string) (logSize, jsonSize int64, events uint64) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		tb.Fatal(err)
	}
	var cw countingWriter
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			tb.Fatal(err)
		}
		err = export.Write(&cw, r, export.Options{Format: export.JSONL})
		r.Close()
		if err != nil {
			tb.Fatal(err)
		}
		events += info.Events
	}
	return fi.Size(), cw.n, events
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestScenarioLogSize(t *testing.T) {
	logSize, jsonSize, events := sizes(t, scenarioLog(t))
	ratio := float64(logSize) / float64(jsonSize)
	t.Logf("log %d bytes, JSON lines %d bytes, %d events: %.2f× (%.0f bytes/event)",
		logSize, jsonSize, events, ratio, float64(logSize)/float64(events))
	if ratio > maxSizeRatio {
		t.Errorf("the scenarios' log is %.2f× its JSON-lines export, want at most %.2f×", ratio, maxSizeRatio)
	}
}

// BenchmarkScenarioLogSize records the scenarios into a log per op and
// reports its size against its JSON-lines export.
func BenchmarkScenarioLogSize(b *testing.B) {
	var logSize, jsonSize int64
	var events uint64
	for range b.N {
		path := scenarioLog(b)
		b.StopTimer()
		logSize, jsonSize, events = sizes(b, path)
		os.Remove(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(logSize)/float64(jsonSize), "x-jsonl")
	b.ReportMetric(float64(logSize)/float64(events), "bytes/event")
}
