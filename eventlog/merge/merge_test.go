package merge_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/merge"
)

var a1, b1 = simtest.A1, simtest.B1

// splitCall records BasicCall and writes it as the two devices record it,
// each into its own log: B's recording began 700 ms before A's, whose
// began 200 ms after the call's start.
func splitCall(t *testing.T, dir string, seed int64) (eventlog.CallMeta, []eventlog.Event, string, string) {
	meta, evs := simCall(t, simtest.BasicCall(3), seed)
	a, b := filepath.Join(dir, "a1.db"), filepath.Join(dir, "b1.db")
	writeDevices(t, a, device{meta: meta, events: evs, ep: a1, id: "call-0001", late: 200 * time.Millisecond, conv: "c1"})
	writeDevices(t, b, device{meta: meta, events: evs, ep: b1, id: "call-0001", late: -500 * time.Millisecond, conv: "c1"})
	return meta, evs, a, b
}

func TestMergeJoinsTheDevicesOfOneCall(t *testing.T) {
	dir := t.TempDir()
	meta, evs, a, b := splitCall(t, dir, 1)
	before := []fileState{stateOf(t, a), stateOf(t, b)}
	out := filepath.Join(dir, "merged.db")
	rep, err := merge.Files([]string{a, b}, out, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := []fileState{stateOf(t, a), stateOf(t, b)}; !slices.Equal(got, before) {
		t.Error("an input log changed")
	}
	if len(rep.Calls) != 1 || !rep.Calls[0].Merged() || rep.Events != uint64(len(evs)) {
		t.Fatalf("report %+v, want one merged call of %d events", rep, len(evs))
	}
	if ids := verifyAll(t, out); len(ids) != 1 {
		t.Fatalf("merged log holds calls %v", ids)
	}
	got, merged := simtest.ReadCall(t, out, rep.Calls[0].ID)
	// The call begins when the first recording began: B's.
	if want := meta.Start.Add(-500 * time.Millisecond); !got.Start.Equal(want) {
		t.Errorf("start %v, want %v", got.Start, want)
	}
	if !slices.Equal(got.Endpoints, []eventlog.Endpoint{b1, a1}) || len(got.Conns) != len(meta.Conns) {
		t.Errorf("endpoints %v, conns %v", got.Endpoints, got.Conns)
	}
	if got.Labels["conv"] != "c1" || !strings.Contains(got.Labels[merge.LabelMerged], "a1.db call-0001") {
		t.Errorf("labels %v", got.Labels)
	}
	// Every device's events as recorded, in order and at their wall-clock
	// time; the timeline never goes back.
	for _, ep := range []eventlog.Endpoint{a1, b1} {
		want, have := ofDevice(meta, evs, ep), ofDevice(got, merged, ep)
		if !slices.Equal(want, have) {
			t.Errorf("%s: events differ after merging:\n%v\n%v", ep, want, have)
		}
	}
	for i := 1; i < len(merged); i++ {
		if merged[i].At < merged[i-1].At {
			t.Fatalf("event %d at %v before event %d at %v", merged[i].Seq, merged[i].At, merged[i-1].Seq, merged[i-1].At)
		}
	}
}

// ofDevice renders ep's events of a call with their wall-clock times and
// without their Seq, for comparing.
func ofDevice(meta eventlog.CallMeta, evs []eventlog.Event, ep eventlog.Endpoint) []string {
	var out []string
	for _, ev := range evs {
		if ev.Endpoint == ep {
			b, _ := eventlog.EncodeEvent(eventlog.Event{Endpoint: ev.Endpoint, Conn: ev.Conn, Kind: ev.Kind,
				Type: ev.Type, Input: ev.Input, Output: ev.Output, Note: ev.Note})
			out = append(out, meta.Start.Add(ev.At).Format(time.RFC3339Nano)+" "+string(b))
		}
	}
	return out
}

func TestMergeSeveralCallsPerLog(t *testing.T) {
	dir := t.TempDir()
	m1, e1 := simCall(t, simtest.BasicCall(1), 1)
	m2, e2 := simCall(t, simtest.Glare, 2)
	m3, e3 := simCall(t, simtest.Glare, 3)
	// A's log holds calls 1 and 2 of conversation c1, B's calls 2 and 1
	// and call 3, which A did not record.
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	writeDevices(t, a,
		device{meta: m1, events: e1, ep: a1, id: "call-0001", conv: "c1"},
		device{meta: m2, events: e2, ep: a1, id: "call-0002", late: time.Minute, conv: "c1"})
	writeDevices(t, b,
		device{meta: m2, events: e2, ep: b1, id: "call-0001", late: time.Minute, conv: "c1"},
		device{meta: m1, events: e1, ep: b1, id: "call-0002", conv: "c1"},
		device{meta: m3, events: e3, ep: b1, id: "call-0003", late: 2 * time.Minute, conv: "c1"})
	out := filepath.Join(dir, "merged.db")
	rep, err := merge.Files([]string{a, b}, out, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines bytes.Buffer
	if err := rep.Write(&lines); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"merged call-0001 (conversation c1; " + itoa(len(e1)) + " events): " + a + " call call-0001 (A/1), " + b + " call call-0002 (B/1)",
		"merged call-0002 (conversation c1; " + itoa(len(e2)) + " events): " + a + " call call-0002 (A/1), " + b + " call call-0001 (B/1)",
		"copied call-0003 (conversation c1; " + itoa(len(ofDevice(m3, e3, b1))) + " events): " + b + " call call-0003 (B/1), no partner",
		"wrote 3 calls (" + itoa(len(e1)+len(e2)+len(ofDevice(m3, e3, b1))) + " events) to " + out,
	}
	if got := strings.Split(strings.TrimSpace(lines.String()), "\n"); !slices.Equal(got, want) {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	verifyAll(t, out)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestMergeKeepsAnIdenticalDeviceOnce(t *testing.T) {
	dir := t.TempDir()
	_, evs, a, b := splitCall(t, dir, 1)
	once := filepath.Join(dir, "once.db")
	if _, err := merge.Files([]string{a, b}, once, merge.Options{}); err != nil {
		t.Fatal(err)
	}
	// The merged log, with a device's own log again, and B's log twice.
	out := filepath.Join(dir, "twice.db")
	rep, err := merge.Files([]string{once, a, b, b}, out, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Calls) != 1 || rep.Events != uint64(len(evs)) || len(rep.Calls[0].Duplicates) != 3 {
		t.Fatalf("report %+v, want one call of %d events, 3 devices kept once", rep, len(evs))
	}
	var lines bytes.Buffer
	rep.Write(&lines)
	if want := "  " + b + " call call-0001 records B/1 exactly as " + once + " call call-0001 does: kept once\n"; !strings.Contains(lines.String(), want) {
		t.Errorf("report:\n%s\nwant a line %q", lines.String(), want)
	}
	verifyAll(t, out)
}

func TestMergeRefusesADeviceRecordedTwiceDifferently(t *testing.T) {
	dir := t.TempDir()
	meta, evs, a, b := splitCall(t, dir, 1)
	for name, change := range map[string]func([]eventlog.Event) []eventlog.Event{
		"an event less": func(evs []eventlog.Event) []eventlog.Event {
			for i := len(evs) - 1; i >= 0; i-- {
				if evs[i].Endpoint == b1 {
					return slices.Delete(slices.Clone(evs), i, i+1)
				}
			}
			t.Fatal("no event of B/1")
			return nil
		},
		"another note": func(evs []eventlog.Event) []eventlog.Event {
			evs = slices.Clone(evs)
			for i := range evs {
				if evs[i].Kind == eventlog.KindNote && evs[i].Endpoint == b1 {
					evs[i].Note = &eventlog.Note{Text: "something else"}
					return evs
				}
			}
			t.Fatal("no note of B/1")
			return nil
		},
		"later": func(evs []eventlog.Event) []eventlog.Event {
			evs = slices.Clone(evs)
			for i := range evs {
				evs[i].At += time.Millisecond
			}
			return evs
		},
	} {
		t.Run(name, func(t *testing.T) {
			other := filepath.Join(t.TempDir(), "b1-other.db")
			writeDevices(t, other, device{meta: meta, events: change(evs), ep: b1, id: "call-0007", late: -500 * time.Millisecond, conv: "c1"})
			out := filepath.Join(dir, "refused.db")
			_, err := merge.Files([]string{a, b, other}, out, merge.Options{})
			if !errors.Is(err, merge.ErrConflict) {
				t.Fatalf("error %v, want ErrConflict", err)
			}
			for _, want := range []string{other + " call call-0007", b + " call call-0001", "device B/1"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error on several lines: %q", err)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("refused merge left %s: %v", out, err)
			}
		})
	}
}

func TestMergeWritesANewLogOnly(t *testing.T) {
	dir := t.TempDir()
	_, _, a, b := splitCall(t, dir, 1)
	before := stateOf(t, b)
	if _, err := merge.Files([]string{a, b}, b, merge.Options{}); !errors.Is(err, merge.ErrExists) {
		t.Errorf("merging into an input: %v, want ErrExists", err)
	}
	if stateOf(t, b) != before {
		t.Error("the input changed")
	}
	if _, err := merge.Files(nil, filepath.Join(dir, "x.db"), merge.Options{}); !errors.Is(err, merge.ErrNoInput) {
		t.Errorf("no input: %v", err)
	}
	notLog := filepath.Join(dir, "not.db")
	os.WriteFile(notLog, []byte("hello, world"), 0o644)
	out := filepath.Join(dir, "y.db")
	if _, err := merge.Files([]string{a, notLog}, out, merge.Options{}); !errors.Is(err, eventlog.ErrNotLog) {
		t.Errorf("not a log: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed merge left %s", out)
	}
}

func TestMergeCompatCrossProcessCall(t *testing.T) {
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", "compat", v)
			var in []string
			for _, d := range []string{"a1", "b1", "b2"} {
				in = append(in, filepath.Join(dir, "live-call-"+d+".db"))
			}
			out := filepath.Join(t.TempDir(), "call.db")
			rep, err := merge.Files(in, out, merge.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Calls) != 1 || len(rep.Calls[0].Devices) != 3 || rep.Events != 44+13+40 {
				t.Fatalf("report %+v, want one call of 3 devices and 97 events", rep)
			}
			verifyAll(t, out)
		})
	}
}

