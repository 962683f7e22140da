package replay_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// compatRoot holds logs recorded by earlier builds, one directory per
// format version: compatRoot/vN holds logs whose calls were written with
// FormatVersion N (its README says how each was recorded). Field logs are
// regression tests only while every later build still opens them and
// replays them exactly, so this test runs them all with the current code.
const compatRoot = "../../testdata/compat"

// compatCount is what checking one version directory found.
type compatCount struct {
	logs, calls, steps int
	sources            map[string]int // calls by CallMeta.Source: "sim", "live", "live-demo"
}

// checkCompatRoot checks every vN directory under root. It returns what
// each version held and every problem found, each naming its file.
func checkCompatRoot(root string) (map[int]compatCount, []error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, []error{err}
	}
	found := map[int]compatCount{}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue // README and the like
		}
		version, ok := parseVersionDir(e.Name())
		if !ok {
			errs = append(errs, fmt.Errorf("%s: not a version directory (want v1, v2, ...)", filepath.Join(root, e.Name())))
			continue
		}
		n, derrs := checkCompatDir(filepath.Join(root, e.Name()), version)
		found[version] = n
		errs = append(errs, derrs...)
	}
	return found, errs
}

// parseVersionDir parses "vN", N ≥ 1, written without leading zeros.
func parseVersionDir(name string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "v"))
	if err != nil || n < 1 || name != "v"+strconv.Itoa(n) {
		return 0, false
	}
	return n, true
}

// checkCompatDir opens every .db and .log file of dir and checks each of
// its calls; a directory without a log is an error, so that a misplaced
// or renamed directory cannot pass by checking nothing.
func checkCompatDir(dir string, version int) (compatCount, []error) {
	n := compatCount{sources: map[string]int{}}
	var errs []error
	entries, err := os.ReadDir(dir)
	if err != nil {
		return n, []error{err}
	}
	for _, e := range entries {
		if e.IsDir() || (filepath.Ext(e.Name()) != ".db" && filepath.Ext(e.Name()) != ".log") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		n.logs++
		steps, err := checkCompatLog(path, version, n.sources)
		n.steps += steps
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	}
	for _, c := range n.sources {
		n.calls += c
	}
	if n.logs == 0 {
		errs = append(errs, fmt.Errorf("%s: no logs (.db or .log files)", dir))
	}
	return n, errs
}

// checkCompatLog opens a log read-only and checks every call in it,
// counting the calls in sources.
func checkCompatLog(path string, version int, sources map[string]int) (steps int, err error) {
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		return 0, err
	}
	if len(infos) == 0 {
		return 0, errors.New("no calls")
	}
	var errs []error
	for _, info := range infos {
		sources[info.Meta.Source]++
		n, err := checkCompatCall(l, info.Meta, version)
		steps += n
		if err != nil {
			errs = append(errs, fmt.Errorf("call %s: %w", info.Meta.ID, err))
		}
	}
	return steps, errors.Join(errs...)
}

// checkCompatCall checks that a call says it was written in version and
// that it replays exactly, as callreplay verify replays it; the error
// names the first diverging step.
func checkCompatCall(l *eventlog.Log, meta eventlog.CallMeta, version int) (int, error) {
	if meta.FormatVersion != version {
		return 0, fmt.Errorf("format version %d, want %d (the directory's)", meta.FormatVersion, version)
	}
	cr, err := l.Call(meta.ID)
	if err != nil {
		return 0, err
	}
	defer cr.Close()
	rp := replay.NewReplayer(replay.Reader(cr))
	var first string
	for rp.Next() {
		if st := rp.Step(); st.Divergence != nil && first == "" {
			first = fmt.Sprintf("event %d (%s %s): %s", st.Input.Seq, st.Conn, st.Input.Type, st.Divergence.Reason)
		}
	}
	steps := int(rp.Steps())
	switch {
	case rp.Err() != nil:
		return steps, rp.Err()
	case first != "":
		return steps, fmt.Errorf("%d of %d steps diverge; the first at %s", rp.Divergences(), steps, first)
	case rp.Events() != cr.Count():
		return steps, fmt.Errorf("replayed %d of %d events", rp.Events(), cr.Count())
	case steps == 0:
		return 0, errors.New("no steps to replay")
	}
	return steps, nil
}

