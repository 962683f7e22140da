package export_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/redact"
)

// -update rewrites testdata/<log>.<format> from the current code; the
// diff is the review.
var update = flag.Bool("update", false, "rewrite the golden exports in testdata/")

// goldenLogs are the recorded calls exported in every format: glare, a
// fan-out to two devices, a lost message, a duplicated one, an
// undecodable one.
var goldenLogs = []string{"04-glare", "06-two-callee-devices", "22-lost-cancel", "23-duplicated-setup", "25-undecodable"}

// openCall opens the only call of the log at path.
func openCall(t testing.TB, path string) *eventlog.CallReader {
	t.Helper()
	return simtest.OpenCall(t, path, "")
}

func exportString(t testing.TB, r *eventlog.CallReader, opts export.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := export.Write(&b, r, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestGolden writes each golden log in each format and compares the
// output, byte for byte, with the one kept (first written by the
// exports as they were in cmd/callreplay).
func TestGolden(t *testing.T) {
	for _, name := range goldenLogs {
		r := openCall(t, filepath.Join("..", "..", "testdata", "golden", name+".log"))
		for _, f := range export.Formats() {
			t.Run(name+"/"+f, func(t *testing.T) {
				got := exportString(t, r, export.Options{Format: export.Format(f)})
				path := filepath.Join("testdata", name+"."+f)
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if got != string(want) {
					t.Fatalf("%s differs from %s (-update rewrites it):\n%s", f, path, firstDiff(string(want), got))
				}
				if f == string(export.ChromeTrace) && !json.Valid([]byte(got)) {
					t.Fatal("the trace is not JSON")
				}
			})
		}
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "kept: " + a + "\nnow:  " + b
		}
	}
	return "(no line differs)"
}

func TestParseFormat(t *testing.T) {
	for _, s := range export.Formats() {
		if f, err := export.ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := export.ParseFormat("pdf"); !errors.Is(err, export.ErrFormat) || !strings.Contains(err.Error(), "jsonl, mermaid") {
		t.Fatalf("pdf: %v", err)
	}
	r := openCall(t, filepath.Join("..", "..", "testdata", "golden", "04-glare.log"))
	if err := export.Write(&bytes.Buffer{}, r, export.Options{Format: "pdf"}); !errors.Is(err, export.ErrFormat) {
		t.Fatalf("Write pdf: %v", err)
	}
}

// TestFilterAndFrom checks that the options select the events written.
func TestFilterAndFrom(t *testing.T) {
	r := openCall(t, filepath.Join("..", "..", "testdata", "golden", "04-glare.log"))
	all := strings.Split(strings.TrimSuffix(exportString(t, r, export.Options{Format: export.JSONL}), "\n"), "\n")
	from := strings.Split(strings.TrimSuffix(exportString(t, r, export.Options{Format: export.JSONL, From: 10}), "\n"), "\n")
	if len(all) != int(r.Count()) || !slices.Equal(from, all[9:]) {
		t.Fatalf("%d events, %d lines; from 10: %d lines", r.Count(), len(all), len(from))
	}
	text := exportString(t, r, export.Options{Format: export.Text,
		Filter: mustFilter(t, "kind=output type=StateChanged")})
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 4 || !strings.Contains(lines[0], "events") {
		t.Fatalf("text:\n%s", text)
	}
	for _, l := range lines[2:] {
		if !strings.Contains(l, " out ") || !strings.Contains(l, "→") {
			t.Fatalf("the filter let through %q", l)
		}
	}
}

// TestRedacted exports a call with personal data through a Redactor: no
// format shows an id or an address.
func TestRedacted(t *testing.T) {
	alice := eventlog.Endpoint{User: "193ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "fcf510876f3349e4"}
	bob := eventlog.Endpoint{User: "293ac375-d7f0-4a0e-a237-e409297c7c9f", Client: "0a1b2c3d4e5f6789"}
	path := writeCall(t, simtest.BasicCallBetween(alice, bob, 3))
	r := openCall(t, path)
	red, err := redact.New(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range export.Formats() {
		plain := exportString(t, r, export.Options{Format: export.Format(f)})
		out := exportString(t, r, export.Options{Format: export.Format(f), Redactor: red})
		for _, s := range []string{alice.User, alice.Client, bob.User, bob.Client, "10.0.0.2"} {
			if f == string(export.JSONL) && !strings.Contains(plain, s) {
				t.Fatalf("%s without a redactor lacks %q: the test proves nothing", f, s)
			}
			if strings.Contains(out, s) {
				t.Errorf("%s with a redactor still contains %q", f, s)
			}
		}
		if !strings.Contains(out, "u1/c") {
			t.Errorf("%s names no pseudonym:\n%.300s", f, out)
		}
	}
}

// writeCall records the scenario, simulated, into a new log and returns
// its path.
func writeCall(t testing.TB, scenario string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "call.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "call", Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustFilter(t *testing.T, expr string) filter.Filter {
	t.Helper()
	f, err := filter.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestProgress: an export reports how far it has read, rising, of the
// call's events (twice for Mermaid, which reads it twice), and writes the
// same as without.
func TestProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "long", Scenario: simtest.BasicCall(60)}); err != nil {
		t.Fatal(err)
	}
	r := openCall(t, path)
	n := r.Count()
	for _, f := range export.Formats() {
		var done []uint64
		opts := export.Options{Format: export.Format(f)}
		plain := exportString(t, r, opts)
		passes := uint64(1)
		if f == string(export.Mermaid) {
			passes = 2
		}
		opts.Progress = func(d, total uint64) {
			if total != passes*n || d > total || len(done) > 0 && d <= done[len(done)-1] {
				t.Fatalf("%s: progress %d/%d after %v (%d events)", f, d, total, done, n)
			}
			done = append(done, d)
		}
		if got := exportString(t, r, opts); got != plain {
			t.Fatalf("%s: progress changed the export", f)
		}
		if least := passes * n / 256; uint64(len(done)) < least || done[len(done)-1] < passes*n-256 {
			t.Fatalf("%s: %d progress reports, last %v, of %d events", f, len(done), done[len(done)-1:], passes*n)
		}
	}
}