func TestMergeReportsProgress(t *testing.T) {
	dir := t.TempDir()
	meta, evs := simCall(t, simtest.LongCall(20000), 1)
	a, b := filepath.Join(dir, "a1.db"), filepath.Join(dir, "b1.db")
	writeDevices(t, a, device{meta: meta, events: evs, ep: a1, id: "call-0001", conv: "c1"})
	writeDevices(t, b, device{meta: meta, events: evs, ep: b1, id: "call-0001", conv: "c1"})
	var calls, last, total uint64
	_, err := merge.Files([]string{a, b}, filepath.Join(dir, "m.db"), merge.Options{Progress: func(done, all uint64) {
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		calls, last, total = calls+1, done, all
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 3 || last != uint64(len(evs)) || total != last {
		t.Errorf("%d progress reports, the last %d of %d; want several, ending at %d", calls, last, total, len(evs))
	}
}

// A device whose clock was off: the merged call's clocks are estimated
// and recover the offset within the one-way delay.
func TestMergedClocksAligned(t *testing.T) {
	dir := t.TempDir()
	meta, evs := simCall(t, "clients A/1 B/1\nfault delay by=40ms\nstart A/1\nadvance 1s\nanswer B/1\nadvance 1s\n"+
		"ping A/1\nping B/1\nadvance 1s\nend A/1\nadvance 10s\nexpect B/1 state=Terminating\n", 1)
	a, b := filepath.Join(dir, "a1.db"), filepath.Join(dir, "b1.db")
	writeDevices(t, a, device{meta: meta, events: evs, ep: a1, id: "call-0001", conv: "c1"})
	// B/1's clock reads 2.5 s late: its times are 2.5 s early.
	writeDevices(t, b, device{meta: meta, events: evs, ep: b1, id: "call-0001", conv: "c1", skew: -2500 * time.Millisecond})
	out := filepath.Join(dir, "m.db")
	if _, err := merge.Files([]string{a, b}, out, merge.Options{}); err != nil {
		t.Fatal(err)
	}
	est, err := clocks.OfCall(simtest.OpenCall(t, out, "call-0001"))
	if err != nil || est == nil {
		t.Fatalf("estimate %v, %v", est, err)
	}
	shift := est.Of(b1) - est.Of(a1)
	if d := (shift - 2500*time.Millisecond).Abs(); d > 40*time.Millisecond {
		t.Errorf("B/1 shifted %v relative to A/1, want 2.5s within 40ms", shift)
	}
}
