package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
)

// compatDevices are the three device logs of the cross-process call of a
// format version's compat directory.
func compatDevices(version string) []string {
	var paths []string
	for _, d := range []string{"a1", "b1", "b2"} {
		paths = append(paths, filepath.Join("..", "..", "testdata", "compat", version, "live-call-"+d+".db"))
	}
	return paths
}

func TestProcessMergeCrossProcessCall(t *testing.T) {
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "call.db")
			r := callreplay.Run(t, append(append([]string{"merge"}, compatDevices(v)...), "--out", out)...)
			if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "merged call-0001 (conversation c1; 97 events): ") ||
				!strings.Contains(r.Stdout, "wrote 1 calls (97 events) to "+out) {
				t.Fatalf("merge: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			r = callreplay.Run(t, "verify", out)
			if r.Code != 0 || !strings.Contains(r.Stdout, "97 events, 18 steps") || !strings.Contains(r.Stdout, "1 ok, 0 diverged") {
				t.Fatalf("verify: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			}
			r = callreplay.Run(t, "ls", out)
			for _, ep := range []string{"A/1", "B/1", "B/2"} {
				if !strings.Contains(r.Stdout, ep) {
					t.Errorf("ls does not list %s:\n%s", ep, r.Stdout)
				}
			}
		})
	}
}

func TestProcessMergeRefusals(t *testing.T) {
	dir := t.TempDir()
	devs := compatDevices("v2")
	// B/1's recording again, with its last event missing.
	other := filepath.Join(dir, "b1-other.db")
	copyCallWithout(t, devs[1], other, 13)
	out := filepath.Join(dir, "out.db")
	callreplay.CheckOneLine(t, callreplay.Run(t, "merge", devs[0], devs[1], other, "--out", out), cmdutil.ExitInput,
		other+" call call-0001 and "+devs[1]+" call call-0001 both record device B/1, one with 12 events of it, the other with more")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused merge left %s", out)
	}
	callreplay.CheckOneLine(t, callreplay.Run(t, "merge", devs[0]), cmdutil.ExitUsage, `required flag(s) "out" not set`)
	callreplay.CheckOneLine(t, callreplay.Run(t, "merge", devs[0], "--out", devs[1]), cmdutil.ExitInput, devs[1]+" already exists")
	callreplay.CheckOneLine(t, callreplay.Run(t, "merge", filepath.Join(dir, "none.db"), "--out", out), cmdutil.ExitInput, "no such log file")

	// Identical copies are no conflict: kept once, and said so.
	r := callreplay.Run(t, "merge", devs[0], devs[1], devs[1], "--out", out)
	if r.Code != 0 || !strings.Contains(r.Stdout, "  "+devs[1]+" call call-0001 records B/1 exactly as "+devs[1]+" call call-0001 does: kept once\n") {
		t.Fatalf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// copyCallWithout copies the only call of the log src into a new log dst
// without its event seq, as a damaged or partial recording would hold it.
func copyCallWithout(t *testing.T, src, dst string, seq uint64) {
	t.Helper()
	in, err := eventlog.Open(src, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := in.OnlyCall()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := eventlog.Open(dst, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w, err := out.CreateCall(r.Meta())
	if err != nil {
		t.Fatal(err)
	}
	cur := r.Cursor(nil)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		if ev.Seq != seq {
			if _, err := w.Append(ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMergeFlags(t *testing.T) {
	ios := &cmdutil.IOStreams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	var got *mergeOptions
	cmd := newMergeCmd(ios, func(o *mergeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a.db", "b.db", "-o", "m.db"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, mergeOptions{ios: ios, Logs: []string{"a.db", "b.db"}, Out: "m.db"}) {
		t.Fatalf("merge options %+v", got)
	}
}

// A merge that runs long shows its progress on a terminal, and clears it.
func TestMergeProgressOnATerminal(t *testing.T) {
	defer func(d time.Duration) { progressAfter = d }(progressAfter)
	for _, after := range []time.Duration{0, time.Hour} {
		progressAfter = after
		var out, errs bytes.Buffer
		ios := &cmdutil.IOStreams{Out: &out, Err: &errs, ErrTerminal: true}
		opts := &mergeOptions{ios: ios, Logs: compatDevices("v2"), Out: filepath.Join(t.TempDir(), "m.db")}
		if err := mergeRun(opts); err != nil {
			t.Fatal(err)
		}
		shown := strings.Contains(errs.String(), "\rmerging: 97 of 97 events")
		if shown != (after == 0) || (shown && !strings.HasSuffix(errs.String(), "\r")) {
			t.Errorf("progress after %v: %q", after, errs.String())
		}
	}
}

// The README's end of a call across processes, with real processes: the
// three devices' logs merged, then the whole call in the viewer in a real
// terminal, its title bar naming every device and how their clocks were
// aligned.
func TestMergeThenViewInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("tmux end-to-end test")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "call.db")
	if r := callreplay.Run(t, append(append([]string{"merge"}, compatDevices("v2")...), "--out", out)...); r.Code != 0 {
		t.Fatalf("merge: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	s := newTmux(t, dir, 160, 30, []string{"NO_COLOR=1"}, callreplay.Path(t)+" view "+out)
	pane := s.waitFor("call call-0001 │ 97 events │", "clocks agree with A/1")
	for _, ep := range []string{"A/1", "B/1", "B/2"} {
		if !strings.Contains(strings.SplitN(pane, "\n", 2)[0], ep) {
			t.Errorf("title bar lacks %s:\n%s", ep, pane)
		}
	}
	s.keys("q")
}
