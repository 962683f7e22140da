package fleet

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/filter"
	"github.com/callrec/callrec/eventlog/merge"
	"github.com/callrec/callrec/eventlog/replay"
)

// simLog runs a scenario file of testdata/scenarios with seed into a new
// log and returns its path; the call's id is "sim".
func simLog(t testing.TB, scenario string, seed int64, build string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sim.log")
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join("..", "testdata", "scenarios", scenario))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseString(scenario, string(text))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(sc, sim.Options{Seed: seed, Log: l, CallID: "sim", ToolVersion: build}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// splitDevices writes each endpoint of the simulated call at path as the
// call of its own log, as the device's recorder would have: its events
// only, its connections, the conversation label conv. It returns the
// logs' paths, in the order of the call's endpoints.
func splitDevices(t testing.TB, path, conv string) []string {
	t.Helper()
	meta, evs := simtest.ReadCall(t, path, "sim")
	var out []string
	for i, ep := range meta.Endpoints {
		p := filepath.Join(t.TempDir(), "device.log")
		l, err := eventlog.Open(p, 0o644, &eventlog.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		m := eventlog.CallMeta{ID: "call-1", ToolVersion: meta.ToolVersion, Source: "live", Start: meta.Start.Add(time.Duration(i) * time.Millisecond),
			Endpoints: []eventlog.Endpoint{ep}, Labels: map[string]string{merge.LabelConv: conv}}
		for _, c := range meta.Conns {
			if c.Endpoint == ep {
				m.Conns = append(m.Conns, c)
			}
		}
		w, err := l.CreateCall(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Endpoint == ep {
				ev.At -= time.Duration(i) * time.Millisecond
				ev.Seq = 0
				if _, err := w.Append(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// upload ships the logs at paths to the fleet.
func upload(t testing.TB, c *Client, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := c.Upload(testCtx(t), p, UploadOptions{}); err != nil {
			t.Fatalf("upload %s: %v", p, err)
		}
	}
}

// callIDsOf lists the ids of calls.
func callIDsOf(calls []Call) []string {
	var ids []string
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	return ids
}

// A three-device call recorded on three devices is one fleet call (its
// recordings linked by the sessions they heard from, as merge links
// them); a simulation's call is one of its own. The call filter selects
// by user, device, outcome, reason, build and time.
func TestCallsGroupAndFilter(t *testing.T) {
	c := connect(t, serve(t).URL())
	devices := splitDevices(t, simLog(t, "06-two-callee-devices.txt", 7, "v1.0"), "conv-1")
	glare := simLog(t, "09-caller-timeout.txt", 8, "v2.0-dev")
	upload(t, c, append(devices, glare)...)

	calls, err := c.Calls(testCtx(t), QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2: %v", len(calls), callIDsOf(calls))
	}
	var three, sim *Call
	for i := range calls {
		if len(calls[i].Recordings) == 3 {
			three = &calls[i]
		} else {
			sim = &calls[i]
		}
	}
	if three == nil || sim == nil || !strings.HasPrefix(three.ID, "conv-1.") || three.ID != "conv-1."+three.Recordings[0].Rec {
		t.Fatalf("calls %v: want one of three recordings in conv-1 and a simulation's", callIDsOf(calls))
	}
	if got := three.Devices(); len(got) != 3 {
		t.Errorf("devices %v, want 3", got)
	}
	// Listing again reads the links from the cache: the same calls.
	again, err := c.Calls(testCtx(t), QueryOptions{})
	if err != nil || !slices.Equal(callIDsOf(again), callIDsOf(calls)) {
		t.Fatalf("second listing %v (%v), want %v", callIDsOf(again), err, callIDsOf(calls))
	}

	// Both calls have A/1 and B/1; only the three-device call B/2.
	simDevs := sim.Devices()
	var only string
	for _, d := range three.Devices() {
		if !slices.Contains(simDevs, d) {
			only = d
		}
	}
	user := three.Recordings[0].Meta.Endpoints[0].User
	for _, tc := range []struct {
		expr string
		want []*Call
	}{
		{"", []*Call{three, sim}},
		{"user=" + user, []*Call{three, sim}},
		{"user=nobody", nil},
		{"device=" + only, []*Call{three}},
		{"device=" + only + "," + simDevs[0], []*Call{three, sim}},
		{"build=v2*", []*Call{sim}},
		{"build=V1.0", []*Call{three}},
		{"outcome=closed", []*Call{three, sim}},
		{"outcome=open", nil},
		{"outcome=failed", []*Call{sim}},
		{"reason=timed-out", []*Call{sim}},
		{"since=" + sim.Start().Add(time.Hour).Format(time.RFC3339), nil},
		{"until=" + sim.Start().Add(time.Hour).Format(time.RFC3339) + " build=v1.0", []*Call{three}},
	} {
		f, err := filter.ParseCalls(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Calls(testCtx(t), QueryOptions{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, w := range tc.want {
			want = append(want, w.ID)
		}
		if !slices.Equal(callIDsOf(got), want) {
			t.Errorf("--filter %q: %v, want %v", tc.expr, callIDsOf(got), want)
		}
	}

	// A prefix finds a call; one shared by both is ambiguous.
	if got, err := FindCall(calls, three.ID[:12]); err != nil || got.ID != three.ID {
		t.Errorf("FindCall(prefix) = %v, %v", got.ID, err)
	}
	if _, err := FindCall(calls, "nope"); err == nil {
		t.Error("FindCall(nope) found a call")
	}
}

// Pulling the three-device call writes one merged call that verifies;
// fleet verify of the same calls finds them all ok.
func TestPullThenVerify(t *testing.T) {
	c := connect(t, serve(t).URL())
	devices := splitDevices(t, simLog(t, "06-two-callee-devices.txt", 7, "v1.0"), "conv-1")
	upload(t, c, devices...)
	calls, err := c.Calls(testCtx(t), QueryOptions{})
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls %v, %v", callIDsOf(calls), err)
	}
	out := filepath.Join(t.TempDir(), "pulled.log")
	rep, err := c.Pull(testCtx(t), calls[0], out, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Calls) != 1 || len(rep.Calls[0].From) != 3 || len(rep.Calls[0].Devices) != 3 {
		t.Fatalf("pull wrote %+v, want one call merged from 3 recordings", rep.Calls)
	}
	l, err := eventlog.Open(out, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call(rep.Calls[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	vr, err := replay.Verify(replay.Reader(r))
	if err != nil || vr.Check() != nil {
		t.Fatalf("the pulled call does not verify: %v %v", err, vr.Check())
	}
	if _, err := c.Pull(testCtx(t), calls[0], out, merge.Options{}); err == nil {
		t.Error("pull over an existing log succeeded")
	}

	res, err := c.Verify(testCtx(t), VerifyOptions{Workers: 2, Queue: testQueue})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.Results[0].Status != StatusOK || len(res.Results[0].Recordings) != 3 ||
		res.Results[0].Steps == 0 {
		t.Fatalf("fleet verify: %+v", res.Results)
	}
	var steps uint64
	for _, rr := range res.Results[0].Recordings {
		steps += rr.Report.Steps
	}
	if steps != vr.Steps {
		t.Errorf("fleet verify replayed %d steps, the pulled call %d", steps, vr.Steps)
	}
}
