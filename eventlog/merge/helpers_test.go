package merge_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
)

// simCall runs a scenario with seed and returns the recorded call: its
// metadata and events. Different seeds draw different session ids.
func simCall(t testing.TB, scenario string, seed int64) (eventlog.CallMeta, []eventlog.Event) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sim.log")
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseString("call.txt", scenario)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(sc, sim.Options{Seed: seed, Log: l, CallID: "sim"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return simtest.ReadCall(t, path, "sim")
}

// device is one device's recording of a call, as its own recorder writes
// it: only its events, its own start, the conversation label.
type device struct {
	meta   eventlog.CallMeta
	events []eventlog.Event
	ep     eventlog.Endpoint
	id     string        // the call id in the device's log
	late   time.Duration // how much later than the call's start its recording began
	skew   time.Duration // how far its clock is off: added to its times
	conv   string
}

// writeDevices writes each device recording as one call of a new log at
// path, in order.
func writeDevices(t testing.TB, path string, devs ...device) {
	t.Helper()
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true, BatchSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	for _, d := range devs {
		meta := eventlog.CallMeta{ID: d.id, ToolVersion: "test", Source: "live",
			Start: d.meta.Start.Add(d.late), Endpoints: []eventlog.Endpoint{d.ep},
			Labels: map[string]string{"conv": d.conv}}
		for _, c := range d.meta.Conns {
			if c.Endpoint == d.ep {
				meta.Conns = append(meta.Conns, c)
			}
		}
		w, err := l.CreateCall(meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range d.events {
			if ev.Endpoint == d.ep {
				ev.At += d.skew - d.late
				if _, err := w.Append(ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// verifyAll replays every call of the log at path and fails on a
// divergence; it returns the calls' ids.
func verifyAll(t testing.TB, path string) []string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := replay.Verify(replay.Reader(r))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Check(); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		ids = append(ids, info.Meta.ID)
	}
	return ids
}

// fileState is a file's bytes' hash and its modification time.
type fileState struct {
	sum   [32]byte
	mtime time.Time
}

func stateOf(t testing.TB, path string) fileState {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fileState{sha256.Sum256(b), st.ModTime()}
}