// TestCompatLogsVerify opens every log of every testdata/compat/vN and
// replays every call with the current code.
func TestCompatLogsVerify(t *testing.T) {
	found, errs := checkCompatRoot(compatRoot)
	for _, err := range errs {
		t.Error(err)
	}
	// v1 holds the logs recorded before the format first changed, both
	// simulated (the golden logs) and live (demo and cross-process). It
	// stays for good.
	live := 0
	for src, c := range found[1].sources {
		if strings.HasPrefix(src, "live") { // "live" (callrec call), "live-demo"
			live += c
		}
	}
	if found[1].sources["sim"] == 0 || live == 0 {
		t.Errorf("%s/v1: calls checked by source: %v; want both sim and live", compatRoot, found[1].sources)
	}
	// Every released version, the current one included, has its logs of
	// the scenarios.
	for v := 1; v <= eventlog.FormatVersion; v++ {
		if found[v].sources["sim"] == 0 {
			t.Errorf("%s/v%d: no simulated calls checked; every format version keeps its logs", compatRoot, v)
		}
	}
	for v, n := range found {
		t.Logf("v%d: %d logs, %d calls %v, %d steps replay exactly", v, n.logs, n.calls, n.sources, n.steps)
	}
}

// TestCompatCurrentFormat checks that the same walk accepts a log written
// by this build, in the directory of the current FormatVersion: once the
// format changes, logs of the new version go into their own vN beside v1.
func TestCompatCurrentFormat(t *testing.T) {
	root := t.TempDir()
	dir := versionDir(t, root, eventlog.FormatVersion)
	names := recordScenarios(t, filepath.Join(dir, "sim.log"))
	found, errs := checkCompatRoot(root)
	for _, err := range errs {
		t.Error(err)
	}
	if n := found[eventlog.FormatVersion]; n.logs != 1 || n.calls != len(names) || n.steps == 0 {
		t.Errorf("v%d: %d logs, %d calls, %d steps checked; want 1 log of %d calls",
			eventlog.FormatVersion, n.logs, n.calls, n.steps, len(names))
	}
}

// TestCompatReportsBadLogs shows that the walk fails, naming the file and
// the call, for each way a compat log or directory can be wrong.
func TestCompatReportsBadLogs(t *testing.T) {
	cur := eventlog.FormatVersion
	hangup := filepath.Join(compatRoot, "v1", "02-hangup.log")
	cases := []struct {
		name  string
		setup func(t *testing.T, root string)
		want  []string // substrings of the only error
	}{
		{"call of another version", func(t *testing.T, root string) {
			copyFile(t, hangup, filepath.Join(versionDir(t, root, cur+1), "02-hangup.log"))
		}, []string{"02-hangup.log: call 02-hangup: format version 1, want " + strconv.Itoa(cur+1)}},
		{"diverging output", func(t *testing.T, root string) {
			writeWithoutFirstOutput(t, hangup, filepath.Join(versionDir(t, root, cur), "tampered.log"))
		}, []string{"tampered.log: call 02-hangup: 1 of ", " steps diverge; the first at event "}},
		{"not a log", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(versionDir(t, root, 1), "junk.db"), "not bbolt at all, but long enough to be read as a page header")
		}, []string{"junk.db: ", eventlog.ErrNotLog.Error()}},
		{"log without calls", func(t *testing.T, root string) {
			path := filepath.Join(versionDir(t, root, cur), "empty.db")
			l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		}, []string{"empty.db: no calls"}},
		{"directory without logs", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(versionDir(t, root, 1), "README.md"), "no logs here\n")
		}, []string{"v1: no logs"}},
		{"stray directory", func(t *testing.T, root string) {
			if err := os.Mkdir(filepath.Join(root, "v01"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, []string{"v01: not a version directory"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			_, errs := checkCompatRoot(root)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(errs), errs)
			}
			t.Log(errs[0])
			for _, w := range tc.want {
				if !strings.Contains(errs[0].Error(), w) {
					t.Errorf("error %q does not say %q", errs[0], w)
				}
			}
		})
	}
}

// versionDir makes root/vN.
func versionDir(t *testing.T, root string, version int) string {
	t.Helper()
	dir := filepath.Join(root, "v"+strconv.Itoa(version))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// recordScenarios runs every scenario of testdata/scenarios into one new
// log, one call each, through the production recorder; it returns their
// names.
func recordScenarios(t *testing.T, path string) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var names []string
	for _, f := range files {
		sc, err := sim.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		if _, err := sim.Run(sc, sim.Options{Seed: 1, Log: l, CallID: name, ToolVersion: "compat-test"}); err != nil {
			t.Fatalf("scenario %s: %v", name, err)
		}
		names = append(names, name)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return names
}

// writeWithoutFirstOutput copies the only call of the log from into a new
// log to, leaving out its first output event: the step that produced it
// then replays to one output more than recorded.
func writeWithoutFirstOutput(t *testing.T, from, to string) {
	t.Helper()
	src, err := eventlog.Open(from, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	cr, err := src.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer cr.Close()
	dst, err := eventlog.Open(to, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	w, err := dst.CreateCall(cr.Meta())
	if err != nil {
		t.Fatal(err)
	}
	dropped := false
	c := cr.Cursor(nil)
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		if ev.Kind == eventlog.KindOutput && !dropped {
			dropped = true
			continue
		}
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Err(); err != nil || !dropped {
		t.Fatalf("reading %s: %v (dropped an output: %t)", from, err, dropped)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, string(b))
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
